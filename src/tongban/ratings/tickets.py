"""The loop of a ticket (工单): a 差评's 整改 (docs/domain/ratings.md §5) and a 12345 consult, complaint, suggestion
or praise (§7), one model and one set of transitions.

    received ──▶ verifying ──┬──▶ fixed_at_once ─┐
                             ├──▶ ledger ─────────┼──▶ answered ──▶ (revisit) ──▶ closed
                             └──▶ explained ──────┘
    (consults, suggestions and praise go received ──▶ answered)

Every transition locks the ticket row, checks the state it starts from (409 ``rating_ticket_state`` otherwise),
writes a :class:`TicketEvent` and tells the person when a step concerns them. Limits are working days of the
platform's calendar (core.workdays), counted from the day received, the day received not counted."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import (
    Role,
    organisation_info,
    role_holder_user_ids_over,
    user_masked_label,
)
from tongban.core.actors import SYSTEM, Actor
from tongban.core.audit import audit_record
from tongban.core.workdays import (
    is_working_day,
    previous_working_day,
    range_is_provisional,
    working_days_after,
    working_days_between,
)
from tongban.notifications.facade import notify
from tongban.ratings.access import uuid_valid as _uuid_like
from tongban.ratings.constants import (
    CLOSED_STATUSES,
    CONSULT_ANSWER_DAYS,
    CONTACT_KINDS,
    DEFAULT_LIMITS,
    HOPS_BEFORE_SUPERVISION,
    OUTCOMES,
    REOPEN_MAX,
    SUGGESTION_ANSWER_DAYS,
    TICKET_TEXT_MAX,
    UNREACHABLE_ATTEMPTS,
    URGENT_LIMITS,
    EvaluationKind,
    RevisitLevel,
    TicketKind,
    TicketStatus,
    TransferDirection,
    UnitKind,
)
from tongban.ratings.errors import RatingError, RatingInvalid, TicketState
from tongban.ratings.locks import lock_ticket, lock_tickets
from tongban.ratings.models import Evaluation, Ticket, TicketEvent

NUMBER_PREFIX = {
    TicketKind.BAD_REVIEW: "CP",
    TicketKind.CONSULT: "ZX",
    TicketKind.COMPLAINT: "TS",
    TicketKind.SUGGESTION: "JY",
    TicketKind.PRAISE: "BY",
}


def limits() -> dict[str, int]:
    """The region's working-day limits (settings.RATINGS_LIMITS over Shanghai's 1/5/15 default)."""
    return {**DEFAULT_LIMITS, **getattr(settings, "RATINGS_LIMITS", {})}


def ticket_number(kind: str, on: date) -> str:
    return f"{NUMBER_PREFIX[TicketKind(kind)]}{on:%Y%m%d}{secrets.token_hex(5).upper()}"


def _today() -> date:
    return timezone.localdate()


def _due(received: date, days: int) -> date:
    """``days`` working days after ``received``; 0 is the same working day (the next one when received on a
    day of rest)."""
    if days == 0 and not is_working_day(received):
        return working_days_after(received, 1)
    return working_days_after(received, days)


def _limits_for(kind: str, urgent: bool, received: date) -> tuple[date | None, date | None]:
    """(contact due, answer due) of a new ticket."""
    rules = limits()
    if urgent:
        contact = _due(received, URGENT_LIMITS["contact"]) if kind in CONTACT_KINDS else None
        return contact, working_days_after(received, URGENT_LIMITS["answer"])
    if kind in CONTACT_KINDS:
        return _due(received, rules["contact"]), working_days_after(received, rules["simple"])
    if kind == TicketKind.CONSULT:
        return None, working_days_after(received, CONSULT_ANSWER_DAYS)
    if kind == TicketKind.SUGGESTION:
        return None, working_days_after(received, SUGGESTION_ANSWER_DAYS)
    return None, None  # praise: acknowledged and passed on, no answer limit


def _event(
    ticket: Ticket, kind: str, actor: Actor | None, text: str = "", key: str = "", **data
) -> TicketEvent:
    actor = actor or SYSTEM
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        text=text,
        data=data,
        actor_user_id=actor.id,
        actor_label=actor.label[:200],
        key=key,
        created_at=timezone.now(),
    )


def _tell(
    ticket: Ticket, title, body, *, sms: bool = True, new: bool = False, params: dict | None = None
) -> None:
    """Tell the person (the evaluator or the caller with an account) about a step of their ticket."""
    if ticket.person_user_id is None:
        return
    notify(
        user_id=ticket.person_user_id,
        title=title,
        body=body,
        link=reverse("ratings:ticket", kwargs={"ticket_uuid": ticket.uuid}),
        sms=sms,
        params={"number": ticket.number, **(params or {})},
    )
    if new:  # a ticket just opened has no duplicates merged into it: no query for them
        return
    for duplicate in ticket.duplicates.exclude(person_user_id=None).exclude(
        person_user_id=ticket.person_user_id
    ):
        notify(
            user_id=duplicate.person_user_id,
            title=title,
            body=body,
            link=reverse("ratings:ticket", kwargs={"ticket_uuid": duplicate.uuid}),
            sms=sms,
            params={"number": duplicate.number, **(params or {})},
        )


def _text(value: Any, *, field: str, required: bool = True, limit: int = TICKET_TEXT_MAX) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise RatingInvalid(RatingError.TICKET_TEXT_REQUIRED, _("请填写说明"), field=field)
    if len(text) > limit:
        raise RatingInvalid(RatingError.TICKET_TEXT_TOO_LONG, _("内容过长"), field=field, limit=limit)
    return text


def _locked(ticket: Ticket, *allowed: str) -> Ticket:
    fresh = lock_ticket(ticket.pk)
    if allowed and fresh.status not in allowed:
        raise TicketState(current=fresh.status)
    return fresh


def _report(ticket: Ticket, event: str) -> None:
    """A ticket another member's 12345 transferred here reports each change of its state back, in the
    transaction of the change (一号通办, ratings.md §7); any other ticket costs nothing."""
    if ticket.transfer_direction == TransferDirection.IN:
        from tongban.ratings.transfers import report_status

        report_status(ticket, event)


# --- opening -----------------------------------------------------------------------------------------------
def _unit_of(evaluation: Evaluation, cache: dict | None = None):
    """The unit that handles an evaluation's 差评: the case's lead department, a window's centre."""
    key = (evaluation.unit_kind, str(evaluation.unit_uuid))
    if cache is not None and key in cache:
        return cache[key]
    if evaluation.unit_kind == UnitKind.WINDOW:  # the window's centre (the Window profile's, not an org)
        from tongban.frontdesk.facade import window_centre_org_uuid

        centre = window_centre_org_uuid(evaluation.unit_uuid)
        unit = organisation_info(centre) if centre else None
    else:
        unit = organisation_info(evaluation.unit_uuid)
    if cache is not None:
        cache[key] = unit
    return unit


def _bad_review_ticket(
    evaluation: Evaluation, unit, received: date, contact, answer, topic: str | None = None
) -> Ticket:
    return Ticket(
        number=ticket_number(TicketKind.BAD_REVIEW, received),
        kind=TicketKind.BAD_REVIEW,
        evaluation=evaluation,
        topic=str(evaluation.get_level_display()) if topic is None else topic,
        content=evaluation.text,
        case_number=evaluation.subject_label if evaluation.kind == EvaluationKind.CASE else "",
        subject_label=evaluation.subject_label,
        person_user_id=evaluation.evaluator_user_id,
        person_label=evaluation.evaluator_label,
        anonymous=evaluation.anonymous,
        unit_uuid=unit.uuid if unit else evaluation.unit_uuid,
        unit_path=unit.path if unit else "",
        unit_name=unit.name if unit else evaluation.unit_name,
        received_on=received,
        # no known evaluator: nobody to contact (ratings.md §5)
        contact_due=contact if evaluation.evaluator_user_id is not None else None,
        answer_due=answer,
    )


def ticket_open_for_evaluation(evaluation: Evaluation) -> Ticket | None:
    """Every 不满意 / 非常不满意 opens its ticket, in the evaluation's transaction (ratings.md §5)."""
    if not evaluation.is_bad:
        return None
    received = timezone.localdate(evaluation.created_at)
    contact, answer = _limits_for(TicketKind.BAD_REVIEW, False, received)
    ticket = _bad_review_ticket(evaluation, _unit_of(evaluation), received, contact, answer)
    ticket.save()
    _event(ticket, "received", SYSTEM, level=evaluation.level)
    _tell(
        ticket,
        _("差评已受理"),
        _("您的评价已转为整改工单 %(number)s，承办单位将在 1 个工作日内与您联系。"),
        sms=False,
        new=True,
    )
    return ticket


def tickets_open_for_evaluations(evaluations: list[Evaluation]) -> int:
    """The tickets of many 差评 at once (an import, a burst): one query per distinct unit and a bulk insert of
    the tickets and their first events. Evaluations that already have a ticket are skipped."""
    bad = [e for e in evaluations if e.is_bad]
    if not bad:
        return 0
    have = set(Ticket.objects.filter(evaluation__in=bad).values_list("evaluation_id", flat=True))
    units: dict = {}
    limits_by_day: dict[date, tuple] = {}
    topics: dict[int, str] = {}  # the level's label, once per level (get_level_display costs ~0.1 ms a call)
    tickets = []
    for evaluation in bad:
        if evaluation.pk in have:
            continue
        received = timezone.localdate(evaluation.created_at)
        if received not in limits_by_day:
            limits_by_day[received] = _limits_for(TicketKind.BAD_REVIEW, False, received)
        contact, answer = limits_by_day[received]
        if evaluation.level not in topics:
            topics[evaluation.level] = str(evaluation.get_level_display())
        tickets.append(
            _bad_review_ticket(
                evaluation, _unit_of(evaluation, units), received, contact, answer, topics[evaluation.level]
            )
        )
    with transaction.atomic():
        Ticket.objects.bulk_create(tickets, batch_size=2000)
        # PostgreSQL and SQLite give the new ids back (INSERT … RETURNING): no second read by number.
        saved = [t.pk for t in tickets]
        if None in saved:
            saved = list(
                Ticket.objects.filter(number__in=[t.number for t in tickets]).values_list("id", flat=True)
            )
        TicketEvent.objects.bulk_create(
            [TicketEvent(ticket_id=pk, kind="received", actor_label=SYSTEM.label) for pk in saved],
            batch_size=5000,
        )
    return len(tickets)


def ticket_create(
    *,
    actor: Actor,
    kind: str,
    unit_uuid,
    content: Any,
    topic: Any = "",
    urgent: bool = False,
    case_number: Any = "",
    caller_phone: str = "",
    person_user_id: int | None = None,
) -> Ticket:
    """A 12345 ticket, made online by the person (signed in) or by a hotline operator on the phone."""
    if kind not in [k for k in TicketKind.values if k != TicketKind.BAD_REVIEW]:
        raise RatingInvalid(RatingError.TICKET_KIND_INVALID, _("工单类型无效"), field="kind")
    content = _text(content, field="content")
    topic = _text(topic, field="topic", required=False, limit=60)
    case_number = _text(case_number, field="case_number", required=False, limit=40)
    unit = organisation_info(unit_uuid) if _uuid_like(unit_uuid) else None
    if unit is None or unit.kind not in {"department", "service_centre"}:
        raise RatingInvalid(RatingError.TICKET_UNIT_INVALID, _("请选择承办部门"), field="unit")
    received = _today()
    contact, answer = _limits_for(kind, urgent, received)
    with transaction.atomic():
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    ticket = Ticket.objects.create(
                        number=ticket_number(kind, received),
                        kind=kind,
                        urgent=bool(urgent),
                        topic=topic,
                        content=content,
                        case_number=case_number,
                        person_user_id=person_user_id,
                        person_label=user_masked_label(person_user_id) if person_user_id else "",
                        caller_phone=caller_phone,
                        unit_uuid=unit.uuid,
                        unit_path=unit.path,
                        unit_name=unit.name,
                        received_on=received,
                        contact_due=contact,
                        answer_due=answer,
                    )
                break
            except IntegrityError:  # a number drawn twice: draw again
                continue
        _event(ticket, "received", actor, unit=unit.name, channel="hotline" if caller_phone else "online")
        _event(ticket, "routed", actor, to=unit.name, key="hop-0")
        _audit(actor, ticket, "ratings.ticket_create")
        _tell(ticket, _("诉求已受理"), _("您的诉求已登记为工单 %(number)s，我们会按时答复。"), new=True)
    return ticket


# --- the loop ----------------------------------------------------------------------------------------------
def ticket_contact(*, actor: Actor, ticket: Ticket, text: Any) -> Ticket:
    """received → verifying: the handler contacted the person (a message sent through the platform, or a call
    recorded with its outcome) and starts verifying."""
    text = _text(text, field="text")
    with transaction.atomic():
        ticket = _locked(ticket, TicketStatus.RECEIVED)
        if ticket.kind not in CONTACT_KINDS:  # a consult, suggestion or praise is answered straight away
            raise TicketState(current=ticket.status)
        ticket.status = TicketStatus.VERIFYING
        ticket.contacted_at = timezone.now()
        ticket.save(update_fields=["status", "contacted_at", "updated_at"])
        _event(ticket, "contacted", actor, text)
        _tell(ticket, _("承办单位已联系您"), _("工单 %(number)s：承办单位已与您联系，正在核实。"))
        _report(ticket, "contacted")
    return ticket


def ticket_triage(
    *, actor: Actor, ticket: Ticket, outcome: str, text: Any, ledger_due: date | None = None
) -> Ticket:
    """verifying → 立行立改 | 建立台账 (a due date within the complex limit) | 解释说明 (ratings.md §5)."""
    if outcome not in OUTCOMES:
        raise RatingInvalid(RatingError.TICKET_OUTCOME_INVALID, _("请选择核实结论"), field="outcome")
    text = _text(text, field="text")
    with transaction.atomic():
        ticket = _locked(ticket, TicketStatus.VERIFYING)
        if outcome == TicketStatus.LEDGER:
            latest = working_days_after(ticket.received_on, limits()["complex"] + _paused_days(ticket))
            if not isinstance(ledger_due, date) or ledger_due < _today() or ledger_due > latest:
                raise RatingInvalid(
                    RatingError.TICKET_LEDGER_DUE_INVALID,
                    _("整改期限须在今天与复杂问题的时限（%(latest)s）之间") % {"latest": latest.isoformat()},
                    field="ledger_due",
                )
            ticket.ledger_due = ledger_due
            ticket.answer_due = ledger_due
        ticket.status = outcome
        ticket.triaged_at = timezone.now()
        ticket.triage_text = text
        ticket.save(
            update_fields=["status", "triaged_at", "triage_text", "ledger_due", "answer_due", "updated_at"]
        )
        _event(ticket, outcome, actor, text, ledger_due=ledger_due.isoformat() if ledger_due else None)
        _tell(ticket, _("工单核实完成"), _("工单 %(number)s 已核实，正在整改，完成后将答复您。"), sms=False)
        _report(ticket, "triaged")
    return ticket


def ticket_answer(*, actor: Actor, ticket: Ticket, text: Any) -> Ticket:
    """→ answered: the answer (答复) is sent to the person (in-app and SMS); the revisit limit starts. A 差评 or a
    complaint is answered after its triage; a consult, suggestion or praise straight from received."""
    text = _text(text, field="text")
    with transaction.atomic():
        fresh = lock_ticket(ticket.pk)
        allowed = OUTCOMES if fresh.kind in CONTACT_KINDS else (TicketStatus.RECEIVED,)
        if fresh.status not in allowed:
            raise TicketState(current=fresh.status)
        if fresh.paused_since is not None:
            raise TicketState(current="appeal_pending")
        ticket = fresh
        today = _today()
        ticket.status = TicketStatus.ANSWERED
        ticket.answered_at = timezone.now()
        ticket.answer_text = text
        ticket.revisit_due = working_days_after(today, limits()["revisit"]) if ticket.real_name else None
        if not ticket.real_name:  # nobody to revisit: an evaluation without a known evaluator (ratings.md §5)
            ticket.status = TicketStatus.CLOSED
            ticket.closed_at = ticket.answered_at
        ticket.save(
            update_fields=["status", "answered_at", "answer_text", "revisit_due", "closed_at", "updated_at"]
        )
        _event(
            ticket, "answered", actor, text, on_time=ticket.answer_due is None or today <= ticket.answer_due
        )
        _tell(ticket, _("诉求已答复"), _("工单 %(number)s 已答复，请查看并评价处理结果。"))
        _report(ticket, "answered")
    return ticket


def ticket_revisit(*, actor: Actor, ticket: Ticket, level: Any, text: Any = "", channel: str = "") -> Ticket:
    """回访: the person rates the fix — 满意 / 基本满意 / 不满意 — on their page, or a supervisor or 12345 operator
    records it from a call. 不满意 sends the ticket back to verifying once with new limits from today; a
    second 不满意 closes it under 督办 (ratings.md §5)."""
    try:
        value = int(level)
    except (TypeError, ValueError):
        value = 0
    if value not in RevisitLevel.values:
        raise RatingInvalid(RatingError.RATING_LEVEL_INVALID, _("请选择一个满意度等级"), field="level")
    text = _text(text, field="text", required=False, limit=500)
    with transaction.atomic():
        ticket = _locked(ticket, TicketStatus.ANSWERED)
        _revisited(ticket, actor, value, text, channel)
    return ticket


def _revisited(ticket: Ticket, actor: Actor, value: int, text: str, channel: str) -> None:
    now = timezone.now()
    ticket.revisited_at = now
    ticket.revisit_level = value
    fields = ["revisited_at", "revisit_level", "status", "updated_at"]
    _event(ticket, "revisited", actor, text, level=value, channel=channel)
    if value == RevisitLevel.DISSATISFIED and ticket.reopened < REOPEN_MAX:
        today = _today()
        ticket.reopened += 1
        ticket.status = TicketStatus.VERIFYING
        ticket.answered_at = None
        ticket.revisit_due = None
        ticket.answer_due = working_days_after(today, limits()["simple"])
        fields += ["reopened", "answered_at", "revisit_due", "answer_due"]
        _event(ticket, "reopened", SYSTEM)
        _tell(
            ticket,
            _("工单重新办理"),
            _("您对工单 %(number)s 的处理不满意，承办单位将重新核实处理。"),
            sms=False,
        )
    else:
        ticket.status = TicketStatus.CLOSED
        ticket.closed_at = now
        fields.append("closed_at")
        if value == RevisitLevel.DISSATISFIED and ticket.supervised_at is None:
            ticket.supervised_at = now
            fields.append("supervised_at")
            _event(ticket, "supervised", SYSTEM, reason="revisit_dissatisfied", key="supervised")
            _tell_supervisors(ticket, _("回访仍不满意"))
        _event(ticket, "closed", SYSTEM)
        _tell(ticket, _("工单已办结"), _("工单 %(number)s 已办结，感谢您的监督。"), sms=False)
    ticket.save(update_fields=fields)
    _report(ticket, "revisited")


def ticket_rate_answer(
    *,
    actor: Actor,
    ticket: Ticket,
    level: Any,
    text: Any = "",
    channel: str = "pc",
    recorded_by_staff: bool = False,
) -> Evaluation:
    """The person's rating of a 12345 answer on the five levels: an evaluation of the ticket (12345 热线办理 is
    within 好差评) and its revisit — 非常满意/满意 → 满意, 基本满意 → 基本满意, a 差评 → 不满意 (ratings.md §7)."""
    from tongban.ratings.services import _audit as audit_evaluation
    from tongban.ratings.services import _clean

    value, _chosen, text = _clean(level=level, indicators=[], text=text, channel=channel, reason_needed=False)
    with transaction.atomic():
        ticket = _locked(ticket, TicketStatus.ANSWERED)
        evaluation = Evaluation(
            kind=EvaluationKind.TICKET,
            subject_uuid=ticket.uuid,
            subject_label=ticket.number,
            channel=channel,
            evaluator_user_id=ticket.person_user_id,
            evaluator_label=ticket.person_label,
            round=ticket.reopened + 1,
            level=value,
            template_version=0,
            indicators=[],
            text=text,
            anonymous=False,
            unit_kind=UnitKind.TICKET_UNIT,
            unit_uuid=ticket.unit_uuid,
            unit_name=ticket.unit_name,
        )
        evaluation.save()
        audit_evaluation(actor, evaluation)
        revisit = (
            RevisitLevel.SATISFIED
            if value >= 4
            else RevisitLevel.BASICALLY_SATISFIED
            if value == 3
            else RevisitLevel.DISSATISFIED
        )
        _revisited(ticket, actor, revisit, text, channel if not recorded_by_staff else "phone")
    return evaluation


def ticket_revisit_attempt(*, actor: Actor, ticket: Ticket, text: Any) -> Ticket:
    """A revisit call that did not reach the person. Three on different working days close the ticket as
    无法联系 — outside the revisited count, on the supervisors' list with its reason (ratings.md §5)."""
    text = _text(text, field="text")
    with transaction.atomic():
        ticket = _locked(ticket, TicketStatus.ANSWERED)
        today = _today()
        days = {
            timezone.localdate(at)
            for at in ticket.events.filter(kind="revisit_attempt").values_list("created_at", flat=True)
        }
        if today in days:
            raise TicketState(current="attempt_today")
        _event(ticket, "revisit_attempt", actor, text)
        if len(days) + 1 >= UNREACHABLE_ATTEMPTS:
            ticket.status = TicketStatus.CLOSED_UNREACHABLE
            ticket.closed_at = timezone.now()
            ticket.save(update_fields=["status", "closed_at", "updated_at"])
            _event(ticket, "closed_unreachable", SYSTEM)
            _report(ticket, "closed_unreachable")
    return ticket


def ticket_extend(*, actor: Actor, ticket: Ticket, days: Any, reason: Any) -> Ticket:
    """延期: a supervisor over the unit grants the unit more working days for the answer, once, with a reason
    (GB/T 39046 办事互动: 延期时限, 延期原因). At most the complex limit again."""
    reason = _text(reason, field="reason", limit=500)
    try:
        value = int(days)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= limits()["complex"]:
        raise RatingInvalid(RatingError.TICKET_EXTENSION_INVALID, _("延期天数无效"), field="days")
    with transaction.atomic():
        ticket = _locked(ticket, TicketStatus.RECEIVED, TicketStatus.VERIFYING, *OUTCOMES)
        if ticket.extended_days or ticket.answer_due is None:
            raise TicketState(current="extended" if ticket.extended_days else ticket.status)
        ticket.answer_due = working_days_after(ticket.answer_due, value)
        ticket.extended_days = value
        ticket.save(update_fields=["answer_due", "extended_days", "updated_at"])
        _event(ticket, "extended", actor, reason, days=value, due=ticket.answer_due.isoformat())
    return ticket


# --- routing (12345) ---------------------------------------------------------------------------------------
def ticket_route(*, actor: Actor, ticket: Ticket, unit_uuid, reason: Any) -> Ticket:
    """The dispatcher (a 12345 operator) routes an open ticket to another unit, with a reason; every hop is
    recorded; the limits run on (a hop does not restart the person's wait); past three hops 督办. A ticket
    another member transferred here is first dispatched from the region's queue: that routing is no hop."""
    reason = _text(reason, field="reason", limit=500)
    unit = organisation_info(unit_uuid) if _uuid_like(unit_uuid) else None
    if unit is None or unit.kind not in {"department", "service_centre"}:
        raise RatingInvalid(RatingError.TICKET_UNIT_INVALID, _("请选择承办部门"), field="unit")
    with transaction.atomic():
        ticket = _locked(ticket, TicketStatus.RECEIVED, TicketStatus.VERIFYING)
        if str(unit.uuid) == str(ticket.unit_uuid):
            raise RatingInvalid(RatingError.TICKET_UNIT_INVALID, _("工单已在该部门"), field="unit")
        previous = ticket.unit_name
        first_dispatch = (
            ticket.transfer_direction == TransferDirection.IN
            and not ticket.events.filter(kind="routed").exists()
        )
        ticket.unit_uuid, ticket.unit_path, ticket.unit_name = unit.uuid, unit.path, unit.name
        ticket.hops += 0 if first_dispatch else 1
        fields = ["unit_uuid", "unit_path", "unit_name", "hops", "updated_at"]
        if first_dispatch:
            _event(ticket, "routed", actor, reason, key="hop-0", to=unit.name)
        else:
            _event(ticket, "routed", actor, reason, key=f"hop-{ticket.hops}", frm=previous, to=unit.name)
        if ticket.hops > HOPS_BEFORE_SUPERVISION and ticket.supervised_at is None:
            ticket.supervised_at = timezone.now()
            fields.append("supervised_at")
            _event(ticket, "supervised", SYSTEM, reason="hops", key="supervised")
            _tell_supervisors(ticket, _("多次转派"))
        ticket.save(update_fields=fields)
        _report(ticket, "dispatched")
    return ticket


def ticket_reroute_request(*, actor: Actor, ticket: Ticket, reason: Any) -> Ticket:
    """A department does not send a ticket back itself (不准退单): it asks the dispatcher, with a reason."""
    reason = _text(reason, field="reason", limit=500)
    with transaction.atomic():
        ticket = _locked(ticket, TicketStatus.RECEIVED, TicketStatus.VERIFYING)
        _event(ticket, "reroute_requested", actor, reason)
    return ticket


def ticket_merge(*, actor: Actor, duplicate: Ticket, main: Ticket) -> Ticket:
    """The operator merges a duplicate into the main ticket: it is closed as 已合并 (kept, with its history),
    its person gets the main ticket's answer, and it counts once (ratings.md §7)."""
    if duplicate.pk == main.pk:
        raise RatingInvalid(RatingError.TICKET_MERGE_INVALID, _("不能合并到自身"), field="main")
    with transaction.atomic():
        first, second = sorted([duplicate.pk, main.pk])
        locked = lock_tickets([first, second])
        duplicate, main = locked[duplicate.pk], locked[main.pk]
        if duplicate.kind == TicketKind.BAD_REVIEW or main.kind == TicketKind.BAD_REVIEW:
            raise RatingInvalid(RatingError.TICKET_MERGE_INVALID, _("差评整改工单不能合并"), field="main")
        if duplicate.status in CLOSED_STATUSES:  # closed, merged or transferred to another member
            raise TicketState(current=duplicate.status)
        if main.status in (TicketStatus.MERGED, TicketStatus.TRANSFERRED):
            raise TicketState(current=main.status)
        duplicate.status = TicketStatus.MERGED
        duplicate.merged_into = main
        duplicate.closed_at = timezone.now()
        duplicate.save(update_fields=["status", "merged_into", "closed_at", "updated_at"])
        _event(duplicate, "merged", actor, into=main.number)
        _event(main, "merged_from", actor, duplicate=duplicate.number)
        _report(duplicate, "merged")
    return duplicate


# --- 督办 ---------------------------------------------------------------------------------------------------
def _paused_days(ticket: Ticket, today: date | None = None) -> int:
    if ticket.paused_since is None:
        return 0
    return max(0, working_days_between(ticket.paused_since, today or _today()))


def pending_limit(ticket: Ticket) -> tuple[str, date | None]:
    """The limit a ticket waits on now: ("contact" | "answer" | "revisit" | "", its due date)."""
    if ticket.status in (TicketStatus.RECEIVED,) and ticket.contact_due and ticket.contacted_at is None:
        return "contact", ticket.contact_due
    if ticket.status in (TicketStatus.RECEIVED, TicketStatus.VERIFYING, *OUTCOMES):
        if ticket.paused_since is not None:
            return "answer_paused", None
        return "answer", ticket.answer_due
    if ticket.status == TicketStatus.ANSWERED:
        return "revisit", ticket.revisit_due
    return "", None


def light_of(ticket: Ticket, today: date | None = None) -> str:
    """green / yellow (the last working day before the limit, and the limit's own day) / red (passed)."""
    today = today or _today()
    _kind, due = pending_limit(ticket)
    if due is None:
        return "green"
    if today > due:
        return "red"
    if today >= previous_working_day(due) or today == due:
        return "yellow"
    return "green"


def due_is_provisional(ticket: Ticket) -> bool:
    _kind, due = pending_limit(ticket)
    return due is not None and range_is_provisional(ticket.received_on, due)


RULES = {
    "contact": "rating_contact_overdue",
    "answer": "rating_answer_overdue",
    "revisit": "rating_revisit_overdue",
}


def tickets_tick(today: date | None = None) -> dict:
    """Every 5 minutes (`tongban ratings tick`, the maintenance sweep): a passed limit records its supervision
    event once per ticket, limit and round, puts the ticket under 督办 and tells the supervisors of its unit
    and above. Running it twice changes nothing more."""
    today = today or _today()
    opened = 0
    open_statuses = [TicketStatus.RECEIVED, TicketStatus.VERIFYING, *OUTCOMES, TicketStatus.ANSWERED]
    from django.db.models import Q

    overdue = (
        Q(status=TicketStatus.RECEIVED, contacted_at__isnull=True, contact_due__lt=today)
        | Q(
            status__in=[TicketStatus.RECEIVED, TicketStatus.VERIFYING, *OUTCOMES],
            paused_since__isnull=True,
            answer_due__lt=today,
        )
        | Q(status=TicketStatus.ANSWERED, revisit_due__lt=today)
    )
    for ticket in Ticket.objects.filter(Q(status__in=open_statuses) & overdue).iterator(chunk_size=500):
        kind, due = pending_limit(ticket)
        if kind not in RULES or due is None or due >= today:
            continue
        with transaction.atomic():
            key = f"{RULES[kind]}-{ticket.reopened}"
            try:
                with transaction.atomic():
                    _event(
                        ticket,
                        "overdue",
                        SYSTEM,
                        key=key,
                        rule=RULES[kind],
                        due=due.isoformat(),
                        days_overdue=working_days_between(due, today),
                    )
            except IntegrityError:
                continue  # recorded by an earlier run
            opened += 1
            if ticket.supervised_at is None:
                Ticket.objects.filter(pk=ticket.pk, supervised_at__isnull=True).update(
                    supervised_at=timezone.now()
                )
                ticket.supervised_at = timezone.now()
            _tell_supervisors(ticket, _("工单超期"))
    return {"ticket_overdue_events": opened}


def _tell_supervisors(ticket: Ticket, why) -> None:
    if not ticket.unit_path:
        return
    for user_id in role_holder_user_ids_over(ticket.unit_path, Role.SUPERVISOR):
        notify(
            user_id=user_id,
            title=_("工单督办"),
            body=_("工单 %(number)s（%(unit)s）已列入督办：%(why)s。"),
            link=reverse("ratings:staff_ticket", kwargs={"ticket_uuid": ticket.uuid}),
            sms=False,
            params={"number": ticket.number, "unit": ticket.unit_name, "why": why},
        )


def _audit(actor: Actor, ticket: Ticket, action: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="ticket",
        object_id=ticket.uuid,
        after={
            "kind": ticket.kind,
            "status": ticket.status,
            "unit": str(ticket.unit_uuid),
            # as the person reads it (谁使用了我的信息): the organisation acted for, never a staff login
            "organisation": actor.organisation_name(),
        },
        org_path=ticket.unit_path,
        subject_user_id=ticket.person_user_id,
    )
