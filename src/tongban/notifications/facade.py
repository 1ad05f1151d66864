"""How every context tells a person something: a message in the message centre and an SMS through the
configured provider (the default writes it to the outbox), sent once after commit from the durable SMS
outbox (tongban.core.messaging)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise

from tongban.accounts.facade import user_language, user_phone
from tongban.core.messaging import sms_queue
from tongban.core.models import SmsKind
from tongban.notifications.models import Message


def notify(
    *,
    user_id: int,
    title: str | Promise,
    body: str | Promise,
    link: str = "",
    sms: bool = True,
    phone: str | None = None,
    params: dict | None = None,
    language: str | None = None,
) -> None:
    """Write the message and its SMS outbox row now, in the caller's transaction (the SMS goes out once,
    after commit: tongban.core.messaging). ``phone`` is the user's number when the caller already has it
    ("" for none); None looks it up.

    The texts are written in the recipient's language (the one they chose, else the platform's), not the
    language of whoever caused the message: pass ``title`` and ``body`` as lazy translations
    (``gettext_lazy``) and the values for the body's ``%(name)s`` placeholders as ``params`` (lazy labels
    among them are translated too). ``language``: the recipient's when the caller knows it (the person
    acting on their own case, in the request's language); None looks it up."""
    language = language or user_language(user_id) or settings.LANGUAGE_CODE
    with translation.override(language):
        title_text = str(title)
        body_text = str(body) % {k: str(v) for k, v in params.items()} if params else str(body)
    with transaction.atomic(savepoint=False):  # one transaction, without a savepoint inside the caller's
        Message.objects.create(user_id=user_id, title=title_text, body=body_text, link=link)
        if sms and phone is None:
            phone = user_phone(user_id)
        if sms and phone:
            sms_queue(phone=phone, text=f"【{title_text}】{body_text}", kind=SmsKind.NOTICE, user_id=user_id)


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
