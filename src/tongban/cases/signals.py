"""Receivers of other contexts' signals that cases acts on."""

from __future__ import annotations


def calendar_changed_receiver(sender, years, **kwargs) -> dict[str, int]:
    """Working-day calendar years were entered or edited (core.signals.calendar_changed): the open cases'
    deadlines over them are counted again (deadlines.deadlines_recompute)."""
    from tongban.cases.deadlines import deadlines_recompute

    return deadlines_recompute(years=list(years))
