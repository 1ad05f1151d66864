"""亮证 in the browser: 张三 opens his card bag on a phone and shows his vocational certificate for a hotel
check-in; the QR code on the screen decodes (zxing-cpp) to the token; the hotel's front desk verifies it on the
verifier page with its key and sees the name only; a second scan of the same code is refused; 张三 then sees
the hotel in 谁使用了我的证照."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import PC, PHONE, log_in, no_horizontal_overflow, screenshot
from tests.e2e.test_seals import shoot_modes
from tongban.accounts.facade import demo_load
from tongban.catalog.facade import demo_load_catalog
from tongban.licences.facade import DEMO_VERIFIER_KEY, demo_load_licences

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db):
    demo_load()
    demo_load_catalog()
    demo_load_licences()


def test_show_a_licence_by_qr_and_a_hotel_verifies_it_once(new_context, demo):
    context, watch = new_context(PHONE)
    holder = context.new_page()
    log_in(holder, "13800000001", "Tongban@2026")
    holder.goto("/licences/")
    holder.get_by_role("link", name="职业资格证书").click()
    holder.get_by_role("link", name="亮证（出示二维码）").click()
    expect(holder.get_by_role("heading", level=1)).to_have_text("出示职业资格证书")
    expect(holder.get_by_role("status").first).to_contain_text("证照有效")
    no_horizontal_overflow(holder)
    screenshot(holder, "licence-show-375.png")
    # The QR code as the phone's screen shows it decodes to the token the page carries.
    picture = Image.open(io.BytesIO(holder.locator(".qr-box").screenshot()))
    decoded = [r.text for r in zxingcpp.read_barcodes(picture)]
    holder.get_by_text("对方无法扫码时，复制亮证码").click()
    token = holder.locator("textarea.token-text").input_value()
    assert decoded == [token]

    desk_context, desk_watch = new_context(PC)
    desk = desk_context.new_page()
    desk.goto("/verify/")
    desk.get_by_label("亮证码").fill(token)
    desk.get_by_label("用证事由").fill("旅馆住宿登记")
    desk.get_by_label("用证单位接口密钥").fill(DEMO_VERIFIER_KEY)
    desk.get_by_role("button", name="核验", exact=True).click()
    result = desk.locator(".verify-result")
    expect(result).to_contain_text("核验通过")
    expect(result).to_contain_text("张三")
    expect(result).not_to_contain_text("电工")  # the hotel scene shows the name only
    screenshot(desk, "licence-verify-1440.png")
    # The same code scanned again is refused, in Chinese, and shows nothing.
    desk_watch.allow_status(409)
    desk.get_by_label("亮证码").fill(token)
    desk.get_by_label("用证事由").fill("旅馆住宿登记")
    # (the desk stays signed in as the hotel: no key to type again)
    desk.get_by_role("button", name="核验", exact=True).click()
    expect(desk.get_by_role("alert")).to_contain_text("亮证码已被使用")
    expect(desk.locator(".verify-result")).to_have_count(0)

    holder.goto("/licences/")
    holder.get_by_role("link", name="职业资格证书").click()
    expect(holder.get_by_role("region", name="谁使用了我的证照")).to_contain_text("示范大酒店（演示）")
    # The licence's file is sealed by its issuing department (a task after the demo issued it): the page
    # links the verification of the sealed file, which says, in words, that the seal holds.
    holder.get_by_role("link", name="核验印章").click()
    expect(holder.get_by_role("heading", level=1)).to_have_text("核验文件的电子印章")
    expect(holder.locator(".verify-report.ok h3")).to_contain_text("印章有效")
    expect(holder.locator(".verify-report.bad")).to_have_count(0)
    shoot_modes(holder, holder.url, "licence-seal-verify")
    watch.assert_clean()
    desk_watch.assert_clean()
