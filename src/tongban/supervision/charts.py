"""Charts of the dashboards: what a chart shows, once, for both the picture and its table.

A :class:`Chart` is rendered by ``supervision/_chart.html``: a container that ``static/tongban/js/charts.js``
draws with Apache ECharts (vendored, ``static/tongban/vendor/echarts/``) from the chart's data in a
``<script type="application/json">`` (the Content-Security-Policy allows no inline script), and beside it a
real table with every number (the accessible alternative, and what "下载 CSV" writes). Percentages are given
as numbers from 0 to 100, minutes and counts as they are; a value that cannot be computed (a denominator of
zero) is ``None``: a gap in the chart, "—" in the table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from django.utils.translation import gettext_lazy as _

Kind = Literal["bar", "line"]
Unit = Literal["percent", "minutes", "count"]
UNIT_LABELS = {"percent": "%", "minutes": _("分钟"), "count": ""}


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | int | None]


@dataclass
class Chart:
    """One chart: ``categories`` along one axis (units or days), one value per category in each series."""

    id: str  # unique on the page: the container's, the table's and the data's ids derive from it
    title: str
    kind: Kind
    categories: list[str]
    series: list[Series]
    unit: Unit
    category_label: str = ""  # the head of the table's first column (单位, 日期)
    note: str = ""  # shown under the title (what the chart leaves out, how it is sorted)
    filename: str = ""  # the downloads' name, without extension
    links: list[str] = field(default_factory=list)  # a page per category (the table's first column links)
    threshold: float | None = None  # a target line; the bars below it are drawn red

    def __post_init__(self) -> None:
        for s in self.series:
            if len(s.values) != len(self.categories):
                raise ValueError(f"chart {self.id}: series {s.name} has {len(s.values)} values")

    @property
    def json_id(self) -> str:
        return f"chart-{self.id}-data"

    @property
    def unit_label(self) -> str:
        return str(UNIT_LABELS[self.unit])

    @property
    def rows(self) -> list[dict]:
        """The table's rows: the category, its link (or ""), and the series' values as the table prints them."""
        links = self.links or [""] * len(self.categories)
        return [
            {
                "category": category,
                "link": links[i],
                "cells": [format_value(s.values[i], self.unit) for s in self.series],
            }
            for i, category in enumerate(self.categories)
        ]

    @property
    def data(self) -> dict:
        """What charts.js draws (json_script: the page carries it as data, never as a script)."""
        return {
            "id": self.id,
            "title": str(self.title),
            "kind": self.kind,
            "unit": self.unit,
            "unitLabel": self.unit_label,
            "categories": [str(c) for c in self.categories],
            "series": [{"name": str(s.name), "values": s.values} for s in self.series],
            "threshold": self.threshold,
        }


def format_value(value: float | int | None, unit: str) -> str:
    """A value as the table (and so the CSV) prints it: no unit sign (the column's head names it), one
    decimal for percentages and minutes, "—" for none."""
    if value is None:
        return "—"
    if unit == "count":
        return str(int(value))
    return f"{value:.1f}"


def percent(ratio: float | None) -> float | None:
    """A ratio (0–1) as a percentage with one decimal, for a chart."""
    return None if ratio is None else round(100 * ratio, 1)


def minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
