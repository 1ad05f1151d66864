"""Row locks of the ratings context. None is taken: evaluations are append-only, and two writes of the same
round at once are settled by the unique constraint (subject, evaluator, round) — the loser's insert fails
inside its savepoint and answers 409 ``already_rated``. Locks the bad-review loop needs will go here."""

from __future__ import annotations

__all__ = ["lock_invitation"]


def lock_invitation(pk: int):
    """A rating invitation, read again under a row lock (its sends are decided under it: ratings.md §3)."""
    from tongban.ratings.models import RatingInvitation

    return RatingInvitation.objects.select_for_update().get(pk=pk)
