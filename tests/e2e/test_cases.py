"""A person applies for 开办企业 online; the window accepts; four departments approve their steps in
parallel from their inboxes; the case concludes and is delivered; the applicant reads the timeline. And a
second path where the window asks for a supplement first."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.cases.conftest import pdf_bytes
from tests.e2e.conftest import PC, PHONE, log_in, no_horizontal_overflow, screenshot
from tongban.accounts.facade import demo_load
from tongban.catalog.facade import demo_load_catalog
from tongban.licences.facade import demo_load_licences

pytestmark = pytest.mark.e2e
DEMO_PASSWORD = "Tongban@2026"
UPLOADS = [
    "application-form",
    "articles-of-association",
    "premises-proof",
    "invoice-manager-id",
    "seal-specimen",
    "employee-list",
    "labour-contract",
]


@pytest.fixture
def demo(transactional_db):
    """The demo as `make run` loads it (the 营业执照 type and its issuer come with the licence library's)."""
    demo_load()
    demo_load_catalog()
    demo_load_licences()


@pytest.fixture
def a_pdf(tmp_path):
    path = tmp_path / "材料.pdf"
    path.write_bytes(pdf_bytes())
    return str(path)


def staff_page(new_context, username, viewport=PC):
    context, watch = new_context(viewport)
    page = context.new_page()
    log_in(page, username, DEMO_PASSWORD)
    return page, watch


def apply_for_kaiban(page, a_pdf, *, upload_all=True):
    page.goto("/bundles/")
    page.get_by_role("link", name="开办企业", exact=True).first.click()
    page.get_by_role("link", name="在线申请").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申请：开办企业")
    # 免填写: the applicant's name (the legal representative) and phone come from the signed-in identity;
    # the company's USCC and its 营业执照 are what the bundle produces, so neither is asked.
    expect(page.locator("#f_legal_representative")).to_have_value("张三")
    expect(page.get_by_label("联系电话")).to_have_value("13800000001")
    expect(page.get_by_label("统一社会信用代码")).to_have_count(0)
    expect(page.locator("#m_business-licence")).to_have_count(0)
    expect(page.get_by_text("由「营业执照核发」环节办理生成，免提交").first).to_be_visible()
    for label, value in (
        ("企业名称", "上海示范餐饮管理有限公司"),
        ("注册资本（万元）", "50"),
        ("经营范围", "餐饮服务"),
        ("经营场所地址", "上海市黄浦区南京东路100号"),
        ("职工人数", "5"),
        ("开始日期", "2026-12-01"),
    ):
        page.get_by_label(label).fill(value)
    page.get_by_label("企业类型").select_option("有限责任公司（自然人独资）")
    page.get_by_label("电子发票").check()
    expect(page.locator("#draft-status")).to_have_text("草稿已自动保存")
    for key in UPLOADS if upload_all else UPLOADS[1:]:
        page.locator(f"#m_{key}").set_input_files(a_pdf)
    no_horizontal_overflow(page)
    screenshot(page, f"apply-kaiban-{page.viewport_size['width']}.png")
    page.get_by_role("button", name="提交申请").click()


def open_in_inbox(page, number):
    page.goto("/staff/inbox/")
    row = page.locator("tr", has_text=number)
    return row


def test_apply_for_kaiban_four_departments_in_parallel_conclude_deliver_timeline(new_context, demo, a_pdf):
    context, watch = new_context(PHONE)
    citizen = context.new_page()
    log_in(citizen, "13800000001", DEMO_PASSWORD)
    apply_for_kaiban(citizen, a_pdf)
    expect(citizen.get_by_text("申请已提交，办件编号")).to_be_visible()
    number = citizen.locator(".guide-head > p.muted").inner_text().split()[1]
    no_horizontal_overflow(citizen)
    screenshot(citizen, "case-submitted-375.png")

    clerk, clerk_watch = staff_page(new_context, "clerk")
    clerk.goto("/staff/inbox/")
    clerk.get_by_role("link", name=f"{number} · 开办企业").click()
    clerk.get_by_role("button", name="受理", exact=True).click()
    expect(clerk.get_by_text("操作成功")).to_be_visible()
    # The 受理通知书, sealed by the lead department once the acceptance has committed.
    expect(clerk.locator("#acceptance-pdf")).to_have_text("下载受理通知书（已盖章）")

    market, market_watch = staff_page(new_context, "reviewer_market")
    open_in_inbox(market, number).get_by_role("button", name="认领").click()
    expect(market.get_by_role("heading", name="本部门环节：营业执照核发")).to_be_visible()
    expect(market.locator("iframe.pdf-frame")).to_be_visible()
    screenshot(market, "case-decision-1440.png")
    market.get_by_role("button", name="提交处理结果").click()
    expect(market.get_by_text("操作成功")).to_be_visible()

    # The four departments after the licence work at the same time: every inbox has its step now.
    pages = {
        name: staff_page(new_context, name) for name in ("reviewer_police", "reviewer_tax", "reviewer_hr")
    }
    for page, _watch in pages.values():
        expect(open_in_inbox(page, number).first).to_be_visible()
    screenshot(pages["reviewer_hr"][0], "inbox-hr-1440.png")
    for page, _watch in pages.values():
        for _ in range(3):  # 人社 has two steps (social insurance, employment); the others one
            page.goto("/staff/inbox/")
            row = page.locator("tr", has_text=number)
            if row.count() == 0:
                break
            row.first.get_by_role("button", name="认领").click()
            page.get_by_label("意见（退回或不予许可时必填）").first.fill("同意")
            page.get_by_role("button", name="提交处理结果").first.click()
            expect(page.get_by_text("操作成功")).to_be_visible()
        expect(page.locator("tr", has_text=number)).to_have_count(0)

    clerk.reload()
    expect(clerk.get_by_text("已办结").first).to_be_visible()
    clerk.get_by_role("button", name="送达结果").click()
    expect(clerk.get_by_text("操作成功")).to_be_visible()

    citizen.goto("/cases/")
    citizen.get_by_role("link", name="开办企业").first.click()
    expect(citizen.locator(".fact").first).to_contain_text("已送达")
    timeline = citizen.locator(".timeline")
    for department in ("上海市市场监督管理局", "上海市公安局", "上海市税务局", "上海市人力资源和社会保障局"):
        expect(timeline).to_contain_text(department)
    expect(timeline).to_contain_text("办结")
    expect(timeline).to_contain_text("送达")
    no_horizontal_overflow(citizen)
    screenshot(citizen, "case-timeline-375.png")
    # The result in hand: the company's 营业执照 (registered with its own USCC), the filings, the document.
    results = citizen.locator("#results")
    expect(results).to_contain_text("营业执照")
    expect(results).to_contain_text("企业电子印章：法定名称章")
    expect(results).to_contain_text("已加盖受理部门电子印章")
    with citizen.expect_download() as download:
        citizen.locator("#decision-pdf").click()
    assert download.value.suggested_filename == f"{number}.pdf"
    with citizen.expect_download() as voucher:
        citizen.locator("#acceptance-pdf").click()
    assert voucher.value.suggested_filename == f"SL{number[2:]}.pdf"
    with citizen.expect_download() as licence_pdf:
        results.get_by_role("link", name="下载证照（PDF）").click()
    assert licence_pdf.value.suggested_filename.endswith(".pdf")
    results.get_by_role("link", name="查看证照").click()
    expect(citizen.get_by_role("heading", level=1)).to_contain_text("营业执照")
    expect(citizen.locator("main")).to_contain_text("上海示范餐饮管理有限公司")
    screenshot(citizen, "kaiban-licence-375.png")
    for w in (watch, clerk_watch, market_watch, *(w for _p, w in pages.values())):
        w.assert_clean()


def test_a_supplement_request_then_the_applicant_supplies_and_the_case_is_accepted(new_context, demo, a_pdf):
    context, watch = new_context(PC)
    citizen = context.new_page()
    log_in(citizen, "13800000001", DEMO_PASSWORD)
    watch.allow_status(422)  # the first try lacks a material: the form comes back with 422
    apply_for_kaiban(citizen, a_pdf, upload_all=False)
    expect(citizen.get_by_text("申请未提交")).to_be_visible()
    expect(citizen.locator(".message.error")).to_contain_text("申请书")  # the missing material is named
    citizen.locator("#m_application-form").set_input_files(a_pdf)
    for key in UPLOADS[1:]:
        citizen.locator(f"#m_{key}").set_input_files(a_pdf)
    citizen.get_by_role("button", name="提交申请").click()
    expect(citizen.get_by_text("申请已提交，办件编号")).to_be_visible()
    number = citizen.locator(".guide-head > p.muted").inner_text().split()[1]

    clerk, clerk_watch = staff_page(new_context, "clerk")
    clerk.goto("/staff/inbox/")
    clerk.get_by_role("link", name=f"{number} · 开办企业").click()
    clerk.get_by_label("其他需要补正的内容（每行一项）").fill(
        "公司章程缺少股东签字\n住所使用证明需加盖产权人印章"
    )
    clerk.get_by_role("button", name="告知补正").click()
    expect(clerk.get_by_text("操作成功")).to_be_visible()

    citizen.reload()
    expect(citizen.get_by_role("heading", name="请补正")).to_be_visible()
    expect(citizen.get_by_role("listitem").filter(has_text="公司章程缺少股东签字").first).to_be_visible()
    screenshot(citizen, "case-supplement-1440.png")
    citizen.locator("#s_articles-of-association").set_input_files(a_pdf)
    citizen.get_by_role("button", name="提交补正").click()
    expect(citizen.get_by_text("补正材料已提交")).to_be_visible()

    clerk.reload()
    clerk.get_by_role("button", name="受理", exact=True).click()
    citizen.reload()
    expect(citizen.locator(".fact").first).to_contain_text("办理中")
    expect(citizen.locator(".timeline")).to_contain_text("一次性告知补正")
    expect(citizen.locator(".timeline")).to_contain_text("申请人补正")
    watch.assert_clean()
    clerk_watch.assert_clean()
