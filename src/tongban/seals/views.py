"""The PKI's public endpoints (certificates, CRLs, OCSP) and the seal pages (我的电子印章, the seal
authority's review)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from tongban.seals import pki
from tongban.seals.constants import KeyRole

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
