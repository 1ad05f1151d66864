"""The PKI's public endpoints (certificates, CRLs, OCSP) and the seal pages (我的电子印章, the seal
authority's review)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from tongban.core.errors import DomainError
from tongban.seals import pki, selectors, services, seseal
from tongban.seals.access import (
    access_seal,
    is_owner,
    is_seal_authority,
    represented_enterprises,
    require_seal_authority,
)
from tongban.seals.constants import ENTERPRISE_KINDS, KeyRole, SealKind, SealStatus
from tongban.seals.errors import SealNotFound, SealsError

OCSP_MAX_BYTES = 16 * 1024


def _der(body: bytes, content_type: str, filename: str, *, max_age: int = 3600) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


# --- certificates and CRLs ---------------------------------------------------------------------------------
@require_safe
def root_certificate(request):
    cert = pki.key_certificate(pki.root_ca())
    return _der(pki.certificate_der(cert), "application/pkix-cert", "tongban-root.crt", max_age=86400)


@require_safe
def issuing_certificate(request):
    cert = pki.key_certificate(pki.issuing_ca())
    return _der(pki.certificate_der(cert), "application/pkix-cert", "tongban-issuing.crt", max_age=86400)


@require_safe
def sm2_maker_certificate(request):
    """The SM2 seal maker's certificate (制章者证书, GB/T 38540): what signs every seal's SESeal."""
    return _der(seseal.sm2_maker_certificate_der(), "application/pkix-cert", "tongban-sm2-maker.crt")


@require_safe
def sm2_root_certificate(request):
    """The SM2 maker root: the trust anchor of the platform's SESeals."""
    return _der(
        seseal.sm2_root_certificate_der(), "application/pkix-cert", "tongban-sm2-root.crt", max_age=86400
    )


def _ca(ca_id: int):
    ca = pki.ca_by_id(ca_id)
    if ca is None:
        raise Http404
    return ca


@require_safe
def ca_certificate(request, ca_id: int):
    cert = pki.key_certificate(_ca(ca_id))
    return _der(pki.certificate_der(cert), "application/pkix-cert", f"tongban-ca-{ca_id}.crt", max_age=86400)


@require_safe
def root_crl(request):
    return _der(pki.crl_der(pki.root_ca()), "application/pkix-crl", "tongban-root.crl", max_age=300)


@require_safe
def issuing_crl(request):
    return _der(pki.crl_der(), "application/pkix-crl", "tongban-issuing.crl", max_age=300)


@require_safe
def ca_crl(request, ca_id: int):
    ca = _ca(ca_id)
    name = "tongban-root.crl" if ca.role == KeyRole.ROOT else f"tongban-ca-{ca_id}.crl"
    return _der(pki.crl_der(ca), "application/pkix-crl", name, max_age=300)


# --- OCSP (RFC 6960: POST, and GET with the request in base64 in the path, A.1) ----------------------------------
def _ocsp_answer(request_der: bytes) -> HttpResponse:
    response = HttpResponse(pki.ocsp_respond(request_der), content_type="application/ocsp-response")
    response["Cache-Control"] = "no-cache"
    return response


@csrf_exempt
@require_http_methods(["POST"])
def ocsp_post(request):
    body = request.body[: OCSP_MAX_BYTES + 1]
    if len(body) > OCSP_MAX_BYTES:
        body = b""  # answered malformedRequest
    return _ocsp_answer(body)


@require_safe
def ocsp_get(request, encoded: str):
    try:
        der = base64.b64decode(unquote(encoded)[: OCSP_MAX_BYTES * 2], validate=False)
    except (binascii.Error, ValueError):
        der = b""
    return _ocsp_answer(der)


# --- pages: 我的电子印章 and the seal authority's review ---------------------------------------------------------
STATUS_COLOURS = {
    SealStatus.ACTIVE: "green",
    SealStatus.SUSPENDED: "yellow",
    SealStatus.PENDING: "yellow",
    SealStatus.REVOKED: "red",
    SealStatus.EXPIRED: "red",
}
APPLY_KINDS = [(k.value, k.label) for k in SealKind if k in ENTERPRISE_KINDS]


def _colour(seals):
    for seal in seals:
        seal.colour = STATUS_COLOURS.get(seal.status, "")
    return seals


@login_required
@require_http_methods(["GET", "POST"])
def my_seals_page(request):
    """我的电子印章: the seals of the enterprises the caller represents and their own, those authorised to
    them, their applications; and the form to apply."""
    actor = request.actor
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("personal"):
                services.seal_apply_personal(actor=actor)
            else:
                services.seal_apply(
                    actor=actor, uscc=request.POST.get("uscc", ""), kinds=request.POST.getlist("kinds")
                )
            messages.success(request, _("申请已提交，请等待印章管理部门审核。"))
            return redirect("seals:mine")
        except DomainError as exc:
            error = exc
    ctx = {
        "error": error,
        "owned": _colour(list(selectors.seals_owned(actor))),
        "authorised": _colour(list(selectors.seals_authorised(actor))),
        "applications": list(
            selectors.applications_visible(actor).filter(applicant_user_id=actor.user_id)[:50]
        ),
        "enterprises": represented_enterprises(actor),
        "kinds": APPLY_KINDS,
        "values": request.POST,
        "is_authority": is_seal_authority(actor),
    }
    return render(request, "seals/mine.html", ctx, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def seal_page(request, seal_uuid):
    """One seal: its facts and history; for its owner the authorised persons and the uses; the status
    changes for the owner and the seal authority."""
    actor = request.actor
    try:
        seal = access_seal(actor=actor, seal_uuid=seal_uuid)
    except SealNotFound as exc:
        raise Http404 from exc
    owner = is_owner(actor, seal)
    manages = owner or is_seal_authority(actor)
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "")
        try:
            if action == "authorise" and owner:
                services.seal_authorise(
                    actor=actor,
                    seal_uuid=seal.uuid,
                    grantee=services.Grantee(
                        request.POST.get("id_number", ""), request.POST.get("real_name", "")
                    ),
                )
            elif action == "unauthorise" and owner:
                grant = request.POST.get("authorisation", "")
                if not grant.isdigit():
                    raise Http404
                services.seal_unauthorise(actor=actor, seal_uuid=seal.uuid, authorisation_id=int(grant))
            elif action == "suspend" and manages:
                services.seal_suspend(actor=actor, seal_uuid=seal.uuid, reason=reason)
            elif action == "resume" and manages:
                services.seal_resume(actor=actor, seal_uuid=seal.uuid, reason=reason)
            elif action == "revoke" and manages:
                services.seal_revoke(actor=actor, seal_uuid=seal.uuid, reason=reason)
            else:
                raise PermissionDenied
            messages.success(request, _("已办理。"))
            return redirect("seals:seal", seal_uuid=seal.uuid)
        except DomainError as exc:
            error = exc
        seal.refresh_from_db()
    seal.colour = STATUS_COLOURS.get(seal.status, "")
    ctx = {
        "seal": seal,
        "owner": owner,
        "manages": manages,
        "error": error,
        "history": selectors.seal_history(seal),
        "authorisations": selectors.seal_authorisations(seal) if owner else [],
        "uses": selectors.seal_uses(seal, 100) if owner else [],
        "values": request.POST,
    }
    return render(request, "seals/seal.html", ctx, status=400 if error else 200)


@login_required
@require_safe
def seal_image(request, seal_uuid):
    """The seal's image (PNG) for whoever may see the seal; 404 otherwise or when it has none."""
    try:
        seal = access_seal(actor=request.actor, seal_uuid=seal_uuid)
    except SealNotFound as exc:
        raise Http404 from exc
    if not seal.image_png:
        raise Http404
    response = HttpResponse(bytes(seal.image_png), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_safe
def seal_seseal(request, seal_uuid):
    """The seal's GB/T 38540 SESeal (DER, attachment), as ``GET /api/seals/{uuid}/seseal`` gives it: for
    whoever may see the seal; 404 otherwise, 409 for a revoked or expired seal without one."""
    try:
        seal = access_seal(actor=request.actor, seal_uuid=seal_uuid)
        seal = seseal.seseal_ensure(seal, actor=request.actor)
    except SealNotFound as exc:
        raise Http404 from exc
    except SealsError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    return seseal_response(seal)


def seseal_response(seal) -> HttpResponse:
    response = HttpResponse(bytes(seal.seseal_der or b""), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="seal-{seal.uuid}.esl"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def review_page(request):
    """The seal authority's review: submitted applications, oldest first, each approved or rejected."""
    actor = request.actor
    try:
        require_seal_authority(actor)
    except SealsError as exc:
        raise PermissionDenied from exc
    error = None
    if request.method == "POST":
        try:
            services.seal_application_review(
                actor=actor,
                application_uuid=request.POST.get("application", ""),
                approve=request.POST.get("decision") == "approve",
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("审核完成。"))
            return redirect("seals:review")
        except DomainError as exc:
            error = exc
    ctx = {
        "error": error,
        "pending": list(selectors.applications_to_review(actor)[:100]),
        "kind_labels": dict(SealKind.choices),
    }
    return render(request, "seals/review.html", ctx, status=400 if error else 200)
