"""Supervision's own tables: the daily roll-ups the dashboards read (never the raw rows, issue 19 §5).

A :class:`FigureDay` row holds one family's counters of one day for one unit of one dimension; the other
families' counters of the row are zero. The dashboards sum the rows of a period and divide (figures.py)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.supervision.constants import CircularStatus, Dim, Family, PeriodKind


def _counter(label: str) -> models.BigIntegerField:
    return models.BigIntegerField(label, default=0)


class Counters(models.Model):
    """The counters of a roll-up row (constants.COUNTERS)."""

    # evaluations (by the day given; valid ones only, ratings.md §9)
    evaluations = _counter(_("有效评价数"))
    good = _counter(_("好评数"))
    bad = _counter(_("差评数"))
    level_sum = _counter(_("星级合计"))
    case_first = _counter(_("办件首次评价数"))
    # cases (submitted, concluded, refused, supplement requested and turned red on the day)
    submitted = _counter(_("申请件数"))
    concluded = _counter(_("办结件数"))
    on_time = _counter(_("按期办结件数"))
    promised_sum = _counter(_("承诺时限合计"))
    legal_sum = _counter(_("法定时限合计"))
    actual_sum = _counter(_("实际用时合计"))
    within_half = _counter(_("半数时限内办结件数"))
    refused = _counter(_("不予受理件数"))
    supplemented = _counter(_("补正件数"))
    turned_red = _counter(_("超期（红灯）件数"))
    zero_visit = _counter(_("零跑动件数"))
    fully_online = _counter(_("全程网办件数"))
    materials_total = _counter(_("材料数"))
    materials_exempt = _counter(_("免提交材料数"))
    # 差评 tickets (by the day their answer was due; real-name ones by the day received)
    bad_due = _counter(_("到期差评工单数"))
    bad_fixed = _counter(_("按期整改数"))
    real_name_bad = _counter(_("实名差评数"))
    revisited = _counter(_("已回访数"))
    # windows (frontdesk's figures of the day)
    served = _counter(_("服务人次"))
    wait_us = _counter(_("等候时间合计（微秒）"))
    wait_n = _counter(_("等候计数"))
    service_us = _counter(_("办理时间合计（微秒）"))
    service_n = _counter(_("办理计数"))
    services = _counter(_("窗口服务数"))
    on_the_spot = _counter(_("当场办结数"))
    accepted = _counter(_("受理件数"))
    accurate = _counter(_("准确受理件数"))

    class Meta:
        abstract = True


class FigureDay(Counters):
    day = models.DateField(_("日期"))
    family = models.CharField(_("来源"), max_length=12, choices=Family.choices)
    dim = models.CharField(_("维度"), max_length=12, choices=Dim.choices)
    unit_key = models.CharField(_("对象标识"), max_length=64)  # an organisation/item/bundle uuid, a user id
    unit_label = models.CharField(_("对象名称"), max_length=200)
    # The organisation path the row belongs to (the unit's own, the lead department's for an item or bundle,
    # the centre's for a clerk): a district supervisor reads the rows under their district's path.
    scope_path = models.CharField(_("组织路径"), max_length=400, blank=True)

    class Meta:
        verbose_name = _("每日汇总")
        verbose_name_plural = _("每日汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "family", "dim", "unit_key", "scope_path"], name="figure_day_unique"
            )
        ]
        indexes = [
            models.Index(fields=["dim", "day"], name="figure_day_dim"),
            models.Index(fields=["dim", "unit_key", "day"], name="figure_day_unit"),
        ]


class FigureMonth(Counters):
    """The sum of a month's FigureDay rows per dimension, unit and organisation path, all families together:
    a period of whole months is read from these (12 rows a unit for a year, not 365 per family). Kept by
    rollup.refresh_months after every day counted again (rollup.py)."""

    month = models.DateField(_("月份（首日）"))
    dim = models.CharField(_("维度"), max_length=12, choices=Dim.choices)
    unit_key = models.CharField(_("对象标识"), max_length=64)
    unit_label = models.CharField(_("对象名称"), max_length=200)
    scope_path = models.CharField(_("组织路径"), max_length=400, blank=True)

    class Meta:
        verbose_name = _("每月汇总")
        verbose_name_plural = _("每月汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "dim", "unit_key", "scope_path"], name="figure_month_unique"
            )
        ]
        indexes = [models.Index(fields=["dim", "month"], name="figure_month_dim")]


class RollupState(models.Model):
    """Up to when each family's sources have been read for touched days (rollup.py)."""

    family = models.CharField(max_length=12, choices=Family.choices, unique=True)
    watermark = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)


class RollupDirty(models.Model):
    """A day of a family to count again: something it counts changed."""

    family = models.CharField(max_length=12, choices=Family.choices)
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["family", "day"], name="rollup_dirty_unique")]


# --- service blind spots (查找服务盲区, issue 19 §4; blindspots.py) ---------------------------------------------
class BlindSpotKind(models.TextChoices):
    SEARCHES = "searches", _("无结果搜索")
    ITEMS = "items", _("退回补正最多的事项")
    REVIEWS = "reviews", _("差评主题")
    COMPLAINTS = "complaints", _("投诉主题")


class BlindSpotReport(models.Model):
    """One part of a month's blind-spot report for one scope, computed by a task (never on a page view):
    the searches with no result (the whole platform: ``scope_path`` ""), the items with the most returns,
    supplement requests and refusals, the themes of 差评 and of 12345 complaints (a region's or a district's
    organisation path). ``data`` holds the rows as shown (blindspots.py says their shape)."""

    month = models.DateField(_("月份"))  # the first day of the month
    scope_path = models.CharField(_("组织路径"), max_length=400, blank=True)
    kind = models.CharField(_("类别"), max_length=12, choices=BlindSpotKind.choices)
    data = models.JSONField(_("内容"), default=dict)
    computed_at = models.DateTimeField(_("统计时间"))

    class Meta:
        verbose_name = _("服务盲区报告")
        verbose_name_plural = _("服务盲区报告")
        constraints = [
            models.UniqueConstraint(fields=["month", "scope_path", "kind"], name="blind_spot_report_unique")
        ]


class BlindSpotMember(models.Model):
    """A 差评 (evaluation uuid) or complaint (ticket uuid) behind a theme of a report: what the theme's page
    lists (masked, read from ratings when shown)."""

    report = models.ForeignKey(BlindSpotReport, on_delete=models.CASCADE, related_name="members")
    theme = models.CharField(_("主题"), max_length=60)
    ref_uuid = models.UUIDField(_("评价或工单"))
    at = models.DateTimeField(_("时间"))

    class Meta:
        indexes = [models.Index(fields=["report", "theme", "-at"], name="blind_spot_member_theme")]


class BlindSpotMonth(models.Model):
    """When a month's reports were last computed; ``final`` once computed after the month ended (the
    maintenance sweep then leaves the month alone; ``tongban supervision blind-spots`` recomputes any)."""

    month = models.DateField(_("月份"), unique=True)
    computed_at = models.DateTimeField(_("统计时间"))
    final = models.BooleanField(_("已结束月份"), default=False)


# --- assessments, rankings, circulars (docs/domain/supervision-assessments.md) ---------------------------------
class AssessmentScheme(models.Model):
    """A version of the assessment weights. A period is scored with the scheme in force on its first day:
    the one with the latest ``effective_from`` on or before it (the highest version on a tie). A new version
    takes effect on the first day of a later month, so it never scores a period that has begun."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    effective_from = models.DateField(_("生效日期"))
    weights = models.JSONField(_("权重"))  # {figure: weight}, scoring.SCORABLE's names
    note = models.CharField(_("说明"), max_length=500, blank=True)
    created_by = models.PositiveBigIntegerField(_("创建人账号"), null=True, blank=True)
    created_by_label = models.CharField(_("创建人"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-effective_from", "-version"]

    def __str__(self) -> str:
        return f"v{self.version} ({self.effective_from:%Y-%m-%d})"


class AssessmentRun(models.Model):
    """That a period was assessed (even with no unit to rank), when, and with which scheme: the sweep
    assesses a period once; recomputing it replaces its rows."""

    period_kind = models.CharField(_("考核周期"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("期间起始"))
    period_end = models.DateField(_("期间截止"))
    scheme_version = models.PositiveIntegerField(_("考核方案版本"))
    computed_at = models.DateTimeField(_("计算时间"))
    computed_by_label = models.CharField(_("计算人"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("考核计算")
        verbose_name_plural = _("考核计算")
        constraints = [
            models.UniqueConstraint(fields=["period_kind", "period_start"], name="assessment_run_unique")
        ]


class Assessment(models.Model):
    """One unit's result in one ranking: a period, a dimension (district or department) and the supervising
    office whose ranking it is (``scope_path``: the region's or the district's organisation path)."""

    period_kind = models.CharField(_("考核周期"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("期间起始"))
    period_end = models.DateField(_("期间截止"))
    dim = models.CharField(_("维度"), max_length=12, choices=Dim.choices)
    unit_key = models.CharField(_("对象标识"), max_length=64)
    unit_label = models.CharField(_("对象名称"), max_length=200)
    scope_path = models.CharField(_("考核范围"), max_length=400)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    figures = models.JSONField(_("指标"), default=dict)  # scoring.Scored.figures
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)  # None: no figure, not ranked
    previous_rank = models.PositiveIntegerField(_("上期排名"), null=True, blank=True)
    scheme_version = models.PositiveIntegerField(_("考核方案版本"))
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "dim", "scope_path", "unit_key"],
                name="assessment_unique",
            )
        ]
        indexes = [
            models.Index(fields=["period_kind", "period_start", "scope_path"], name="assessment_period"),
        ]

    @property
    def change(self) -> str:
        """``up``, ``down``, ``same`` or ``new`` (no rank in the previous period); "" when not ranked."""
        if self.rank is None:
            return ""
        if self.previous_rank is None:
            return "new"
        if self.rank < self.previous_rank:
            return "up"
        return "down" if self.rank > self.previous_rank else "same"

    @property
    def places(self) -> int:
        """How many places it moved (positive up)."""
        if self.rank is None or self.previous_rank is None:
            return 0
        return self.previous_rank - self.rank

    @property
    def moved(self) -> int:
        """How many places it moved, either way."""
        return abs(self.places)


class AssessmentReport(models.Model):
    """The assessment report of one supervising office for one period, as a PDF sealed with the office's seal
    by a task after the assessment commits (``document`` empty until then)."""

    period_kind = models.CharField(_("考核周期"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("期间起始"))
    scope_path = models.CharField(_("考核范围"), max_length=400)
    office_uuid = models.CharField(_("考核机关"), max_length=36)
    computed_at = models.DateTimeField(_("计算时间"))  # of the results it shows
    document = models.BinaryField(_("盖章文件"), null=True, blank=True)
    sealed_at = models.DateTimeField(_("盖章时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考核报告")
        verbose_name_plural = _("考核报告")
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "scope_path"], name="assessment_report_unique"
            )
        ]


class Circular(models.Model):
    """考核通报 of one supervising office for one period: drafted by the platform from the rankings (the
    first three commended, the units ranked last in N consecutive periods criticised), edited while a draft,
    issued once by a supervisor of that office, then immutable and sealed with the office's seal."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    period_kind = models.CharField(_("考核周期"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("期间起始"))
    period_end = models.DateField(_("期间截止"))
    scope_path = models.CharField(_("考核范围"), max_length=400)
    office_uuid = models.CharField(_("考核机关标识"), max_length=36)
    office_name = models.CharField(_("考核机关"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=8, choices=CircularStatus.choices, default=CircularStatus.DRAFT
    )
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文"))
    # What the draft was made from: {"commended": [...], "criticised": [...]} (unit, dim, rank, score, figures)
    units = models.JSONField(_("表扬和批评的单位"), default=dict)
    last_periods = models.PositiveSmallIntegerField(_("连续末位期数"))
    drafted_at = models.DateTimeField(_("起草时间"))
    drafted_from = models.DateTimeField(_("依据的考核计算时间"))
    edited_at = models.DateTimeField(_("修改时间"), null=True, blank=True)
    edited_by_label = models.CharField(_("修改人"), max_length=200, blank=True)
    issued_by = models.PositiveBigIntegerField(_("印发人账号"), null=True, blank=True)
    issued_by_label = models.CharField(_("印发人"), max_length=200, blank=True)
    issued_at = models.DateTimeField(_("印发时间"), null=True, blank=True)
    document = models.BinaryField(_("盖章文件"), null=True, blank=True)
    sealed_at = models.DateTimeField(_("盖章时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考核通报")
        verbose_name_plural = _("考核通报")
        ordering = ["-period_start", "scope_path"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "scope_path"], name="circular_one_per_office"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(issued_at__isnull=False),
                name="circular_issued_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_issued(self) -> bool:
        return self.status == CircularStatus.ISSUED
