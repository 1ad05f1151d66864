"""On a phone (375 px) the header is one short row with a menu button; the menu opens by mouse and by
keyboard, in 长辈版 too, and holds the links and tools. The staff tables (inbox, case steps, supervision
board) and the bundle figures become cards that fit the screen, with dates and case numbers unbroken."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PC, PHONE, log_in, no_horizontal_overflow, screenshot
from tests.e2e.test_cases import DEMO_PASSWORD, UPLOADS, demo  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e

HEADER_HEIGHT = "document.querySelector('.site-header').getBoundingClientRect().height"
# Every table on the page fits its wrapper (no sideways scroll hidden inside it), and no date or case
# number wraps: each .nowrap / time element is one line.
FITS = """() => {
  const wide = [...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth + 1)
    .map(w => w.scrollWidth + ' > ' + w.clientWidth);
  const broken = [...document.querySelectorAll('.nowrap, time')].filter(e => {
      const r = document.createRange(); r.selectNodeContents(e);
      return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1; })
    .map(e => e.textContent);
  return {wide, broken};
}"""


def assert_fits(page) -> None:
    no_horizontal_overflow(page)
    assert page.evaluate(FITS) == {"wide": [], "broken": []}


def make_open_cases(n_overdue: int = 1) -> list[str]:
    """Two 开办企业 cases of the demo citizen accepted at the window, the first overdue (lights turned)."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.cases.conftest import Upload, pdf_bytes
    from tongban.accounts.facade import actor_for
    from tongban.accounts.models import User
    from tongban.cases.models import CaseStep
    from tongban.cases.services import case_accept, case_submit
    from tongban.cases.supervision import supervision_update
    from tongban.catalog.models import Bundle

    bundle = Bundle.objects.get(name="开办企业")
    citizen = User.objects.get(username="13800000001")
    clerk = User.objects.get(username="clerk")
    known = {
        "company_name": "上海示范餐饮管理有限公司",
        "legal_representative": "张三",
        "registered_capital": 50,
        "business_scope": "餐饮服务",
        "premises_address": "上海市黄浦区南京东路100号",
        "contact_phone": "13800000001",
        "invoice_types": ["电子发票"],
        "employee_count": 5,
        "start_date": "2026-12-01",
    }
    form = {}
    for key, field in bundle.form_schema["properties"].items():  # what the demo's form asks today
        if key in known:
            form[key] = known[key]
        elif "enum" in field:
            form[key] = field["enum"][0]
    files = UPLOADS
    cases = []
    for i in range(2):
        case, _ = case_submit(
            actor=actor_for(citizen),
            target_kind="bundle",
            target_uuid=bundle.uuid,
            applicant_kind="person",
            applicant_uuid=citizen.person.uuid,
            form_data=form,
            idempotency_key=f"phone-case-{i}",
            files={k: Upload(pdf_bytes()) for k in files},
        )
        cases.append(case_accept(actor=actor_for(clerk), case=case))
    today = timezone.localdate()
    CaseStep.objects.filter(case__in=cases[:n_overdue]).update(
        due_on=today - timedelta(days=20), yellow_on=today - timedelta(days=25)
    )
    supervision_update()
    return [c.number for c in cases]


def test_the_header_is_one_short_row_and_the_menu_opens_by_mouse_and_keyboard(new_context, demo):  # noqa: F811
    context, watch = new_context(PHONE)
    page = context.new_page()
    log_in(page, "13800000001", DEMO_PASSWORD)
    expect(page).to_have_url("/accounts/me/")
    assert page.evaluate(HEADER_HEIGHT) < 80
    button = page.get_by_role("button", name="菜单")
    nav = page.get_by_role("navigation", name="主导航")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_have_attribute("aria-controls", "site-menu")
    expect(nav).to_be_hidden()

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    for name in ("首页", "我的", "我的办件", "卡包", "消息"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="退出", exact=True)).to_be_visible()
    no_horizontal_overflow(page)
    screenshot(page, "menu-open-375.png")
    nav.get_by_role("link", name="卡包").click()
    expect(page).to_have_url("/licences/")
    expect(nav).to_be_hidden()  # a new page starts with the menu closed

    # The keyboard: Tab to the button, Enter opens, Tab reaches the first link, Escape closes and returns.
    page.locator("body").focus()
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="首页")).to_be_focused()
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(nav).to_be_hidden()

    # 长辈版: still one row, and the menu still opens.
    button.click()
    page.get_by_role("button", name="长辈版").click()
    expect(page.locator("body")).to_have_class("elderly")
    assert page.evaluate(HEADER_HEIGHT) < 100
    page.get_by_role("button", name="菜单").click()
    expect(nav.get_by_role("link", name="我的办件")).to_be_visible()
    no_horizontal_overflow(page)
    screenshot(page, "menu-open-elderly-375.png")

    # On a PC the links are in the header, and no menu button.
    page.set_viewport_size(PC)
    expect(page.get_by_role("button", name="菜单")).to_be_hidden()
    expect(nav.get_by_role("link", name="卡包")).to_be_visible()
    watch.assert_clean()


@pytest.mark.parametrize("elderly", [False, True], ids=["standard", "elderly"])
def test_the_staff_tables_are_cards_on_a_phone(new_context, demo, elderly):  # noqa: F811
    numbers = make_open_cases()
    context, watch = new_context(PHONE)
    page = context.new_page()
    log_in(page, "reviewer_market", DEMO_PASSWORD)
    if elderly:
        page.get_by_role("button", name="菜单").click()
        page.get_by_role("button", name="长辈版").click()
        expect(page.locator("body")).to_have_class("elderly")
    page.goto("/staff/inbox/")
    row = page.locator("tr", has_text=numbers[0])
    due = row.locator('td[data-label="期限"]')  # each cell says what it is, before its value
    expect(due).to_be_visible()
    assert due.evaluate("td => getComputedStyle(td, '::before').content") == '"期限"'
    claim = row.get_by_role("button", name="认领")
    claim.scroll_into_view_if_needed()
    expect(claim).to_be_in_viewport(ratio=1)  # wholly on screen: no sideways scroll to reach it
    box = claim.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    assert_fits(page)
    suffix = "-elderly" if elderly else ""
    screenshot(page, f"inbox{suffix}-375.png")

    # The widest voucher code its letters can make (W is the widest capital): it still fits on the line.
    from tongban.cases.models import Case

    Case.objects.filter(number=numbers[0]).update(acceptance_voucher="SL20261207WWWWWWWW")
    row.get_by_role("link", name=numbers[0]).click()  # the staff case page and its steps table
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_fits(page)
    screenshot(page, f"staff-case{suffix}-375.png")
    watch.assert_clean()

    context2, watch2 = new_context(PHONE)
    page2 = context2.new_page()
    log_in(page2, "supervisor_city", DEMO_PASSWORD)
    if elderly:
        page2.get_by_role("button", name="菜单").click()
        page2.get_by_role("button", name="长辈版").click()
        expect(page2.locator("body")).to_have_class("elderly")
    page2.get_by_role("button", name="菜单").click()
    page2.get_by_role("link", name="电子监察").click()
    expect(page2.locator("tr", has_text=numbers[0]).first).to_be_visible()
    assert_fits(page2)
    screenshot(page2, f"board{suffix}-375.png")
    watch2.assert_clean()


def test_the_bundle_figures_table_is_cards_on_a_phone(new_context, demo):  # noqa: F811
    context, watch = new_context(PHONE)
    page = context.new_page()
    page.goto("/bundles/")
    page.get_by_role("link", name="开办企业", exact=True).first.click()
    table = page.locator("table")
    expect(table.locator("td", has_text="个工作日").first).to_be_visible()
    assert_fits(page)
    watch.assert_clean()


def test_the_header_stays_one_row_in_english_and_in_elderly_english(new_context, demo):  # noqa: F811
    context, watch = new_context(PHONE)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.evaluate(HEADER_HEIGHT) < 80
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Senior mode").click()
    expect(page.locator("body")).to_have_class("elderly")
    assert page.evaluate(HEADER_HEIGHT) < 100
    page.get_by_role("button", name="Menu").click()
    expect(
        page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Home")
    ).to_be_visible()
    no_horizontal_overflow(page)
    screenshot(page, "menu-open-elderly-en-375.png")
    watch.assert_clean()
