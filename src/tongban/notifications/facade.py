"""How every context tells a person something: a message in the message centre and, after commit, an SMS
through the configured provider (the default writes it to the outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from tongban.accounts.facade import user_phone
from tongban.core.tasks import sms_deliver
from tongban.notifications.models import Message


def notify(
    *, user_id: int, title: str, body: str, link: str = "", sms: bool = True, phone: str | None = None
) -> None:
    """Write the message now (in the caller's transaction) and send the SMS after commit. ``phone`` is the
    user's number when the caller already has it ("" for none); None looks it up."""
    Message.objects.create(user_id=user_id, title=title, body=body, link=link)
    if sms and phone is None:
        phone = user_phone(user_id)
    if sms and phone:
        text = f"【{title}】{body}"
        transaction.on_commit(lambda: sms_deliver.enqueue(phone=phone, text=text))


@dataclass(frozen=True)
class MessageView:
    title: str
    body: str
    link: str
    created_at: datetime
    read: bool


def messages_for(user_id: int, limit: int = 50) -> list[MessageView]:
    return [
        MessageView(m.title, m.body, m.link, m.created_at, m.read_at is not None)
        for m in Message.objects.filter(user_id=user_id)[:limit]
    ]


__all__ = ["MessageView", "messages_for", "notify"]
