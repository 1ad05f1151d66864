"""The working-day calendar: ``is_working_day``, ``working_days_after`` and ``working_days_between``.

Convention (docs/domain/working-days.md): the day of acceptance is not counted; day 1 is the next working
day, so ``working_days_after(d, n)`` is the n-th working day after ``d`` and
``working_days_between(a, b)`` counts the working days in the half-open interval (a, b].

The table :class:`~tongban.core.models.WorkCalendarDay` is seeded from ``chinesecalendar`` and can be
amended by platform admins. A day the table does not hold is *provisional* (docs/domain/working-days.md): the
statutory holidays of the 《全国年节及纪念日放假办法》 in force that year (fixed dates, and lunar dates and
清明 from ``lunar_python``) are rest days, weekends rest, every other day works; no 调休 (those come only
with the State Council's yearly notice). :func:`range_is_provisional` tells a caller whether a count used
such a year, :func:`calendar_provisional_years` lists this year and next when provisional (so operators and
staff are warned), and entering a year (:func:`calendar_year_set_from_notice`, :func:`calendar_seed`, an
admin's edit) sends :data:`tongban.core.signals.calendar_changed` so that open deadlines are recomputed.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

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
        self._complete: frozenset[int] = frozenset()
        self._warned: set[int] = set()

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = None

    def complete_years(self) -> list[int]:
        self.years()
        return sorted(self._complete)

    def is_complete(self, year: int) -> bool:
        self.years()
        return year in self._complete

    def years(self) -> dict[int, dict[date, bool]]:
        now = time.monotonic()
        if self._loaded_at is None or now - self._loaded_at > CACHE_SECONDS:
            years: dict[int, dict[date, bool]] = {}
            for day, kind in WorkCalendarDay.objects.values_list("date", "kind").iterator():
                years.setdefault(day.year, {})[day] = kind in _WORKING
            complete = frozenset(
                y for y, days in years.items() if len(days) == (date(y + 1, 1, 1) - date(y, 1, 1)).days
            )
            with self._lock:
                self._years = years
                self._complete = complete
                self._loaded_at = now
        return self._years

    def warn_once(self, year: int) -> None:
        if year not in self._warned:
            self._warned.add(year)
            logger.warning(
                "working-day calendar has no data for %s: counting it provisionally with the statutory "
                "holidays (no make-up days) until the State Council notice is entered",
                year,
            )


_cache = _CalendarCache()


def invalidate_calendar_cache() -> None:
    _cache.invalidate()


# 《全国年节及纪念日放假办法》, article 2 (holidays for all citizens), as in force from each year on:
# (first year, 春节 as offsets from 正月初一 (-1 is 除夕), 劳动节 as days of May). 元旦 (1 Jan) and 国庆节
# (1–3 Oct) are the same in every version; 清明节 (the 清明 solar-term day), 端午节 (五月初五) and 中秋节
# (八月十五) are holidays from 2008 on.
_HOLIDAY_RULES = (
    (2025, (-1, 0, 1, 2), (1, 2)),  # 2024 amendment (in force 1 Jan 2025): 除夕 and 2 May added
    (2014, (0, 1, 2), (1,)),  # 2013 amendment (in force 1 Jan 2014): 春节 初一 to 初三 again
    (2008, (-1, 0, 1), (1,)),  # 2007 amendment (in force 1 Jan 2008); 清明, 端午, 中秋 from then on
    (0, (0, 1, 2), (1, 2, 3)),  # 1999 version
)


@lru_cache(maxsize=256)
def _statutory_holidays(year: int) -> dict[date, str]:
    from lunar_python import Lunar

    def solar(lunar) -> date:
        s = lunar.getSolar()
        return date(s.getYear(), s.getMonth(), s.getDay())

    _first, spring, labour = next(rule for rule in _HOLIDAY_RULES if year >= rule[0])
    new_year = Lunar.fromYmd(year, 1, 1)
    spring_day = solar(new_year)
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    days.update({spring_day + timedelta(days=offset): "春节" for offset in spring})
    if year >= 2008:
        qingming = new_year.getJieQiTable()["清明"]
        days[date(qingming.getYear(), qingming.getMonth(), qingming.getDay())] = "清明节"
    days.update({date(year, 5, d): "劳动节" for d in labour})
    if year >= 2008:
        days.setdefault(solar(Lunar.fromYmd(year, 5, 5)), "端午节")
        days.setdefault(solar(Lunar.fromYmd(year, 8, 15)), "中秋节")
    for d in (1, 2, 3):
        days.setdefault(date(year, 10, d), "国庆节")
    return days


def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory holidays of ``year`` by the 放假办法 (no 调休): what a provisional year rests on."""
    return dict(_statutory_holidays(year))


def is_working_day(day: date) -> bool:
    year = _cache.years().get(day.year)
    if year is None or day not in year:
        if year is None:
            _cache.warn_once(day.year)
        return day.weekday() < 5 and day not in _statutory_holidays(day.year)
    return year[day]


def is_provisional_year(year: int) -> bool:
    """Whether ``year`` is counted provisionally (the table does not hold it whole)."""
    return not _cache.is_complete(year)


def range_is_provisional(start: date, end: date) -> bool:
    """Whether counting the working days in (start, end] (either order) went through a provisional year:
    a deadline ``working_days_after(start, n)`` is provisional when ``range_is_provisional(start, due)``."""
    lo, hi = min(start, end), max(start, end)
    if lo == hi:
        return False
    first = (lo + timedelta(days=1)).year
    return any(is_provisional_year(y) for y in range(first, hi.year + 1))


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


def calendar_provisional_years(today: date | None = None) -> list[int]:
    """This year and next, when the table lacks them and they are counted provisionally (the notice for next
    year usually comes in Nov–Dec): operators and staff are warned until it is entered."""
    today = today or date.today()
    return [y for y in (today.year, today.year + 1) if is_provisional_year(y)]


# The older name (the same years: missing from the table, so provisional).
calendar_missing_years = calendar_provisional_years


class NoticeLoaded(NamedTuple):
    days: int  # rows written for the year
    cases_recomputed: int  # open cases whose deadlines were recomputed (calendar_changed receivers)


def calendar_changed_send(years) -> int:
    """Tell the other contexts that these years changed (they recompute what they computed from them), in
    the caller's transaction: a receiver that fails rolls the change back. Returns the cases recomputed."""
    from tongban.core.signals import calendar_changed

    invalidate_calendar_cache()  # the receivers must count with the new rows
    recomputed = 0
    for _receiver, result in calendar_changed.send(sender=WorkCalendarDay, years=sorted(set(years))):
        if isinstance(result, dict):
            recomputed += int(result.get("cases", 0))
    logger.info("calendar changed for %s: %d open cases recomputed", sorted(set(years)), recomputed)
    return recomputed


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


def calendar_seed(*, years: list[int], overwrite: bool = False) -> dict[int, int]:
    """Load years from ``chinesecalendar``; existing rows (maybe edited by admins) are kept unless
    ``overwrite``. Returns the rows written per year; open deadlines over the years written are recomputed."""
    try:
        with transaction.atomic():
            written: dict[int, int] = {}
            for year in years:
                rows = calendar_days_for_year(year)
                if overwrite:
                    WorkCalendarDay.objects.filter(date__year=year).delete()
                    existing = set()
                else:
                    existing = set(
                        WorkCalendarDay.objects.filter(date__year=year).values_list("date", flat=True)
                    )
                new_rows = [r for r in rows if r.date not in existing]
                WorkCalendarDay.objects.bulk_create(new_rows)
                written[year] = len(new_rows)
            changed = [year for year, count in written.items() if count]
            if changed:
                calendar_changed_send(changed)
            transaction.on_commit(invalidate_calendar_cache)
    except BaseException:
        invalidate_calendar_cache()  # the cache may hold rows that were rolled back
        raise
    return written


def calendar_year_set_from_notice(
    *, year: int, holidays: dict[date, str], makeup_workdays: list[date], source_notice: str
) -> NoticeLoaded:
    """Enter a year from a State Council notice: weekdays and weekends by default, then the notice's
    holidays and make-up working days. Used by admins when the package does not yet know the year. In the
    same transaction the open cases' deadlines are recomputed with it (signal ``calendar_changed``)."""
    for day in [*holidays, *makeup_workdays]:
        if day.year != year:
            raise ValueError(f"{day} is not in {year}")
    overlap = set(holidays) & set(makeup_workdays)
    if overlap:
        raise ValueError(f"days both holiday and make-up working day: {sorted(overlap)}")
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
    try:
        with transaction.atomic():
            WorkCalendarDay.objects.filter(date__year=year).delete()
            WorkCalendarDay.objects.bulk_create(rows)
            recomputed = calendar_changed_send([year])
            transaction.on_commit(invalidate_calendar_cache)
    except BaseException:
        invalidate_calendar_cache()  # the cache may hold rows that were rolled back
        raise
    return NoticeLoaded(days=len(rows), cases_recomputed=recomputed)
