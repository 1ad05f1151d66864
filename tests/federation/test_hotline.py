"""12345 一号通办 between members in one database (docs/domain/ratings.md §7, docs/domain/federation.md §8): this
member (上海, 310000) transfers a ticket to the partner (江苏, 320000) — the ticket's change and its outbox
message commit together or not at all; a transfer the partner signs makes one local ticket, once, whose
every change is reported back with a growing sequence; the partner's reports update our transferred ticket,
an older one ignored."""

from __future__ import annotations

import logging
import uuid

import pytest
from django.db import transaction

from tests.conftest import csrf_headers, login_client
from tongban.accounts.constants import Role
from tongban.accounts.facade import actor_for
from tongban.core.models import AuditEvent
from tongban.federation.models import InboundMessage, OutboundMessage
from tongban.notifications.models import Message
from tongban.ratings import tickets as loop
from tongban.ratings import transfers
from tongban.ratings.constants import TicketStatus
from tongban.ratings.models import Ticket, TicketTransfer

URL = "/api/federation/messages"


@pytest.fixture
def world(region, org_tree, make_person, make_staff):
    caller = make_person("李秀英")
    operator = make_staff(org_tree["region"], Role.HOTLINE_OPERATOR)
    handler = make_staff(org_tree["hp_housing"], Role.RATING_HANDLER)
    return {
        **org_tree,
        "caller": caller,
        "caller_client": login_client(caller.user),
        "operator": operator,
        "op": login_client(operator),
        "handler": handler,
    }


def _post(client, path, body):
    return client.post(path, body, content_type="application/json", **csrf_headers(client))


def _call(world, **body):
    payload = {
        "kind": "complaint",
        "unit": str(world["hp_housing"].uuid),
        "topic": "窗口服务",
        "content": "在苏州办理的社保转移一直没有结果",
        "phone": world["caller"].user.phone,
        **body,
    }
    answer = _post(world["op"], "/api/staff/ratings/hotline-tickets", payload)
    assert answer.status_code == 201, answer.content
    return Ticket.objects.get(uuid=answer.json()["uuid"])


def _transfer(world, ticket, region="320000", text="社保关系在江苏"):
    return _post(
        world["op"],
        f"/api/staff/ratings/tickets/{ticket.uuid}/steps",
        {"step": "transfer", "region": region, "text": text},
    )


def _deliver(client, token, capture):
    with capture(execute=True):
        answer = client.post(URL, {"message": token}, content_type="application/json")
    return answer


# --- out --------------------------------------------------------------------------------------------------------
def test_a_transfer_marks_the_ticket_and_writes_its_message_in_the_same_transaction(world, caplog):
    ticket = _call(world)
    caplog.set_level(logging.DEBUG)
    answer = _transfer(world, ticket)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == TicketStatus.TRANSFERRED
    assert body["transfer"]["member_name"] == "江苏省" and body["transfer"]["direction"] == "out"

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.TRANSFERRED and ticket.closed_at is not None
    event = ticket.events.get(kind="transferred")
    assert event.data["to"] == "江苏省" and event.text == "社保关系在江苏" and event.actor_user_id
    message = OutboundMessage.objects.get()
    assert (message.type, message.to_member, message.correlation) == (
        "hotline.transfer",
        "320000",
        ticket.uuid,
    )
    sent = message.body
    assert sent["ref"] == str(ticket.uuid) and sent["number"] == ticket.number
    assert (sent["kind"], sent["topic"], sent["content"]) == ("complaint", "窗口服务", ticket.content)
    assert sent["caller"] == {"name": "李秀英", "phone": world["caller"].user.phone}
    assert sent["received_on"] == ticket.received_on.isoformat()
    assert sent["answer_due"] == ticket.answer_due.isoformat() and sent["note"] == "社保关系在江苏"
    # the hand-over of the caller's data is audited (谁使用了我的信息), never logged
    assert AuditEvent.objects.filter(action="ratings.ticket_transfer", object_id=str(ticket.uuid)).exists()
    assert world["caller"].user.phone not in caplog.text and "李秀英" not in caplog.text

    # the person's 我的诉求 shows where it went; they are told
    page = world["caller_client"].get(f"/ratings/tickets/{ticket.uuid}/")
    assert (
        "已转至江苏省12345 办理" in page.content.decode() and "已转办至江苏省12345" in page.content.decode()
    )
    assert Message.objects.filter(user_id=world["caller"].user_id, title="诉求已转办").exists()
    # it left this member's open queue; it cannot be transferred or merged again
    assert ticket.pk not in [t.pk for t in world["op"].get("/hotline/").context["open_tickets"]]
    again = _transfer(world, ticket)
    assert again.status_code == 409 and again.json()["code"] == "rating_ticket_state"
    assert OutboundMessage.objects.count() == 1


def test_a_transfer_rolled_back_leaves_neither_the_change_nor_the_message(world):
    ticket = _call(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        transfers.ticket_transfer(actor=actor_for(world["operator"]), ticket=ticket, to_region="320000")
        assert OutboundMessage.objects.count() == 1  # written in the change's transaction …
        raise RuntimeError("the change fails after the message was written")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RECEIVED and not ticket.transfer_direction  # … and gone with it
    assert not OutboundMessage.objects.exists() and not TicketTransfer.objects.exists()
    assert not ticket.events.filter(kind="transferred").exists()


def test_a_transfer_to_a_region_that_is_not_another_member_is_refused(world):
    ticket = _call(world)
    for code in ("330000", "310000", ""):
        answer = _transfer(world, ticket, region=code)
        assert answer.status_code == 409 and answer.json()["code"] == "region_not_federated", code
    assert Ticket.objects.get().status == TicketStatus.RECEIVED and not OutboundMessage.objects.exists()
    # the page offers the partner, by name
    page = world["op"].get(f"/hotline/tickets/{ticket.uuid}/")
    assert [m.code for m in page.context["members"]] == ["320000"]
    assert "江苏省12345" in page.content.decode()


# --- in ---------------------------------------------------------------------------------------------------------
def _transfer_body(**over):
    return {
        "ref": str(uuid.uuid4()),
        "number": "TS20261207ABCDE12345",
        "kind": "consult",
        "topic": "社保",
        "content": "在上海工作，社保如何转回江苏？",
        "case_number": "",
        "urgent": False,
        "caller": {"name": "王小明", "phone": "13812345678"},
        "received_on": "2026-12-07",
        "contact_due": None,
        "answer_due": "2026-12-08",
        "note": "参保地在江苏",
        "transferred_at": "2026-12-07T10:00:00+08:00",
        **over,
    }


def test_a_transfer_from_the_partner_makes_one_local_ticket_whose_changes_are_reported_back(
    world, client, partner, django_capture_on_commit_callbacks
):
    body = _transfer_body()
    token = partner.message(type="hotline.transfer", body=body)
    assert _deliver(client, token, django_capture_on_commit_callbacks).status_code == 200
    assert InboundMessage.objects.get().status == "processed"
    ticket = Ticket.objects.get()
    assert ticket.transfer_direction == "in" and ticket.status == TicketStatus.RECEIVED
    assert ticket.unit_uuid == world["region"].uuid  # in the region's 12345 queue, to be dispatched
    assert (ticket.kind, ticket.topic, ticket.caller_phone) == ("consult", "社保", "13812345678")
    assert ticket.person_label == "王*明 138****5678" and ticket.person_user_id is None
    assert ticket.answer_due is not None  # this member's limits, from the day it arrived
    row = ticket.transfer
    assert (row.member, row.member_name, row.remote_ref) == ("320000", "江苏省", body["ref"])
    assert row.remote_number == body["number"] and row.caller_name == "王小明"
    assert ticket.events.get(kind="received").data["channel"] == "transfer"
    page = world["op"].get(f"/hotline/tickets/{ticket.uuid}/")
    assert "江苏省12345 转办的诉求已受理" in page.content.decode() and page.context["awaiting_dispatch"]
    assert ticket.pk in [t.pk for t in world["op"].get("/hotline/").context["open_tickets"]]

    # the same message again is a replay; the same transfer in another message makes nothing either
    again = client.post(URL, {"message": token}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "message_replayed"
    other = partner.message(type="hotline.transfer", body=body)
    assert _deliver(client, other, django_capture_on_commit_callbacks).status_code == 200
    assert Ticket.objects.count() == 1 and InboundMessage.objects.filter(status="processed").count() == 2

    # the operator dispatches it (no hop), the department answers, the operator records the caller's rating
    operator, handler = actor_for(world["operator"]), actor_for(world["handler"])
    loop.ticket_route(actor=operator, ticket=ticket, unit_uuid=world["hp_housing"].uuid, reason="派至房管局")
    ticket.refresh_from_db()
    assert ticket.hops == 0 and ticket.unit_name == "黄浦区房管局"
    loop.ticket_answer(actor=handler, ticket=ticket, text="可在江苏社保网办理转移")
    loop.ticket_rate_answer(
        actor=operator, ticket=ticket, level=5, text="", channel="phone", recorded_by_staff=True
    )
    reports = list(OutboundMessage.objects.filter(type="hotline.status").order_by("id"))
    assert [(m.to_member, m.body["seq"], m.body["event"]) for m in reports] == [
        ("320000", 1, "dispatched"),
        ("320000", 2, "answered"),
        ("320000", 3, "revisited"),
    ]
    assert all(m.body["ref"] == body["ref"] and m.body["remote"] == str(ticket.uuid) for m in reports)
    assert reports[0].body["unit"] == "黄浦区房管局"
    assert reports[1].body["answer"] == "可在江苏社保网办理转移" and reports[1].body["status"] == "answered"
    assert (reports[2].body["status"], reports[2].body["revisit_level"]) == ("closed", 3)


def test_a_malformed_transfer_is_kept_failed_and_makes_nothing(
    world, client, partner, django_capture_on_commit_callbacks
):
    token = partner.message(type="hotline.transfer", body=_transfer_body(kind="bad_review"))
    assert _deliver(client, token, django_capture_on_commit_callbacks).status_code == 200
    assert InboundMessage.objects.get().status == "failed" and not Ticket.objects.exists()


# --- back -------------------------------------------------------------------------------------------------------
def _status(partner, ticket, seq, event, status, **over):
    body = {
        "ref": str(ticket.uuid),
        "remote": "8f0d3c86-6f1e-4d0e-9a37-7b1f6c1c2a10",
        "number": "ZX20261207JS0000000001",
        "seq": seq,
        "event": event,
        "status": status,
        "unit": "苏州市人社局",
        "answer": "",
        "answered_at": None,
        "revisit_level": None,
        "at": "2026-12-07T12:00:00+08:00",
        **over,
    }
    return partner.message(type="hotline.status", body=body)


def test_status_reports_update_the_transferred_ticket_and_an_older_one_is_ignored(
    world, client, partner, django_capture_on_commit_callbacks
):
    ticket = _call(world, kind="consult")
    assert _transfer(world, ticket).status_code == 200
    deliver = lambda token: _deliver(client, token, django_capture_on_commit_callbacks)  # noqa: E731

    answered = {"answer": "社保转移已在江苏办理完毕", "answered_at": "2026-12-07T15:00:00+08:00"}
    assert deliver(_status(partner, ticket, 2, "answered", "answered", **answered)).status_code == 200
    row = TicketTransfer.objects.get(ticket=ticket)
    assert (row.seq, row.remote_status, row.remote_answer) == (2, "answered", "社保转移已在江苏办理完毕")
    assert row.remote_number == "ZX20261207JS0000000001" and row.remote_unit == "苏州市人社局"
    assert Message.objects.filter(user_id=world["caller"].user_id, title="诉求已答复").exists()

    # an older report arriving later changes nothing
    assert deliver(_status(partner, ticket, 1, "dispatched", "received")).status_code == 200
    row.refresh_from_db()
    assert (row.seq, row.remote_status) == (2, "answered")
    assert ticket.events.filter(kind="transfer_status").count() == 1

    closed = {**answered, "revisit_level": 3}
    assert deliver(_status(partner, ticket, 3, "revisited", "closed", **closed)).status_code == 200
    row.refresh_from_db()
    assert (row.seq, row.remote_status, row.remote_revisit_level) == (3, "closed", 3)
    assert InboundMessage.objects.filter(status="processed").count() == 3
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.TRANSFERRED  # handled there; here it stays transferred

    # the operator's page and the person's show the partner's answer and the revisit
    page = world["op"].get(f"/hotline/tickets/{ticket.uuid}/").content.decode()
    assert "江苏省12345 已答复" in page and "江苏省12345 回访：满意，已办结" in page
    assert "社保转移已在江苏办理完毕" in page
    assert 'id="transfer-status">已办结<' in page and 'id="transfer-revisit">满意<' in page
    mine = world["caller_client"].get(f"/api/ratings/tickets/{ticket.uuid}").json()
    assert mine["transfer"]["remote_status"] == "closed" and mine["transfer"]["remote_revisit_level"] == 3
    assert mine["transfer"]["remote_answer"] == "社保转移已在江苏办理完毕"
    person_page = world["caller_client"].get(f"/ratings/tickets/{ticket.uuid}/").content.decode()
    assert "社保转移已在江苏办理完毕" in person_page
    assert 'id="transfer-status">已办结<' in person_page and 'id="transfer-revisit">满意<' in person_page

    # a report for a ticket not transferred there changes nothing
    other = _call(world, content="另一件事")
    assert deliver(_status(partner, other, 9, "answered", "answered", answer="x")).status_code == 200
    assert not TicketTransfer.objects.filter(ticket=other).exists()
    assert InboundMessage.objects.filter(status="processed").count() == 4
