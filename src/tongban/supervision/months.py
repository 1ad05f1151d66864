"""Calendar months as their first day: the arithmetic the roll-ups, the figures, the blind spots and the
assessments share."""

from __future__ import annotations

from datetime import date


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def previous_month(day: date) -> date:
    """The first day of the month before ``day``'s."""
    return date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)
