"""A visitor reads the 长三角通办事项目录: from the home page to the list, filters it by mode, searches it, looks
at last quarter's list and at what changed; on a PC, and on a phone in 长辈版 (docs/domain/federation.md §7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PC, PHONE, no_horizontal_overflow, open_menu, screenshot
from tests.federation.conftest import new_partner
from tongban.federation import trust
from tongban.federation.catalogue import catalogue_publish

pytestmark = pytest.mark.e2e

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "federation" / "catalogue-example.json"


@pytest.fixture
def published(transactional_db, settings):
    """This deployment (上海) coordinates a region with 江苏, and has published two quarters of the example
    list (the entries of 浙江 and 安徽 left out: they are not members here)."""
    settings.TONGBAN_REGION_CODE = "310000"
    settings.TONGBAN_FEDERATION_REGION = "csj"
    trust.cache_clear()
    trust.coordinator_init()
    trust.trust_list_sign(region="csj", name="长三角", add=[new_partner("320000").descriptor()])
    entries = json.loads(EXAMPLE.read_text())["entries"]
    for e in entries:
        e["members"] = {code: local for code, local in e["members"].items() if code in ("310000", "320000")}
    q3 = [e for e in entries if e["code"] != "CSJ-0010"]
    q3[0] = {**q3[0], "modes": ["online"]}
    catalogue_publish(quarter="2026Q3", data={"entries": q3})
    catalogue_publish(quarter="2026Q4", data={"entries": entries})
    yield
    trust.cache_clear()


@pytest.mark.parametrize(("viewport", "suffix", "elderly"), [(PC, "1440", False), (PHONE, "375", True)])
def test_reading_the_regional_catalogue(new_context, published, viewport, suffix, elderly):
    context, watch = new_context(viewport)
    page = context.new_page()
    page.goto("/")
    if elderly:
        open_menu(page).get_by_role("button", name="长辈版").click()
        expect(page.locator("body.elderly")).to_have_count(1)
    page.get_by_role("link", name="长三角通办", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("长三角通办事项目录")
    table = page.locator("#csj-items")
    expect(table.locator("tbody tr")).to_have_count(10)
    expect(table.get_by_role("rowheader", name="户口迁移")).to_be_visible()
    no_horizontal_overflow(page)
    screenshot(page, f"csj-items-{suffix}{'-elderly' if elderly else ''}.png")

    page.get_by_label("通办模式").select_option(label="多地联办")
    page.get_by_role("button", name="查询").click()
    expect(table.locator("tbody tr")).to_have_count(2)  # 户口迁移, 企业跨省迁移登记
    page.get_by_label("按名称搜索").fill("hkqy")
    page.get_by_role("button", name="查询").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("江苏省")

    changes = page.locator("#changes-title")
    expect(changes).to_have_text("2026Q4 的变化（与 2026Q3 相比）")
    expect(page.locator("#csj-added")).to_contain_text("个人参保证明查询打印")
    expect(page.locator("#csj-modes-changed")).to_contain_text("全程网办 → 全程网办、异地代收代办")
    no_horizontal_overflow(page)

    page.get_by_label("目录季度").select_option("2026Q3")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026Q3")
    expect(page.locator("#csj-items tbody tr")).to_have_count(9)
    expect(page.get_by_text("您在查看 2026Q3 的历史目录")).to_be_visible()
    no_horizontal_overflow(page)
    watch.assert_clean()
