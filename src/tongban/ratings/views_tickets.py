"""The pages of the bad-review loop and of tickets (docs/domain/ratings.md §5, §6, §9): the person follows their
own ticket and rates the revisit (`/ratings/tickets/<uuid>/`); the unit's handlers work theirs in a console
(`/ratings/handling/`, one ticket at `/ratings/handling/<uuid>/`); the supervisors watch the 100 % figure,
the 督办 tickets, appeals and suspect evaluations (`/ratings/supervision/`). Each view states who may open it;
every POST goes to a service and redirects, or shows the page again with the error in Chinese and its 4xx."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import F
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tongban.accounts.facade import Role
from tongban.core.actors import SYSTEM
from tongban.core.audit import audit_record
from tongban.core.errors import DomainError
from tongban.core.identifiers import mask_phone
from tongban.core.workdays import working_days_between
from tongban.ratings import appeals as appeal_services
from tongban.ratings import board
from tongban.ratings import tickets as loop
from tongban.ratings.access import (
    HANDLER_ROLES,
    access_appeal_to_decide,
    access_ticket_for_person,
    access_ticket_for_staff,
    require_rating_allowed,
    require_ticket_role,
    tickets_visible_to_staff,
)
from tongban.ratings.channels import browser_channel
from tongban.ratings.constants import (
    CLOSED_STATUSES,
    CONTACT_KINDS,
    EVIDENCE_MAX_FILES,
    INDICATOR_TEMPLATES,
    OUTCOMES,
    AppealReason,
    AppealStatus,
    Channel,
    Level,
    MarkKind,
    RevisitLevel,
    TicketKind,
    TicketStatus,
)
from tongban.ratings.errors import RatingError, RatingInvalid, TicketNotFound
from tongban.ratings.masking import mask_free_text
from tongban.ratings.models import Ticket, TicketEvent
from tongban.ratings.transfers import transfer_step_title

PAGE_SIZE = 20
LIST_LIMIT = 100
# Who does which step of a ticket (our choice, ratings.md §5–§7): the unit's handlers work it; the revisit of
# a call is recorded by a supervisor or a 12345 operator, never by the unit that is rated.
HANDLER_STEPS = frozenset({"contact", "triage", "answer", "appeal", "reroute"})
CALL_STEPS = frozenset({"revisit", "attempt"})
STEP_ROLES = {
    **{step: (Role.RATING_HANDLER,) for step in HANDLER_STEPS},
    **{step: (Role.SUPERVISOR, Role.HOTLINE_OPERATOR) for step in CALL_STEPS},
    "extend": (Role.SUPERVISOR,),  # 延期: granted by a supervisor over the unit, once
}
LIMIT_NAMES = {
    "contact": gettext_lazy("联系时限"),
    "answer": gettext_lazy("答复时限"),
    "answer_paused": gettext_lazy("答复时限（申诉复核中，暂停计时）"),
    "revisit": gettext_lazy("回访时限"),
}
LIGHT_NAMES = {"red": gettext_lazy("超期"), "yellow": gettext_lazy("预警"), "green": gettext_lazy("正常")}
INDICATOR_NAMES = {
    code: label
    for template in INDICATOR_TEMPLATES.values()
    for indicators in template.values()
    for code, label in indicators
}


# --- the steps of a ticket, as phrases ---------------------------------------------------------------------
HIDDEN_FROM_PERSON = frozenset({"overdue", "supervised", "reroute_requested", "merged_from"})


def _date(value) -> str:
    if not value:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _step_title(event: TicketEvent, ticket: Ticket, *, staff: bool) -> str:
    data, kind = event.data or {}, event.kind
    transferred = transfer_step_title(event, staff=staff)
    if transferred is not None:
        return transferred
    if kind == "received":
        if ticket.kind == TicketKind.BAD_REVIEW:
            return _("差评已受理，转为整改工单")
        return _("诉求已受理")
    if kind == "routed":
        if staff and data.get("frm"):
            return _("由 %(frm)s 转派至 %(to)s") % {"frm": data.get("frm"), "to": data.get("to", "")}
        return _("已转交承办单位：%(unit)s") % {"unit": data.get("to", "")}
    if kind == "contacted":
        if staff:
            return _("已联系诉求人，开始核实")
        return _("承办单位已与您联系，正在核实")
    if kind == TicketStatus.FIXED_AT_ONCE:
        return _("核实结论：立行立改")
    if kind == TicketStatus.LEDGER:
        return _("核实结论：建立台账，限期整改（整改期限 %(due)s）") % {"due": _date(data.get("ledger_due"))}
    if kind == TicketStatus.EXPLAINED:
        return _("核实结论：解释说明")
    if kind == "answered":
        return _("承办单位已答复")
    if kind == "revisited":
        level = _revisit_level_name(data.get("level"))
        if data.get("channel") == Channel.PHONE:
            return _("电话回访，评价：%(level)s") % {"level": level}
        return _("回访评价：%(level)s") % {"level": level}
    if kind == "reopened":
        return _("回访不满意，重新核实办理")
    if kind == "closed":
        return _("工单已办结")
    if kind == "closed_unreachable":
        return _("三次回访均未联系上，工单关闭")
    if kind == "revisit_attempt":
        return _("回访来电未接通")
    if kind == "overdue":
        limit = {
            "rating_contact_overdue": LIMIT_NAMES["contact"],
            "rating_answer_overdue": LIMIT_NAMES["answer"],
            "rating_revisit_overdue": LIMIT_NAMES["revisit"],
        }.get(data.get("rule"), "")
        return _("超过%(limit)s（%(due)s），列入督办") % {"limit": limit, "due": _date(data.get("due"))}
    if kind == "supervised":
        return _("列入督办")
    if kind == "reroute_requested":
        return _("承办单位申请改派")
    if kind == "merged":
        return _("已合并至工单 %(number)s") % {"number": data.get("into", "")}
    if kind == "merged_from":
        return _("合并了重复工单 %(number)s") % {"number": data.get("duplicate", "")}
    if kind == "appeal_filed":
        if staff:
            return _("提出申诉复核（%(reason)s）") % {"reason": _appeal_reason_name(data.get("reason"))}
        return _("被评价单位提出申诉复核")
    if kind == "appeal_decided":
        if data.get("upheld"):
            return _("申诉复核：申诉成立，该评价保留但不计入统计")
        return _("申诉复核：申诉不成立，整改继续")
    if kind == "extended":
        return _("答复时限延长 %(days)s 个工作日，至 %(due)s") % {
            "days": data.get("days", ""),
            "due": data.get("due", ""),
        }
    return kind


def _revisit_level_name(value) -> str:
    try:
        return str(RevisitLevel(int(value)).label)
    except (TypeError, ValueError):
        return ""


def _appeal_reason_name(value) -> str:
    try:
        return str(AppealReason(value).label)
    except ValueError:
        return ""


# The person sees what the unit concluded and answered, and the supervisor's decision; not the unit's notes
# of a call, nor the text of its appeal (ratings.md §5, §6).
TEXT_FOR_PERSON = frozenset({*OUTCOMES, "answered", "revisited", "appeal_decided", "transfer_status"})


def ticket_steps(ticket: Ticket, *, staff: bool) -> list[dict]:
    """The history of a ticket as translated phrases with their dates; staff also see who did each step
    (the evaluator never sees the handler's name) and every text, masked."""
    steps = []
    for event in ticket.events.all():
        if not staff and event.kind in HIDDEN_FROM_PERSON:
            continue
        shown = staff or event.kind in TEXT_FOR_PERSON
        text = (mask_free_text(event.text) if staff else event.text) if shown else ""
        steps.append(
            {
                "at": event.created_at,
                "kind": event.kind,
                "title": _step_title(event, ticket, staff=staff),
                "text": text,
                "who": (_("系统") if event.actor_label == SYSTEM.label else event.actor_label)
                if staff
                else "",
            }
        )
    return steps


def _light_row(ticket: Ticket, today: date) -> dict:
    limit, due = loop.pending_limit(ticket)
    light = loop.light_of(ticket, today)
    return {
        "limit": LIMIT_NAMES.get(limit, ""),
        "due": due,
        "light": light,
        "light_name": LIGHT_NAMES[light],
        "provisional": loop.due_is_provisional(ticket),
        "days_overdue": working_days_between(due, today) if due and today > due else 0,
    }


# --- the person's ticket -------------------------------------------------------------------------------------
@login_required
def ticket_page(request, ticket_uuid):
    """The person's own ticket (their 差评's or their 12345 one): its steps and dates, never the handler's
    name; the answer; the revisit form once answered. Caller: the ticket's person only (404 for anyone)."""
    try:
        ticket = access_ticket_for_person(actor=request.actor, ticket_uuid=ticket_uuid)
    except TicketNotFound as exc:
        raise Http404 from exc
    error, status = None, 200
    posted = request.POST if request.method == "POST" else None
    if posted is not None:
        try:
            _person_revisit(request, ticket, posted)
            messages.success(request, _("感谢您的评价"))
            return redirect("ratings:ticket", ticket_uuid=ticket.uuid)
        except DomainError as exc:
            error, status = exc, exc.status
            ticket.refresh_from_db()
    evaluation = ticket.evaluation
    marks = board.marks_of([evaluation.pk], staff=False) if evaluation else {}
    main = ticket.merged_into if ticket.status == TicketStatus.MERGED else None
    context = {
        "ticket": ticket,
        "evaluation": evaluation,
        "mark": marks.get(evaluation.pk) if evaluation else None,
        "indicators": [
            INDICATOR_NAMES.get(code, code) for code in (evaluation.indicators if evaluation else [])
        ],
        "steps": ticket_steps(ticket, staff=False),
        "main": main,
        "transfer": ticket.transfer if ticket.transfer_direction else None,
        "may_revisit": ticket.status == TicketStatus.ANSWERED,
        "revisit_levels": _revisit_choices(ticket),
        "error": error,
        "posted": posted,
    }
    return render(request, "ratings/ticket.html", context, status=status)


def _revisit_choices(ticket: Ticket):
    """A 差评's fix is rated on the three revisit levels; a 12345 answer on the five (ratings.md §5, §7)."""
    return RevisitLevel.choices if ticket.kind == TicketKind.BAD_REVIEW else Level.choices


def _person_revisit(request, ticket: Ticket, posted) -> None:
    channel = browser_channel(request)
    if ticket.kind == TicketKind.BAD_REVIEW:
        loop.ticket_revisit(
            actor=request.actor,
            ticket=ticket,
            level=posted.get("level"),
            text=posted.get("text", ""),
            channel=channel,
        )
        return
    require_rating_allowed(request.actor, request.client_ip)
    loop.ticket_rate_answer(
        actor=request.actor,
        ticket=ticket,
        level=posted.get("level"),
        text=posted.get("text", ""),
        channel=channel,
    )


# --- the handler console -------------------------------------------------------------------------------------
def _require_roles(request, roles) -> None:
    if not request.actor.org_paths(set(roles)):
        raise Http404


@login_required
def handling(request):
    """差评处置: the tickets of the actor's units, filtered by status and light, the most urgent limit first.
    Caller: a 差评处置人员 or a supervisor (404 for anyone else)."""
    _require_roles(request, HANDLER_ROLES)
    today = timezone.localdate()
    status = request.GET.get("status", "")
    status = status if status in {"all", "closed", *TicketStatus.values} else ""
    light = request.GET.get("light", "")
    light = light if light in LIGHT_NAMES else ""
    tickets = tickets_visible_to_staff(request.actor, HANDLER_ROLES)
    if status == "":
        tickets = tickets.exclude(status__in=CLOSED_STATUSES)
    elif status == "closed":
        tickets = tickets.filter(status__in=CLOSED_STATUSES)
    elif status != "all":
        tickets = tickets.filter(status=status)
    tickets = board.with_light(tickets, light, today).order_by(
        F("pending_due").asc(nulls_last=True), "received_on", "id"
    )
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"ticket": t, **_light_row(t, today)} for t in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "ratings/handling.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "light": light,
            "statuses": TicketStatus.choices,
            "lights": LIGHT_NAMES.items(),
            "querystring": params.urlencode(),
        },
    )


def _has_step_role(actor, ticket: Ticket, step: str) -> bool:
    try:
        require_ticket_role(actor, ticket, *STEP_ROLES[step])
    except DomainError:
        return False
    return True


def allowed_steps(actor, ticket: Ticket) -> set[str]:
    """The steps whose form the page shows: those the ticket's state allows and the actor's role allows (the
    services check both again on POST)."""
    status, steps = ticket.status, set()
    if status == TicketStatus.RECEIVED and ticket.kind in CONTACT_KINDS:
        steps.add("contact")
    if status == TicketStatus.VERIFYING:
        steps.add("triage")
    answerable = status in OUTCOMES if ticket.kind in CONTACT_KINDS else status == TicketStatus.RECEIVED
    if answerable and ticket.paused_since is None:
        steps.add("answer")
    if status in (TicketStatus.RECEIVED, TicketStatus.VERIFYING):
        steps.add("reroute")
        if ticket.kind == TicketKind.BAD_REVIEW and not hasattr(ticket, "appeal"):
            steps.add("appeal")
    if status == TicketStatus.ANSWERED and ticket.real_name:
        steps |= CALL_STEPS
    if (
        status in (TicketStatus.RECEIVED, TicketStatus.VERIFYING, *OUTCOMES)
        and ticket.answer_due
        and not ticket.extended_days
    ):
        steps.add("extend")
    return {step for step in steps if _has_step_role(actor, ticket, step)}


def _person_shown(ticket: Ticket) -> str:
    """Who the unit sees (ratings.md §2): 匿名用户 for an anonymous evaluation; the masked label otherwise."""
    if ticket.anonymous:
        return _("匿名用户")
    if ticket.person_label:
        return ticket.person_label
    if ticket.caller_phone:
        return mask_phone(ticket.caller_phone)
    return _("未知评价人（现场服务未识别申请人）")


def _staff_context(request, ticket: Ticket, **extra) -> dict:
    today = timezone.localdate()
    evaluation = ticket.evaluation
    marks = board.marks_of([evaluation.pk], staff=True) if evaluation else {}
    appeal = getattr(ticket, "appeal", None)
    return {
        "ticket": ticket,
        "evaluation": evaluation,
        "mark": marks.get(evaluation.pk) if evaluation else None,
        "review_text": mask_free_text(evaluation.text if evaluation else ticket.content),
        "indicators": [
            INDICATOR_NAMES.get(code, code) for code in (evaluation.indicators if evaluation else [])
        ],
        "person": _person_shown(ticket),
        "limit": _light_row(ticket, today),
        "steps": ticket_steps(ticket, staff=True),
        "allowed": allowed_steps(request.actor, ticket),
        "outcomes": [(value, TicketStatus(value).label) for value in OUTCOMES],
        "revisit_levels": _revisit_choices(ticket),
        "appeal_reasons": AppealReason.choices,
        "appeal": appeal,
        "appeal_text": mask_free_text(appeal.text) if appeal else "",
        "evidence_max": EVIDENCE_MAX_FILES,
        "triage_text": mask_free_text(ticket.triage_text),
        "answer_text": mask_free_text(ticket.answer_text),
        "error": None,
        "error_step": "",
        "posted": None,
        **extra,
    }


@login_required
def staff_ticket_page(request, ticket_uuid):
    """A ticket of the actor's units with the forms of the steps they may take. Caller: a 差评处置人员, a
    supervisor over the unit or a 12345 operator of the region (404 for anyone else; every read audited)."""
    try:
        ticket = access_ticket_for_staff(actor=request.actor, ticket_uuid=ticket_uuid)
    except TicketNotFound as exc:
        raise Http404 from exc
    return render(request, "ratings/staff_ticket.html", _staff_context(request, ticket))


def _parse_date(value) -> date | None:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def _do_step(request, ticket: Ticket, step: str) -> None:
    actor, posted = request.actor, request.POST
    require_ticket_role(actor, ticket, *STEP_ROLES[step])
    text = posted.get("text", "")
    if step == "contact":
        loop.ticket_contact(actor=actor, ticket=ticket, text=text)
    elif step == "triage":
        loop.ticket_triage(
            actor=actor,
            ticket=ticket,
            outcome=posted.get("outcome", ""),
            text=text,
            ledger_due=_parse_date(posted.get("ledger_due")),
        )
    elif step == "answer":
        loop.ticket_answer(actor=actor, ticket=ticket, text=text)
    elif step == "revisit":
        if ticket.kind == TicketKind.BAD_REVIEW:
            loop.ticket_revisit(
                actor=actor, ticket=ticket, level=posted.get("level"), text=text, channel=Channel.PHONE
            )
        else:
            loop.ticket_rate_answer(
                actor=actor,
                ticket=ticket,
                level=posted.get("level"),
                text=text,
                channel=Channel.PHONE,
                recorded_by_staff=True,
            )
    elif step == "attempt":
        loop.ticket_revisit_attempt(actor=actor, ticket=ticket, text=text)
    elif step == "appeal":
        appeal_services.appeal_file(
            actor=actor,
            ticket=ticket,
            reason=posted.get("reason", ""),
            text=text,
            files=request.FILES.getlist("evidence"),
        )
    elif step == "reroute":
        loop.ticket_reroute_request(actor=actor, ticket=ticket, reason=text)
    elif step == "extend":
        loop.ticket_extend(actor=actor, ticket=ticket, days=posted.get("days"), reason=text)


STEP_DONE = {
    "contact": gettext_lazy("已记录联系情况"),
    "triage": gettext_lazy("已记录核实结论"),
    "answer": gettext_lazy("答复已发送给诉求人"),
    "revisit": gettext_lazy("已记录回访结果"),
    "attempt": gettext_lazy("已记录未接通的回访"),
    "appeal": gettext_lazy("申诉已提交，等待督办人员复核"),
    "reroute": gettext_lazy("改派申请已提交"),
    "extend": gettext_lazy("已批准延期"),
}


@login_required
@require_POST
def staff_ticket_step(request, ticket_uuid, step):
    """One step of a ticket (contact, triage, answer, revisit, attempt, appeal, reroute). Caller: as the
    page; the step's role over the ticket's unit (a handler's steps: 差评处置人员; a call's revisit: a supervisor
    or a 12345 operator), 403 otherwise."""
    if step not in STEP_ROLES:
        raise Http404
    try:
        ticket = access_ticket_for_staff(actor=request.actor, ticket_uuid=ticket_uuid)
    except TicketNotFound as exc:
        raise Http404 from exc
    try:
        _do_step(request, ticket, step)
    except DomainError as exc:
        ticket = Ticket.objects.select_related("evaluation").get(pk=ticket.pk)
        context = _staff_context(request, ticket, error=exc, error_step=step, posted=request.POST)
        return render(request, "ratings/staff_ticket.html", context, status=exc.status)
    messages.success(request, str(STEP_DONE[step]))
    return redirect("ratings:staff_ticket", ticket_uuid=ticket.uuid)


# --- the supervisors' board ----------------------------------------------------------------------------------
def _month(today: date) -> tuple[date, date]:
    start = today.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def _unreachable_reason(ticket: Ticket) -> str:
    calls = list(ticket.events.filter(kind="revisit_attempt").order_by("created_at", "id"))
    dates = "、".join(timezone.localtime(e.created_at).strftime("%Y-%m-%d") for e in calls)
    return _("%(n)s 次回访未接通（%(dates)s）") % {"n": len(calls), "dates": dates}


def _board_context(request, **extra) -> dict:
    actor = request.actor
    today = timezone.localdate()
    tickets = tickets_visible_to_staff(actor, {Role.SUPERVISOR})
    start, end = _month(today)
    rate = board.revisit_rate(tickets, start, end, today)
    waiting = board.not_revisited(tickets)
    waiting_rows = []
    for ticket in waiting[:LIST_LIMIT]:
        row = {"ticket": ticket, **_light_row(ticket, today), "reason": ""}
        if ticket.status == TicketStatus.CLOSED_UNREACHABLE:
            row["reason"] = _unreachable_reason(ticket)
        waiting_rows.append(row)
    supervised = [{"ticket": t, **_light_row(t, today)} for t in board.supervised_open(tickets)[:LIST_LIMIT]]
    appeals = [
        {
            "appeal": a,
            "ticket": a.ticket,
            "text": mask_free_text(a.text),
            "review": mask_free_text(a.ticket.evaluation.text if a.ticket.evaluation else a.ticket.content),
            "level": a.ticket.evaluation.get_level_display() if a.ticket.evaluation else "",
        }
        for a in board.pending_appeals(tickets)[:LIST_LIMIT]
    ]
    suspects = board.suspect_evaluations(actor, LIST_LIMIT)
    return {
        "month": start,
        "rate": rate,
        "waiting_count": waiting.count(),
        "waiting": waiting_rows,
        "supervised": supervised,
        "appeals": appeals,
        "suspects": [{"evaluation": e, "text": mask_free_text(e.text)} for e in suspects],
        "error": None,
        "error_for": "",
        "posted": None,
        **extra,
    }


@login_required
def supervision(request):
    """好差评督办: 实名差评回访率 of the month, the real-name 差评 not revisited, the 督办 tickets, appeals to decide
    and suspect evaluations of the units below the actor. Caller: a supervisor (404 for anyone else)."""
    _require_roles(request, {Role.SUPERVISOR})
    return render(request, "ratings/supervision.html", _board_context(request))


def _board_error(request, exc: DomainError, target: str):
    context = _board_context(request, error=exc, error_for=target, posted=request.POST)
    return render(request, "ratings/supervision.html", context, status=exc.status)


@login_required
@require_POST
def appeal_decide(request, appeal_uuid):
    """A supervisor decides a pending appeal: upheld or rejected, with the reason. Caller: a supervisor over
    the unit who is not a member of it (404 outside their units, 403 for the unit's own)."""
    _require_roles(request, {Role.SUPERVISOR})
    tickets = tickets_visible_to_staff(request.actor, {Role.SUPERVISOR})
    ticket = tickets.filter(appeal__uuid=appeal_uuid).select_related("evaluation").first()
    if ticket is None:
        raise Http404
    try:
        appeal = access_appeal_to_decide(actor=request.actor, ticket=ticket)
        decision = request.POST.get("decision", "")
        if decision not in (AppealStatus.UPHELD, AppealStatus.REJECTED):
            raise RatingInvalid(RatingError.TICKET_OUTCOME_INVALID, _("请选择复核结果"), field="decision")
        appeal_services.appeal_decide(
            actor=request.actor,
            appeal=appeal,
            upheld=decision == AppealStatus.UPHELD,
            text=request.POST.get("text", ""),
        )
    except DomainError as exc:
        return _board_error(request, exc, str(appeal_uuid))
    messages.success(request, _("已记录复核结果：%(number)s") % {"number": ticket.number})
    return redirect("ratings:supervision")


@login_required
@require_POST
def evaluation_mark(request, evaluation_uuid):
    """A supervisor clears a suspect evaluation or confirms it as 刷评, with the reason. Caller: a supervisor
    over the evaluated unit (404 for anyone else)."""
    _require_roles(request, {Role.SUPERVISOR})
    evaluation = board.suspect_evaluation(request.actor, evaluation_uuid)
    if evaluation is None:
        raise Http404
    try:
        kind = request.POST.get("kind", "")
        if kind not in (MarkKind.CLEARED, MarkKind.FRAUD_CONFIRMED):
            raise RatingInvalid(RatingError.MARK_INVALID, _("请选择核查结果"), field="kind")
        appeal_services.evaluation_mark(
            actor=request.actor, evaluation=evaluation, kind=kind, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        return _board_error(request, exc, str(evaluation_uuid))
    messages.success(request, _("已记录核查结果"))
    return redirect("ratings:supervision")


@login_required
def appeal_evidence(request, appeal_uuid, index: int):
    """One evidence file of an appeal, to download. Caller: the unit's 差评处置人员 and the supervisors over it
    (404 for anyone else); each read is audited (``ratings.appeal_evidence_read``)."""
    roles = {Role.RATING_HANDLER, Role.SUPERVISOR}
    ticket = tickets_visible_to_staff(request.actor, roles).filter(appeal__uuid=appeal_uuid).first()
    evidence = ticket.appeal.evidence if ticket is not None else []
    if not 0 <= index < len(evidence) or not default_storage.exists(evidence[index].get("path", "")):
        raise Http404
    item = evidence[index]
    audit_record(
        actor=request.actor,
        action="ratings.appeal_evidence_read",
        object_type="appeal",
        object_id=ticket.appeal.uuid,
        after={"sha256": item.get("sha256", "")},
        org_path=ticket.unit_path,
        subject_user_id=ticket.person_user_id,
    )
    response = FileResponse(
        default_storage.open(item["path"], "rb"),
        content_type=item.get("type") or "application/octet-stream",
        as_attachment=True,
        filename=item.get("name") or f"evidence-{index + 1}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
