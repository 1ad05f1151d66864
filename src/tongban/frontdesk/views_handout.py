"""The hand-out window's pages (统一出件), paper tracking (收受分离), the window's evaluation pad (一次一评) and the
centre's dashboard. Who may open each:

- ``/counter/<window>/handout/`` and ``…/handout/<case>/``: the clerks of that hand-out window (or of its
  centre as a whole); anyone else 404 (``access_handout_window``).
- ``/counter/<window>/papers/``: the clerks of the window's centre (``access_window``).
- ``/hall/<slug>/pad/<window>/``: public, the device at the window; it shows the window's open session's
  clerk and items, never the applicant.
- ``/centres/<centre>/dashboard/``: the centre's clerks and the supervisors of it or above
  (``access_centre_dashboard``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from tongban.cases.facade import case_item_names
from tongban.core.errors import DomainError
from tongban.frontdesk import figures
from tongban.frontdesk.access import (
    access_centre_dashboard,
    access_handout_window,
    access_window,
    public_centre,
    require_pad_allowed,
)
from tongban.frontdesk.constants import HandoverMethod, PaperStatus
from tongban.frontdesk.errors import (
    CentreNotFound,
    HandoutCaseNotFound,
    PaperNotFound,
    WindowNotFound,
)
from tongban.frontdesk.models import Handover, Window
from tongban.frontdesk.services import handout as handout_services
from tongban.frontdesk.services import papers as paper_services

# The 好差评 levels (score, the mouth's curve in the face's SVG, the label): 5 非常满意 … 1 非常不满意.
PAD_FACES = [
    (5, "M14 26 Q24 38 34 26", gettext_lazy("非常满意")),
    (4, "M15 28 Q24 34 33 28", gettext_lazy("满意")),
    (3, "M15 30 L33 30", gettext_lazy("基本满意")),
    (2, "M15 32 Q24 26 33 32", gettext_lazy("不满意")),
    (1, "M14 34 Q24 22 34 34", gettext_lazy("非常不满意")),
]


def _handout_window(request, window_uuid) -> Window:
    try:
        return access_handout_window(actor=request.actor, window_uuid=window_uuid)
    except WindowNotFound as exc:
        raise Http404 from exc


# --- the hand-out window ----------------------------------------------------------------------------------
@login_required
@require_safe
def handout_page(request, window_uuid):
    """统一出件: the results waiting at this centre, searchable by case number."""
    window = _handout_window(request, window_uuid)
    number = request.GET.get("number", "").strip()[:32]
    results = handout_services.results_awaiting_handout(actor=request.actor, window=window, number=number)
    recent = Handover.objects.filter(window=window).order_by("-at")[:10]
    ctx = {"window": window, "centre": window.centre, "results": results, "number": number, "recent": recent}
    return render(request, "frontdesk/handout_list.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def handout_case(request, window_uuid, case_uuid):
    """One result: hand it over in person (ID number + signature) or send it by courier (tracking number)."""
    window = _handout_window(request, window_uuid)
    try:
        result = handout_services.result_awaiting_handout(
            actor=request.actor, window=window, case_uuid=case_uuid
        )
    except HandoutCaseNotFound as exc:
        raise Http404 from exc
    error = None
    status = 200
    if request.method == "POST":
        try:
            handout_services.handover(
                actor=request.actor,
                window=window,
                case_uuid=result.uuid,
                method=request.POST.get("method", ""),
                id_number=request.POST.get("id_number", ""),
                signature=request.POST.get("signature", ""),
                tracking_number=request.POST.get("tracking_number", ""),
            )
            messages.success(request, _("办件 %(number)s 的办理结果已交付。") % {"number": result.number})
            return redirect("frontdesk:handout", window_uuid=window.uuid)
        except DomainError as exc:
            error, status = exc, exc.status
    ctx = {
        "window": window,
        "centre": window.centre,
        "result": result,
        "error": error,
        "methods": HandoverMethod,
        "values": request.POST,
    }
    return render(request, "frontdesk/handout_case.html", ctx, status=status)


# --- paper tracking ---------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def papers_page(request, window_uuid):
    """收受分离: the paper files of the window's centre, each with its next step only."""
    try:
        window = access_window(actor=request.actor, window_uuid=window_uuid)
    except WindowNotFound as exc:
        raise Http404 from exc
    centre = window.centre
    error = None
    status = 200
    if request.method == "POST":
        try:
            paper_services.paper_advance(
                actor=request.actor,
                centre=centre,
                case_uuid=request.POST.get("case", ""),
                to=request.POST.get("to", ""),
                courier_number=request.POST.get("courier_number", ""),
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("已登记。"))
            return redirect("frontdesk:papers", window_uuid=window.uuid)
        except PaperNotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            error, status = exc, exc.status
    papers = list(paper_services.papers_of(centre)[:200])
    labels = dict(PaperStatus.choices)
    for p in papers:
        nxt = paper_services.NEXT_STEP.get(p.status)
        p.next_step = nxt
        p.next_label = labels.get(nxt, "") if nxt else ""
        p.status_label = labels.get(p.status, p.status)
        for h in p.history:
            h["label"] = labels.get(h.get("status"), h.get("status"))
    ctx = {"window": window, "centre": centre, "papers": papers, "error": error, "steps": PaperStatus}
    return render(request, "frontdesk/handout_papers.html", ctx, status=status)


# --- the evaluation pad -----------------------------------------------------------------------------------
def _pad_window(slug, window_uuid) -> Window:
    try:
        centre = public_centre(slug)
    except CentreNotFound as exc:
        raise Http404 from exc
    window = (
        Window.objects.filter(centre=centre, uuid=window_uuid, active=True).select_related("centre").first()
    )
    if window is None:
        raise Http404
    return window


def _pad_context(window: Window, request=None) -> dict:
    session = handout_services.pad_current(window)
    if session is not None and handout_services.pad_expired(session):
        session = None  # past the rating time: the pad waits for the next service
    service = session.service if session is not None else None
    return {
        "window": window,
        "centre": window.centre,
        "session": session,
        # The clerk and what was done: never the applicant (their name, ID number or cases' applicant).
        "clerk_label": service.clerk_label if service else "",
        "items": case_item_names(service.case_uuids or []) if service else [],
        "faces": PAD_FACES,
        "via": _via(request),
        "qr": _pad_qr(request, window) if request is not None and _via(request) == "tablet" else "",
    }


def _via(request) -> str:
    """Where the page is used: the pad (default), a phone that scanned the window's QR code (?via=qr), or
    another hall terminal (?via=terminal)."""
    if request is None:
        return "tablet"
    value = request.POST.get("via") or request.GET.get("via") or "tablet"
    return value if value in handout_services.PAD_VIA else "tablet"


def _pad_qr(request, window: Window) -> str:
    """The window's QR code: the same evaluation of the same service from the applicant's own phone."""
    import segno

    url = request.build_absolute_uri(
        reverse("frontdesk:pad", args=[window.centre.slug, window.uuid]) + "?via=qr"
    )
    return segno.make(url, error="m").svg_inline(
        scale=4, border=2, omitsize=True, svgclass="qr-code", title=_("扫码用手机评价")
    )


@require_http_methods(["GET", "POST"])
def pad_page(request, slug, window_uuid):
    """The pad at the window (public): the open session's faces, a comment, thanks after rating."""
    window = _pad_window(slug, window_uuid)
    if request.method == "POST":
        try:
            require_pad_allowed(request.client_ip)
            handout_services.pad_rate(
                actor=request.actor,
                window=window,
                session_uuid=request.POST.get("session", ""),
                score=request.POST.get("score", ""),
                comment=request.POST.get("comment", ""),
                via=request.POST.get("via", "tablet"),
            )
        except DomainError as exc:
            ctx = {**_pad_context(window, request), "error": exc}
            return render(request, "frontdesk/pad_page.html", ctx, status=exc.status)
        ctx = {**_pad_context(window, request), "thanks": True}
        return render(request, "frontdesk/pad_page.html", ctx)
    return render(request, "frontdesk/pad_page.html", _pad_context(window, request))


@require_safe
def pad_panel(request, slug, window_uuid):
    """The pad's panel, polled every 3 s (htmx) while it waits for the next session."""
    window = _pad_window(slug, window_uuid)
    return render(request, "frontdesk/pad_panel.html", _pad_context(window, request))


# --- the centre's dashboard -------------------------------------------------------------------------------
def _bar(value: float | None, reference: float, *, lower_is_better: bool = False) -> dict | None:
    """An inline SVG bar's geometry (0–100 % of the width) with its reference mark."""
    if value is None:
        return None
    if lower_is_better:  # a change: −100 % … +100 % around the middle
        width = max(min(abs(value), 1.0), 0.0) * 50
        x = 50 - width if value < 0 else 50
        ref = 50 + reference * 50
        good = value <= reference
        return {"x": round(x, 2), "width": round(width, 2), "ref": round(ref, 2), "good": good}
    width = max(min(value, 1.0), 0.0) * 100
    return {"x": 0, "width": round(width, 2), "ref": round(reference * 100, 2), "good": value >= reference}


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _decorate(row: figures.Row) -> figures.Row:
    row.wait_text = _minutes(row.wait_avg)  # type: ignore[attr-defined]
    row.service_text = _minutes(row.service_avg)  # type: ignore[attr-defined]
    row.wait_before_text = _minutes(row.wait_before_avg)  # type: ignore[attr-defined]
    row.accuracy_text = _percent(row.accuracy)  # type: ignore[attr-defined]
    row.spot_text = _percent(row.on_the_spot_share)  # type: ignore[attr-defined]
    change = row.wait_change
    row.change_text = "—" if change is None else f"{change * 100:+.1f} %"  # type: ignore[attr-defined]
    row.accuracy_bar = _bar(row.accuracy, figures.ACCURACY_REFERENCE)  # type: ignore[attr-defined]
    row.spot_bar = _bar(row.on_the_spot_share, figures.ON_THE_SPOT_REFERENCE)  # type: ignore[attr-defined]
    row.wait_bar = _bar(  # type: ignore[attr-defined]
        row.wait_change, figures.WAIT_CHANGE_REFERENCE, lower_is_better=True
    )
    return row


@login_required
@require_safe
def dashboard_page(request, centre_uuid):
    try:
        centre = access_centre_dashboard(actor=request.actor, centre_uuid=centre_uuid)
    except CentreNotFound as exc:
        raise Http404 from exc
    period = request.GET.get("period", "today")
    board = figures.centre_dashboard(centre, period)
    for row in [*board.windows, *board.clerks, board.total]:
        _decorate(row)
    ctx = {
        "centre": centre,
        "board": board,
        "total_rows": [board.total],
        "periods": [("today", _("今天")), ("week", _("本周")), ("month", _("本月"))],
        "accuracy_ref": figures.ACCURACY_REFERENCE,
        "spot_ref": figures.ON_THE_SPOT_REFERENCE,
        "wait_ref": figures.WAIT_CHANGE_REFERENCE,
    }
    return render(request, "frontdesk/dashboard_centre.html", ctx)
