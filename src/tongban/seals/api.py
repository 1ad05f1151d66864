"""The seal registry's API at /api/seals: a legal representative's seals, applications, authorisations and
uses; the seal authority's review and status changes; a seal's GB/T 38540 ``SESeal``, signing a document's
hash with it (``SES_Signature``) and verifying such a signature. A seal the caller may not see is 404."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from tongban.accounts.facade import session_auth
from tongban.core.schemas import file_answer, responses
from tongban.seals import selectors, services, seseal
from tongban.seals.access import (
    access_application,
    access_seal,
    access_seal_for_owner,
    require_ses_sign_allowed,
    require_verify_allowed,
)
from tongban.seals.constants import SealKind
from tongban.seals.errors import SealError, SealsError

router = Router(tags=["seals"])


class SealOut(Schema):
    uuid: UUID
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    owner_kind: str
    owner_name: str
    name_text: str
    status: str
    status_label: str = Field(alias="get_status_display")
    valid_from: datetime | None
    valid_until: datetime | None
    certificate_serial: str | None = Field(None, alias="certificate.serial")
    width_mm: float | None
    height_mm: float | None


class SealApplicationOut(Schema):
    uuid: UUID
    owner_kind: str
    owner_code: str
    owner_name: str
    kinds: list[str]
    status: str
    reason: str
    created_at: datetime
    decided_at: datetime | None


class SealApplyIn(Schema):
    uscc: str = Field(..., max_length=18, description="企业统一社会信用代码（申请人须为其法定代表人）")
    kinds: list[SealKind] = Field(..., max_length=6)


class SealReviewIn(Schema):
    approve: bool
    reason: str = Field("", max_length=500)


class SealReasonIn(Schema):
    reason: str = Field("", max_length=500)


class SealAuthoriseIn(Schema):
    id_number: str = Field(..., max_length=18)
    real_name: str = Field(..., max_length=50)


class SealAuthorisationOut(Schema):
    id: int
    person_name: str
    granted_by_label: str
    granted_at: datetime
    revoked_at: datetime | None


class SealUseIn(Schema):
    document_sha256: str = Field(..., max_length=64)
    purpose: str = Field(..., max_length=200)


class SealUseOut(Schema):
    actor_label: str
    document_sha256: str
    purpose: str
    at: datetime


@router.get("/seals", response=responses({200: list[SealOut]}, 401), auth=session_auth)
def seal_list(request):
    """The caller's seals (of the enterprises they represent, their own) and those authorised to them."""
    owned = list(selectors.seals_owned(request.actor))
    return owned + [s for s in selectors.seals_authorised(request.actor) if s not in owned]


@router.get("/seals/{uuid:seal_uuid}", response=responses({200: SealOut}, 401, 404), auth=session_auth)
def seal_get(request, seal_uuid: UUID):
    return access_seal(actor=request.actor, seal_uuid=seal_uuid)


@router.post(
    "/seals/applications", response=responses({201: SealApplicationOut}, 401, 403, 409), auth=session_auth
)
def seal_apply(request, payload: SealApplyIn):
    """An enterprise's legal representative (real-name L2+) applies for its seals."""
    application = services.seal_apply(actor=request.actor, uscc=payload.uscc, kinds=payload.kinds)
    return Status(201, application)


@router.get(
    "/seals/applications", response=responses({200: list[SealApplicationOut]}, 401), auth=session_auth
)
def application_list(request):
    """The caller's applications; every application for the seal authority."""
    return list(selectors.applications_visible(request.actor)[:200])


@router.post(
    "/seals/applications/{uuid:application_uuid}/review",
    response=responses({200: SealApplicationOut}, 401, 403, 404, 409),
    auth=session_auth,
)
def application_review(request, application_uuid: UUID, payload: SealReviewIn):
    """The seal authority approves (the seals are made) or rejects (with a reason)."""
    access_application(actor=request.actor, application_uuid=application_uuid)
    return services.seal_application_review(
        actor=request.actor, application_uuid=application_uuid, approve=payload.approve, reason=payload.reason
    )


_STATUS = responses({200: SealOut}, 401, 404, 409)


@router.post("/seals/{uuid:seal_uuid}/suspend", response=_STATUS, auth=session_auth)
def seal_suspend(request, seal_uuid: UUID, payload: SealReasonIn):
    """Suspend a seal (its owner or the seal authority), with a reason: its certificate is put on hold."""
    return services.seal_suspend(actor=request.actor, seal_uuid=seal_uuid, reason=payload.reason)


@router.post("/seals/{uuid:seal_uuid}/resume", response=_STATUS, auth=session_auth)
def seal_resume(request, seal_uuid: UUID, payload: SealReasonIn):
    """Resume a suspended seal (its owner or the seal authority)."""
    return services.seal_resume(actor=request.actor, seal_uuid=seal_uuid, reason=payload.reason)


@router.post("/seals/{uuid:seal_uuid}/revoke", response=_STATUS, auth=session_auth)
def seal_revoke(request, seal_uuid: UUID, payload: SealReasonIn):
    """Revoke a seal for good (its owner or the seal authority), with a reason: its certificate is revoked."""
    return services.seal_revoke(actor=request.actor, seal_uuid=seal_uuid, reason=payload.reason)


@router.get(
    "/seals/{uuid:seal_uuid}/authorisations",
    response=responses({200: list[SealAuthorisationOut]}, 401, 404),
    auth=session_auth,
)
def authorisation_list(request, seal_uuid: UUID):
    return selectors.seal_authorisations(access_seal_for_owner(actor=request.actor, seal_uuid=seal_uuid))


@router.post(
    "/seals/{uuid:seal_uuid}/authorisations",
    response=responses({201: SealAuthorisationOut}, 401, 403, 404, 409),
    auth=session_auth,
)
def authorisation_create(request, seal_uuid: UUID, payload: SealAuthoriseIn):
    """The owner lets a person (real-name L2+) use the seal."""
    grant = services.seal_authorise(
        actor=request.actor,
        seal_uuid=seal_uuid,
        grantee=services.Grantee(payload.id_number, payload.real_name),
    )
    return Status(201, grant)


@router.delete(
    "/seals/{uuid:seal_uuid}/authorisations/{int:authorisation_id}",
    response=responses({200: SealAuthorisationOut}, 401, 404),
    auth=session_auth,
)
def authorisation_delete(request, seal_uuid: UUID, authorisation_id: int):
    return services.seal_unauthorise(
        actor=request.actor, seal_uuid=seal_uuid, authorisation_id=authorisation_id
    )


@router.get(
    "/seals/{uuid:seal_uuid}/uses", response=responses({200: list[SealUseOut]}, 401, 404), auth=session_auth
)
def use_list(request, seal_uuid: UUID):
    """Every use of the seal (the owner's view)."""
    return selectors.seal_uses(access_seal_for_owner(actor=request.actor, seal_uuid=seal_uuid))


@router.post(
    "/seals/{uuid:seal_uuid}/uses",
    response=responses({201: SealUseOut}, 401, 403, 404, 409),
    auth=session_auth,
)
def use_record(request, seal_uuid: UUID, payload: SealUseIn):
    """Record a use (the owner or an authorised person, an active seal)."""
    use = services.seal_use_record(
        actor=request.actor,
        seal_uuid=seal_uuid,
        document_sha256=payload.document_sha256,
        purpose=payload.purpose,
    )
    return Status(201, use)


class SignatureReportOut(Schema):
    field_name: str | None
    signer: str | None
    signer_subject: str | None
    serial_number: str | None
    issuer: str | None
    intact: bool
    valid: bool
    trusted: bool
    revocation: str = Field(description="good | revoked | unknown, at the signing time")
    signing_time: datetime | None = Field(description="from the signature's timestamp (trusted TSA)")
    claimed_time: datetime | None
    level: str | None = Field(description="the PAdES level reached: B-B, B-T, B-LT, B-LTA")
    coverage: str | None
    modified_after: str | None = Field(description="none | allowed (DSS, timestamps) | disallowed")
    ok: bool
    reasons: list[str]
    messages: list[str]


class VerifyPdfIn(Schema):
    content_base64: str = Field(description="the PDF, Base64 (within the API's 5 MB request body)")


@router.post(
    "/seals/verify-pdf", response=responses({200: list[SignatureReportOut]}, 413, 422, 429), auth=None
)
def seal_verify_pdf(request, payload: VerifyPdfIn):
    """验章: every signature of a PDF (``content_base64``; the page /seals/verify/ takes files up to 20 MB) checked against the
    platform's root — intact, trusted, revocation at signing time, timestamp, PAdES level, changes after
    signing. Public, throttled per address; a broken or forged file is a report with its reasons, not an
    error. The file is not kept."""
    from tongban.seals.verify_views import verify_base64

    return [r.as_dict() for r in verify_base64(payload.content_base64, request.client_ip)]


# --- GB/T 38540: the SESeal, SES_Signature (docs/domain/seals-gbt38540.md §5) ---------------------------------
@router.get(
    "/seals/{uuid:seal_uuid}/seseal",
    response=responses({}, 401, 404, 409),
    auth=session_auth,
    openapi_extra=file_answer("application/octet-stream", "The seal's DER SESeal (attachment)", binary=True),
)
def seal_seseal(request, seal_uuid: UUID):
    """The seal's GB/T 38540 ``SESeal`` (DER), signed by the platform's SM2 seal maker: for whoever may see
    the seal (its owner, an authorised person, the seal authority); made now for a live seal made before
    it existed (``409 seal_not_active`` for a revoked or expired one without it)."""
    from tongban.seals.views import seseal_response

    seal = seseal.seseal_ensure(access_seal(actor=request.actor, seal_uuid=seal_uuid), actor=request.actor)
    return seseal_response(seal)


class SesSignIn(Schema):
    document_sha256: str = Field(..., max_length=64, description="the document's SHA-256, 64 hex digits")
    purpose: str = Field(..., max_length=200, description="用章事由, recorded with the use")


class SesSignOut(Schema):
    seal_uuid: UUID
    document_sha256: str
    signed_at: datetime
    signature_base64: str = Field(description="the DER SES_Signature, Base64")


@router.post(
    "/seals/{uuid:seal_uuid}/ses-sign",
    response=responses({201: SesSignOut}, 401, 403, 404, 409, 429),
    auth=session_auth,
)
def seal_ses_sign(request, seal_uuid: UUID, payload: SesSignIn):
    """A GB/T 38540 ``SES_Signature`` of a document, by its SHA-256 (the signed data is the hash's 32
    bytes: ``dataHash`` = SM3(SHA-256(document))), made with the seal's SESeal and its holder's SM2 key:
    for the seal's owner or an authorised person while the seal is active; recorded as a use. At most 200
    signatures per seal an hour (429 past them: ADR 0010)."""
    require_ses_sign_allowed(seal_uuid)
    signed = services.seal_ses_sign(
        actor=request.actor,
        seal_uuid=seal_uuid,
        document_sha256=payload.document_sha256,
        purpose=payload.purpose,
    )
    return Status(
        201,
        {
            "seal_uuid": signed.use.seal.uuid,
            "document_sha256": signed.use.document_sha256,
            "signed_at": signed.use.at.replace(microsecond=0),
            "signature_base64": base64.b64encode(signed.signature_der).decode("ascii"),
        },
    )


SES_MAX_BYTES = 1024 * 1024  # a signature carries its seal's picture; ours are a few tens of KB
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


class SesVerifyIn(Schema):
    signature_base64: str = Field(..., description="the DER SES_Signature, Base64 (at most 1 MB decoded)")
    document_sha256: str = Field(..., max_length=64, description="the document's SHA-256, 64 hex digits")


class SesVerifyOut(Schema):
    valid: bool
    reason: str | None = Field(
        description="why not valid: a GB/T 38540 check (docs/api.md) or seal_not_active"
    )
    message: str
    seal_uuid: UUID | None
    es_id: str | None
    seal_name: str | None
    seal_type: int | None = Field(description="1 an organisation's seal, 2 a person's")
    seal_status: str | None = Field(description="the seal's status in the registry now")
    valid_start: datetime | None
    valid_end: datetime | None
    signer: str | None
    signed_at: datetime | None
    property_info: str | None
    maker: str | None
    maker_trusted: bool
    recorded: bool = Field(description="the registry logged this signing as a use of the seal")


@router.post("/seals/ses-verify", response=responses({200: SesVerifyOut}, 413, 422, 429), auth=None)
def seal_ses_verify(request, payload: SesVerifyIn):
    """Verify a GB/T 38540 ``SES_Signature`` against a document's SHA-256: the signer's SM2 signature, the
    seal inside it (made by the platform's SM2 seal maker, valid at the signing time), the signer listed in
    the seal, the document's hash, and that the seal was in use in the registry when it was signed. Public,
    throttled per address like verify-pdf; a broken, forged or foreign signature is ``valid: false`` with
    its ``reason``, not an error."""
    require_verify_allowed(request.client_ip)
    digest = payload.document_sha256.strip()
    if not _SHA256.match(digest):
        raise SealsError(
            SealError.INVALID_DOCUMENT_HASH,
            _("文件摘要须为 64 位十六进制 SHA-256"),
            status=422,
            field="document_sha256",
        )
    if len(payload.signature_base64) > SES_MAX_BYTES * 4 // 3 + 4:
        raise SealsError(
            SealError.DOCUMENT_TOO_LARGE,
            _("电子签章数据超过 1 MB"),
            status=413,
            field="signature_base64",
            max_bytes=SES_MAX_BYTES,
        )
    try:
        der = base64.b64decode(payload.signature_base64.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SealsError(
            SealError.INVALID_BASE64,
            _("电子签章数据不是有效的 Base64"),
            status=422,
            field="signature_base64",
        ) from exc
    if not der:
        raise SealsError(
            SealError.DOCUMENT_REQUIRED, _("请提供电子签章数据"), status=422, field="signature_base64"
        )
    return seseal.ses_verify(der, digest.lower()).as_dict()
