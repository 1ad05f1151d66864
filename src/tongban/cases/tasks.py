"""Periodic work of the cases context, run by `tongban worker` (enqueued by `tongban cases tick`)."""

import logging
from datetime import timedelta

from django.conf import settings
from django_tasks import task

from tongban.cases.services import cases_deem_accepted
from tongban.cases.supervision import supervision_update

logger = logging.getLogger(__name__)


@task(queue_name="default")
def case_decision_seal(case_uuid: str) -> dict:
    """The concluded case's 办结通知书, sealed by its lead department and kept on the case (docs/domain/
    seals.md): made after the conclusion commits, so a case never waits for its seal."""
    from tongban.cases.documents import decision_pdf
    from tongban.cases.models import Case
    from tongban.seals.facade import department_document_seal

    case = Case.objects.filter(uuid=case_uuid).first()
    if case is None or case.concluded_at is None:
        return {"sealed": False}
    sealed = department_document_seal(
        str(case.lead_department_uuid),
        case.lead_department_name,
        decision_pdf(case),
        purpose=f"办结通知书 {case.number}",
        field_name="受理部门印章",
    )
    Case.objects.filter(pk=case.pk).update(decision_document=sealed)
    return {"sealed": True, "bytes": len(sealed)}


@task(queue_name="default")
def case_acceptance_seal(case_uuid: str, kind: str = "acceptance") -> dict:
    """The 受理通知书 of an accepted case (``kind`` "acceptance": by the clerk, on commitment, or deemed) or the
    不予受理决定书 of a case refused at intake (``kind`` "refusal"), sealed by its lead department and kept on
    the case (docs/domain/seals.md): made after the acceptance or refusal commits. Made in Chinese, whatever
    language the request that enqueued it spoke: it is the department's official document."""
    from django.utils import translation

    from tongban.cases.constants import CaseStatus
    from tongban.cases.documents import ACCEPTANCE, REFUSAL, acceptance_pdf, acceptance_title
    from tongban.cases.models import Case
    from tongban.seals.facade import department_document_seal

    case = Case.objects.filter(uuid=case_uuid).first()
    if case is None or kind not in (ACCEPTANCE, REFUSAL):
        return {"sealed": False}
    if case.acceptance_document:  # acceptance and refusal are final: sealed once
        return {"sealed": False, "already": True}
    decided_on = None
    if kind == REFUSAL:
        if case.status != CaseStatus.REFUSED:
            return {"sealed": False}
        refusal = case.events.filter(action="refuse").order_by("-at", "-id").first()
        decided_on = refusal.at if refusal else None
    elif case.accepted_on is None:
        return {"sealed": False}
    with translation.override(settings.LANGUAGE_CODE):
        title = acceptance_title(kind)
        sealed = department_document_seal(
            str(case.lead_department_uuid),
            case.lead_department_name,
            acceptance_pdf(case, kind, decided_on),
            purpose=f"{title} {case.number}",
            field_name="受理部门印章",
        )
    Case.objects.filter(pk=case.pk).update(acceptance_document=sealed)
    return {"sealed": True, "kind": kind, "bytes": len(sealed)}


VOUCHER_RETRY_AFTER = timedelta(minutes=10)
VOUCHER_RETRY_BATCH = 20


def acceptance_documents_seal_missing(*, now=None, limit: int = VOUCHER_RETRY_BATCH) -> int:
    """The 受理通知书 or 不予受理决定书 of cases accepted or refused more than ten minutes ago that have none
    (the task failed, or the case was accepted before vouchers were sealed), sealed now, a few per tick; the
    oldest first. Returns how many were sealed."""
    from django.db.models import Exists, OuterRef, Q
    from django.utils import timezone

    from tongban.cases.constants import CaseStatus
    from tongban.cases.models import Case, CaseEvent

    before = (now or timezone.now()) - VOUCHER_RETRY_AFTER
    decided = CaseEvent.objects.filter(
        case=OuterRef("pk"), action__in=("accept", "deemed_accept", "refuse"), at__lt=before
    )
    missing = (
        Case.objects.filter(acceptance_document__isnull=True)
        .filter(Q(accepted_on__isnull=False) | Q(status=CaseStatus.REFUSED))
        .filter(Exists(decided))
        .order_by("id")
        .values_list("uuid", "status")[:limit]
    )
    done = 0
    for uuid, status in list(missing):
        kind = "refusal" if status == CaseStatus.REFUSED else "acceptance"
        try:
            done += bool(case_acceptance_seal.call(str(uuid), kind=kind).get("sealed"))
        except Exception:  # one case's seal failing leaves the others, and the tick, to run
            logger.exception("sealing the %s voucher of case %s failed", kind, uuid)
    return done


@task(queue_name="default")
def cases_tick() -> dict:
    """Deemed acceptance (5 working days without a supplement request), the vouchers left unsealed, then the
    supervision lights."""
    deemed = cases_deem_accepted()
    lights = supervision_update()
    return {"deemed_accepted": deemed, **lights, "vouchers_sealed": acceptance_documents_seal_missing()}
