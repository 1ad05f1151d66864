"""12345 一号通办 between members of a region (docs/domain/ratings.md §7, docs/domain/federation.md §8).

**Out.** A 12345 operator transfers an open ticket of their region to another member's 12345
(:func:`ticket_transfer`). In one transaction the ticket becomes ``transferred`` (its history: "已转办至江苏省12345",
who, when), a :class:`TicketTransfer` row keeps the other side, and a ``hotline.transfer`` message to that
member goes into the outbox with what it needs to handle, answer and revisit: the kind, classification, text,
the caller's name and phone, this ticket's reference and its limits as context. The caller's data is never
logged; the hand-over is audited (``ratings.ticket_transfer``), so the person sees it under 谁使用了我的信息.

**In.** The member it went to makes a local 12345 ticket from the message (:func:`transfer_receive`), once per
(member, reference), waiting in its region's 12345 queue to be dispatched, with its own working-day limits
from the day it arrived. Its operators and departments work it as any other ticket; every change of state
(dispatched, contacted, triaged, answered, revisited, closed) sends ``hotline.status`` back in the same
transaction (:func:`report_status`), numbered per ticket.

**Back.** The origin applies a status report to its transferred ticket (:func:`transfer_status_receive`)
unless it already holds a later one, records it in the ticket's history and tells the person of the answer
and the end."""

from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.accounts.facade import OrgKind, organisation_list, user_contact
from tongban.core.actors import SYSTEM, Actor
from tongban.core.identifiers import mask_name, mask_phone
from tongban.ratings import region
from tongban.ratings import tickets as loop
from tongban.ratings.constants import (
    HOTLINE_KINDS,
    TRANSFER_EVENTS,
    RevisitLevel,
    TicketKind,
    TicketStatus,
    TransferDirection,
)
from tongban.ratings.errors import NotFederated, TicketState
from tongban.ratings.locks import lock_ticket
from tongban.ratings.models import Ticket, TicketEvent, TicketTransfer

logger = logging.getLogger(__name__)

TRANSFERABLE = (TicketStatus.RECEIVED, TicketStatus.VERIFYING)


# --- out ----------------------------------------------------------------------------------------------------
def _caller(ticket: Ticket) -> dict:
    """The caller as the other member needs them to answer and revisit: name and phone, nothing more."""
    name, phone = user_contact(ticket.person_user_id) if ticket.person_user_id else ("", "")
    return {"name": name, "phone": ticket.caller_phone or phone}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def ticket_transfer(*, actor: Actor, ticket: Ticket, to_region: Any, text: Any = "") -> Ticket:
    """一号通办: the operator transfers an open 12345 ticket to another member's 12345. 409
    ``region_not_federated`` when this member has no region or ``to_region`` is not another member of it;
    409 ``rating_ticket_state`` for a ticket not open, a 差评's, or one itself transferred here."""
    code = str(to_region or "").strip()[:20]
    note = loop._text(text, field="text", required=False, limit=500)
    link, member = region.region_link(), region.transfer_member(code)
    if link is None or member is None:
        raise NotFederated(region=code)
    with transaction.atomic():
        ticket = loop._locked(ticket, *TRANSFERABLE)
        if ticket.kind == TicketKind.BAD_REVIEW or ticket.transfer_direction:
            raise TicketState(current=ticket.transfer_direction or ticket.kind)
        now = timezone.now()
        ticket.status = TicketStatus.TRANSFERRED
        ticket.transfer_direction = TransferDirection.OUT
        ticket.closed_at = now
        ticket.save(update_fields=["status", "transfer_direction", "closed_at", "updated_at"])
        TicketTransfer.objects.create(
            ticket=ticket,
            direction=TransferDirection.OUT,
            member=member.code,
            member_name=member.name,
            note=note,
        )
        loop._event(ticket, "transferred", actor, note, member=member.code, to=member.name)
        loop._audit(actor, ticket, "ratings.ticket_transfer")
        link.transfer(
            member.code,
            {
                "ref": str(ticket.uuid),
                "number": ticket.number,
                "kind": ticket.kind,
                "topic": ticket.topic,
                "content": ticket.content,
                "case_number": ticket.case_number,
                "urgent": ticket.urgent,
                "caller": _caller(ticket),
                "received_on": _iso(ticket.received_on),
                "contact_due": _iso(ticket.contact_due),
                "answer_due": _iso(ticket.answer_due),
                "note": note,
                "transferred_at": now.isoformat(),
            },
        )
        loop._tell(
            ticket,
            gettext_lazy("诉求已转办"),
            gettext_lazy(
                "您的诉求（工单 %(number)s）已转至%(member)s12345 办理，办理进度可在“我的诉求”中查看。"
            ),
            params={"member": member.name},
        )
    return ticket


# --- in -----------------------------------------------------------------------------------------------------
class TransferMalformed(ValueError):
    """A transfer or status message whose body is not what the protocol says (the inbox keeps it, failed)."""


def _field(body: dict, key: str, limit: int, *, required: bool = False) -> str:
    value = body.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        raise TransferMalformed(key)
    return value.strip()


def _day(body: dict, key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError as exc:
        raise TransferMalformed(key) from exc


def _queue_unit():
    """Where a transferred ticket waits to be dispatched: this member's region organisation (the one of its
    division code, else the first region), whose 12345 operators see it in their queue."""
    regions = organisation_list(kind=OrgKind.REGION)
    own = [r for r in regions if r.division_code == settings.TONGBAN_REGION_CODE]
    found = own or sorted(regions, key=lambda r: r.path)
    if not found:
        raise TransferMalformed("no region organisation to receive 12345 transfers")
    return found[0]


def transfer_receive(*, member: str, member_name: str, body: dict) -> Ticket | None:
    """A ticket transferred here by ``member`` (a ``hotline.transfer`` message): a local 12345 ticket in the
    region's queue, with this member's limits from today; None when that transfer was received before."""
    ref = _field(body, "ref", 40, required=True)
    try:
        uuid.UUID(ref)
    except ValueError as exc:
        raise TransferMalformed("ref") from exc
    if TicketTransfer.objects.filter(direction=TransferDirection.IN, member=member, remote_ref=ref).exists():
        return None
    kind = _field(body, "kind", 12, required=True)
    if kind not in HOTLINE_KINDS:
        raise TransferMalformed("kind")
    given = body.get("caller")
    caller: dict = given if isinstance(given, dict) else {}
    name, phone = _field(caller, "name", 100), _field(caller, "phone", 20)
    content = _field(body, "content", 10_000, required=True)
    urgent = bool(body.get("urgent"))
    unit = _queue_unit()
    received = loop._today()
    contact, answer = loop._limits_for(kind, urgent, received)
    with transaction.atomic():
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    ticket = Ticket.objects.create(
                        number=loop.ticket_number(kind, received),
                        kind=kind,
                        urgent=urgent,
                        topic=_field(body, "topic", 60),
                        content=content,
                        case_number=_field(body, "case_number", 40),
                        person_label=" ".join(p for p in (mask_name(name), mask_phone(phone)) if p),
                        caller_phone=phone,
                        unit_uuid=unit.uuid,
                        unit_path=unit.path,
                        unit_name=unit.name,
                        received_on=received,
                        contact_due=contact,
                        answer_due=answer,
                        transfer_direction=TransferDirection.IN,
                    )
                break
            except IntegrityError:  # a number drawn twice: draw again
                continue
        TicketTransfer.objects.create(
            ticket=ticket,
            direction=TransferDirection.IN,
            member=member,
            member_name=member_name[:100],
            remote_ref=ref,
            remote_number=_field(body, "number", 32),
            caller_name=name,
            note=_field(body, "note", 500),
            context={
                "received_on": _day(body, "received_on"),
                "contact_due": _day(body, "contact_due"),
                "answer_due": _day(body, "answer_due"),
            },
        )
        loop._event(
            ticket, "received", SYSTEM, unit=unit.name, channel="transfer", frm=member_name, ref=ticket.number
        )
        loop._audit(SYSTEM, ticket, "ratings.ticket_transfer_in")
    return ticket


def awaiting_dispatch(ticket: Ticket) -> bool:
    """A ticket transferred here that no operator has dispatched to a department yet."""
    return (
        ticket.transfer_direction == TransferDirection.IN and not ticket.events.filter(kind="routed").exists()
    )


def report_status(ticket: Ticket, event: str) -> None:
    """Tell the member a ticket came from what just happened to it, in the transaction of the change (the
    ticket row is locked by the step, so the sequence grows by one per report)."""
    link = region.region_link()
    transfer = TicketTransfer.objects.filter(ticket=ticket, direction=TransferDirection.IN).first()
    if transfer is None:
        return
    transfer.seq += 1
    transfer.save(update_fields=["seq"])
    if link is None:
        logger.warning("12345 ticket %s: no region link, status %s not reported", ticket.number, event)
        return
    link.status(
        transfer.member,
        {
            "ref": transfer.remote_ref,
            "remote": str(ticket.uuid),
            "number": ticket.number,
            "seq": transfer.seq,
            "event": event,
            "status": ticket.status,
            "unit": ticket.unit_name,
            "answer": ticket.answer_text if ticket.answered_at else "",
            "answered_at": ticket.answered_at.isoformat() if ticket.answered_at else None,
            "revisit_level": ticket.revisit_level,
            "at": timezone.now().isoformat(),
        },
    )


# --- back ---------------------------------------------------------------------------------------------------
def transfer_status_receive(*, member: str, body: dict) -> bool:
    """A status report of a ticket this member transferred to ``member``: applied (True) unless a later one
    was applied already or the ticket is not one transferred there (False; nothing changes)."""
    ref = _field(body, "ref", 40, required=True)
    event = _field(body, "event", 30, required=True)
    seq = body.get("seq")
    if event not in TRANSFER_EVENTS or not isinstance(seq, int) or seq < 1:
        raise TransferMalformed("event/seq")
    try:
        uuid.UUID(ref)
    except ValueError as exc:
        raise TransferMalformed("ref") from exc
    found = Ticket.objects.filter(uuid=ref, transfer_direction=TransferDirection.OUT).values_list(
        "pk", flat=True
    )
    if not found:
        logger.warning("12345 status from %s for a ticket not transferred there", member)
        return False
    level = body.get("revisit_level")
    level = level if level in RevisitLevel.values else None
    status = _field(body, "status", 20)
    with transaction.atomic():
        ticket = lock_ticket(found[0])
        transfer = TicketTransfer.objects.get(ticket=ticket)
        if transfer.member != member:
            logger.warning("12345 status from %s for a ticket transferred elsewhere", member)
            return False
        if seq <= transfer.seq:
            return False  # an older report than the one held
        answered_at = parse_datetime(str(body.get("answered_at") or "")) if body.get("answered_at") else None
        transfer.seq = seq
        transfer.remote_ref = _field(body, "remote", 40)
        transfer.remote_number = _field(body, "number", 32)
        transfer.remote_status = status if status in TicketStatus.values else ""
        transfer.remote_unit = _field(body, "unit", 200)
        transfer.remote_answer = _field(body, "answer", 10_000)
        transfer.remote_answered_at = answered_at
        transfer.remote_revisit_level = level
        transfer.remote_updated_at = timezone.now()
        transfer.save()
        loop._event(
            ticket,
            "transfer_status",
            SYSTEM,
            transfer.remote_answer if event == "answered" else "",
            key=f"transfer-{seq}",
            event=event,
            member=transfer.member_name,
            status=transfer.remote_status,
            unit=transfer.remote_unit,
            level=level,
        )
        params = {"member": transfer.member_name}
        if event == "answered":
            loop._tell(
                ticket,
                gettext_lazy("诉求已答复"),
                gettext_lazy("工单 %(number)s：%(member)s12345 已答复，请查看。"),
                params=params,
            )
        elif transfer.remote_status in (TicketStatus.CLOSED, TicketStatus.CLOSED_UNREACHABLE):
            loop._tell(
                ticket,
                gettext_lazy("工单已办结"),
                gettext_lazy("工单 %(number)s 已由%(member)s12345 办结。"),
                sms=False,
                params=params,
            )
    return True


# --- how the steps read -------------------------------------------------------------------------------------
def _level_name(value) -> str:
    try:
        return str(RevisitLevel(int(value)).label)
    except (TypeError, ValueError):
        return ""


def transfer_step_title(event: TicketEvent, *, staff: bool) -> str | None:
    """The phrase of a transfer's step (None for other steps)."""
    data = event.data or {}
    if event.kind == "received" and data.get("channel") == "transfer":
        return _("%(member)s12345 转办的诉求已受理") % {"member": data.get("frm", "")}
    if event.kind == "transferred":
        return _("已转办至%(member)s12345") % {"member": data.get("to", "")}
    if event.kind != "transfer_status":
        return None
    member, step = data.get("member", ""), str(data.get("event", ""))
    phrases = {
        "dispatched": _("%(member)s12345 已转交承办单位：%(unit)s"),
        "contacted": _("%(member)s12345：承办单位已联系诉求人，正在核实"),
        "triaged": _("%(member)s12345：承办单位已核实"),
        "answered": _("%(member)s12345 已答复"),
        "reopened": _("%(member)s12345：重新办理"),
        "closed": _("%(member)s12345 已办结"),
        "closed_unreachable": _("%(member)s12345：三次回访均未联系上，工单关闭"),
        "merged": _("%(member)s12345：已与其他工单合并办理"),
    }
    if step == "revisited":
        if data.get("status") == TicketStatus.CLOSED:
            text = _("%(member)s12345 回访：%(level)s，已办结")
        else:
            text = _("%(member)s12345 回访：%(level)s，重新办理")
        return text % {"member": member, "level": _level_name(data.get("level"))}
    return phrases.get(step, _("%(member)s12345 办理进度更新")) % {
        "member": member,
        "unit": data.get("unit", ""),
    }
