"""好差评 by SMS reply (docs/domain/ratings.md §3): the provider posts the reply with its secret; "1"–"5" (and
words) rate the latest invited case of the phone's account, channel 短信; anything else writes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from tongban.ratings.constants import Channel
from tongban.ratings.invitations import invitation_open
from tongban.ratings.models import Evaluation, RatingInvitation, Ticket

pytestmark = pytest.mark.django_db
SECRET = "provider-secret-123"


@pytest.fixture
def reply_world(rating_world, settings):
    settings.TONGBAN_SMS_INBOUND_SECRET = SECRET
    case, person = rating_world["case"], rating_world["applicant"]
    invitation_open(case_uuid=str(case.uuid), user_id=person.user_id, number=case.number, name=case.name)
    RatingInvitation.objects.filter(case_uuid=case.uuid).update(sms_count=1)  # its SMS went out
    return {**rating_world, "phone": person.user.phone}


def _reply(text, phone, secret=SECRET):
    headers = {"HTTP_X_TONGBAN_SMS_SECRET": secret} if secret is not None else {}
    return Client().post(
        "/api/ratings/sms-replies",
        {"phone": phone, "text": text, "message_id": "m1"},
        content_type="application/json",
        **headers,
    )


def test_a_reply_rates_the_invited_case_as_its_applicant(reply_world):
    for text in ("好的", "6", "12 很好", ""):
        answer = _reply(text, reply_world["phone"])
        assert answer.status_code == 200 and answer.json() == {"result": "not_a_rating"}, text
    assert not Evaluation.objects.exists()
    rated = _reply("2 窗口让我等了一个小时", reply_world["phone"])
    assert rated.json() == {"result": "rated"}
    evaluation = Evaluation.objects.get()
    assert (evaluation.channel, evaluation.level, evaluation.round) == (Channel.SMS, 2, 1)
    assert evaluation.text == "窗口让我等了一个小时"
    assert evaluation.evaluator_user_id == reply_world["applicant"].user_id
    assert Ticket.objects.get().evaluation == evaluation  # the 差评 opens its ticket
    again = _reply("1", reply_world["phone"])  # a repeated delivery, or a second reply
    assert again.json() == {"result": "already_rated"} and Evaluation.objects.count() == 1


def test_a_bare_bad_digit_needs_no_reason_and_strangers_or_no_secret_write_nothing(reply_world, settings):
    assert _reply("1", "13900000000").json() == {"result": "no_invitation"}
    assert _reply("1", "not a phone").json() == {"result": "no_invitation"}
    wrong = _reply("1", reply_world["phone"], secret="guess")
    assert wrong.status_code == 403 and wrong.json()["code"] == "sms_inbound_forbidden"
    assert _reply("1", reply_world["phone"], secret=None).status_code == 403
    settings.TONGBAN_SMS_INBOUND_SECRET = ""
    assert _reply("1", reply_world["phone"], secret="").status_code == 403
    assert not Evaluation.objects.exists()
    settings.TONGBAN_SMS_INBOUND_SECRET = SECRET
    assert _reply("1", reply_world["phone"]).json() == {"result": "rated"}
    assert Evaluation.objects.get().text == ""


def test_the_invitation_sms_offers_the_reply_only_when_replies_reach_the_platform(reply_world, settings):
    from tongban.core.crypto import decrypt_text
    from tongban.core.models import SmsMessage
    from tongban.ratings import invitations

    invitation = RatingInvitation.objects.get(case_uuid=reply_world["case"].uuid)
    invitations._sms(invitation)  # the SMS of the invitation, whatever the hour of this run
    settings.TONGBAN_SMS_INBOUND_SECRET = ""
    invitations._sms(invitation)
    offered, plain = [
        decrypt_text(m.body_encrypted)
        for m in SmsMessage.objects.filter(phone=reply_world["phone"]).order_by("id")
    ]
    assert "回复数字评价" in offered and "回复数字评价" not in plain
    assert reply_world["case"].number in offered and reply_world["case"].number in plain
