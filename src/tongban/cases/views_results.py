"""Pages of a case's result and progress: the result document (办结通知书) the applicant downloads, and the
public progress lookup by case number and 查询码 (办件查询) that shows only the status and the steps."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from tongban.cases.access import access_case_by_lookup, access_case_for_applicant, access_case_for_staff
from tongban.cases.constants import CaseStatus
from tongban.cases.documents import ACCEPTANCE, REFUSAL, decision_pdf
from tongban.cases.errors import CaseNotFound
from tongban.cases.models import Case
from tongban.core.audit import audit_record
from tongban.core.errors import DomainError
from tongban.core.middleware import client_ip

RESULT_STATUSES = {CaseStatus.CONCLUDED, CaseStatus.DELIVERED}


@login_required
def case_decision_pdf(request, case_uuid):
    """The result document of a concluded case, sealed by the lead department once the task has sealed it:
    the applicant's side only (404 otherwise, and before the case concludes); audited."""
    try:
        case = access_case_for_applicant(actor=request.actor, case_uuid=case_uuid)
    except CaseNotFound as exc:
        raise Http404 from exc
    if case.status not in RESULT_STATUSES:
        raise Http404
    audit_record(
        actor=request.actor, action="case.decision_download", object_type="case", object_id=case.uuid
    )
    sealed = bytes(case.decision_document) if case.decision_document else None
    response = HttpResponse(sealed or decision_pdf(case), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# The documents a case keeps sealed: the URL's kind → (the Case field, its title, the download's URL name).
SEALED_DOCUMENTS = {
    "result": ("decision_document", _("办结通知书"), "cases:decision_pdf"),
    "application": ("application_document", _("申请书"), "cases:application_pdf"),
    "acceptance": ("acceptance_document", _("受理通知书"), "cases:acceptance_pdf"),
}


def _case_for_applicant_or_staff(actor, case_uuid) -> tuple[Case, str]:
    """The case as the applicant's side sees it, else as staff who may handle it see it (404 otherwise), with
    the page of the case for that side."""
    try:
        case = access_case_for_applicant(actor=actor, case_uuid=case_uuid)
        return case, reverse("cases:case", args=[case.uuid])
    except CaseNotFound:
        pass
    try:
        case = access_case_for_staff(actor=actor, case_uuid=case_uuid)
    except CaseNotFound as exc:
        raise Http404 from exc
    return case, reverse("cases:staff_case", args=[case.uuid])


@login_required
def case_acceptance_pdf(request, case_uuid):
    """The sealed 受理通知书 of an accepted case, or the sealed 不予受理决定书 of a case refused at intake: the
    applicant's side and the staff who may see the case (404 otherwise, and before either happened). Only
    the sealed document is given: until the task has sealed it, a page says so (404, 行政许可法 art. 32 asks
    for a sealed voucher, so no unsealed copy stands in for it); audited."""
    case, back_url = _case_for_applicant_or_staff(request.actor, case_uuid)
    refused = case.status == CaseStatus.REFUSED
    if case.accepted_on is None and not refused:
        raise Http404
    sealed = bytes(case.acceptance_document) if case.acceptance_document else None
    if sealed is None:
        context = {"case": case, "refused": refused, "back_url": back_url}
        return render(request, "cases/acceptance_pending.html", context, status=404)
    audit_record(
        actor=request.actor,
        action="case.acceptance_download",
        object_type="case",
        object_id=case.uuid,
        after={"kind": REFUSAL if refused else ACCEPTANCE},
    )
    response = HttpResponse(sealed, content_type="application/pdf")
    name = f"{case.number}-refusal" if refused else case.acceptance_voucher or case.number
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def case_lookup(request):
    """办件查询: anyone with the case number and its 查询码 sees the status and the steps — no names, no
    materials, no opinions."""
    context: dict = {"number": "", "error": ""}
    status = 200
    if request.method == "POST":
        context["number"] = (request.POST.get("number") or "").strip()[:32]
        try:
            case = access_case_by_lookup(
                number=context["number"], code=request.POST.get("code") or "", client=client_ip(request)
            )
        except DomainError as exc:
            context["error"], status = str(exc.message), exc.status
        else:
            context["case"] = case
            context["steps"] = list(case.steps.all())
    return render(request, "cases/lookup.html", context, status=status)


@login_required
@require_safe
def case_document_verify(request, case_uuid, kind: str):
    """验章 of a sealed document the case keeps (its 办结通知书, 受理通知书 or 不予受理决定书, signed 申请书), for the
    applicant's side and the staff who may see the case (404 for anyone else): the same report as an upload
    to /seals/verify/ gets, without uploading; "being sealed" until the task has sealed it."""
    from tongban.seals.facade import document_verification_page

    if kind not in SEALED_DOCUMENTS:
        raise Http404
    field, title, download = SEALED_DOCUMENTS[kind]
    case, back_url = _case_for_applicant_or_staff(request.actor, case_uuid)
    if kind == "acceptance" and case.status == CaseStatus.REFUSED:
        title = _("不予受理决定书")
    stored = getattr(case, field)
    if stored is None and kind == "result" and case.status not in RESULT_STATUSES:
        raise Http404
    on_staff_side = back_url.startswith("/staff/")
    if kind == "application" and on_staff_side:
        download = "cases:staff_application_pdf"
    return document_verification_page(
        request,
        filename=f"{title} {case.number}",
        pdf=bytes(stored) if stored else None,
        back_url=back_url,
        back_label=case.number,
        download_url="" if kind == "result" and on_staff_side else reverse(download, args=[case.uuid]),
    )
