"""The 申请书 of a case as PDF (无纸化签署, issue 16 §3): the unsigned draft the applicant previews before
signing, and the signed document the applicant side and the staff who may see the case download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse

from tongban.cases.access import access_case_for_applicant, access_case_for_staff
from tongban.cases.documents import application_pdf
from tongban.cases.errors import CaseNotFound
from tongban.cases.models import Case
from tongban.core.audit import audit_record


def _pdf(body: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _signed(request, case: Case) -> HttpResponse:
    if not case.application_document:
        raise Http404
    audit_record(
        actor=request.actor, action="case.application_download", object_type="case", object_id=case.uuid
    )
    return _pdf(bytes(case.application_document), f"{case.number}-application.pdf", attachment=True)


@login_required
def application_preview(request, case_uuid):
    """The 申请书 as it will be signed (not signed): the applicant side only."""
    try:
        case = access_case_for_applicant(actor=request.actor, case_uuid=case_uuid)
    except CaseNotFound as exc:
        raise Http404 from exc
    return _pdf(application_pdf(case), f"{case.number}-application-draft.pdf", attachment=False)


@login_required
def application_signed_pdf(request, case_uuid):
    """The signed 申请书: the applicant side; 404 before it is signed and for anyone else; audited."""
    try:
        case = access_case_for_applicant(actor=request.actor, case_uuid=case_uuid)
    except CaseNotFound as exc:
        raise Http404 from exc
    return _signed(request, case)


@login_required
def staff_application_pdf(request, case_uuid):
    """The signed 申请书 for staff who may see the case; audited."""
    try:
        case = access_case_for_staff(actor=request.actor, case_uuid=case_uuid)
    except CaseNotFound as exc:
        raise Http404 from exc
    return _signed(request, case)
