"""Defects a security review found, each pinned by a test."""

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD, csrf_headers, login_client
from tongban.accounts.constants import Role
from tongban.accounts.models import User
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db


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
    from django.core.cache import cache

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
            client.post(
                "/api/auth/login", {"username": identifier, "password": "x"}, content_type="application/json"
            )
        answers.append(
            client.post(
                "/api/auth/login", {"username": identifier, "password": "x"}, content_type="application/json"
            )
        )
    assert [a.status_code for a in answers] == [423, 423]
    assert answers[0].json() == answers[1].json()


def test_a_password_reset_lifts_the_lockout(make_person, settings):
    from tests.conftest import send_sms_code

    person = make_person()
    for _ in range(settings.TONGBAN_LOGIN_MAX_FAILURES):
        Client().post(
            "/api/auth/login", {"username": person.phone, "password": "x"}, content_type="application/json"
        )
    code = send_sms_code(Client(), person.phone, purpose="reset")
    Client().post(
        "/api/auth/password-reset",
        {"phone": person.phone, "code": code, "new_password": "Brand-New-Pass-9"},
        content_type="application/json",
    )
    login = Client().post(
        "/api/auth/login",
        {"username": person.phone, "password": "Brand-New-Pass-9"},
        content_type="application/json",
    )
    assert login.status_code == 200


def test_failures_straddling_a_window_boundary_still_lock(make_person, settings, monkeypatch):
    import tongban.accounts.throttle as throttle

    person = make_person()
    window = settings.TONGBAN_LOGIN_LOCKOUT_SECONDS
    boundary = (int(timezone.now().timestamp()) // window + 1) * window
    statuses = []
    for offset in (-10, -8, -6, -4, 2, 4):
        monkeypatch.setattr(throttle.time, "time", lambda offset=offset: boundary + offset)
        statuses.append(
            Client()
            .post(
                "/api/auth/login",
                {"username": person.phone, "password": "x"},
                content_type="application/json",
            )
            .status_code
        )
    assert statuses == [401, 401, 401, 401, 401, 423]


def test_registration_says_nothing_about_an_identity_without_a_valid_code(make_person):
    person = make_person()
    payload = {
        "real_name": "张三",
        "id_number": person.id_number,
        "phone": "13912340000",
        "password": PASSWORD,
        "sms_code": "000000",
    }
    response = Client().post("/api/register/person", payload, content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "invalid_sms_code"


def test_far_future_dates_and_bad_uuids_are_refused_not_crashed(make_person):
    principal, agent = make_person(real_name="张三"), make_person(real_name="李四")
    client = login_client(principal.user)
    api = client.post(
        "/api/authorisations",
        {
            "agent_id_number": agent.id_number,
            "agent_real_name": "李四",
            "valid_from": "9999-01-01",
            "valid_until": "9999-12-31",
        },
        content_type="application/json",
        **csrf_headers(client),
    )
    assert api.status_code == 422 and api.json()["code"] == "invalid_period"
    page = client.post(
        "/accounts/me/authorisations/",
        {"enterprise": "not-a-uuid", "agent_real_name": "李四", "agent_id_number": agent.id_number},
        **csrf_headers(client),
    )
    assert page.status_code == 404
    huge = client.get("/api/me/access-log", {"offset": 10**20})
    assert huge.status_code == 422


def test_staff_lists_mask_a_login_name_that_is_a_phone_number(org_tree, make_staff, make_person):
    citizen_staff = make_person(real_name="赵六")
    from tongban.accounts.services import staff_membership_add

    staff_membership_add(
        actor=None, user=citizen_staff.user, organisation=org_tree["hp_housing"], role=Role.REVIEWER
    )
    supervisor = login_client(make_staff(org_tree["huangpu"], Role.SUPERVISOR))
    listed = supervisor.get(f"/api/orgs/{org_tree['hp_housing'].uuid}/staff").json()
    assert citizen_staff.phone not in str(listed)


def test_a_clerk_cannot_verify_themselves(org_tree, make_person):
    from tongban.accounts.services import staff_membership_add

    clerk_person = make_person(real_name="陈敏")
    staff_membership_add(
        actor=None, user=clerk_person.user, organisation=org_tree["window"], role=Role.WINDOW_CLERK
    )
    client = login_client(clerk_person.user)
    response = client.post(f"/api/persons/{clerk_person.uuid}/verify-in-person", **csrf_headers(client))
    assert response.status_code == 403 and response.json()["code"] == "own_record"


def test_log_lines_are_redacted_down_to_the_traceback(caplog):
    from tongban.core.logging import RedactingFormatter

    logger = logging.getLogger("tongban.test")
    try:
        raise ValueError("Key (id_kind, id_number)=(111, 110101199003071233) phone 13800000001")
    except ValueError:
        with caplog.at_level(logging.ERROR, logger="tongban.test"):
            logger.exception("insert failed")
    line = RedactingFormatter("%(message)s").format(caplog.records[-1])
    assert "110101199003071233" not in line and "13800000001" not in line and "[ID]" in line


def test_the_calendar_cache_loads_even_right_after_boot(monkeypatch):
    from datetime import date

    import tongban.core.workdays as workdays

    workdays.invalidate_calendar_cache()
    monkeypatch.setattr(workdays.time, "monotonic", lambda: 30.0)
    assert workdays.is_working_day(date(2026, 10, 1)) is False
    assert workdays.is_working_day(date(2026, 10, 10)) is True


def test_an_expired_lock_is_not_reported_as_locked(make_person):
    person = make_person()
    User.objects.filter(pk=person.user_id).update(locked_until=timezone.now() - timedelta(days=1))
    Client().post(
        "/api/auth/login", {"username": person.phone, "password": "x"}, content_type="application/json"
    )
    assert AuditEvent.objects.get(action="auth.login_failed").after["locked"] is False


def test_an_ended_lock_is_not_renewed_and_a_lock_does_not_log_the_owner_out(make_person, settings):
    person = make_person()
    owner = login_client(person.user)
    for _ in range(settings.TONGBAN_LOGIN_MAX_FAILURES):
        Client().post(
            "/api/auth/login", {"username": person.phone, "password": "x"}, content_type="application/json"
        )
    person.user.refresh_from_db()
    assert person.user.locked_until is not None
    assert owner.get("/api/me").status_code == 200  # the guesser cannot end the owner's session
    User.objects.filter(pk=person.user_id).update(locked_until=timezone.now() - timedelta(seconds=1))
    again = Client().post(
        "/api/auth/login", {"username": person.phone, "password": PASSWORD}, content_type="application/json"
    )
    assert again.status_code == 200


def test_refusals_of_a_locked_account_are_audited_with_their_reason(make_person):
    person = make_person()
    User.objects.filter(pk=person.user_id).update(locked_until=timezone.now() + timedelta(minutes=5))
    Client().post(
        "/api/auth/login", {"username": person.phone, "password": PASSWORD}, content_type="application/json"
    )
    assert AuditEvent.objects.get(action="auth.login_failed").after["reason"] == "locked"


def test_redaction_catches_permits_and_spares_request_ids():
    from tongban.core.logging import redact

    assert redact("permit H1234567890 and EA1234567 and M12345678") == "permit [DOC] and [DOC] and [DOC]"
    request_id = "a13800000001b2c3d4e5f60718293a4b"
    assert redact(f"[{request_id}] ok") == f"[{request_id}] ok"
    assert redact("手机13800000001已验证") == "手机[PHONE]已验证"
