"""The licence as a PDF file: Chinese text that a reader can extract, the ID number masked, a QR code that
decodes back to the identifier; the holder only, every download audited."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from tests.conftest import login_client
from tongban.accounts.facade import actor_for
from tongban.core import documents
from tongban.core.models import AuditEvent
from tongban.licences import pdf as licence_pdf_module
from tongban.licences.services import licence_change_status

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """The text poppler's pdftotext reads from the PDF (what a reader's search or copy sees)."""
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils is missing: run scripts/test-deps.sh"
    return subprocess.run(
        [pdftotext, "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def qr_codes(data: bytes) -> list[str]:
    """The QR codes zxing-cpp finds on the first page rendered at 150 dpi by poppler's pdftoppm."""
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "poppler-utils is missing: run scripts/test-deps.sh"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [pdftoppm, "-r", "150", "-png", "-f", "1", "-l", "1", "-", str(Path(tmp) / "page")],
            input=data,
            check=True,
        )
        (page,) = Path(tmp).glob("page*.png")
        with Image.open(page) as image:
            return [code.text for code in zxingcpp.read_barcodes(image)]


def test_the_holder_downloads_the_licence_as_a_pdf_with_its_data_and_a_qr_code(lib, issue):
    licence = issue()
    holder = login_client(lib["holder"].user)
    response = holder.get(f"/api/licences/{licence.uuid}/pdf")
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="licence-{licence.number}.pdf"; '
        f"filename*=utf-8''%E8%81%8C%E4%B8%9A%E8%B5%84%E6%A0%BC%E8%AF%81%E4%B9%A6-{licence.number}.pdf"
    )  # 职业资格证书-<number>.pdf, percent-encoded
    assert response["Cache-Control"] == "no-store"
    data = response.content
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1 and reader.metadata.title == f"职业资格证书 {licence.number}"
    (font,) = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    assert "/FontFile2" in descriptor  # the CJK font is embedded (a TrueType subset), not referred to by name
    text = pdf_text(data)
    for shown in ("职业资格证书", "张三", "电工", "三级", "上海市人力资源和社会保障局", licence.number):
        assert shown in text
    # The face titles come from the type's schema.
    assert all(title in text for title in ("姓名", "职业", "等级"))
    assert licence.holder_code_masked in text
    assert lib["holder"].id_number not in text and lib["holder"].id_number.encode() not in data
    assert licence.identifier in re.sub(r"\s+", "", text)  # wrapped over two lines in the table
    assert qr_codes(data) == [licence.identifier]
    assert AuditEvent.objects.filter(action="licence.download_pdf", object_id=str(licence.uuid)).count() == 1


def test_a_stranger_or_an_anonymous_caller_gets_no_pdf_and_nothing_is_audited_for_them(lib, issue, client):
    licence = issue()
    stranger = login_client(lib["stranger"].user)
    for url in (f"/api/licences/{licence.uuid}/pdf", f"/licences/{licence.uuid}/pdf"):
        response = stranger.get(url)
        assert response.status_code == 404 and response["Content-Type"] != "application/pdf"
    assert client.get(f"/api/licences/{licence.uuid}/pdf").status_code == 401
    page = client.get(f"/licences/{licence.uuid}/pdf")
    assert page.status_code == 302 and "/login" in page["Location"]
    assert not AuditEvent.objects.filter(action="licence.download_pdf").exists()


def test_the_licence_page_links_the_pdf_which_shows_a_suspended_status_in_the_file(lib, issue):
    licence = issue("business")  # the company's licence: its legal representative downloads it
    holder = login_client(lib["holder"].user)
    page = holder.get(f"/licences/{licence.uuid}/").content.decode()
    assert f'href="/licences/{licence.uuid}/pdf"' in page and "下载PDF" in page
    licence_change_status(
        actor=actor_for(lib["market_issuer"]), licence=licence, action="suspend", reason="检查"
    )
    response = holder.get(f"/licences/{licence.uuid}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "营业执照" in text and "暂扣" in text and "不能作为有效凭证使用" in text
    assert lib["company"].uscc in text  # a USCC is public: not masked
    assert AuditEvent.objects.filter(action="licence.download_pdf", object_id=str(licence.uuid)).exists()


def test_the_shipped_font_alone_sets_name_characters_that_gb2312_lacks(lib, issue, monkeypatch):
    """喆 and 堃 are outside GB2312 but inside the shipped GBK font: no system font is needed for them."""
    monkeypatch.setattr(documents, "SYSTEM_FONT", Path("/nonexistent/font.ttc"))
    licence = issue("business", face={"name": "上海示范科技有限公司", "legal_representative": "王喆堃"})
    text = pdf_text(licence_pdf_module.licence_pdf(licence))
    assert "王喆堃" in text
