"""无纸化签署申请书 in the browser (issue 16 §3): an enterprise's legal representative opens the case, gets their
personal electronic signature with one button, signs the application with it and the company's 法定名称章, and
downloads the signed PDF, which holds both signatures intact; phone and PC, 长辈版. The sealing runs in the
server's thread (pyHanko's own event loop does not meet Playwright's there). Data from fixtures (ADR 0009)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.cases.test_paperless_signing import enterprise_case  # noqa: F401 (a fixture)
from tests.e2e.conftest import PC, PHONE, log_in, no_horizontal_overflow, open_menu, screenshot

pytestmark = pytest.mark.e2e


def test_the_legal_representative_signs_the_application_on_the_phone(new_context, enterprise_case):  # noqa: F811
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from tongban.seals.sealing import document_verify

    rep, case = enterprise_case["rep"], enterprise_case["case"]
    context, watch = new_context(PHONE)
    page = context.new_page()
    log_in(page, rep.phone)
    page.goto(f"/cases/{case.uuid}/")
    section = page.locator("#application-signing")
    expect(section.get_by_role("heading", name="无纸化签署申请书")).to_be_visible()
    expect(section.get_by_role("link", name="预览申请书（PDF）")).to_have_attribute(
        "href", f"/cases/{case.uuid}/application-draft.pdf"
    )
    no_horizontal_overflow(page)
    section.get_by_role("button", name="申领个人电子签名").click()
    expect(page.get_by_text("个人电子签名已制作，现在可以签署申请书")).to_be_visible()
    form = page.locator("#sign-form")
    expect(form.get_by_label(rep.real_name)).to_be_checked()
    expect(form.get_by_label(f"{enterprise_case['company'].name} 法定名称章")).to_be_checked()
    for size in (PHONE, PC):
        page.set_viewport_size(size)
        no_horizontal_overflow(page)
        screenshot(page, f"paperless-sign-{size['width']}.png")
    page.set_viewport_size(PHONE)
    form.get_by_role("button", name="签署").click()
    signed = page.locator("#application-signed")
    expect(signed.get_by_role("heading", name="申请书已签署")).to_be_visible()
    expect(signed).to_contain_text("法定名称章")
    verify_link = signed.get_by_role("link", name="核验签名和印章")
    expect(verify_link).to_have_attribute("href", f"/cases/{case.uuid}/documents/application/verify/")
    open_menu(page).get_by_role("button", name="长辈版").click()
    for size in (PHONE, PC):
        page.set_viewport_size(size)
        page.goto(f"/cases/{case.uuid}/")
        no_horizontal_overflow(page)
        screenshot(page, f"paperless-signed-elderly-{size['width']}.png")
    open_menu(page).get_by_role("button", name="标准版").click()
    download = page.request.get(f"/cases/{case.uuid}/application.pdf")
    assert download.status == 200 and download.headers["content-type"] == "application/pdf"

    def verify(pdf: bytes):
        try:
            return document_verify(pdf)
        finally:
            connection.close()

    # pyHanko runs its own event loop: outside the thread where Playwright's runs.
    with ThreadPoolExecutor(1) as pool:
        reports = pool.submit(verify, download.body()).result()
    assert [r.ok for r in reports] == [True, True], [r.as_dict() for r in reports]
    watch.assert_clean()
