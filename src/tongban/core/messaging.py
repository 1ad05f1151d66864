"""Pluggable message providers. The defaults write to the outbox table (read by admins and tests);
a real deployment points ``TONGBAN_SMS_PROVIDER`` at a class with the same ``send`` method."""

from __future__ import annotations

from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from tongban.core.constants import OutboxChannel
from tongban.core.models import OutboxMessage


class SmsProvider(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class OutboxSmsProvider:
    """Writes the SMS to the outbox instead of sending it (the default, and what tests read)."""

    def send(self, *, phone: str, text: str) -> None:
        OutboxMessage.objects.create(channel=OutboxChannel.SMS, recipient=phone, body=text)


@cache
def _provider(path: str) -> SmsProvider:
    return import_string(path)()


def sms_provider() -> SmsProvider:
    return _provider(settings.TONGBAN_SMS_PROVIDER)


def sms_send(*, phone: str, text: str) -> None:
    sms_provider().send(phone=phone, text=text)
