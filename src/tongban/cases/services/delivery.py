"""The end of a case: the conclusion (办结; each step made its result as it passed: services/results.py),
and the delivery of the result (出件)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.cases.access import require_intake_staff
from tongban.cases.constants import CaseStatus, DeliveryMethod, Outcome
from tongban.cases.errors import CaseError
from tongban.cases.events import applicant_tell, case_ended_after_commit, event_record
from tongban.cases.locks import lock_case
from tongban.cases.models import Case
from tongban.cases.services.common import require_status
from tongban.catalog.facade import record_conclusion
from tongban.core.actors import Actor
from tongban.core.errors import InvalidInput
from tongban.core.workdays import working_days_between


def conclude(case: Case, actor: Actor | None, outcome: str, decision: str, today: date) -> None:
    case.status, case.outcome, case.decision = CaseStatus.CONCLUDED, outcome, decision
    case.concluded_at = timezone.now()
    assert case.accepted_on is not None, "a case concludes after its acceptance"
    case.actual_days = max(working_days_between(case.accepted_on, today) - case.paused_days, 0)
    case.save(update_fields=["status", "outcome", "decision", "concluded_at", "actual_days"])
    record_conclusion(
        target_kind=case.target_kind,
        target_uuid=case.target_uuid,
        promised_days=case.promised_days,
        actual_days=case.actual_days,
    )
    event_record(case, actor, "conclude", outcome=outcome, actual_days=case.actual_days)
    _decision_seal_after_commit(case)
    case_ended_after_commit(case)
    applicant_tell(
        case,
        _("办件已办结"),
        _("%(name)s（%(number)s）已办结：%(outcome)s。"),
        params={"name": case.name, "number": case.number, "outcome": Outcome(outcome).label},
    )


def _decision_seal_after_commit(case: Case) -> None:
    """The sealed 办结通知书 is made by a task once the conclusion is committed (a failure to seal leaves the
    unsealed document, never the conclusion, undone)."""
    from tongban.cases.tasks import case_decision_seal

    uuid = str(case.uuid)
    transaction.on_commit(lambda: case_decision_seal.enqueue(case_uuid=uuid), robust=True)


@transaction.atomic
def case_deliver(*, actor: Actor, case: Case, tracking_number: str = "") -> Case:
    require_intake_staff(actor, case)
    case = lock_case(case)
    require_status(case, "deliver", CaseStatus.CONCLUDED)
    tracking_number = (tracking_number or "").strip()
    if case.delivery_method == DeliveryMethod.COURIER and not tracking_number:
        raise InvalidInput(
            CaseError.TRACKING_NUMBER_REQUIRED, _("邮寄送达须填写快递单号"), field="tracking_number"
        )
    case.status, case.delivered_at, case.tracking_number = (
        CaseStatus.DELIVERED,
        timezone.now(),
        tracking_number,
    )
    case.save(update_fields=["status", "delivered_at", "tracking_number"])
    event_record(case, actor, "deliver", method=case.delivery_method, tracking_number=tracking_number)
    case_ended_after_commit(case)
    applicant_tell(
        case,
        _("办理结果已送达"),
        _("%(name)s（%(number)s）的办理结果已送达（%(method)s）。"),
        params={
            "name": case.name,
            "number": case.number,
            "method": DeliveryMethod(case.delivery_method).label,
        },
    )
    return case
