"""The figures of a period, summed from the daily roll-ups (models.FigureDay), never from the raw rows.

Each figure is a ratio of two counters (docs/domain/supervision.md §2 gives the definitions); a ratio whose
denominator is zero is ``None`` ("—" on a page), never 0 or 100 %."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Max, Q, Sum

from tongban.supervision.access import scope_q
from tongban.supervision.constants import ALL_COUNTERS, Dim
from tongban.supervision.db import read_db
from tongban.supervision.models import FigureDay, FigureMonth
from tongban.supervision.months import month_start, next_month


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


@dataclass
class UnitFigures:
    """The counters of one unit (or of a whole scope) over a period, and the figures made of them."""

    dim: str
    unit_key: str
    unit_label: str
    counts: dict[str, int] = field(default_factory=dict)
    scope_path: str = ""  # the unit's organisation path (its largest, for an item led in several places)

    def __getattr__(self, name: str) -> int:
        if name in ALL_COUNTERS:
            return self.counts.get(name, 0)
        raise AttributeError(name)

    # --- 好差评 ---
    @property
    def active_rate(self) -> float | None:
        """主动评价率: first evaluations of cases given in the period / cases concluded in the period."""
        return _ratio(self.case_first, self.concluded)

    @property
    def good_rate(self) -> float | None:
        """好评率: valid evaluations at 4–5 stars / valid evaluations."""
        return _ratio(self.good, self.evaluations)

    @property
    def stars(self) -> float | None:
        """Mean level (1–5) of the valid evaluations."""
        return _ratio(self.level_sum, self.evaluations)

    @property
    def fix_rate(self) -> float | None:
        """差评整改率: 差评 tickets answered within their limit / 差评 tickets whose limit fell in the period."""
        return _ratio(self.bad_fixed, self.bad_due)

    @property
    def revisit_rate(self) -> float | None:
        """实名差评回访率: real-name 差评 received in the period that were revisited / real-name 差评 received."""
        return _ratio(self.revisited, self.real_name_bad)

    # --- cases and 双减半 ---
    @property
    def on_time_rate(self) -> float | None:
        """按期办结率: cases concluded within their promised working days / cases concluded."""
        return _ratio(self.on_time, self.concluded)

    @property
    def promised_vs_legal(self) -> float | None:
        """承诺时限 / 法定时限 of the cases concluded (双减半's first half: ≤ 0.5)."""
        return _ratio(self.promised_sum, self.legal_sum)

    @property
    def actual_vs_promised(self) -> float | None:
        """实际用时 / 承诺时限 of the cases concluded (双减半's second half: ≤ 0.5)."""
        return _ratio(self.actual_sum, self.promised_sum)

    @property
    def within_half_share(self) -> float | None:
        return _ratio(self.within_half, self.concluded)

    @property
    def exempt_share(self) -> float | None:
        """Materials the applicant did not hand in (licence or shared data) / materials of the cases submitted."""
        return _ratio(self.materials_exempt, self.materials_total)

    @property
    def zero_visit_share(self) -> float | None:
        """Cases submitted for items needing no visit (零跑动) / cases submitted."""
        return _ratio(self.zero_visit, self.submitted)

    @property
    def fully_online_share(self) -> float | None:
        """Cases submitted for fully online items (全程网办) / cases submitted."""
        return _ratio(self.fully_online, self.submitted)

    # --- windows ---
    @property
    def accuracy(self) -> float | None:
        """受理准确率: cases accepted at the window and not returned / cases accepted."""
        return _ratio(self.accurate, self.accepted)

    @property
    def on_the_spot_share(self) -> float | None:
        """当场办结率: window services concluded on the spot / window services."""
        return _ratio(self.on_the_spot, self.services)

    @property
    def wait_minutes(self) -> float | None:
        """Mean waiting time, minutes."""
        return _ratio(self.wait_us, self.wait_n * 60_000_000) if self.wait_n else None


# The figures a dashboard shows, in order: (name, label key) — labels are in views (translated).
RATES = (
    "active_rate",
    "good_rate",
    "fix_rate",
    "revisit_rate",
    "on_time_rate",
    "promised_vs_legal",
    "actual_vs_promised",
    "exempt_share",
    "zero_visit_share",
    "fully_online_share",
    "accuracy",
    "on_the_spot_share",
    "wait_minutes",
)


def _scoped(qs, scope: list[str] | None):
    """Rows under the organisation paths ``scope`` (None: the whole platform, for public pages)."""
    return qs if scope is None else qs.filter(scope_q(scope))


def _sums():
    return {c: Sum(c) for c in ALL_COUNTERS}


def _counts(row: dict) -> dict[str, int]:
    return {c: int(row.get(c) or 0) for c in ALL_COUNTERS}


def _parts(start: date, end: date) -> tuple[list[tuple[date, date]], tuple[date, date] | None]:
    """[start, end] as its whole months (read from FigureMonth: [first month, month after the last)) and the
    days before and after them (read from FigureDay)."""
    first = start if start.day == 1 else next_month(start)
    after = next_month(end) if (end + timedelta(days=1)).day == 1 else month_start(end)
    if first >= after:
        return [(start, end)], None
    days = []
    if start < first:
        days.append((start, first - timedelta(days=1)))
    if after <= end:
        days.append((after, end))
    return days, (first, after)


def _querysets(dim_q: Q, start: date, end: date, scope: list[str] | None):
    """The FigureDay and FigureMonth querysets that together cover [start, end] once."""
    days, months = _parts(start, end)
    out = []
    for first, last in days:
        out.append(
            _scoped(FigureDay.objects.using(read_db()).filter(dim_q, day__gte=first, day__lte=last), scope)
        )
    if months is not None:
        out.append(
            _scoped(
                FigureMonth.objects.using(read_db()).filter(dim_q, month__gte=months[0], month__lt=months[1]),
                scope,
            )
        )
    return out


def _add(into: dict[str, int], row: dict) -> None:
    for c in ALL_COUNTERS:
        into[c] = into.get(c, 0) + int(row.get(c) or 0)


def _grouped(dim_q: Q, start: date, end: date, scope: list[str] | None, by: str) -> list[dict]:
    """The sums of the rows covering [start, end] grouped by ``by``, with the largest label: one statement
    (the daily and monthly parts joined by UNION ALL), however the period splits."""
    parts = [
        qs.values(by).annotate(label=Max("unit_label"), path=Max("scope_path"), **_sums())
        for qs in _querysets(dim_q, start, end, scope)
    ]
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return list(query)


def unit_figures(*, scope: list[str] | None, dim: str, start: date, end: date) -> list[UnitFigures]:
    """One :class:`UnitFigures` per unit of ``dim`` with any row in [start, end] under ``scope``, by label.
    Whole months are read from the monthly roll-up, the days around them from the daily one."""
    if dim not in Dim.values:
        raise ValueError(dim)
    units: dict[str, UnitFigures] = {}
    for r in _grouped(Q(dim=dim), start, end, scope, "unit_key"):
        unit = units.get(r["unit_key"])
        if unit is None:
            unit = units[r["unit_key"]] = UnitFigures(
                dim, r["unit_key"], r["label"] or "", {}, r["path"] or ""
            )
        _add(unit.counts, r)
    return sorted(units.values(), key=lambda u: (u.unit_label, u.unit_key))


def one_unit(*, scope: list[str] | None, dim: str, unit_key: str, start: date, end: date) -> UnitFigures:
    """The figures of one unit (zeros when it has no row)."""
    counts: dict[str, int] = {}
    label = path = ""
    for r in _grouped(Q(dim=dim, unit_key=unit_key), start, end, scope, "unit_key"):
        _add(counts, r)
        label, path = label or r["label"] or "", path or r["path"] or ""
    return UnitFigures(dim, unit_key, label, _counts(counts), path)


def total_figures(*, scope: list[str] | None, start: date, end: date) -> UnitFigures:
    """The figures of the whole scope: the sum of its district rows (every unit counts once in the district
    it belongs to; a city-level unit in its region's row)."""
    counts: dict[str, int] = {}
    for r in _grouped(Q(dim=Dim.DISTRICT), start, end, scope, "dim"):
        _add(counts, r)
    return UnitFigures("total", "", "", _counts(counts))


def daily_series(
    *, scope: list[str] | None, start: date, end: date, dim: str | None = None, unit_key: str | None = None
) -> list[tuple[date, UnitFigures]]:
    """Day by day over [start, end] (every day, zeros included): of one unit, or of the whole scope."""
    if dim is None:
        qs = FigureDay.objects.using(read_db()).filter(dim=Dim.DISTRICT)
    else:
        qs = FigureDay.objects.using(read_db()).filter(dim=dim, unit_key=unit_key)
    qs = _scoped(qs.filter(day__gte=start, day__lte=end), scope)
    by_day = {r["day"]: _counts(r) for r in qs.values("day").annotate(**_sums())}
    out = []
    d = start
    while d <= end:
        out.append((d, UnitFigures(dim or "total", unit_key or "", "", by_day.get(d, {}))))
        d += timedelta(days=1)
    return out


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before [start, end]."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)
