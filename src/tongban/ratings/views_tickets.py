"""The pages of tickets: the person follows their own (`/ratings/tickets/<uuid>/`), staff handle those of their
units (`/ratings/handling/<uuid>/`). Each view states who may open it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from tongban.ratings.access import access_ticket_for_person, access_ticket_for_staff
from tongban.ratings.errors import TicketNotFound


@login_required
def ticket_page(request, ticket_uuid):
    """The person's own ticket: its steps and dates (not the handler's name), the answer, the revisit."""
    try:
        ticket = access_ticket_for_person(actor=request.actor, ticket_uuid=ticket_uuid)
    except TicketNotFound as exc:
        raise Http404 from exc
    events = [e for e in ticket.events.all() if e.kind not in {"overdue", "supervised", "reroute_requested"}]
    return render(request, "ratings/ticket.html", {"ticket": ticket, "events": events})


@login_required
def staff_ticket_page(request, ticket_uuid):
    """A ticket of the actor's units: handlers, supervisors over the unit, 12345 operators (audited read)."""
    try:
        ticket = access_ticket_for_staff(actor=request.actor, ticket_uuid=ticket_uuid)
    except TicketNotFound as exc:
        raise Http404 from exc
    return render(request, "ratings/staff_ticket.html", {"ticket": ticket, "events": ticket.events.all()})
