"""Staff pages: a supervisor reads the audit trail of their own organisations only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, no_horizontal_overflow, open_menu, screenshot

pytestmark = pytest.mark.e2e


def test_supervisor_sees_the_audit_table_of_their_district(browsing, org_tree, make_staff):
    page, watch = browsing
    supervisor = make_staff(org_tree["huangpu"], role="supervisor")

    log_in(page, supervisor.username)
    expect(page).to_have_url("/accounts/me/")
    open_menu(page).get_by_role("link", name="工作台").click()
    expect(page).to_have_url("/accounts/workbench/")
    page.goto("/accounts/ops/audit/")

    expect(page.get_by_role("heading", name="审计日志")).to_be_visible()
    table = page.get_by_role("table")
    for column in ("时间", "操作人", "操作", "对象", "请求编号"):
        expect(table.get_by_role("columnheader", name=column, exact=True)).to_be_visible()
    expect(table.get_by_text("staff.add_role", exact=True)).to_be_visible()
    expect(table).to_contain_text("黄浦区房管局")
    expect(table).not_to_contain_text("徐汇区")  # another district: out of this supervisor's scope

    page.get_by_label("操作", exact=True).fill("staff.")
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"[?&]action=staff\."))
    expect(table.get_by_text("staff.add_role", exact=True)).to_be_visible()
    expect(table.get_by_text("organisation.create", exact=True)).to_have_count(0)
    page.get_by_label("操作", exact=True).fill("")
    page.get_by_role("button", name="查询").click()
    expect(table.get_by_text("organisation.create", exact=True).first).to_be_visible()
    no_horizontal_overflow(page)
    screenshot(page, "audit-1440.png")
    watch.assert_clean()


def test_on_a_phone_a_supervisors_longer_menu_wraps_by_link_not_by_character(
    new_context, org_tree, make_staff
):
    from tests.e2e.conftest import PHONE

    context, _watch = new_context(PHONE)
    page = context.new_page()
    supervisor = make_staff(org_tree["huangpu"], role="supervisor")
    log_in(page, supervisor.username)
    expect(page).to_have_url("/accounts/me/")
    links = open_menu(page).get_by_role("navigation", name="主导航").get_by_role("link")
    names = links.all_inner_texts()
    assert "工作台" in names and "电子监察" in names and "我的办件" not in names
    # Every link keeps its words on one line: its text makes one line box, not a column of characters.
    lines = page.evaluate(
        """() => [...document.querySelectorAll('nav.site-nav a')].map(a => {
            const range = document.createRange(); range.selectNodeContents(a);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; })"""
    )
    assert lines == [1] * len(names), dict(zip(names, lines, strict=True))
    no_horizontal_overflow(page)
    screenshot(page, "nav-supervisor-375.png")
