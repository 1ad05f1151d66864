"""Background work of the seals context: seals past their end of validity are marked expired (by the
maintenance sweep, `tongban maintenance`, and as a task)."""

from __future__ import annotations

from django_tasks import task

from tongban.core.actors import SYSTEM


def seals_expire_due(now=None) -> int:
    from tongban.seals.services import seals_expire

    return seals_expire(actor=SYSTEM, now=now)


def maintenance_receiver(sender, now=None, **kwargs) -> dict:
    """``tongban.core.signals.maintenance_sweep`` receiver (connected in SealsConfig.ready)."""
    return {"seals_expired": seals_expire_due(now)}


@task(queue_name="default")
def seals_expire_task() -> int:
    """Mark expired the seals past their end of validity; answers how many."""
    return seals_expire_due()
