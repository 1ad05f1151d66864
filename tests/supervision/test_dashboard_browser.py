"""The dashboards in the browser (issue 19 §1): a city supervisor opens 监督考核 from the menu and chooses a
period; the charts are drawn (a canvas, under the Content-Security-Policy, without animation for a person who
asked for reduced motion, again at phone width); the table beside a chart holds its numbers; 下载 CSV gives
exactly that table (UTF-8 with a BOM) and 下载 PNG a PNG. Each page at both widths, in 长辈版 and in English."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (  # noqa: F401  (the browser fixtures)
    PC,
    PHONE,
    browser,
    log_in,
    new_context,
    no_horizontal_overflow,
    open_menu,
)
from tests.e2e.test_seals import shoot_modes
from tests.supervision.dashboard_support import END, START, make_case, make_ticket, turned_red

pytestmark = pytest.mark.e2e


def table_of(page, chart_id: str) -> list[list[str]]:
    return page.evaluate(
        """id => [...document.querySelectorAll(`#chart-${id}-table tr`)].map(
            tr => [...tr.cells].map(c => c.textContent.replace(/\\s+/g, " ").trim()))""",
        chart_id,
    )


def canvas_width_once_below(page, chart_id: str, width: int) -> int:
    """The chart's canvas width once the redraw made it narrower than ``width`` (or as it is after 10 s):
    polled in the page (wait_for_function would evaluate a string, which the CSP forbids)."""
    return page.evaluate(
        """([id, width]) => new Promise(resolve => {
            let tries = 0;
            const check = () => {
                const canvas = document.querySelector(`#chart-${id}-canvas canvas`);
                const w = canvas ? canvas.clientWidth : -1;
                if ((w >= 0 && w < width) || ++tries > 200) { resolve(w); } else { setTimeout(check, 50); }
            };
            check();
        })""",
        [chart_id, width],
    )


def relative(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def download(page, button) -> tuple[bytes, str]:
    with page.expect_download() as info:
        button.click()
    d = info.value
    with open(d.path(), "rb") as f:
        return f.read(), d.suggested_filename


def test_a_supervisor_sees_the_charts_their_tables_and_downloads_both(new_context, world):  # noqa: F811
    hp = world["hp_housing"]
    case = make_case(hp, number="TB2026DB00E2E1")
    turned_red(case, START + timedelta(days=3))
    make_ticket(hp, number="GD-E2E-1", received=START, answer_due=START + timedelta(days=3))

    context, watch = new_context(PC)
    page = context.new_page()
    log_in(page, "supervisor_city1")
    open_menu(page).get_by_role("link", name="监督考核").click()
    expect(page.get_by_role("heading", name="监督考核", exact=True)).to_be_visible()
    page.get_by_label("统计维度").select_option("department")
    page.get_by_label("起始日期").fill(START.isoformat())
    page.get_by_label("截止日期").fill(END.isoformat())
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#card-good_rate .figure-value")).to_have_text("85.7%")

    canvas = page.locator("#chart-good-rate-canvas canvas")
    expect(canvas).to_be_visible()
    assert canvas.bounding_box()["width"] > 300
    assert table_of(page, "good-rate") == [
        ["部门", "好评率（%）"],
        ["徐汇区房管局", "100.0"],
        ["黄浦区房管局", "80.0"],
    ]
    figure = page.locator("#chart-good-rate")
    body, name = download(page, figure.get_by_role("button", name="下载 CSV"))
    assert body.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(body.decode("utf-8-sig")))) == table_of(page, "good-rate")
    assert name.endswith(".csv") and "好评率" in name
    body, name = download(page, figure.get_by_role("button", name="下载 PNG"))
    assert body.startswith(b"\x89PNG\r\n\x1a\n") and name.endswith(".png")
    daily = page.locator("#chart-daily-volumes")
    body, _name = download(page, daily.get_by_role("button", name="下载 CSV"))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == table_of(page, "daily-volumes") and len(rows) == 31
    animated = (
        "id => echarts.getInstanceByDom(document.getElementById(`chart-${id}-canvas`)).getOption().animation"
    )
    assert page.evaluate(animated, "good-rate") is True

    # a phone: the charts are drawn again to its width, and nothing scrolls sideways
    page.set_viewport_size(PHONE)
    assert canvas_width_once_below(page, "good-rate", 375) < 375
    no_horizontal_overflow(page)

    # the unit's page and the cases behind its red light
    page.set_viewport_size(PC)
    page.locator("#units").get_by_role("link", name="黄浦区房管局").click()
    expect(page.locator("#unit-title")).to_contain_text("黄浦区房管局")
    expect(page.locator("#chart-unit-volumes-canvas canvas")).to_be_visible()
    unit_url = page.url
    page.get_by_role("link", name="查看这 1 件办件").click()
    expect(page.get_by_role("heading", name="超期（亮红灯）的办件")).to_be_visible()
    drill_url = page.url
    page.get_by_role("link", name="TB2026DB00E2E1").click()
    expect(page.get_by_text("TB2026DB00E2E1").first).to_be_visible()
    watch.assert_clean()

    # the screenshots show the charts drawn, not half-way through their animation
    page.emulate_media(reduced_motion="reduce")
    query = f"?from={START.isoformat()}&to={END.isoformat()}&dim=department"
    shoot_modes(page, "/supervision/figures/" + query, "supervision-dashboard")
    shoot_modes(page, relative(unit_url), "supervision-unit")
    shoot_modes(page, relative(drill_url), "supervision-drill-cases")
    tickets = f"/supervision/units/department/{hp.uuid}/tickets/?from={START}&to={END}&figure=bad_due_unfixed"
    shoot_modes(page, tickets, "supervision-drill-tickets")
    shoot_modes(
        page, f"/supervision/figures/?from={START}&to={END}&dim=centre", "supervision-dashboard-centre"
    )
    watch.assert_clean()


def test_no_animation_for_reduced_motion(browser, live_server, transactional_db, world):  # noqa: F811
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", reduced_motion="reduce", viewport=PHONE
    )
    try:
        page = context.new_page()
        log_in(page, "supervisor_hp1")
        page.goto(f"/supervision/figures/?from={START}&to={END}")
        expect(page.locator("#chart-good-rate-canvas canvas")).to_be_visible()
        animated = "echarts.getInstanceByDom(document.getElementById('chart-good-rate-canvas')).getOption().animation"
        assert page.evaluate(animated) is False
        no_horizontal_overflow(page)
    finally:
        context.close()
