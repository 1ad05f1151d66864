"""好差评 public results (issue 19 §3; docs/domain/supervision-public.md): per department, item and service
centre the stars (mean level), the count of valid evaluations and the 好评率 over a period, from the daily
roll-ups (models.FigureDay, on the read database), and a unit's newest review texts through
``tongban.ratings.facade``; never from scanning the evaluations per request.

What a page shows is kept in Django's cache for ``TONGBAN_PUBLIC_RATINGS_CACHE_SECONDS`` (default 600), one
entry per list (kind and period: searching, sorting and paging are done on it in memory, so a new search
asks the database nothing) and one per unit page (kind, unit and period). Nothing here is personal: the
figures are counts, and the texts come masked from ratings."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin

from tongban.ratings.facade import PublicReview, public_reviews
from tongban.supervision.constants import COUNTERS, Dim, Family
from tongban.supervision.db import read_db
from tongban.supervision.errors import SupervisionDimensionInvalid, SupervisionPeriodInvalid
from tongban.supervision.figures import UnitFigures, one_unit, unit_figures
from tongban.supervision.models import FigureDay

# What may be published, and the dimension of the roll-ups each reads.
PUBLIC_KINDS: dict[str, str] = {"department": Dim.DEPARTMENT, "item": Dim.ITEM, "centre": Dim.CENTRE}
# The units listed under a unit's own figures: a department's items, a centre's windows.
CHILD_KIND: dict[str, str] = {"department": "item", "centre": "window"}
SORTS = ("count", "stars", "good_rate", "name")
DEFAULT_PERIOD = "12m"
EARLIEST_YEAR = 2019  # 国办发〔2019〕51号: no 好差评 before it
REVIEWS_SHOWN = 10
_EVALUATION_COUNTERS = COUNTERS[Family.EVALUATIONS]
_CACHE_PREFIX = "tb:public-ratings:v1"
_MISSING = "missing"


def _kind_invalid() -> SupervisionDimensionInvalid:
    return SupervisionDimensionInvalid(message=_("类型无效：可选 department、item、centre"), field="kind")


def dim_of(kind: str) -> str:
    """The roll-ups' dimension of a public kind; 422 ``supervision_dimension_invalid`` for another kind."""
    if kind not in PUBLIC_KINDS:
        raise _kind_invalid()
    return PUBLIC_KINDS[kind]


# --- the period -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """The days counted, Beijing dates, both included. ``key`` is how it is asked for: ``12m`` (the last 12
    months: from the day after the same day a year ago up to today), ``YYYY`` (a year) or ``YYYY-MM`` (a
    month); a year or month not over yet ends today."""

    key: str
    start: date
    end: date


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def period_parse(value: str | None, *, today: date | None = None) -> Period:
    """The period ``value`` names (empty: the last 12 months); 422 ``supervision_period_invalid`` for anything
    else, a year before 2019 or a month after the current one."""
    today = today or timezone.localdate()
    key = (value or "").strip() or DEFAULT_PERIOD
    if key == DEFAULT_PERIOD:
        return Period(key, _year_before(today) + timedelta(days=1), today)
    match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", key)
    if match:
        year, month = int(match.group(1)), int(match.group(2) or 0)
        if year >= EARLIEST_YEAR and (month == 0 or 1 <= month <= 12):
            if month:
                start = date(year, month, 1)
                end = date(year, month, calendar.monthrange(year, month)[1])
            else:
                start, end = date(year, 1, 1), date(year, 12, 31)
            if start <= today:
                return Period(key, start, min(end, today))
    raise SupervisionPeriodInvalid(
        message=_(
            "统计期间无效：可选近 12 个月（12m）、某年（YYYY）或某月（YYYY-MM），自 2019 年起，不晚于本月"
        ),
        field="period",
    )


def period_choices(today: date | None = None) -> list[str]:
    """The periods a page offers: the last 12 months, this year and the two before, and the last 12 months
    one by one (newest first). Any other year or month since 2019 may be asked for by its key."""
    today = today or timezone.localdate()
    years = [str(y) for y in range(today.year, max(EARLIEST_YEAR, today.year - 2) - 1, -1)]
    months, year, month = [], today.year, today.month
    for _n in range(12):
        if year < EARLIEST_YEAR:
            break
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return [DEFAULT_PERIOD, *years, *months]


# --- the figures ------------------------------------------------------------------------------------------
@dataclass
class PublicUnit:
    """One unit's published figures over a period: its name, the valid evaluations (``evaluations``), of
    them at 4–5 stars (``good``) and at 1–2 (``bad``), and the sum of their levels."""

    kind: str
    uuid: str
    name: str
    scope_path: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    initials: str = ""  # the name's pinyin initials, for the search

    @property
    def figures(self) -> UnitFigures:
        return UnitFigures(PUBLIC_KINDS.get(self.kind, self.kind), self.uuid, self.name, self.counts)

    @property
    def evaluations(self) -> int:
        return self.counts.get("evaluations", 0)

    @property
    def good(self) -> int:
        return self.counts.get("good", 0)

    @property
    def bad(self) -> int:
        return self.counts.get("bad", 0)

    @property
    def stars(self) -> float | None:
        """The mean level, 1–5 (None without evaluations)."""
        return self.figures.stars

    @property
    def good_rate(self) -> float | None:
        """好评率, 0–1 (None without evaluations)."""
        return self.figures.good_rate


def _counts(row: dict) -> dict[str, int]:
    return {c: int(row.get(c) or 0) for c in _EVALUATION_COUNTERS}


def _initials(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()


def _units_load(kind: str, period: Period) -> list[PublicUnit]:
    """Every unit of ``kind`` with a valid evaluation in the period, summed by figures.unit_figures (the monthly
    roll-up for whole months, one statement)."""
    dim = PUBLIC_KINDS.get(kind, kind)
    return [
        PublicUnit(kind, u.unit_key, u.unit_label, u.scope_path, _counts(u.counts), _initials(u.unit_label))
        for u in unit_figures(scope=None, dim=dim, start=period.start, end=period.end)
        if u.evaluations > 0
    ]


def _cached(key: str, load):
    found = cache.get(key)
    if found is None:
        found = load()
        cache.set(key, _MISSING if found is None else found, settings.TONGBAN_PUBLIC_RATINGS_CACHE_SECONDS)
    return None if found == _MISSING else found


def public_units(kind: str, period: Period) -> list[PublicUnit]:
    """Every unit of ``kind`` (department, item, centre; "window" for a centre's page) with a valid evaluation
    in ``period``, from the cache or the roll-ups."""
    key = f"{_CACHE_PREFIX}:units:{kind}:{period.start}:{period.end}"
    return _cached(key, lambda: _units_load(kind, period))


def _sort_key(sort: str):
    if sort == "name":
        return lambda u: (u.initials, u.name, u.uuid)
    if sort == "stars":
        return lambda u: (-(u.stars or 0), -u.evaluations, u.initials, u.uuid)
    if sort == "good_rate":
        return lambda u: (-(u.good_rate or 0), -u.evaluations, u.initials, u.uuid)
    return lambda u: (-u.evaluations, -(u.stars or 0), u.initials, u.uuid)


def units_find(units: list[PublicUnit], *, query: str = "", sort: str = "count") -> list[PublicUnit]:
    """The units whose name contains ``query`` (or whose pinyin initials start with it: ``swj`` finds 税务局),
    sorted: ``count`` (most valid evaluations first, the default), ``stars`` and ``good_rate`` (highest first,
    then by count), ``name`` (by pinyin)."""
    query = query.strip().lower()
    if query:
        units = [u for u in units if query in u.name.lower() or u.initials.startswith(query)]
    return sorted(units, key=_sort_key(sort if sort in SORTS else "count"))


# --- one unit's page --------------------------------------------------------------------------------------
@dataclass
class PublicUnitPage:
    """A unit's page: its figures, the units under it with theirs (a department's items, a centre's windows;
    most evaluated first) and its newest review texts."""

    unit: PublicUnit
    children: list[PublicUnit]
    reviews: list[PublicReview]


def _unit_load(kind: str, unit_uuid: str, period: Period) -> PublicUnitPage | None:
    dim = PUBLIC_KINDS[kind]
    rows = FigureDay.objects.using(read_db()).filter(dim=dim, unit_key=unit_uuid)
    latest = rows.order_by("-day", "-id").values_list("unit_label", "scope_path").first()
    if latest is None:  # a unit the roll-ups have never counted
        return None
    label, path = latest
    counts = _counts(
        one_unit(scope=None, dim=dim, unit_key=unit_uuid, start=period.start, end=period.end).counts
    )
    unit = PublicUnit(kind, unit_uuid, label, path, counts, _initials(label))
    children: list[PublicUnit] = []
    if kind in CHILD_KIND and path:
        under = public_units(CHILD_KIND[kind], period)
        if kind == "department":  # an item's rows carry its lead department's path
            children = [u for u in under if u.scope_path == path]
        else:  # a window's rows carry its own path under its centre's
            children = [u for u in under if u.scope_path.startswith(path)]
        children = units_find(children, sort="count")
    reviews = public_reviews(
        kind=kind,
        unit_uuid=unit_uuid,
        start=period.start,
        end=period.end,
        limit=REVIEWS_SHOWN,
        using=read_db(),
    )
    return PublicUnitPage(unit, children, reviews)


def public_unit_page(kind: str, unit_uuid, period: Period) -> PublicUnitPage | None:
    """A unit's page over ``period``, from the cache or the roll-ups and ratings; None for a unit of that kind
    the roll-ups have never counted (the page answers 404)."""
    dim_of(kind)
    key = f"{_CACHE_PREFIX}:unit:{kind}:{unit_uuid}:{period.start}:{period.end}"
    return _cached(key, lambda: _unit_load(kind, str(unit_uuid), period))


# --- how a figure is written ------------------------------------------------------------------------------
def stars_text(stars: float | None) -> str:
    """The mean level to one decimal (4.6), "" without evaluations."""
    return "" if stars is None else f"{stars:.1f}"


def star_glyphs(stars: float | None) -> str:
    """★★★★☆ for 4.4 (rounded to whole stars; shown beside the text, hidden from screen readers)."""
    if stars is None:
        return ""
    full = max(0, min(5, int(stars + 0.5)))
    return "★" * full + "☆" * (5 - full)


def percent_text(rate: float | None) -> str:
    """A rate in per cent to one decimal, rounded down (99.96 % is 99.9, never 100.0 unless it is), "" when
    there is none."""
    if rate is None:
        return ""
    tenths = int(rate * 1000 + 1e-9)
    return f"{tenths / 10:.1f}"
