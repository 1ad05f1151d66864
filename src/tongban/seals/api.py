"""The seal registry's API at /api/seals: a legal representative's seals, applications, authorisations and
uses; the seal authority's review and status changes. A seal the caller may not see is 404."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Router, Schema, Status

from tongban.accounts.facade import session_auth
from tongban.core.schemas import responses
from tongban.seals import selectors, services
from tongban.seals.access import access_application, access_seal, access_seal_for_owner
from tongban.seals.constants import SealKind

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
