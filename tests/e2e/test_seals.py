"""Electronic seals in the browser (issue 16): a company's legal representative applies for its seals on 我的电子印章,
the seal authority approves them on its review page, the representative opens the new seal (its red image
drawn by the platform) and authorises an employee; anyone checks a sealed PDF on 验章 and reads, in words,
that it holds and that a changed copy does not. Phone and PC, 长辈版 and English. The data is built with
fixtures (the demo is not needed: ADR 0009)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from playwright.sync_api import expect

from tests.e2e.conftest import PC, PHONE, log_in, no_horizontal_overflow, open_menu, screenshot
from tests.seals.pki_testing import licence_pdf
from tongban.accounts.facade import actor_for
from tongban.seals.sealing import document_seal

pytestmark = pytest.mark.e2e


def shoot_modes(page, url: str, name: str) -> None:
    """The page at both widths, then in 长辈版 and in English; no sideways scrolling in any."""
    for mode in ("", "elderly", "en"):
        if mode == "elderly":
            open_menu(page).get_by_role("button", name="长辈版").click()
        if mode == "en":
            open_menu(page).get_by_role("button", name="标准版").click()
            open_menu(page).get_by_role("button", name="English").click()
        for size in (PHONE, PC):
            page.set_viewport_size(size)
            page.goto(url)
            no_horizontal_overflow(page)
            screenshot(page, f"{name}{'-' + mode if mode else ''}-{size['width']}.png")
    open_menu(page).get_by_role("button", name="中文").click()


def test_apply_review_open_and_authorise_a_company_seal(new_context, seal_world):
    rep, authority, employee = seal_world["rep"], seal_world["authority"], seal_world["employee"]
    context, watch = new_context(PHONE)
    page = context.new_page()
    log_in(page, rep.phone)
    page.goto("/accounts/me/")
    page.get_by_role("link", name="我的电子印章").click()
    expect(page.get_by_role("heading", name="我的电子印章", exact=True)).to_be_visible()
    expect(page.get_by_text("还没有电子印章。")).to_be_visible()
    page.get_by_label("合同专用章").check()
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#apps-title")).to_be_visible()

    staff_context, staff_watch = new_context(PC)
    staff = staff_context.new_page()
    log_in(staff, authority.username)
    open_menu(staff).get_by_role("link", name="印章审核").click()
    card = staff.locator("section.card", has_text=seal_world["company"].name)
    expect(card).to_contain_text("合同专用章")
    shoot_modes(staff, "/seals/review/", "seals-review")
    staff.locator("section.card", has_text=seal_world["company"].name).get_by_role(
        "button", name="通过并制作"
    ).click()
    expect(staff.get_by_text("没有待审核的申请。")).to_be_visible()

    page.goto("/seals/")
    shoot_modes(page, "/seals/", "seals-mine")
    page.get_by_role("link", name=f"{seal_world['company'].name} · 合同专用章").click()
    expect(page.locator(".badge.big")).to_have_text("有效")
    image = page.locator(".seal-image img")
    expect(image).to_have_attribute("alt", f"印模：合同专用章，印文“{seal_world['company'].name}”")
    # decode() waits for the image to arrive (it is drawn on its first request) and fails if it is broken
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") > 300
    seal_url = page.url
    page.get_by_label("姓名").fill(employee.real_name)
    page.get_by_label("身份证号").fill(employee.id_number)
    page.get_by_role("button", name="授权", exact=True).click()
    expect(page.get_by_role("button", name="撤销授权")).to_be_visible()
    shoot_modes(page, seal_url, "seals-seal")
    watch.assert_clean()
    staff_watch.assert_clean()


def test_anyone_checks_a_sealed_pdf_and_a_changed_copy_on_the_verify_page(
    new_context, seal_world, active_seal, tmp_path
):
    # pyHanko runs its own event loop, which Playwright's running one forbids in this thread.
    def seal_it() -> bytes:
        try:
            return document_seal(
                actor_for(seal_world["rep"].user),
                str(active_seal.uuid),
                licence_pdf("营业执照"),
                purpose="营业执照",
                field_name="企业公章",
            )
        finally:
            connection.close()  # the thread's own connection, before the test database is dropped

    with ThreadPoolExecutor(1) as pool:
        sealed = pool.submit(seal_it).result()
    at = sealed.index(b"stream", 1000) + 20
    (tmp_path / "营业执照.pdf").write_bytes(sealed)
    (tmp_path / "changed.pdf").write_bytes(sealed[:at] + bytes([sealed[at] ^ 1]) + sealed[at + 1 :])

    context, watch = new_context(PHONE)
    watch.allow_status(422)  # the empty form's answer
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name="验章").click()
    expect(page.get_by_role("heading", name="验证电子印章（验章）")).to_be_visible()
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_role("alert")).to_contain_text("请选择要验证的 PDF 文件")
    page.get_by_label("PDF 文件（不超过 20 MB）").set_input_files(str(tmp_path / "营业执照.pdf"))
    page.get_by_role("button", name="验证").click()
    report = page.locator(".verify-report")
    expect(report).to_have_class("verify-report ok")
    expect(report).to_contain_text("印章有效")
    expect(report).to_contain_text("由本平台根证书签发")
    expect(report).to_contain_text("B-LT")
    no_horizontal_overflow(page)
    screenshot(page, "seals-verify-valid-375.png")
    page.set_viewport_size(PC)
    screenshot(page, "seals-verify-valid-1440.png")

    page.get_by_label("PDF 文件（不超过 20 MB）").set_input_files(str(tmp_path / "changed.pdf"))
    page.get_by_role("button", name="验证").click()
    expect(page.locator(".verify-report")).to_contain_text("印章无效")
    expect(page.locator(".verify-report")).to_contain_text("签名后文档内容被篡改")
    screenshot(page, "seals-verify-invalid-1440.png")
    watch.assert_clean()
