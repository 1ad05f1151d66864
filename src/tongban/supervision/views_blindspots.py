"""The service blind-spot pages (查找服务盲区, issue 19 §4): a month's report for the supervisor's scope
(``/supervision/blind-spots/?month=YYYY-MM``) and the reviews behind one theme
(``/supervision/blind-spots/themes/<theme>/?month=&source=reviews|complaints``). Both read the reports a
task computed (blindspots.py), never the raw rows."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.http import urlencode

from tongban.core.audit import audit_record
from tongban.core.errors import DomainError, PermissionDenied
from tongban.supervision.access import supervision_scope
from tongban.supervision.blindspots import (
    THEME_PAGE_SIZE,
    blind_spots_view,
    parse_month,
    previous_month,
    theme_view,
    this_month,
)
from tongban.supervision.models import BlindSpotKind

SOURCES = (BlindSpotKind.REVIEWS, BlindSpotKind.COMPLAINTS)


def _scope(request) -> list[str]:
    """The supervisor's organisation paths; 404 for anyone else (supervision.md §1: pages answer 404)."""
    try:
        return supervision_scope(request.actor)
    except PermissionDenied as exc:
        raise Http404 from exc


def _page_number(value: str | None) -> int:
    try:
        return max(int(value or 1), 1)
    except ValueError:
        return 1


@login_required
def blind_spots(request):
    """服务盲区 of a month: searches with no result, the items with the most returns, supplement requests and
    refusals and why, the themes of 差评 and of 12345 complaints, each against the month before. Caller: a
    supervisor, for their scope (404 for anyone else); a bad month is the page with the error (422)."""
    paths = _scope(request)
    current = this_month()
    context = {"max_month": f"{current:%Y-%m}", "month_value": request.GET.get("month", "")}
    try:
        month = parse_month(request.GET.get("month"))
    except DomainError as exc:
        return render(request, "supervision/blind_spots.html", {**context, "error": exc}, status=exc.status)
    sections = blind_spots_view(paths, month)
    context.update(
        month=month,
        month_value=f"{month:%Y-%m}",
        previous=previous_month(month),
        current=month == current,
        searches=sections[BlindSpotKind.SEARCHES],
        items=sections[BlindSpotKind.ITEMS],
        reviews=sections[BlindSpotKind.REVIEWS],
        complaints=sections[BlindSpotKind.COMPLAINTS],
        computed_at=min((s.computed_at for s in sections.values() if s.computed_at), default=None),
    )
    return render(request, "supervision/blind_spots.html", context)


@login_required
def blind_spot_theme(request, theme: str):
    """The 差评 (``source=reviews``, the default) or 12345 complaints (``source=complaints``) behind a theme of a
    month's report, newest first, 50 a page, masked, each linked to its ticket. Caller: a supervisor, for
    their scope (404 for anyone else, and for a theme the month does not have there). Audited
    (``supervision.blind_spot_theme_read``): the texts are people's words."""
    paths = _scope(request)
    source = request.GET.get("source", BlindSpotKind.REVIEWS)
    if source not in SOURCES:
        source = BlindSpotKind.REVIEWS
    try:
        month = parse_month(request.GET.get("month"))
    except DomainError as exc:
        context = {"error": exc, "theme": theme, "source": source}
        return render(request, "supervision/blind_spot_theme.html", context, status=exc.status)
    number = _page_number(request.GET.get("page"))
    found = theme_view(paths, month, source, theme, number)
    if found is None:
        raise Http404
    audit_record(
        actor=request.actor,
        action="supervision.blind_spot_theme_read",
        object_type="blind_spot_theme",
        object_id=theme[:100],
        after={"month": f"{month:%Y-%m}", "source": source, "page": number, "shown": len(found.texts)},
        org_path=paths[0],
    )
    pages = max((found.total + THEME_PAGE_SIZE - 1) // THEME_PAGE_SIZE, 1)
    query = {"month": f"{month:%Y-%m}", "source": source}
    return render(
        request,
        "supervision/blind_spot_theme.html",
        {
            "theme": theme,
            "source": source,
            "month": month,
            "page": found,
            "number": number,
            "pages": pages,
            "querystring": urlencode(query),
            "report_query": urlencode({"month": f"{month:%Y-%m}"}),
            "first": (number - 1) * THEME_PAGE_SIZE + 1,
        },
    )
