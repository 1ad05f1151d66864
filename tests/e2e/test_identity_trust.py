"""An L1 person confirms their identity on 我的空间; a window clerk recovers a squatted identity on the
workbench. Phone and PC, 长辈版 and English (issue 13 §1)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import last_sms_code, make_phone
from tests.e2e.conftest import PC, PHONE, log_in, no_horizontal_overflow, open_menu, screenshot
from tongban.accounts.constants import AssuranceLevel, Role
from tongban.accounts.models import Person, PopulationRegisterEntry, User

pytestmark = pytest.mark.e2e


def test_an_l1_person_confirms_their_identity_with_the_right_name(new_context, make_person):
    person = make_person(real_name="陈真仁", level=AssuranceLevel.L1, in_register=False)
    PopulationRegisterEntry.objects.create(id_number=person.id_number, real_name="陈真人")
    context, watch = new_context(PHONE)
    watch.allow_status(400)
    page = context.new_page()
    log_in(page, person.phone)
    expect(page).to_have_url("/accounts/me/")
    box = page.locator("#confirm-identity")
    expect(box).to_contain_text("您的身份尚未经人口库核验")
    no_horizontal_overflow(page)
    screenshot(page, "me-unconfirmed-375.png")
    page.set_viewport_size(PC)
    screenshot(page, "me-unconfirmed-1440.png")

    page.get_by_label("身份证上的姓名").fill("别人")
    page.get_by_role("button", name="重新核验").click()
    expect(page.get_by_role("alert")).to_contain_text("姓名与证件号码和人口库不一致")
    page.get_by_label("身份证上的姓名").fill("陈真人")
    page.get_by_role("button", name="重新核验").click()
    expect(page.get_by_text("身份已通过人口库核验，实名等级提升为 L2。")).to_be_visible()
    expect(page.locator("#confirm-identity")).to_have_count(0)
    assert Person.objects.get(pk=person.pk).assurance_level == AssuranceLevel.L2

    Person.objects.filter(pk=person.pk).update(assurance_level=AssuranceLevel.L1)
    page.set_viewport_size(PHONE)
    page.goto("/")
    open_menu(page).get_by_role("button", name="长辈版").click()
    page.goto("/accounts/me/")
    no_horizontal_overflow(page)
    screenshot(page, "me-unconfirmed-elderly-375.png")
    page.goto("/")
    open_menu(page).get_by_role("button", name="English").click()
    page.goto("/accounts/me/")
    expect(page.locator("#confirm-identity")).to_contain_text("Your identity has not been confirmed")
    no_horizontal_overflow(page)
    screenshot(page, "me-unconfirmed-en-375.png")
    watch.assert_clean()


def test_a_clerk_recovers_a_squatted_identity_at_the_window(new_context, make_person, make_staff, org_tree):
    squatter = make_person(real_name="陈真人")
    clerk = make_staff(org_tree["window"], Role.WINDOW_CLERK)
    phone = make_phone()
    context, watch = new_context(PHONE)
    page = context.new_page()
    log_in(page, clerk.username)
    page.goto("/accounts/workbench/")
    card = page.locator("section", has=page.get_by_role("heading", name="身份找回（窗口面核）"))
    card.get_by_label("证件号码").fill(squatter.id_number)
    card.get_by_label("姓名").fill("陈真人")
    card.get_by_label("本人手机号").fill(phone)
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="发送验证码").click()
    expect(page.get_by_text("验证码已发送到本人手机")).to_be_visible()
    no_horizontal_overflow(page)
    screenshot(page, "workbench-recover-375.png")
    card = page.locator("section", has=page.get_by_role("heading", name="身份找回（窗口面核）"))
    card.get_by_label("短信验证码").fill(last_sms_code(phone))
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="找回身份").click()
    expect(page.get_by_text("找回身份（实名等级 L3）")).to_be_visible()
    page.set_viewport_size(PC)
    no_horizontal_overflow(page)
    screenshot(page, "workbench-recover-1440.png")
    assert User.objects.get(pk=squatter.user_id).frozen_at is not None
    assert Person.objects.get(user__phone=phone).assurance_level == AssuranceLevel.L3
    assert squatter.id_number not in page.content()
    watch.assert_clean()
