"""The 12345 pages (docs/domain/ratings.md §7): the operator's console (`/hotline/`) — look up the caller,
register their ticket, dispatch the region's open tickets — one ticket's dispatch page
(`/hotline/tickets/<uuid>/`), and a signed-in person's online 诉求 (`/hotline/new/`). Each view states who may
open it. The caller of the call in hand is kept in the operator's session (their number is never put in a
URL, where access logs would keep it)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tongban.core.errors import DomainError, PermissionDenied
from tongban.ratings import hotline, transfers
from tongban.ratings.access import (
    access_ticket_for_staff,
    require_hotline_operator,
    require_rating_allowed,
    tickets_of_person,
)
from tongban.ratings.constants import CLOSED_STATUSES, HOTLINE_KINDS, Level, TicketStatus
from tongban.ratings.errors import TicketNotFound
from tongban.ratings.region import transfer_members

SESSION_CALLER = "hotline_caller"


def _operator(request) -> None:
    """403 page for anyone but a 12345 operator."""
    try:
        require_hotline_operator(request.actor)
    except PermissionDenied as exc:
        raise PageForbidden(str(exc.message)) from exc


def _caller(request) -> hotline.Caller | None:
    return hotline.Caller.from_session(request.session.get(SESSION_CALLER))


def _console(request, *, error=None, error_in="", status=200, posted=None, duplicates=None):
    actor = request.actor
    caller = _caller(request)
    context = {
        "caller": caller,
        "caller_tickets": hotline.caller_tickets(actor=actor, caller=caller) if caller else [],
        "caller_cases": hotline.caller_cases(actor=actor, caller=caller) if caller else [],
        "open_tickets": hotline.open_hotline_tickets(actor=actor),
        "kinds": hotline.hotline_kinds(),
        "topics": hotline.hotline_topics(),
        "units": hotline.hotline_units(actor),
        "error": error,
        "error_in": error_in,
        "posted": posted,
        "duplicates": duplicates,
    }
    return render(request, "ratings/hotline.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def console(request):
    """The 12345 operator's console: the caller of the call in hand, the new ticket form and the region's
    open 12345 tickets. Caller: 12345 operators (热线话务员) only; 403 for anyone else."""
    _operator(request)
    return _console(request)


@login_required
@require_POST
def lookup(request):
    """Look up the caller by phone number (audited: the caller sees it under 谁使用了我的信息). Caller: 12345
    operators only."""
    _operator(request)
    try:
        caller = hotline.caller_lookup(actor=request.actor, phone=request.POST.get("phone", ""))
    except DomainError as exc:
        return _console(request, error=exc, error_in="lookup", status=exc.status)
    request.session[SESSION_CALLER] = caller.as_session()
    return redirect("ratings:hotline")


@login_required
@require_POST
def end_call(request):
    """Forget the caller of the call in hand. Caller: 12345 operators only."""
    _operator(request)
    request.session.pop(SESSION_CALLER, None)
    return redirect("ratings:hotline")


@login_required
@require_POST
def create(request):
    """Register a ticket for the caller of the call in hand. The caller's open tickets on the same case or the
    same department and classification are proposed first: the operator registers it anyway, or registers
    and merges it into one of them. Caller: 12345 operators only."""
    _operator(request)
    actor, posted = request.actor, request.POST
    caller = _caller(request)
    if caller is None:
        messages.error(request, _("请先查询来电人"))
        return redirect("ratings:hotline")
    try:
        merge_into = None
        if posted.get("merge_into"):
            merge_into = hotline.region_ticket(actor=actor, ticket_uuid=posted.get("merge_into"))
        elif posted.get("confirm") != "1":
            duplicates = hotline.duplicate_candidates(
                actor=actor,
                caller=caller,
                unit_uuid=posted.get("unit"),
                topic=posted.get("topic"),
                case_number=posted.get("case_number"),
            )
            if duplicates:
                return _console(request, posted=posted, duplicates=duplicates)
        ticket = hotline.hotline_ticket_create(
            actor=actor,
            caller=caller,
            kind=posted.get("kind"),
            unit_uuid=posted.get("unit"),
            topic=posted.get("topic"),
            content=posted.get("content"),
            urgent=posted.get("urgent") == "1",
            case_number=posted.get("case_number", ""),
            merge_into=merge_into,
        )
    except DomainError as exc:
        return _console(request, error=exc, error_in="create", status=exc.status, posted=posted)
    if merge_into is not None:
        messages.success(
            request,
            _("工单 %(number)s 已登记并合并到 %(main)s")
            % {"number": ticket.number, "main": merge_into.number},
        )
    else:
        messages.success(request, _("工单 %(number)s 已登记") % {"number": ticket.number})
    return redirect("ratings:hotline_ticket", ticket_uuid=ticket.uuid)


ACTIONS = {
    "route": lambda actor, ticket, p: hotline.operator_route(
        actor=actor, ticket=ticket, unit_uuid=p.get("unit"), reason=p.get("reason")
    ),
    "merge": lambda actor, ticket, p: hotline.operator_merge(
        actor=actor, ticket=ticket, main_number=p.get("main")
    ),
    "transfer": lambda actor, ticket, p: hotline.operator_transfer(
        actor=actor, ticket=ticket, to_region=p.get("to_region"), text=p.get("note", "")
    ),
    "rate": lambda actor, ticket, p: hotline.operator_record_rating(
        actor=actor, ticket=ticket, level=p.get("level"), text=p.get("text", "")
    ),
}
DONE = {
    "route": gettext_lazy("已转派"),
    "merge": gettext_lazy("已合并"),
    "rate": gettext_lazy("已记录来电人的评价"),
    "transfer": gettext_lazy("已转办"),
}


@login_required
@require_http_methods(["GET", "POST"])
def ticket(request, ticket_uuid):
    """One 12345 ticket as its dispatcher sees it (an audited read): the hops, a department's re-routing
    request, and the forms to route, merge, transfer and record the caller's rating of the answer. Caller:
    12345 operators of the ticket's region only (403 for others, 404 for a ticket outside the region)."""
    _operator(request)
    actor = request.actor
    try:
        ticket = access_ticket_for_staff(actor=actor, ticket_uuid=ticket_uuid, roles=hotline.HOTLINE_ROLES)
    except TicketNotFound as exc:
        raise Http404 from exc
    error, status, action = None, 200, None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404
        try:
            ACTIONS[action](actor, ticket, request.POST)
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, DONE[action])
            return redirect("ratings:hotline_ticket", ticket_uuid=ticket.uuid)
        ticket.refresh_from_db()
    events = list(ticket.events.all())
    context = {
        "ticket": ticket,
        "events": [(e, hotline.event_label(e)) for e in events],
        "hops": [e for e in events if e.kind == "routed"],
        "reroute": hotline.pending_reroute(ticket),
        "may_route": ticket.status in (TicketStatus.RECEIVED, TicketStatus.VERIFYING),
        "may_transfer": ticket.status in (TicketStatus.RECEIVED, TicketStatus.VERIFYING)
        and hotline.is_hotline_ticket(ticket)
        and not ticket.transfer_direction,
        "transfer": ticket.transfer if ticket.transfer_direction else None,
        "awaiting_dispatch": transfers.awaiting_dispatch(ticket),
        "members": transfer_members(),
        "may_rate": ticket.status == TicketStatus.ANSWERED and hotline.is_hotline_ticket(ticket),
        "may_merge": hotline.is_hotline_ticket(ticket) and ticket.status not in CLOSED_STATUSES,
        "units": [u for u in hotline.hotline_units(actor) if u.uuid != str(ticket.unit_uuid)],
        "levels": Level.choices,
        "light": hotline.loop.light_of(ticket),
        "pending": hotline.loop.pending_limit(ticket),
        "error": error,
        "action": action,
        "posted": request.POST if request.method == "POST" else None,
    }
    return render(request, "ratings/hotline_ticket.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    """我的诉求: a signed-in person makes an online consult, complaint, suggestion or praise to a department,
    and sees their earlier ones. Caller: any signed-in person."""
    actor = request.actor
    error, status, posted = None, 200, None
    if request.method == "POST":
        posted = request.POST
        try:
            require_rating_allowed(actor, request.client_ip)  # as the API's online 诉求: hourly limits
            ticket = hotline.online_ticket_create(
                actor=actor,
                kind=posted.get("kind"),
                unit_uuid=posted.get("unit"),
                topic=posted.get("topic"),
                content=posted.get("content"),
                case_number=posted.get("case_number", ""),
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("诉求已提交，工单编号 %(number)s") % {"number": ticket.number})
            return redirect("ratings:ticket", ticket_uuid=ticket.uuid)
    context = {
        "kinds": hotline.hotline_kinds(),
        "topics": hotline.hotline_topics(),
        "units": hotline.hotline_units(),
        "mine": tickets_of_person(actor).filter(kind__in=HOTLINE_KINDS)[:50],
        "error": error,
        "posted": posted,
    }
    return render(request, "ratings/hotline_new.html", context, status=status)
