"""服务盲区 in the browser (docs/domain/supervision.md §6): a district supervisor opens last month's
report, reads the searches nobody found, the item returned most and why, the themes of 差评 and complaints
with the change against the month before, follows a theme to its reviews (masked) and on to a ticket; a bad
month is told in Chinese. Both pages at both widths, in 长辈版 and in English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PC, PHONE, log_in, no_horizontal_overflow, screenshot
from tests.e2e.test_seals import shoot_modes
from tests.supervision.test_blindspots import MONTH, computed, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.e2e


def test_a_supervisor_reads_the_blind_spots_of_last_month(new_context, world):  # noqa: F811
    computed(world)
    url = f"/supervision/blind-spots/?month={MONTH:%Y-%m}"
    context, watch = new_context(PC)
    watch.allow_status(422)
    page = context.new_page()
    log_in(page, world["hp_supervisor"].username)
    page.goto(url)
    expect(page.get_by_role("heading", name="服务盲区", exact=True)).to_be_visible()
    searches = page.locator("#searches-table")
    expect(searches.get_by_role("rowheader").first).to_have_text("护照办理")
    expect(searches.locator("tbody tr").first).to_contain_text("增加 2")
    expect(page.locator("#searches")).not_to_contain_text("13812345678")
    items = page.locator("#items-table")
    expect(items.get_by_role("rowheader")).to_have_count(1)
    expect(items).to_contain_text("房屋租赁登记备案")
    expect(items).to_contain_text("申请表未签字")
    expect(items).to_contain_text("材料「营业执照」 已过期")
    reviews = page.locator("#reviews-table")
    expect(reviews.locator("tbody tr", has_text="窗口")).to_contain_text("新出现")
    expect(reviews.locator("tbody tr", has_text="排队").first).to_contain_text("减少 1")
    expect(page.locator("#complaints-table")).to_contain_text("社保卡")
    shoot_modes(page, url, "blind-spots")

    page.goto(url)
    page.locator("#reviews-table").get_by_role("link", name="窗口", exact=True).click()
    expect(page.get_by_role("heading", name="差评主题「窗口」")).to_be_visible()
    texts = page.locator("#theme-texts .review-text")
    expect(texts).to_have_count(2)
    expect(page.locator("#theme-texts")).to_contain_text("电话138****5678")
    expect(page.locator("#theme-texts")).not_to_contain_text("13812345678")
    theme_url = page.url.removeprefix(page.url.split("/supervision/")[0])
    shoot_modes(page, theme_url, "blind-spots-theme")
    page.goto(theme_url)
    page.get_by_role("link", name="查看工单").first.click()
    ticket = world["reviews"]["online"].ticket
    expect(page).to_have_url(re.compile(f"/ratings/handling/{ticket.uuid}/$"))

    page.set_viewport_size(PHONE)
    page.goto("/supervision/blind-spots/?month=2026-13")
    expect(page.locator("#form-error")).to_have_text("月份无效：格式为 YYYY-MM（如 2026-11），且不晚于本月")
    no_horizontal_overflow(page)
    screenshot(page, "blind-spots-bad-month-375.png")
    watch.assert_clean()
