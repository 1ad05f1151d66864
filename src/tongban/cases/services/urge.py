"""督办 (urge, docs/domain/cases.md §7): a supervisor urges the departments of an open case's late or nearly late
steps. It is recorded on the case's timeline (and audited), and every member of those departments is told
in-app. One 督办 a case a day."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import staff_user_ids_of
from tongban.cases.constants import OPEN_STEP_STATUSES, CaseStatus
from tongban.cases.errors import CaseError, CaseUrgedToday, InvalidTransition
from tongban.cases.locks import lock_case
from tongban.cases.models import Case, CaseEvent
from tongban.cases.selectors import case_urged_today
from tongban.core.actors import Actor
from tongban.core.audit import audit_record
from tongban.core.errors import InvalidInput
from tongban.notifications.facade import notify

URGE_TEXT_MAX = 500


def case_urge(*, actor: Actor, case: Case, text: Any) -> CaseEvent:
    """Urge the departments of ``case``'s open steps (the lead department when none is open); 409
    ``invalid_transition`` for a case not in process, ``case_urged_today`` for a second 督办 the same day;
    422 ``opinion_required`` without a text (1–500 characters)."""
    text = (text if isinstance(text, str) else "").strip()
    if not text or len(text) > URGE_TEXT_MAX:
        raise InvalidInput(CaseError.OPINION_REQUIRED, _("请填写督办意见（不超过 500 字）"), field="text")
    with transaction.atomic():
        case = lock_case(case.pk)
        if case.status != CaseStatus.IN_PROCESS:
            raise InvalidTransition("urge", case.status)
        if case_urged_today(case):
            raise CaseUrgedToday()
        steps = list(case.steps.filter(status__in=OPEN_STEP_STATUSES).order_by("order"))
        departments = {str(s.department_uuid): s.department_name for s in steps} or {
            str(case.lead_department_uuid): case.lead_department_name
        }
        event = CaseEvent.objects.create(
            case=case,
            action="urge",
            actor_label=actor.display_name or actor.organisation_name({"supervisor"}),
            opinion=text,
            department_name="、".join(departments.values()),
            detail={"departments": list(departments), "steps": [s.key for s in steps]},
        )
        told: set[int] = set()
        for dept in departments:
            for user_id, _name in staff_user_ids_of(dept):
                if user_id in told:
                    continue
                told.add(user_id)
                notify(
                    user_id=user_id,
                    title=_("督办通知"),
                    body=_("办件 %(number)s（%(name)s）被督办：%(text)s"),
                    params={"number": case.number, "name": case.name, "text": text},
                    link=f"/staff/cases/{case.uuid}/",
                    sms=False,
                )
        audit_record(
            actor=actor,
            action="case.urge",
            object_type="case",
            object_id=str(case.uuid),
            after={"departments": list(departments.values()), "told": len(told)},
        )
    return event
