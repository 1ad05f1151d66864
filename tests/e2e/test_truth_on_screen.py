"""What a person meets on the demo (issue 15): the supervisors' boards with the demo's 预警 and 超期 steps (the
district supervisor sees their district only); the citizen's case page whose header light agrees with its
steps, with a timeline naming the window and the department; 谁使用了我的信息 listing the reviewer who opened
the case by department and purpose; the hotel desk that types its key once, reads a wrong key's own message
and keeps technical details folded; the 亮证 countdown that reads the same sentence before and after the
script updates it. Every changed page at 375 and 1440 px, in 长辈版 and in English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PC, PHONE, log_in, no_horizontal_overflow, open_menu, screenshot
from tongban.accounts.facade import demo_load
from tongban.cases.facade import demo_load_cases
from tongban.catalog.facade import demo_load_catalog
from tongban.licences.facade import DEMO_VERIFIER_KEY, demo_load_licences

pytestmark = pytest.mark.e2e
DEMO_PASSWORD = "Tongban@2026"


@pytest.fixture
def demo(transactional_db):
    demo_load()
    demo_load_catalog()
    demo_load_licences()
    demo_load_cases()


def shoot(page: Page, name: str) -> None:
    """The page as it is, at 375 and 1440 px: no sideways scrolling, a screenshot of each."""
    for size in (PHONE, PC):
        page.set_viewport_size(size)
        page.reload()
        # The staff case page frames a material: let that request end before the next one begins (the
        # in-memory SQLite of the live server refuses concurrent writers rather than waiting).
        page.wait_for_load_state("networkidle")
        no_horizontal_overflow(page)
        screenshot(page, f"{name}-{size['width']}.png")


def shoot_in_every_mode(page: Page, url: str, name: str) -> None:
    """Standard Chinese, 长辈版 and English, each at both widths; the page is left in standard Chinese."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    shoot(page, name)
    open_menu(page).get_by_role("button", name="长辈版").click()
    page.goto(url)
    expect(page.locator("body.elderly")).to_have_count(1)
    shoot(page, f"{name}-elderly")
    open_menu(page).get_by_role("button", name="标准版").click()
    open_menu(page).get_by_role("button", name="English").click()
    page.goto(url)
    shoot(page, f"{name}-en")
    open_menu(page).get_by_role("button", name="中文").click()


def board_lights(page: Page) -> dict[str, set[str]]:
    out = {}
    for section in page.locator("section.card", has=page.locator("h2")).all():
        lights = set(section.locator("span.light").all_inner_texts())
        if lights:
            out[section.locator("h2").inner_text()] = lights
    return out


def test_both_supervisors_see_the_demo_s_yellow_and_red_steps(new_context, demo):
    context, watch = new_context(PC)
    city = context.new_page()
    log_in(city, "supervisor_city", DEMO_PASSWORD)
    city.goto("/supervision/")
    assert board_lights(city) == {
        "黄浦区住房保障和房屋管理局": {"超期", "预警"},
        "上海市人力资源和社会保障局": {"预警"},
        "上海市税务局": {"超期"},
    }
    shoot_in_every_mode(city, "/supervision/", "board-city")

    district_context, district_watch = new_context(PHONE)
    district = district_context.new_page()
    log_in(district, "supervisor", DEMO_PASSWORD)
    district.goto("/supervision/")
    assert board_lights(district) == {"黄浦区住房保障和房屋管理局": {"超期", "预警"}}
    watch.assert_clean()
    district_watch.assert_clean()


def test_the_citizen_s_case_page_agrees_with_itself_and_lists_who_read_it(new_context, demo):
    reviewer_context, reviewer_watch = new_context(PC)
    reviewer = reviewer_context.new_page()
    log_in(reviewer, "reviewer", DEMO_PASSWORD)
    reviewer.goto("/staff/inbox/")
    row = reviewer.locator("tr", has_text="既有多层住宅加装电梯初步方案备案")
    expect(row.locator("span.light")).to_have_text("超期")
    shoot_in_every_mode(reviewer, "/staff/inbox/", "inbox-demo")
    row = reviewer.locator("tr", has_text="既有多层住宅加装电梯初步方案备案")
    row.get_by_role("link").first.click()
    expect(reviewer.locator(".guide-head span.light")).to_have_text("超期")
    staff_url = reviewer.url

    context, watch = new_context(PHONE)
    citizen = context.new_page()
    log_in(citizen, "13800000001", DEMO_PASSWORD)
    citizen.goto("/cases/")
    citizen.get_by_role("link", name="既有多层住宅加装电梯初步方案备案").click()
    case_url = citizen.url
    # The header's light and the open step's are today's, and the same.
    expect(citizen.locator(".guide-head span.light")).to_have_text("超期")
    expect(citizen.locator("table span.light")).to_have_text(["超期"])
    timeline = citizen.locator(".timeline")
    expect(timeline).to_contain_text("1号综合窗口")
    expect(timeline).to_contain_text("张三")  # their own name, unmasked
    expect(timeline).not_to_contain_text("clerk")
    shoot_in_every_mode(citizen, case_url, "case-demo")

    citizen.goto("/accounts/me/")
    uses = citizen.locator(".data-uses")
    expect(uses).to_contain_text("黄浦区住房保障和房屋管理局")
    expect(uses).to_contain_text("查看了您的办件")
    expect(uses).not_to_contain_text("reviewer")
    shoot_in_every_mode(citizen, "/accounts/me/", "me-data-uses")
    shoot_in_every_mode(reviewer, staff_url, "staff-case-demo")
    watch.assert_clean()
    reviewer_watch.assert_clean()


def show_token(page: Page) -> str:
    page.goto("/licences/")
    page.get_by_role("link", name="职业资格证书").click()
    page.get_by_role("link", name="亮证（出示二维码）").click()
    page.get_by_text("对方无法扫码时，复制亮证码").click()
    return page.locator("textarea.token-text").input_value()


def test_a_hotel_desk_types_its_key_once_and_reads_a_wrong_key_s_own_message(new_context, demo):
    context, watch = new_context(PHONE)
    holder = context.new_page()
    log_in(holder, "13800000001", DEMO_PASSWORD)

    desk_context, desk_watch = new_context(PC)
    desk = desk_context.new_page()
    desk_watch.allow_status(401)
    desk.goto("/verify/")
    desk.get_by_label("亮证码").fill(show_token(holder))
    desk.get_by_label("用证事由").fill("旅馆住宿登记")
    desk.get_by_label("用证单位接口密钥").fill("tbv_demohotel0000001_wrong")
    desk.get_by_role("button", name="核验", exact=True).click()
    alert = desk.get_by_role("alert")
    expect(alert).to_contain_text("用证单位接口密钥不正确")
    expect(alert.get_by_text("verifier_key_invalid")).to_be_hidden()  # folded in 技术详情
    screenshot(desk, "verify-wrong-key-1440.png")

    desk.get_by_label("用证单位接口密钥").fill(DEMO_VERIFIER_KEY)
    desk.get_by_role("button", name="核验", exact=True).click()
    expect(desk.locator(".verify-result")).to_contain_text("核验通过")
    expect(desk.locator(".verify-result details")).not_to_have_attribute("open", "")
    # The next guest: the desk is still signed in as the hotel; no key to type.
    expect(desk.get_by_label("用证单位接口密钥")).to_have_count(0)
    expect(desk.locator("#verifier-session")).to_contain_text("示范大酒店（演示）")
    desk.get_by_label("亮证码").fill(show_token(holder))
    desk.get_by_label("用证事由").fill("旅馆住宿登记")
    desk.get_by_role("button", name="核验", exact=True).click()
    expect(desk.locator(".verify-result")).to_contain_text("张三")
    desk.locator(".verify-result summary").click()
    expect(desk.locator(".verify-result details")).to_contain_text("电子证照标识")
    for size in (PHONE, PC):
        desk.set_viewport_size(size)
        no_horizontal_overflow(desk)
        screenshot(desk, f"verify-result-{size['width']}.png")
    # A third guest at a desk in 长辈版 and English.
    open_menu(desk).get_by_role("button", name="长辈版").click()
    open_menu(desk).get_by_role("button", name="English").click()
    desk.goto("/verify/")
    desk.get_by_label("Licence code").fill(show_token(holder))
    desk.get_by_label("Cause of use").fill("Hotel check-in")
    desk.get_by_role("button", name="Verify", exact=True).click()
    expect(desk.locator(".verify-result")).to_contain_text("张三")
    desk.locator(".verify-result summary").click()
    for size in (PHONE, PC):
        desk.set_viewport_size(size)
        no_horizontal_overflow(desk)
        screenshot(desk, f"verify-result-elderly-en-{size['width']}.png")
    open_menu(desk).get_by_role("button", name="中文").click()
    open_menu(desk).get_by_role("button", name="标准版").click()
    shoot_in_every_mode(desk, "/verify/", "verify-signed-in")
    desk.get_by_role("button", name="忘记密钥").click()
    expect(desk.get_by_text("本设备已忘记用证单位密钥")).to_be_visible()
    expect(desk.get_by_label("用证单位接口密钥")).to_be_visible()
    watch.assert_clean()
    desk_watch.assert_clean()


COUNTDOWN = {
    "zh": re.compile(r"本码 (\d+) 秒内有效，会自动刷新"),
    "en": re.compile(r"This code is valid for (\d+) more seconds and refreshes itself"),
}


def test_the_qr_countdown_reads_one_sentence_before_and_after_the_script(new_context, demo):
    context, watch = new_context(PHONE)
    page = context.new_page()
    log_in(page, "13800000001", DEMO_PASSWORD)
    show_token(page)
    url = page.url
    for mode, button, back, name in (
        ("zh", None, None, "zh"),
        ("zh", "长辈版", "标准版", "elderly"),
        ("en", "English", "中文", "en"),
    ):
        if button:
            open_menu(page).get_by_role("button", name=button).click()
        page.goto(url)
        countdown = page.locator(".countdown")
        drawn = countdown.inner_text()  # as the server drew it
        first = COUNTDOWN[mode].fullmatch(drawn)
        assert first, drawn
        # Then as app.js rewrites it, second by second: the same sentence, fewer seconds.
        expect(countdown).not_to_have_text(drawn, timeout=5_000)
        later = COUNTDOWN[mode].fullmatch(countdown.inner_text())
        assert later and int(later.group(1)) < int(first.group(1))
        no_horizontal_overflow(page)
        screenshot(page, f"licence-show-countdown-{name}-375.png")
        if back:
            open_menu(page).get_by_role("button", name=back).click()
    watch.assert_clean()
