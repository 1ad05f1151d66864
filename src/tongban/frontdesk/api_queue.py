"""The clerk's side of calling (`/api/frontdesk/...`). Every endpoint is for a window clerk of the centre
(access.py: another centre's window, ticket or centre is 404); calling and acting on a ticket also needs
the clerk at that window today (its shift or a membership of the window; 403 ``window_not_on_shift``)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.utils import timezone
from ninja import Router, Schema

from tongban.accounts.facade import session_auth
from tongban.core.schemas import responses
from tongban.frontdesk import selectors
from tongban.frontdesk.access import access_centre, access_ticket, access_window
from tongban.frontdesk.errors import CategoryInvalid, WindowNotFound
from tongban.frontdesk.models import Ticket, Window
from tongban.frontdesk.services import queue

router = Router(tags=["frontdesk 综合窗口"])


class TicketOut(Schema):
    uuid: UUID
    number: str
    category: str
    source: str
    status: str
    window_number: int | None = None
    due_at: datetime | None
    taken_at: datetime
    called_at: datetime | None
    recalls: int

    @staticmethod
    def resolve_window_number(obj: Ticket) -> int | None:
        return obj.window.number if obj.window_id else None


class CallOut(Schema):
    ticket: TicketOut | None


class TransferIn(Schema):
    category: str | None = None
    window: UUID | None = None


class QueueOut(Schema):
    centre: UUID
    day: str
    waiting: dict[str, int]
    windows: list[dict]


@router.post(
    "/frontdesk/windows/{uuid:window_uuid}/call-next",
    response=responses({200: CallOut}, 401, 403, 404, 409),
    auth=session_auth,
)
def call_next(request, window_uuid: UUID):
    """A clerk at the window calls its next ticket (``ticket`` is null when nobody waits)."""
    window = access_window(actor=request.actor, window_uuid=window_uuid)
    return {"ticket": queue.ticket_call_next(actor=request.actor, window=window)}


def _act(request, ticket_uuid, service):
    ticket = access_ticket(actor=request.actor, ticket_uuid=ticket_uuid)
    return service(actor=request.actor, ticket=ticket)


_ACT = responses({200: TicketOut}, 401, 403, 404, 409)


@router.post("/frontdesk/tickets/{uuid:ticket_uuid}/recall", response=_ACT, auth=session_auth)
def recall(request, ticket_uuid: UUID):
    """The clerk at the ticket's window calls it again."""
    return _act(request, ticket_uuid, queue.ticket_recall)


@router.post("/frontdesk/tickets/{uuid:ticket_uuid}/no-show", response=_ACT, auth=session_auth)
def no_show(request, ticket_uuid: UUID):
    """The clerk at the ticket's window marks it 过号."""
    return _act(request, ticket_uuid, queue.ticket_no_show)


@router.post("/frontdesk/tickets/{uuid:ticket_uuid}/start", response=_ACT, auth=session_auth)
def start(request, ticket_uuid: UUID):
    """The clerk at the ticket's window starts serving it."""
    return _act(request, ticket_uuid, queue.ticket_start)


@router.post("/frontdesk/tickets/{uuid:ticket_uuid}/finish", response=_ACT, auth=session_auth)
def finish(request, ticket_uuid: UUID):
    """The clerk at the ticket's window finishes it."""
    return _act(request, ticket_uuid, queue.ticket_finish)


@router.post("/frontdesk/tickets/{uuid:ticket_uuid}/transfer", response=_ACT, auth=session_auth)
def transfer(request, ticket_uuid: UUID, payload: TransferIn):
    """The clerk at the ticket's window sends it to a category or to another window of the centre; answers
    the new ticket."""
    ticket = access_ticket(actor=request.actor, ticket_uuid=ticket_uuid)
    window = None
    if payload.window is not None:
        window = Window.objects.filter(uuid=payload.window, centre_id=ticket.centre_id).first()
        if window is None:
            raise WindowNotFound()
    if (payload.category is None) == (window is None):
        raise CategoryInvalid()
    return queue.ticket_transfer(actor=request.actor, ticket=ticket, category=payload.category, window=window)


@router.get(
    "/frontdesk/centres/{uuid:centre_uuid}/queue",
    response=responses({200: QueueOut}, 401, 404),
    auth=session_auth,
)
def centre_queue(request, centre_uuid: UUID):
    """A clerk of the centre reads today's waiting counts per category and each window's current ticket."""
    centre = access_centre(actor=request.actor, centre_uuid=centre_uuid)
    day = timezone.localdate()
    windows = []
    for window in centre.windows.filter(active=True).order_by("number"):
        current = selectors.window_current(window)
        windows.append(
            {
                "uuid": str(window.uuid),
                "number": window.number,
                "current": current.number if current else None,
                "status": current.status if current else None,
            }
        )
    return {
        "centre": centre.uuid,
        "day": day.isoformat(),
        "waiting": selectors.waiting_counts(centre, day),
        "windows": windows,
    }
