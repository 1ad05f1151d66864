"""Background tasks of the shared kernel (Django Tasks: the database backend by default, RQ on Redis).

Tasks carry ids, never phone numbers or texts, and are idempotent: running one again (after a crash,
``tongban maintenance``) does no harm."""

from django_tasks import task

from tongban.core.models import SmsKind


@task(queue_name="default")
def sms_deliver(*, message_id: int | None = None, phone: str = "", text: str = "") -> str:
    """Hand one SMS outbox row to the configured provider (once: the row's uuid is the idempotency key).

    ``phone``/``text`` are accepted only for tasks enqueued by a release before the outbox."""
    from tongban.core.messaging import sms_deliver_message
    from tongban.core.models import SmsMessage

    if message_id is None:
        from tongban.core.crypto import encrypt_text

        message_id = SmsMessage.objects.create(
            phone=phone, kind=SmsKind.NOTICE, body_encrypted=encrypt_text(text)
        ).pk
    return sms_deliver_message(message_id)


@task(queue_name="default")
def maintenance() -> dict:
    """Stale tasks, SMS left pending, retentions and orphan files (`tongban maintenance`)."""
    from tongban.core.maintenance import maintenance_run

    return maintenance_run()
