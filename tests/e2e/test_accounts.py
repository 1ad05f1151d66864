"""A person logs in (password or SMS code), sees their own space, and keeps the elderly-friendly mode."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, last_sms_code
from tests.e2e.conftest import PC, PHONE, log_in, no_horizontal_overflow, open_menu, screenshot
from tongban.core.identifiers import mask_id_number

pytestmark = pytest.mark.e2e


def test_password_login_lands_on_my_space_with_the_id_number_masked(new_context, make_person):
    person = make_person(real_name="张三")
    context, watch = new_context(PHONE)
    page = context.new_page()

    log_in(page, person.phone)

    expect(page).to_have_url("/accounts/me/")
    expect(page.get_by_role("heading", name="我的空间")).to_be_visible()
    expect(page.get_by_text("张三", exact=True)).to_be_visible()
    masked = mask_id_number(person.id_number)
    assert masked == person.id_number[:6] + "*" * 8 + person.id_number[-4:]
    expect(page.get_by_text(masked)).to_be_visible()
    assert person.id_number not in page.content()
    assert person.phone not in page.content()  # shown as 139****xxxx, also in 谁使用了我的信息
    expect(open_menu(page).get_by_role("button", name="退出", exact=True)).to_be_visible()
    screenshot(page, "me-375.png")  # whether it fits a phone: test_my_space_fits_a_phone

    page.set_viewport_size(PC)
    page.reload()
    expect(page.get_by_text(masked)).to_be_visible()
    assert person.id_number not in page.content()
    no_horizontal_overflow(page)
    screenshot(page, "me-1440.png")
    watch.assert_clean()


def test_wrong_password_is_refused_inline_in_chinese(new_context, make_person):
    person = make_person()
    context, watch = new_context(PHONE)
    watch.allow_status(400)
    page = context.new_page()

    log_in(page, person.phone, password=PASSWORD + "-wrong")

    expect(page).to_have_url("/accounts/login/")
    expect(page.get_by_role("alert")).to_have_text("登录名或密码错误")
    expect(page.get_by_label("登录名或手机号")).to_have_value(person.phone)
    expect(page.get_by_label("密码", exact=True)).to_have_value("")
    no_horizontal_overflow(page)
    screenshot(page, "login-375.png")
    # Not logged in: my space still asks for a login.
    page.goto("/accounts/me/")
    expect(page).to_have_url("/accounts/login/?next=/accounts/me/")
    watch.assert_clean()


def test_sms_code_login(browsing, make_person):
    page, watch = browsing
    person = make_person(real_name="王五")
    page.goto("/accounts/login/")
    page.get_by_role("link", name="短信验证码登录").click()

    page.get_by_label("手机号").fill(person.phone)
    page.get_by_role("button", name="获取验证码").click()

    expect(page.get_by_role("status")).to_contain_text("验证码已发送")
    expect(page.get_by_label("手机号")).to_have_value(person.phone)
    expect(page.get_by_role("button", name="获取验证码")).to_be_disabled()  # countdown until resend
    code = last_sms_code(person.phone)
    page.get_by_label("短信验证码").fill(code)
    open_menu(page).get_by_role("button", name="登录", exact=True).click()

    expect(page).to_have_url("/accounts/me/")
    expect(page.get_by_role("heading", name="我的空间")).to_be_visible()
    expect(page.get_by_text("王五", exact=True)).to_be_visible()
    watch.assert_clean()


def test_elderly_mode_is_remembered_for_the_person(new_context, make_person):
    person = make_person()
    context, watch = new_context(PHONE)
    page = context.new_page()
    log_in(page, person.phone)
    expect(page).to_have_url("/accounts/me/")
    page.goto("/")
    expect(page.locator("body")).not_to_have_class("elderly")

    open_menu(page).get_by_role("button", name="长辈版").click()

    expect(page.locator("body")).to_have_class("elderly")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    toggle = open_menu(page).get_by_role("button", name="标准版")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    no_horizontal_overflow(page)
    screenshot(page, "home-elderly-375.png")
    open_menu(page).get_by_role("button", name="退出", exact=True).click()
    expect(open_menu(page).get_by_role("link", name="登录", exact=True)).to_be_visible()
    watch.assert_clean()

    # Another device: standard until this person logs in, then elderly again.
    other, other_watch = new_context(PHONE)
    page2 = other.new_page()
    page2.goto("/")
    expect(page2.locator("body")).not_to_have_class("elderly")
    log_in(page2, person.phone)
    expect(page2).to_have_url("/accounts/me/")
    expect(page2.locator("body")).to_have_class("elderly")
    assert page2.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    expect(open_menu(page2).get_by_role("button", name="标准版")).to_be_visible()
    other_watch.assert_clean()


@pytest.mark.parametrize("elderly", [False, True], ids=["standard", "elderly"])
def test_my_space_fits_a_phone(new_context, make_person, elderly):
    person = make_person()
    context, watch = new_context(PHONE)
    page = context.new_page()
    log_in(page, person.phone)
    expect(page).to_have_url("/accounts/me/")
    if elderly:
        open_menu(page).get_by_role("button", name="长辈版").click()
        expect(page).to_have_url("/accounts/me/")
        expect(page.locator("body")).to_have_class("elderly")
        screenshot(page, "me-elderly-375.png")
    expect(page.get_by_role("heading", name="我的空间")).to_be_visible()
    watch.assert_clean()
    no_horizontal_overflow(page)


def test_elderly_mode_chosen_before_login_survives_the_login(new_context, make_person):
    person = make_person()
    context, watch = new_context(PHONE)
    page = context.new_page()
    page.goto("/")
    open_menu(page).get_by_role("button", name="长辈版").click()
    expect(page.locator("body")).to_have_class("elderly")
    watch.assert_clean()

    log_in(page, person.phone)

    expect(page).to_have_url("/accounts/me/")
    expect(page.locator("body")).to_have_class("elderly", timeout=1000)
