"""The working-day calendar: examples across National Day 2026 and the make-up days, fallback years,
admin amendments, and property tests for the arithmetic."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tongban.core.constants import DayKind
from tongban.core.models import WorkCalendarDay
from tongban.core.workdays import (
    calendar_missing_years,
    calendar_seed,
    calendar_year_set_from_notice,
    invalidate_calendar_cache,
    is_working_day,
    working_days_after,
    working_days_between,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    invalidate_calendar_cache()
    yield
    invalidate_calendar_cache()


def test_the_table_is_seeded_from_chinesecalendar_with_the_notice():
    day = WorkCalendarDay.objects.get(date=date(2026, 10, 1))
    assert day.kind == DayKind.HOLIDAY
    assert day.name == "国庆节"
    assert "2026年部分节假日安排" in day.source_notice


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 30), True),  # Wednesday before the holiday
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),  # last day of the holiday
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday: make-up working day
        (date(2026, 9, 20), True),  # Sunday: make-up working day
        (date(2026, 10, 11), False),  # ordinary Sunday
        (date(2026, 2, 14), True),  # Spring Festival make-up Saturday
        (date(2026, 1, 4), True),  # New Year make-up Sunday
        (date(2026, 5, 9), True),  # Labour Day make-up Saturday
        (date(2026, 5, 1), False),
    ],
)
def test_is_working_day_knows_holidays_and_makeup_days(day, working):
    assert is_working_day(day) is working


def test_counting_does_not_count_the_day_of_acceptance_and_skips_national_day():
    # Accepted on Wednesday 30 September 2026: day 1 is Thursday 8 October (1–7 October are holidays).
    assert working_days_after(date(2026, 9, 30), 1) == date(2026, 10, 8)
    # 8 Thu, 9 Fri, 10 Sat (make-up) are days 1-3; 12 Mon is day 4.
    assert working_days_after(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert working_days_after(date(2026, 9, 30), 4) == date(2026, 10, 12)
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4
    assert working_days_after(date(2026, 9, 30), 0) == date(2026, 9, 30)


def test_twenty_working_days_after_a_late_2026_date_falls_back_in_an_unknown_year():
    WorkCalendarDay.objects.filter(date__year__gte=2027).delete()
    due = working_days_after(date(2026, 12, 28), 20)
    assert isinstance(due, date)
    # 29–31 Dec 2026 are days 1–3 (2026 is known); 2027 counts Monday–Friday: 1 Jan (Fri) is day 4 …
    assert due == date(2027, 1, 25)
    assert 2027 in calendar_missing_years(today=date(2026, 11, 27))
    assert 2026 not in calendar_missing_years(today=date(2026, 11, 27))


def test_admin_edits_take_effect_and_a_notice_can_be_entered_for_a_new_year():
    WorkCalendarDay.objects.filter(date=date(2026, 12, 31)).update(kind=DayKind.HOLIDAY, name="测试调整")
    invalidate_calendar_cache()
    assert is_working_day(date(2026, 12, 31)) is False
    # A hypothetical notice for 2031: 1 Jan holiday, Saturday 4 Jan a make-up working day.
    calendar_year_set_from_notice(
        year=2031,
        holidays={date(2031, 1, 1): "元旦"},
        makeup_workdays=[date(2031, 1, 4)],
        source_notice="国务院办公厅关于2031年部分节假日安排的通知",
    )
    invalidate_calendar_cache()
    assert WorkCalendarDay.objects.filter(date__year=2031).count() == 365
    assert is_working_day(date(2031, 1, 1)) is False
    assert is_working_day(date(2031, 1, 4)) is True
    assert 2031 not in calendar_missing_years(today=date(2031, 3, 1))


def test_seeding_keeps_admin_edits_unless_told_to_overwrite():
    WorkCalendarDay.objects.filter(date=date(2025, 3, 3)).update(name="管理员修改")
    assert calendar_seed(years=[2025]) == {2025: 0}
    assert WorkCalendarDay.objects.get(date=date(2025, 3, 3)).name == "管理员修改"
    assert calendar_seed(years=[2025], overwrite=True) == {2025: 365}
    assert WorkCalendarDay.objects.get(date=date(2025, 3, 3)).name == ""
    with pytest.raises(ValueError, match="no data"):
        calendar_seed(years=[2099])


def test_a_year_with_no_data_warns_once_in_the_log(caplog):
    WorkCalendarDay.objects.filter(date__year=2030).delete()
    with caplog.at_level("WARNING", logger="tongban.core.workdays"):
        is_working_day(date(2030, 6, 3))
    assert "2030" in caplog.text and "Monday-Friday" in caplog.text


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
counts = st.integers(min_value=0, max_value=120)


@settings(max_examples=150, deadline=None)
@given(start=days, n=counts)
def test_between_inverts_after(start, n):
    due = working_days_after(start, n)
    assert working_days_between(start, due) == n
    if n > 0:
        assert is_working_day(due)
        assert working_days_between(start, due - timedelta(days=1)) == n - 1


@settings(max_examples=100, deadline=None)
@given(a=days, b=days, c=days)
def test_between_is_additive_and_antisymmetric(a, b, c):
    a, b, c = sorted([a, b, c])
    assert working_days_between(a, c) == working_days_between(a, b) + working_days_between(b, c)
    assert working_days_between(c, a) == -working_days_between(a, c)


@settings(max_examples=100, deadline=None)
@given(start=days, n=st.integers(min_value=0, max_value=60), m=st.integers(min_value=0, max_value=60))
def test_after_composes(start, n, m):
    assert working_days_after(working_days_after(start, n), m) == working_days_after(start, n + m)


def test_a_half_entered_year_does_not_count_as_known():
    WorkCalendarDay.objects.filter(date__year=2026, date__month__gte=7).delete()
    invalidate_calendar_cache()
    assert 2026 in calendar_missing_years(today=date(2026, 11, 27))
    assert is_working_day(date(2026, 10, 1)) is True  # the missing half falls back to Monday–Friday


def test_a_notice_with_days_outside_its_year_is_refused():
    with pytest.raises(ValueError, match="not in 2031"):
        calendar_year_set_from_notice(
            year=2031, holidays={date(2030, 12, 31): "x"}, makeup_workdays=[], source_notice="通知"
        )
    assert not WorkCalendarDay.objects.filter(date__year=2031).exists()
