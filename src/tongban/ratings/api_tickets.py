"""Tickets of the bad-review loop and of 12345 (`/api/ratings/tickets/...` for the person, `/api/staff/ratings/...`
for the units, their supervisors and 12345 operators): docs/domain/ratings.md §5–§7. Each endpoint states who
may call it; a ticket is read only through ratings.access (staff reads audited)."""

from datetime import date, datetime
from uuid import UUID

from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from tongban.accounts.facade import Role, session_auth
from tongban.core.identifiers import validate_phone
from tongban.core.pagination import BoundedLimitOffsetPagination
from tongban.core.schemas import responses
from tongban.ratings import appeals, tickets, transfers
from tongban.ratings.access import (
    access_appeal_to_decide,
    access_ticket_for_person,
    access_ticket_for_staff,
    require_hotline_operator,
    require_ticket_role,
    tickets_of_person,
    tickets_visible_to_staff,
)
from tongban.ratings.channels import browser_channel
from tongban.ratings.constants import CLOSED_STATUSES
from tongban.ratings.masking import mask_free_text
from tongban.ratings.models import Ticket

router = Router(tags=["ratings 好差评 · tickets 工单"])

PERSON_HIDDEN_EVENTS = {"overdue", "supervised", "reroute_requested", "appeal_filed", "appeal_decided"}


class RatingTicketEventOut(Schema):
    kind: str
    text: str
    at: datetime


class RatingTicketTransferOut(Schema):
    direction: str = Field(description="out: transferred to another member's 12345; in: received from one")
    member: str = Field(description="the other member's division code")
    member_name: str
    remote_number: str = Field(description="the ticket's number at the other member (once it reported)")
    remote_status: str = Field(description="out: the last status the other member reported ('' before)")
    remote_status_label: str
    remote_unit: str
    remote_answer: str
    remote_answered_at: datetime | None
    remote_revisit_level: int | None = Field(description="3 满意, 2 基本满意, 1 不满意")


class RatingTicketOut(Schema):
    uuid: UUID
    number: str
    kind: str
    status: str
    status_label: str
    urgent: bool
    topic: str
    content: str
    case_number: str
    unit_name: str
    received_on: date
    contact_due: date | None
    answer_due: date | None
    revisit_due: date | None
    due_provisional: bool
    light: str
    answer_text: str
    revisit_level: int | None
    supervised: bool
    transfer: RatingTicketTransferOut | None = Field(description="一号通办 between members, when transferred")
    events: list[RatingTicketEventOut]


class RatingStaffTicketOut(RatingTicketOut):
    person: str = Field(description="the person's masked label; 匿名用户 when anonymous")
    hops: int


def _out(ticket: Ticket, *, staff: bool) -> dict:
    events = [
        {
            "kind": e.kind,
            "text": e.text if staff or e.kind in {"answered", "transfer_status"} else "",
            "at": e.created_at,
        }
        for e in ticket.events.all()
        if staff or e.kind not in PERSON_HIDDEN_EVENTS
    ]
    out = {
        "uuid": ticket.uuid,
        "number": ticket.number,
        "kind": ticket.kind,
        "status": ticket.status,
        "status_label": str(ticket.get_status_display()),
        "urgent": ticket.urgent,
        "topic": ticket.topic,
        "content": mask_free_text(ticket.content) if staff else ticket.content,
        "case_number": ticket.case_number,
        "unit_name": ticket.unit_name,
        "received_on": ticket.received_on,
        "contact_due": ticket.contact_due,
        "answer_due": ticket.answer_due,
        "revisit_due": ticket.revisit_due,
        "due_provisional": tickets.due_is_provisional(ticket),
        "light": tickets.light_of(ticket),
        "answer_text": ticket.answer_text,
        "revisit_level": ticket.revisit_level,
        "supervised": ticket.supervised_at is not None,
        "transfer": _transfer_out(ticket),
        "events": events,
    }
    if staff:
        out["person"] = str(_("匿名用户")) if ticket.anonymous else ticket.person_label
        out["hops"] = ticket.hops
    return out


def _transfer_out(ticket: Ticket) -> dict | None:
    if not ticket.transfer_direction:  # most tickets: no query
        return None
    row = ticket.transfer
    return {
        "direction": row.direction,
        "member": row.member,
        "member_name": row.member_name,
        "remote_number": row.remote_number,
        "remote_status": row.remote_status,
        "remote_status_label": str(row.get_remote_status_display()) if row.remote_status else "",
        "remote_unit": row.remote_unit,
        "remote_answer": row.remote_answer,
        "remote_answered_at": row.remote_answered_at,
        "remote_revisit_level": row.remote_revisit_level,
    }


def _topic(value: str) -> str:
    """A topic is optional in the API; when given it is one of the region's list (hotline.hotline_topics)."""
    from tongban.ratings.hotline import _check_topic

    return _check_topic(value) if value.strip() else ""


# --- the person ---------------------------------------------------------------------------------------------
class RatingTicketIn(Schema):
    kind: str = Field(description="consult 咨询, complaint 投诉, suggestion 建议, praise 表扬")
    unit: str = Field(description="the department's (or service centre's) organisation uuid")
    topic: str = Field(default="", max_length=200, description="optional: one of the region's 12345 topics")
    case_number: str = Field(default="", max_length=200)
    content: str = Field(max_length=10_000, description="at most 2,000 characters once stripped")


@router.get("/ratings/tickets", response=responses({200: list[RatingTicketOut]}, 401), auth=session_auth)
@paginate(BoundedLimitOffsetPagination)
def my_tickets(request):
    """The caller's own tickets (their 差评's and their 12345 诉求), newest first. Caller: any signed-in user."""
    return [_out(t, staff=False) for t in tickets_of_person(request.actor).prefetch_related("events")]


@router.post("/ratings/tickets", response=responses({201: RatingTicketOut}, 401, 429), auth=session_auth)
def ticket_new(request, payload: RatingTicketIn):
    """An online 12345 诉求 of the signed-in person. 422 `rating_ticket_kind_invalid`,
    `rating_ticket_unit_invalid`, `rating_ticket_text_required`, `rating_ticket_text_too_long`; 429 `throttled` past the hourly limit per account."""
    from tongban.ratings.access import require_rating_allowed

    require_rating_allowed(request.actor, request.client_ip)
    ticket = tickets.ticket_create(
        actor=request.actor,
        kind=payload.kind,
        unit_uuid=payload.unit,
        content=payload.content,
        topic=_topic(payload.topic),
        case_number=payload.case_number,
        person_user_id=request.actor.require_user_id(),
    )
    return Status(201, _out(ticket, staff=False))


@router.get(
    "/ratings/tickets/{ticket_uuid}", response=responses({200: RatingTicketOut}, 401, 404), auth=session_auth
)
def my_ticket(request, ticket_uuid: str):
    """One of the caller's own tickets, its steps and dates (never the handler's name); anyone else's is 404."""
    return _out(access_ticket_for_person(actor=request.actor, ticket_uuid=ticket_uuid), staff=False)


class RatingRevisitIn(Schema):
    level: int = Field(description="差评整改: 3 满意, 2 基本满意, 1 不满意; 12345: 5 非常满意 … 1 非常不满意")
    text: str = Field(default="", max_length=2000)


@router.post(
    "/ratings/tickets/{ticket_uuid}/revisit",
    response=responses({200: RatingTicketOut}, 401, 404, 409),
    auth=session_auth,
)
def my_ticket_revisit(request, ticket_uuid: str, payload: RatingRevisitIn):
    """回访 by the person once their ticket is answered: a 差评's ticket on three levels, a 12345 answer on the
    five (an evaluation of the ticket). 409 `rating_ticket_state` when not answered; 422 `rating_level_invalid`."""
    ticket = access_ticket_for_person(actor=request.actor, ticket_uuid=ticket_uuid)
    if ticket.kind == "bad_review":
        ticket = tickets.ticket_revisit(
            actor=request.actor, ticket=ticket, level=payload.level, text=payload.text
        )
    else:
        tickets.ticket_rate_answer(
            actor=request.actor,
            ticket=ticket,
            level=payload.level,
            text=payload.text,
            channel=browser_channel(request),
        )
        ticket.refresh_from_db()
    return _out(ticket, staff=False)


# --- staff ----------------------------------------------------------------------------------------------------
class RatingTicketListQuery(Schema):
    status: str = Field(default="", max_length=20)
    open: bool = False
    supervised: bool = False


@router.get(
    "/staff/ratings/tickets", response=responses({200: list[RatingStaffTicketOut]}, 401), auth=session_auth
)
@paginate(BoundedLimitOffsetPagination)
def staff_tickets(request, filters: Query[RatingTicketListQuery]):
    """Tickets of the caller's units (差评处置人员 of the unit; supervisors over it; 12345 operators over their
    region), newest first. Others get an empty list. Listing does not audit; opening one does."""
    qs = tickets_visible_to_staff(request.actor).prefetch_related("events")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.open:
        qs = qs.exclude(status__in=CLOSED_STATUSES)
    if filters.supervised:
        qs = qs.filter(supervised_at__isnull=False)
    return [_out(t, staff=True) for t in qs.order_by("-created_at", "-id")]


@router.get(
    "/staff/ratings/tickets/{ticket_uuid}",
    response=responses({200: RatingStaffTicketOut}, 401, 404),
    auth=session_auth,
)
def staff_ticket(request, ticket_uuid: str):
    """One ticket of the caller's units (404 otherwise); audited `ratings.ticket_read`, shown to the person in
    谁使用了我的信息. Review texts come with ID and phone numbers masked."""
    return _out(access_ticket_for_staff(actor=request.actor, ticket_uuid=ticket_uuid), staff=True)


class RatingTicketStepIn(Schema):
    step: str = Field(
        description="contact, triage, answer, revisit (recorded from a call), revisit_attempt, "
        "reroute_request (the unit asks the dispatcher), route, merge, transfer (12345 operators), "
        "extend (a supervisor, once)"
    )
    text: str = Field(default="", max_length=10_000)
    outcome: str = Field(default="", max_length=20, description="triage: fixed_at_once, ledger, explained")
    ledger_due: date | None = Field(default=None, description="triage ledger: the due date")
    level: int | None = Field(default=None, description="revisit: 3, 2, 1; a 12345 answer's rating: 5 … 1")
    unit: str = Field(default="", max_length=40, description="route: the organisation uuid")
    main: str = Field(default="", max_length=40, description="merge: the main ticket's uuid")
    region: str = Field(
        default="", max_length=20, description="transfer: the division code of another member of the region"
    )
    days: int | None = Field(default=None, description="extend: working days (once, by a supervisor)")


HANDLER = (Role.RATING_HANDLER,)
DISPATCH = (Role.HOTLINE_OPERATOR,)


@router.post(
    "/staff/ratings/tickets/{ticket_uuid}/steps",
    response=responses({200: RatingStaffTicketOut}, 401, 403, 404, 409),
    auth=session_auth,
)
def staff_ticket_step(request, ticket_uuid: str, payload: RatingTicketStepIn):
    """One step of the loop. contact, triage, answer, reroute_request: 差评处置人员 of the unit; revisit (the
    person's rating recorded from a call) and revisit_attempt (a call that did not reach them): supervisors
    over the unit and 12345 operators, never the rated unit itself; route, merge, transfer (一号通办 to another
    member's 12345, `text` an optional note): 12345 operators (the dispatcher); extend: a supervisor over the
    unit, once. 403 for a role without the step; 409 `rating_ticket_state` out of turn,
    `region_not_federated` for a transfer to a region that is not another member; 422 for bad input, nothing
    written."""
    actor = request.actor
    ticket = access_ticket_for_staff(actor=actor, ticket_uuid=ticket_uuid)
    step = payload.step
    if step == "contact":
        require_ticket_role(actor, ticket, *HANDLER)
        ticket = tickets.ticket_contact(actor=actor, ticket=ticket, text=payload.text)
    elif step == "triage":
        require_ticket_role(actor, ticket, *HANDLER)
        ticket = tickets.ticket_triage(
            actor=actor,
            ticket=ticket,
            outcome=payload.outcome,
            text=payload.text,
            ledger_due=payload.ledger_due,
        )
    elif step == "answer":
        require_ticket_role(actor, ticket, *HANDLER)
        ticket = tickets.ticket_answer(actor=actor, ticket=ticket, text=payload.text)
    elif step == "revisit_attempt":
        require_ticket_role(actor, ticket, Role.SUPERVISOR, *DISPATCH)
        ticket = tickets.ticket_revisit_attempt(actor=actor, ticket=ticket, text=payload.text)
    elif step == "revisit":
        require_ticket_role(actor, ticket, Role.SUPERVISOR, *DISPATCH)
        if ticket.kind == "bad_review":
            ticket = tickets.ticket_revisit(
                actor=actor, ticket=ticket, level=payload.level, text=payload.text, channel="phone"
            )
        else:
            tickets.ticket_rate_answer(
                actor=actor,
                ticket=ticket,
                level=payload.level,
                text=payload.text,
                channel="phone",
                recorded_by_staff=True,
            )
    elif step == "reroute_request":
        require_ticket_role(actor, ticket, *HANDLER)
        ticket = tickets.ticket_reroute_request(actor=actor, ticket=ticket, reason=payload.text)
    elif step == "route":
        require_hotline_operator(actor)
        require_ticket_role(actor, ticket, *DISPATCH)
        ticket = tickets.ticket_route(actor=actor, ticket=ticket, unit_uuid=payload.unit, reason=payload.text)
    elif step == "merge":
        require_ticket_role(actor, ticket, *DISPATCH)
        main = access_ticket_for_staff(actor=actor, ticket_uuid=payload.main)
        ticket = tickets.ticket_merge(actor=actor, duplicate=ticket, main=main)
    elif step == "extend":
        require_ticket_role(actor, ticket, Role.SUPERVISOR)
        ticket = tickets.ticket_extend(actor=actor, ticket=ticket, days=payload.days, reason=payload.text)
    elif step == "transfer":
        require_ticket_role(actor, ticket, *DISPATCH)
        transfers.ticket_transfer(actor=actor, ticket=ticket, to_region=payload.region, text=payload.text)
    else:
        from tongban.ratings.errors import RatingError, RatingInvalid

        raise RatingInvalid(RatingError.TICKET_STEP_INVALID, _("未知的办理步骤"), field="step")
    ticket.refresh_from_db()
    return _out(ticket, staff=True)


class RatingHotlineTicketIn(RatingTicketIn):
    phone: str = Field(max_length=20, description="the caller's phone number")
    urgent: bool = False


@router.post(
    "/staff/ratings/hotline-tickets",
    response=responses({201: RatingStaffTicketOut}, 401, 403),
    auth=session_auth,
)
def hotline_ticket_new(request, payload: RatingHotlineTicketIn):
    """A ticket taken on the phone by a 12345 operator (热线话务员 only, 403 otherwise): the caller's phone, and
    their account when one has that verified phone (they then follow it online). 422 `phone_invalid` …"""
    from tongban.accounts.facade import caller_by_phone

    require_hotline_operator(request.actor)
    phone = validate_phone(payload.phone.strip(), field="phone")
    caller = caller_by_phone(phone)
    ticket = tickets.ticket_create(
        actor=request.actor,
        kind=payload.kind,
        unit_uuid=payload.unit,
        content=payload.content,
        topic=_topic(payload.topic),
        case_number=payload.case_number,
        urgent=payload.urgent,
        caller_phone=phone,
        person_user_id=caller[0] if caller else None,
    )
    return Status(201, _out(ticket, staff=True))


class RatingAppealIn(Schema):
    reason: str = Field(description="mistaken 误评, malicious 恶意差评")
    text: str = Field(max_length=10_000)


@router.post(
    "/staff/ratings/tickets/{ticket_uuid}/appeal",
    response=responses({201: RatingStaffTicketOut}, 401, 403, 404, 409),
    auth=session_auth,
)
def ticket_appeal(request, ticket_uuid: str, payload: RatingAppealIn):
    """申诉: the unit's 差评处置人员 appeals the 差评 behind a ticket, once, within 5 working days of its receipt and
    before the answer (409 `appeal_closed`, `appeal_exists`). Evidence files are added on the page (multipart)."""
    ticket = access_ticket_for_staff(actor=request.actor, ticket_uuid=ticket_uuid)
    require_ticket_role(request.actor, ticket, *HANDLER)
    appeals.appeal_file(actor=request.actor, ticket=ticket, reason=payload.reason, text=payload.text)
    ticket.refresh_from_db()
    return Status(201, _out(ticket, staff=True))


class RatingAppealDecisionIn(Schema):
    upheld: bool
    text: str = Field(max_length=10_000)


@router.post(
    "/staff/ratings/tickets/{ticket_uuid}/appeal/decision",
    response=responses({200: RatingStaffTicketOut}, 401, 403, 404, 409),
    auth=session_auth,
)
def ticket_appeal_decide(request, ticket_uuid: str, payload: RatingAppealDecisionIn):
    """复核: a supervisor over the unit who is not its member (403 `appeal_own_unit`) decides a pending appeal
    (409 `rating_ticket_state` once decided). Upheld: the evaluation is kept, marked and excluded; the ticket closes."""
    ticket = access_ticket_for_staff(actor=request.actor, ticket_uuid=ticket_uuid)
    appeal = access_appeal_to_decide(actor=request.actor, ticket=ticket)
    appeals.appeal_decide(actor=request.actor, appeal=appeal, upheld=payload.upheld, text=payload.text)
    ticket.refresh_from_db()
    return _out(ticket, staff=True)
