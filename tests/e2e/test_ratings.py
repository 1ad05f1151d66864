"""一事一评 in the browser: the applicant of a concluded case opens it from the case page, rates it 不满意 with
the aspect that went wrong and a comment on a phone, and reads the rating back; the page at both widths, in
长辈版 and in English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, log_in, no_horizontal_overflow, screenshot
from tests.e2e.test_seals import shoot_modes
from tests.ratings.conftest import make_case

pytestmark = pytest.mark.e2e


def test_the_applicant_rates_a_concluded_case_from_its_page(new_context, make_person, org_tree):
    person = make_person("李秀英")
    case = make_case(person, org_tree["hp_housing"])
    context, watch = new_context(PHONE)
    page = context.new_page()
    log_in(page, person.phone)
    page.goto(f"/cases/{case.uuid}/")
    page.get_by_role("link", name="评价本次办事").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    no_horizontal_overflow(page)
    screenshot(page, "rating-case-375.png")
    page.get_by_label("不满意", exact=True).check()
    page.get_by_label("办事效率").check()
    page.get_by_label("意见或建议（可选，500 字以内）").fill("等候时间太长<script>")
    page.get_by_role("button", name="提交评价").click()
    given = page.locator("#given-title").locator("xpath=..")
    expect(given).to_contain_text("不满意")
    expect(given).to_contain_text("等候时间太长<script>")  # shown as text, escaped
    shoot_modes(page, f"/ratings/cases/{case.uuid}/", "rating-case")
    watch.assert_clean()


def test_the_home_page_promise_leads_to_the_cases_waiting_for_a_rating(new_context, make_person, org_tree):
    from tongban.ratings.invitations import invitation_open

    person = make_person("李秀英")
    case = make_case(person, org_tree["hp_housing"])
    invitation_open(case_uuid=str(case.uuid), user_id=person.user_id, number=case.number, name=case.name)
    context, watch = new_context(PHONE)
    page = context.new_page()
    log_in(page, person.phone)
    page.goto("/")
    page.get_by_role("link", name="每次服务都可以评价").click()
    expect(page.get_by_role("heading", name="待评价的办件")).to_be_visible()
    no_horizontal_overflow(page)
    page.get_by_role("button", name="关闭评价邀请").click()
    expect(page.get_by_role("button", name="开启评价邀请")).to_be_visible()
    shoot_modes(page, "/ratings/mine/", "rating-mine")
    page.get_by_role("link", name=case.name).click()
    expect(page.get_by_role("heading", name="评价本次办事")).to_be_visible()
    watch.assert_clean()


def test_an_applicant_not_signed_in_rates_by_number_lookup_code_and_sms_code(
    new_context, make_person, org_tree
):
    """ratings.md §1: reached from 办件查询, proven by a code sent to the applicant's phone, rated as them."""
    from tests.conftest import last_sms_code
    from tongban.ratings.models import Evaluation

    person = make_person("李秀英")
    case = make_case(person, org_tree["hp_housing"])
    case.lookup_code = "246810"
    case.save(update_fields=["lookup_code"])
    context, watch = new_context(PHONE)
    page = context.new_page()
    page.goto("/cases/lookup/")
    page.get_by_label("办件编号").fill(case.number)
    page.get_by_label("查询码").fill("246810")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name="评价本次办事（向申请人手机发送验证码）").click()
    expect(page.get_by_role("heading", name="凭办件编号评价")).to_be_visible()
    shoot_modes(page, "/ratings/by-code/", "rating-by-code")
    page.get_by_label("办件编号").fill(case.number)
    page.get_by_label("查询码").fill("246810")
    page.get_by_role("button", name="发送验证码").click()
    expect(page.locator("#code-sent")).to_contain_text(person.phone[-4:])
    no_horizontal_overflow(page)
    page.get_by_label("短信验证码").fill(last_sms_code(person.phone))
    page.get_by_role("button", name="验证并评价").click()
    page.get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#rated")).to_be_visible()
    no_horizontal_overflow(page)
    screenshot(page, "rating-by-code-done-375.png")
    assert Evaluation.objects.get().evaluator_user_id == person.user_id
    watch.assert_clean()
