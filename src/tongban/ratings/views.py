"""The 一事一评 page of a case (`/ratings/cases/<uuid>/`): its applicant side rates it once it has ended."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.cases.facade import CaseNotFound
from tongban.core.errors import DomainError
from tongban.ratings import services
from tongban.ratings.access import (
    access_case_to_rate,
    require_may_rate_case,
    require_rating_allowed,
    tickets_of_person,
)
from tongban.ratings.board import marks_of
from tongban.ratings.channels import browser_channel, device_cookie_ensure, device_key
from tongban.ratings.constants import BAD_LEVELS, TEXT_MAX, Level, TicketKind
from tongban.ratings.invitations import invitations_set
from tongban.ratings.selectors import (
    cases_awaiting_rating,
    evaluations_of_case_by,
    evaluations_of_evaluator,
    invitations_enabled,
)


@login_required
def case_rate(request, case_uuid):
    """GET: the form (or the evaluations given); POST: one evaluation. Caller: the case's applicant side."""
    try:
        case = access_case_to_rate(actor=request.actor, case_uuid=case_uuid)
    except CaseNotFound as exc:
        raise Http404 from exc
    channel = browser_channel(request)
    error = None
    posted = request.POST if request.method == "POST" else None
    status = 200
    try:
        require_may_rate_case(request.actor, case)
        if posted is not None:
            device = device_key(request)
            require_rating_allowed(request.actor, request.client_ip, device)
            services.evaluate_case(
                actor=request.actor,
                case=case,
                round=posted.get("round"),
                level=posted.get("level"),
                indicators=posted.getlist("indicators"),
                text=posted.get("text", ""),
                anonymous=posted.get("anonymous") == "1",
                channel=channel,
                device=device,
                address=request.client_ip,
            )
            messages.success(request, _("感谢您的评价"))
            return device_cookie_ensure(request, redirect("ratings:case", case_uuid=case.uuid))
    except DomainError as exc:
        error, status = exc, exc.status
    context = rate_form_context(request.actor, case, channel, error=error, posted=posted)
    return device_cookie_ensure(request, render(request, "ratings/case_rate.html", context, status=status))


def rate_form_context(actor, case, channel: str, *, error, posted, done: bool = False) -> dict:
    """What the evaluation form (ratings/_rate_form.html) shows of a case for ``actor``: their evaluations,
    the round they may give next, the levels and the channel's indicators."""
    given = evaluations_of_case_by(actor, case.uuid)
    return {
        "case": case,
        "given": given,
        "next_round": services.next_round(given),
        "levels": Level.choices,
        "bad_levels": [int(level) for level in BAD_LEVELS],
        "indicators": services.indicator_choices(channel),
        "text_max": TEXT_MAX,
        "error": error,
        "posted": posted,
        "done": done,
        "may_rate": case.ended and not case.staff_involved and not done,
    }


@login_required
def my_evaluations(request):
    """我的评价: the evaluator's own evaluations, each with its 整改 ticket and the mark an appeal or a check
    left on it; their 12345 tickets; the ended cases they were invited to rate and have not; and the switch of
    the rating invitations. Caller: any signed-in user (they see only their own)."""
    evaluations = list(evaluations_of_evaluator(request.actor).select_related("ticket")[:100])
    marks = marks_of([e.pk for e in evaluations], staff=False)
    tickets = {str(t.uuid): t for t in tickets_of_person(request.actor)[:200]}
    rows = []
    for evaluation in evaluations:
        ticket = getattr(evaluation, "ticket", None) or tickets.get(str(evaluation.subject_uuid))
        rows.append({"evaluation": evaluation, "ticket": ticket, "mark": marks.get(evaluation.pk)})
    hotline = [t for t in tickets.values() if t.kind != TicketKind.BAD_REVIEW]
    context = {
        "rows": rows,
        "hotline": hotline,
        "awaiting": cases_awaiting_rating(request.actor)[:50],
        "invitations_on": invitations_enabled(request.actor),
    }
    return render(request, "ratings/mine.html", context)


@login_required
@require_POST
def invitations_switch(request):
    """POST ``enabled`` 1 or 0: turn the caller's own rating invitations on or off (ratings.md §3). Caller:
    any signed-in user, for themselves."""
    enabled = request.POST.get("enabled") == "1"
    invitations_set(request.actor.require_user_id(), enabled=enabled)
    messages.success(request, _("已开启评价邀请") if enabled else _("已关闭评价邀请"))
    return redirect("ratings:mine")
