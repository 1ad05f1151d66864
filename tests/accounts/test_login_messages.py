"""What a password login says: the last tries warn that the account will be locked and for how long, the try
that locks it says so, a locked account is told how many minutes are left, and an empty login says what is
missing — the same words whether or not the login name has an account."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD, password_login
from tongban.accounts.models import User
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def messages_until_locked(identifier: str) -> list[tuple[int, str]]:
    client = Client()
    return [
        (r.status_code, r.json()["message"])
        for r in (password_login(client, identifier, "not-the-password") for _ in range(6))
    ]


def test_the_last_tries_warn_of_the_lock_and_the_lock_says_how_long(make_person, settings):
    settings.TONGBAN_LOGIN_MAX_FAILURES, settings.TONGBAN_LOGIN_LOCKOUT_SECONDS = 5, 15 * 60
    person = make_person()
    said = messages_until_locked(person.phone)
    assert said == [
        (401, "登录名或密码错误"),
        (401, "登录名或密码错误"),
        (401, "登录名或密码错误。再输错 2 次账户将被锁定 15 分钟"),
        (401, "登录名或密码错误。再输错 1 次账户将被锁定 15 分钟"),
        (401, "登录名或密码错误。失败次数过多，账户已被锁定 15 分钟"),
        (423, "登录失败次数过多，账户已被锁定，请 15 分钟后再试（也可通过“忘记密码”重设密码后登录）"),
    ]
    # A login name without an account hears exactly the same, try by try.
    assert messages_until_locked("13999999999") == said


def test_a_locked_account_is_told_the_minutes_left_on_every_path(make_person):
    person = make_person()
    User.objects.filter(pk=person.user.pk).update(
        locked_until=timezone.now() + timedelta(minutes=3, seconds=30)
    )
    answer = password_login(Client(), person.phone)  # even the right password
    assert answer.status_code == 423
    assert answer.json()["message"].startswith("登录失败次数过多，账户已被锁定，请 4 分钟后再试")
    assert answer.json()["details"] == {"retry_after_minutes": 4}
    page = Client().post(
        "/accounts/login/", {"method": "password", "username": person.phone, "password": PASSWORD}
    )
    assert "请 4 分钟后再试" in page.content.decode()
    english = Client().post(
        "/api/auth/login",
        {"username": person.phone, "password": "x"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert english.json()["message"].startswith(
        "Too many failed logins: the account is locked. Try again in 4"
    )


def test_a_lock_of_a_name_without_an_account_ends_like_an_accounts(settings):
    settings.TONGBAN_LOGIN_MAX_FAILURES = 2
    client = Client()
    for _ in range(2):
        password_login(client, "13999999999", "x")
    locked = password_login(client, "13999999999", "x")
    assert locked.status_code == 423 and locked.json()["details"] == {"retry_after_minutes": 15}


def test_an_empty_login_says_what_is_missing_and_counts_nothing(make_person):
    person = make_person()
    client = Client()
    both = client.post("/accounts/login/", {"method": "password", "username": " ", "password": ""})
    html = both.content.decode()
    assert both.status_code == 400
    assert "请填写登录名（或手机号）和密码" in html
    assert 'aria-describedby="username-error"' in html and 'aria-describedby="password-error"' in html
    assert "请填写登录名或手机号" in html and "请填写密码" in html
    no_password = client.post("/accounts/login/", {"method": "password", "username": person.phone})
    html = no_password.content.decode()
    assert "请填写密码" in html and 'id="username-error"' not in html
    assert person.phone in html  # what was typed stays
    assert not AuditEvent.objects.filter(action="auth.login_failed").exists()
