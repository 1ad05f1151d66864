"""Every row lock of the shared kernel, in one place: an SMS outbox row (sent once, whoever tries)."""

from __future__ import annotations

from tongban.core.models import SmsMessage


def lock_sms(message_id: int) -> SmsMessage | None:
    return SmsMessage.objects.select_for_update().filter(pk=message_id).first()
