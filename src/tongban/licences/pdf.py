"""A licence as a PDF file (A4): the type's name, the face data, the holder (ID number masked), the licence's
number, identifier, issuer, dates, status and version, and a QR code carrying the identifier.

Chinese is set in Noto Sans CJK SC cut down to GBK (``core/fonts/``, SIL OFL 1.1; core/documents.py), shipped with the package so
the PDF renders on a machine without system fonts; fpdf2 embeds only the glyphs the licence uses (a PDF of
about 25 KB). A character outside GBK is drawn from the system's Noto Sans CJK when it is installed.

Sealing (电子印章): :data:`SEAL_AREA` is where the issuing department's seal goes on the last page (over the
issuer's name and the issue date, as on a paper licence). The seals context stamps it there and signs the bytes
this module makes (PAdES B-LT) in a task after the licence is written, and hands the file back
(:class:`~tongban.licences.models.LicenceDocument`); :func:`licence_pdf_response` serves that sealed file while it
still shows the licence as it is, and the unsealed rendering (asking for a sealed one) otherwise."""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import quote

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import TextMode, WrapMode, XPos, YPos

from tongban.core.documents import add_cjk_fonts, chinese_date, key_value_table
from tongban.licences.constants import LicenceStatus
from tongban.licences.licence_data import face_items
from tongban.licences.models import Licence, LicenceDocument
from tongban.licences.signals import licence_document_wanted

# The last page, millimetres from the top left: where the issuer's seal is to be stamped (42 mm round).
SEAL_AREA = (140.0, 222.0, 42.0, 42.0)
A4_HEIGHT_MM = 297.0


def seal_box_points() -> tuple[float, float, float, float]:
    """:data:`SEAL_AREA` as a PDF signature field's rectangle: (x1, y1, x2, y2) in points from the bottom left."""
    x, top, width, height = SEAL_AREA
    pt = 72 / 25.4
    return (
        round(x * pt, 2),
        round((A4_HEIGHT_MM - top - height) * pt, 2),
        round((x + width) * pt, 2),
        round((A4_HEIGHT_MM - top) * pt, 2),
    )


# fpdf2 subsets the font on every document; fontTools logs each step at INFO.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

MARGIN = 20.0
INK = (33, 37, 41)
MUTED = (108, 117, 125)
RED = (176, 32, 38)
RULE = (176, 32, 38)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def qr_data(licence: Licence) -> str:
    """What the PDF's QR code carries: the licence identifier (a verifier looks it up or checks the status)."""
    return licence.identifier


def _draw_qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (crisp when printed or zoomed), with its 4-module quiet zone inside
    ``size``."""
    qr = segno.make(data, error="m", micro=False)
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=4)]
    module = size / len(rows)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")


def _rows(licence: Licence) -> list[tuple[str, str, bool]]:
    """(label, value, shown in red) for the table: the status when it is not valid, the validity when
    today is outside it."""
    today = timezone.localdate()
    validity = f"{chinese_date(licence.valid_from)} — " + (
        chinese_date(licence.valid_until) if licence.valid_until else _("长期")
    )
    out_of_dates = licence.valid_from > today or (
        licence.valid_until is not None and licence.valid_until < today
    )
    status = str(licence.get_status_display())
    if not licence.current:
        status += _("（历史版本）")
    return [
        (_("持证主体"), licence.holder_name, False),
        (str(licence.get_holder_kind_display()), licence.holder_code_masked, False),
        *[(title, _text(value), False) for _key, title, value in face_items(licence)],
        (_("证照编号"), licence.number, False),
        (_("颁发机构"), licence.issuer_name, False),
        (_("颁证日期"), chinese_date(licence.issue_date), False),
        (_("有效期"), validity, out_of_dates),
        (_("证照状态"), status, licence.status != LicenceStatus.VALID or not licence.current),
        (_("版本"), _("第 %(v)d 版") % {"v": licence.version}, False),
        (_("电子证照标识"), licence.identifier, False),
    ]


class _LicencePdf(FPDF):
    """A4 pages with a double red frame, the generation note at the foot of every page and, when given, a
    watermark across every page (drawn over the content, translucent)."""

    watermark = ""

    def header(self) -> None:
        with self.local_context():
            self.set_draw_color(*RULE)
            self.set_line_width(0.8)
            self.rect(MARGIN - 8, MARGIN - 8, self.w - 2 * MARGIN + 16, self.h - 2 * MARGIN + 16)
            self.set_line_width(0.2)
            self.rect(MARGIN - 6.5, MARGIN - 6.5, self.w - 2 * MARGIN + 13, self.h - 2 * MARGIN + 13)

    def footer(self) -> None:
        note = _("本文件由%(site)s根据电子证照库数据生成，证照状态以电子证照库为准。生成时间：%(at)s") % {
            "site": settings.TONGBAN_SITE_NAME,
            "at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        }
        with self.local_context():
            self.set_font("cjk", size=8)
            self.set_text_color(*MUTED)
            self.set_xy(MARGIN, self.h - MARGIN - 8)
            self.multi_cell(self.epw, 4, note, align="C", wrapmode=WrapMode.CHAR)
        if self.watermark:
            self._draw_watermark()

    def _draw_watermark(self) -> None:
        with self.local_context(fill_opacity=0.16):
            self.set_font("cjk", size=13)
            self.set_text_color(*RED)
            text = self.watermark[:120]
            for y in range(70, int(self.h) - 20, 65):
                for x in (MARGIN - 5, self.w / 2):
                    with self.rotation(30, x, y):
                        self.text(x, y, text)


def licence_pdf(licence: Licence, *, watermark: str = "") -> bytes:
    """The licence as an A4 PDF (see the module's docstring); ``watermark`` (who asked and why, for a
    shared copy) is printed across every page."""
    rows = _rows(licence)
    title = licence.type.name
    pdf = _LicencePdf(orientation="P", unit="mm", format="A4")
    pdf.watermark = watermark
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN + 10)
    pdf.set_title(f"{title} {licence.number}")
    pdf.set_subject(licence.identifier)
    pdf.set_author(licence.issuer_name)
    pdf.set_creator(settings.TONGBAN_SITE_NAME)
    pdf.set_lang("zh-CN")
    add_cjk_fonts(pdf, [title, licence.issuer_name, watermark, *(text for row in rows for text in row[:2])])
    pdf.add_page()
    width = pdf.epw

    # Heading.
    pdf.set_font("cjk", size=10)
    pdf.set_text_color(*MUTED)
    pdf.set_char_spacing(4)
    pdf.cell(width, 8, _("电子证照"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_char_spacing(0)
    pdf.set_font("cjk", size=24)
    pdf.set_text_color(*INK)
    pdf.set_line_width(0.35)  # a stroked outline thickens the regular face for the title
    pdf.set_draw_color(*INK)
    pdf.text_mode = TextMode.FILL_STROKE
    pdf.multi_cell(width, 13, title, align="C", wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.text_mode = TextMode.FILL
    pdf.ln(2)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.5)
    pdf.line(MARGIN, pdf.get_y(), MARGIN + width, pdf.get_y())
    pdf.ln(4)
    if not licence.in_force_on():
        pdf.set_font("cjk", size=12)
        pdf.set_text_color(*RED)
        warning = _("本证照当前不在有效状态（%(status)s），不能作为有效凭证使用。") % {
            "status": licence.get_status_display()
            if licence.status != LicenceStatus.VALID
            else _("不在有效期内")
        }
        pdf.multi_cell(
            width, 7, warning, align="C", wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.ln(2)

    # Licence data.
    pdf.set_font("cjk", size=11)
    pdf.set_text_color(*INK)
    key_value_table(
        pdf,
        [(label, value, RED if alert else None) for label, value, alert in rows],
        label_width=40,
        label_color=MUTED,
        ink=INK,
    )

    # QR code at the bottom left, issuer and date at the bottom right under the seal's place.
    seal_x, seal_y, seal_w, seal_h = SEAL_AREA
    qr_size = 38.0
    if pdf.get_y() + 8 > seal_y:  # a long licence: the QR code and the seal go on a page of their own
        pdf.add_page()
    bottom = seal_y
    _draw_qr(pdf, qr_data(licence), MARGIN, bottom, qr_size)
    pdf.set_font("cjk", size=8)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(MARGIN + qr_size + 2, bottom + 6)
    pdf.multi_cell(
        60,
        4.5,
        _("扫描二维码可读取电子证照标识，用证单位可据此核验证照状态。"),
        wrapmode=WrapMode.CHAR,
    )
    pdf.set_font("cjk", size=12)
    pdf.set_text_color(*INK)
    pdf.set_xy(seal_x - 30, seal_y + seal_h / 2 - 8)
    pdf.multi_cell(seal_w + 40, 7, licence.issuer_name, align="C", wrapmode=WrapMode.CHAR)
    pdf.set_x(seal_x - 30)
    pdf.cell(seal_w + 40, 7, chinese_date(licence.issue_date), align="C")

    return bytes(pdf.output())


def content_disposition(licence: Licence) -> str:
    """``attachment`` with an ASCII name for old clients and the Chinese one (RFC 6266, RFC 8187), both
    reduced to letters, digits, dots and dashes."""
    ascii_name = re.sub(r"[^A-Za-z0-9.-]+", "_", f"licence-{licence.number}")[:100] + ".pdf"
    name = re.sub(r"[^\w.-]+", "_", f"{licence.type.name}-{licence.number}")[:100] + ".pdf"
    return f"attachment; filename=\"{ascii_name}\"; filename*=utf-8''{quote(name)}"


def licence_pdf_for_sealing(licence: Licence) -> bytes:
    """The PDF the issuing department seals: in Chinese, whatever the language of whoever asked for it."""
    with translation.override(settings.LANGUAGE_CODE):
        return licence_pdf(licence)


def _showing(licence: Licence):
    """The licence's sealed file if it still shows the licence as it is: the same status, the same current or
    historical version."""
    return LicenceDocument.objects.filter(
        licence_id=licence.pk, status=licence.status, current=licence.current
    )


def sealed_document(licence: Licence) -> LicenceDocument | None:
    """The licence's sealed PDF when it still shows the licence as it is."""
    return _showing(licence).first()


def is_sealed(licence: Licence) -> bool:
    """Whether a sealed file shows the licence as it is (without reading the file)."""
    return _showing(licence).exists()


def sealed_document_ask(licence: Licence) -> None:
    """Ask (after commit) for the licence's sealed file: one that is not there or no longer shows it."""
    licence_uuid = str(licence.uuid)
    transaction.on_commit(
        lambda: licence_document_wanted.send(sender=Licence, licence_uuid=licence_uuid), robust=True
    )


def licence_pdf_response(licence: Licence) -> HttpResponse:
    """The PDF as a download: ``attachment`` with a safe file name, never cached. The file sealed by the
    issuing department when there is one that shows the licence as it is (``X-Tongban-Sealed: true``); the
    unsealed rendering otherwise, and a sealed one is asked for."""
    document = sealed_document(licence)
    if document is not None:
        response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
        response["X-Tongban-Sealed"] = "true"
    else:
        response = HttpResponse(licence_pdf(licence), content_type="application/pdf")
        response["X-Tongban-Sealed"] = "false"
        sealed_document_ask(licence)
    response["Content-Disposition"] = content_disposition(licence)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
