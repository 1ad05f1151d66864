"""Supervision's periodic work: the maintenance sweep (every minute) brings the daily roll-ups up to date
(rollup.py) once ``TONGBAN_SUPERVISION_ROLLUP_MINUTES`` have passed since the last run."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from tongban.supervision.models import RollupState
from tongban.supervision.rollup import SAFETY_MARGIN, rollup_run


def maintenance_receiver(sender=None, now=None, **kwargs) -> dict:
    now = now or timezone.now()
    last = RollupState.objects.aggregate(last=Max("watermark"))["last"]
    interval = timedelta(minutes=settings.TONGBAN_SUPERVISION_ROLLUP_MINUTES)
    if (
        last is not None
        and last + SAFETY_MARGIN + interval > now
        and timezone.localdate(last + SAFETY_MARGIN) == timezone.localdate(now)
    ):
        return {}
    done = rollup_run(now)
    return {f"supervision_rollup_{family}": n for family, n in done.items()}


# --- service blind spots (blindspots.py) ---------------------------------------------------------------------
def blind_spots_receiver(sender=None, now=None, **kwargs) -> dict:
    """``maintenance_sweep`` receiver: compute the months due (blindspots.months_due: the previous month until
    it was computed after it ended, the current one every ``TONGBAN_BLIND_SPOTS_MINUTES``); nothing
    otherwise. Like the roll-ups, in the sweep itself: a month of texts is segmented in seconds, once an
    hour (docs/operations.md §20)."""
    from tongban.supervision.blindspots import compute_month, months_due

    done = 0
    for month in months_due(now):
        compute_month(month, now=now)
        done += 1
    return {"blind_spot_months": done} if done else {}
