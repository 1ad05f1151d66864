"""Verifying a sealed PDF (验章): the page ``/seals/verify/`` (upload a file, up to 20 MB) and ``POST
/api/seals/verify-pdf`` (JSON, the file in ``content_base64``, within the API's 5 MB body) answer, for every signature of the file: the signer and its
seal, whether the signed bytes are intact, the chain to the platform's root, the revocation status at the
signing time, the signing time from the timestamp, the PAdES level reached, and whether the document was
changed after it. Open to anyone; throttled per address (seals/access.py); the file is read, never kept."""

from __future__ import annotations

import base64
import binascii

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from tongban.core.errors import DomainError
from tongban.seals.access import require_verify_allowed
from tongban.seals.errors import SealError, SealsError
from tongban.seals.pdf_verify import SignatureReport
from tongban.seals.sealing import document_verify

VERIFY_MAX_BYTES = 20 * 1024 * 1024


def verify_upload(upload, client: str) -> list[SignatureReport]:
    """The reports of an uploaded file (a Django ``UploadedFile``), after the throttle and the size check."""
    require_verify_allowed(client)
    _check_size(upload.size if upload is not None else 0)
    return document_verify(upload.read(VERIFY_MAX_BYTES + 1), max_bytes=VERIFY_MAX_BYTES)


def verify_base64(content_base64: str, client: str) -> list[SignatureReport]:
    """The reports of a file sent as Base64 (the API)."""
    require_verify_allowed(client)
    try:
        content = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SealsError(
            SealError.INVALID_BASE64, _("文件内容不是有效的 Base64"), status=422, field="content_base64"
        ) from exc
    _check_size(len(content), field="content_base64")
    return document_verify(content, max_bytes=VERIFY_MAX_BYTES)


def _check_size(size: int, field: str = "file") -> None:
    if not size:
        raise SealsError(SealError.DOCUMENT_REQUIRED, _("请选择要验证的 PDF 文件"), status=422, field=field)
    if size > VERIFY_MAX_BYTES:
        raise SealsError(
            SealError.DOCUMENT_TOO_LARGE,
            _("文件超过 %(mb)d MB，无法验证") % {"mb": VERIFY_MAX_BYTES // (1024 * 1024)},
            status=413,
            field=field,
            max_bytes=VERIFY_MAX_BYTES,
        )


@require_http_methods(["GET", "POST"])
def verify_page(request):
    context: dict = {"reports": None, "error": None, "filename": ""}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        context["filename"] = upload.name if upload else ""
        try:
            context["reports"] = verify_upload(upload, request.client_ip)
        except DomainError as exc:
            context["error"], status = exc.message, exc.status
    return render(request, "seals/verify.html", context, status=status)


def document_page(
    request, *, filename: str, pdf: bytes | None, back_url: str, back_label: str, download_url: str
):
    """The verification of a file the platform keeps (a sealed licence, a case's notice or decision), for
    whoever may download it: the same report as an upload gets, without uploading. ``pdf`` None: not sealed
    yet."""
    reports = document_verify(pdf, max_bytes=VERIFY_MAX_BYTES) if pdf is not None else None
    context = {
        "reports": reports,
        "filename": filename,
        "back_url": back_url,
        "back_label": back_label,
        "download_url": download_url,
    }
    return render(request, "seals/verify_document.html", context)


@login_required
@require_safe
def licence_verify_page(request, licence_uuid):
    """验章 of the holder's sealed licence file (the holder only, audited as a download)."""
    from tongban.licences.facade import licence_document_for_holder

    try:
        held = licence_document_for_holder(request.actor, licence_uuid)
    except DomainError as exc:
        raise Http404 from exc
    return document_page(
        request,
        filename=held.title,
        pdf=held.pdf,
        back_url=reverse("licences:licence", args=[held.licence_uuid]),
        back_label=held.title,
        download_url=reverse("licences:pdf", args=[held.licence_uuid]),
    )
