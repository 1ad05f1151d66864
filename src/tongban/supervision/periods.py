"""The period and the dimension a dashboard shows (the query string of the pages and of the API).

A period is a run of Asia/Shanghai dates, both ends included: this month (the default), last month, this
quarter, or from/to chosen freely (at most ``MAX_DAYS`` days). Anything else is 422
``supervision_period_invalid``; a dimension other than those of ``constants.Dim`` is 422
``supervision_dimension_invalid``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from tongban.supervision.constants import Dim
from tongban.supervision.errors import SupervisionDimensionInvalid, SupervisionPeriodInvalid
from tongban.supervision.figures import previous_period
from tongban.supervision.months import month_start

MAX_DAYS = 366
DEFAULT_DIM = Dim.DEPARTMENT

THIS_MONTH, LAST_MONTH, THIS_QUARTER, CUSTOM = "month", "last_month", "quarter", "custom"
PERIOD_CHOICES = (
    (THIS_MONTH, _("本月")),
    (LAST_MONTH, _("上月")),
    (THIS_QUARTER, _("本季度")),
    (CUSTOM, _("自定义")),
)


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> tuple[date, date]:
        """The period of the same length just before (figures.previous_period)."""
        return previous_period(self.start, self.end)


def _parse(value: str, field: str) -> date:
    text = (value or "").strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise SupervisionPeriodInvalid(field=field) from None


def period_from(kind: str, date_from: str, date_to: str, *, today: date) -> Period:
    """The period asked for: ``kind`` one of ``PERIOD_CHOICES`` (empty: "custom" when a date is given, else
    this month); for "custom" both dates, ``YYYY-MM-DD``, from ≤ to, at most ``MAX_DAYS`` days."""
    kind = (kind or "").strip()
    if not kind:
        kind = CUSTOM if (date_from or date_to) else THIS_MONTH
    if kind == THIS_MONTH:
        return Period(kind, month_start(today), today)
    if kind == LAST_MONTH:
        end = month_start(today) - timedelta(days=1)
        return Period(kind, month_start(end), end)
    if kind == THIS_QUARTER:
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return Period(kind, start, today)
    if kind != CUSTOM:
        raise SupervisionPeriodInvalid(field="period")
    start, end = _parse(date_from, "from"), _parse(date_to, "to")
    if start > end:
        raise SupervisionPeriodInvalid(field="from")
    if (end - start).days + 1 > MAX_DAYS:
        raise SupervisionPeriodInvalid(field="to")
    return Period(CUSTOM, start, end)


def dimension_from(value: str) -> str:
    """The dimension asked for (empty: department); 422 ``supervision_dimension_invalid`` otherwise."""
    value = (value or "").strip()
    if not value:
        return DEFAULT_DIM
    if value not in Dim.values:
        raise SupervisionDimensionInvalid(field="dim")
    return value
