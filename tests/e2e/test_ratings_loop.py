"""The bad-review loop in the browser (docs/domain/ratings.md §5, §9): the applicant gives a 差评 on a concluded
case on a phone; the unit's handler, on a PC, contacts them, finds it can be fixed at once (立行立改) and
answers; the applicant reads the answer on the ticket's page and rates the revisit 满意; the ticket is closed
and the district supervisor's board shows 实名差评回访率 100 %. Each new page at both widths, in 长辈版 and in
English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PC, PHONE, log_in, no_horizontal_overflow, open_menu, screenshot
from tests.e2e.test_seals import shoot_modes
from tests.ratings.conftest import make_case
from tongban.accounts.constants import Role
from tongban.ratings.constants import TicketStatus
from tongban.ratings.models import Ticket

pytestmark = pytest.mark.e2e


def test_a_bad_review_is_contacted_fixed_answered_revisited_and_counted(
    new_context, make_person, make_staff, org_tree
):
    person = make_person("李秀英")
    department = org_tree["hp_housing"]
    case = make_case(person, department)
    make_staff(department, Role.RATING_HANDLER, username="handler1")
    make_staff(org_tree["huangpu"], Role.SUPERVISOR, username="supervisor1")

    # the applicant rates the concluded case 不满意 on a phone
    context, watch = new_context(PHONE)
    page = context.new_page()
    log_in(page, person.phone)
    page.goto(f"/cases/{case.uuid}/")
    page.get_by_role("link", name="评价本次办事").click()
    page.get_by_label("不满意", exact=True).check()
    page.get_by_label("办事效率").check()
    page.get_by_label("意见或建议（可选，500 字以内）").fill("窗口让我跑了三次<script>，电话13812345678")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#given")).to_contain_text("不满意")
    ticket = Ticket.objects.get()

    # the handler, on a PC, works the ticket from the console
    staff_context, staff_watch = new_context(PC)
    staff = staff_context.new_page()
    log_in(staff, "handler1")
    open_menu(staff).get_by_role("link", name="差评处置").click()
    expect(staff.get_by_role("heading", name="差评处置", exact=True)).to_be_visible()
    expect(staff.locator("#tickets")).to_contain_text("联系时限")
    shoot_modes(staff, "/ratings/handling/", "rating-handling")
    staff.goto("/ratings/handling/")
    staff.get_by_role("link", name=ticket.number).click()
    expect(staff.locator("#review-text")).to_contain_text("窗口让我跑了三次<script>，电话138****5678")
    screenshot(staff, "rating-staff-ticket-received-1440.png")
    staff.get_by_label("联系情况（方式、时间、结果）").fill("电话联系申请人，了解到指南未写明需带原件")
    staff.get_by_role("button", name="记录联系情况").click()
    expect(staff.locator("#ticket-status")).to_have_text("核实中")
    staff.get_by_label("立行立改", exact=True).check()
    staff.get_by_label("核实情况及整改措施或解释依据").fill("当场在办事指南中写明需带原件")
    staff.get_by_role("button", name="提交核实结论").click()
    expect(staff.locator("#ticket-status")).to_have_text("立行立改")
    staff.get_by_label("答复内容（将发送给诉求人）").fill("办事指南已写明需带原件，给您带来不便，深表歉意。")
    staff.get_by_role("button", name="发送答复").click()
    expect(staff.locator("#ticket-status")).to_have_text("已答复·待回访")
    shoot_modes(staff, f"/ratings/handling/{ticket.uuid}/", "rating-staff-ticket")

    # the applicant reads the answer and rates the revisit 满意
    page.goto("/ratings/mine/")
    expect(page.locator("#mine")).to_contain_text("待您评价")
    shoot_modes(page, "/ratings/mine/", "rating-mine")
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name=f"工单 {ticket.number}").click()
    expect(page.locator("#answer-text")).to_have_text("办事指南已写明需带原件，给您带来不便，深表歉意。")
    expect(page.locator("#steps")).to_contain_text("核实结论：立行立改")
    expect(page.locator("#review-text")).to_contain_text("电话13812345678")  # their own words, unmasked
    no_horizontal_overflow(page)
    screenshot(page, "rating-ticket-answered-375.png")
    page.get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#ticket-status")).to_have_text("已办结")
    expect(page.locator("#steps")).to_contain_text("回访评价：满意")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.revisit_level == 3
    shoot_modes(page, f"/ratings/tickets/{ticket.uuid}/", "rating-ticket")

    # the district supervisor's board: 100 %
    board_context, board_watch = new_context(PC)
    board = board_context.new_page()
    log_in(board, "supervisor1")
    open_menu(board).get_by_role("link", name="好差评督办").click()
    expect(board.locator("#rate-percent")).to_have_text("100%")
    expect(board.locator("#rate-counts")).to_contain_text("已回访 1 件")
    shoot_modes(board, "/ratings/supervision/", "rating-supervision")
    for w in (watch, staff_watch, board_watch):
        w.assert_clean()
