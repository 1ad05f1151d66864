"""In the browser: the hand-out clerk signs a result out on a phone-sized screen — the applicant draws on the
signature pad with the pointer — and the pad at the window takes a rating; the dashboard fits a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (  # noqa: F401  (the browser fixtures)
    PC,
    PHONE,
    browser,
    log_in,
    new_context,
    no_horizontal_overflow,
    screenshot,
)
from tests.frontdesk.handout_support import concluded_case
from tongban.accounts.demo import DEMO_PASSWORD
from tongban.accounts.facade import demo_load
from tongban.cases.models import Case, CaseEvent
from tongban.frontdesk.demo import demo_load_frontdesk
from tongban.frontdesk.models import PadSession, Service, ServiceCentre, Window

pytestmark = pytest.mark.e2e


@pytest.fixture
def desk(transactional_db, make_person):
    from tongban.accounts.models import User

    demo_load()
    demo_load_frontdesk()
    centre = ServiceCentre.objects.get(slug="huangpu")
    windows = {w.number: w for w in Window.objects.filter(centre=centre)}
    person = make_person(real_name="王小明")
    clerk = User.objects.get(username="clerk")
    case = concluded_case(person, centre=centre, window=windows[1], clerk=clerk)
    return {"centre": centre, "windows": windows, "person": person, "case": case}


def test_a_result_is_signed_for_on_the_pad_and_the_service_rated(new_context, desk):  # noqa: F811
    context, watch = new_context(PHONE)
    page = context.new_page()
    log_in(page, "handout", DEMO_PASSWORD)
    page.goto(f"/counter/{desk['windows'][3].uuid}/handout/")
    expect(page.get_by_role("heading", name="统一出件：待领取的办理结果")).to_be_visible()
    no_horizontal_overflow(page)
    page.get_by_label("办件编号").fill(desk["case"].number)
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name="办理交付").click()
    page.get_by_label("领取人证件号码（身份证或亮证页面）").fill(desk["person"].id_number)
    canvas = page.locator("#signature-canvas")
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 120)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 20 + i * 25, box["y"] + 120 + (-40 if i % 2 else 30), steps=4)
    page.mouse.up()
    no_horizontal_overflow(page)
    screenshot(page, "frontdesk-handout-375.png")
    page.get_by_role("button", name="确认交付").click()
    expect(page.get_by_role("status").first).to_contain_text("的办理结果已交付")
    case = Case.objects.get(pk=desk["case"].pk)
    assert case.status == "delivered"
    assert "3号统一出件窗口 领取" in CaseEvent.objects.get(case=case, action="deliver").opinion

    # The pad at window 1: waiting, then the counter opens a session; the applicant rates.
    pad_context, pad_watch = new_context(PC)
    pad = pad_context.new_page()
    pad.goto(f"/hall/huangpu/pad/{desk['windows'][1].uuid}/")
    expect(pad.get_by_text("欢迎光临")).to_be_visible()
    PadSession.objects.create(
        window=desk["windows"][1], service=Service.objects.get(case_uuids=[str(case.uuid)])
    )
    expect(pad.get_by_role("heading", name="请您评价本次服务")).to_be_visible(timeout=10_000)  # htmx, 3 s
    expect(pad.get_by_text("窗口人员 陈敏")).to_be_visible()
    pad.get_by_text("非常满意", exact=True).click()
    pad.get_by_label("意见或建议（可选，500 字以内）").fill("很好")
    pad.get_by_role("button", name="提交评价").click()
    expect(pad.get_by_role("heading", name="感谢您的评价")).to_be_visible()
    assert PadSession.objects.get().score == 5
    watch.assert_clean()
    pad_watch.assert_clean()


def test_the_dashboard_fits_a_phone(new_context, desk):  # noqa: F811
    context, watch = new_context(PHONE)
    page = context.new_page()
    log_in(page, "clerk", DEMO_PASSWORD)
    page.goto(f"/centres/{desk['centre'].uuid}/dashboard/?period=month")
    expect(page.get_by_role("heading", name="全中心合计")).to_be_visible()
    no_horizontal_overflow(page)
    screenshot(page, "frontdesk-dashboard-375.png")
    watch.assert_clean()
