"""The departments' steps: start those whose dependencies have passed, claim, release, decide (pass, return
to the applicant, refuse), and close those left open when a case ends early."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.cases.access import require_step_reviewer
from tongban.cases.constants import OPEN_STEP_STATUSES, CaseStatus, Light, Outcome, StepStatus
from tongban.cases.deadlines import due_after, due_is_provisional, yellow_from
from tongban.cases.errors import CaseError, InvalidTransition
from tongban.cases.events import applicant_tell, event_record
from tongban.cases.locks import lock_step, lock_steps
from tongban.cases.models import Case, CaseStep
from tongban.cases.services import common
from tongban.cases.services.common import require_status
from tongban.cases.services.delivery import conclude
from tongban.cases.services.results import step_result_make
from tongban.core.actors import Actor
from tongban.core.errors import InvalidInput


def start_steps(case: Case, steps: list[CaseStep], on: date) -> None:
    done = {s.key for s in steps if s.status == StepStatus.PASSED}
    for step in steps:
        if step.status == StepStatus.WAITING and all(d in done for d in step.depends_on):
            step.status, step.started_on = StepStatus.READY, on
            step.due_on = due_after(on, step.budget_days)
            step.yellow_on = yellow_from(on, step.due_on, step.budget_days)
            step.due_on_provisional = due_is_provisional(on, step.due_on)
            step.light = Light.GREEN
            step.save(
                update_fields=["status", "started_on", "due_on", "yellow_on", "due_on_provisional", "light"]
            )


@transaction.atomic
def step_claim(*, actor: Actor, step: CaseStep) -> CaseStep:
    require_step_reviewer(actor, step)
    case, step = lock_step(step)
    require_status(case, "claim", CaseStatus.IN_PROCESS)
    if step.status != StepStatus.READY:
        raise InvalidTransition("claim", step.status)
    step.status, step.claimed_by, step.claimed_by_name = (
        StepStatus.CLAIMED,
        actor.id,
        actor.display_name,
    )
    step.save(update_fields=["status", "claimed_by", "claimed_by_name"])
    event_record(case, actor, "claim", step=step)
    return step


@transaction.atomic
def step_release(*, actor: Actor, step: CaseStep) -> CaseStep:
    require_step_reviewer(actor, step)
    case, step = lock_step(step)
    if step.status != StepStatus.CLAIMED or step.claimed_by != actor.id:
        raise InvalidTransition("release", step.status)
    step.status, step.claimed_by, step.claimed_by_name = StepStatus.READY, None, ""
    step.save(update_fields=["status", "claimed_by", "claimed_by_name"])
    event_record(case, actor, "release", step=step)
    return step


DECISIONS = ("pass", "return", "refuse")


@transaction.atomic
def step_decide(*, actor: Actor, step: CaseStep, decision: str, opinion: str) -> CaseStep:
    """Pass the step (the next steps start; the case concludes approved when all have passed), return it
    to the applicant with the reasons, or refuse (the case concludes not approved)."""
    opinion = (opinion or "").strip()
    if decision not in DECISIONS:
        raise InvalidInput(
            CaseError.INVALID_DECISION, _("处理结果无效"), field="decision", allowed=list(DECISIONS)
        )
    if decision != "pass" and not opinion:
        raise InvalidInput(CaseError.OPINION_REQUIRED, _("退回或不予许可须填写意见"), field="opinion")
    require_step_reviewer(actor, step)
    case, step = lock_step(step)
    require_status(case, "decide", CaseStatus.IN_PROCESS)
    if case.paused_since is not None:
        raise InvalidTransition("decide_while_paused", case.status)
    if step.status != StepStatus.CLAIMED or step.claimed_by != actor.id:
        raise InvalidTransition("decide", step.status)
    step.decided_at, step.opinion = timezone.now(), opinion
    today = common.today()
    if decision == "pass":
        step.status = StepStatus.PASSED
        step.save(update_fields=["status", "decided_at", "opinion"])
        event_record(case, actor, "step_pass", step=step, opinion=opinion)
        step_result_make(case, step, actor)  # ResultNotMade rolls the pass back
        steps = list(lock_steps(case))
        if all(s.status == StepStatus.PASSED for s in steps):
            conclude(case, actor, Outcome.APPROVED, opinion or gettext("准予许可"), today)
        else:
            start_steps(case, steps, today)
    elif decision == "return":
        step.status = StepStatus.RETURNED
        step.save(update_fields=["status", "decided_at", "opinion"])
        case.status = CaseStatus.RETURNED
        case.save(update_fields=["status"])
        # The other open steps wait for the applicant (claims kept; their reviewers cannot decide meanwhile).
        case.steps.filter(status__in=OPEN_STEP_STATUSES).update(status=StepStatus.HELD)
        event_record(case, actor, "step_return", step=step, opinion=opinion)
        applicant_tell(
            case,
            _("申请被退回"),
            _("%(name)s（%(number)s）在“%(step)s”环节被退回：%(opinion)s"),
            params={"name": case.name, "number": case.number, "step": step.name, "opinion": opinion},
        )
    else:
        step.status = StepStatus.RETURNED
        step.save(update_fields=["status", "decided_at", "opinion"])
        close_open_steps(case)
        event_record(case, actor, "step_refuse", step=step, opinion=opinion)
        conclude(case, actor, Outcome.NOT_APPROVED, opinion, today)
    return step


def close_open_steps(case: Case) -> None:
    """The case ends before its plan did (withdrawn, refused): its steps that were still to be done close."""
    case.steps.filter(status__in=[*OPEN_STEP_STATUSES, StepStatus.WAITING, StepStatus.HELD]).update(
        status=StepStatus.CLOSED, light=Light.GREEN
    )
