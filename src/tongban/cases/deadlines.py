"""Due dates and supervision lights in working days (docs/domain/cases.md §6–7).

The day something starts is not counted: a limit of N working days is due on the N-th working day after it.
A 即办件 is due the same day. Paused time (special procedures) moves the due date by the working days paused.

Lights: red when the due date has passed; yellow from the day ``yellow_on`` — the earlier of the last working
day before the due date (≤ 1 working day left) and the day 80 % of the budget is used; green otherwise. Both
dates are stored, so the supervision task is a few set-based UPDATEs however many steps are open.

A due date counted over a year with no State Council notice yet is provisional (core.workdays,
docs/domain/working-days.md): :func:`due_is_provisional` says so, the case and step keep it in
``due_on_provisional``, and :func:`deadlines_recompute` counts the open deadlines again when a year is entered."""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from tongban.cases.constants import OPEN_STATUSES, Light, StepStatus
from tongban.core.workdays import (
    previous_working_day,
    range_is_provisional,
    working_days_after,
    working_days_between,
)

logger = logging.getLogger(__name__)

YELLOW_SHARE = 0.8
RECOMPUTE_BATCH = 500
# Steps of open cases whose due dates still count: open, held for the applicant's supplement, or returned
# (ready again once the applicant supplements).
_STEPS_WITH_DEADLINES = (StepStatus.READY, StepStatus.CLAIMED, StepStatus.HELD, StepStatus.RETURNED)
_LIGHT_RANK = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}


def due_after(start: date, days: int, paused: int = 0) -> date:
    return working_days_after(start, days + paused)


def due_is_provisional(start: date | None, due: date | None) -> bool:
    """Whether a due date counted from ``start`` went through a year without a State Council notice."""
    return start is not None and due is not None and range_is_provisional(start, due)


def yellow_from(start: date, due: date, budget: int) -> date:
    """The first day the light is yellow."""
    near_due = previous_working_day(due) if due > start else start
    mostly_used = working_days_after(start, math.ceil(YELLOW_SHARE * budget)) if budget else start
    return min(near_due, mostly_used)


def light_on(today: date, *, due: date | None, yellow: date | None) -> str:
    if due is None:
        return Light.GREEN
    if today > due:
        return Light.RED
    if yellow is not None and today >= yellow:
        return Light.YELLOW
    return Light.GREEN


def light_now(*, due: date | None, yellow: date | None, stored: str, paused: bool, today: date) -> str:
    """The light as of ``today``, computed when a page is drawn (the supervision task stores it, with an
    event, only every few minutes): from the due and yellow dates, or the stored light while a special
    procedure holds the clock (the dates move when it ends)."""
    return stored if paused else light_on(today, due=due, yellow=yellow)


def step_light_now(step, case, today: date) -> str:
    """The light of ``step`` of ``case`` today; green for a step that is not open (no clock runs)."""
    if step.status not in (StepStatus.READY, StepStatus.CLAIMED):
        return Light.GREEN
    return light_now(
        due=step.due_on,
        yellow=step.yellow_on,
        stored=step.light,
        paused=case.paused_since is not None,
        today=today,
    )


def case_light_now(case, steps, today: date) -> str:
    """The light of ``case`` today, as its header shows it: the worst of its own (promised date) and of its
    open steps', so the header never says 正常 next to a step in 预警. Green for a case not in process."""
    from tongban.cases.constants import CaseStatus

    if case.status != CaseStatus.IN_PROCESS:
        return Light.GREEN
    lights = [
        light_now(
            due=case.due_on,
            yellow=case.yellow_on,
            stored=case.light,
            paused=case.paused_since is not None,
            today=today,
        )
    ]
    lights += [step_light_now(s, case, today) for s in steps]
    return max(lights, key=_LIGHT_RANK.__getitem__)


def step_light_q(light: str, today: date, prefix: str = "") -> Q:
    """Open steps whose light today is ``light`` (the same rule as :func:`step_light_now`), for the inbox's
    filter and the board: from the dates, or the stored light of a step whose case is paused."""
    p = prefix
    if light == Light.RED:
        by_dates = Q(**{f"{p}due_on__lt": today})
    elif light == Light.YELLOW:
        by_dates = Q(**{f"{p}due_on__gte": today, f"{p}yellow_on__lte": today})
    else:
        by_dates = Q(**{f"{p}due_on__isnull": True}) | (
            Q(**{f"{p}due_on__gte": today})
            & (Q(**{f"{p}yellow_on__gt": today}) | Q(**{f"{p}yellow_on__isnull": True}))
        )
    return (Q(**{f"{p}case__paused_since__isnull": True}) & by_dates) | Q(
        **{f"{p}case__paused_since__isnull": False, f"{p}light": light}
    )


def days_overdue(due: date, today: date) -> int:
    return max(working_days_between(due, today), 0)


def _years_overlap(first: date, last: date, start_field: str) -> Q:
    return Q(**{f"{start_field}__lte": last, "due_on__gte": first})


def deadlines_recompute(*, years: list[int], today: date | None = None) -> dict[str, int]:
    """Count again, with the calendar as it now is, the deadlines of the open cases (and their steps) that
    run through ``years``: from their start dates and the working days paused by special procedures. Their
    provisional flags are set anew (cleared once the years are known), a light is turned back when the new
    dates no longer warrant it (turning lights on is the supervision task's), and every case whose dates
    changed gets a timeline event from the system. In the caller's transaction, in batches of locked rows
    (case rows before their steps). Returns {"cases": looked at, "changed": cases changed, "steps": steps
    changed}."""
    from tongban.cases.locks import lock_cases, lock_steps_of
    from tongban.cases.models import Case, CaseEvent, CaseStep, SpecialProcedure
    from tongban.core.audit import SYSTEM, audit_record

    if not years:
        return {"cases": 0, "changed": 0, "steps": 0}
    today = today or timezone.localdate()
    first, last = date(min(years), 1, 1), date(max(years), 12, 31)
    open_cases = Case.objects.filter(
        status__in=OPEN_STATUSES, accepted_on__isnull=False, due_on__isnull=False
    )
    ids = set(open_cases.filter(_years_overlap(first, last, "accepted_on")).values_list("pk", flat=True))
    ids |= set(
        CaseStep.objects.filter(
            _years_overlap(first, last, "started_on"),
            case__in=open_cases,
            status__in=_STEPS_WITH_DEADLINES,
            started_on__isnull=False,
            due_on__isnull=False,
        ).values_list("case_id", flat=True)
    )
    ordered = sorted(ids)
    changed_cases = changed_steps = 0
    with transaction.atomic():
        for i in range(0, len(ordered), RECOMPUTE_BATCH):
            batch = ordered[i : i + RECOMPUTE_BATCH]
            cases = lock_cases(open_cases.filter(pk__in=batch))
            steps_of = defaultdict(list)
            for step in lock_steps_of(
                CaseStep.objects.filter(
                    case_id__in=batch, status__in=_STEPS_WITH_DEADLINES, started_on__isnull=False
                ).exclude(due_on__isnull=True)
            ):
                steps_of[step.case_id].append(step)
            pauses = defaultdict(list)  # the special procedures that ended, as (started_on, paused_days)
            for case_id, started_on, paused in SpecialProcedure.objects.filter(
                case_id__in=batch, ended_on__isnull=False, paused_days__gt=0
            ).values_list("case_id", "started_on", "paused_days"):
                pauses[case_id].append((started_on, paused))
            case_rows, step_rows, events = [], [], []
            for case in cases:
                before = (case.due_on, case.yellow_on, case.due_on_provisional)
                case.due_on = due_after(case.accepted_on, case.promised_days, case.paused_days)
                case.yellow_on = yellow_from(
                    case.accepted_on, case.due_on, case.promised_days + case.paused_days
                )
                case.due_on_provisional = due_is_provisional(case.accepted_on, case.due_on)
                light = _turned_back(case.light, today, case.due_on, case.yellow_on)
                moved = (
                    before != (case.due_on, case.yellow_on, case.due_on_provisional) or light != case.light
                )
                case.light = light
                step_moves = []
                for step in steps_of.get(case.pk, []):
                    # A pause moved the steps that were open when it began (no step starts while paused).
                    paused = sum(days for began, days in pauses[case.pk] if began >= step.started_on)
                    old = (step.due_on, step.yellow_on, step.due_on_provisional, step.light)
                    step.due_on = due_after(step.started_on, step.budget_days, paused)
                    step.yellow_on = yellow_from(step.started_on, step.due_on, step.budget_days + paused)
                    step.due_on_provisional = due_is_provisional(step.started_on, step.due_on)
                    step.light = _turned_back(step.light, today, step.due_on, step.yellow_on)
                    if old != (step.due_on, step.yellow_on, step.due_on_provisional, step.light):
                        step_rows.append(step)
                        step_moves.append({"step": step.key, "due_on": str(step.due_on), "was": str(old[0])})
                if moved or step_moves:
                    case_rows.append(case)
                    events.append(
                        CaseEvent(
                            case=case,
                            action="deadline_recomputed",
                            actor_label=gettext("系统"),
                            detail={
                                "years": sorted(years),
                                "due_on": str(case.due_on),
                                "was": str(before[0]),
                                "provisional": case.due_on_provisional,
                                "steps": step_moves,
                            },
                        )
                    )
            Case.objects.bulk_update(case_rows, ["due_on", "yellow_on", "due_on_provisional", "light"])
            CaseStep.objects.bulk_update(step_rows, ["due_on", "yellow_on", "due_on_provisional", "light"])
            CaseEvent.objects.bulk_create(events)
            changed_cases += len(case_rows)
            changed_steps += len(step_rows)
        audit_record(
            actor=SYSTEM,
            action="cases.deadlines_recompute",
            object_type="work_calendar",
            object_id=",".join(str(y) for y in sorted(years)),
            after={"cases": len(ordered), "changed": changed_cases, "steps": changed_steps},
        )
    logger.info(
        "deadlines recomputed for calendar years %s: %d open cases, %d changed, %d steps changed",
        sorted(years),
        len(ordered),
        changed_cases,
        changed_steps,
    )
    return {"cases": len(ordered), "changed": changed_cases, "steps": changed_steps}


def _turned_back(current: str, today: date, due: date, yellow: date) -> str:
    """The light after new dates: lower when they no longer warrant it, else unchanged."""
    wanted = light_on(today, due=due, yellow=yellow)
    return wanted if _LIGHT_RANK[wanted] < _LIGHT_RANK[current] else current


NOTICE_WARNING_DAYS = 60  # staff are warned this long before a year with no notice yet begins


def provisional_calendar_warning(today: date | None = None) -> dict | None:
    """For the staff pages' banner: the provisional years (this and next, no State Council notice yet) when
    an open deadline already runs through one or the next year begins within NOTICE_WARNING_DAYS; else None.
    Reads only open cases due in those years (``due_on`` is indexed)."""
    from tongban.cases.models import Case
    from tongban.core.workdays import calendar_provisional_years

    today = today or timezone.localdate()
    years = calendar_provisional_years(today)
    if not years:
        return None
    near = [y for y in years if y == today.year or (date(y, 1, 1) - today).days <= NOTICE_WARNING_DAYS]
    flagged = Case.objects.filter(
        status__in=OPEN_STATUSES, due_on__gte=date(years[0], 1, 1), due_on_provisional=True
    ).exists()
    if not (near or flagged):
        return None
    return {"years": "、".join(str(y) for y in years), "deadlines": flagged}
