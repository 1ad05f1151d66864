"""The supervisors' pages of assessments, rankings and circulars (docs/domain/supervision-assessments.md §6).
Every page is for supervisors (404 for anyone else); what each shows is narrowed by access.py: the rankings
and circulars of the offices inside the caller's subtree."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tongban.core.errors import DomainError, PermissionDenied
from tongban.supervision import circulars as circular_services
from tongban.supervision.access import (
    access_circular,
    circulars_visible,
    may_add_scheme,
    office_visible,
    offices_acted_for,
    offices_all,
    offices_visible,
)
from tongban.supervision.assessment_periods import Period, period_parse
from tongban.supervision.assessments import (
    first_allowed_start,
    ranking,
    rankings_visible,
    run_of,
    runs_recent,
    scheme_add,
    scheme_in_force,
    scheme_of,
    schemes_all,
)
from tongban.supervision.circulars import dim_words, figure_text
from tongban.supervision.constants import CircularStatus
from tongban.supervision.documents import circular_pdf, rankings_xlsx
from tongban.supervision.errors import AssessmentPeriodInvalid, SchemeBackdated
from tongban.supervision.models import AssessmentReport
from tongban.supervision.scoring import SCORABLE, figure_weights, ordered, value_text, weights_share

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _offices(request):
    """The offices the caller reads (404 for anyone but a supervisor)."""
    try:
        return offices_visible(request.actor)
    except PermissionDenied as exc:
        raise Http404 from exc


def _period_or_404(text: str) -> Period:
    try:
        return period_parse(text)
    except AssessmentPeriodInvalid as exc:
        raise Http404 from exc


def _chosen_period(request, runs) -> Period | None:
    text = request.GET.get("period", "")
    if text:
        try:
            return period_parse(text)
        except AssessmentPeriodInvalid:
            return None
    return Period(runs[0].period_kind, runs[0].period_start) if runs else None


def _file(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- rankings --------------------------------------------------------------------------------------------------
@login_required
def assessments(request):
    """考核排名: choose a period assessed and one of the caller's offices; each of its rankings with the rank,
    the change against the previous period, the score and the weighted figures; links to the sealed report
    (PDF), the workbook (XLSX) and the office's circular. Caller: a supervisor."""
    offices = _offices(request)
    runs = runs_recent()
    period = _chosen_period(request, runs)
    office = office_visible(request.actor, request.GET.get("office")) if offices else None
    if request.GET.get("office") and office is None:
        raise Http404
    run = run_of(period) if period else None
    tables = []
    heads: list = []
    circular = report = None
    if period is not None and run is not None and office is not None:
        names = ordered(scheme_of(period, run).weights)
        heads = [SCORABLE[n].label for n in names]
        for dim in office.dims:
            rows = ranking(period, office.path, dim)
            tables.append(
                {
                    "dim": dim,
                    "title": dim_words(dim, office),
                    "rows": [
                        {
                            "row": r,
                            "values": [(SCORABLE[n].label, value_text(n, r.figures.get(n))) for n in names],
                        }
                        for r in rows
                    ],
                }
            )
        same = {"period_kind": period.kind, "period_start": period.start, "scope_path": office.path}
        circular = circulars_visible(request.actor).filter(**same).first()
        report = AssessmentReport.objects.filter(**same).first()
    context = {
        "offices": offices,
        "office": office,
        "runs": [(Period(r.period_kind, r.period_start), r) for r in runs],
        "period": period,
        "run": run,
        "tables": tables,
        "heads": heads,
        "circular": circular,
        "report": report,
        "may_draft": office is not None
        and any(o.path == office.path for o in offices_acted_for(request.actor)),
        "may_add_scheme": may_add_scheme(request.actor),
    }
    return render(request, "supervision/assessments.html", context, status=200 if period or not runs else 404)


@login_required
def assessment_report_pdf(request, period_key: str, office_uuid):
    """The office's assessment report of the period, sealed with its seal by a task after the assessment
    (PDF). Until it is sealed, a page says so (404). Caller: a supervisor who reads the office."""
    _offices(request)
    period = _period_or_404(period_key)
    office = office_visible(request.actor, str(office_uuid))
    if office is None or run_of(period) is None:
        raise Http404
    report = AssessmentReport.objects.filter(
        period_kind=period.kind, period_start=period.start, scope_path=office.path
    ).first()
    if report is None:
        raise Http404
    if not report.document:
        context = {"period": period, "office": office, "back_url": _ranking_url(period, office.uuid)}
        return render(request, "supervision/report_pending.html", context, status=404)
    return _file(bytes(report.document), "application/pdf", f"assessment-{period.key}.pdf")


@login_required
def assessment_xlsx(request, period_key: str, office_uuid):
    """The office's rankings of the period as a workbook: sheet 排名 and sheet 指标. Caller: a supervisor who
    reads the office."""
    _offices(request)
    period = _period_or_404(period_key)
    office = office_visible(request.actor, str(office_uuid))
    if office is None or run_of(period) is None:
        raise Http404
    rankings = [r for r in rankings_visible(request.actor, period) if r[0].uuid == office.uuid]
    return _file(rankings_xlsx(period, rankings), XLSX, f"assessment-{period.key}.xlsx")


def _ranking_url(period: Period, office_uuid: str) -> str:
    return f"{reverse('supervision:assessments')}?period={period.key}&office={office_uuid}"


# --- schemes ---------------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def schemes(request):
    """考核方案: every version of the weights (the one in force today marked), and — for a city supervisor or a
    platform administrator — the form of a new version effective from the first day of a later month.
    Caller: a supervisor (404 for anyone else)."""
    _offices(request)
    today = timezone.localdate()
    error = None
    posted = request.POST if request.method == "POST" else None
    if posted is not None:
        try:
            effective = _month_start(posted.get("effective_from", ""))
            weights = {name: posted.get(f"w_{name}", "") for name in SCORABLE}
            made = scheme_add(
                actor=request.actor, effective_from=effective, weights=weights, note=posted.get("note", "")
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(
                request,
                _("已新增考核方案第%(version)d版，自%(day)s起施行")
                % {"version": made.version, "day": made.effective_from.isoformat()},
            )
            return redirect("supervision:schemes")
    in_force = scheme_in_force(today)
    earliest = first_allowed_start(today)
    rows = [
        {
            "scheme": s,
            "in_force": s.pk == in_force.pk,
            "weights": [
                (SCORABLE[n].label, w, round(share, 1))
                for n, (w, share) in (
                    (n, (s.weights[n], weights_share(s.weights)[n])) for n in ordered(s.weights)
                )
            ],
        }
        for s in schemes_all()
    ]
    current = {name: in_force.weights.get(name, "") for name in SCORABLE}
    context = {
        "rows": rows,
        "figures": [
            (name, spec.label, posted.get(f"w_{name}", "") if posted is not None else current[name])
            for name, spec in SCORABLE.items()
        ],
        "may_add": may_add_scheme(request.actor),
        "earliest": earliest.strftime("%Y-%m"),
        "effective_value": posted.get("effective_from", "")
        if posted is not None
        else earliest.strftime("%Y-%m"),
        "note": posted.get("note", "") if posted is not None else "",
        "error": error,
    }
    return render(request, "supervision/schemes.html", context, status=error.status if error else 200)


def _month_start(text: str) -> date:
    """``2027-01`` (the form's month field) or ``2027-01-01`` as the first day of that month."""
    text = (text or "").strip()
    try:
        if len(text) == 7:
            return date.fromisoformat(text + "-01")
        return date.fromisoformat(text)
    except ValueError as exc:
        raise SchemeBackdated(field="effective_from") from exc


# --- circulars -------------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def circulars(request):
    """考核通报: the circulars of the caller's offices, newest first; POST ``period`` and ``office`` drafts the
    office's circular of an assessed period (or opens the one there is). Caller: a supervisor; drafting: a
    supervisor of that office."""
    offices = _offices(request)
    error = None
    if request.method == "POST":
        try:
            period = period_parse(request.POST.get("period", ""))
            office = next(
                (o for o in offices_acted_for(request.actor) if o.uuid == request.POST.get("office")), None
            )
            circular = circular_services.circular_draft(
                actor=request.actor, period=period, scope_path=office.path if office else ""
            )
        except DomainError as exc:
            error = exc
        else:
            return redirect("supervision:circular", circular_uuid=circular.uuid)
    rows = list(circulars_visible(request.actor).order_by("-period_start", "period_kind", "scope_path")[:200])
    runs = runs_recent()
    context = {
        "rows": [{"circular": c, "period": Period(c.period_kind, c.period_start)} for c in rows],
        "offices": offices,
        "own_offices": offices_acted_for(request.actor),
        "periods": [Period(r.period_kind, r.period_start) for r in runs],
        "error": error,
        "posted": request.POST if request.method == "POST" else None,
    }
    return render(request, "supervision/circulars.html", context, status=error.status if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def circular(request, circular_uuid):
    """One circular: its text, the units it commends and criticises; for a supervisor of its office while it is a
    draft, the form to edit it (``action=save``), to draft it again from the current results (``redraft``) and
    to issue it (``issue``). Caller: a supervisor who reads its office (404 for anyone else)."""
    _offices(request)
    try:
        item = access_circular(actor=request.actor, circular_uuid=circular_uuid)
    except DomainError as exc:
        raise Http404 from exc
    error = None
    posted = request.POST if request.method == "POST" else None
    if posted is not None:
        action = posted.get("action", "")
        try:
            if action == "save":
                circular_services.circular_edit(
                    actor=request.actor,
                    circular=item,
                    title=posted.get("title", ""),
                    text=posted.get("text", ""),
                )
                messages.success(request, _("通报草稿已保存"))
            elif action == "redraft":
                circular_services.circular_redraft(actor=request.actor, circular=item)
                messages.success(request, _("已按最新考核结果重新起草"))
            elif action == "issue":
                circular_services.circular_issue(actor=request.actor, circular=item)
                messages.success(request, _("通报已印发，正在加盖电子印章"))
            else:
                raise Http404
        except DomainError as exc:
            error = exc
        else:
            return redirect("supervision:circular", circular_uuid=item.uuid)
        item.refresh_from_db()
    period = Period(item.period_kind, item.period_start)
    run = run_of(period)
    office = next((o for o in offices_all() if o.path == item.scope_path), None)

    def named(units: list[dict]) -> list[dict]:  # what each is ranked among, in the page's language
        return [{**u, "ranking": dim_words(u["dim"], office) if office else ""} for u in units]

    context = {
        "circular": item,
        "period": period,
        "may_act": any(o.path == item.scope_path for o in offices_acted_for(request.actor)),
        "stale": run is not None and run.computed_at > item.drafted_from and not item.is_issued,
        "commended": named(item.units.get("commended", [])),
        "criticised": [
            {
                **u,
                "figures_text": "、".join(
                    figure_text(n, u["figures"][n])
                    for n in ordered(figure_weights(u.get("figures") or {}))
                    if u["figures"][n].get("value") is not None
                ),
            }
            for u in named(item.units.get("criticised", []))
        ],
        "error": error,
        "title_value": posted.get("title", item.title) if posted is not None and error else item.title,
        "text_value": posted.get("text", item.text) if posted is not None and error else item.text,
        "ranking_url": _ranking_url(period, item.office_uuid),
    }
    return render(request, "supervision/circular.html", context, status=error.status if error else 200)


@login_required
def circular_document(request, circular_uuid):
    """The circular as PDF: an issued one only sealed (a page says it is being sealed until the task has done
    it, 404); a draft as an unsealed preview marked 草稿. Caller: a supervisor who reads its office."""
    _offices(request)
    try:
        item = access_circular(actor=request.actor, circular_uuid=circular_uuid)
    except DomainError as exc:
        raise Http404 from exc
    period = Period(item.period_kind, item.period_start)
    if item.status == CircularStatus.DRAFT:
        return _file(circular_pdf(item).pdf, "application/pdf", f"circular-{period.key}-draft.pdf")
    if not item.document:
        context = {"circular": item, "back_url": reverse("supervision:circular", args=[item.uuid])}
        return render(request, "supervision/circular_pending.html", context, status=404)
    return _file(bytes(item.document), "application/pdf", f"circular-{period.key}.pdf")
