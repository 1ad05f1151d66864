"""A new person registers on the page with an SMS code."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, last_sms_code, make_id_number, make_phone
from tests.e2e.conftest import PHONE, no_horizontal_overflow, open_menu
from tongban.accounts.models import Person, PopulationRegisterEntry
from tongban.core.identifiers import mask_id_number

pytestmark = pytest.mark.e2e


def test_register_with_sms_code_lands_on_my_space(browsing):
    page, watch = browsing
    id_number, phone = make_id_number(), make_phone()
    PopulationRegisterEntry.objects.create(id_number=id_number, real_name="李四")
    page.goto("/")
    open_menu(page).get_by_role("link", name="注册", exact=True).click()
    expect(page.get_by_role("heading", name="个人注册")).to_be_visible()

    page.get_by_label("姓名").fill("李四")
    expect(page.get_by_label("证件类型")).to_have_value("111")  # 居民身份证 by default
    page.get_by_label("证件号码").fill(id_number)
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()

    expect(page.get_by_role("status")).to_contain_text("验证码已发送")
    expect(page.get_by_label("姓名")).to_have_value("李四")  # nothing typed is lost
    expect(page.get_by_label("证件号码")).to_have_value(id_number)
    page.get_by_label("短信验证码").fill(last_sms_code(phone))
    page.get_by_label("设置密码").fill(PASSWORD)
    open_menu(page).get_by_role("button", name="注册", exact=True).click()

    expect(page).to_have_url("/accounts/me/")
    expect(page.get_by_role("status")).to_contain_text("注册成功")
    expect(page.get_by_text(mask_id_number(id_number))).to_be_visible()
    expect(page.get_by_text("L2 身份证号与人口库比对一致")).to_be_visible()
    assert id_number not in page.content()
    person = Person.objects.get(id_number=id_number)
    assert (person.real_name, person.phone, person.assurance_level) == ("李四", phone, 2)
    watch.assert_clean()


def test_invalid_id_number_is_refused_inline(new_context):
    context, watch = new_context(PHONE)
    watch.allow_status(400)
    page = context.new_page()
    valid = make_id_number()
    invalid = valid[:-1] + ("0" if valid[-1] != "0" else "1")  # wrong check digit
    page.goto("/accounts/register/")

    page.get_by_label("姓名").fill("赵六")
    page.get_by_label("证件号码").fill(invalid)
    page.get_by_label("手机号").fill(make_phone())
    page.get_by_label("短信验证码").fill("123456")
    page.get_by_label("设置密码").fill(PASSWORD)
    open_menu(page).get_by_role("button", name="注册", exact=True).click()

    expect(page).to_have_url("/accounts/register/")
    expect(page.get_by_role("alert")).to_contain_text("身份证号码无效")
    expect(page.get_by_label("证件号码")).to_have_value(invalid)
    assert not Person.objects.filter(id_number=invalid).exists()
    no_horizontal_overflow(page)
    watch.assert_clean()
