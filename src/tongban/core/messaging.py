"""Pluggable message providers and the durable SMS outbox.

Whoever has something to text writes an :class:`~tongban.core.models.SmsMessage` row in its own
transaction (:func:`sms_queue`); the task ``sms_deliver`` carries only that row's id and hands the text to
the configured provider with the row's uuid as idempotency key (:func:`sms_deliver_message`).

The default provider writes to the outbox table (read by admins and tests); a real deployment points
``TONGBAN_SMS_PROVIDER`` at a class with the same ``send`` method (docs/operations.md §7)."""

from __future__ import annotations

import inspect
import logging
from datetime import datetime, timedelta
from functools import cache
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from tongban.core.constants import OutboxChannel
from tongban.core.crypto import decrypt_text, encrypt_text
from tongban.core.locks import lock_sms
from tongban.core.models import OutboxMessage, SmsKind, SmsMessage, SmsStatus

logger = logging.getLogger(__name__)


class SmsProvider(Protocol):
    def send(self, *, phone: str, text: str, key: str) -> None:
        """Send ``text`` to ``phone``. ``key`` is the message's idempotency key: a second call with the same
        key must not send again (real gateways: pass it as the client message id)."""


class OutboxSmsProvider:
    """Writes the SMS to the outbox instead of sending it (the default, and what tests read). Idempotent:
    the outbox keeps one row per key."""

    def send(self, *, phone: str, text: str, key: str = "") -> None:
        fields = {"channel": OutboxChannel.SMS, "recipient": phone, "body": text}
        if not key:
            OutboxMessage.objects.create(**fields)
            return
        with transaction.atomic():
            OutboxMessage.objects.get_or_create(key=key, defaults=fields)


@cache
def _provider(path: str) -> SmsProvider:
    return import_string(path)()


def sms_provider() -> SmsProvider:
    return _provider(settings.TONGBAN_SMS_PROVIDER)


@cache
def _takes_key(provider_class: type) -> bool:
    params = inspect.signature(provider_class.send).parameters
    return "key" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def sms_send(*, phone: str, text: str, key: str = "") -> None:
    """Call the provider now. Providers written before the idempotency key (``send(phone, text)``) are still
    called, without it (they may send twice after a crash)."""
    provider = sms_provider()
    if _takes_key(type(provider)):
        provider.send(phone=phone, text=text, key=key)
    else:
        provider.send(phone=phone, text=text)


# --- the durable SMS outbox ---------------------------------------------------------------------------------
def _enqueue_is_transactional() -> bool:
    """True when the task queue is a table of this database (django-tasks-db): the task row then commits
    or rolls back with the caller's data, and the worker sees it only after commit."""
    from tongban.core.tasks import sms_deliver

    try:
        from django_tasks_db.backend import DatabaseBackend
    except ImportError:  # pragma: no cover - django-tasks-db is a dependency
        return False
    return isinstance(sms_deliver.get_backend(), DatabaseBackend)


def sms_enqueue(message_id: int) -> None:
    """Enqueue the delivery of one outbox row: inside the caller's transaction on the database backend (a
    transactional outbox), after commit otherwise (RQ, immediate); a lost enqueue is made good by
    ``tongban maintenance`` (:func:`sms_requeue_pending`)."""
    from tongban.core.tasks import sms_deliver

    if _enqueue_is_transactional():
        sms_deliver.enqueue(message_id=message_id)
    else:
        transaction.on_commit(lambda: sms_deliver.enqueue(message_id=message_id), robust=True)


def sms_queue(
    *, phone: str, text: str, kind: str = SmsKind.NOTICE, user_id: int | None = None, expires_at=None
) -> SmsMessage:
    """Store an SMS to send (body encrypted) and enqueue its delivery, in the caller's transaction."""
    message = SmsMessage.objects.create(
        phone=phone,
        kind=kind,
        user_id=user_id,
        body_encrypted=encrypt_text(text),
        expires_at=expires_at,
        enqueued_at=timezone.now(),
    )
    sms_enqueue(message.pk)
    return message


def _sms_finish(message_id: int, *, status: str, error: str = "", wipe: bool, sent_at=None) -> None:
    fields = {"status": status, "last_error": error[:200], "updated_at": timezone.now()}
    if sent_at is not None:
        fields["sent_at"] = sent_at
    if wipe:
        fields["body_encrypted"] = ""
    SmsMessage.objects.filter(pk=message_id).update(**fields)


def sms_deliver_message(message_id: int) -> str:
    """Send one outbox row once: lock it, skip it when it is done (or another worker sent it moments ago),
    call the provider with its key, mark it sent. A one-time code's body is wiped once it is sent, fails or
    expires. Returns the outcome ("sent", "already_sent", "expired", "failed", "busy", "missing")."""
    now = timezone.now()
    with transaction.atomic():
        message = lock_sms(message_id)
        if message is None:
            return "missing"
        if message.status == SmsStatus.SENT:
            return "already_sent"
        if message.status == SmsStatus.FAILED:
            return "failed"
        wipe = message.kind == SmsKind.OTP
        recent = now - timedelta(seconds=settings.TONGBAN_SMS_REQUEUE_SECONDS)
        if message.status == SmsStatus.SENDING and message.updated_at > recent:
            return "busy"
        if message.expires_at is not None and message.expires_at <= now:
            _sms_finish(message_id, status=SmsStatus.FAILED, error="expired", wipe=True)
            return "expired"
        if message.attempts >= settings.TONGBAN_SMS_MAX_ATTEMPTS:
            _sms_finish(message_id, status=SmsStatus.FAILED, error=message.last_error, wipe=wipe)
            return "failed"
        SmsMessage.objects.filter(pk=message_id).update(
            status=SmsStatus.SENDING, attempts=message.attempts + 1, updated_at=now
        )
        phone, text, key = message.phone, decrypt_text(message.body_encrypted), str(message.uuid)
    try:
        sms_send(phone=phone, text=text, key=key)
    except Exception as exc:
        # Pending again: `tongban maintenance` re-enqueues it (up to TONGBAN_SMS_MAX_ATTEMPTS attempts).
        _sms_finish(message_id, status=SmsStatus.PENDING, error=type(exc).__name__, wipe=False)
        logger.warning("sms %s not sent: %s", key, type(exc).__name__)
        raise
    _sms_finish(message_id, status=SmsStatus.SENT, wipe=wipe, sent_at=timezone.now())
    return "sent"


def _live_sms_task_ids() -> set[int]:
    """Outbox rows that already have a task waiting or running (database backend only)."""
    if not _enqueue_is_transactional():
        return set()
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from tongban.core.tasks import sms_deliver

    live = DBTaskResult.objects.filter(
        task_path=sms_deliver.module_path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).values_list("args_kwargs", flat=True)
    return {a.get("kwargs", {}).get("message_id") for a in live}


def sms_requeue_pending(now: datetime | None = None) -> int:
    """Enqueue again the rows still pending (or left sending by a dead worker) after
    ``TONGBAN_SMS_REQUEUE_SECONDS`` that have no task waiting: a lost enqueue (RQ), a failed attempt."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TONGBAN_SMS_REQUEUE_SECONDS)
    stale = SmsMessage.objects.filter(
        status__in=[SmsStatus.PENDING, SmsStatus.SENDING], updated_at__lt=cutoff, enqueued_at__lt=cutoff
    ).values_list("pk", flat=True)
    ids = sorted(set(stale) - _live_sms_task_ids())
    for pk in ids:
        with transaction.atomic():
            if SmsMessage.objects.filter(pk=pk, enqueued_at__lt=cutoff).update(enqueued_at=now):
                sms_enqueue(pk)
    return len(ids)


def sms_prune(now: datetime | None = None) -> dict:
    """Fail and wipe expired one-time codes that were never sent; delete finished rows older than
    ``TONGBAN_SMS_RETENTION_DAYS`` and outbox rows older than ``TONGBAN_OUTBOX_RETENTION_DAYS``."""
    now = now or timezone.now()
    otp = SmsMessage.objects.filter(kind=SmsKind.OTP, expires_at__lte=now)
    expired = otp.filter(status__in=[SmsStatus.PENDING, SmsStatus.SENDING]).update(
        status=SmsStatus.FAILED, last_error="expired", body_encrypted="", updated_at=now
    )
    otp.exclude(body_encrypted="").update(body_encrypted="")
    sms_cutoff = now - timedelta(days=settings.TONGBAN_SMS_RETENTION_DAYS)
    sms_deleted, _ = SmsMessage.objects.filter(
        status__in=[SmsStatus.SENT, SmsStatus.FAILED], created_at__lt=sms_cutoff
    ).delete()
    outbox_cutoff = now - timedelta(days=settings.TONGBAN_OUTBOX_RETENTION_DAYS)
    outbox_deleted, _ = OutboxMessage.objects.filter(created_at__lt=outbox_cutoff).delete()
    return {"sms_expired": expired, "sms_deleted": sms_deleted, "outbox_deleted": outbox_deleted}
