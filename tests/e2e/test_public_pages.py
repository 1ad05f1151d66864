"""The public pages a visitor sees first: the home page on a phone and a PC, the language switch, 404."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PC, PHONE, no_horizontal_overflow, open_menu, screenshot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("viewport", "shot"), [(PHONE, "home-375.png"), (PC, "home-1440.png")])
def test_home_page_is_chinese_fits_the_screen_and_stays_on_this_host(new_context, viewport, shot):
    context, watch = new_context(viewport)
    page = context.new_page()

    response = page.goto("/")

    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page).to_have_title("通办 · 一网通办")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_contain_text("一网通办")
    expect(page.get_by_role("heading", name="个人办事")).to_be_visible()
    expect(open_menu(page).get_by_role("link", name="登录", exact=True)).to_be_visible()
    expect(open_menu(page).get_by_role("link", name="注册", exact=True)).to_be_visible()
    expect(open_menu(page).get_by_role("button", name="长辈版")).to_be_visible()
    expect(open_menu(page).get_by_role("button", name="English")).to_be_visible()
    # The stylesheet and both scripts were served and applied (no CSP or static-file trouble).
    header_bg = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert header_bg == "rgb(11, 78, 162)"
    page.wait_for_function("typeof window.htmx === 'object'")
    no_horizontal_overflow(page)
    screenshot(page, shot)
    watch.assert_clean()
    assert any(url.endswith("/static/tongban/js/app.js") for url in watch.requests)


def test_language_switch_to_english_and_back(browsing, live_server):
    page, watch = browsing
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    open_menu(page).get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(open_menu(page).get_by_role("button", name="中文")).to_be_visible()
    expect(open_menu(page).get_by_role("button", name="English")).to_have_count(0)
    expect(page.get_by_role("link", name="Log in", exact=True)).to_be_visible()  # from the en catalog
    expect(page).to_have_url(f"{live_server.url}/")  # back on the page where the switch was used
    # The choice sticks while browsing on.
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    open_menu(page).get_by_role("button", name="中文").click()

    expect(page).to_have_url("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(open_menu(page).get_by_role("button", name="English")).to_be_visible()
    expect(open_menu(page).get_by_role("link", name="登录", exact=True)).to_be_visible()
    watch.assert_clean()


def test_unknown_address_shows_a_chinese_404_page(browsing):
    page, watch = browsing
    watch.allow_status(404)

    response = page.goto("/no-such-page/")

    assert response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("页面不存在")
    expect(page.get_by_text("您访问的页面不存在或已被移除")).to_be_visible()
    page.get_by_role("link", name="返回首页").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("一网通办")
    watch.assert_clean()


class TextTooSmall(AssertionError):
    """Visible text below the size the elderly-friendly mode promises."""


# Text nodes that are rendered (not visually hidden) with their computed font size.
_SMALL_TEXT = """(minPx) => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement, text = node.textContent.trim();
    if (!text || !el || el.closest('.visually-hidden, .skip-link, script')) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < minPx) out.push(`${size}px ${el.tagName.toLowerCase()}.${el.className}: ${text.slice(0, 20)}`);
  }
  return out;
}"""


def test_elderly_mode_enlarges_all_text_on_a_phone(new_context):
    context, watch = new_context(PHONE)
    page = context.new_page()
    page.goto("/")
    open_menu(page).get_by_role("button", name="长辈版").click()
    expect(page.locator("body")).to_have_class("elderly")
    watch.assert_clean()

    small = page.evaluate(_SMALL_TEXT, 18)

    if small:
        raise TextTooSmall(f"{len(small)} text runs under 18px in elderly mode: {small[:12]}")
