"""`tongban maintenance`: the periodic sweep that makes crashes harmless and keeps retentions.

- tasks a dead worker left running longer than ``TONGBAN_TASK_LEASE_SECONDS`` are made ready again
  (database backend; every task is idempotent, so running one again is safe);
- SMS left pending are enqueued again (:func:`tongban.core.messaging.sms_requeue_pending`);
- expired one-time codes are wiped, old SMS and outbox rows and finished task results are deleted;
- every context's own sweep runs (receivers of :data:`tongban.core.signals.maintenance_sweep`, e.g. the
  orphan material files of cases)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from tongban.core.messaging import sms_prune, sms_requeue_pending
from tongban.core.signals import maintenance_sweep

logger = logging.getLogger(__name__)


def tasks_requeue_stale(now: datetime | None = None) -> int:
    """Database backend: put tasks RUNNING for longer than the lease back to READY (their worker died)."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TONGBAN_TASK_LEASE_SECONDS)
    return DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff).update(
        status=TaskResultStatus.READY
    )


def task_results_prune(now: datetime | None = None) -> int:
    """Delete finished task results older than ``TONGBAN_TASK_RESULT_RETENTION_DAYS``."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.TONGBAN_TASK_RESULT_RETENTION_DAYS)
    deleted, _ = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED], finished_at__lt=cutoff
    ).delete()
    return deleted


def maintenance_run(now: datetime | None = None) -> dict:
    """Run every sweep; returns counts by name. A failing context sweep is logged, the others still run."""
    now = now or timezone.now()
    result = {"tasks_requeued": tasks_requeue_stale(now), "sms_requeued": sms_requeue_pending(now)}
    result.update(sms_prune(now))
    result["task_results_deleted"] = task_results_prune(now)
    for receiver, answer in maintenance_sweep.send_robust(sender=None, now=now):
        if isinstance(answer, Exception):
            logger.error("maintenance sweep %r failed: %r", receiver, answer)
            result["errors"] = result.get("errors", 0) + 1
        elif isinstance(answer, dict):
            result.update(answer)
    return result
