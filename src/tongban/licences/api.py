"""The licence library (电子证照库). Holders see their own licences and those of the enterprises they act
for; staff of the issuing department manage the status; departments' systems issue with an API key of scope
``licences:issue``; the issuers' public keys are public (JWKS). Anything else is 404."""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from tongban.accounts.facade import api_key_auth, client_organisation, session_auth
from tongban.core.errors import PermissionDenied
from tongban.core.pagination import BoundedLimitOffsetPagination
from tongban.core.schemas import responses
from tongban.licences import services
from tongban.licences.access import access_licence_for_holder, access_licence_for_issuer, card_bag
from tongban.licences.constants import STATUS_CHANGES
from tongban.licences.keys import jwks

router = Router(tags=["licences"])


class LicenceOut(Schema):
    uuid: UUID
    identifier: str
    type_code: str = Field(alias="type.code")
    type_name: str = Field(alias="type.name")
    number: str
    holder_kind: str
    holder_code_masked: str = Field(description="持证主体代码（公民身份号码脱敏）")
    holder_name: str
    issuer_name: str
    issuer_code: str
    issue_date: date
    valid_from: date
    valid_until: date | None
    status: str
    status_label: str
    version: int
    current: bool

    @staticmethod
    def resolve_status_label(licence) -> str:
        return str(licence.get_status_display())


class LicenceDetailOut(LicenceOut):
    face: dict
    face_titles: dict[str, str]
    previous: str | None
    kid: str
    signature: str
    status_reason: str
    status_changed_at: datetime | None

    @staticmethod
    def resolve_face_titles(licence) -> dict[str, str]:
        return dict(licence.type.face_fields)

    @staticmethod
    def resolve_previous(licence) -> str | None:
        return licence.previous.identifier if licence.previous_id else None


@router.get("/licences", response=responses({200: list[LicenceOut]}, 401), auth=session_auth)
@paginate(BoundedLimitOffsetPagination)
def licence_list(request):
    """The caller's card bag (卡包): their licences and those of the enterprises they act for, current
    versions first, newest first."""
    return card_bag(request.auth)


@router.get("/licences/jwks", response={200: dict}, auth=None)
def licence_jwks(request):
    """The issuers' public keys (RFC 7517), active and retired, to check licence signatures offline.
    Public; cacheable for an hour."""
    response = JsonResponse(jwks())
    response["Cache-Control"] = "public, max-age=3600"
    return response


@router.get(
    "/licences/{licence_uuid}", response=responses({200: LicenceDetailOut}, 401, 404), auth=session_auth
)
def licence_get(request, licence_uuid: UUID):
    """One licence of the caller's card bag with its face data and the issuer's signature (audited; 404
    for anyone else's)."""
    return access_licence_for_holder(actor=request.auth, licence_uuid=licence_uuid)


class IssueIn(Schema):
    type_code: str = Field(max_length=21)
    holder_code: str = Field(max_length=32, description="公民身份号码或统一社会信用代码（按证照类型）")
    holder_name: str = Field(max_length=200)
    face: dict
    number: str = Field(default="", max_length=64, description="证照编号；留空用流水号")
    issue_date: date | None = None
    valid_until: date | None = None
    item_code: str = Field(default="", max_length=64)
    area_code: str = Field(default="", max_length=6)


@router.post("/licences", response=responses({201: LicenceDetailOut}, 401, 403, 409), auth=api_key_auth)
def licence_issue(request, payload: IssueIn):
    """Issue a licence in the name of the calling client's department (API key with scope
    `licences:issue`; the department must be an issuer of the type and have a USCC). The holder code is
    checked (ID number or USCC check digit), the face data against the type's schema (422 `face_invalid`,
    every field listed); a holder who already has a valid licence of a single-instance type gets 409
    `licence_exists`."""
    issuer = client_organisation(request.auth, "licences:issue")
    if issuer is None:
        raise PermissionDenied("scope_missing", _("缺少权限范围 licences:issue"), scope="licences:issue")
    licence = services.licence_issue(
        actor=request.auth,
        type_code=payload.type_code,
        holder_code=payload.holder_code,
        holder_name=payload.holder_name,
        issuer_uuid=issuer.uuid,
        issuer_name=issuer.name,
        issuer_code=issuer.uscc,
        face=payload.face,
        number=payload.number,
        issue_date=payload.issue_date,
        valid_until=payload.valid_until,
        item_code=payload.item_code,
        area_code=payload.area_code,
    )
    return Status(201, licence)


class StatusIn(Schema):
    action: Literal[tuple(STATUS_CHANGES)]  # type: ignore[valid-type]
    reason: str = Field(max_length=500)


@router.post(
    "/staff/licences/{licence_uuid}/status",
    response=responses({200: LicenceDetailOut}, 401, 404, 409),
    auth=session_auth,
)
def licence_status(request, licence_uuid: UUID, payload: StatusIn):
    """Suspend, restore, withdraw, cancel or revoke a licence, with a reason (issuers — 发证人员 — of the issuing
    department; audited; the holder is told). A change the status does not allow answers 409."""
    licence = access_licence_for_issuer(actor=request.auth, licence_uuid=licence_uuid)
    return services.licence_change_status(
        actor=request.auth, licence=licence, action=payload.action, reason=payload.reason
    )
