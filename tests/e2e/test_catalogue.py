"""A visitor finds a service: searches 营业执照 and yyzz on the home page, opens the item guide, then the
开办企业 bundle and reads its 双减半 figures; on a phone, in elderly mode, and browses 零跑动 items."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PC, PHONE, no_horizontal_overflow, open_menu, screenshot
from tongban.accounts.facade import demo_load
from tongban.catalog.facade import demo_load_catalog

pytestmark = pytest.mark.e2e


@pytest.fixture
def catalog(transactional_db):
    demo_load()
    demo_load_catalog()


def search(page, words: str):
    page.get_by_label("搜索服务事项").fill(words)
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(f"“{words}”的搜索结果"))).to_be_visible()


@pytest.mark.parametrize(("viewport", "suffix"), [(PC, "1440"), (PHONE, "375")])
def test_search_open_the_guide_and_the_bundle_figures(new_context, catalog, viewport, suffix):
    context, watch = new_context(viewport)
    page = context.new_page()
    page.goto("/")

    search(page, "营业执照")
    results = page.locator("#results-title + ul, #results-title ~ ul").first
    expect(page.get_by_role("link", name="营业执照核发", exact=True)).to_be_visible()
    expect(results).to_be_visible()
    search(page, "yyzz")
    first = page.locator(".result .result-title").first
    expect(first).to_have_text("营业执照核发")
    screenshot(page, f"search-yyzz-{suffix}.png")

    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("营业执照核发")
    expect(page.get_by_role("heading", name="需要您提交（3 份）")).to_be_visible()
    expect(page.get_by_role("heading", name="无需提交（1 份，平台获取）")).to_be_visible()
    expect(page.locator(".not-needed")).to_contain_text("居民身份证")
    expect(page.locator(".fact").first).to_contain_text("法定 15 个工作日")
    no_horizontal_overflow(page)
    screenshot(page, f"item-guide-{suffix}.png")

    page.get_by_role("link", name="开办企业", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("开办企业")
    expect(page.get_by_text("已实现“双减半”")).to_be_visible()
    time_bars = page.locator(".bar-group").first
    expect(time_bars).to_contain_text("逐项办理")
    expect(time_bars).to_contain_text("41 个工作日")
    expect(time_bars).to_contain_text("2 个工作日")
    expect(time_bars.get_by_role("img", name="一件事 2 个工作日")).to_be_visible()
    # The promised bar is drawn to scale: 2/41 of the sequential one.
    widths = time_bars.locator("rect").evaluate_all("rs => rs.map(r => r.getBoundingClientRect().width)")
    assert widths[1] == pytest.approx(widths[0] * 2 / 41, abs=1.5)
    no_horizontal_overflow(page)
    screenshot(page, f"bundle-kaiban-{suffix}.png")
    watch.assert_clean()


def test_pinyin_initials_find_the_bundle_and_elderly_mode_keeps_the_figures_readable(new_context, catalog):
    context, watch = new_context(PHONE)
    page = context.new_page()
    page.goto("/")
    open_menu(page).get_by_role("button", name="长辈版").click()
    search(page, "kbqy")
    page.locator(".bundle-hit a", has_text="开办企业").click()
    expect(page.locator("body")).to_have_class(re.compile("elderly"))
    expect(page.locator(".bar-group").nth(1)).to_contain_text("16 份")
    no_horizontal_overflow(page)
    screenshot(page, "bundle-kaiban-elderly-375.png")
    watch.assert_clean()


def test_browse_zero_visit_items_by_theme_and_open_a_department(browsing, catalog):
    page, watch = browsing
    page.goto("/")
    page.get_by_role("link", name="零跑动事项").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("零跑动事项")
    page.get_by_label("主题").select_option(value="出生")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator(".result-title", has_text="出生医学证明签发")).to_be_visible()
    expect(page.locator(".result-title", has_text="营业执照核发")).to_have_count(0)
    screenshot(page, "browse-zero-visits-1440.png")
    page.locator(".result-title", has_text="出生医学证明签发").click()
    page.locator(".guide-head a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("上海市卫生健康委员会")
    expect(page.get_by_role("link", name="小孩出生一件事")).to_be_visible()
    screenshot(page, "department-1440.png")
    watch.assert_clean()
