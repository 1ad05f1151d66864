import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_unknown_api_paths_and_wrong_methods_answer_in_the_error_format(client):
    missing = client.get("/api/no-such-endpoint")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong = client.delete("/api/health")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"
    assert "GET" in wrong["Allow"]


def test_api_error_messages_follow_the_language(client):
    chinese = client.get("/api/me").json()["message"]
    english = client.get("/api/me", HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    assert chinese == "请先登录或提供有效的接口凭证"
    assert english == "Log in, or provide valid API credentials"


def test_the_audit_trail_never_holds_a_citizens_full_phone_number(make_person):
    person = make_person(real_name="张三")
    Client().post(
        "/api/auth/login", {"username": person.phone, "password": PASSWORD}, content_type="application/json"
    )
    event = AuditEvent.objects.get(action="auth.login")
    assert person.phone not in event.actor_label
    assert event.actor_label == f"{person.phone[:3]}****{person.phone[-4:]}（张*）"


def test_api_clients_record_when_they_were_last_used(org_tree, make_api_client):
    api_client, key = make_api_client(org_tree["huangpu"], ["orgs:read"])
    assert api_client.last_used_at is None
    Client().get("/api/orgs", HTTP_AUTHORIZATION=f"Bearer {key}")
    api_client.refresh_from_db()
    assert api_client.last_used_at is not None


def test_nul_characters_are_refused_before_any_view_sees_them(client):
    query = client.get("/api/calendar/working-days-after", {"start": "2026-01-01\x00", "n": 1})
    assert query.status_code == 400 and query.json()["code"] == "invalid_characters"
    body = client.post(
        "/api/auth/login", '{"username": "a\\u0000b", "password": "x"}', content_type="application/json"
    )
    assert body.status_code == 400 and body.json()["code"] == "invalid_characters"
    page = client.post("/accounts/login/", {"method": "password", "username": "a\x00b", "password": "x"})
    assert page.status_code == 400
    assert "无效字符" in page.content.decode()


def test_audit_time_filters_refuse_far_fetched_dates(org_tree, make_staff):
    from tests.conftest import login_client
    from tongban.accounts.constants import Role

    admin = login_client(make_staff(org_tree["region"], Role.PLATFORM_ADMIN))
    odd = admin.get("/api/ops/audit/events", {"until": "9416-04-28T02:16:12.69+23:15"})
    assert odd.status_code == 422 and odd.json()["code"] == "validation_error"
    fine = admin.get("/api/ops/audit/events", {"until": "2030-01-01T00:00:00+14:00"})
    assert fine.status_code == 200


def test_the_api_takes_json_bodies_only_which_closes_login_csrf(make_person):
    person = make_person()
    client = Client(enforce_csrf_checks=True)
    body = f'{{"username": "{person.phone}", "password": "{PASSWORD}"}}'
    cross_site = client.post("/api/auth/login", body, content_type="text/plain")
    assert cross_site.status_code == 415 and cross_site.json()["code"] == "unsupported_media_type"
    assert "sessionid" not in client.cookies
    form = client.post("/api/auth/sms", {"phone": person.phone, "purpose": "login"})
    assert form.status_code == 415
    nul = client.post(
        "/api/auth/login", '{"username": "a\\u0000b", "password": "x"}', content_type="Application/JSON"
    )
    assert nul.status_code == 400
    assert client.post("/api/auth/login", body, content_type="application/json").status_code == 200
