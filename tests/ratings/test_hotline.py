"""The 12345 console and the online 诉求 (docs/domain/ratings.md §7): only operators open the console; a
caller's look-up is audited with the caller as its subject and never keeps the number in clear; a ticket is
registered for the caller, its duplicates proposed first; routing records every hop and past three puts the
ticket under 督办; a department's re-routing request comes first on the list; a merged duplicate's caller gets
the main ticket's answer; a transfer is refused 409; the caller's rating from a call closes or reopens."""

from __future__ import annotations

import logging
import re

import pytest

from tests.conftest import csrf_headers, login_client
from tongban.accounts.constants import Role
from tongban.accounts.facade import actor_for
from tongban.core.models import AuditEvent
from tongban.notifications.models import Message
from tongban.ratings import tickets as loop
from tongban.ratings.constants import TicketStatus
from tongban.ratings.models import Evaluation, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def hotline_world(rating_world, make_staff):
    operator = make_staff(rating_world["region"], Role.HOTLINE_OPERATOR)
    handler = make_staff(rating_world["department"], Role.RATING_HANDLER)
    return {
        **rating_world,
        "operator": operator,
        "op": login_client(operator),
        "handler": handler,
        "handler_client": login_client(handler),
    }


def _post(client, url, data):
    return client.post(url, data, **csrf_headers(client))


def _lookup(world, phone=None):
    return _post(world["op"], "/hotline/lookup/", {"phone": phone or world["applicant"].phone})


def _form(world, **extra):
    return {
        "kind": "complaint",
        "topic": "材料",
        "unit": str(world["department"].uuid),
        "case_number": world["case"].number,
        "content": "窗口说材料不全，但办事指南上没有写",
        **extra,
    }


def _create(world, **extra):
    return _post(world["op"], "/hotline/tickets/", _form(world, **extra))


def _ticket_page(world, ticket):
    return f"/hotline/tickets/{ticket.uuid}/"


def _answered_consult(world) -> Ticket:
    """A consult registered from a call and answered by the department (consults go received → answered)."""
    _lookup(world)
    assert _create(world, kind="consult", case_number="").status_code == 302
    ticket = Ticket.objects.latest("id")
    return loop.ticket_answer(
        actor=actor_for(world["handler"]), ticket=ticket, text="材料清单见办事指南第三条"
    )


def test_only_operators_open_the_console_and_its_pages(hotline_world, client):
    world = hotline_world
    _lookup(world)
    _create(world)
    ticket = Ticket.objects.get()
    for other in (world["client"], world["handler_client"]):  # a citizen, a department's handler
        assert other.get("/hotline/").status_code == 403
        assert _post(other, "/hotline/lookup/", {"phone": world["applicant"].phone}).status_code == 403
        assert _post(other, "/hotline/tickets/", _form(world)).status_code == 403
        assert other.get(_ticket_page(world, ticket)).status_code == 403
        assert _post(other, _ticket_page(world, ticket), {"action": "transfer"}).status_code == 403
    assert client.get("/hotline/").status_code == 302  # anonymous: to the login page
    assert AuditEvent.objects.filter(action="ratings.hotline_lookup").count() == 1
    assert Ticket.objects.count() == 1
    page = world["op"].get("/hotline/")
    assert page.status_code == 200
    assert 'href="/hotline/"' in page.content.decode()  # the menu's 12345 entry
    assert 'href="/hotline/"' not in world["client"].get("/ratings/mine/").content.decode()


def test_a_lookup_shows_the_caller_and_is_audited_for_them_without_the_number(hotline_world, caplog):
    world = hotline_world
    phone = world["applicant"].phone
    caplog.set_level(logging.DEBUG)
    bad = _lookup(world, "1380000")
    assert bad.status_code == 422 and "手机号码格式不正确" in bad.content.decode()
    assert not AuditEvent.objects.filter(action="ratings.hotline_lookup").exists()

    assert _lookup(world, f"{phone[:3]}-{phone[3:7]}-{phone[7:]}").status_code == 302
    page = world["op"].get("/hotline/").content.decode()
    assert "李*" in page and f"{phone[:3]}****{phone[-4:]}" in page and phone not in page
    assert world["case"].number in page and "房屋租赁登记备案" in page
    event = AuditEvent.objects.get(action="ratings.hotline_lookup")
    assert event.subject_user_id == world["applicant"].user_id
    assert event.after["organisation"] == "上海市"
    stored = " ".join(
        str(getattr(event, f.attname)) for f in AuditEvent._meta.concrete_fields if f.attname != "id"
    )
    assert phone not in stored and f"{phone[:3]}****{phone[-4:]}" in stored
    assert phone not in caplog.text
    # the caller sees the look-up under 谁使用了我的信息
    me = world["client"].get("/accounts/me/").content.decode()
    assert "12345 热线查询了您的来电记录和办件" in me and "上海市" in me

    # a number without an account: looked up and audited, no subject
    assert _lookup(world, "13912345678").status_code == 302
    assert "未注册用户" in world["op"].get("/hotline/").content.decode()
    unknown = AuditEvent.objects.filter(action="ratings.hotline_lookup").latest("id")
    assert unknown.subject_user_id is None and "13912345678" not in str(unknown.after)
    # the call ends: the caller is forgotten
    assert _post(world["op"], "/hotline/end-call/", {}).status_code == 302
    assert "查询来电人" in world["op"].get("/hotline/").content.decode()


def test_a_ticket_is_registered_for_the_caller_and_bad_input_writes_nothing(hotline_world):
    world = hotline_world
    assert _create(world).status_code == 302  # no caller looked up yet: back to the console
    assert Ticket.objects.count() == 0
    _lookup(world)
    for bad, field in (
        ({"kind": "bad_review"}, "kind"),
        ({"kind": "gossip"}, "kind"),
        ({"unit": str(world["window"].uuid)}, "unit"),
        ({"unit": "not-a-uuid"}, "unit"),
        ({"content": "   "}, "content"),
        ({"topic": "天气"}, "topic"),
    ):
        answer = _create(world, confirm="1", **bad)
        assert answer.status_code == 422, (bad, answer.status_code)
        assert answer.context["error"].details["field"] == field
        assert 'id="form-error"' in answer.content.decode()
    assert Ticket.objects.count() == 0 and TicketEvent.objects.count() == 0

    answer = _create(world, urgent="1")
    ticket = Ticket.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/hotline/tickets/{ticket.uuid}/"
    assert (ticket.kind, ticket.topic, ticket.urgent) == ("complaint", "材料", True)
    assert ticket.caller_phone == world["applicant"].phone
    assert ticket.person_user_id == world["applicant"].user_id and ticket.person_label.startswith("李*")
    assert ticket.unit_uuid == world["department"].uuid and ticket.number.startswith("TS")
    assert list(ticket.events.values_list("kind", flat=True)) == ["received", "routed"]
    assert ticket.events.get(kind="received").data["channel"] == "hotline"
    page = world["op"].get(f"/hotline/tickets/{ticket.uuid}/").content.decode()
    assert ticket.number in page and "窗口说材料不全" in page
    assert world["applicant"].phone not in page  # the caller is shown masked
    read = AuditEvent.objects.get(action="ratings.ticket_read", object_id=str(ticket.uuid))
    assert read.subject_user_id == world["applicant"].user_id
    me = world["client"].get("/accounts/me/").content.decode()  # 谁使用了我的信息: the organisation, no login
    assert "查看了您的工单" in me and f"办理工单 {ticket.number}" in me
    assert world["operator"].username not in me


def test_the_callers_open_tickets_on_the_same_matter_are_proposed_and_may_be_merged(hotline_world):
    world = hotline_world
    _lookup(world)
    _create(world)
    first = Ticket.objects.get()
    # the same case number: proposed, nothing written
    answer = _create(world, topic="窗口服务", unit=str(world["centre"].uuid))
    assert answer.status_code == 200 and first.number in answer.content.decode()
    assert [t.pk for t in answer.context["duplicates"]] == [first.pk]
    # the same department and classification without a case number: proposed too
    answer = _create(world, case_number="")
    assert [t.pk for t in answer.context["duplicates"]] == [first.pk]
    assert Ticket.objects.count() == 1
    # the form's default button (Enter in a field) checks again: it neither merges nor skips the check
    form = answer.content.decode().split('id="new-ticket"', 1)[1]
    assert (
        re.search(r'<button type="submit"[^>]*>', form).group(0)
        == '<button type="submit" class="button primary">'
    )
    # another department and topic, no case number: nothing to propose
    assert _create(world, case_number="", topic="证照", unit=str(world["centre"].uuid)).status_code == 302
    assert Ticket.objects.count() == 2
    # registered anyway, or registered and merged at once
    assert _create(world, confirm="1").status_code == 302
    assert _create(world, merge_into=str(first.uuid)).status_code == 302
    merged = Ticket.objects.latest("id")
    assert merged.status == TicketStatus.MERGED and merged.merged_into == first
    assert first.events.filter(kind="merged_from", data__duplicate=merged.number).exists()
    assert Ticket.objects.count() == 4


def test_routing_records_every_hop_and_more_than_three_go_under_supervision(hotline_world, make_staff):
    world = hotline_world
    make_staff(world["huangpu"], Role.SUPERVISOR)
    _lookup(world)
    _create(world)
    ticket = Ticket.objects.get()
    url = _ticket_page(world, ticket)
    refused = _post(
        world["op"], url, {"action": "route", "unit": str(world["xh_housing"].uuid), "reason": ""}
    )
    assert refused.status_code == 422 and "请填写说明" in refused.content.decode()
    same = _post(world["op"], url, {"action": "route", "unit": str(world["department"].uuid), "reason": "x"})
    assert same.status_code == 422
    assert Ticket.objects.get().hops == 0
    units = [world["xh_housing"], world["centre"], world["department"], world["xh_housing"]]
    for n, unit in enumerate(units, start=1):
        answer = _post(
            world["op"], url, {"action": "route", "unit": str(unit.uuid), "reason": f"第{n}次转派"}
        )
        assert answer.status_code == 302
        ticket.refresh_from_db()
        assert ticket.hops == n and ticket.unit_uuid == unit.uuid
        assert (ticket.supervised_at is not None) == (n > 3)
    hops = list(ticket.events.filter(kind="routed").order_by("id"))
    assert [h.key for h in hops] == ["hop-0", "hop-1", "hop-2", "hop-3", "hop-4"]
    assert (hops[1].data["frm"], hops[1].data["to"], hops[1].text) == (
        "黄浦区房管局",
        "徐汇区房管局",
        "第1次转派",
    )
    assert all(h.actor_user_id == world["operator"].pk for h in hops)
    assert ticket.events.filter(kind="supervised", data__reason="hops").count() == 1
    assert "第4次转派" in world["op"].get(url).content.decode()


def test_a_rerouting_request_comes_first_until_the_ticket_is_routed(hotline_world):
    world = hotline_world
    _lookup(world)
    _create(world)
    _create(world, confirm="1", kind="consult", case_number="", topic="证照")
    older, newer = Ticket.objects.order_by("id")
    listed = world["op"].get("/hotline/").context["open_tickets"]
    assert [t.pk for t in listed] == [older.pk, newer.pk]
    loop.ticket_reroute_request(actor=actor_for(world["handler"]), ticket=newer, reason="不属于本局职责")
    page = world["op"].get("/hotline/")
    assert [t.pk for t in page.context["open_tickets"]] == [newer.pk, older.pk]
    assert "申请改派" in page.content.decode() and "不属于本局职责" in page.content.decode()
    assert "不属于本局职责" in world["op"].get(_ticket_page(world, newer)).content.decode()
    _post(
        world["op"],
        _ticket_page(world, newer),
        {"action": "route", "unit": str(world["centre"].uuid), "reason": "改派服务中心"},
    )
    assert [t.pk for t in world["op"].get("/hotline/").context["open_tickets"]] == [older.pk, newer.pk]
    assert 'id="reroute"' not in world["op"].get(_ticket_page(world, newer)).content.decode()


def test_a_merged_duplicate_is_closed_and_its_caller_gets_the_main_answer(hotline_world):
    world = hotline_world
    _lookup(world)
    _create(world, kind="consult")
    main = Ticket.objects.get()
    stranger = world["stranger"]
    _lookup(world, stranger.phone)
    _create(world, kind="consult")
    duplicate = Ticket.objects.latest("id")
    assert duplicate.person_user_id == stranger.user_id
    url = _ticket_page(world, duplicate)
    unknown = _post(world["op"], url, {"action": "merge", "main": "ZX000"})
    assert unknown.status_code == 422 and "未找到要合并到的工单" in unknown.content.decode()
    itself = _post(world["op"], url, {"action": "merge", "main": duplicate.number})
    assert itself.status_code == 422
    assert Ticket.objects.get(pk=duplicate.pk).status == TicketStatus.RECEIVED
    assert _post(world["op"], url, {"action": "merge", "main": main.number.lower()}).status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == TicketStatus.MERGED and duplicate.merged_into == main
    assert duplicate.events.filter(kind="merged", data__into=main.number).exists()
    assert duplicate.pk not in [t.pk for t in world["op"].get("/hotline/").context["open_tickets"]]
    loop.ticket_answer(actor=actor_for(world["handler"]), ticket=main, text="可在网上办理")
    told = Message.objects.filter(user_id=stranger.user_id, title="诉求已答复").get()
    assert str(duplicate.uuid) in told.link


def test_a_transfer_to_another_region_is_refused_with_its_message(hotline_world):
    world = hotline_world
    _lookup(world)
    _create(world)
    ticket = Ticket.objects.get()
    answer = _post(world["op"], _ticket_page(world, ticket), {"action": "transfer", "to_region": "320000"})
    assert answer.status_code == 409
    assert answer.context["error"].code == "region_not_federated"
    assert "该地区尚未接入转办，请告知来电人拨打当地12345" in answer.content.decode()
    assert Ticket.objects.get().status == TicketStatus.RECEIVED


def test_the_callers_rating_from_a_call_closes_or_reopens(hotline_world):
    world = hotline_world
    ticket = _answered_consult(world)
    url = _ticket_page(world, ticket)
    assert "记录来电人对答复的评价" in world["op"].get(url).content.decode()
    bad = _post(world["op"], url, {"action": "rate", "level": "6"})
    assert bad.status_code == 422 and "请选择一个满意度等级" in bad.content.decode()
    assert not Evaluation.objects.exists() and Ticket.objects.get().status == TicketStatus.ANSWERED

    assert _post(world["op"], url, {"action": "rate", "level": "4", "text": "答复清楚"}).status_code == 302
    evaluation = Evaluation.objects.get()
    assert (evaluation.kind, evaluation.channel, evaluation.level) == ("ticket", "phone", 4)
    assert (
        evaluation.subject_uuid == ticket.uuid and evaluation.evaluator_user_id == world["applicant"].user_id
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.revisit_level == 3
    assert ticket.events.get(kind="revisited").data["channel"] == "phone"
    again = _post(world["op"], url, {"action": "rate", "level": "4"})
    assert again.status_code == 409 and Evaluation.objects.count() == 1

    second = _answered_consult(world)
    assert (
        _post(world["op"], _ticket_page(world, second), {"action": "rate", "level": "2"}).status_code == 302
    )
    second.refresh_from_db()
    assert (second.status, second.reopened) == (TicketStatus.VERIFYING, 1)
    assert Evaluation.objects.get(subject_uuid=second.uuid).is_bad


def test_a_signed_in_person_makes_an_online_request(hotline_world, client):
    world = hotline_world
    person = world["client"]
    assert client.get("/hotline/new/").status_code == 302  # anonymous: to the login page
    page = person.get("/hotline/new/")
    assert page.status_code == 200 and "黄浦区房管局" in page.content.decode()
    assert 'href="/hotline/new/"' in page.content.decode()  # 我的诉求 in the person's menu
    assert 'href="/hotline/new/"' in person.get("/ratings/mine/").content.decode()
    form = {
        "kind": "suggestion",
        "topic": "网上办事",
        "unit": str(world["centre"].uuid),
        "content": "希望延长",
    }
    for bad in ({"kind": "complaint!"}, {"unit": ""}, {"content": ""}, {"topic": ""}):
        answer = _post(person, "/hotline/new/", {**form, **bad})
        assert answer.status_code == 422 and 'id="form-error"' in answer.content.decode()
    assert Ticket.objects.count() == 0
    answer = _post(person, "/hotline/new/", form)
    ticket = Ticket.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/ratings/tickets/{ticket.uuid}/"
    assert ticket.person_user_id == world["applicant"].user_id and ticket.caller_phone == ""
    assert (ticket.kind, ticket.topic, ticket.number[:2]) == ("suggestion", "网上办事", "JY")
    assert ticket.events.get(kind="received").data["channel"] == "online"
    assert person.get(answer["Location"]).status_code == 200
    assert ticket.number in person.get("/hotline/new/").content.decode()
    assert ticket.number not in world["handler_client"].get("/hotline/new/").content.decode()


def test_online_requests_are_limited_per_hour_as_the_api(hotline_world, monkeypatch):
    from tongban.ratings import access

    monkeypatch.setattr(access, "RATE_LIMIT_ACCOUNT", 1)
    person, world = hotline_world["client"], hotline_world
    form = {"kind": "consult", "topic": "材料", "unit": str(world["department"].uuid), "content": "要带什么"}
    assert _post(person, "/hotline/new/", form).status_code == 302
    refused = _post(person, "/hotline/new/", form)
    assert refused.status_code == 429 and 'id="form-error"' in refused.content.decode()
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("role", list(Role))
def test_the_12345_menu_entry_is_offered_to_exactly_those_the_console_lets_in(org_tree, make_staff, role):
    from tongban.accounts.facade import menu_abilities

    org = org_tree["window"] if role == Role.WINDOW_CLERK else org_tree["region"]
    user = make_staff(org, role=role)
    client = login_client(user)
    assert menu_abilities(actor_for(user))["hotline"] == (client.get("/hotline/").status_code == 200)
