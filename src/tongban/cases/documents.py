"""The case's result document (办结通知书) as a PDF the applicant downloads from the case page: the case, the
outcome and the decision, and what each step produced (the e-licence and its number, the filing and its
reference), issued in the name of the lead department. Set in the platform's CJK font (core/documents.py)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from tongban.cases.models import Case
from tongban.core.documents import add_cjk_fonts, chinese_date, key_value_table

MARGIN = 20.0
INK = (33, 37, 41)
MUTED = (108, 117, 125)
RED = (176, 32, 38)


def _day(moment) -> str:
    if moment is None:
        return "—"
    return chinese_date(timezone.localtime(moment).date() if hasattr(moment, "hour") else moment)


def step_result_text(result: dict) -> str:
    """A step's result in words (the page and the document say the same)."""
    if not result:
        return "—"
    if result.get("kind") == "licence":
        text = _("%(type)s（证照编号 %(number)s，持证主体 %(holder)s）") % {
            "type": result.get("type_name", ""),
            "number": result.get("number", ""),
            "holder": result.get("holder_name", ""),
        }
        if result.get("uscc"):
            text += _("，统一社会信用代码 %(uscc)s") % {"uscc": result["uscc"]}
        return text
    if result.get("kind") == "electronic_seals":
        from tongban.cases.services.results import SEAL_KIND_NAMES

        seals = result.get("seals", ())
        kinds = "、".join(_(SEAL_KIND_NAMES[s["kind"]]) for s in seals if s.get("kind") in SEAL_KIND_NAMES)
        return _("%(name)s：%(kinds)s（%(holder)s，编号 %(reference)s）") % {
            "name": result.get("name", ""),
            "kinds": kinds,
            "holder": result.get("holder_name", ""),
            "reference": result.get("reference", ""),
        }
    return _("%(name)s（编号 %(reference)s）") % {
        "name": result.get("name", ""),
        "reference": result.get("reference", ""),
    }


def decision_rows(case: Case, steps) -> list[tuple[str, str]]:
    rows = [
        (_("办件编号"), case.number),
        (_("办理事项"), case.name),
        (_("申请者"), case.applicant_name),
        (_("受理部门"), case.lead_department_name),
        (_("受理日期"), _day(case.accepted_on)),
        (_("办结日期"), _day(case.concluded_at)),
        (_("办结结果"), str(case.get_outcome_display() or "—")),
        (_("办结意见"), case.decision or "—"),
    ]
    for step in steps:
        rows.append((step.name, f"{step.department_name}：{step_result_text(step.result)}"))
    return rows


def decision_pdf(case: Case) -> bytes:
    steps = list(case.steps.all())
    rows = decision_rows(case, steps)
    title = _("办结通知书")
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    pdf.set_title(f"{title} {case.number}")
    pdf.set_author(case.lead_department_name)
    pdf.set_creator(settings.TONGBAN_SITE_NAME)
    pdf.set_lang("zh-CN")
    add_cjk_fonts(pdf, [title, *(text for row in rows for text in row)])
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("cjk", size=22)
    pdf.set_text_color(*INK)
    pdf.cell(width, 14, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.5)
    pdf.line(MARGIN, pdf.get_y() + 1, MARGIN + width, pdf.get_y() + 1)
    pdf.ln(6)
    pdf.set_font("cjk", size=11)
    pdf.multi_cell(
        width,
        7,
        _("%(applicant)s：您申请的“%(name)s”已办结，结果如下。")
        % {"applicant": case.applicant_name, "name": case.name},
        wrapmode=WrapMode.CHAR,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)
    key_value_table(pdf, rows, label_width=42, label_color=MUTED, ink=INK)
    pdf.ln(12)
    pdf.set_font("cjk", size=12)
    pdf.cell(width, 8, case.lead_department_name, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(width, 8, _day(case.concluded_at), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    pdf.set_font("cjk", size=8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        width,
        4,
        _("本通知书由%(site)s生成；电子证照以电子证照库为准，可在“我的卡包”查看和下载。生成时间：%(at)s")
        % {"site": settings.TONGBAN_SITE_NAME, "at": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        align="C",
        wrapmode=WrapMode.CHAR,
    )
    return bytes(pdf.output())
