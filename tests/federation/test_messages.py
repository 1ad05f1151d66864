"""Receiving a member's message: accepted once with a signed receipt; forged, replayed, untrusted, misdirected,
stale and oversized messages refused, leaving nothing behind (docs/domain/federation.md §5)."""

from __future__ import annotations

import time
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tongban.federation import keys, trust
from tongban.federation.constants import InStatus, OutStatus
from tongban.federation.log import log_verify
from tongban.federation.messages import drain, send
from tongban.federation.models import InboundMessage, LogEntry, OutboundMessage

URL = "/api/federation/messages"


def post(client, token):
    return client.post(URL, {"message": token}, content_type="application/json")


def test_a_signed_message_is_received_once_with_a_receipt_signed_by_the_recipient(
    client, region, partner, django_capture_on_commit_callbacks
):
    token = partner.message(body={"hello": "世界"})
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(client, token)
    assert answer.status_code == 200, answer.json()
    receipt = answer.json()["receipt"]
    own = trust.current().member("310000")
    claims = keys.verify_compact(receipt, own.key("messaging", keys.read_header(receipt)["kid"]))
    row = InboundMessage.objects.get()
    assert claims["ref"] == str(row.uuid) and claims["digest"] == keys.digest(token)
    assert row.status == InStatus.PROCESSED and row.body == {"hello": "世界"} and row.from_member == "320000"
    logged = list(LogEntry.objects.filter(peer="320000").values_list("direction", "digest"))
    assert ("in", keys.digest(token)) in logged and ("receipt_out", keys.digest(receipt)) in logged

    again = post(client, token)  # the same message again: a replay, refused, with the first receipt
    assert again.status_code == 409 and again.json()["code"] == "message_replayed"
    assert again.json()["details"]["receipt"] == receipt
    assert InboundMessage.objects.count() == 1
    assert LogEntry.objects.filter(direction="in").count() == 1


def _refused(client, token, status, code):
    before = (InboundMessage.objects.count(), LogEntry.objects.count())
    answer = post(client, token)
    assert (answer.status_code, answer.json()["code"]) == (status, code), answer.json()
    assert (InboundMessage.objects.count(), LogEntry.objects.count()) == before


def test_a_forged_message_is_refused(client, region, partner):
    token = partner.message(body={"amount": 1})
    header, claims, signature = token.split(".")
    forged_claims = keys.b64(keys.unb64(claims).replace(b'"amount":1', b'"amount":9'))
    _refused(client, f"{header}.{forged_claims}.{signature}", 403, "message_signature_invalid")


def test_a_message_signed_with_a_key_not_on_the_trust_list_is_refused(client, region, partner):
    stranger = ec.generate_private_key(ec.SECP256R1())
    _refused(client, partner.message(private=stranger), 403, "message_signature_invalid")
    partner.kid = "msg-320000-unlisted"
    _refused(client, partner.message(), 403, "message_key_untrusted")


def test_a_member_not_on_the_trust_list_is_refused(client, region):
    from tests.federation.conftest import new_partner

    _refused(client, new_partner("340000").message(), 403, "message_key_untrusted")


def test_a_message_for_another_member_stale_or_unknown_is_refused(client, region, partner):
    _refused(client, partner.message(to="330000"), 403, "message_wrong_recipient")
    _refused(client, partner.message(iat=int(time.time()) - 31 * 86400), 400, "message_expired")
    _refused(client, partner.message(iat=int(time.time()) + 3600), 400, "message_expired")
    _refused(client, partner.message(type="no.such.type"), 422, "message_type_unknown")
    _refused(client, partner.message(jti="not-a-uuid"), 400, "message_malformed")
    _refused(client, "a.b", 400, "message_malformed")
    _refused(client, partner.message(body={"x": "y" * 1_000_001}), 413, "message_too_large")


def test_a_second_message_under_a_used_id_is_refused(client, region, partner):
    jti = str(uuid.uuid4())
    assert post(client, partner.message(jti=jti, body={"n": 1})).status_code == 200
    _refused(client, partner.message(jti=jti, body={"n": 2}), 409, "message_id_conflict")


def test_sending_to_a_partner_that_does_not_answer_keeps_the_message_for_later(
    region, partner, settings, django_capture_on_commit_callbacks
):
    settings.TONGBAN_FEDERATION_HTTP_TIMEOUT = 2
    with django_capture_on_commit_callbacks(execute=True):
        row = send(to="320000", type="ping", body={"n": 1})
    row.refresh_from_db()  # the task ran after the commit (immediate tasks): nobody answered
    assert row.status == OutStatus.PENDING and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > row.created_at
    assert drain("320000").delivered == 0  # not due yet: nothing is tried
    assert OutboundMessage.objects.get().attempts == 1
    claims = keys.verify_compact(row.token, trust.current().member("310000").keys["messaging"][0])
    assert (claims["iss"], claims["aud"], claims["type"], claims["jti"]) == (
        "310000",
        "320000",
        "ping",
        str(row.uuid),
    )


def test_sending_to_a_member_not_on_the_list_is_refused(region):
    from tongban.federation.errors import MemberUnknown

    with pytest.raises(MemberUnknown):
        send(to="340000", type="ping", body={})
    assert not OutboundMessage.objects.exists()


def test_the_log_is_a_signed_hash_chain_and_a_changed_entry_breaks_it(client, region, partner):
    for n in range(3):
        assert post(client, partner.message(body={"n": n})).status_code == 200
    check = log_verify()
    assert check.ok and check.entries == LogEntry.objects.count() >= 7  # trust list + 3 × (in, receipt)
    entry = LogEntry.objects.filter(direction="in").order_by("seq")[1]
    LogEntry.objects.filter(pk=entry.pk).update(digest="0" * 64)
    broken = log_verify()
    assert not broken.ok and f"#{entry.seq}: hash" in broken.problems


def test_a_transaction_that_queues_many_messages_to_a_partner_enqueues_one_drain(
    region, partner, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from tongban.federation import messages

    drains = []
    monkeypatch.setattr(messages, "_enqueue_drain", drains.append)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for n in range(5):
            send(to="320000", type="ping", body={"n": n})
    assert drains == ["320000"] and OutboundMessage.objects.count() == 5


def test_a_message_queued_after_a_rolled_back_savepoint_still_enqueues_its_drain(
    region, partner, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from tongban.federation import messages

    drains = []
    monkeypatch.setattr(messages, "_enqueue_drain", drains.append)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                send(to="320000", type="ping", body={"n": 5})
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        send(to="320000", type="ping", body={"n": 6})
    assert drains == ["320000"] and OutboundMessage.objects.count() == 1
