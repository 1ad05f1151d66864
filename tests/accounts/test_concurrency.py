"""Races that only a real multi-writer database shows (run on PostgreSQL: `-m postgres`)."""

import threading

import pytest
from django.db import connection
from django.test import Client, TestCase

from tests.concurrency import at_once
from tests.conftest import last_sms_code
from tongban.accounts.services import otp_verify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(n, target):
    return at_once(n, target, timeout=30)


def test_a_code_verified_by_many_requests_at_once_is_accepted_exactly_once(make_person):
    assert connection.vendor == "postgresql"
    person = make_person()
    with TestCase.captureOnCommitCallbacks(execute=True):
        Client().post(
            "/api/auth/sms", {"phone": person.phone, "purpose": "login"}, content_type="application/json"
        )
    code = last_sms_code(person.phone)
    results = run_concurrently(8, lambda: otp_verify(phone=person.phone, purpose="login", code=code))
    assert results.count(True) == 1
    assert results.count(False) == 7


def test_wrong_guesses_at_once_never_exceed_the_try_limit(make_person, settings):
    person = make_person()
    with TestCase.captureOnCommitCallbacks(execute=True):
        Client().post(
            "/api/auth/sms", {"phone": person.phone, "purpose": "login"}, content_type="application/json"
        )
    code = last_sms_code(person.phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    run_concurrently(10, lambda: otp_verify(phone=person.phone, purpose="login", code=wrong))
    from tongban.accounts.models import OtpChallenge

    assert OtpChallenge.objects.get(phone=person.phone).attempts == settings.TONGBAN_SMS_CODE_MAX_TRIES
    assert otp_verify(phone=person.phone, purpose="login", code=code) is False


def test_two_registrations_of_one_id_number_at_once_create_one_person(db):
    from tests.conftest import PASSWORD, make_id_number, make_phone, send_sms_code
    from tongban.accounts.models import Person, PopulationRegisterEntry

    id_number = make_id_number()
    # Both match the register: only one may hold the confirmed number (unconfirmed claims block nobody).
    PopulationRegisterEntry.objects.create(id_number=id_number, real_name="并发")
    payloads = []
    for _ in range(2):
        phone = make_phone()
        code = send_sms_code(Client(), phone)
        payloads.append(
            {
                "real_name": "并发",
                "id_number": id_number,
                "phone": phone,
                "password": PASSWORD,
                "sms_code": code,
            }
        )
    it = iter(payloads)
    lock = threading.Lock()

    def register():
        with lock:
            payload = next(it)
        return Client().post("/api/register/person", payload, content_type="application/json").status_code

    statuses = run_concurrently(2, register)
    assert sorted(statuses) == [201, 409]
    assert Person.objects.filter(id_number=id_number).count() == 1
    assert Person.objects.get(id_number=id_number).assurance_level == 2
