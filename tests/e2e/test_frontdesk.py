"""The front desk in the browser (issue 17 §6): 张三 takes a ticket on his phone in the hall of
黄浦区行政服务中心; window 1 calls it (the board shows the call); the clerk starts the service with it, identifies
张三 by scanning the licence he shows (亮证, the window as verifier), and accepts 开办企业 for him at the window
(代办: the form, the scanned materials); the back offices approve (their own pages are walked in
tests/e2e/test_cases.py: here they decide through their services); the hand-out window gives him the result
against his signature on the pad; he rates the window's service on its evaluation pad, and sees on his case
page who accepted it and where he collected it. Phone and PC, 长辈版 and English for the new pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PC, PHONE, log_in, no_horizontal_overflow, screenshot
from tests.e2e.test_cases import DEMO_PASSWORD, UPLOADS
from tests.e2e.test_seals import shoot_modes
from tongban.accounts.facade import ZHANG_ID_NUMBER, actor_for, demo_load
from tongban.catalog.facade import demo_load_catalog
from tongban.frontdesk.demo import demo_load_frontdesk
from tongban.frontdesk.models import ServiceCentre, Window
from tongban.licences.facade import demo_load_licences

pytestmark = pytest.mark.e2e
REVIEWERS = {
    "上海市市场监督管理局": "reviewer_market",
    "上海市公安局": "reviewer_police",
    "上海市税务局": "reviewer_tax",
    "上海市人力资源和社会保障局": "reviewer_hr",
}


@pytest.fixture
def hall_demo(transactional_db):
    demo_load()
    demo_load_catalog()
    demo_load_licences()
    demo_load_frontdesk(history=False)
    # Open all day: the journey runs whatever the hour (the hours themselves are tested in tests/frontdesk).
    ServiceCentre.objects.update(hours={"workday": [["00:00", "23:59"]], "restday": [["00:00", "23:59"]]})
    return {w.number: w for w in Window.objects.filter(centre__slug="huangpu")}


def back_offices_approve(number: str) -> None:
    """Each department decides its steps as they become ready (through the services the inbox uses)."""
    from tongban.accounts.models import User
    from tongban.cases.constants import StepStatus
    from tongban.cases.models import Case
    from tongban.cases.services import step_claim, step_decide

    case = Case.objects.get(number=number)
    for _round in range(6):
        ready = list(case.steps.filter(status=StepStatus.READY))
        if not ready:
            break
        for step in ready:
            reviewer = actor_for(User.objects.get(username=REVIEWERS[step.department_name]))
            step = step_claim(actor=reviewer, step=step)
            step_decide(actor=reviewer, step=step, decision="pass", opinion="同意")
    case.refresh_from_db()
    assert case.status == "concluded", case.status


def test_ticket_call_window_acceptance_by_licence_qr_back_office_handout_and_rating(
    new_context, hall_demo, tmp_path
):
    from tests.cases.conftest import pdf_bytes

    a_pdf = tmp_path / "材料.pdf"
    a_pdf.write_bytes(pdf_bytes())
    windows = hall_demo

    # 1. 张三 takes a ticket on his phone (the hall's QR code leads here), signed in: he will get an SMS.
    context, watch = new_context(PHONE)
    citizen = context.new_page()
    log_in(citizen, "13800000001", DEMO_PASSWORD)
    citizen.goto("/hall/huangpu/take/")
    no_horizontal_overflow(citizen)
    screenshot(citizen, "hall-take-375.png")
    citizen.get_by_role("button", name="企业服务").click()
    ticket_number = (
        citizen.locator(".hall-ticket .queue-number, .hall-ticket-number").first.inner_text().strip()
    )
    assert ticket_number.startswith("E"), ticket_number
    ticket_url = citizen.url
    screenshot(citizen, "hall-ticket-375.png")

    # 2. The board in the hall, and window 1 calls the next ticket.
    board_context, board_watch = new_context(PC)
    board = board_context.new_page()
    board.goto("/hall/huangpu/board/")
    clerk_context, clerk_watch = new_context(PC)
    clerk = clerk_context.new_page()
    log_in(clerk, "clerk", DEMO_PASSWORD)
    clerk.goto(f"/counter/{windows[1].uuid}/")
    panel = clerk.locator("#queue-panel")
    panel.get_by_role("button", name="叫号").click()
    expect(panel.locator(".queue-current")).to_contain_text(ticket_number)
    expect(board.locator("main")).to_contain_text(ticket_number, timeout=10_000)
    expect(board.locator("main")).to_contain_text("1")
    screenshot(board, "hall-board-1440.png")
    citizen.goto(ticket_url)
    expect(citizen.locator("main")).to_contain_text("1 号窗口")

    # 3. The service starts with the ticket just called; 张三 shows his licence for 窗口办事 and the clerk
    # scans it (the scanner types the code: pasted here).
    clerk.get_by_role("button", name="开始服务").click()
    expect(clerk.locator("#service-title")).to_be_visible()
    expect(clerk.locator("main")).to_contain_text(ticket_number)
    citizen.goto("/licences/")
    citizen.get_by_role("link", name="职业资格证书").click()
    citizen.get_by_role("link", name="亮证（出示二维码）").click()
    citizen.get_by_role("link", name="窗口办事").click()
    citizen.get_by_text("对方无法扫码时，复制亮证码").click()
    token = citizen.locator("textarea.token-text").input_value()
    clerk.get_by_label("亮证码（扫码枪录入或粘贴）").fill(token)
    clerk.get_by_role("button", name="核验亮证码").click()
    expect(clerk.locator("main")).to_contain_text("张*")
    expect(clerk.locator("main")).not_to_contain_text(ZHANG_ID_NUMBER)

    # 4. 开办企业 on his behalf: the form, the material pre-check, the scans; accepted at once.
    clerk.get_by_label("搜索事项或一件事").fill("开办企业")
    clerk.get_by_role("button", name="搜索").click()
    clerk.get_by_role("link", name="开办企业", exact=True).first.click()
    for label, value in (
        ("企业名称", "上海窗口示范餐饮有限公司"),
        ("注册资本（万元）", "50"),
        ("经营范围", "餐饮服务"),
        ("经营场所地址", "上海市黄浦区南京东路100号"),
        ("职工人数", "5"),
        ("开始日期", "2026-12-01"),
        ("联系电话", "13800000001"),
    ):
        clerk.get_by_label(label, exact=False).first.fill(value)
    clerk.locator("#f_legal_representative").fill("张三")
    clerk.get_by_label("企业类型").select_option("有限责任公司（自然人独资）")
    clerk.get_by_label("电子发票").check()
    for key in UPLOADS:
        clerk.locator(f"#m_{key}").set_input_files(str(a_pdf))
        clerk.locator(f"#pc_{key}").select_option(index=1)
    no_horizontal_overflow(clerk)
    screenshot(clerk, "counter-apply-1440.png")
    clerk.get_by_role("button", name="提交并受理").click()
    # Accepted: the receipt to print (the case number, its 查询码, the materials received).
    expect(clerk.locator("main")).to_contain_text("材料接收凭证")
    number = clerk.locator("dd.nowrap").first.inner_text().strip()
    assert number.startswith("TB"), number
    expect(clerk.locator("main")).to_contain_text("收件预审：已收取")
    screenshot(clerk, "counter-print-1440.png")
    clerk.goto(f"/counter/{windows[1].uuid}/")
    expect(clerk.locator("#cases-title").locator("xpath=..")).to_contain_text(number)
    clerk.get_by_role("button", name="结束服务并邀请评价").click()
    expect(clerk.get_by_text("请申请人在评价器上评价本次服务")).to_be_visible()

    # 5. The back offices approve; the result waits at the hand-out window.
    back_offices_approve(number)
    handout_context, handout_watch = new_context(PC)
    handout = handout_context.new_page()
    log_in(handout, "handout", DEMO_PASSWORD)
    handout.goto(f"/counter/{windows[3].uuid}/handout/")
    handout.locator("#handout-results tr", has_text=number).get_by_role("link", name="办理交付").click()
    handout.get_by_label("领取人证件号码（身份证或亮证页面）").fill(ZHANG_ID_NUMBER)
    canvas = handout.locator("#signature-canvas")
    box = canvas.bounding_box()
    handout.mouse.move(box["x"] + 30, box["y"] + 120)
    handout.mouse.down()
    for x, y in ((90, 60), (150, 140), (220, 50), (300, 130), (380, 70)):
        handout.mouse.move(box["x"] + x, box["y"] + y, steps=6)
    handout.mouse.up()
    screenshot(handout, "handout-sign-1440.png")
    handout.get_by_role("button", name="确认交付").click()
    expect(handout.get_by_text(f"办件 {number} 的办理结果已交付。")).to_be_visible()
    expect(handout.locator("#results-title").locator("xpath=..")).not_to_contain_text(number)

    # 6. The evaluation pad of window 1: he rates the service; and his case page says who and where.
    pad_context, pad_watch = new_context(PHONE)
    pad = pad_context.new_page()
    pad.goto(f"/hall/huangpu/pad/{windows[1].uuid}/")
    expect(pad.locator("main")).to_contain_text("窗口人员 陈敏")
    expect(pad.locator("main")).not_to_contain_text("张三")
    screenshot(pad, "pad-375.png")
    pad.get_by_text("非常满意").click()
    pad.get_by_role("button", name="提交评价").click()
    expect(pad.get_by_role("heading", name="感谢您的评价")).to_be_visible()

    citizen.goto("/cases/")
    citizen.get_by_role("link", name="开办企业").first.click()
    timeline = citizen.locator(".timeline")
    expect(timeline).to_contain_text("窗口代办")
    expect(timeline).to_contain_text("窗口人员 陈敏")
    expect(timeline).to_contain_text("领取")
    expect(citizen.locator("#results")).to_contain_text("营业执照")
    no_horizontal_overflow(citizen)
    screenshot(citizen, "counter-case-375.png")

    # The new pages at both widths, in 长辈版 and in English.
    shoot_modes(citizen, "/hall/huangpu/take/", "hall-take")
    shoot_modes(clerk, f"/counter/{windows[1].uuid}/", "counter-console")
    shoot_modes(handout, f"/counter/{windows[3].uuid}/handout/", "handout-list")
    shoot_modes(handout, f"/centres/{windows[1].centre.uuid}/dashboard/", "centre-dashboard")
    for w in (watch, board_watch, clerk_watch, handout_watch, pad_watch):
        w.assert_clean()
