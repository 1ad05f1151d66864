"""Background tasks of the shared kernel (Django Tasks: the database backend by default, RQ on Redis)."""

from django_tasks import task

from tongban.core.messaging import sms_send


@task(queue_name="default")
def sms_deliver(*, phone: str, text: str) -> None:
    """Hand an SMS to the configured provider, outside the request that asked for it."""
    sms_send(phone=phone, text=text)
