"""The case's result document (办结通知书) as a PDF the applicant downloads from the case page: the case, the
outcome and the decision, and what each step produced (the e-licence and its number, the filing and its
reference), issued in the name of the lead department. Set in the platform's CJK font (core/documents.py)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
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


def case_document(case: Case, title: str, author: str, texts) -> FPDF:
    """An A4 document of the case (its number in the title), with the glyphs of ``texts`` embedded: the
    notices, decisions and application forms below."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    pdf.set_title(f"{title} {case.number}")
    pdf.set_author(author)
    pdf.set_creator(settings.TONGBAN_SITE_NAME)
    pdf.set_lang("zh-CN")
    add_cjk_fonts(pdf, list(texts))
    return pdf


def decision_pdf(case: Case) -> bytes:
    steps = list(case.steps.all())
    rows = decision_rows(case, steps)
    title = _("办结通知书")
    pdf = case_document(
        case, title, case.lead_department_name, [title, *(text for row in rows for text in row)]
    )
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


# --- 受理通知书 and 不予受理决定书 ---------------------------------------------------------------------------
ACCEPTANCE = "acceptance"
REFUSAL = "refusal"
DOCUMENT_KINDS = (ACCEPTANCE, REFUSAL)
# Where sealing.py puts the seal (SEAL_BOX, PDF points from the bottom-left of the last page: 400, 60, 519,
# 179), in millimetres from the top of an A4 page: the department's name and the date go under it, as a paper
# document is signed and then stamped over its name and date.
SEAL_TOP_MM = 297.0 - 179.0 * 25.4 / 72
SEAL_CENTRE_X_MM = (400.0 + 519.0) / 2 * 25.4 / 72
SIGNATURE_Y_MM = SEAL_TOP_MM + 12


def acceptance_title(kind: str) -> str:
    return _("不予受理决定书") if kind == REFUSAL else _("受理通知书")


def applicant_code(case: Case) -> tuple[str, str]:
    """The applicant's identifying number as a document names them: a person's ID number, masked (the
    document travels); an enterprise's USCC (public in the market-entity register). Empty when unknown."""
    from tongban.accounts.facade import holder_of_principal
    from tongban.core.identifiers import mask_id_number

    holder = holder_of_principal(case.applicant_kind, case.applicant_uuid)
    if case.applicant_kind == "enterprise":
        return _("统一社会信用代码"), holder.code if holder else str(case.form_data.get("uscc") or "")
    number = holder.code if holder else str(case.form_data.get("id_number") or "")
    return _("身份证件号码"), mask_id_number(number)


def acceptance_how(case: Case) -> str:
    """受理 / 容缺受理 / 视为受理, as the case records it."""
    if case.deemed_accepted:
        return _("视为受理（5个工作日内未告知补正，自收到申请材料之日起受理）")
    if case.materials.filter(commitment_due_on__isnull=False).exists():
        return _("容缺受理（告知承诺，缺少的材料限期补交）")
    return _("受理")


def _acceptance_rows(case: Case, kind: str, decided_on) -> list[tuple[str, str]]:
    code_label, code = applicant_code(case)
    rows = [
        (_("办件编号"), case.number),
        *(
            [(_("受理文书编号"), case.acceptance_voucher)]
            if kind == ACCEPTANCE and case.acceptance_voucher
            else []
        ),
        (_("办理事项"), case.name),
        (_("申请者"), case.applicant_name),
        (code_label, code or "—"),
        (_("受理部门"), case.lead_department_name),
        (_("申请日期"), _day(case.submitted_at)),
    ]
    if kind == REFUSAL:
        rows.append((_("决定日期"), _day(decided_on)))  # the reasons follow the table: they may be long
    else:
        rows += [(_("受理日期"), _day(case.accepted_on)), (_("受理方式"), acceptance_how(case))]
        committed = [
            _("%(name)s（%(due)s前补交）") % {"name": m.name, "due": _day(m.commitment_due_on)}
            for m in case.materials.filter(commitment_due_on__isnull=False).order_by("key")
        ]
        if committed:
            rows.append((_("承诺补交的材料"), "；".join(committed)))
        due = _day(case.due_on)
        if case.due_on is not None and case.due_on_provisional:
            due += _("（暂按法定节假日推算，国务院放假通知发布后重新计算）")
        rows.append(
            (
                _("承诺办结日期"),
                _("%(due)s（承诺 %(days)d 个工作日，不含特别程序时间）")
                % {"due": due, "days": case.promised_days},
            )
        )
    if case.lookup_code:
        rows.append(
            (
                _("查询码"),
                _("%(code)s（凭办件编号和查询码在“办件查询” %(url)s 查看进度，无需登录）")
                % {
                    "code": case.lookup_code,
                    "url": settings.TONGBAN_PUBLIC_BASE_URL + reverse("cases:lookup"),
                },
            )
        )
    return rows


def _acceptance_text(case: Case, kind: str) -> list[str]:
    params = {"applicant": case.applicant_name, "name": case.name, "submitted": _day(case.submitted_at)}
    if kind == REFUSAL:
        return [
            _(
                "你（单位）于%(submitted)s提出的“%(name)s”申请，经审查，依据《中华人民共和国行政许可法》"
                "第三十二条的规定，本机关决定不予受理。"
            )
            % params,
        ]
    if case.deemed_accepted:
        return [
            _(
                "你（单位）于%(submitted)s提出的“%(name)s”申请，本机关未在5个工作日内一次告知需要补正的全部"
                "内容，依据《中华人民共和国行政许可法》第三十二条的规定，自收到申请材料之日起即为受理。"
            )
            % params
        ]
    return [
        _(
            "你（单位）于%(submitted)s提出的“%(name)s”申请，依据《中华人民共和国行政许可法》第三十二条的规定，"
            "本机关决定予以受理，将在承诺办结日期前作出决定。"
        )
        % params
    ]


def acceptance_pdf(case: Case, kind: str = ACCEPTANCE, decided_on=None) -> bytes:
    """The 受理通知书 of an accepted case or the 不予受理决定书 of one refused at intake (``decided_on``: the day
    of the refusal), in the lead department's name, laid out for its seal (SEAL_BOX) on the last page."""
    if kind not in DOCUMENT_KINDS:
        raise ValueError(kind)
    title = acceptance_title(kind)
    rows = _acceptance_rows(case, kind, decided_on)
    texts = _acceptance_text(case, kind)
    signed_on = _day(decided_on if kind == REFUSAL else case.accepted_on)
    remedy = _("如不服本决定，可依法申请行政复议或者提起行政诉讼。")
    reasons = _("不予受理的理由：%(reasons)s") % {"reasons": case.refusal_reasons or "—"}
    note = _("本文书由%(site)s生成，加盖%(department)s电子印章，可在%(site)s“验章”页面核验。") % {
        "site": settings.TONGBAN_SITE_NAME,
        "department": case.lead_department_name,
    }
    pdf = case_document(
        case,
        title,
        case.lead_department_name,
        [title, note, signed_on, remedy, reasons, *texts, *(text for row in rows for text in row)],
    )
    pdf.add_page()
    width = pdf.epw
    pdf.set_text_color(*INK)
    pdf.set_font("cjk", size=16)
    pdf.cell(width, 10, case.lead_department_name, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=22)
    pdf.cell(width, 14, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=10)
    pdf.set_text_color(*MUTED)
    reference = case.acceptance_voucher if kind == ACCEPTANCE and case.acceptance_voucher else case.number
    pdf.cell(width, 6, reference, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.5)
    pdf.line(MARGIN, pdf.get_y() + 1, MARGIN + width, pdf.get_y() + 1)
    pdf.ln(6)
    pdf.set_text_color(*INK)
    pdf.set_font("cjk", size=11)
    pdf.cell(width, 7, f"{case.applicant_name}：", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for text in texts:
        pdf.multi_cell(width, 7, text, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    key_value_table(pdf, rows, label_width=36, label_color=MUTED, ink=INK)
    pdf.ln(3)
    if kind == REFUSAL:
        for text in (reasons, remedy):
            pdf.multi_cell(width, 7, text, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font("cjk", size=8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(width, 4, note, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if pdf.get_y() > SEAL_TOP_MM - 4:  # the seal goes on the last page: keep its place free of text
        pdf.add_page()
    pdf.set_y(SIGNATURE_Y_MM)
    pdf.set_font("cjk", size=12)
    pdf.set_text_color(*INK)
    for line in (case.lead_department_name, signed_on):  # centred under the seal, inside the margin
        line_width = pdf.get_string_width(line) + 2
        pdf.set_x(min(SEAL_CENTRE_X_MM - line_width / 2, pdf.w - MARGIN - line_width))
        pdf.cell(line_width, 8, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


# --- 申请书 (issue 16 §3: signed by the applicant in the browser) -------------------------------------------
# The signature area of the 申请书, on its last page, in PDF points from the bottom left of an A4 page (595.28
# × 841.89): the applicant's personal seal (a 20 mm square 个人签名/名章) on the left, the applicant
# enterprise's seal (a 42 mm round seal, seals/sealing.py SEAL_BOX's size) on the right.
A4_HEIGHT_PT = 841.89
PERSONAL_BOX = (110.0, 122.3, 166.7, 179.0)  # 申请人（签字）: 20 mm square, top level with COMPANY_BOX
COMPANY_BOX = (370.0, 60.0, 489.0, 179.0)  # 申请单位（盖章）: 42 mm round
SIGNATURE_AREA_TOP_PT = 235.0  # the labels above the boxes; the form's content ends above it
PERSONAL_FIELD = "申请人签字"
COMPANY_FIELD = "申请单位盖章"


def _mm(points: float) -> float:
    return points * 25.4 / 72


def _top_mm(y_points: float) -> float:
    """A height in points from the bottom of the page, as fpdf's millimetres from the top."""
    return _mm(A4_HEIGHT_PT - y_points)


def application_rows(case: Case) -> list[tuple[str, str]]:
    """The 申请书's facts: the case, the applicant (the ID number masked, the USCC in full), the agent who
    submitted it if any, the form's fields with their labels, the materials and the submission date."""
    from tongban.accounts.facade import holder_of_principal, holder_user_ids, person_user_id
    from tongban.cases.application_form import fields_of
    from tongban.cases.constants import ApplicantKind
    from tongban.catalog.facade import application_target
    from tongban.core.identifiers import mask_id_number

    holder = holder_of_principal(case.applicant_kind, case.applicant_uuid)
    enterprise = case.applicant_kind == ApplicantKind.ENTERPRISE
    rows = [
        (_("办件编号"), case.number),
        (_("申请事项"), case.name),
        (_("受理部门"), case.lead_department_name),
        (_("申请者"), case.applicant_name),
    ]
    if holder is not None:
        if enterprise:
            rows.append((_("统一社会信用代码"), holder.code))
            principals = set(holder_user_ids("001", holder.code))
        else:
            rows.append((_("身份证号码"), mask_id_number(holder.code)))
            principals = {person_user_id(case.applicant_uuid)}
        if case.submitted_by not in principals:
            submit = case.events.filter(action="submit").first()
            rows.append((_("代理人"), submit.actor_label if submit else "—"))
    target = application_target(case.target_kind, case.target_uuid)
    labels = {f.key: f.title for f in fields_of(target.form_schema)} if target else {}
    for key, value in case.form_data.items():
        text = "、".join(map(str, value)) if isinstance(value, list) else str(value)
        rows.append((labels.get(key, key), text or "—"))
    materials = [f"{m.name}（{m.get_mode_display()}）" for m in case.materials.all()]
    rows.append((_("提交材料"), "；".join(materials) or "—"))
    rows.append((_("申请日期"), _day(case.submitted_at)))
    return rows


def application_pdf(case: Case, *, on=None) -> bytes:
    """The case's 申请书 (A4): its facts, the applicant's declaration, and on the last page the signature
    area — "申请人（签字）" over ``PERSONAL_BOX`` and, for an enterprise, "申请单位（盖章）" over
    ``COMPANY_BOX`` — where the seals go. ``on``: the date written (today by default)."""
    from tongban.cases.constants import ApplicantKind

    rows = application_rows(case)
    enterprise = case.applicant_kind == ApplicantKind.ENTERPRISE
    title = _("%(name)s 申请书") % {"name": case.name}
    declaration = _(
        "本申请人承诺：所填写的申请内容和提交的材料真实、合法、有效，复印件与原件一致，并对其真实性承担法律责任。"
        "本申请书经申请人以电子签名（电子印章）签署，与手写签名或者盖章具有同等法律效力。"
    )
    person_label, company_label = _("申请人（签字）"), _("申请单位（盖章）")
    day = chinese_date(on or timezone.localdate())
    pdf = case_document(
        case,
        title,
        case.applicant_name,
        [title, declaration, person_label, company_label, *(t for row in rows for t in row)],
    )
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("cjk", size=20)
    pdf.set_text_color(*INK)
    pdf.multi_cell(width, 12, title, align="C", wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.5)
    pdf.line(MARGIN, pdf.get_y() + 1, MARGIN + width, pdf.get_y() + 1)
    pdf.ln(5)
    pdf.set_font("cjk", size=10.5)
    key_value_table(pdf, rows, label_width=42, label_color=MUTED, ink=INK)
    pdf.ln(4)
    pdf.set_font("cjk", size=10.5)
    pdf.multi_cell(width, 6, declaration, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    # The signature area sits at a fixed place on the last page (the seals' boxes): a new page when the
    # content reaches it.
    if pdf.get_y() > _top_mm(SIGNATURE_AREA_TOP_PT) - 4:
        pdf.add_page()
    pdf.set_auto_page_break(auto=False)
    pdf.set_text_color(*INK)
    pdf.set_font("cjk", size=12)
    boxes = [(person_label, PERSONAL_BOX)] + ([(company_label, COMPANY_BOX)] if enterprise else [])
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.2)
    for label, (x1, y1, x2, y2) in boxes:
        pdf.set_xy(_mm(x1) - 15, _top_mm(SIGNATURE_AREA_TOP_PT))
        pdf.cell(_mm(x2 - x1) + 30, 8, label, align="C")
        pdf.set_dash_pattern(dash=1, gap=1)
        pdf.rect(_mm(x1), _top_mm(y2), _mm(x2 - x1), _mm(y2 - y1))
        pdf.set_dash_pattern()
    pdf.set_xy(MARGIN, _top_mm(48.0))
    pdf.cell(width, 8, _("日期：%(day)s") % {"day": day}, align="R")
    pdf.set_xy(MARGIN, _top_mm(20.0))
    pdf.set_font("cjk", size=8)
    pdf.set_text_color(*MUTED)
    pdf.cell(
        width,
        4,
        _("本申请书由%(site)s生成，签署后可在验章页面核验。") % {"site": settings.TONGBAN_SITE_NAME},
        align="C",
    )
    return bytes(pdf.output())
