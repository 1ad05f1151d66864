import pytest

from tongban.cli import main
from tongban.core.models import WorkCalendarDay
from tongban.core.workdays import invalidate_calendar_cache

pytestmark = pytest.mark.django_db


def test_calendar_endpoints_answer_the_same_as_the_functions(client):
    day = client.get("/api/calendar/days/2026-10-10").json()
    assert day == {"date": "2026-10-10", "is_working_day": True, "year_known": True, "provisional": False}
    after = client.get("/api/calendar/working-days-after", {"start": "2026-09-30", "n": 4}).json()
    assert after["due"] == "2026-10-12" and after["provisional"] is False
    between = client.get("/api/calendar/working-days-between", {"start": "2026-09-30", "end": "2026-10-12"})
    assert between.json()["working_days"] == 4 and between.json()["provisional"] is False


def test_counts_over_a_year_without_a_notice_are_flagged_provisional(client):
    WorkCalendarDay.objects.filter(date__year__gte=2027).delete()
    invalidate_calendar_cache()
    day = client.get("/api/calendar/days/2027-10-01").json()
    assert day == {"date": "2027-10-01", "is_working_day": False, "year_known": False, "provisional": True}
    after = client.get("/api/calendar/working-days-after", {"start": "2026-12-28", "n": 20}).json()
    assert after["due"] == "2027-01-26" and after["provisional"] is True
    between = client.get("/api/calendar/working-days-between", {"start": "2026-12-30", "end": "2027-01-05"})
    # 31 Dec, 4 and 5 Jan: 1 Jan 2027 (元旦) rests even with no notice.
    assert between.json() == {
        "start": "2026-12-30",
        "end": "2027-01-05",
        "working_days": 3,
        "provisional": True,
    }
    within = client.get("/api/calendar/working-days-between", {"start": "2026-12-01", "end": "2026-12-31"})
    assert within.json()["provisional"] is False


def test_the_cli_reports_working_days_between_and_the_flag(capsys):
    WorkCalendarDay.objects.filter(date__year__gte=2027).delete()
    invalidate_calendar_cache()
    assert main(["calendar", "working-days-between", "2026-12-30", "2027-01-05"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 working days") and "PROVISIONAL" in out
    assert main(["calendar", "working-days-between", "2026-09-30", "2026-10-12"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("4 working days") and "PROVISIONAL" not in out
    assert main(["calendar", "working-days-between", "2026-13-01", "2027-01-05"]) == 1
    assert "error" in capsys.readouterr().out


def test_calendar_status_reports_a_provisional_year_until_its_notice_is_in(capsys):
    from datetime import date

    from tongban.core.workdays import calendar_year_set_from_notice

    WorkCalendarDay.objects.filter(date__year__gte=2026).delete()
    invalidate_calendar_cache()
    assert main(["calendar", "status"]) == 1
    assert "PROVISIONAL" in capsys.readouterr().out
    for year in (2026, 2027):  # this year and next (the tests run on the real date)
        calendar_year_set_from_notice(
            year=year, holidays={date(year, 1, 1): "元旦"}, makeup_workdays=[], source_notice="通知"
        )
    today = date.today()
    for year in {today.year, today.year + 1} - {2026, 2027}:
        calendar_year_set_from_notice(year=year, holidays={}, makeup_workdays=[], source_notice="通知")
    invalidate_calendar_cache()
    assert main(["calendar", "status"]) == 0
    assert "PROVISIONAL" not in capsys.readouterr().out
    invalidate_calendar_cache()


@pytest.mark.parametrize(
    ("url", "params", "code"),
    [
        ("/api/calendar/days/1800-01-01", {}, "date_out_of_range"),
        ("/api/calendar/days/2026-13-01", {}, "validation_error"),
        ("/api/calendar/working-days-after", {"start": "2026-01-01", "n": -1}, "validation_error"),
        (
            "/api/calendar/working-days-between",
            {"start": "2000-01-01", "end": "2099-01-01"},
            "range_too_long",
        ),
    ],
)
def test_bad_calendar_input_answers_422_with_a_code(client, url, params, code):
    response = client.get(url, params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    assert set(body) == {"code", "message", "details"}
