"""Every row lock of the front desk, in one place. Order: a centre's day counter before its tickets; a ticket
before its service; an appointment slot before its appointments. Calling the next ticket locks one waiting
ticket and skips those another window is locking (``SKIP LOCKED``): two windows never get the same ticket and
never wait on each other."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from tongban.frontdesk.models import ServiceCentre, Ticket, TicketCounter, Window


def lock_ticket_counter(centre: ServiceCentre, day: date, category: str) -> TicketCounter:
    """The centre's counter of the category for the day, made when missing (a unique constraint settles two
    first takes at once: the loser's insert is ignored) and locked until the transaction ends."""
    TicketCounter.objects.bulk_create(
        [TicketCounter(centre=centre, day=day, category=category, last=0)], ignore_conflicts=True
    )
    return TicketCounter.objects.select_for_update().get(centre=centre, day=day, category=category)


def lock_first_waiting(queue: QuerySet[Ticket]) -> Ticket | None:
    """The first ticket of a queue in calling order (selectors.waiting_queue), locked; the tickets other
    windows hold locked are skipped (one row, ``LIMIT 1 … FOR UPDATE SKIP LOCKED``). None when nobody waits."""
    return queue.select_for_update(skip_locked=True, of=("self",)).first()


def lock_ticket(pk: int) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).select_related("centre", "window").get(pk=pk)


# --- hand-out, paper tracking, the evaluation pad (services/handout.py, services/papers.py) ---------------
def lock_paper(*, centre_id: int, case_uuid):
    """The paper file of a case a centre collected, locked (None when there is none)."""
    from tongban.frontdesk.models import PaperFile

    return (
        PaperFile.objects.select_for_update()
        .filter(collecting_centre_id=centre_id, case_uuid=case_uuid)
        .first()
    )


def lock_pad_session(*, window_id: int, session_uuid):
    """A pad session of a window, locked (None when there is none): rated once only."""
    from tongban.frontdesk.models import PadSession

    return PadSession.objects.select_for_update().filter(window_id=window_id, uuid=session_uuid).first()


def lock_window(pk: int) -> Window:
    """A window, locked: one service starts at a time on it."""
    return Window.objects.select_for_update(of=("self",)).select_related("centre").get(pk=pk)


def lock_service(pk: int):
    """A service, locked: its list of cases is extended by one submission at a time."""
    from tongban.frontdesk.models import Service

    return Service.objects.select_for_update().get(pk=pk)
