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


# --- assessments, rankings, circulars (docs/domain/supervision-assessments.md) ---------------------------------
class PeriodKind(models.TextChoices):
    """How long an assessed period is: a calendar month or a calendar quarter (Beijing dates)."""

    MONTH = "month", _("月度")
    QUARTER = "quarter", _("季度")


class CircularStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已印发")


# The supervising office of a region or district (whose supervisors assess, and whose seal a report and a
# circular bear) is named after its organisation: 上海市 → 上海市政务服务管理办公室.
OFFICE_SUFFIX = "政务服务管理办公室"
# The maintenance sweep assesses a period once this many days have passed after its last day, so that the
# roll-up has counted its last day (§5 of the rules).
ASSESS_DELAY_DAYS = 1
# A report or an issued circular still unsealed this long after it was made (a failed task) is sealed by the
# maintenance sweep, a few a sweep.
SEAL_RETRY_MINUTES = 10
SEAL_RETRY_BATCH = 5
# The units named in a circular's praise.
COMMENDED_COUNT = 3
CIRCULAR_TITLE_MAX = 200
CIRCULAR_TEXT_MAX = 20_000
