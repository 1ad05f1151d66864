"""考核排名 and 考核通报 in the browser: the city's supervisor reads the rankings with their change arrows, has
the platform draft the month's circular (the department last two months running criticised), edits it and
issues it; a district's supervisor on a phone sees their district's departments only. Every page at both
widths, in 长辈版 and in English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PC, PHONE, log_in, no_horizontal_overflow, open_menu, screenshot
from tests.e2e.test_seals import shoot_modes
from tests.supervision import assess_support
from tests.supervision.assess_support import AFTER_NOV, AFTER_OCT, NOV, OCT, good, row
from tongban.supervision.assessments import assess
from tongban.supervision.constants import Dim, Family, PeriodKind
from tongban.supervision.models import Circular

pytestmark = pytest.mark.e2e
city = assess_support.city  # the fixture


@pytest.fixture
def two_months(city):
    for start, marks in (
        (OCT, {"上海市甲局": 6, "上海市乙局": 8, "上海市丙局": 5, "上海市丁局": 7}),
        (NOV, {"上海市甲局": 9, "上海市乙局": 7, "上海市丙局": 4, "上海市丁局": 8}),
    ):
        day = start.replace(day=10)
        for name, g in marks.items():
            good(city[name], day, g)
            row(city[name], day, Family.CASES, concluded=10, on_time=8, promised_sum=100, actual_sum=45)
        good(city["huangpu"], day, 9, dim=Dim.DISTRICT)
        good(city["xuhui"], day, 6, dim=Dim.DISTRICT)
        good(city["hp_housing"], day, 5)
        good(city["hp_market"], day, 7)
        good(city["xh_housing"], day, 3)
    assess(PeriodKind.MONTH, OCT, today=AFTER_OCT)
    assess(PeriodKind.MONTH, NOV, today=AFTER_NOV)
    return city


def test_a_city_supervisor_ranks_drafts_edits_and_issues_the_circular(new_context, two_months):
    city = two_months
    context, watch = new_context(PC)
    page = context.new_page()
    log_in(page, city["city_supervisor"].username)
    open_menu(page).get_by_role("link", name="监督考核").click()
    page.get_by_role("navigation", name="监督考核").get_by_role("link", name="考核排名").click()
    expect(page.get_by_role("heading", name="考核排名", exact=True)).to_be_visible()
    ranking = page.locator("#ranking-department")
    expect(ranking.get_by_role("row", name="上海市甲局")).to_contain_text("上升 2 位")
    expect(ranking.get_by_role("row", name="上海市丙局")).to_contain_text("持平")
    expect(
        page.get_by_role("table", name="2026年11月区县考核排名：排名、单位、得分、较上期变化和各项指标")
    ).to_be_visible()
    expect(page.locator("#report-pdf")).to_be_visible()  # sealed after the assessment
    shoot_modes(page, "/supervision/assessments/", "assessments")

    page.set_viewport_size(PC)
    page.goto("/supervision/assessments/")
    page.get_by_role("button", name="起草考核通报").click()
    expect(page.get_by_role("heading", name="关于2026年11月一网通办工作考核情况的通报")).to_be_visible()
    # 丙 was last in October and is last again: criticised; the first three commended
    expect(page.locator("#criticised")).to_contain_text("上海市丙局")
    expect(page.locator("#commended")).to_contain_text("上海市甲局")
    circular = Circular.objects.get()
    shoot_modes(page, f"/supervision/circulars/{circular.uuid}/", "circular-draft")

    page.set_viewport_size(PHONE)
    page.goto(f"/supervision/circulars/{circular.uuid}/")
    text = page.get_by_label("正文")
    text.fill(text.input_value() + "\n（本通报抄送各区政府。）")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("通报草稿已保存")).to_be_visible()
    no_horizontal_overflow(page)
    page.get_by_role("button", name="印发通报").click()
    expect(page.locator("#circular-status")).to_contain_text("已印发")
    expect(page.locator("#circular-body")).to_contain_text("（本通报抄送各区政府。）")
    expect(page.get_by_role("button", name="保存草稿")).to_have_count(0)
    no_horizontal_overflow(page)
    screenshot(page, "circular-issued-375.png")
    circular.refresh_from_db()
    assert circular.is_issued and circular.document  # sealed by the task after the issue
    shoot_modes(page, "/supervision/circulars/", "circulars")
    shoot_modes(page, "/supervision/assessments/schemes/", "assessment-schemes")
    watch.assert_clean()


def test_a_district_supervisor_on_a_phone_sees_their_departments_only(new_context, two_months):
    city = two_months
    context, watch = new_context(PHONE)
    page = context.new_page()
    log_in(page, city["hp_supervisor"].username)
    open_menu(page).get_by_role("link", name="监督考核").click()
    page.get_by_role("navigation", name="监督考核").get_by_role("link", name="考核排名").click()
    expect(page.get_by_role("heading", name="黄浦区政务服务管理办公室 · 2026年11月")).to_be_visible()
    expect(page.locator("#ranking-department")).to_contain_text("黄浦区市场监管局")
    expect(page.locator("#ranking-district")).to_have_count(0)
    expect(page.get_by_text("上海市甲局")).to_have_count(0)
    no_horizontal_overflow(page)
    screenshot(page, "assessments-district-375.png")
    watch.assert_clean()
