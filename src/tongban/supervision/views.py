"""The supervisors' dashboards (监督考核, issue 19 §1): the figures of their scope and of its units over a
period (``/supervision/figures/``), one unit (``/supervision/units/<dim>/<key>/``) and the cases and tickets
behind a unit's figure (``…/cases/``, ``…/tickets/``). Every page reads the daily roll-ups (figures.py) on
the read database, never the raw rows — except the drill-down lists, which read those rows through the owning
contexts' facades. Caller of every page: a supervisor (404 for anyone else, and for a unit outside their
organisation paths; the API answers 403)."""

from __future__ import annotations

from typing import NoReturn

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from tongban.core.errors import DomainError, NotFound
from tongban.supervision import dashboard as board
from tongban.supervision.access import access_unit, supervision_scope
from tongban.supervision.constants import Dim
from tongban.supervision.drilldown import LIST_CAP, cases_behind, drill_figure, shortfall, tickets_behind
from tongban.supervision.figures import daily_series, one_unit, total_figures, unit_figures
from tongban.supervision.periods import CUSTOM, PERIOD_CHOICES, dimension_from, period_from

UNITS_PAGE = 50
DRILL_PAGE = 20


def _refused(exc: DomainError) -> NoReturn:
    """The page's answer to an access function's refusal (403 for anyone but a supervisor, 404 for a unit
    outside their paths): the 404 page, as for the other staff pages (supervision.md §1)."""
    raise Http404 from exc


def _period_links(base: str, current, extra: dict) -> list[dict]:
    """本月 / 上月 / 本季度, as links keeping the other choices."""
    return [
        {
            "label": label,
            "url": f"{base}?{urlencode({'period': kind, **extra})}",
            "current": current is not None and current.kind == kind,
        }
        for kind, label in PERIOD_CHOICES
        if kind != CUSTOM
    ]


def _period(request):
    g = request.GET
    return period_from(g.get("period", ""), g.get("from", ""), g.get("to", ""), today=timezone.localdate())


def _form(request, period=None) -> dict:
    """What the period form shows: the dates asked for (or those of the period shown)."""
    g = request.GET
    return {
        "from": period.start.isoformat() if period else g.get("from", ""),
        "to": period.end.isoformat() if period else g.get("to", ""),
        "dim": g.get("dim", ""),
    }


@login_required
def dashboard(request):
    """监督考核: the totals of the supervisor's scope as cards (against the period before), the units of a
    dimension with their figures (red where 按期办结率 < 90 % or a case turned red), and charts."""
    try:
        scope = supervision_scope(request.actor)
    except DomainError as exc:
        _refused(exc)
    context: dict = {"dims": Dim.choices, "error": None}
    try:
        period = _period(request)
        dim = dimension_from(request.GET.get("dim", ""))
    except DomainError as exc:
        context.update(
            error=exc,
            form=_form(request),
            period_links=_period_links(request.path, None, {"dim": request.GET.get("dim", "")}),
        )
        return render(request, "supervision/dashboard.html", context, status=exc.status)
    total = total_figures(scope=scope, start=period.start, end=period.end)
    previous = total_figures(scope=scope, start=period.previous[0], end=period.previous[1])
    units = unit_figures(scope=scope, dim=dim, start=period.start, end=period.end)
    page = Paginator(board.table_rows(units, dim, period.start, period.end), UNITS_PAGE).get_page(
        request.GET.get("page")
    )
    series = daily_series(scope=scope, start=period.start, end=period.end)
    context.update(
        period=period,
        previous=period.previous,
        dim=dim,
        dim_label=Dim(dim).label,
        form=_form(request, period) | {"dim": dim},
        period_links=_period_links(request.path, period, {"dim": dim}),
        cards=board.cards(total, previous, start=period.start, end=period.end),
        columns=board.table_columns(dim),
        page=page,
        unit_count=len(units),
        red_count=sum(1 for r in page.paginator.object_list if r["red"]),
        has_red=board.has_cases(dim),
        charts=board.unit_charts(units, dim, period) + board.daily_charts(series, board.ALL_GROUPS, period),
        querystring=urlencode({"from": period.start.isoformat(), "to": period.end.isoformat(), "dim": dim}),
    )
    return render(request, "supervision/dashboard.html", context)


def _unit_or_refuse(request, dim: str, key: str):
    try:
        return access_unit(actor=request.actor, dim=dim, unit_key=key)
    except DomainError as exc:
        _refused(exc)


@login_required
def unit(request, dim: str, key: str):
    """One unit: its figures (against the period before), its daily charts, and the links to the cases and
    tickets behind its shortfalls."""
    found = _unit_or_refuse(request, dim, key)
    context: dict = {"unit": found, "dim_label": Dim(dim).label, "error": None}
    try:
        period = _period(request)
    except DomainError as exc:
        context.update(error=exc, form=_form(request), period_links=_period_links(request.path, None, {}))
        return render(request, "supervision/unit.html", context, status=exc.status)
    figures = one_unit(scope=found.scope, dim=dim, unit_key=key, start=period.start, end=period.end)
    previous = one_unit(
        scope=found.scope, dim=dim, unit_key=key, start=period.previous[0], end=period.previous[1]
    )
    groups = board.DIM_GROUPS[dim]
    series = daily_series(scope=found.scope, start=period.start, end=period.end, dim=dim, unit_key=key)
    context.update(
        period=period,
        previous=period.previous,
        form=_form(request, period),
        period_links=_period_links(request.path, period, {}),
        cards=board.cards(
            figures, previous, groups=groups, dim=dim, key=key, start=period.start, end=period.end
        ),
        red=board.has_cases(dim) and board.is_red(figures),
        has_red=board.has_cases(dim),
        charts=board.daily_charts(series, groups, period, prefix="unit"),
        back_url=reverse("supervision:dashboard")
        + "?"
        + board.period_query(period.start, period.end, dim=dim),
    )
    return render(request, "supervision/unit.html", context)


def _drill(request, dim: str, key: str, family: str):
    found = _unit_or_refuse(request, dim, key)
    context: dict = {"unit": found, "dim_label": Dim(dim).label, "family": family, "error": None}
    try:
        figure = drill_figure(family, request.GET.get("figure", ""), dim)
        period = _period(request)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        context["error"] = exc
        return render(request, "supervision/drill.html", context, status=exc.status)
    kwargs = {
        "actor": request.actor,
        "unit": found,
        "figure": figure.name,
        "start": period.start,
        "end": period.end,
    }
    try:
        if family == "cases":
            rows = cases_behind(**kwargs)
        else:
            rows = tickets_behind(**kwargs, today=timezone.localdate())
    except DomainError as exc:
        _refused(exc)
    page = Paginator(rows, DRILL_PAGE).get_page(request.GET.get("page"))
    counted = one_unit(scope=found.scope, dim=dim, unit_key=key, start=period.start, end=period.end)
    query = {"from": period.start.isoformat(), "to": period.end.isoformat(), "figure": figure.name}
    context.update(
        figure=figure,
        period=period,
        page=page,
        counted=shortfall(counted, figure.name),
        cap=LIST_CAP,
        querystring=urlencode(query),
        unit_url=board.unit_url(dim, key, period.start, period.end),
    )
    return render(request, "supervision/drill.html", context)


@login_required
def unit_cases(request, dim: str, key: str):
    """The cases behind a unit's figure: ``figure`` turned_red | concluded_late | refused | supplemented over
    ``from``–``to``; each links to the staff case page (supervisors may read it)."""
    return _drill(request, dim, key, "cases")


@login_required
def unit_tickets(request, dim: str, key: str):
    """The 差评 tickets behind a unit's figure: ``figure`` bad_due_unfixed | not_revisited over
    ``from``–``to``; each links to the staff ticket page."""
    return _drill(request, dim, key, "tickets")
