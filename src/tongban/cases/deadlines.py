"""Due dates and supervision lights in working days (DOMAIN.md §7.2–7.3).

The day something starts is not counted: a limit of N working days is due on the N-th working day after it.
A 即办件 is due the same day. Paused time (special procedures) moves the due date by the working days paused.

Lights: red when the due date has passed; yellow from the day ``yellow_on`` — the earlier of the last working
day before the due date (≤ 1 working day left) and the day 80 % of the budget is used; green otherwise. Both
dates are stored, so the supervision task is a few set-based UPDATEs however many steps are open."""

from __future__ import annotations

import math
from datetime import date

from tongban.cases.constants import Light
from tongban.core.workdays import previous_working_day, working_days_after, working_days_between

YELLOW_SHARE = 0.8


def due_after(start: date, days: int, paused: int = 0) -> date:
    return working_days_after(start, days + paused)


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


def days_overdue(due: date, today: date) -> int:
    return max(working_days_between(due, today), 0)
