"""Special procedures (特别程序: hearing, expert review, inspection…): the clock stops while one runs, and
its working days move every open due date later."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tongban.cases.access import require_intake_staff
from tongban.cases.constants import OPEN_STEP_STATUSES, CaseStatus, SpecialKind
from tongban.cases.deadlines import due_is_provisional, yellow_from
from tongban.cases.errors import CaseError, InvalidTransition
from tongban.cases.events import applicant_tell, event_record
from tongban.cases.locks import lock_case, lock_open_steps, lock_running_special_procedure
from tongban.cases.models import Case, SpecialProcedure
from tongban.cases.services import common
from tongban.cases.services.common import require_status
from tongban.core.actors import Actor
from tongban.core.errors import InvalidInput
from tongban.core.workdays import working_days_after, working_days_between


@transaction.atomic
def special_start(*, actor: Actor, case: Case, kind: str, reason: str) -> SpecialProcedure:
    if kind not in SpecialKind.values:
        raise InvalidInput(
            CaseError.INVALID_SPECIAL_KIND, _("特别程序种类无效"), field="kind", allowed=SpecialKind.values
        )
    if not (reason or "").strip():
        raise InvalidInput(CaseError.REASON_REQUIRED, _("须说明特别程序的理由和依据"), field="reason")
    require_intake_staff(actor, case)
    case = lock_case(case)
    require_status(case, "special_start", CaseStatus.IN_PROCESS)
    if case.paused_since is not None:
        raise InvalidTransition("special_start_twice", case.status)
    today = common.today()
    case.paused_since = today
    case.save(update_fields=["paused_since"])
    procedure = SpecialProcedure.objects.create(case=case, kind=kind, reason=reason.strip(), started_on=today)
    event_record(case, actor, "special_start", opinion=reason.strip(), kind=kind)
    applicant_tell(
        case,
        _("进入特别程序"),
        _("%(name)s（%(number)s）进入%(kind)s，所需时间不计入办理时限。"),
        params={"name": case.name, "number": case.number, "kind": SpecialKind(kind).label},
    )
    return procedure


@transaction.atomic
def special_end(*, actor: Actor, case: Case, result: str) -> SpecialProcedure:
    """End the special procedure: its working days move every open due date later."""
    require_intake_staff(actor, case)
    case = lock_case(case)
    if case.paused_since is None:
        raise InvalidTransition("special_end", case.status)
    today = common.today()
    paused = max(working_days_between(case.paused_since, today), 0)
    procedure = lock_running_special_procedure(case)
    procedure.ended_on, procedure.result, procedure.paused_days = today, (result or "").strip(), paused
    procedure.save(update_fields=["ended_on", "result", "paused_days"])
    case.paused_days += paused
    case.paused_since = None
    if paused:
        # A case in process has its acceptance date and due date, a started step its own.
        assert case.accepted_on is not None and case.due_on is not None
        case.due_on = working_days_after(case.due_on, paused)
        case.yellow_on = yellow_from(case.accepted_on, case.due_on, case.promised_days + case.paused_days)
        case.due_on_provisional = due_is_provisional(case.accepted_on, case.due_on)
    case.save(update_fields=["paused_days", "paused_since", "due_on", "yellow_on", "due_on_provisional"])
    if paused:
        for step in lock_open_steps(case, OPEN_STEP_STATUSES):
            assert step.started_on is not None and step.due_on is not None
            step.due_on = working_days_after(step.due_on, paused)
            step.yellow_on = yellow_from(step.started_on, step.due_on, step.budget_days + paused)
            step.due_on_provisional = due_is_provisional(step.started_on, step.due_on)
            step.save(update_fields=["due_on", "yellow_on", "due_on_provisional"])
    event_record(case, actor, "special_end", opinion=procedure.result, paused_days=paused)
    return procedure
