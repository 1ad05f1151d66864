"""12345 tickets through the API (docs/domain/ratings.md §7): made on the phone by an operator or online by the
person; routed with every hop recorded (past three, 督办); a unit asks for re-routing, never sends one back;
duplicates merged; a transfer to another region refused; the caller's rating of the answer; who may do what."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_headers, login_client
from tongban.accounts.constants import Role
from tongban.core.models import AuditEvent
from tongban.notifications.models import Message
from tongban.ratings.constants import TicketStatus
from tongban.ratings.models import Evaluation, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def hotline_world(rating_world, make_staff):
    applicant = rating_world["applicant"]
    return {
        **rating_world,
        "operator": login_client(make_staff(rating_world["region"], Role.HOTLINE_OPERATOR)),
        "handler": login_client(make_staff(rating_world["department"], Role.RATING_HANDLER)),
        "xh_handler": login_client(make_staff(rating_world["xh_housing"], Role.RATING_HANDLER)),
        "supervisor": make_staff(rating_world["region"], Role.SUPERVISOR),
        "phone": applicant.user.phone,
    }


def _post(client, path, body):
    return client.post(path, body, content_type="application/json", **csrf_headers(client))


def _call(world, **body):
    payload = {
        "kind": "complaint",
        "unit": str(world["department"].uuid),
        "topic": "窗口服务",
        "content": "办理租赁备案时窗口要求额外证明，电话 13912345678",
        "phone": world["phone"],
        **body,
    }
    return _post(world["operator"], "/api/staff/ratings/hotline-tickets", payload)


def _step(client, ticket_uuid, step, **body):
    return _post(client, f"/api/staff/ratings/tickets/{ticket_uuid}/steps", {"step": step, **body})


def test_an_operator_takes_a_call_and_bad_input_writes_nothing(hotline_world):
    for bad, code in (
        ({"phone": "1234"}, "invalid_phone"),
        ({"kind": "bad_review"}, "rating_ticket_kind_invalid"),
        ({"unit": str(hotline_world["window"].uuid)}, "rating_ticket_unit_invalid"),
        ({"unit": "not-a-uuid"}, "rating_ticket_unit_invalid"),
        ({"content": "   "}, "rating_ticket_text_required"),
        ({"topic": "随便什么"}, "rating_ticket_topic_invalid"),
        ({"content": "长" * 2001}, "rating_ticket_text_too_long"),
    ):
        answer = _call(hotline_world, **bad)
        assert answer.status_code == 422 and answer.json()["code"] == code, (bad, answer.content)
    assert not Ticket.objects.exists()
    # only an operator takes calls
    citizen = _post(
        hotline_world["client"],
        "/api/staff/ratings/hotline-tickets",
        {
            "kind": "consult",
            "unit": str(hotline_world["department"].uuid),
            "content": "x",
            "phone": "13900000000",
        },
    )
    assert citizen.status_code == 403 and not Ticket.objects.exists()

    made = _call(hotline_world)
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["number"].startswith("TS") and body["status"] == "received"
    assert "139****5678" in body["content"] and "13912345678" not in body["content"]  # masked for staff
    ticket = Ticket.objects.get()
    assert ticket.person_user_id == hotline_world["applicant"].user_id  # the caller's account, by phone
    assert ticket.contact_due and ticket.answer_due
    # the caller follows it online, with the text as they said it
    mine = hotline_world["client"].get(f"/api/ratings/tickets/{ticket.uuid}").json()
    assert mine["content"].endswith("13912345678")
    assert Message.objects.filter(user_id=ticket.person_user_id, title="诉求已受理").exists()


def test_routing_records_every_hop_and_past_three_puts_it_under_supervision(hotline_world, org_tree):
    ticket = _call(hotline_world).json()
    operator = hotline_world["operator"]
    # the unit cannot route it itself; it asks, with a reason
    assert (
        _step(
            hotline_world["handler"], ticket["uuid"], "route", unit=str(org_tree["xh_housing"].uuid), text="x"
        ).status_code
        == 403
    )
    asked = _step(
        hotline_world["handler"], ticket["uuid"], "reroute_request", text="房屋在徐汇区，非本局管辖"
    )
    assert asked.status_code == 200
    units = [org_tree["xh_housing"], org_tree["hp_housing"], org_tree["xh_housing"], org_tree["centre"]]
    same = _step(operator, ticket["uuid"], "route", unit=str(org_tree["hp_housing"].uuid), text="原单位")
    assert same.status_code == 422 and same.json()["code"] == "rating_ticket_unit_invalid"
    no_reason = _step(operator, ticket["uuid"], "route", unit=str(org_tree["xh_housing"].uuid), text="")
    assert no_reason.status_code == 422
    for n, unit in enumerate(units, start=1):
        routed = _step(operator, ticket["uuid"], "route", unit=str(unit.uuid), text=f"第{n}次转派")
        assert routed.status_code == 200, routed.content
        assert routed.json()["hops"] == n and routed.json()["unit_name"] == unit.name
        assert routed.json()["supervised"] is (n > 3)
    row = Ticket.objects.get()
    hops = list(row.events.filter(kind="routed").values_list("data__to", flat=True))
    assert hops == ["黄浦区房管局", "徐汇区房管局", "黄浦区房管局", "徐汇区房管局", "黄浦区行政服务中心"]
    assert row.answer_due == Ticket.objects.get().answer_due  # the limits run on
    # the first unit no longer sees it; the last one does
    assert hotline_world["handler"].get(f"/api/staff/ratings/tickets/{ticket['uuid']}").status_code == 404
    transfer = _step(operator, ticket["uuid"], "transfer", region="320000")
    assert transfer.status_code == 409 and transfer.json()["code"] == "region_not_federated"
    assert "拨打当地12345" in transfer.json()["message"]


def test_a_consult_is_answered_and_the_caller_rates_the_answer_online(hotline_world):
    ticket = _call(hotline_world, kind="consult", content="租赁备案需要哪些材料？").json()
    handler = hotline_world["handler"]
    assert ticket["contact_due"] is None  # a consult needs no contact step
    contact = _step(handler, ticket["uuid"], "contact", text="x")
    assert contact.status_code == 409 and contact.json()["code"] == "rating_ticket_state"
    answered = _step(handler, ticket["uuid"], "answer", text="需要租赁合同和身份证明")
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    client = hotline_world["client"]
    bad = _post(client, f"/api/ratings/tickets/{ticket['uuid']}/revisit", {"level": 9})
    assert bad.status_code == 422 and not Evaluation.objects.exists()
    rated = _post(client, f"/api/ratings/tickets/{ticket['uuid']}/revisit", {"level": 5, "text": "清楚"})
    assert rated.status_code == 200 and rated.json()["status"] == TicketStatus.CLOSED
    evaluation = Evaluation.objects.get()
    assert (evaluation.kind, evaluation.level, evaluation.subject_label) == ("ticket", 5, ticket["number"])
    again = _post(client, f"/api/ratings/tickets/{ticket['uuid']}/revisit", {"level": 5})
    assert again.status_code == 409
    # nobody else rates it
    assert (
        _post(
            login_client(hotline_world["stranger"].user),
            f"/api/ratings/tickets/{ticket['uuid']}/revisit",
            {"level": 1},
        ).status_code
        == 404
    )


def test_a_bad_rating_of_the_answer_recorded_on_a_call_sends_it_back_once(hotline_world):
    ticket = _call(hotline_world).json()
    handler, operator = hotline_world["handler"], hotline_world["operator"]
    assert _step(handler, ticket["uuid"], "contact", text="已电话联系").status_code == 200
    assert (
        _step(handler, ticket["uuid"], "triage", outcome="fixed_at_once", text="已告知窗口").status_code
        == 200
    )
    assert _step(handler, ticket["uuid"], "answer", text="已纠正窗口做法").status_code == 200
    back = _step(operator, ticket["uuid"], "revisit", level=2, text="仍然被要求证明")
    assert back.status_code == 200 and back.json()["status"] == TicketStatus.VERIFYING
    evaluation = Evaluation.objects.get()
    assert evaluation.channel == "phone" and evaluation.round == 1 and evaluation.level == 2


def test_a_duplicate_is_merged_and_its_caller_gets_the_main_answer(hotline_world, make_person):
    other = make_person("周敏")
    main = _call(hotline_world, case_number="TB1").json()
    duplicate = _call(hotline_world, phone=other.user.phone, case_number="TB1").json()
    operator, handler = hotline_world["operator"], hotline_world["handler"]
    assert _step(operator, duplicate["uuid"], "merge", main=duplicate["uuid"]).status_code == 422
    assert _step(handler, duplicate["uuid"], "merge", main=main["uuid"]).status_code == 403
    merged = _step(operator, duplicate["uuid"], "merge", main=main["uuid"])
    assert merged.status_code == 200 and merged.json()["status"] == TicketStatus.MERGED
    assert _step(operator, main["uuid"], "merge", main=duplicate["uuid"]).status_code == 409
    _step(handler, main["uuid"], "contact", text="已联系")
    _step(handler, main["uuid"], "triage", outcome="explained", text="依规办理")
    _step(handler, main["uuid"], "answer", text="已解释")
    told = Message.objects.filter(title="诉求已答复").values_list("user_id", flat=True)
    assert set(told) == {hotline_world["applicant"].user_id, other.user_id}


def test_staff_reads_are_audited_for_the_person_and_steps_need_the_right_role(hotline_world):
    ticket = _call(hotline_world).json()
    assert hotline_world["xh_handler"].get(f"/api/staff/ratings/tickets/{ticket['uuid']}").status_code == 404
    assert hotline_world["handler"].get(f"/api/staff/ratings/tickets/{ticket['uuid']}").status_code == 200
    read = AuditEvent.objects.filter(action="ratings.ticket_read").last()
    assert read.subject_user_id == hotline_world["applicant"].user_id
    assert hotline_world["phone"] not in str(
        AuditEvent.objects.filter(action__startswith="ratings.").values()
    )
    # the operator dispatches but does not answer for the unit
    assert _step(hotline_world["operator"], ticket["uuid"], "contact", text="x").status_code == 403
    unknown = _step(hotline_world["handler"], ticket["uuid"], "delete", text="x")
    assert unknown.status_code == 422 and unknown.json()["code"] == "rating_ticket_step_invalid"
    listed = hotline_world["handler"].get("/api/staff/ratings/tickets?open=true").json()
    assert [t["uuid"] for t in listed["items"]] == [ticket["uuid"]]
    assert hotline_world["xh_handler"].get("/api/staff/ratings/tickets").json()["items"] == []


def test_a_person_files_a_ticket_online(hotline_world):
    client = hotline_world["client"]
    body = {
        "kind": "suggestion",
        "unit": str(hotline_world["department"].uuid),
        "content": "建议增加周末窗口",
    }
    made = _post(client, "/api/ratings/tickets", body)
    assert made.status_code == 201 and made.json()["number"].startswith("JY")
    assert made.json()["answer_due"] is not None
    listed = client.get("/api/ratings/tickets").json()["items"]
    assert [t["number"] for t in listed] == [made.json()["number"]]
    assert login_client(hotline_world["stranger"].user).get("/api/ratings/tickets").json()["items"] == []


def test_a_supervisor_extends_the_answer_limit_once(hotline_world):
    ticket = _call(hotline_world).json()
    supervisor = login_client(hotline_world["supervisor"])
    assert (
        _step(hotline_world["handler"], ticket["uuid"], "extend", days=5, text="需现场核查").status_code
        == 403
    )
    for days in (0, 99, None):
        bad = _step(supervisor, ticket["uuid"], "extend", days=days, text="需现场核查")
        assert bad.status_code == 422 and bad.json()["code"] == "rating_ticket_extension_invalid"
    extended = _step(supervisor, ticket["uuid"], "extend", days=5, text="需现场核查")
    assert extended.status_code == 200
    from datetime import date

    from tongban.core.workdays import working_days_after

    before = date.fromisoformat(ticket["answer_due"])
    assert extended.json()["answer_due"] == working_days_after(before, 5).isoformat()
    again = _step(supervisor, ticket["uuid"], "extend", days=2, text="再延")
    assert again.status_code == 409 and again.json()["details"] == {"current": "extended"}
