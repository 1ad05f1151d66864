"""Periodic work of the ratings context, run by the maintenance sweep (`tongban maintenance`)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

CATCH_UP_DAYS = 2


def maintenance_receiver(sender, now=None, **kwargs) -> dict:
    """``tongban.core.signals.maintenance_sweep`` receiver: a pad rating of the last two days without its
    evaluation (the ``pad_rated`` receiver failed after the rating's commit) is written now, once; then the
    tickets' limits."""
    from tongban.frontdesk.facade import pad_ratings_since
    from tongban.ratings.models import Evaluation
    from tongban.ratings.services import pad_rated_receiver

    rated = pad_ratings_since((now or timezone.now()) - timedelta(days=CATCH_UP_DAYS))
    have = set(
        Evaluation.objects.filter(pad_session_uuid__in=[f["session_uuid"] for f in rated]).values_list(
            "pad_session_uuid", flat=True
        )
    )
    missing = [facts for facts in rated if facts["session_uuid"] not in have]
    for facts in missing:
        pad_rated_receiver(None, **facts)
    return {
        "pad_evaluations_caught_up": len(missing),
        "rating_uploads_requeued": upload_requeue_due(now),
        **tickets_tick_receiver(now),
    }


def tickets_tick_receiver(now=None) -> dict:
    """The loop's limits (ratings.md §5): a passed limit records its event once and puts its ticket under 督办.
    Run by every maintenance sweep (each minute): a day's overdue tickets are one indexed query."""
    from tongban.ratings.tickets import tickets_tick

    return tickets_tick(today=timezone.localdate(now) if now else None)


def upload_requeue_due(now=None) -> int:
    """Enqueue ``upload_send`` when rows of the national upload are due (a retry's time has come, or the
    enqueue after an evaluation's commit was lost); answers how many are due."""
    from tongban.ratings.uploads import upload_due

    due = upload_due(now).count()
    if due:
        upload_send_enqueue()
    return due


def upload_send_enqueue() -> None:
    """Enqueue ``upload_send`` unless one is already waiting (database backend: a burst of evaluations makes
    one task, not one each; a row the waiting task misses is due at the next maintenance sweep)."""
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.compat import TaskResultStatus
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - django-tasks-db is a dependency
        upload_send.enqueue()
        return
    if isinstance(upload_send.get_backend(), DatabaseBackend):
        waiting = DBTaskResult.objects.filter(
            task_path=upload_send.module_path, status=TaskResultStatus.READY
        ).exists()
        if waiting:
            return
    upload_send.enqueue()


@task(queue_name="default")
def upload_send() -> dict:
    """Send the due rows of the national 好差评 upload once each (ratings.uploads); counts by outcome."""
    from tongban.ratings.uploads import upload_send_due

    return upload_send_due()


def invitations_maintenance_receiver(sender, now=None, **kwargs) -> dict:
    """``maintenance_sweep`` receiver: invitations for cases that ended without one (the ``case_ended``
    receiver failed after the case's commit), the reminders due 3 days after the first invitation, and the
    SMS held back for the morning (ratings.md §3)."""
    from tongban.ratings.invitations import invitations_catch_up, invitations_send_due

    now = now or timezone.now()
    made = invitations_catch_up(now)
    return {"rating_invitations_caught_up": made, **invitations_send_due(now)}
