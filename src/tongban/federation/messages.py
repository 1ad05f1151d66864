"""Signed messages between members: the persistent outbox and inbox (docs/domain/federation.md §5,
docs/federation/protocol.md §3).

**Sending.** :func:`send` signs the message and writes it to the outbox in the caller's transaction, with an
entry in the message log; after the commit a task sends the partner's due messages over one keep-alive
connection. The partner answers with a signed receipt, which is checked, kept and logged. A partner that does
not answer (down, timing out, 5xx) is tried again after 1, 2, 4 … seconds, at most
``TONGBAN_FEDERATION_RETRY_MAX_SECONDS`` apart, until it answers or the message is older than
``TONGBAN_FEDERATION_MESSAGE_MAX_AGE_DAYS`` (then it is marked failed, never silently dropped). A partner that
refuses the message (a 4xx other than "already received") marks it failed at once, with the reason.

**Receiving.** :func:`receive` checks the message — size, form, the sender on the trust list, the key the
sender's entry lists, the signature, the recipient, the age — and stores it by its id in the inbox with its
receipt and a log entry, in one transaction. The same id again is refused as a replay (409
``message_replayed``) and changes nothing; the original receipt goes with the refusal, so a sender whose first
answer was lost learns that the message arrived. After the commit a task processes it: the handler of its type
runs in the transaction that marks it processed, so its effect happens once."""

from __future__ import annotations

import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.federation import keys, trust
from tongban.federation.constants import (
    MAX_MESSAGE_BYTES,
    MESSAGE_TYP,
    RECEIPT_TYP,
    InStatus,
    LogDirection,
    OutStatus,
)
from tongban.federation.errors import (
    FederationError,
    FederationRefused,
    Replayed,
    Untrusted,
)
from tongban.federation.log import log_append
from tongban.federation.models import InboundMessage, OutboundMessage
from tongban.federation.transport import Unreachable, post_json

logger = logging.getLogger(__name__)

FUTURE_SKEW_SECONDS = 300
LEASE_SECONDS = 60
BATCH = 50


def own_code() -> str:
    return settings.TONGBAN_REGION_CODE


# --- sending ------------------------------------------------------------------------------------------------------
def send(*, to: str, type: str, body: dict, correlation: uuid.UUID | str | None = None) -> OutboundMessage:
    """Sign a message to member ``to`` and put it in the outbox (in the caller's transaction); it is sent after
    the commit. ``to`` must be on the trust list."""
    snapshot = trust.require_current()
    snapshot.member(to)
    message_id = uuid.uuid4()
    claims = {
        "jti": str(message_id),
        "iss": own_code(),
        "aud": to,
        "iat": int(time.time()),
        "type": type,
        "corr": str(correlation) if correlation else None,
        "tlv": snapshot.version,
        "body": body,
    }
    token = keys.sign(claims, typ=MESSAGE_TYP)
    with transaction.atomic():
        row = OutboundMessage.objects.create(
            uuid=message_id,
            to_member=to,
            type=type,
            correlation=correlation,
            body=body,
            token=token,
            next_attempt_at=timezone.now(),
        )
        log_append(direction=LogDirection.OUT, peer=to, message_id=message_id, type=type, text=token)
    _drain_after_commit(to)
    return row


def _drain_after_commit(peer: str) -> None:
    """Have the partner's messages sent after the commit: one drain task per partner and transaction (that
    drain sends every message the transaction queued), not one per message. A callback dropped with a savepoint
    rolled back is registered again by the next message."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        getattr(func, "federation_drain_peer", None) == peer
        for _sids, func, _robust in connection.run_on_commit
    ):
        return

    def callback() -> None:
        _enqueue_drain(peer)

    callback.federation_drain_peer = peer  # type: ignore[attr-defined]
    transaction.on_commit(callback, robust=True)


def _enqueue_drain(peer: str) -> None:
    from tongban.federation.tasks import federation_drain

    federation_drain.enqueue(peer=peer)


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4 … s up to the cap, ±20 %."""
    cap = settings.TONGBAN_FEDERATION_RETRY_MAX_SECONDS
    base = min(cap, 2 ** max(0, attempts - 1))
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 (jitter, not a secret)


@dataclass
class DrainResult:
    delivered: int = 0
    failed: int = 0
    deferred: int = 0


def drain(peer: str, *, limit: int = 10_000) -> DrainResult:
    """Send the due messages to ``peer``, oldest first, in batches, until none is due, the partner stops
    answering, or ``limit`` messages were tried."""
    from tongban.federation.locks import claim_due_outbound

    result = DrainResult()
    tried = 0
    snapshot = trust.current()
    if snapshot is None or peer not in snapshot.members:
        return result
    url = f"{snapshot.members[peer].base_url}/api/federation/messages"
    while tried < limit:
        now = timezone.now()
        with transaction.atomic():
            batch = claim_due_outbound(peer, now, min(BATCH, limit - tried))
            if not batch:
                break
            OutboundMessage.objects.filter(pk__in=[m.pk for m in batch]).update(
                lease_until=now + timedelta(seconds=LEASE_SECONDS)
            )
        for index, message in enumerate(batch):
            tried += 1
            outcome = _deliver(message, url, snapshot)
            if outcome == "delivered":
                result.delivered += 1
            elif outcome == "failed":
                result.failed += 1
            else:  # the partner does not answer: the rest of the batch waits as long as this one
                rest = [m.pk for m in batch[index + 1 :]]
                OutboundMessage.objects.filter(pk__in=rest).update(
                    lease_until=None, next_attempt_at=timezone.now() + retry_delay(message.attempts + 1)
                )
                result.deferred += 1 + len(rest)
                _drain_later(peer)
                return result
    # Messages still waiting out a retry delay (a partner that answered again after failures): tried when
    # they are due, not only at the next sweep.
    _drain_later(peer)
    return result


def _drain_later(peer: str) -> None:
    """Have the partner's messages tried again when the first is due (the sweep is the backstop, and the only
    retry with a task backend that cannot defer, such as the immediate one of the tests)."""
    from tongban.federation.tasks import federation_drain

    first = (
        OutboundMessage.objects.filter(to_member=peer, status=OutStatus.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if first is not None and federation_drain.get_backend().supports_defer:
        # Never sooner than a second from now: a message due but leased by another drain is that drain's.
        federation_drain.using(run_after=max(first, timezone.now() + timedelta(seconds=1))).enqueue(peer=peer)


def _deliver(message: OutboundMessage, url: str, snapshot: trust.Snapshot) -> str:
    attempts = message.attempts + 1
    try:
        answer = post_json(url, {"message": message.token})
    except Unreachable as exc:
        return _retry_later(message, attempts, str(exc))
    receipt = answer.data.get("receipt") if answer.ok else None
    if answer.status == 409 and answer.data.get("code") == FederationError.MESSAGE_REPLAYED:
        receipt = answer.data.get("details", {}).get("receipt")
    if receipt:
        try:
            receipt_check(receipt, message, snapshot)
        except FederationRefused as exc:
            return _retry_later(message, attempts, f"receipt: {exc.code}")
        with transaction.atomic():
            done = OutboundMessage.objects.filter(pk=message.pk, status=OutStatus.PENDING).update(
                status=OutStatus.DELIVERED,
                attempts=attempts,
                receipt=receipt,
                delivered_at=timezone.now(),
                lease_until=None,
                last_error="",
            )
            if done:
                log_append(
                    direction=LogDirection.RECEIPT_IN,
                    peer=message.to_member,
                    message_id=message.uuid,
                    type=message.type,
                    text=receipt,
                )
        return "delivered"
    if 400 <= answer.status < 500 and answer.status not in (408, 425, 429):
        code = str(answer.data.get("code", answer.status))[:100]
        OutboundMessage.objects.filter(pk=message.pk).update(
            status=OutStatus.FAILED, attempts=attempts, lease_until=None, last_error=f"refused: {code}"
        )
        logger.warning("federation message %s to %s refused: %s", message.uuid, message.to_member, code)
        return "failed"
    return _retry_later(message, attempts, f"HTTP {answer.status}")


def _retry_later(message: OutboundMessage, attempts: int, error: str) -> str:
    age = timezone.now() - message.created_at
    if age > timedelta(days=settings.TONGBAN_FEDERATION_MESSAGE_MAX_AGE_DAYS):
        OutboundMessage.objects.filter(pk=message.pk).update(
            status=OutStatus.FAILED, attempts=attempts, lease_until=None, last_error=f"expired: {error}"[:300]
        )
        return "failed"
    OutboundMessage.objects.filter(pk=message.pk).update(
        attempts=attempts,
        lease_until=None,
        next_attempt_at=timezone.now() + retry_delay(attempts),
        last_error=error[:300],
    )
    return "deferred"


def receipt_check(receipt: str, message: OutboundMessage, snapshot: trust.Snapshot) -> dict:
    """A receipt's claims, checked: signed by the recipient's key on the trust list, for this message's id and
    digest."""
    claims = open_signed(receipt, typ=RECEIPT_TYP, snapshot=snapshot, expect_from=message.to_member)
    if claims.get("ref") != str(message.uuid) or claims.get("digest") != keys.digest(message.token):
        raise FederationRefused(FederationError.MESSAGE_SIGNATURE, _("回执与消息不符"))
    return claims


def due_peers() -> list[str]:
    """The partners with pending messages due now (for the sweep)."""
    return list(
        OutboundMessage.objects.filter(status=OutStatus.PENDING, next_attempt_at__lte=timezone.now())
        .values_list("to_member", flat=True)
        .distinct()
        .order_by("to_member")
    )


# --- receiving ------------------------------------------------------------------------------------------------------
def open_signed(token: object, *, typ: str, snapshot: trust.Snapshot, expect_from: str | None = None) -> dict:
    """The claims of a document a member signed with a messaging key the trust list gives it; refused otherwise."""
    if not isinstance(token, str) or not token:
        raise FederationRefused(FederationError.MESSAGE_MALFORMED, _("消息格式无效"))
    if len(token) > MAX_MESSAGE_BYTES:
        raise FederationRefused(FederationError.MESSAGE_TOO_LARGE, _("消息过大"), status=413)
    try:
        header = keys.read_header(token)
        unverified = trust._unverified_claims(token)
    except (ValueError, IndexError) as exc:
        raise FederationRefused(FederationError.MESSAGE_MALFORMED, _("消息格式无效")) from exc
    if header.get("typ") != typ:
        raise FederationRefused(FederationError.MESSAGE_MALFORMED, _("消息格式无效"))
    sender = str(unverified.get("iss", ""))
    if expect_from is not None and sender != expect_from:
        raise Untrusted(member=sender[:12])
    member = snapshot.members.get(sender)
    jwk = member.key("messaging", header["kid"]) if member is not None else None
    if jwk is None:
        raise Untrusted(member=sender[:12], kid=str(header["kid"])[:64], trust_list=snapshot.version)
    try:
        return keys.verify_compact(token, jwk)
    except ValueError as exc:
        raise FederationRefused(FederationError.MESSAGE_SIGNATURE, _("消息签名无效"), status=403) from exc


def _snapshot_for(token: object) -> trust.Snapshot:
    """The trust list to check a message against: the one in force, or a newer one from the coordinator when
    the message says it was signed under a newer version (a partner's key rotation)."""
    snapshot = trust.require_current()
    try:
        tlv = int(trust._unverified_claims(str(token)).get("tlv") or 0)
    except (ValueError, IndexError, TypeError):
        return snapshot
    if tlv > snapshot.version:
        from tongban.federation.services import trust_list_pull

        trust_list_pull()
        snapshot = trust.require_current()
    return snapshot


def receive(token: object) -> tuple[str, InboundMessage]:
    """Check and store a message sent here: (the signed receipt, the inbox row). Refusals raise."""
    snapshot = _snapshot_for(token)
    claims = open_signed(token, typ=MESSAGE_TYP, snapshot=snapshot)
    assert isinstance(token, str)
    if claims.get("aud") != own_code():
        raise FederationRefused(FederationError.MESSAGE_NOT_FOR_US, _("这条消息不是发给本成员的"), status=403)
    try:
        message_id = uuid.UUID(str(claims["jti"]))
        iat = int(claims["iat"])
        message_type = str(claims["type"])
        body = claims["body"]
        correlation = uuid.UUID(claims["corr"]) if claims.get("corr") else None
    except (KeyError, ValueError, TypeError) as exc:
        raise FederationRefused(FederationError.MESSAGE_MALFORMED, _("消息格式无效")) from exc
    if not isinstance(body, dict) or not 1 <= len(message_type) <= 64:
        raise FederationRefused(FederationError.MESSAGE_MALFORMED, _("消息格式无效"))
    now = time.time()
    max_age = settings.TONGBAN_FEDERATION_MESSAGE_MAX_AGE_DAYS * 86400
    if iat > now + FUTURE_SKEW_SECONDS or iat < now - max_age:
        raise FederationRefused(FederationError.MESSAGE_EXPIRED, _("消息已过期或时间无效"))
    from tongban.federation.handlers import CHECKS, HANDLERS

    if message_type not in HANDLERS:
        raise FederationRefused(
            FederationError.MESSAGE_TYPE_UNKNOWN, _("本成员不处理这种消息"), status=422, type=message_type
        )
    check = CHECKS.get(message_type)
    if check is not None and not InboundMessage.objects.filter(uuid=message_id).exists():
        check(body)  # a message received before (a replay) is answered with its receipt below
    digest = keys.digest(token)
    sender = str(claims["iss"])
    receipt = keys.sign(
        {
            "jti": str(uuid.uuid4()),
            "iss": own_code(),
            "aud": sender,
            "iat": int(now),
            "type": "receipt",
            "ref": str(message_id),
            "digest": digest,
        },
        typ=RECEIPT_TYP,
    )
    try:
        with transaction.atomic():
            row = InboundMessage.objects.create(
                uuid=message_id,
                from_member=sender,
                type=message_type,
                correlation=correlation,
                body=body,
                token=token,
                digest=digest,
                receipt=receipt,
            )
            log_append(
                direction=LogDirection.IN, peer=sender, message_id=message_id, type=message_type, text=token
            )
            log_append(
                direction=LogDirection.RECEIPT_OUT,
                peer=sender,
                message_id=message_id,
                type=message_type,
                text=receipt,
            )
    except IntegrityError:
        existing = InboundMessage.objects.filter(uuid=message_id).first()
        if existing is None:
            raise
        if existing.digest != digest:
            raise FederationRefused(
                FederationError.MESSAGE_ID_CONFLICT, _("消息编号已被另一条消息使用"), status=409
            ) from None
        raise Replayed(receipt=existing.receipt) from None
    transaction.on_commit(lambda: _enqueue_process(row.pk), robust=True)
    return receipt, row


def _enqueue_process(pk: int) -> None:
    from tongban.federation.tasks import federation_process

    federation_process.enqueue(inbound_id=pk)


def process(inbound_id: int) -> str:
    """Run the handler of a received message once: 'processed', 'done before' or 'failed'."""
    from tongban.federation.handlers import HANDLERS
    from tongban.federation.locks import lock_inbound

    try:
        with transaction.atomic():
            row = lock_inbound(inbound_id)
            if row is None:
                return "done before"
            HANDLERS[row.type](row)
            InboundMessage.objects.filter(pk=row.pk).update(
                status=InStatus.PROCESSED,
                processed_at=timezone.now(),
                attempts=row.attempts + 1,
                last_error="",
            )
    except Exception as exc:
        logger.exception("federation message %s could not be processed", inbound_id)
        InboundMessage.objects.filter(pk=inbound_id).exclude(status=InStatus.PROCESSED).update(
            status=InStatus.FAILED,
            attempts=F("attempts") + 1,
            last_error=f"{type(exc).__name__}: {exc}"[:300],
        )
        _process_later(inbound_id)
        return "failed"
    return "processed"


def _process_later(inbound_id: int) -> None:
    """Try a failed message again after a growing wait (its handler may wait on a partner that is down); the
    sweep is the backstop."""
    from tongban.federation.tasks import federation_process

    attempts = InboundMessage.objects.filter(pk=inbound_id).values_list("attempts", flat=True).first() or 1
    if federation_process.get_backend().supports_defer and attempts < 20:
        federation_process.using(run_after=timezone.now() + retry_delay(attempts)).enqueue(
            inbound_id=inbound_id
        )


def open_inbound(limit: int = 500) -> list[int]:
    """Messages received but not processed (a crash between the commit and the task, or a failed handler)."""
    return list(
        InboundMessage.objects.exclude(status=InStatus.PROCESSED)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
