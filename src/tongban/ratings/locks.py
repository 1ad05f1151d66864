"""Row locks of the ratings context. Evaluations take none: they are append-only, and two writes of the same
round at once are settled by the unique constraint (subject, evaluator, round) — the loser's insert fails
inside its savepoint and answers 409 ``already_rated``. An upload row of the national outbox is locked while
it is sent, so that two workers never send it twice at once (the second skips it)."""

from __future__ import annotations

from tongban.ratings.models import RatingUpload


def lock_upload(upload_id: int) -> RatingUpload | None:
    """The upload row, locked; None when another worker holds it (skip it) or it is gone."""
    return RatingUpload.objects.select_for_update(skip_locked=True).filter(pk=upload_id).first()


__all__ = ["lock_upload"]
