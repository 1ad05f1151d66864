import pytest

pytestmark = pytest.mark.django_db


def test_calendar_endpoints_answer_the_same_as_the_functions(client):
    day = client.get("/api/calendar/days/2026-10-10").json()
    assert day == {"date": "2026-10-10", "is_working_day": True, "year_known": True}
    after = client.get("/api/calendar/working-days-after", {"start": "2026-09-30", "n": 4}).json()
    assert after["due"] == "2026-10-12"
    between = client.get("/api/calendar/working-days-between", {"start": "2026-09-30", "end": "2026-10-12"})
    assert between.json()["working_days"] == 4


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
