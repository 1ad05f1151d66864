"""The hall's pages (issue 17 §2): the kiosk, the phone's take page (reached by the hall's QR code), a
ticket's live status, the display board with its calls feed and voice, appointments; and the clerk's queue
panel (``/counter/<window>/queue/``) the counter console includes. The hall's pages are public (ticket and
window numbers, never a name); the appointments page needs a signed-in user; the panel a clerk of the
window's centre (access.access_window) at that window today."""

from __future__ import annotations

import segno
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_safe

from tongban.core.errors import DomainError
from tongban.frontdesk import selectors, voice
from tongban.frontdesk.access import _uuid, access_window, on_window, public_centre, require_take_allowed
from tongban.frontdesk.constants import AppointmentStatus, TicketCategory, TicketSource, TicketStatus
from tongban.frontdesk.errors import (
    AppointmentNotFound,
    CentreNotFound,
    SlotNotFound,
    TicketNotFound,
    WindowNotFound,
)
from tongban.frontdesk.hours import hours_text, is_open
from tongban.frontdesk.models import Appointment, AppointmentSlot, Ticket, Window
from tongban.frontdesk.services import queue

KIOSK_CATEGORIES = [
    TicketCategory.GREEN,
    TicketCategory.ENTERPRISE,
    TicketCategory.PERSONAL,
    TicketCategory.CROSS_REGION,
    TicketCategory.HANDOUT,
]
CATEGORY_HINTS = {  # lazy: read in the language of each request
    TicketCategory.GREEN: _lazy("老年人、残疾人、孕妇优先"),
    TicketCategory.ENTERPRISE: _lazy("开办企业、许可、变更等"),
    TicketCategory.PERSONAL: _lazy("户籍、社保、医保、证明等"),
    TicketCategory.CROSS_REGION: _lazy("长三角、跨区域通办"),
    TicketCategory.HANDOUT: _lazy("领取办理结果、证照"),
}
VOICE_FRESH_SECONDS = 60  # older calls a board catches up with are shown, not said


def _centre(slug: str):
    try:
        return public_centre(slug)
    except CentreNotFound as exc:
        raise Http404 from exc


def _qr(request, centre) -> str:
    url = request.build_absolute_uri(reverse("frontdesk:hall_take", args=[centre.slug]))
    return segno.make(url, error="m").svg_inline(
        scale=5, border=2, omitsize=True, svgclass="qr-code", title=_("扫码手机取号")
    )


def _categories():
    return [{"value": c.value, "label": c.label, "hint": CATEGORY_HINTS[c]} for c in KIOSK_CATEGORIES]


def _take(request, slug: str, source: str, template: str):
    centre = _centre(slug)
    now = timezone.now()
    error = None
    status = 200
    if request.method == "POST":
        user_id = request.actor.user_id if source == TicketSource.PHONE else None
        try:
            require_take_allowed(request.client_ip, source)
            ticket = queue.ticket_take(centre, request.POST.get("category", ""), source, user_id)
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            return redirect("frontdesk:hall_ticket", slug=centre.slug, ticket_uuid=ticket.uuid)
    context = {
        "centre": centre,
        "categories": _categories(),
        "counts": selectors.waiting_counts(centre, timezone.localtime(now).date()),
        "open": is_open(centre, now),
        "hours": hours_text(centre, timezone.localtime(now).date()),
        "error": error,
        "qr": _qr(request, centre) if source == TicketSource.KIOSK else "",
    }
    return render(request, template, context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def hall_kiosk(request, slug: str):
    return _take(request, slug, TicketSource.KIOSK, "frontdesk/hall_kiosk.html")


@require_http_methods(["GET", "HEAD", "POST"])
def hall_take(request, slug: str):
    return _take(request, slug, TicketSource.PHONE, "frontdesk/hall_take.html")


def _ticket_context(ticket: Ticket) -> dict:
    now = timezone.now()
    ahead = selectors.ahead_of(ticket, now)
    follow = Ticket.objects.filter(transferred_from=ticket).first()
    return {
        "ticket": ticket,
        "centre": ticket.centre,
        "ahead": ahead,
        "wait": selectors.estimated_wait_minutes(ticket, ahead),
        "waiting": ticket.status == TicketStatus.WAITING,
        "called": ticket.status in (TicketStatus.CALLED, TicketStatus.SERVING),
        "follow": follow,
    }


@require_safe
def hall_ticket(request, slug: str, ticket_uuid):
    centre = _centre(slug)
    ticket = Ticket.objects.select_related("centre", "window").filter(uuid=ticket_uuid, centre=centre).first()
    if ticket is None:
        raise Http404
    context = _ticket_context(ticket)
    if request.headers.get("HX-Request"):
        return render(request, "frontdesk/hall_ticket_status.html", context)
    return render(request, "frontdesk/hall_ticket.html", context)


def _call_rows(request, centre, events, fresh_after=None) -> list[dict]:
    rows = []
    for event in events:
        text = voice.phrase(event.ticket.number, event.window.number if event.window else 0)
        voice_url = ""
        if fresh_after is not None and event.at >= fresh_after:
            key = voice.synthesise(text)
            if key:
                voice_url = reverse("frontdesk:hall_voice", args=[centre.slug, key])
        rows.append(
            {
                "id": event.id,
                "number": event.ticket.number,
                "window": event.window.number if event.window else "",
                "recall": event.action == "recall",
                "text": text,
                "voice_url": voice_url,
                "at": event.at,
            }
        )
    return rows


@require_safe
def hall_board(request, slug: str):
    centre = _centre(slug)
    today = timezone.localdate()
    last = selectors.last_calls(centre, today)
    return render(
        request,
        "frontdesk/hall_board.html",
        {
            "centre": centre,
            "calls": _call_rows(request, centre, last),
            "since": last[0].id if last else _last_event_id(centre),
            "counts": _counts(centre, today),
            "qr": _qr(request, centre),
            "hours": hours_text(centre, today),
        },
    )


def _last_event_id(centre) -> int:
    from tongban.frontdesk.models import TicketEvent

    event = (
        TicketEvent.objects.filter(ticket__centre=centre).order_by("-id").values_list("id", flat=True).first()
    )
    return event or 0


def _counts(centre, day) -> list[dict]:
    counts = selectors.waiting_counts(centre, day)
    return [{"label": c.label, "value": c.value, "n": counts[c.value]} for c in KIOSK_CATEGORIES]


@require_safe
def hall_board_calls(request, slug: str):
    """The calls after ``since`` (the last event id the board showed), in order, at most 50 a poll: a board
    that missed polls catches up, each call once; calls older than a minute are shown but not said."""
    centre = _centre(slug)
    try:
        since = max(int(request.GET.get("since", "0")), 0)
    except ValueError:
        since = 0
    events = selectors.calls_since(centre, since)
    fresh_after = timezone.now() - timezone.timedelta(seconds=VOICE_FRESH_SECONDS)
    calls = _call_rows(request, centre, events, fresh_after)
    return render(
        request,
        "frontdesk/hall_board_calls.html",
        {
            "centre": centre,
            "calls": calls,
            "since": calls[-1]["id"] if calls else since,
            "counts": _counts(centre, timezone.localdate()),
        },
    )


@require_safe
def hall_voice(request, slug: str, key: str):
    _centre(slug)
    path = voice.cached(key)
    if path is None:
        raise Http404
    response = FileResponse(path.open("rb"), content_type="audio/wav")
    response["Cache-Control"] = "public, max-age=86400, immutable"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def hall_appointments(request, slug: str):
    centre = _centre(slug)
    actor = request.actor
    today = timezone.localdate()  # the slots are offered by the maintenance sweep (frontdesk/tasks.py)
    error = None
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("slot"):
                slot = AppointmentSlot.objects.filter(centre=centre, pk=request.POST["slot"]).first()
                if slot is None:
                    raise SlotNotFound()
                queue.appointment_book(actor=actor, slot=slot, item_name=request.POST.get("item", ""))
            else:
                key = _uuid(request.POST.get("appointment"))
                appointment = (
                    Appointment.objects.filter(uuid=key, user_id=actor.user_id, slot__centre=centre).first()
                    if key
                    else None
                )
                if appointment is None:
                    raise AppointmentNotFound()
                if request.POST.get("action") == "check_in":
                    ticket = queue.appointment_check_in(actor=actor, appointment=appointment)
                    return redirect("frontdesk:hall_ticket", slug=centre.slug, ticket_uuid=ticket.uuid)
                queue.appointment_cancel(actor=actor, appointment=appointment)
        except (DomainError, ValueError) as exc:
            error = exc if isinstance(exc, DomainError) else SlotNotFound()
            status = error.status
        else:
            return redirect("frontdesk:hall_appointments", slug=centre.slug)
    now = timezone.now()
    days: dict = {}
    for slot in selectors.slots_ahead(centre, today):
        if queue.slot_start(slot) <= now:
            continue
        days.setdefault(slot.day, []).append({"slot": slot, "free": slot.capacity - slot.booked})
    mine = (
        Appointment.objects.select_related("slot")
        .filter(user_id=actor.user_id, slot__centre=centre, slot__day__gte=today)
        .exclude(status=AppointmentStatus.CANCELLED)
        .order_by("slot__day", "slot__start")
    )
    return render(
        request,
        "frontdesk/hall_appointments.html",
        {"centre": centre, "days": sorted(days.items()), "mine": mine, "error": error, "today": today},
        status=status,
    )


# --- the clerk's queue panel ------------------------------------------------------------------------------

PANEL_ACTIONS = {
    "recall": queue.ticket_recall,
    "no_show": queue.ticket_no_show,
    "start": queue.ticket_start,
    "finish": queue.ticket_finish,
}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def queue_panel(request, window_uuid):
    """The window's queue, for the counter console (htmx): the ticket being served, 叫号/重呼/过号/转移/开始办理/
    办理完毕, and the next tickets. 404 for another centre's clerk; the buttons need the window's shift."""
    actor = request.actor
    try:
        window = access_window(actor=actor, window_uuid=window_uuid)
    except WindowNotFound as exc:
        raise Http404 from exc
    error = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            current = selectors.window_current(window)
            if action == "call":
                queue.ticket_call_next(actor=actor, window=window)
            elif action in PANEL_ACTIONS or action == "transfer":
                if current is None:
                    raise TicketNotFound()
                if action == "transfer":
                    target = request.POST.get("target", "")
                    if target.startswith("w:"):
                        key = _uuid(target[2:])
                        to = Window.objects.filter(centre=window.centre, uuid=key).first() if key else None
                        if to is None:
                            raise WindowNotFound()
                        queue.ticket_transfer(actor=actor, ticket=current, window=to)
                    else:
                        queue.ticket_transfer(actor=actor, ticket=current, category=target)
                else:
                    PANEL_ACTIONS[action](actor=actor, ticket=current)
        except (DomainError, ValueError) as exc:
            error = exc if isinstance(exc, DomainError) else TicketNotFound()
            status = error.status if not request.headers.get("HX-Request") else 200
    now = timezone.now()
    return render(
        request,
        "frontdesk/_queue_panel.html"
        if request.headers.get("HX-Request")
        else "frontdesk/hall_queue_page.html",
        {
            "window": window,
            "current": selectors.window_current(window),
            "upcoming": list(selectors.waiting_queue(window, now)[:5]),
            "counts": _counts(window.centre, timezone.localtime(now).date()),
            "on_window": on_window(actor, window, timezone.localdate()),
            "others": window.centre.windows.filter(active=True).exclude(pk=window.pk),
            "categories": [c for c in KIOSK_CATEGORIES],
            "error": error,
        },
        status=status,
    )
