"""What every PDF the platform makes shares: the CJK font shipped with the package (``fonts/``: Noto Sans
CJK SC cut down to GBK, SIL OFL 1.1) and the system's full Noto Sans CJK for characters outside GBK, when
Debian's fonts-noto-cjk is installed. Licences (licences/pdf.py), case decisions (cases/documents.py) and
seal images use them."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _

FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansCJKsc-Regular-GBK.ttf"
SYSTEM_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SYSTEM_FONT_SC_FACE = 2  # the collection's faces: JP, KR, SC, TC, HK, then the monospaced ones


@lru_cache(maxsize=1)
def font_codepoints() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(FONT, lazy=True).getBestCmap())


def outside_the_font(texts) -> bool:
    """Whether any character of ``texts`` is missing from the shipped font (then add the system's)."""
    covered = font_codepoints()
    return any(ord(ch) not in covered for text in texts for ch in text if not ch.isspace())


def add_cjk_fonts(pdf, texts) -> None:
    """Register the shipped font as ``cjk`` on an fpdf2 document, with the system's as fallback when the
    texts need it."""
    pdf.add_font("cjk", fname=FONT)
    if outside_the_font(texts) and SYSTEM_FONT.exists():
        pdf.add_font("cjk-system", fname=SYSTEM_FONT, collection_font_number=SYSTEM_FONT_SC_FACE)
        pdf.set_fallback_fonts(["cjk-system"], exact_match=False)


def key_value_table(pdf, rows, *, label_width: float, label_color, ink) -> None:
    """Label and value rows between thin rules, the labels muted: ``rows`` of ``(label, value)`` or
    ``(label, value, colour)`` (a value in its own colour, e.g. red for an alert). Wraps by character."""
    from fpdf.enums import WrapMode
    from fpdf.fonts import FontFace

    pdf.set_draw_color(222, 226, 230)
    pdf.set_line_width(0.2)
    with pdf.table(
        col_widths=(label_width, pdf.epw - label_width),
        first_row_as_headings=False,
        line_height=7,
        padding=(1.5, 2),
        wrapmode=WrapMode.CHAR,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        for label, value, *colour in rows:
            row = table.row()
            row.cell(label, style=FontFace(color=label_color))
            row.cell(value, style=FontFace(color=(colour[0] if colour and colour[0] else ink)))


def chinese_date(day: date) -> str:
    """2026年12月7日, as documents write dates."""
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}
