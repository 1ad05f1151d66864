"""The 12345 console's look-ups and steps (docs/domain/ratings.md §7): an operator finds a caller by phone
number (audited, shown to the caller under 谁使用了我的信息), registers a consult, complaint, suggestion or
praise for them, is shown the caller's open tickets that look like the same matter, routes, merges and
records the caller's rating of an answer read out on the phone; a signed-in person makes an online 诉求.

The loop itself is :mod:`tongban.ratings.tickets`; this module checks who may take each step, the region's
topic list, and gathers what the console shows. The caller's phone number is never written to the audit
trail or a log: the audit row keeps its masked form."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db.models import Case, F, IntegerField, Max, Q, Value, When
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import Role, caller_by_phone, organisation_list, user_masked_label
from tongban.cases.facade import cases_summary_of_person
from tongban.core.actors import Actor
from tongban.core.audit import audit_purpose, audit_record
from tongban.core.identifiers import mask_phone, validate_phone
from tongban.ratings import tickets as loop
from tongban.ratings.access import (
    require_hotline_operator,
    require_ticket_role,
    tickets_visible_to_staff,
    uuid_valid,
)
from tongban.ratings.constants import CLOSED_STATUSES, HOTLINE_KINDS, RevisitLevel, TicketKind
from tongban.ratings.errors import RatingError, RatingInvalid, TicketNotFound
from tongban.ratings.models import Evaluation, Ticket, TicketEvent

# The classification of a 12345 ticket (ratings.md §7: "a topic list per region"; our choice of the default).
# The stored value is the Chinese name; settings.RATINGS_HOTLINE_TOPICS replaces the list for a region.
DEFAULT_TOPICS = (
    ("办事指南", _("办事指南")),
    ("材料", _("材料")),
    ("办理时限", _("办理时限")),
    ("窗口服务", _("窗口服务")),
    ("网上办事", _("网上办事")),
    ("证照", _("证照")),
    ("其他", _("其他")),
)
# How the steps of a ticket read on the dispatcher's page (TicketEvent.kind).
EVENT_LABELS = {
    "received": _("登记"),
    "routed": _("派单"),
    "contacted": _("已联系诉求人"),
    "fixed_at_once": _("立行立改"),
    "ledger": _("建立台账·限期整改"),
    "explained": _("解释说明"),
    "answered": _("答复"),
    "revisited": _("回访"),
    "reopened": _("重新办理"),
    "closed": _("办结"),
    "closed_unreachable": _("无法联系·关闭"),
    "revisit_attempt": _("回访未接通"),
    "overdue": _("超期"),
    "supervised": _("列入督办"),
    "reroute_requested": _("申请改派"),
    "merged": _("合并到其他工单"),
    "merged_from": _("合并了重复工单"),
    "appeal_filed": _("提出申诉"),
    "appeal_decided": _("申诉复核"),
}


def event_label(event: TicketEvent) -> str:
    """A step as the dispatcher reads it; a revisit or a rating with its level; a transfer's steps."""
    from tongban.ratings.transfers import transfer_step_title

    transferred = transfer_step_title(event, staff=True)
    if transferred is not None:
        return transferred
    label = str(EVENT_LABELS.get(event.kind, event.kind))
    level = event.data.get("level") if isinstance(event.data, dict) else None
    if event.kind == "revisited" and level in RevisitLevel.values:
        return str(_("%(step)s：%(level)s") % {"step": label, "level": RevisitLevel(level).label})
    return label


HOTLINE_ROLES = frozenset({Role.HOTLINE_OPERATOR})
OPEN_HISTORY = 20  # earlier tickets and cases shown for a caller
OPEN_LIST_MAX = 200  # open tickets listed on the console


def hotline_topics() -> list[tuple[str, Any]]:
    configured = getattr(settings, "RATINGS_HOTLINE_TOPICS", None)
    if configured:
        return [(str(topic), str(topic)) for topic in configured]  # the region's own list, as it is written
    return list(DEFAULT_TOPICS)


def hotline_kinds() -> list[tuple[str, Any]]:
    return [(str(kind), kind.label) for kind in HOTLINE_KINDS]


def _check_topic(topic: Any) -> str:
    value = str(topic or "").strip()
    if value not in {code for code, _label in hotline_topics()}:
        raise RatingInvalid(RatingError.TICKET_TOPIC_INVALID, _("请选择诉求分类"), field="topic")
    return value


def hotline_units(actor: Actor | None = None) -> list:
    """The departments and service centres a ticket can go to: for an operator those of their region, for a
    person online every one of the platform."""
    roots: list[str | None] = [None]
    if actor is not None:
        roots = [m.organisation_uuid for m in actor.memberships if m.role in HOTLINE_ROLES] or [None]
    seen: dict[str, Any] = {}
    for root in roots:
        for kind in ("department", "service_centre"):
            for unit in organisation_list(kind=kind, under=root):
                seen.setdefault(unit.uuid, unit)
    return sorted(seen.values(), key=lambda unit: (unit.kind != "department", unit.name))


# --- the caller -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Caller:
    """The caller of the call in hand: the number they call from (kept in the operator's session only), and
    their account when the number is an account's verified phone."""

    phone: str
    user_id: int | None
    person_uuid: str | None
    label: str

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def as_session(self) -> dict:
        return asdict(self)

    @classmethod
    def from_session(cls, data: Any) -> Caller | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                phone=str(data["phone"]),
                user_id=int(data["user_id"]) if data.get("user_id") is not None else None,
                person_uuid=str(data["person_uuid"]) if data.get("person_uuid") else None,
                label=str(data.get("label", "")),
            )
        except (KeyError, TypeError, ValueError):
            return None


def caller_lookup(*, actor: Actor, phone: Any) -> Caller:
    """The operator looks up a caller by phone number: 422 ``invalid_phone`` for a malformed number. Every
    look-up is audited (``ratings.hotline_lookup``) with the caller's account as its subject, so that they
    see it under 谁使用了我的信息; the audit row keeps the number masked."""
    require_hotline_operator(actor)
    number = validate_phone(str(phone or ""))
    found = caller_by_phone(number)
    user_id, person_uuid = found if found else (None, None)
    caller = Caller(
        phone=number,
        user_id=user_id,
        person_uuid=person_uuid,
        label=user_masked_label(user_id) if user_id else mask_phone(number),
    )
    audit_record(
        actor=actor,
        action="ratings.hotline_lookup",
        object_type="caller",
        object_id=person_uuid or "",
        after={
            "organisation": actor.organisation_name(HOTLINE_ROLES),
            "registered": user_id is not None,
            **audit_purpose("ratings.hotline_lookup", phone=caller.masked_phone),
        },
        subject_user_id=user_id,
    )
    return caller


def _of_caller(caller: Caller) -> Q:
    scope = Q(caller_phone=caller.phone)
    if caller.user_id is not None:
        scope |= Q(person_user_id=caller.user_id)
    return scope


def caller_tickets(*, actor: Actor, caller: Caller) -> list[Ticket]:
    """The caller's earlier tickets in the operator's region, newest first."""
    require_hotline_operator(actor)
    return list(tickets_visible_to_staff(actor, HOTLINE_ROLES).filter(_of_caller(caller))[:OPEN_HISTORY])


def caller_cases(*, actor: Actor, caller: Caller) -> list[dict]:
    """The caller's latest cases: number, item, status and dates only (ratings.md §7)."""
    require_hotline_operator(actor)
    if caller.user_id is None:
        return []
    rows = cases_summary_of_person(person_uuid=caller.person_uuid, user_id=caller.user_id, limit=OPEN_HISTORY)
    return [{k: row[k] for k in ("number", "name", "status", "submitted_at", "concluded_at")} for row in rows]


def duplicate_candidates(
    *, actor: Actor, caller: Caller, unit_uuid: Any, topic: Any, case_number: Any
) -> list[Ticket]:
    """The caller's open 12345 tickets that look like the same matter: the same case number, or the same
    department and classification (ratings.md §7). Proposed before a new ticket is made."""
    require_hotline_operator(actor)
    same = Q()
    case_number = str(case_number or "").strip()
    if case_number:
        same |= Q(case_number=case_number)
    if uuid_valid(unit_uuid) and str(topic or "").strip():
        same |= Q(unit_uuid=str(unit_uuid), topic=str(topic).strip())
    if not same:
        return []
    return list(
        tickets_visible_to_staff(actor, HOTLINE_ROLES)
        .filter(_of_caller(caller), same, kind__in=HOTLINE_KINDS)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("created_at", "id")
    )


def region_ticket(*, actor: Actor, ticket_uuid: Any) -> Ticket:
    """An open-or-closed ticket of the operator's region by uuid, to merge into (404 otherwise). Not a read of
    the ticket's content: the console shows only its number."""
    require_hotline_operator(actor)
    if not uuid_valid(ticket_uuid):
        raise TicketNotFound()
    ticket = tickets_visible_to_staff(actor, HOTLINE_ROLES).filter(uuid=ticket_uuid).first()
    if ticket is None:
        raise TicketNotFound()
    return ticket


# --- making a ticket --------------------------------------------------------------------------------------
def hotline_ticket_create(
    *,
    actor: Actor,
    caller: Caller,
    kind: Any,
    unit_uuid: Any,
    topic: Any,
    content: Any,
    urgent: bool = False,
    case_number: Any = "",
    merge_into: Ticket | None = None,
) -> Ticket:
    """A ticket registered by the operator for the caller of the call in hand; with ``merge_into`` (one of the
    caller's open tickets proposed as the same matter) it is merged into that one at once."""
    require_hotline_operator(actor)
    ticket = loop.ticket_create(
        actor=actor,
        kind=str(kind or ""),
        unit_uuid=unit_uuid,
        content=content,
        topic=_check_topic(topic),
        urgent=bool(urgent),
        case_number=case_number,
        caller_phone=caller.phone,
        person_user_id=caller.user_id,
    )
    if merge_into is not None:
        operator_merge(actor=actor, ticket=ticket, main_number=merge_into.number)
        ticket.refresh_from_db()
    return ticket


def online_ticket_create(
    *, actor: Actor, kind: Any, unit_uuid: Any, topic: Any, content: Any, case_number: Any = ""
) -> Ticket:
    """An online 诉求 of a signed-in person (ratings.md §7): theirs, without a phone number."""
    user_id = actor.require_user_id()
    return loop.ticket_create(
        actor=actor,
        kind=str(kind or ""),
        unit_uuid=unit_uuid,
        content=content,
        topic=_check_topic(topic),
        case_number=case_number,
        caller_phone="",
        person_user_id=user_id,
    )


# --- the dispatcher's list and steps ------------------------------------------------------------------
def open_hotline_tickets(*, actor: Actor) -> list[Ticket]:
    """The open 12345 tickets of the operator's region: those whose department asked for re-routing since
    their last routing first (``reroute_pending``, with the latest request as ``reroute_event``), then the
    urgent, then by age."""
    require_hotline_operator(actor)
    rows = list(
        tickets_visible_to_staff(actor, HOTLINE_ROLES)
        .filter(kind__in=HOTLINE_KINDS)
        .exclude(status__in=CLOSED_STATUSES)
        .annotate(
            last_routed=Max("events__id", filter=Q(events__kind="routed")),
            last_reroute=Max("events__id", filter=Q(events__kind="reroute_requested")),
        )
        .annotate(
            reroute_pending=Case(
                When(
                    Q(last_reroute__isnull=False)
                    & (Q(last_routed__isnull=True) | Q(last_reroute__gt=F("last_routed"))),
                    then=Value(1),
                ),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-reroute_pending", "-urgent", "received_on", "id")[:OPEN_LIST_MAX]
    )
    requests = TicketEvent.objects.in_bulk([t.last_reroute for t in rows if t.reroute_pending])
    for ticket in rows:
        ticket.reroute_event = requests.get(ticket.last_reroute) if ticket.reroute_pending else None
        ticket.light = loop.light_of(ticket)
        ticket.pending_kind, ticket.pending_due = loop.pending_limit(ticket)
    return rows


def pending_reroute(ticket: Ticket) -> TicketEvent | None:
    """The department's request to re-route the ticket since its last routing, if any."""
    last_routed = ticket.events.filter(kind="routed").order_by("-id").values_list("id", flat=True).first()
    requests = ticket.events.filter(kind="reroute_requested")
    if last_routed is not None:
        requests = requests.filter(id__gt=last_routed)
    return requests.order_by("-id").first()


def operator_route(*, actor: Actor, ticket: Ticket, unit_uuid: Any, reason: Any) -> Ticket:
    """The dispatcher routes the ticket to another department with a reason (a hop; past three, 督办)."""
    require_ticket_role(actor, ticket, Role.HOTLINE_OPERATOR)
    return loop.ticket_route(actor=actor, ticket=ticket, unit_uuid=unit_uuid, reason=reason)


def operator_merge(*, actor: Actor, ticket: Ticket, main_number: Any) -> Ticket:
    """The operator merges ``ticket`` (a duplicate) into the main ticket of that number in their region."""
    require_ticket_role(actor, ticket, Role.HOTLINE_OPERATOR)
    number = str(main_number or "").strip().upper()
    main = tickets_visible_to_staff(actor, HOTLINE_ROLES).filter(number=number).first() if number else None
    if main is None:
        raise RatingInvalid(RatingError.TICKET_MERGE_INVALID, _("未找到要合并到的工单"), field="main")
    return loop.ticket_merge(actor=actor, duplicate=ticket, main=main)


def operator_transfer(*, actor: Actor, ticket: Ticket, to_region: Any, text: Any = "") -> Ticket:
    """一号通办 to another member's 12345 (transfers.ticket_transfer); 409 ``region_not_federated`` for a
    region that is not another member of this member's region."""
    from tongban.ratings.transfers import ticket_transfer

    require_ticket_role(actor, ticket, Role.HOTLINE_OPERATOR)
    return ticket_transfer(actor=actor, ticket=ticket, to_region=to_region, text=text)


def operator_record_rating(*, actor: Actor, ticket: Ticket, level: Any, text: Any = "") -> Evaluation:
    """The caller's rating of the answer the operator read out on the phone: an evaluation of channel 电话."""
    require_ticket_role(actor, ticket, Role.HOTLINE_OPERATOR)
    return loop.ticket_rate_answer(
        actor=actor, ticket=ticket, level=level, text=text, channel="phone", recorded_by_staff=True
    )


def is_hotline_ticket(ticket: Ticket) -> bool:
    return ticket.kind != TicketKind.BAD_REVIEW
