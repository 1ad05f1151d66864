"""一事一评 without signing in (docs/domain/ratings.md §1): the case's number and 查询码, then an SMS code sent to
the applicant's verified phone; the evaluation is the applicant's; a wrong pair, an open case, a wrong code
and too many codes are refused; the proof rates that one case once."""

from __future__ import annotations

import pytest
from django.test import Client, TestCase

from tests.conftest import last_sms_code
from tests.ratings.conftest import make_case
from tongban.ratings.models import Evaluation, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def code_world(rating_world):
    case = rating_world["case"]
    case.lookup_code = "246810"
    case.save(update_fields=["lookup_code"])
    client = Client()
    client.get("/ratings/by-code/")
    return {**rating_world, "anon": client}


def _find(client, number, code):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/ratings/by-code/", {"action": "find", "number": number, "lookup_code": code})


def test_the_applicant_rates_by_number_lookup_code_and_sms_code(code_world):
    client, case, applicant = code_world["anon"], code_world["case"], code_world["applicant"]
    page = _find(client, case.number, "246810")
    assert page.status_code == 200 and "验证码已发送" in page.content.decode()
    assert applicant.user.phone[-4:] in page.content.decode()
    assert applicant.user.phone not in page.content.decode()  # masked
    code = last_sms_code(applicant.user.phone)
    wrong = client.post("/ratings/by-code/", {"action": "verify", "code": f"{(int(code) + 1) % 10**6:06d}"})
    assert wrong.status_code == 422 and "验证码错误" in wrong.content.decode()
    assert client.get("/ratings/by-code/rate/").status_code == 302  # not proven yet
    proven = client.post("/ratings/by-code/", {"action": "verify", "code": code})
    assert proven.status_code == 302 and proven["Location"].endswith("/ratings/by-code/rate/")
    form = client.get("/ratings/by-code/rate/")
    assert form.status_code == 200 and case.number in form.content.decode()
    rated = client.post("/ratings/by-code/rate/", {"round": "1", "level": "1", "text": "<b>材料退回三次</b>"})
    assert rated.status_code == 200 and "感谢您的评价" in rated.content.decode()
    assert "&lt;b&gt;材料退回三次&lt;/b&gt;" in rated.content.decode()
    evaluation = Evaluation.objects.get()
    assert evaluation.evaluator_user_id == applicant.user_id and evaluation.subject_uuid == case.uuid
    assert Ticket.objects.get().person_user_id == applicant.user_id  # the 差评's ticket is real-name
    # the proof is spent: a second evaluation needs a new code
    assert client.get("/ratings/by-code/rate/").status_code == 302
    assert Evaluation.objects.count() == 1


def test_a_wrong_pair_or_an_open_case_sends_no_code(code_world):
    from tongban.core.messaging import OutboxMessage

    client = code_world["anon"]
    miss = _find(client, code_world["case"].number, "000000")
    assert miss.status_code == 404
    open_case = make_case(code_world["applicant"], code_world["department"], status="in_process")
    open_case.lookup_code = "135790"
    open_case.save(update_fields=["lookup_code"])
    refused = _find(client, open_case.number, "135790")
    assert refused.status_code == 422 and "尚未办结" in refused.content.decode()
    assert not OutboxMessage.objects.exists()


def test_codes_for_one_case_are_limited_per_day(code_world, settings):
    settings.TONGBAN_SMS_PHONE_INTERVAL_SECONDS = 0
    settings.TONGBAN_SMS_PHONE_PER_HOUR = 100
    case = code_world["case"]
    for _ in range(5):
        assert _find(Client(), case.number, "246810").status_code == 200
    sixth = _find(Client(), case.number, "246810")
    assert sixth.status_code == 429 and "次数过多" in sixth.content.decode()
