"""Password and SMS login, SMS codes, password reset, preferences, session expiry and 'log out everywhere'
(the lockout and the per-address throttle: test_lockout.py)."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from tests.conftest import PASSWORD, csrf_headers, login_client, password_login, send_sms_code
from tongban.accounts.models import OtpChallenge

pytestmark = pytest.mark.django_db


def sms_login(client, phone, code):
    return client.post("/api/auth/sms/login", {"phone": phone, "code": code}, content_type="application/json")


def test_password_login_by_phone_or_username_opens_a_session(make_person):
    person = make_person()
    client = Client()
    response = password_login(client, person.phone)
    assert response.status_code == 200
    assert response.json()["person"]["id_number"] == person.id_number
    assert client.get("/api/me").status_code == 200
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    other = Client()
    assert password_login(other, person.user.username).status_code == 200


def test_unknown_accounts_fail_like_wrong_passwords(db):
    response = password_login(Client(), "nobody-here")
    assert response.status_code == 401 and response.json()["code"] == "login_failed"


def test_sms_login_with_a_valid_code_once(make_person):
    person = make_person()
    client = Client()
    code = send_sms_code(client, person.phone, purpose="login")
    assert sms_login(client, person.phone, code).status_code == 200
    reused = sms_login(Client(), person.phone, code)
    assert reused.status_code == 422 and reused.json()["code"] == "invalid_sms_code"


def test_an_expired_sms_code_is_refused(make_person):
    person = make_person()
    code = send_sms_code(Client(), person.phone, purpose="login")
    OtpChallenge.objects.filter(phone=person.phone).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert sms_login(Client(), person.phone, code).status_code == 422


def test_five_wrong_tries_burn_the_code(make_person):
    person = make_person()
    code = send_sms_code(Client(), person.phone, purpose="login")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(settings.TONGBAN_SMS_CODE_MAX_TRIES):
        assert sms_login(Client(), person.phone, wrong).status_code == 422
    assert sms_login(Client(), person.phone, code).status_code == 422


def test_sms_codes_are_six_digits_valid_five_minutes(make_person):
    person = make_person()
    code = send_sms_code(Client(), person.phone, purpose="login")
    assert len(code) == 6 and code.isdigit()
    challenge = OtpChallenge.objects.get(phone=person.phone)
    assert 299 <= (challenge.expires_at - challenge.created_at).total_seconds() <= 301
    assert code not in challenge.code_hash


def test_sms_sending_is_throttled_per_phone_and_per_address(make_person):
    person = make_person()
    client = Client()
    send_sms_code(client, person.phone, purpose="login")
    again = client.post(
        "/api/auth/sms", {"phone": person.phone, "purpose": "login"}, content_type="application/json"
    )
    assert again.status_code == 429 and again.json()["code"] == "sms_throttled"
    with override_settings(TONGBAN_SMS_IP_PER_HOUR=2):
        phones = [make_person().phone for _ in range(3)]
        statuses = [
            client.post(
                "/api/auth/sms",
                {"phone": p, "purpose": "login"},
                content_type="application/json",
                REMOTE_ADDR="10.7.7.7",
            ).status_code
            for p in phones
        ]
    assert statuses == [202, 202, 429]


def test_sms_to_an_unregistered_phone_answers_the_same_but_sends_nothing(db):
    from tongban.core.models import OutboxMessage

    response = Client().post(
        "/api/auth/sms", {"phone": "13912345678", "purpose": "login"}, content_type="application/json"
    )
    assert response.status_code == 202
    assert not OutboxMessage.objects.filter(recipient="13912345678").exists()


def test_log_out_everywhere_ends_every_session(make_person):
    person = make_person()
    phone_session, pc_session = login_client(person.user), login_client(person.user)
    assert phone_session.get("/api/me").status_code == 200
    response = pc_session.post("/api/auth/logout-everywhere", **csrf_headers(pc_session))
    assert response.status_code == 200
    assert phone_session.get("/api/me").status_code == 401
    assert pc_session.get("/api/me").status_code == 401
    assert password_login(Client(), person.phone).status_code == 200


def test_unauthenticated_calls_answer_401_in_the_error_format(db):
    response = Client().get("/api/me")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "details"}


def test_preferences_are_remembered_per_person(make_person):
    person, other = make_person(), make_person(real_name="李四")
    client = login_client(person.user)
    response = client.post(
        "/api/me/preferences",
        {"elderly_mode": True, "language": "en"},
        content_type="application/json",
        **csrf_headers(client),
    )
    assert response.status_code == 200 and response.json()["elderly_mode"] is True

    def seen(client) -> tuple[bool, str]:
        page = client.get("/").content.decode()
        return 'class="elderly"' in page, re.search(r'<html lang="([^"]+)"', page).group(1)

    assert seen(login_client(person.user)) == (True, "en")  # a new session, another device: no cookie
    assert seen(login_client(other.user)) == (False, "zh-CN")
    assert seen(Client()) == (False, "zh-CN")


def test_page_login_shows_errors_inline_in_chinese(make_person):
    person = make_person()
    client = Client()
    response = client.post(
        "/accounts/login/", {"method": "password", "username": person.phone, "password": "x"}
    )
    assert response.status_code == 400
    assert "登录名或密码错误" in response.content.decode()
    ok = client.post(
        "/accounts/login/", {"method": "password", "username": person.phone, "password": PASSWORD}
    )
    assert ok.status_code == 302 and ok["Location"] == "/accounts/me/"
    page = client.get("/accounts/me/").content.decode()
    assert person.id_number not in page
    assert person.id_number[:6] + "********" + person.id_number[-4:] in page


def test_a_forgotten_password_is_reset_by_sms_and_old_sessions_end(make_person):
    person = make_person()
    old_session = login_client(person.user)
    code = send_sms_code(Client(), person.phone, purpose="reset")
    payload = {"phone": person.phone, "code": code, "new_password": "Another-Secret-77"}
    weak = Client().post(
        "/api/auth/password-reset", {**payload, "new_password": "1234"}, content_type="application/json"
    )
    assert weak.status_code == 422 and weak.json()["code"] == "invalid_password"
    response = Client().post("/api/auth/password-reset", payload, content_type="application/json")
    assert response.status_code == 200
    assert old_session.get("/api/me").status_code == 401
    assert password_login(Client(), person.phone).status_code == 401
    assert password_login(Client(), person.phone, "Another-Secret-77").status_code == 200
    reused = Client().post("/api/auth/password-reset", payload, content_type="application/json")
    assert reused.status_code == 422 and reused.json()["code"] == "invalid_sms_code"
