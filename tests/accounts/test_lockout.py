"""The per-account lockout and the per-address throttle of password logins, on every login path (the API,
our pages, Django's admin): when a lock starts and ends, what a locked account is told, what lifts it, and
the audit of every refusal."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from tests.conftest import PASSWORD, login_client, password_login, send_sms_code
from tongban.accounts.constants import Role
from tongban.accounts.models import User
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def fail_until_locked(phone: str, settings) -> None:
    for _ in range(settings.TONGBAN_LOGIN_MAX_FAILURES):
        password_login(Client(), phone, "not-the-password")


def test_wrong_password_answers_401_then_the_account_is_locked(make_person, settings):
    person = make_person()
    client = Client()
    for _ in range(settings.TONGBAN_LOGIN_MAX_FAILURES):
        response = password_login(client, person.phone, "not-the-password")
        assert response.status_code == 401
        assert response.json()["code"] == "login_failed"
    locked = password_login(client, person.phone)  # even the right password
    assert locked.status_code == 423
    assert locked.json()["code"] == "account_locked"
    person.user.refresh_from_db()
    assert person.user.locked_until > timezone.now()


@override_settings(TONGBAN_LOGIN_IP_PER_HOUR=3)
def test_brute_force_from_one_address_is_throttled(make_person):
    people = [make_person() for _ in range(4)]
    client = Client()
    statuses = [password_login(client, p.phone, "guess", ip="10.9.9.9").status_code for p in people]
    assert statuses == [401, 401, 401, 429]
    assert password_login(client, people[0].phone, ip="10.9.9.10").status_code == 200


def test_the_admin_login_is_locked_throttled_and_audited_like_ours(make_staff, org_tree, settings):
    admin = make_staff(org_tree["region"], Role.PLATFORM_ADMIN, username="opsadmin")
    User.objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(settings.TONGBAN_LOGIN_MAX_FAILURES):
        client.post("/admin/login/", {"username": "opsadmin", "password": "guess"})
    assert AuditEvent.objects.filter(action="auth.login_failed", subject_user_id=admin.pk).count() == 5
    admin.refresh_from_db()
    assert admin.locked_until > timezone.now()
    right = client.post("/admin/login/", {"username": "opsadmin", "password": PASSWORD})
    assert right.status_code == 200  # the form again: locked
    assert client.get("/api/me").status_code == 401
    User.objects.filter(pk=admin.pk).update(locked_until=None)
    cache.clear()
    ok = client.post("/admin/login/", {"username": "opsadmin", "password": PASSWORD})
    assert ok.status_code == 302
    assert AuditEvent.objects.filter(action="auth.login", subject_user_id=admin.pk).get().after == {
        "method": "admin"
    }


def test_a_lock_answer_does_not_tell_whether_the_account_exists(make_person, settings):
    person = make_person()
    answers = []
    for identifier in (person.phone, "13999999999"):
        client = Client()
        for _ in range(settings.TONGBAN_LOGIN_MAX_FAILURES):
            password_login(client, identifier, "x")
        answers.append(password_login(client, identifier, "x"))
    assert [a.status_code for a in answers] == [423, 423]
    assert answers[0].json() == answers[1].json()


def test_a_password_reset_lifts_the_lockout(make_person, settings):
    person = make_person()
    fail_until_locked(person.phone, settings)
    assert password_login(Client(), person.phone).status_code == 423  # locked: even the right password
    code = send_sms_code(Client(), person.phone, purpose="reset")
    reset = Client().post(
        "/api/auth/password-reset",
        {"phone": person.phone, "code": code, "new_password": "Brand-New-Pass-9"},
        content_type="application/json",
    )
    assert reset.status_code == 200
    assert password_login(Client(), person.phone, "Brand-New-Pass-9").status_code == 200


def test_failures_straddling_a_window_boundary_still_lock(make_person, settings, monkeypatch):
    import tongban.accounts.throttle as throttle

    person = make_person()
    window = settings.TONGBAN_LOGIN_LOCKOUT_SECONDS
    boundary = (int(timezone.now().timestamp()) // window + 1) * window
    statuses = []
    for offset in (-10, -8, -6, -4, 2, 4):
        monkeypatch.setattr(throttle.time, "time", lambda offset=offset: boundary + offset)
        statuses.append(password_login(Client(), person.phone, "x").status_code)
    assert statuses == [401, 401, 401, 401, 401, 423]


def test_an_expired_lock_is_not_reported_as_locked(make_person):
    person = make_person()
    User.objects.filter(pk=person.user_id).update(locked_until=timezone.now() - timedelta(days=1))
    password_login(Client(), person.phone, "x")
    assert AuditEvent.objects.get(action="auth.login_failed").after["locked"] is False


def test_an_ended_lock_is_not_renewed_and_a_lock_does_not_log_the_owner_out(make_person, settings):
    person = make_person()
    owner = login_client(person.user)
    fail_until_locked(person.phone, settings)
    person.user.refresh_from_db()
    assert person.user.locked_until is not None
    assert owner.get("/api/me").status_code == 200  # the guesser cannot end the owner's session
    User.objects.filter(pk=person.user_id).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert password_login(Client(), person.phone).status_code == 200


def test_refusals_of_a_locked_account_are_audited_with_their_reason(make_person):
    person = make_person()
    User.objects.filter(pk=person.user_id).update(locked_until=timezone.now() + timedelta(minutes=5))
    password_login(Client(), person.phone)
    assert AuditEvent.objects.get(action="auth.login_failed").after["reason"] == "locked"
