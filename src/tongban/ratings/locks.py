"""Row locks of the ratings context. Evaluations take none: they are append-only, and two writes of the same
round at once are settled by the unique constraint (subject, evaluator, round) — the loser's insert fails
inside its savepoint and answers 409 ``already_rated``; a mark on one locks its row. A ticket is locked for
each step of its loop, an appeal while it is decided. An upload row of the national outbox is locked while
it is sent, so that two workers never send it twice at once (the second skips it)."""

from __future__ import annotations

from tongban.ratings.models import Appeal, Evaluation, RatingUpload, Ticket


def lock_upload(upload_id: int) -> RatingUpload | None:
    """The upload row, locked; None when another worker holds it (skip it) or it is gone."""
    return RatingUpload.objects.select_for_update(skip_locked=True).filter(pk=upload_id).first()


def lock_ticket(ticket_id: int) -> Ticket:
    """A ticket, locked for one step of its loop: two handlers acting at once take turns, and the second
    finds the state the first left (409 ``rating_ticket_state``)."""
    return Ticket.objects.select_for_update().get(pk=ticket_id)


def lock_tickets(ticket_ids) -> dict[int, Ticket]:
    """Several tickets (a merge), locked in the order of their ids so two merges never deadlock."""
    return {
        t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=list(ticket_ids)).order_by("pk")
    }


def lock_appeal(appeal_id: int) -> Appeal:
    """An appeal, locked while it is decided (decided once)."""
    return Appeal.objects.select_for_update().select_related("ticket").get(pk=appeal_id)


def lock_evaluation(evaluation_id: int) -> None:
    """An evaluation's row, locked while a mark is added (its marks are read and one appended in turn)."""
    Evaluation.objects.select_for_update().filter(pk=evaluation_id).exists()


def lock_invitation(pk: int):
    """A rating invitation, read again under a row lock (its sends are decided under it: ratings.md §3)."""
    from tongban.ratings.models import RatingInvitation

    return RatingInvitation.objects.select_for_update().get(pk=pk)


__all__ = ["lock_appeal", "lock_evaluation", "lock_invitation", "lock_ticket", "lock_tickets", "lock_upload"]
