"""The working-day calendar: ``is_working_day``, ``working_days_after`` and ``working_days_between``.

Convention (DOMAIN.md §7.2): the day of acceptance is not counted; day 1 is the next working day, so
``working_days_after(d, n)`` is the n-th working day after ``d`` and ``working_days_between(a, b)`` counts
the working days in the half-open interval (a, b].

The table :class:`~tongban.core.models.WorkCalendarDay` is seeded from ``chinesecalendar`` and can be
amended by platform admins. A year the table does not know falls back to Monday–Friday (and
:func:`calendar_missing_years` reports it so the admin dashboard can warn): the calendar never crashes.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, timedelta

from django.db import transaction

from tongban.core.constants import DayKind
from tongban.core.models import WorkCalendarDay

logger = logging.getLogger(__name__)

# How long a process trusts its copy of the table before it re-reads it (edits in one process invalidate
# that process at once; others see them within this many seconds).
CACHE_SECONDS = 60
_WORKING = {DayKind.WORKDAY.value, DayKind.MAKEUP_WORKDAY.value}


class _CalendarCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded_at: float | None = None  # None: not loaded (monotonic time may be small after boot)
        self._years: dict[int, dict[date, bool]] = {}
        self._warned: set[int] = set()

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = None

    def complete_years(self) -> list[int]:
        years = self.years()
        return sorted(y for y, days in years.items() if len(days) == (date(y + 1, 1, 1) - date(y, 1, 1)).days)

    def years(self) -> dict[int, dict[date, bool]]:
        now = time.monotonic()
        if self._loaded_at is None or now - self._loaded_at > CACHE_SECONDS:
            years: dict[int, dict[date, bool]] = {}
            for day, kind in WorkCalendarDay.objects.values_list("date", "kind").iterator():
                years.setdefault(day.year, {})[day] = kind in _WORKING
            with self._lock:
                self._years = years
                self._loaded_at = now
        return self._years

    def warn_once(self, year: int) -> None:
        if year not in self._warned:
            self._warned.add(year)
            logger.warning(
                "working-day calendar has no data for %s: falling back to Monday-Friday until the "
                "State Council notice is entered",
                year,
            )


_cache = _CalendarCache()


def invalidate_calendar_cache() -> None:
    _cache.invalidate()


def is_working_day(day: date) -> bool:
    year = _cache.years().get(day.year)
    if year is None or day not in year:
        if year is None:
            _cache.warn_once(day.year)
        return day.weekday() < 5
    return year[day]


def working_days_after(day: date, n: int) -> date:
    """The n-th working day after ``day`` (``day`` itself is not counted). ``n == 0`` gives ``day``."""
    if n < 0:
        raise ValueError("n must be >= 0")
    current = day
    remaining = n
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def previous_working_day(day: date) -> date:
    """The last working day before ``day``."""
    current = day - timedelta(days=1)
    while not is_working_day(current):
        current -= timedelta(days=1)
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]; negative when ``end`` is before ``start``."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def calendar_known_years() -> list[int]:
    """Years the table holds completely (a half-entered notice does not count)."""
    return _cache.complete_years()


def calendar_missing_years(today: date | None = None) -> list[int]:
    """This year and next, when the table lacks them (the notice for next year usually comes in Nov–Dec)."""
    today = today or date.today()
    known = set(_cache.complete_years())
    return [y for y in (today.year, today.year + 1) if y not in known]


def default_notice(year: int) -> str:
    return f"国务院办公厅关于{year}年部分节假日安排的通知（据 chinesecalendar 数据导入）"


def calendar_days_for_year(year: int) -> list[WorkCalendarDay]:
    """Rows for a whole year from ``chinesecalendar``; raises ValueError when the package lacks the year."""
    import chinese_calendar

    rows = []
    day = date(year, 1, 1)
    notice = default_notice(year)
    try:
        while day.year == year:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            weekend = day.weekday() >= 5
            if on_holiday and name:
                kind = DayKind.HOLIDAY
            elif on_holiday:
                kind = DayKind.WEEKEND
            elif weekend:
                kind = DayKind.MAKEUP_WORKDAY
            else:
                kind = DayKind.WORKDAY
            label = chinese_calendar.constants.Holiday(name).chinese if name else ""
            rows.append(WorkCalendarDay(date=day, kind=kind, name=label, source_notice=notice))
            day += timedelta(days=1)
    except NotImplementedError as exc:
        raise ValueError(f"chinesecalendar has no data for {year}") from exc
    return rows


@transaction.atomic
def calendar_seed(*, years: list[int], overwrite: bool = False) -> dict[int, int]:
    """Load years from ``chinesecalendar``; existing rows (maybe edited by admins) are kept unless
    ``overwrite``. Returns the rows written per year."""
    written: dict[int, int] = {}
    for year in years:
        rows = calendar_days_for_year(year)
        if overwrite:
            WorkCalendarDay.objects.filter(date__year=year).delete()
            existing = set()
        else:
            existing = set(WorkCalendarDay.objects.filter(date__year=year).values_list("date", flat=True))
        new_rows = [r for r in rows if r.date not in existing]
        WorkCalendarDay.objects.bulk_create(new_rows)
        written[year] = len(new_rows)
    transaction.on_commit(invalidate_calendar_cache)
    return written


@transaction.atomic
def calendar_year_set_from_notice(
    *, year: int, holidays: dict[date, str], makeup_workdays: list[date], source_notice: str
) -> int:
    """Enter a year from a State Council notice: weekdays and weekends by default, then the notice's
    holidays and make-up working days. Used by admins when the package does not yet know the year."""
    for day in [*holidays, *makeup_workdays]:
        if day.year != year:
            raise ValueError(f"{day} is not in {year}")
    overlap = set(holidays) & set(makeup_workdays)
    if overlap:
        raise ValueError(f"days both holiday and make-up working day: {sorted(overlap)}")
    WorkCalendarDay.objects.filter(date__year=year).delete()
    rows = []
    day = date(year, 1, 1)
    while day.year == year:
        if day in holidays:
            kind, name = DayKind.HOLIDAY, holidays[day]
        elif day in makeup_workdays:
            kind, name = DayKind.MAKEUP_WORKDAY, ""
        else:
            kind, name = (DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY), ""
        rows.append(WorkCalendarDay(date=day, kind=kind, name=name, source_notice=source_notice))
        day += timedelta(days=1)
    WorkCalendarDay.objects.bulk_create(rows)
    transaction.on_commit(invalidate_calendar_cache)
    return len(rows)
