"""The working-day calendar: examples across National Day 2026 and the make-up days, provisional years (no
notice yet: statutory holidays, no 调休), admin amendments, and property tests for the arithmetic."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tongban.core.constants import DayKind
from tongban.core.models import WorkCalendarDay
from tongban.core.signals import calendar_changed
from tongban.core.workdays import (
    calendar_missing_years,
    calendar_provisional_years,
    calendar_seed,
    calendar_year_set_from_notice,
    invalidate_calendar_cache,
    is_provisional_year,
    is_working_day,
    range_is_provisional,
    statutory_holidays,
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


def test_twenty_working_days_after_a_late_2026_date_count_2027_provisionally():
    WorkCalendarDay.objects.filter(date__year__gte=2027).delete()
    due = working_days_after(date(2026, 12, 28), 20)
    # 29–31 Dec 2026 are days 1–3 (2026 is known); 1 Jan 2027 (Fri, 元旦) rests: 4 Jan (Mon) is day 4 …
    assert due == date(2027, 1, 26)
    assert range_is_provisional(date(2026, 12, 28), due) is True
    assert range_is_provisional(date(2026, 12, 1), date(2026, 12, 31)) is False
    assert range_is_provisional(date(2026, 12, 31), date(2026, 12, 31)) is False
    assert range_is_provisional(date(2027, 1, 5), date(2026, 12, 1)) is True  # either order
    assert 2027 in calendar_provisional_years(today=date(2026, 11, 27))
    assert 2026 not in calendar_provisional_years(today=date(2026, 11, 27))
    assert calendar_missing_years(today=date(2026, 11, 27)) == [2027]


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2027, 1, 1), False),  # Friday, 元旦
        (date(2027, 1, 4), True),
        (date(2027, 2, 4), True),  # Thursday before 除夕
        (date(2027, 2, 5), False),  # Friday, 除夕
        (date(2027, 2, 6), False),  # Saturday, 正月初一
        (date(2027, 2, 8), False),  # Monday, 正月初三
        (date(2027, 2, 9), True),  # no 调休 without the notice: nothing moves to make up for the weekend
        (date(2027, 4, 5), False),  # 清明
        (date(2027, 4, 6), True),
        (date(2027, 5, 3), True),  # Monday: 1–2 May fell on the weekend, nothing moves
        (date(2027, 6, 9), False),  # 端午 (五月初五)
        (date(2027, 9, 15), False),  # 中秋 (八月十五)
        (date(2027, 10, 1), False),  # Friday, 国庆节
        (date(2027, 10, 4), True),
        (date(2027, 10, 9), False),  # an ordinary Saturday still rests
    ],
)
def test_a_year_without_a_notice_rests_on_the_statutory_holidays(day, working):
    WorkCalendarDay.objects.filter(date__year__gte=2027).delete()
    assert is_working_day(day) is working
    assert is_provisional_year(2027) is True


def test_the_statutory_holidays_follow_the_version_of_the_rules_in_force():
    spring_2027 = sorted(d for d, name in statutory_holidays(2027).items() if name == "春节")
    assert spring_2027 == [date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)]
    labour = sorted(d for d, name in statutory_holidays(2027).items() if name == "劳动节")
    assert labour == [date(2027, 5, 1), date(2027, 5, 2)]
    assert len(statutory_holidays(2027)) == 13
    # Before 2025: 春节 初一–初三 (2014–2024) and 劳动节 1 May only; 2008–2013: 除夕–初二.
    assert date(2024, 2, 9) not in statutory_holidays(2024)  # 除夕 2024 was a working day
    assert date(2024, 5, 2) not in statutory_holidays(2024)
    assert date(2013, 2, 9) in statutory_holidays(2013)  # 除夕 2013


def test_the_rules_agree_with_the_notices_chinesecalendar_knows():
    # Every statutory holiday by the rules is a rest day in the years entered from real notices.
    import chinese_calendar

    for year in range(2004, 2027):
        assert [d for d in statutory_holidays(year) if not chinese_calendar.is_holiday(d)] == []


def test_entering_the_notice_makes_the_year_known_with_its_makeup_days():
    WorkCalendarDay.objects.filter(date__year__gte=2027).delete()
    assert is_working_day(date(2027, 2, 20)) is False  # a Saturday, provisionally
    received = []

    def receiver(sender, years, **kwargs):
        received.append(years)
        return {"cases": 3}

    calendar_changed.connect(receiver, dispatch_uid="test-receiver")
    try:
        loaded = calendar_year_set_from_notice(
            year=2027,
            holidays={date(2027, 1, 1): "元旦", date(2027, 2, 9): "春节"},
            makeup_workdays=[date(2027, 2, 20)],
            source_notice="国务院办公厅关于2027年部分节假日安排的通知",
        )
    finally:
        calendar_changed.disconnect(dispatch_uid="test-receiver")
    assert loaded.days == 365 and loaded.cases_recomputed == 3
    assert received == [[2027]]
    assert is_provisional_year(2027) is False
    assert is_working_day(date(2027, 2, 20)) is True  # 调休上班
    assert is_working_day(date(2027, 2, 9)) is False
    assert is_working_day(date(2027, 4, 5)) is True  # only what the notice says counts now
    assert calendar_provisional_years(today=date(2026, 12, 2)) == []


def test_a_failing_receiver_rolls_the_notice_back():
    WorkCalendarDay.objects.filter(date__year__gte=2027).delete()

    def receiver(sender, years, **kwargs):
        raise RuntimeError("boom")

    calendar_changed.connect(receiver, dispatch_uid="test-failing")
    try:
        with pytest.raises(RuntimeError):
            calendar_year_set_from_notice(
                year=2027, holidays={}, makeup_workdays=[], source_notice="国务院办公厅通知"
            )
    finally:
        calendar_changed.disconnect(dispatch_uid="test-failing")
    assert not WorkCalendarDay.objects.filter(date__year=2027).exists()
    assert is_provisional_year(2027) is True
    assert is_working_day(date(2027, 1, 1)) is False


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
    assert "2030" in caplog.text and "provisionally" in caplog.text


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
    assert is_provisional_year(2026) is True
    # The missing half is provisional: 国庆节 rests, but not the days the 2026 notice added.
    assert is_working_day(date(2026, 10, 1)) is False
    assert is_working_day(date(2026, 10, 5)) is True
    assert is_working_day(date(2026, 6, 1)) is True  # the half still in the table counts as entered


def test_a_notice_with_days_outside_its_year_is_refused():
    with pytest.raises(ValueError, match="not in 2031"):
        calendar_year_set_from_notice(
            year=2031, holidays={date(2030, 12, 31): "x"}, makeup_workdays=[], source_notice="通知"
        )
    assert not WorkCalendarDay.objects.filter(date__year=2031).exists()


def test_the_calendar_cache_loads_even_right_after_boot(monkeypatch):
    from datetime import date

    import tongban.core.workdays as workdays

    workdays.invalidate_calendar_cache()
    monkeypatch.setattr(workdays.time, "monotonic", lambda: 30.0)
    assert workdays.is_working_day(date(2026, 10, 1)) is False
    assert workdays.is_working_day(date(2026, 10, 10)) is True


def test_the_calendar_admin_list_costs_the_same_queries_however_many_days(assert_flat_admin_list):
    """A page of days (list_per_page) whatever the calendar holds."""
    added = iter(date(2090, 1, 1) + timedelta(days=n) for n in range(1000))

    def more_days():
        WorkCalendarDay.objects.bulk_create(
            WorkCalendarDay(date=next(added), kind=DayKind.HOLIDAY, name="测试") for _ in range(100)
        )

    assert_flat_admin_list(WorkCalendarDay, 7, more_days)
