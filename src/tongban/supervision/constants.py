"""Dimensions, families and figures of supervision (docs/domain/supervision.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

SUPERVISOR_ROLES = {"supervisor"}


class Dim(models.TextChoices):
    """What a row of the roll-up is about."""

    DEPARTMENT = "department", _("部门")
    DISTRICT = "district", _("区县")
    ITEM = "item", _("事项")
    BUNDLE = "bundle", _("一件事")
    CENTRE = "centre", _("服务中心")
    WINDOW = "window", _("窗口")
    CLERK = "clerk", _("窗口人员")


class Family(models.TextChoices):
    """Which source a roll-up row was counted from; each family of a day is recomputed on its own."""

    EVALUATIONS = "evaluations", _("评价")
    CASES = "cases", _("办件")
    TICKETS = "tickets", _("差评工单")
    WINDOWS = "windows", _("窗口服务")


# The integer counters of a roll-up row, by family (models.FigureDay has one column each).
COUNTERS: dict[str, tuple[str, ...]] = {
    Family.EVALUATIONS: ("evaluations", "good", "bad", "level_sum", "case_first"),
    Family.CASES: (
        "submitted",
        "concluded",
        "on_time",
        "promised_sum",
        "legal_sum",
        "actual_sum",
        "within_half",
        "refused",
        "supplemented",
        "turned_red",
        "zero_visit",
        "fully_online",
        "materials_total",
        "materials_exempt",
    ),
    Family.TICKETS: ("bad_due", "bad_fixed", "real_name_bad", "revisited"),
    Family.WINDOWS: (
        "served",
        "wait_us",
        "wait_n",
        "service_us",
        "service_n",
        "services",
        "on_the_spot",
        "accepted",
        "accurate",
    ),
}
ALL_COUNTERS: tuple[str, ...] = tuple(c for family in COUNTERS.values() for c in family)
