"""The assessment report and the circular as PDF (fpdf2, the platform's CJK font: core/documents.py), laid out
for the supervising office's seal on the last page, and the rankings as XLSX (openpyxl: one sheet for the
ranking, one for the figures).

The PDFs are official documents: made in Chinese whatever language asked for them, in the office's name, and
sealed by tasks (tasks.py) with the office's 部门章 — a report after its assessment commits, a circular after
its issue commits — never in a request."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from tongban.core.documents import add_cjk_fonts, chinese_date
from tongban.supervision.access import Office
from tongban.supervision.assessment_periods import Period
from tongban.supervision.assessments import ranking, run_of, scheme_of
from tongban.supervision.models import Assessment, Circular
from tongban.supervision.scoring import SCORABLE, figure_weights, ordered, value_text

HEADING = re.compile(r"^[一二三四五六七八九十]+、")
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

MARGIN = 18.0
INK = (33, 37, 41)
MUTED = (108, 117, 125)
RED = (200, 22, 29)
PT_PER_MM = 72 / 25.4
# The office's seal (42 mm round) goes right after the text, at the right, over the office's name and the date
# (落款), as a paper document is signed and stamped; :class:`Document` carries its box to the sealing task.
SEAL_MM = 42.0
REPORT_FIELD = "考核机关印章"
CIRCULAR_FIELD = "通报机关印章"


def change_text(row: Assessment) -> str:
    """较上期: 上升 2, 下降 1, 持平, 新进 (no rank in the previous period), — (not ranked)."""
    change = row.change
    if change == "up":
        return _("上升%(n)d") % {"n": row.places}
    if change == "down":
        return _("下降%(n)d") % {"n": -row.places}
    if change == "same":
        return _("持平")
    return _("新进") if change == "new" else "—"


def weights_text(weights: dict) -> str:
    return "、".join(f"{SCORABLE[name].label} {weights[name]}" for name in ordered(weights))


def formula_text() -> str:
    return _(
        "计分方法：各项指标折算为 0–100 分（比率类指标 = 比率 × 100；双减半指标在 0.5 及以下得 100 分、1 及以上得 0 分，"
        "其间线性折算；平均星级 = (星级 − 1) × 25），按权重加权平均；某项指标本期无数据（分母为 0）的，其权重按比例"
        "分配给其余有数据的指标；全部指标无数据的不参与排名。得分相同的并列。"
    )


def _document(title: str, author: str, texts, orientation: str = "P") -> FPDF:
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator(settings.TONGBAN_SITE_NAME)
    pdf.set_lang("zh-CN")
    add_cjk_fonts(pdf, [t for t in texts if t])
    return pdf


@dataclass(frozen=True)
class Document:
    """A PDF and where its seal goes: (x1, y1, x2, y2) in points from the bottom left of its last page."""

    pdf: bytes
    seal_box: tuple[float, float, float, float]


def _signature(pdf: FPDF, lines: list[str]) -> tuple[float, float, float, float]:
    """The office's name and the date at the right below the text, and the box of the seal over them (on a
    new page when the last one has no room for the seal). Returns the box in PDF points."""
    if pdf.get_y() + 8 + SEAL_MM > pdf.h - 10:
        pdf.add_page()
    seal_top = pdf.get_y() + 8
    centre_x = pdf.w - MARGIN - SEAL_MM / 2 - 8
    pdf.set_y(seal_top + 12)
    pdf.set_font("cjk", size=12)
    pdf.set_text_color(*INK)
    for line in lines:
        width = pdf.get_string_width(line) + 2
        pdf.set_x(min(centre_x - width / 2, pdf.w - MARGIN - width))
        pdf.cell(width, 8, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left, top = centre_x - SEAL_MM / 2, seal_top
    return (
        round(left * PT_PER_MM, 2),
        round((pdf.h - top - SEAL_MM) * PT_PER_MM, 2),
        round((left + SEAL_MM) * PT_PER_MM, 2),
        round((pdf.h - top) * PT_PER_MM, 2),
    )


def _red_head(pdf: FPDF, office_name: str) -> None:
    pdf.set_font("cjk", size=22)
    pdf.set_text_color(*RED)
    pdf.cell(pdf.epw, 14, office_name, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.6)
    pdf.line(MARGIN, pdf.get_y() + 1, pdf.w - MARGIN, pdf.get_y() + 1)
    pdf.ln(6)
    pdf.set_text_color(*INK)


# --- the assessment report ---------------------------------------------------------------------------------------
def report_title(period: Period) -> str:
    return _("%(period)s一网通办工作考核结果") % {"period": period.label}


def report_pdf(period: Period, office: Office) -> Document:
    """The office's rankings of the period (landscape A4): each ranking with its score, change and the weighted
    figures, the scheme's weights and the scoring method, and the place of the seal."""
    with translation.override(settings.LANGUAGE_CODE):
        return _report_pdf(period, office)


def _report_pdf(period: Period, office: Office) -> Document:
    from tongban.supervision.circulars import dim_words

    run = run_of(period)
    scheme = scheme_of(period, run)
    title = report_title(period)
    computed = timezone.localtime(run.computed_at).date() if run else timezone.localdate()
    rankings = [(dim, ranking(period, office.path, dim)) for dim in office.dims]
    rankings = [(dim, rows) for dim, rows in rankings if rows]
    names = ordered(scheme.weights)
    heads = [_("排名"), _("单位"), _("得分"), _("较上期"), *(str(SCORABLE[n].label) for n in names)]
    subtitle = _("考核期间 %(start)s 至 %(end)s · 考核方案第%(version)s版 · 计算时间 %(at)s") % {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "version": run.scheme_version if run else scheme.version,
        "at": timezone.localtime(run.computed_at).strftime("%Y-%m-%d %H:%M") if run else "—",
    }
    weights = _("权重：%(weights)s。") % {"weights": weights_text(scheme.weights)}
    note = _("本报告由%(site)s生成，加盖%(office)s电子印章，可在%(site)s“验章”页面核验。") % {
        "site": settings.TONGBAN_SITE_NAME,
        "office": office.name,
    }
    cells = [
        (
            r.unit_label,
            str(r.score) if r.score is not None else "—",
            change_text(r),
            *(value_text(n, r.figures.get(n)) for n in names),
        )
        for _dim, rows in rankings
        for r in rows
    ]
    texts = [title, subtitle, weights, note, formula_text(), office.name, chinese_date(computed), *heads]
    texts += [dim_words(dim, office) + _("排名") for dim, _rows in rankings]
    texts += [c for row in cells for c in row] + [_("不参与排名")]
    pdf = _document(f"{title} {office.name}", office.name, texts, orientation="L")
    pdf.add_page()
    _red_head(pdf, office.name)
    pdf.set_font("cjk", size=18)
    pdf.cell(pdf.epw, 11, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=9)
    pdf.set_text_color(*MUTED)
    pdf.cell(pdf.epw, 6, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    fixed = (14.0, 62.0, 18.0, 18.0)
    rest = (pdf.epw - sum(fixed)) / max(1, len(names))
    widths = (*fixed, *([rest] * len(names)))
    for dim, rows in rankings:
        pdf.set_font("cjk", size=12)
        pdf.set_text_color(*INK)
        pdf.cell(pdf.epw, 9, dim_words(dim, office) + _("排名"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("cjk", size=8.5)
        pdf.set_draw_color(222, 226, 230)
        pdf.set_line_width(0.2)
        with pdf.table(
            col_widths=widths,
            line_height=6,
            padding=(1, 1.5),
            wrapmode=WrapMode.CHAR,
            borders_layout="HORIZONTAL_LINES",
            headings_style=FontFace(color=MUTED),
            text_align="LEFT",
        ) as table:
            head = table.row()
            for text in heads:
                head.cell(text)
            for r in rows:
                row = table.row()
                row.cell(str(r.rank) if r.rank is not None else _("不参与排名"))
                row.cell(r.unit_label)
                row.cell(str(r.score) if r.score is not None else "—")
                row.cell(change_text(r))
                for n in names:
                    row.cell(value_text(n, r.figures.get(n)))
        pdf.ln(4)
    # The notes on the left, the office's name, the date and the seal beside them on the right.
    if pdf.get_y() + SEAL_MM + 8 > pdf.h - 10:
        pdf.add_page()
    notes_top = pdf.get_y()
    pdf.set_font("cjk", size=8.5)
    pdf.set_text_color(*MUTED)
    for text in (weights, formula_text(), note):
        pdf.multi_cell(
            pdf.epw - SEAL_MM - 40, 4.5, text, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.set_y(notes_top - 8)
    box = _signature(pdf, [office.name, chinese_date(computed)])
    return Document(bytes(pdf.output()), box)


# --- the circular ----------------------------------------------------------------------------------------------
def circular_pdf(circular: Circular) -> Document:
    """The circular (portrait A4) under the office's red head: its title and text, the office's name and the
    day it was issued — a draft says so at the top and bears no date. Laid out for the seal
    and the place of the seal."""
    with translation.override(settings.LANGUAGE_CODE):
        return _circular_pdf(circular)


def _circular_pdf(circular: Circular) -> Document:
    draft_mark = _("草稿（未印发，不作为正式文件）")
    day = (
        chinese_date(timezone.localtime(circular.issued_at).date())
        if circular.issued_at
        else _("（印发日期）")
    )
    paragraphs = circular.text.split("\n")
    texts = [circular.title, circular.office_name, day, draft_mark, *paragraphs]
    pdf = _document(circular.title, circular.office_name, texts)
    pdf.add_page()
    if not circular.is_issued:
        pdf.set_font("cjk", size=10)
        pdf.set_text_color(*RED)
        pdf.cell(pdf.epw, 6, draft_mark, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _red_head(pdf, circular.office_name)
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(
        pdf.epw, 9, circular.title, align="C", wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(4)
    pdf.set_font("cjk", size=11.5)
    for index, paragraph in enumerate(paragraphs):
        if not paragraph.strip():
            pdf.ln(2.5)
            continue
        text = paragraph.strip()
        if index and not HEADING.match(text):
            text = (
                "\u3000\u3000" + text
            )  # a paragraph starts two characters in; headings and addressees do not
        pdf.multi_cell(pdf.epw, 7, text, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    box = _signature(pdf, [circular.office_name, day])
    return Document(bytes(pdf.output()), box)


def document_filename(kind: str, period: Period, office_name: str) -> str:
    return f"{office_name}-{period.key}-{kind}"


# --- XLSX ------------------------------------------------------------------------------------------------------
def rankings_xlsx(period: Period, rankings) -> bytes:
    """``rankings`` ([(office, dim, rows)], as assessments.rankings_visible gives them) as a workbook: the sheet
    排名 (one row a unit: office, dimension, rank, unit, score, previous rank, change) and the sheet 指标 (one
    row a unit and figure: value, numerator, denominator, points, weight). In the request's language."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from tongban.supervision.circulars import dim_words

    book = Workbook()
    sheet = book.active
    sheet.title = _("排名")
    bold = Font(bold=True)
    sheet.append(
        [
            _("考核期间"),
            _("考核机关"),
            _("排名对象"),
            _("排名"),
            _("单位"),
            _("得分"),
            _("上期排名"),
            _("较上期"),
        ]
    )
    figures = book.create_sheet(_("指标"))
    figures.append(
        [
            _("考核期间"),
            _("考核机关"),
            _("排名对象"),
            _("单位"),
            _("指标"),
            _("数值"),
            _("分子"),
            _("分母"),
            _("折算分"),
            _("权重"),
        ]
    )
    for office, dim, rows in rankings:
        what = dim_words(dim, office)
        for r in rows:
            sheet.append(
                [
                    period.key,
                    office.name,
                    what,
                    r.rank,
                    r.unit_label,
                    float(r.score) if r.score is not None else None,
                    r.previous_rank,
                    change_text(r),
                ]
            )
            for name in ordered(figure_weights(r.figures)):
                f = r.figures[name]
                spec = SCORABLE.get(name)
                figures.append(
                    [
                        period.key,
                        office.name,
                        what,
                        r.unit_label,
                        str(spec.label) if spec else name,
                        f.get("value"),
                        f.get("num"),
                        f.get("den"),
                        f.get("points"),
                        f.get("weight"),
                    ]
                )
    for ws, widths in (
        (sheet, (10, 30, 10, 6, 36, 8, 8, 8)),
        (figures, (10, 30, 10, 36, 28, 10, 8, 8, 8, 6)),
    ):
        for cell in ws[1]:
            cell.font = bold
        for i, width in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + i)].width = width
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
