"""Background work of the licence library, run by `tongban worker`."""

from django_tasks import task

from tongban.licences.signing import SIGN_BATCH, licences_sign_unsigned


@task(queue_name="default")
def licences_sign_imported(batch_size: int = SIGN_BATCH, limit: int | None = None) -> dict:
    """Sign the licences an import left unsigned, with their issuing departments' keys (enqueued after each
    import that leaves some; `tongban licences sign` enqueues it or runs it)."""
    return licences_sign_unsigned(batch_size=batch_size, limit=limit)
