"""12345 in the browser (docs/domain/ratings.md §7): an operator at a PC takes a call from 李秀英, finds her by
her phone number (her cases shown by number, item, status and dates), registers her complaint to 黄浦区房管局
(the same matter again is proposed as a duplicate first); the department's handler contacts her, explains and
answers on its handling page; the operator reads the answer out on a second call and records her 满意 — the
ticket is closed. On her phone she sees the look-up under 谁使用了我的信息, finds the ticket and its answer
under 我的诉求 and makes an online 诉求 herself. The console, the ticket's dispatch page and 我的诉求 at both
widths, in 长辈版 and English. The data is built with the fixtures (no demo: the demo has no 12345 calls)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PC, PHONE, log_in, no_horizontal_overflow, open_menu, screenshot
from tests.e2e.test_seals import shoot_modes
from tests.ratings.conftest import make_case
from tongban.accounts.constants import Role
from tongban.ratings.models import Evaluation, Ticket

pytestmark = pytest.mark.e2e
ANSWER = "办事指南已补充“租赁合同原件”一项，窗口今后一次告知所需材料。"


def test_an_operator_takes_a_call_the_department_answers_and_the_caller_rates_it(
    new_context, make_person, make_staff, org_tree
):
    person = make_person("李秀英", phone="13800000001")
    case = make_case(person, org_tree["hp_housing"])
    operator = make_staff(org_tree["region"], Role.HOTLINE_OPERATOR, username="hotline_e2e")
    handler = make_staff(org_tree["hp_housing"], Role.RATING_HANDLER)

    # the operator takes the call
    context, watch = new_context(PC)
    page = context.new_page()
    log_in(page, operator.username)
    open_menu(page).get_by_role("link", name="12345 热线").click()
    expect(page.get_by_role("heading", name="12345 热线受理台", level=1)).to_be_visible()
    page.get_by_label("来电号码").fill("1380000000")
    watch.allow_status(422)
    page.get_by_role("button", name="查询来电人").click()
    expect(page.locator("#form-error")).to_contain_text("手机号码格式不正确")
    page.get_by_label("来电号码").fill("13800000001")
    page.get_by_role("button", name="查询来电人").click()
    caller = page.locator("#caller")
    expect(caller).to_contain_text("李*")
    expect(caller).to_contain_text("138****0001")
    expect(page.locator("#caller-cases")).to_contain_text(case.number)
    expect(page.locator("#caller-cases")).to_contain_text("房屋租赁登记备案")
    form = page.locator("#new-ticket")
    form.get_by_label("投诉", exact=True).check()
    form.get_by_label("诉求分类").select_option("材料")
    form.get_by_label("承办部门").select_option(label="黄浦区房管局")
    form.get_by_label("关联办件编号（可选）").fill(case.number)
    form.get_by_label("诉求内容").fill("窗口说缺租赁合同原件，办事指南上没有写<b>")
    form.get_by_role("button", name="登记工单").click()
    expect(page.get_by_role("status")).to_contain_text("已登记")
    ticket = Ticket.objects.get()
    expect(page.locator("#ticket-status")).to_have_text("已接收")
    expect(page.get_by_text("窗口说缺租赁合同原件，办事指南上没有写<b>")).to_be_visible()  # escaped
    assert (ticket.kind, ticket.person_user_id, ticket.caller_phone) == (
        "complaint",
        person.user_id,
        "13800000001",
    )
    # the same matter again: the open ticket is proposed before a second one is made
    page.goto("/hotline/")
    form = page.locator("#new-ticket")
    form.get_by_label("咨询", exact=True).check()
    form.get_by_label("诉求分类").select_option("办理时限")
    form.get_by_label("承办部门").select_option(label="黄浦区行政服务中心")
    form.get_by_label("关联办件编号（可选）").fill(case.number)
    form.get_by_label("诉求内容").fill("还想问一下多久能办好")
    form.get_by_role("button", name="登记工单").click()
    expect(page.locator("#duplicates")).to_contain_text(ticket.number)
    expect(page.get_by_role("button", name=f"登记并合并到 {ticket.number}")).to_be_visible()
    no_horizontal_overflow(page)
    screenshot(page, "hotline-duplicates-1440.png")
    page.locator("#new-ticket").get_by_label("关联办件编号（可选）").press("Enter")  # Enter checks again
    expect(page.locator("#duplicates")).to_contain_text(ticket.number)
    assert Ticket.objects.count() == 1

    # she sees the look-up and the reading of her ticket under 谁使用了我的信息, by 上海市, not by a login
    phone_context, phone_watch = new_context(PHONE)
    mine = phone_context.new_page()
    log_in(mine, person.phone)
    mine.goto("/accounts/me/")
    uses = mine.locator("#log-title").locator("xpath=..")
    expect(uses).to_contain_text("12345 热线查询了您的来电记录和办件")
    expect(uses).to_contain_text("查看了您的工单")
    expect(uses).to_contain_text("上海市")
    expect(uses).not_to_contain_text(operator.username)
    shoot_modes(page, "/hotline/", "hotline-console")
    shoot_modes(page, f"/hotline/tickets/{ticket.uuid}/", "hotline-ticket-open")

    # the department's handler contacts her, explains and answers, from its handling page
    staff_context, staff_watch = new_context(PC)
    staff = staff_context.new_page()
    log_in(staff, handler.username)
    staff.goto(f"/ratings/handling/{ticket.uuid}/")
    staff.get_by_label("联系情况（方式、时间、结果）").fill("电话联系来电人，了解情况")
    staff.get_by_role("button", name="记录联系情况").click()
    expect(staff.locator("#ticket-status")).to_have_text("核实中")
    staff.get_by_label("解释说明", exact=True).check()
    staff.get_by_label("核实情况及整改措施或解释依据").fill("指南遗漏了这一项")
    staff.get_by_role("button", name="提交核实结论").click()
    staff.get_by_label("答复内容（将发送给诉求人）").fill(ANSWER)
    staff.get_by_role("button", name="发送答复").click()
    expect(staff.locator("#ticket-status")).to_have_text("已答复·待回访")
    staff_watch.assert_clean()
    shoot_modes(page, f"/hotline/tickets/{ticket.uuid}/", "hotline-ticket-answered")

    # the operator reads the answer out on a call and records her rating
    page.goto(f"/hotline/tickets/{ticket.uuid}/")
    expect(page.locator("#ticket-answer")).to_have_text(ANSWER)
    rate = page.locator("section", has=page.get_by_role("heading", name="记录来电人对答复的评价"))
    rate.get_by_label("满意", exact=True).check()
    rate.get_by_role("button", name="记录评价").click()
    expect(page.locator("#ticket-status")).to_have_text("已办结")
    assert Evaluation.objects.get(subject_uuid=ticket.uuid).channel == "phone"
    shoot_modes(page, f"/hotline/tickets/{ticket.uuid}/", "hotline-ticket")
    watch.assert_clean()

    # on her phone she finds the closed ticket under 我的诉求 and makes an online 诉求
    open_menu(mine).get_by_role("link", name="我的诉求").click()
    expect(mine.get_by_role("heading", name="我的诉求", level=1)).to_be_visible()
    no_horizontal_overflow(mine)
    mine.locator("#my-requests").get_by_role("link", name=ticket.number).click()
    expect(mine.locator("#ticket-status")).to_have_text("已办结")
    expect(mine.locator("#answer-text")).to_have_text(ANSWER)
    screenshot(mine, "hotline-caller-ticket-375.png")
    mine.goto("/hotline/new/")
    mine.get_by_label("建议", exact=True).check()
    mine.get_by_label("诉求分类").select_option("网上办事")
    mine.get_by_label("承办部门").select_option(label="黄浦区行政服务中心")
    mine.get_by_label("诉求内容").fill("希望网上预约能选择下午的时段")
    mine.get_by_role("button", name="提交诉求").click()
    expect(mine.get_by_role("status")).to_contain_text("诉求已提交")
    online = Ticket.objects.exclude(pk=ticket.pk).get()
    assert mine.url.endswith(f"/ratings/tickets/{online.uuid}/")
    assert (online.caller_phone, online.person_user_id) == ("", person.user_id)
    shoot_modes(mine, "/hotline/new/", "hotline-new")
    phone_watch.assert_clean()
