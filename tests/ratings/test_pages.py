"""The pages of the bad-review loop (docs/domain/ratings.md §5, §6, §9): the evaluator's ticket page and its
revisit; the handler console and a ticket's detail page with the forms its state and the actor's role allow;
the supervisors' board (the 100 % figure, the list of those not revisited, 督办, appeals, suspects); 我的评价;
the menu. Free text is masked for staff, never for the evaluator, and always escaped."""

from __future__ import annotations

import re
from datetime import date

import pytest
from stdnum.cn import ric

from tests.cases.conftest import Upload, pdf_bytes
from tests.conftest import csrf_headers, login_client
from tongban.accounts.constants import Role
from tongban.accounts.facade import actor_for, menu_abilities
from tongban.core.actors import SYSTEM
from tongban.core.models import AuditEvent
from tongban.core.workdays import working_days_after
from tongban.ratings import appeals, board
from tongban.ratings import tickets as loop
from tongban.ratings.constants import MarkKind, TicketStatus
from tongban.ratings.masking import mask_free_text
from tongban.ratings.models import Evaluation, EvaluationMark, Ticket

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010119900307123" + ric.calc_check_digit("11010119900307123")
PHONE = "13812345678"
REVIEW = f"窗口让我跑了三次<script>alert(1)</script> 电话{PHONE} 身份证{ID_NUMBER}"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def form_post(client, url, data=None, files=None):
    return client.post(url, {**(data or {}), **(files or {})}, **csrf_headers(client))


def _actor(user):
    return actor_for(user)


@pytest.fixture
def world(rating_world, make_staff):
    """A 差评 of the applicant with a phone, an ID number and markup in its text, and its ticket; the unit's
    handler, a district supervisor, a supervisor who is a member of the unit, a 12345 operator, another
    district's handler."""
    department = rating_world["department"]
    response = rating_world["client"].post(
        f"/api/ratings/cases/{rating_world['case'].uuid}",
        {"round": 1, "level": 1, "indicators": ["online.efficiency"], "text": REVIEW},
        content_type="application/json",
        **csrf_headers(rating_world["client"]),
    )
    assert response.status_code == 201, response.content
    handler = make_staff(department, Role.RATING_HANDLER)
    return {
        **rating_world,
        "ticket": Ticket.objects.get(),
        "handler": handler,
        "handler_client": login_client(handler),
        "supervisor": make_staff(rating_world["huangpu"], Role.SUPERVISOR),
        "unit_supervisor": make_staff(department, Role.SUPERVISOR),
        "operator": make_staff(rating_world["region"], Role.HOTLINE_OPERATOR),
        "other_handler": make_staff(rating_world["xh_housing"], Role.RATING_HANDLER),
    }


def _answered(world) -> Ticket:
    handler, ticket = _actor(world["handler"]), world["ticket"]
    loop.ticket_contact(actor=handler, ticket=ticket, text="电话联系了申请人")
    loop.ticket_triage(actor=handler, ticket=ticket, outcome=TicketStatus.FIXED_AT_ONCE, text="当场更正指南")
    return loop.ticket_answer(actor=handler, ticket=ticket, text="办事指南已更正<b>")


def _staff_url(ticket, step=""):
    return f"/ratings/handling/{ticket.uuid}/" + (f"{step}/" if step else "")


# --- masking -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        (f"身份证{ID_NUMBER}。", f"身份证{ID_NUMBER[:6]}********{ID_NUMBER[-4:]}。"),
        ("证号 11010119900307123x 小写x", "证号 110101********123x 小写x"),  # a mistyped check digit, lower x
        ("11010119900307123５", "110101********123５"),  # typed full-width
        ("310115199301011231", "310115********1231"),  # a wrong check digit, still an ID (a date)
        ("电话13812345678", "电话138****5678"),
        ("电话：138 1234 5678 或 138-1234-5678", "电话：138****5678 或 138****5678"),
        ("+86 13812345678，8613812345678", "+86 138****5678，86138****5678"),
        ("１３８１２３４５６７８", "１３８****５６７８"),
        (f"ID:{ID_NUMBER}X", f"ID:{ID_NUMBER[:6]}********{ID_NUMBER[-4:]}X"),  # letters beside it
        ("座机 021-63211234，编号12345678901", None),  # a landline; 11 digits not a mobile
        ("银行卡 6222021001122334455", None),  # 19 digits: not an ID inside a card number
        ("流水 138123456789", None),  # 12 digits: not a mobile
        ("统一社会信用代码 91310000MA1K4ABC" + "D5", None),
        ("", ""),
    ],
)
def test_free_text_masks_ids_and_mobiles_and_keeps_the_rest(raw, masked):
    assert mask_free_text(raw) == (raw if masked is None else masked)


def test_an_all_digit_uscc_stays_and_an_id_beside_it_is_masked():
    base = "12310101425019876"
    from stdnum.cn import uscc

    code = base + uscc.calc_check_digit(base)
    assert uscc.is_valid(code)
    assert mask_free_text(f"{code} / {ID_NUMBER}") == f"{code} / {ID_NUMBER[:6]}********{ID_NUMBER[-4:]}"
    assert mask_free_text(None) == ""


# --- the evaluator's ticket page -----------------------------------------------------------------------------
def test_the_evaluator_sees_their_own_text_unmasked_and_escaped_and_nobody_else_sees_the_page(world):
    ticket, client = world["ticket"], world["client"]
    page = client.get(f"/ratings/tickets/{ticket.uuid}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert PHONE in body and ID_NUMBER in body  # their own words, as typed
    assert "差评已受理，转为整改工单" in text(page) and "已接收" in text(page)
    for other in (world["stranger"].user, world["handler"]):
        assert login_client(other).get(f"/ratings/tickets/{ticket.uuid}/").status_code == 404


def test_the_evaluator_follows_each_step_without_the_handlers_name_and_rates_the_revisit(world):
    ticket, client = _answered(world), world["client"]
    url = f"/ratings/tickets/{ticket.uuid}/"
    page = text(client.get(url))
    for phrase in ("承办单位已与您联系，正在核实", "核实结论：立行立改", "当场更正指南", "承办单位已答复"):
        assert phrase in page
    assert "电话联系了申请人" not in page  # the unit's notes of the call
    assert _actor(world["handler"]).label not in page  # the handler's name
    assert "办事指南已更正&lt;b&gt;" in client.get(url).content.decode()
    assert "请评价处理结果" in page and "非常满意" not in page  # the three revisit levels of a 差评

    wrong = form_post(client, url, {"level": "5"})
    assert wrong.status_code == 422 and "请选择一个满意度等级" in text(wrong)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ANSWERED

    done = form_post(client, url, {"level": "3", "text": "改好了"})
    assert done.status_code == 302 and done["Location"] == url
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.revisit_level == 3
    page = text(client.get(url))
    assert "回访评价：满意" in page and "工单已办结" in page and "请评价处理结果" not in page


def test_a_12345_answer_is_rated_on_five_levels_as_an_evaluation(world):
    applicant = world["applicant"]
    person = _actor(applicant.user)
    ticket = loop.ticket_create(
        actor=person,
        kind="complaint",
        unit_uuid=world["department"].uuid,
        content="租赁备案窗口排队太久",
        person_user_id=applicant.user_id,
    )
    handler = _actor(world["handler"])
    loop.ticket_contact(actor=handler, ticket=ticket, text="已联系")
    loop.ticket_triage(actor=handler, ticket=ticket, outcome=TicketStatus.EXPLAINED, text="高峰时段")
    loop.ticket_answer(actor=handler, ticket=ticket, text="已增开窗口")
    url = f"/ratings/tickets/{ticket.uuid}/"
    page = text(world["client"].get(url))
    assert "非常满意" in page and "租赁备案窗口排队太久" in page
    bad = form_post(world["client"], url, {"level": "9"})
    assert bad.status_code == 422
    assert form_post(world["client"], url, {"level": "4"}).status_code == 302
    rated = Evaluation.objects.get(kind="ticket")
    assert rated.subject_uuid == ticket.uuid and rated.level == 4 and rated.channel == "pc"
    mine = text(world["client"].get("/ratings/mine/"))
    assert ticket.number in mine and "我的诉求工单" in mine


def test_my_evaluations_lists_each_with_its_ticket_and_status(world):
    page = world["client"].get("/ratings/mine/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'href="/ratings/tickets/{world["ticket"].uuid}/"' in body
    assert world["ticket"].number in text(page) and "已接收" in text(page)
    assert "&lt;script&gt;" in body and "<script>alert" not in body


# --- the handler console -------------------------------------------------------------------------------------
def test_the_console_lists_the_units_tickets_to_its_handlers_and_supervisors_only(world):
    ticket = world["ticket"]
    page = world["handler_client"].get("/ratings/handling/")
    assert page.status_code == 200
    page_text = text(page)
    assert ticket.number in page_text and "差评整改" in page_text and "黄浦区房管局" in page_text
    assert "联系时限" in page_text and ticket.contact_due.isoformat() in page_text
    assert ticket.number in text(login_client(world["supervisor"]).get("/ratings/handling/"))
    assert ticket.number not in text(login_client(world["other_handler"]).get("/ratings/handling/"))
    for outsider in (world["applicant"].user, world["reviewer"], world["operator"]):
        assert login_client(outsider).get("/ratings/handling/").status_code == 404
    # filters: by status and by light
    assert ticket.number not in text(world["handler_client"].get("/ratings/handling/?status=closed"))
    assert ticket.number in text(world["handler_client"].get("/ratings/handling/?status=received"))
    light = loop.light_of(ticket)
    other = next(name for name in ("red", "yellow", "green") if name != light)
    assert ticket.number in text(world["handler_client"].get(f"/ratings/handling/?light={light}"))
    assert ticket.number not in text(world["handler_client"].get(f"/ratings/handling/?light={other}"))


def test_the_light_filter_in_the_database_agrees_with_light_of(world):
    ticket = world["ticket"]
    due = ticket.contact_due
    for today in (
        date(due.year, due.month, 1) if due.day > 3 else due,
        loop.previous_working_day(due),
        due,
        working_days_after(due, 1),
    ):
        expected = loop.light_of(ticket, today)
        for light in ("red", "yellow", "green"):
            found = board.with_light(Ticket.objects.all(), light, today).exists()
            assert found == (light == expected), (today, light, expected)


def test_staff_see_the_review_masked_and_escaped_and_the_person_as_their_label(world):
    ticket = world["ticket"]
    page = world["handler_client"].get(_staff_url(ticket))
    body, page_text = page.content.decode(), text(page)
    assert page.status_code == 200
    assert PHONE not in body and ID_NUMBER not in body
    assert "138****5678" in page_text and f"{ID_NUMBER[:6]}********{ID_NUMBER[-4:]}" in page_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert ticket.person_label and ticket.person_label in page_text
    assert 'id="step-contact"' in body and 'id="step-appeal"' in body and 'id="step-reroute"' in body
    assert 'id="step-revisit"' not in body
    # a supervisor over the unit reads it, without the handler's forms
    supervisor_page = login_client(world["supervisor"]).get(_staff_url(ticket)).content.decode()
    assert 'id="step-contact"' not in supervisor_page
    assert login_client(world["other_handler"]).get(_staff_url(ticket)).status_code == 404
    assert world["client"].get(_staff_url(ticket)).status_code == 404


def test_an_anonymous_evaluation_shows_its_person_as_anonymous(world):
    Ticket.objects.filter(pk=world["ticket"].pk).update(anonymous=True)
    page = text(world["handler_client"].get(_staff_url(world["ticket"])))
    assert "匿名用户" in page and world["ticket"].person_label not in page


def test_the_handler_contacts_triages_and_answers_and_each_failure_is_shown_inline(world):
    ticket, client = world["ticket"], world["handler_client"]
    empty = form_post(client, _staff_url(ticket, "contact"), {"text": "  "})
    assert (
        empty.status_code == 422
        and "请填写说明" in text(empty)
        and 'id="form-error"' in empty.content.decode()
    )
    ok = form_post(client, _staff_url(ticket, "contact"), {"text": "电话联系，了解情况"})
    assert ok.status_code == 302 and ok["Location"] == _staff_url(ticket)
    again = form_post(client, _staff_url(ticket, "contact"), {"text": "再联系"})
    assert again.status_code == 409 and "工单当前状态不允许此操作" in text(again)

    no_outcome = form_post(client, _staff_url(ticket, "triage"), {"text": "核实"})
    assert no_outcome.status_code == 422 and "请选择核实结论" in text(no_outcome)
    late = form_post(
        client,
        _staff_url(ticket, "triage"),
        {"outcome": "ledger", "text": "协调中", "ledger_due": working_days_after(ticket.received_on, 40)},
    )
    assert late.status_code == 422 and "整改期限须在今天与复杂问题的时限" in text(late)
    due = working_days_after(date.today(), 3)
    ledger = form_post(
        client, _staff_url(ticket, "triage"), {"outcome": "ledger", "text": "建立台账", "ledger_due": due}
    )
    assert ledger.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.LEDGER and ticket.ledger_due == due
    assert form_post(client, _staff_url(ticket, "answer"), {"text": ""}).status_code == 422
    assert form_post(client, _staff_url(ticket, "answer"), {"text": "已整改完毕"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ANSWERED
    page = text(client.get(_staff_url(ticket)))
    assert "核实结论：建立台账，限期整改（整改期限 " + due.isoformat() + "）" in page
    assert _actor(world["handler"]).label in page  # staff see who did each step
    assert form_post(client, _staff_url(ticket, "nonsense"), {}).status_code == 404
    outsider = login_client(world["other_handler"])
    assert form_post(outsider, _staff_url(ticket, "answer"), {"text": "x"}).status_code == 404


def test_a_call_revisit_is_recorded_by_a_supervisor_not_by_the_unit(world):
    ticket = _answered(world)
    refused = form_post(world["handler_client"], _staff_url(ticket, "revisit"), {"level": "3"})
    assert refused.status_code == 403 and "您没有权限办理此工单的这一步" in text(refused)
    supervisor = login_client(world["supervisor"])
    assert 'id="step-revisit"' in supervisor.get(_staff_url(ticket)).content.decode()
    assert form_post(supervisor, _staff_url(ticket, "revisit"), {"level": "7"}).status_code == 422
    assert form_post(supervisor, _staff_url(ticket, "revisit"), {"level": "2"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.events.get(kind="revisited").data["channel"] == "phone"
    assert "电话回访，评价：基本满意" in text(world["client"].get(f"/ratings/tickets/{ticket.uuid}/"))


def test_an_unanswered_revisit_call_is_recorded_once_a_day(world):
    ticket = _answered(world)
    operator = login_client(world["operator"])
    assert form_post(operator, _staff_url(ticket, "attempt"), {"text": "无人接听"}).status_code == 302
    twice = form_post(operator, _staff_url(ticket, "attempt"), {"text": "再打一次"})
    assert twice.status_code == 409
    assert "回访来电未接通" in text(operator.get(_staff_url(ticket)))


def test_the_handler_appeals_with_evidence_and_asks_for_rerouting(world):
    ticket, client = world["ticket"], world["handler_client"]
    url = _staff_url(ticket, "appeal")
    files = [Upload(pdf_bytes(f"证据{n}"), f"e{n}.pdf") for n in range(4)]
    too_many = form_post(client, url, {"reason": "malicious", "text": "与办件无关"}, {"evidence": files})
    assert too_many.status_code == 422 and "证据材料最多 3 个文件" in text(too_many)
    no_reason = form_post(client, url, {"text": "与办件无关"})
    assert no_reason.status_code == 422 and "请选择申诉理由" in text(no_reason)
    filed = form_post(
        client,
        url,
        {"reason": "malicious", "text": f"辱骂，来电{PHONE}"},
        {"evidence": [Upload(pdf_bytes(), "录音记录.pdf")]},
    )
    assert filed.status_code == 302
    page = client.get(_staff_url(ticket))
    assert "待复核" in text(page) and "录音记录.pdf" in text(page) and PHONE not in page.content.decode()
    assert 'id="step-appeal"' not in page.content.decode()
    appeal = ticket.appeal
    download = client.get(f"/ratings/appeals/{appeal.uuid}/evidence/0/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert download["X-Content-Type-Options"] == "nosniff" and "attachment" in download["Content-Disposition"]
    assert AuditEvent.objects.filter(action="ratings.appeal_evidence_read").count() == 1
    assert client.get(f"/ratings/appeals/{appeal.uuid}/evidence/1/").status_code == 404
    assert (
        login_client(world["supervisor"]).get(f"/ratings/appeals/{appeal.uuid}/evidence/0/").status_code
        == 200
    )
    for outsider in (world["other_handler"], world["applicant"].user):
        assert login_client(outsider).get(f"/ratings/appeals/{appeal.uuid}/evidence/0/").status_code == 404
    assert form_post(client, _staff_url(ticket, "reroute"), {"text": ""}).status_code == 422
    assert form_post(client, _staff_url(ticket, "reroute"), {"text": "属于区市场监管局"}).status_code == 302
    assert ticket.events.filter(kind="reroute_requested").exists()
    # the evaluator is not shown the unit's request to reroute, nor the text of its appeal
    person_page = text(world["client"].get(f"/ratings/tickets/{ticket.uuid}/"))
    assert "被评价单位提出申诉复核" in person_page and "辱骂" not in person_page and "改派" not in person_page


# --- the supervisors' board ----------------------------------------------------------------------------------
def test_only_supervisors_open_the_board(world):
    assert login_client(world["supervisor"]).get("/ratings/supervision/").status_code == 200
    for other in (world["handler"], world["applicant"].user, world["operator"], world["reviewer"]):
        assert login_client(other).get("/ratings/supervision/").status_code == 404


def test_the_figure_and_the_list_of_those_not_revisited(world):
    supervisor = login_client(world["supervisor"])
    page = text(supervisor.get("/ratings/supervision/"))
    assert "实名差评未回访（1 件）" in page and world["ticket"].number in page
    assert "本月暂无到期应回访的实名差评" in page
    ticket = _answered(world)
    loop.ticket_revisit(actor=_actor(world["applicant"].user), ticket=ticket, level=3)
    page = text(supervisor.get("/ratings/supervision/"))
    assert "100%" in page and "本月应回访实名差评 1 件，已回访 1 件。" in page
    assert "实名差评均已回访" in page
    # another district's supervisor sees none of it
    elsewhere = text(login_client(world["other_handler"]).get("/ratings/handling/"))
    assert ticket.number not in elsewhere


def test_an_unreachable_evaluator_stays_on_the_list_with_its_reason_and_outside_the_count(world):
    ticket = _answered(world)
    Ticket.objects.filter(pk=ticket.pk).update(
        status=TicketStatus.CLOSED_UNREACHABLE, closed_at=ticket.answered_at
    )
    ticket.events.create(kind="revisit_attempt", text="无人接听")
    page = text(login_client(world["supervisor"]).get("/ratings/supervision/"))
    assert "无法联系·已关闭" in page and "1 次回访未接通" in page
    assert "本月应回访实名差评 1 件，已回访 0 件。" in page and "0%" in page


def test_supervised_tickets_are_listed_while_open(world):
    ticket = world["ticket"]
    loop.tickets_tick(today=working_days_after(ticket.contact_due, 1))
    page = text(login_client(world["supervisor"]).get("/ratings/supervision/"))
    assert "督办工单" in page and "列入督办" in page
    assert "督办" in text(world["handler_client"].get("/ratings/handling/"))


def test_an_appeal_is_decided_by_a_supervisor_outside_the_unit_and_the_mark_shows(world):
    ticket = world["ticket"]
    appeal = appeals.appeal_file(
        actor=_actor(world["handler"]), ticket=ticket, reason="mistaken", text="评错部门"
    )
    url = f"/ratings/supervision/appeals/{appeal.uuid}/"
    own = login_client(world["unit_supervisor"])
    assert "评错部门" in text(own.get("/ratings/supervision/"))
    refused = form_post(own, url, {"decision": "upheld", "text": "成立"})
    assert refused.status_code == 403 and "被评价单位的人员不能复核本单位的申诉" in text(refused)
    supervisor = login_client(world["supervisor"])
    no_choice = form_post(supervisor, url, {"text": "成立"})
    assert no_choice.status_code == 422 and "请选择复核结果" in text(no_choice)
    assert form_post(supervisor, url, {"decision": "upheld", "text": "确属误评"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED_EXCLUDED
    assert "没有待复核的申诉" in text(supervisor.get("/ratings/supervision/"))
    for client, page_url in (
        (world["client"], "/ratings/mine/"),
        (world["client"], f"/ratings/tickets/{ticket.uuid}/"),
        (world["handler_client"], _staff_url(ticket)),
    ):
        assert "申诉成立·不计入统计" in text(client.get(page_url)), page_url
    assert "确属误评" in text(world["client"].get(f"/ratings/tickets/{ticket.uuid}/"))
    assert form_post(login_client(world["other_handler"]), url, {"decision": "upheld"}).status_code == 404


def test_a_suspect_evaluation_is_cleared_or_confirmed_with_a_reason(world):
    evaluation = world["ticket"].evaluation
    appeals.evaluation_mark(actor=SYSTEM, evaluation=evaluation, kind=MarkKind.SUSPECT, reason="10分钟内5条")
    supervisor = login_client(world["supervisor"])
    page = text(supervisor.get("/ratings/supervision/"))
    assert "疑似刷评·待核查" in page and "138****5678" in page
    url = f"/ratings/supervision/evaluations/{evaluation.uuid}/"
    assert form_post(supervisor, url, {"kind": "cleared", "reason": ""}).status_code == 422
    assert form_post(supervisor, url, {"kind": "suspect", "reason": "x"}).status_code == 422
    assert (
        form_post(supervisor, url, {"kind": "fraud_confirmed", "reason": "同一设备批量"}).status_code == 302
    )
    assert EvaluationMark.objects.filter(evaluation=evaluation).last().kind == MarkKind.FRAUD_CONFIRMED
    assert "没有待核查的评价" in text(supervisor.get("/ratings/supervision/"))
    assert "疑似刷评·不计入统计" in text(world["client"].get("/ratings/mine/"))
    elsewhere = login_client(world["other_handler"])
    assert form_post(elsewhere, url, {"kind": "cleared", "reason": "x"}).status_code == 404


# --- the menu ------------------------------------------------------------------------------------------------
def test_the_menu_offers_the_handling_console_and_the_board_by_role(world):
    handler = text(world["handler_client"].get("/ratings/handling/"))
    assert "差评处置" in handler and "好差评督办" not in handler
    supervisor = text(login_client(world["supervisor"]).get("/ratings/supervision/"))
    assert "差评处置" in supervisor and "好差评督办" in supervisor
    citizen = text(world["client"].get("/ratings/mine/"))
    assert "差评处置" not in citizen and "好差评督办" not in citizen


@pytest.mark.parametrize("role", list(Role))
def test_each_ratings_menu_entry_is_offered_to_exactly_those_the_page_lets_in(org_tree, make_staff, role):
    org = org_tree["window"] if role == Role.WINDOW_CLERK else org_tree["hp_housing"]
    user = make_staff(org, role=role)
    menu = menu_abilities(actor_for(user))
    client = login_client(user)
    assert menu["rating_handling"] == (client.get("/ratings/handling/").status_code == 200)
    assert menu["rating_supervision"] == (client.get("/ratings/supervision/").status_code == 200)


def test_a_supervisor_extends_the_answer_limit_on_the_ticket_page(rating_world, make_staff):
    """延期 (ratings.md §7): the form is a supervisor's, once; a handler has no such form."""
    from tests.conftest import login_client
    from tests.ratings.conftest import _bad_ticket
    from tongban.accounts.constants import Role

    handler = make_staff(rating_world["department"], Role.RATING_HANDLER)
    supervisor = make_staff(rating_world["huangpu"], Role.SUPERVISOR)
    ticket = _bad_ticket({**rating_world, "handler": handler})
    url = f"/ratings/handling/{ticket.uuid}/"
    assert "step-extend" not in login_client(handler).get(url).content.decode()
    boss = login_client(supervisor)
    assert "step-extend" in boss.get(url).content.decode()
    bad = boss.post(f"{url}extend/", {"days": "0", "text": "需要现场核查"}, **csrf_headers(boss))
    assert bad.status_code == 422 and "延期天数无效" in bad.content.decode()
    unit = login_client(handler)
    assert unit.post(f"{url}extend/", {"days": "3", "text": "x"}, **csrf_headers(unit)).status_code == 403
    done = boss.post(f"{url}extend/", {"days": "3", "text": "需要现场核查"}, **csrf_headers(boss))
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert ticket.extended_days == 3
    page = boss.get(url).content.decode()
    assert "step-extend" not in page and "答复时限延长 3 个工作日" in page
