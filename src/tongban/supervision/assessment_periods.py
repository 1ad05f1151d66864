"""The periods assessments are made for: calendar months (``2026-11``) and quarters (``2026Q4``), Beijing dates
(docs/domain/supervision-assessments.md §1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.supervision.constants import PeriodKind
from tongban.supervision.errors import AssessmentPeriodInvalid

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
QUARTER_NAMES = {
    1: gettext_lazy("第一季度"),
    2: gettext_lazy("第二季度"),
    3: gettext_lazy("第三季度"),
    4: gettext_lazy("第四季度"),
}


@dataclass(frozen=True, order=True)
class Period:
    kind: str
    start: date

    @property
    def end(self) -> date:
        """The last day of the period (included)."""
        return self.next().start - timedelta(days=1)

    @property
    def key(self) -> str:
        """``2026-11`` or ``2026Q4``: how URLs, the API and the command name it."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return f"{self.start.year:04d}Q{(self.start.month - 1) // 3 + 1}"

    @property
    def label(self) -> str:
        """2026年11月, 2026年第四季度 (in the request's language)."""
        if self.kind == PeriodKind.MONTH:
            return _("%(y)d年%(m)d月") % {"y": self.start.year, "m": self.start.month}
        quarter = (self.start.month - 1) // 3 + 1
        return _("%(y)d年%(q)s") % {"y": self.start.year, "q": QUARTER_NAMES[quarter]}

    @property
    def months(self) -> int:
        return 1 if self.kind == PeriodKind.MONTH else 3

    def next(self) -> Period:
        month = self.start.month - 1 + self.months
        return Period(self.kind, date(self.start.year + month // 12, month % 12 + 1, 1))

    def previous(self) -> Period:
        month = self.start.month - 1 - self.months
        return Period(self.kind, date(self.start.year + month // 12, month % 12 + 1, 1))

    def ended_by(self, today: date) -> bool:
        return self.end < today


def period_of(kind: str, day: date) -> Period:
    """The month or quarter ``day`` falls in."""
    if kind == PeriodKind.MONTH:
        return Period(kind, day.replace(day=1))
    if kind == PeriodKind.QUARTER:
        return Period(kind, date(day.year, (day.month - 1) // 3 * 3 + 1, 1))
    raise ValueError(kind)


def period_parse(text: str) -> Period:
    """``2026-11`` (a month) or ``2026Q4`` (a quarter); 422 ``supervision_assessment_period_invalid`` else."""
    text = (text or "").strip()
    if m := _MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if 2000 <= year <= 2999 and 1 <= month <= 12:
            return Period(PeriodKind.MONTH, date(year, month, 1))
    elif m := _QUARTER.match(text):
        year, quarter = int(m.group(1)), int(m.group(2))
        if 2000 <= year <= 2999:
            return Period(PeriodKind.QUARTER, date(year, (quarter - 1) * 3 + 1, 1))
    raise AssessmentPeriodInvalid(field="period", value=text[:20])


def period_for(kind: str, start: date) -> Period:
    """The period of ``kind`` that begins on ``start`` (which must be its first day)."""
    period = period_of(kind, start)
    if period.start != start:
        raise AssessmentPeriodInvalid(field="period", value=start.isoformat())
    return period


def last_ended(kind: str, today: date) -> Period:
    """The period of ``kind`` that ended most recently before ``today``."""
    return period_of(kind, today).previous()
