"""Periodic work of the ratings context, run by the maintenance sweep (`tongban maintenance`)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

CATCH_UP_DAYS = 2


def maintenance_receiver(sender, now=None, **kwargs) -> dict:
    """``tongban.core.signals.maintenance_sweep`` receiver: a pad rating of the last two days without its
    evaluation (the ``pad_rated`` receiver failed after the rating's commit) is written now, once."""
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
    return {"pad_evaluations_caught_up": len(missing)}


def invitations_maintenance_receiver(sender, now=None, **kwargs) -> dict:
    """``maintenance_sweep`` receiver: invitations for cases that ended without one (the ``case_ended``
    receiver failed after the case's commit), the reminders due 3 days after the first invitation, and the
    SMS held back for the morning (ratings.md §3)."""
    from tongban.ratings.invitations import invitations_catch_up, invitations_send_due

    now = now or timezone.now()
    made = invitations_catch_up(now)
    return {"rating_invitations_caught_up": made, **invitations_send_due(now)}
