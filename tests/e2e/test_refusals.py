"""What a person meets when something is refused: each field's problem beside it and all of them in a
linked summary (in Chinese, from the form's titles), the good files kept when one file is bad, a supplement
form that asks for what the reviewer asked with the reason, a login that warns before the lock and says how
long it lasts — and never a machine code on a page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.cases.conftest import pdf_bytes
from tests.e2e.conftest import PC, PHONE, log_in, no_horizontal_overflow, open_menu, screenshot
from tongban.accounts.facade import demo_load
from tongban.catalog.facade import demo_load_catalog

pytestmark = pytest.mark.e2e
DEMO_PASSWORD = "Tongban@2026"
MACHINE_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # token_used, not_authenticated, material_missing …


@pytest.fixture
def demo(transactional_db):
    demo_load()
    demo_load_catalog()


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "居住证明.pdf"
    good.write_bytes(pdf_bytes("居住证明"))
    other = tmp_path / "劳动合同.pdf"
    other.write_bytes(pdf_bytes("劳动合同"))
    bad = tmp_path / "劳动合同-错.pdf"
    bad.write_bytes(b"this is not a PDF at all")
    return {"good": str(good), "other": str(other), "bad": str(bad)}


def no_machine_codes(page) -> None:
    shown = " ".join(page.locator('[role="alert"], .message, .field-error').all_inner_texts())
    assert not MACHINE_CODE.search(shown), shown


def fill(page, values: dict[str, str]) -> None:
    """Type into the form as a person does (leaving the last field), and wait for the draft to be saved
    (the form saves itself on change)."""
    with page.expect_response(lambda r: r.url.endswith("/draft/") and r.request.method == "POST"):
        for label, value in values.items():
            page.get_by_label(label).fill(value)
        page.keyboard.press("Tab")


def open_juzhuzheng(page) -> None:
    page.goto("/browse/?q=居住证办理")
    page.locator(".result-title", has_text="居住证办理").first.click()
    page.get_by_role("link", name="在线申请").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申请：居住证办理")


@pytest.mark.parametrize(
    ("viewport", "elderly"), [(PHONE, False), (PC, False), (PHONE, True)], ids=["375", "1440", "375-elderly"]
)
def test_one_bad_file_costs_only_itself_and_every_problem_is_said_beside_its_field(
    new_context, demo, files, viewport, elderly
):
    context, watch = new_context(viewport)
    watch.allow_status(422)
    page = context.new_page()
    log_in(page, "13800000003", DEMO_PASSWORD)  # 王五, L3
    if elderly:
        open_menu(page).get_by_role("button", name="长辈版").click()
        expect(page.locator("body")).to_have_class("elderly")
    open_juzhuzheng(page)
    fill(
        page,
        {
            "申请人姓名": "王五",
            "公民身份号码": "",
            "联系地址": "上海市浦东新区世纪大道100号",
            "联系电话": "12",
        },
    )
    page.locator("#m_residence-proof").set_input_files(files["good"])
    page.locator("#m_labour-contract").set_input_files(files["bad"])
    page.get_by_role("button", name="提交申请").click()

    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("申请未提交")
    links = summary.get_by_role("link")
    expect(links).to_have_text(
        [
            "请填写「公民身份号码」",
            "「联系电话」格式不正确",
            "「劳动合同」：只接受 PDF、JPEG、PNG 或 OFD 文件（按文件内容判断）",
        ]
    )
    phone = page.get_by_label("联系电话")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_accessible_description("「联系电话」格式不正确")
    expect(page.locator("#m_labour-contract")).to_have_attribute("aria-invalid", "true")
    assert "pattern" not in summary.inner_text() and "^[0-9" not in page.content()
    links.nth(1).click()
    expect(phone).to_be_focused()
    # The good file is kept: listed, with a way to remove it; its input is not marked.
    kept = page.locator("#m_residence-proof-kept")
    expect(kept).to_contain_text("已上传：居住证明.pdf")
    expect(
        kept.get_by_role("button", name="移除已上传的「居住证明（房屋租赁合同或不动产权证书）」")
    ).to_be_visible()
    expect(page.locator("#m_residence-proof")).not_to_have_attribute("aria-invalid", "true")
    no_machine_codes(page)
    no_horizontal_overflow(page)
    screenshot(page, f"apply-refused-{viewport['width']}{'-elderly' if elderly else ''}.png")

    # Fix the two fields and choose only the bad file again.
    fill(page, {"公民身份号码": "31011519780521789X", "联系电话": "021-12345678"})
    page.locator("#m_labour-contract").set_input_files(files["other"])
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("申请已提交，办件编号")).to_be_visible()
    materials = page.get_by_role("region", name="申请材料")
    expect(materials).to_contain_text("居住证明（房屋租赁合同或不动产权证书）")
    expect(materials).to_contain_text("劳动合同")
    watch.assert_clean()


def test_the_supplement_form_asks_for_the_named_material_with_the_reason_and_refuses_nothing(
    new_context, demo, files
):
    context, watch = new_context(PC)
    watch.allow_status(422)
    citizen = context.new_page()
    log_in(citizen, "13800000003", DEMO_PASSWORD)
    open_juzhuzheng(citizen)
    fill(
        citizen,
        {
            "申请人姓名": "王五",
            "公民身份号码": "31011519780521789X",
            "联系地址": "上海市浦东新区世纪大道100号",
            "联系电话": "021-12345678",
        },
    )
    citizen.locator("#m_residence-proof").set_input_files(files["good"])
    citizen.locator("#m_labour-contract").set_input_files(files["other"])
    citizen.get_by_role("button", name="提交申请").click()
    expect(citizen.get_by_text("申请已提交，办件编号")).to_be_visible()
    number = citizen.locator(".guide-head > p.muted").inner_text().split()[1]

    clerk_context, clerk_watch = new_context(PC)
    clerk = clerk_context.new_page()
    log_in(clerk, "clerk", DEMO_PASSWORD)
    clerk.goto("/staff/inbox/")
    clerk.get_by_role("link", name=f"{number} · 居住证办理").click()
    clerk.get_by_label("劳动合同", exact=True).check()
    clerk.get_by_label("「劳动合同」的补正原因").fill("缺少用人单位盖章页")
    clerk.get_by_role("button", name="告知补正").click()
    expect(clerk.get_by_text("操作成功")).to_be_visible()

    citizen.reload()
    form = citizen.get_by_role("region", name="提交补正材料")
    expect(form.locator('input[type="file"]')).to_have_count(1)
    upload = form.get_by_label("劳动合同")
    expect(upload).to_have_accessible_description("补正原因：缺少用人单位盖章页")
    expect(form.locator(".requested-material")).to_contain_text("缺少用人单位盖章页")
    screenshot(citizen, "case-supplement-asked-1440.png")
    form.get_by_role("button", name="提交补正").click()
    expect(citizen.get_by_text("补正内容为空：请上传要求补正的材料后再提交")).to_be_visible()
    expect(citizen.get_by_text("「劳动合同」：请上传（补正原因：缺少用人单位盖章页）")).to_be_visible()
    no_machine_codes(citizen)
    screenshot(citizen, "case-supplement-empty-1440.png")
    citizen.get_by_role("region", name="提交补正材料").get_by_label("劳动合同").set_input_files(
        files["other"]
    )
    citizen.get_by_role("button", name="提交补正").click()
    expect(citizen.get_by_text("补正材料已提交")).to_be_visible()
    watch.assert_clean()
    clerk_watch.assert_clean()


def test_login_warns_before_the_lock_says_how_long_and_what_is_missing(new_context, make_person, settings):
    settings.TONGBAN_LOGIN_MAX_FAILURES, settings.TONGBAN_LOGIN_LOCKOUT_SECONDS = 5, 15 * 60
    person = make_person()
    context, watch = new_context(PHONE)
    watch.allow_status(400, 401, 423)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("请填写登录名（或手机号）和密码")
    expect(page.get_by_label("登录名或手机号")).to_have_accessible_description("请填写登录名或手机号")
    expect(page.get_by_label("密码", exact=True)).to_have_attribute("aria-invalid", "true")
    screenshot(page, "login-empty-375.png")
    said = []
    for _ in range(5):
        log_in(page, person.phone, "not-the-password")
        said.append(page.get_by_role("alert").inner_text())
        if len(said) == 4:
            no_horizontal_overflow(page)
            screenshot(page, "login-last-try-375.png")
    assert said[3] == "登录名或密码错误。再输错 1 次账户将被锁定 15 分钟"
    assert said[4] == "登录名或密码错误。失败次数过多，账户已被锁定 15 分钟"
    log_in(page, person.phone)  # the right password, locked
    expect(page.get_by_role("alert")).to_have_text(
        "登录失败次数过多，账户已被锁定，请 15 分钟后再试（也可通过“忘记密码”重设密码后登录）"
    )
    no_machine_codes(page)
    screenshot(page, "login-locked-375.png")
    watch.assert_clean()


def test_pages_that_refuse_show_sentences_never_machine_codes(new_context, demo):
    context, watch = new_context(PC)
    watch.allow_status(400, 401, 403, 404, 409, 422)
    page = context.new_page()
    # The verify page with a code that is not one, and with no login or key.
    page.goto("/verify/")
    page.get_by_label("亮证码").fill("not-a-token")
    page.get_by_label("用证事由").fill("旅馆住宿登记")
    page.get_by_role("button", name="核验", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    no_machine_codes(page)
    # Registration with a bad ID number, a bad SMS code.
    page.goto("/accounts/register/")
    page.get_by_role("button", name=re.compile("注册")).last.click()
    expect(page.get_by_role("alert").first).to_be_visible()
    no_machine_codes(page)
    # An application of someone without a login to the form: refused at the login page, in Chinese.
    log_in(page, "13800000001", "wrong")
    no_machine_codes(page)
    watch.assert_clean()
