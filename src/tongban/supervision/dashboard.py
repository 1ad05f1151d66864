"""What the supervisors' dashboards show (issue 19 §1): the figures, their labels and formats, which figures a
dimension has, the "red" mark of a unit, and the charts — for the pages (views.py) and the API (api.py).

A unit is **red** (需关注) when its 按期办结率 is below ``RED_ON_TIME_BELOW`` (90 %) or any of its cases turned
red (rule ``case_overdue`` of 电子监察) in the period; only dimensions that count cases (department,
district, item, bundle) have the mark."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tongban.supervision.charts import Chart, Series, minutes, percent
from tongban.supervision.constants import Dim
from tongban.supervision.drilldown import CASE_DIMS, TICKET_DIMS, shortfall
from tongban.supervision.figures import UnitFigures

RED_ON_TIME_BELOW = 0.90
CHART_UNITS = 15  # units a bar chart shows at most (the table lists them all)


@dataclass(frozen=True)
class Figure:
    """A figure of UnitFigures (a ratio, or minutes) as the dashboards show it."""

    name: str
    label: object  # lazy text
    unit: str  # "percent" | "minutes"
    group: str  # evaluations | tickets | cases | windows: which dimensions have it
    help: object = ""
    drill: tuple[str, str] | None = None  # ("cases"|"tickets", figure) listing its shortfall


@dataclass(frozen=True)
class Count:
    """A raw counter shown as a number of cases, evaluations or visits."""

    name: str
    label: object
    group: str
    drill: tuple[str, str] | None = None


FIGURES = (
    Figure(
        "active_rate",
        gettext_lazy("主动评价率"),
        "percent",
        "cases",
        gettext_lazy("办件首次评价数 ÷ 办结件数"),
    ),
    Figure(
        "good_rate",
        gettext_lazy("好评率"),
        "percent",
        "evaluations",
        gettext_lazy("满意、非常满意 ÷ 有效评价"),
    ),
    Figure(
        "fix_rate",
        gettext_lazy("差评整改率"),
        "percent",
        "tickets",
        gettext_lazy("按期整改答复的差评 ÷ 答复到期的差评"),
        ("tickets", "bad_due_unfixed"),
    ),
    Figure(
        "revisit_rate",
        gettext_lazy("实名差评回访率"),
        "percent",
        "tickets",
        gettext_lazy("已回访 ÷ 回访到期的实名差评"),
        ("tickets", "not_revisited"),
    ),
    Figure(
        "on_time_rate",
        gettext_lazy("按期办结率"),
        "percent",
        "cases",
        gettext_lazy("承诺时限内办结 ÷ 办结件数"),
        ("cases", "concluded_late"),
    ),
    Figure(
        "promised_vs_legal",
        gettext_lazy("承诺时限／法定时限"),
        "percent",
        "cases",
        gettext_lazy("双减半：不超过 50%"),
    ),
    Figure(
        "actual_vs_promised",
        gettext_lazy("实际用时／承诺时限"),
        "percent",
        "cases",
        gettext_lazy("双减半：不超过 50%"),
    ),
    Figure(
        "exempt_share",
        gettext_lazy("免提交材料占比"),
        "percent",
        "cases",
        gettext_lazy("免于提交 ÷ 申请材料"),
    ),
    Figure(
        "zero_visit_share",
        gettext_lazy("零跑动占比"),
        "percent",
        "cases",
        gettext_lazy("零跑动事项申请 ÷ 申请件数"),
    ),
    Figure(
        "fully_online_share",
        gettext_lazy("全程网办占比"),
        "percent",
        "cases",
        gettext_lazy("全程网办事项申请 ÷ 申请件数"),
    ),
    Figure(
        "accuracy",
        gettext_lazy("受理准确率"),
        "percent",
        "windows",
        gettext_lazy("窗口受理后未退回 ÷ 窗口受理"),
    ),
    Figure(
        "on_the_spot_share",
        gettext_lazy("当场办结率"),
        "percent",
        "windows",
        gettext_lazy("当场办结 ÷ 窗口服务"),
    ),
    Figure(
        "wait_minutes", gettext_lazy("平均等候时间"), "minutes", "windows", gettext_lazy("取号到叫号，分钟")
    ),
)
COUNTS = (
    Count("evaluations", gettext_lazy("有效评价"), "evaluations"),
    Count("concluded", gettext_lazy("办结件数"), "cases"),
    Count("turned_red", gettext_lazy("超期（红灯）"), "cases", ("cases", "turned_red")),
    Count("refused", gettext_lazy("不予受理"), "cases", ("cases", "refused")),
    Count("supplemented", gettext_lazy("告知补正"), "cases", ("cases", "supplemented")),
    Count("served", gettext_lazy("窗口服务人次"), "windows"),
)
# Which groups of figures a dimension's rows count (rollup.py).
DIM_GROUPS = {
    Dim.DEPARTMENT: ("evaluations", "tickets", "cases"),
    Dim.DISTRICT: ("evaluations", "tickets", "cases", "windows"),
    Dim.ITEM: ("evaluations", "cases"),
    Dim.BUNDLE: ("evaluations", "cases"),
    Dim.CENTRE: ("evaluations", "tickets", "windows"),
    Dim.WINDOW: ("evaluations", "windows"),
    Dim.CLERK: ("windows",),
}
ALL_GROUPS = ("evaluations", "tickets", "cases", "windows")
# The columns of the units table, by group (the others are on the unit's page).
TABLE_FIGURES = {
    "evaluations": ("good_rate",),
    "tickets": ("fix_rate", "revisit_rate"),
    "cases": ("active_rate", "on_time_rate", "promised_vs_legal", "actual_vs_promised"),
    "windows": ("accuracy", "on_the_spot_share", "wait_minutes"),
}
TABLE_COUNTS = {
    "evaluations": ("evaluations",),
    "tickets": (),
    "cases": ("concluded", "turned_red"),
    "windows": ("served",),
}


def figure_value(figures: UnitFigures, figure: Figure) -> float | None:
    """The figure as a chart and the table give it: a percentage (0–100) or minutes, one decimal."""
    value = getattr(figures, figure.name)
    return minutes(value) if figure.unit == "minutes" else percent(value)


def figure_text(value: float | None, unit: str) -> str:
    """The figure as a card prints it: "87.5%", "12.3 分钟", "—"."""
    if value is None:
        return "—"
    if unit == "minutes":
        return _("%(n)s 分钟") % {"n": f"{value:.1f}"}
    return f"{value:.1f}%"


def is_red(figures: UnitFigures) -> bool:
    """需关注: 按期办结率 below 90 %, or a case turned red in the period."""
    rate = figures.on_time_rate
    return (rate is not None and rate < RED_ON_TIME_BELOW) or figures.turned_red > 0


def has_cases(dim: str) -> bool:
    return dim in CASE_DIMS


def period_query(start: date, end: date, **extra) -> str:
    return urlencode({"from": start.isoformat(), "to": end.isoformat(), **extra})


def unit_url(dim: str, key: str, start: date, end: date) -> str:
    return reverse("supervision:unit", args=[dim, key]) + "?" + period_query(start, end)


def drill_url(dim: str, key: str, drill: tuple[str, str], start: date, end: date) -> str:
    family, figure = drill
    name = "supervision:unit_cases" if family == "cases" else "supervision:unit_tickets"
    return reverse(name, args=[dim, key]) + "?" + period_query(start, end, figure=figure)


def _drillable(dim: str | None, drill: tuple[str, str] | None) -> bool:
    if dim is None or drill is None:
        return False
    return dim in (CASE_DIMS if drill[0] == "cases" else TICKET_DIMS)


def _drill_label(family: str, n: int) -> str:
    if family == "cases":
        return ngettext("查看这 %(n)s 件办件", "查看这 %(n)s 件办件", n) % {"n": n}
    return ngettext("查看这 %(n)s 张工单", "查看这 %(n)s 张工单", n) % {"n": n}


def cards(
    figures: UnitFigures,
    previous: UnitFigures,
    *,
    groups=ALL_GROUPS,
    dim: str | None = None,
    key: str = "",
    start: date,
    end: date,
) -> list[dict]:
    """The figure cards of a scope's total or of one unit: the value, the previous period's, its definition,
    and for a unit the link to the rows behind its shortfall (with how many there are)."""
    out = []
    for figure in FIGURES:
        if figure.group not in groups:
            continue
        value = figure_value(figures, figure)
        card = {
            "name": figure.name,
            "label": figure.label,
            "help": figure.help,
            "text": figure_text(value, figure.unit),
            "previous": figure_text(figure_value(previous, figure), figure.unit),
            "red": figure.name == "on_time_rate" and value is not None and value < 100 * RED_ON_TIME_BELOW,
        }
        n = shortfall(figures, figure.drill[1]) if _drillable(dim, figure.drill) else 0
        if n > 0:
            card["drill_url"] = drill_url(dim, key, figure.drill, start, end)
            card["drill_label"] = _drill_label(figure.drill[0], n)
        out.append(card)
    for count in COUNTS:
        if count.group not in groups:
            continue
        card = {
            "name": count.name,
            "label": count.label,
            "help": "",
            "text": str(getattr(figures, count.name)),
            "previous": str(getattr(previous, count.name)),
            "red": count.name == "turned_red" and figures.turned_red > 0,
            "count": True,
        }
        if _drillable(dim, count.drill) and getattr(figures, count.name):
            card["drill_url"] = drill_url(dim, key, count.drill, start, end)
            card["drill_label"] = _drill_label(count.drill[0], getattr(figures, count.name))
        out.append(card)
    return out


def table_columns(dim: str) -> list[dict]:
    """The columns of the units table of ``dim``: counts and figures of the groups its rows count."""
    columns = []
    by_name = {f.name: f for f in FIGURES}
    counts = {c.name: c for c in COUNTS}
    for group in DIM_GROUPS[dim]:
        for name in TABLE_COUNTS[group]:
            columns.append({"name": name, "label": counts[name].label, "unit": "count"})
        for name in TABLE_FIGURES[group]:
            f = by_name[name]
            columns.append({"name": name, "label": f.label, "unit": f.unit})
    return columns


def table_rows(units: list[UnitFigures], dim: str, start: date, end: date) -> list[dict]:
    """One row per unit: its link, its cells (text per column) and its red mark."""
    columns = table_columns(dim)
    by_name = {f.name: f for f in FIGURES}
    rows = []
    for u in units:
        cells = []
        for c in columns:
            if c["unit"] == "count":
                n = getattr(u, c["name"])
                link = ""
                if c["name"] == "turned_red" and n:
                    link = drill_url(dim, u.unit_key, ("cases", "turned_red"), start, end)
                cells.append({"label": c["label"], "text": str(n), "link": link})
            else:
                f = by_name[c["name"]]
                value = figure_value(u, f)
                red = c["name"] == "on_time_rate" and value is not None and value < 100 * RED_ON_TIME_BELOW
                cells.append({"label": c["label"], "text": figure_text(value, f.unit), "red": red})
        rows.append(
            {
                "unit": u,
                "url": unit_url(dim, u.unit_key, start, end),
                "cells": cells,
                "red": has_cases(dim) and is_red(u),
            }
        )
    return rows


def _top(units: list[UnitFigures], by: str) -> list[UnitFigures]:
    """The ``CHART_UNITS`` units with the most ``by`` (those with none left out), in table order."""
    counted = [u for u in units if getattr(u, by)]
    keep = {id(u) for u in sorted(counted, key=lambda u: -getattr(u, by))[:CHART_UNITS]}
    return [u for u in counted if id(u) in keep]


def _unit_chart(
    chart_id: str,
    title: str,
    units: list[UnitFigures],
    figure: Figure,
    by: str,
    by_label: str,
    dim: str,
    period,
) -> Chart | None:
    shown = _top(units, by)
    if not shown:
        return None
    notes = []
    if len(shown) < len([u for u in units if getattr(u, by)]):
        notes.append(_("%(by)s最多的 %(n)s 个，全部见上方表格") % {"by": by_label, "n": len(shown)})
    threshold = None
    if figure.name == "on_time_rate":
        threshold = 100 * RED_ON_TIME_BELOW
        notes.append(_("虚线为 90%，低于 90% 的显示为红色"))
    return Chart(
        id=chart_id,
        title=title,
        kind="bar",
        categories=[u.unit_label or u.unit_key for u in shown],
        series=[Series(str(figure.label), [figure_value(u, figure) for u in shown])],
        unit="percent" if figure.unit == "percent" else "minutes",
        category_label=str(Dim(dim).label),
        note=_("；").join(notes),
        filename=f"{figure.label}-{period.start.isoformat()}-{period.end.isoformat()}",
        threshold=threshold,
        links=[unit_url(dim, u.unit_key, period.start, period.end) for u in shown],
    )


def unit_charts(units: list[UnitFigures], dim: str, period) -> list[Chart]:
    """The bar charts of the dashboard: 好评率 by unit, and 按期办结率 (or, for the windows' dimensions,
    平均等候时间) by unit."""
    by_name = {f.name: f for f in FIGURES}
    charts = []
    groups = DIM_GROUPS[dim]
    if "evaluations" in groups:
        charts.append(
            _unit_chart(
                "good-rate",
                _("各单位好评率"),
                units,
                by_name["good_rate"],
                "evaluations",
                _("有效评价"),
                dim,
                period,
            )
        )
    if "cases" in groups:
        charts.append(
            _unit_chart(
                "on-time-rate",
                _("各单位按期办结率"),
                units,
                by_name["on_time_rate"],
                "concluded",
                _("办结件数"),
                dim,
                period,
            )
        )
    elif "windows" in groups:
        charts.append(
            _unit_chart(
                "wait-minutes",
                _("各单位平均等候时间"),
                units,
                by_name["wait_minutes"],
                "wait_n",
                _("叫号人次"),
                dim,
                period,
            )
        )
    return [c for c in charts if c is not None]


def daily_charts(
    series: list[tuple[date, UnitFigures]], groups, period, prefix: str = "daily"
) -> list[Chart]:
    """The daily line charts of a scope or a unit: the volumes (valid evaluations, cases concluded, window
    visits) and the rates (好评率, 按期办结率) day by day."""
    days = [d.strftime("%m-%d") for d, _f in series]
    span = f"{period.start.isoformat()}-{period.end.isoformat()}"
    volumes, rates = [], []
    if "evaluations" in groups:
        volumes.append(Series(_("有效评价"), [f.evaluations for _d, f in series]))
        rates.append(Series(_("好评率"), [percent(f.good_rate) for _d, f in series]))
    if "cases" in groups:
        volumes.append(Series(_("办结件数"), [f.concluded for _d, f in series]))
        rates.append(Series(_("按期办结率"), [percent(f.on_time_rate) for _d, f in series]))
    if "windows" in groups:
        volumes.append(Series(_("窗口服务人次"), [f.served for _d, f in series]))
    charts = []
    if volumes:
        charts.append(
            Chart(
                id=f"{prefix}-volumes",
                title=_("每日%(names)s") % {"names": _("、").join(str(s.name) for s in volumes)},
                kind="line",
                categories=days,
                series=volumes,
                unit="count",
                category_label=_("日期"),
                filename=f"{_('每日数量')}-{span}",
            )
        )
    if rates:
        charts.append(
            Chart(
                id=f"{prefix}-rates",
                title=_("每日%(names)s") % {"names": _("、").join(str(s.name) for s in rates)},
                kind="line",
                categories=days,
                series=rates,
                unit="percent",
                category_label=_("日期"),
                note=_("当日无评价或无办结时不计算（表中为“—”）"),
                filename=f"{_('每日比率')}-{span}",
            )
        )
    return charts


def figures_json(figures: UnitFigures) -> dict:
    """A unit's (or a total's) counters and figures for the API: ratios from 0 to 1 (null when the
    denominator is zero), ``wait_minutes`` in minutes, ``stars`` the mean level."""
    names = [f.name for f in FIGURES] + ["stars", "within_half_share"]
    return {
        "counts": dict(figures.counts),
        "figures": {name: getattr(figures, name) for name in names},
    }
