"""Periodic work of the ratings context, run by the maintenance sweep (`tongban maintenance`)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

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
    return {"pad_evaluations_caught_up": len(missing), **tickets_tick_receiver(now)}


def tickets_tick_receiver(now=None) -> dict:
    """The loop's limits (ratings.md §5): a passed limit records its event once and puts its ticket under 督办.
    Run by every maintenance sweep (each minute): a day's overdue tickets are one indexed query."""
    from tongban.ratings.tickets import tickets_tick

    return tickets_tick(today=timezone.localdate(now) if now else None)
