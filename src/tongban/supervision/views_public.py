"""The public 好差评 results (`/ratings/public/…`; docs/domain/supervision-public.md): anyone, no login. The
figures come from the cache or the daily roll-ups (public.py), the review texts masked from ratings."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from tongban.ratings.facade import Level
from tongban.supervision.errors import SupervisionPeriodInvalid
from tongban.supervision.public import (
    PUBLIC_KINDS,
    REVIEWS_SHOWN,
    SORTS,
    Period,
    PublicUnit,
    percent_text,
    period_choices,
    period_parse,
    public_unit_page,
    public_units,
    star_glyphs,
    stars_text,
    units_find,
)

PAGE_SIZE = 20
QUERY_MAX = 50


def period_label(key: str) -> str:
    """近 12 个月, 2026 年, 2026 年 3 月."""
    if key == "12m":
        return _("近 12 个月")
    if len(key) == 4:
        return _("%(year)s 年") % {"year": key}
    return _("%(year)s 年 %(month)s 月") % {"year": key[:4], "month": int(key[5:])}


def _period(request) -> tuple[Period, str | None]:
    """The period asked for, or the last 12 months with the reason when it cannot be used."""
    try:
        return period_parse(request.GET.get("period")), None
    except SupervisionPeriodInvalid as exc:
        return period_parse(None), str(exc.message)


def _row(unit: PublicUnit) -> dict:
    return {
        "uuid": unit.uuid,
        "kind": unit.kind,
        "name": unit.name or _("（未命名）"),
        "evaluations": unit.evaluations,
        "good": unit.good,
        "bad": unit.bad,
        "stars": stars_text(unit.stars),
        "glyphs": star_glyphs(unit.stars),
        "good_rate": percent_text(unit.good_rate),
    }


def _common(request, period: Period, error: str | None) -> dict:
    choices = period_choices()
    if period.key not in choices:
        choices.append(period.key)
    return {
        "period": period,
        "period_label": period_label(period.key),
        "period_choices": [(key, period_label(key)) for key in choices],
        "period_error": error,
        "cache_minutes": max(1, settings.TONGBAN_PUBLIC_RATINGS_CACHE_SECONDS // 60),
    }


def public_list(request):
    """The list of departments, items or service centres (``kind``) with their stars, valid evaluations and
    好评率 over the period, searchable by name (``q``), sortable (``sort``), 20 a page. Anyone."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in PUBLIC_KINDS else "department"
    period, error = _period(request)
    query = request.GET.get("q", "").strip()[:QUERY_MAX]
    sort = request.GET.get("sort", "")
    sort = sort if sort in SORTS else "count"
    units = units_find(public_units(kind, period), query=query, sort=sort)
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/public_list.html",
        {
            **_common(request, period, error),
            "kind": kind,
            "query": query,
            "sort": sort,
            "page": page,
            "rows": [_row(u) for u in page.object_list],
            "querystring": urlencode({"kind": kind, "period": period.key, "q": query, "sort": sort}),
        },
    )


def public_unit(request, kind: str, unit_uuid):
    """One department's, item's or service centre's figures over the period, the items of a department (the
    windows of a centre) with theirs, and the unit's newest review texts, masked. Anyone; 404 for a unit
    the roll-ups have never counted."""
    period, error = _period(request)
    page = public_unit_page(kind, unit_uuid, period)
    if page is None:
        raise Http404
    levels = dict(Level.choices)
    reviews = [
        {
            "level": r.level,
            "level_label": levels.get(r.level, ""),
            "glyphs": star_glyphs(r.level),
            "day": r.day,
            "text": r.text,
            "anonymous": r.anonymous,
            "kind": r.kind,
            "answered": r.answered,
        }
        for r in page.reviews
    ]
    return render(
        request,
        "supervision/public_unit.html",
        {
            **_common(request, period, error),
            "kind": kind,
            "unit": _row(page.unit),
            "children": [_row(u) for u in page.children],
            "child_kind": "item" if kind == "department" else "window",
            "reviews": reviews,
            "reviews_max": REVIEWS_SHOWN,
        },
    )
