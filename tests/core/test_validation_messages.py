"""The API's own request validation (django-ninja / pydantic) answers in the error envelope with a sentence
per field in the request's language — never pydantic's "Field required" or "Input should be …"."""

import pytest

pytestmark = pytest.mark.django_db

PYDANTIC_ENGLISH = ("Field required", "Input should", "String should", "valid integer", "Value error")


def fields_of(response) -> dict[str, str]:
    answer = response.json()
    assert response.status_code == 422 and set(answer) == {"code", "message", "details"}
    assert answer["code"] == "validation_error"
    return {f["field"]: f["message"] for f in answer["details"]["fields"]}


def test_a_login_with_missing_fields_says_what_is_missing_in_chinese(client):
    said = fields_of(client.post("/api/auth/login", {}, content_type="application/json"))
    assert said == {"username": "缺少必填项「username」", "password": "缺少必填项「password」"}
    empty = fields_of(
        client.post("/api/auth/login", {"username": "", "password": "x"}, content_type="application/json")
    )
    assert empty == {"username": "缺少必填项「username」"}


def test_query_and_path_values_are_said_in_chinese_and_in_english_when_asked(client):
    bad = client.get("/api/calendar/working-days-after", {"start": "2026-02-30", "n": "many"})
    assert fields_of(bad) == {
        "start": "「start」须为有效日期，如 2026-01-31",
        "n": "「n」须为整数",
    }
    assert fields_of(client.get("/api/calendar/working-days-after", {"start": "2026-01-01", "n": -1})) == {
        "n": "「n」不能小于 0"
    }
    english = client.get(
        "/api/calendar/working-days-after", {"start": "2026-02-30"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert fields_of(english) == {
        "start": '"start" must be a valid date, such as 2026-01-31',
        "n": 'Missing required field "n"',
    }
    assert english.json()["message"] != "请求数据校验失败"


def test_no_pydantic_english_reaches_a_chinese_answer(client):
    answers = [
        client.post("/api/auth/login", "[]", content_type="application/json"),
        client.post("/api/auth/sms", {"phone": 13800000000}, content_type="application/json"),
        client.get("/api/calendar/days/2026-13-01"),
    ]
    for response in answers:
        assert response.status_code == 422, response.content
        text = response.content.decode()
        assert not any(english in text for english in PYDANTIC_ENGLISH), text
    unparsable = client.post("/api/auth/login", "{not json", content_type="application/json")
    assert unparsable.status_code == 400 and unparsable.json()["message"] == "请求体无法解析：须为有效的 JSON"
