"""The licence library (电子证照库). Holders see their own licences and those of the enterprises they act
for; staff of the issuing department manage the status; departments' systems issue with an API key of scope
``licences:issue``; the issuers' public keys are public (JWKS). Anything else is 404."""

import json
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from uuid import UUID

from django.http import JsonResponse, QueryDict
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from ninja.responses import Response as NinjaResponse

from tongban.accounts.facade import api_key_auth, client_organisation, oidc_token_response, session_auth
from tongban.core.errors import PermissionDenied
from tongban.core.pagination import BoundedLimitOffsetPagination
from tongban.core.schemas import file_answer, responses
from tongban.licences import services, share
from tongban.licences.access import access_licence_for_holder, access_licence_for_issuer, card_bag
from tongban.licences.constants import STATUS_CHANGES
from tongban.licences.errors import LicenceError
from tongban.licences.foreign import ForeignShown, verify_shown_anywhere
from tongban.licences.keys import jwks
from tongban.licences.show import make_show_token
from tongban.licences.status_lists import status_list_token, status_list_uri
from tongban.licences.verifiers import require_verifier, verifier_auth

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
    return card_bag(request.actor)


@router.get("/licences/jwks", response={200: dict}, auth=None)
def licence_jwks(request):
    """Every public key of the platform (RFC 7517), active and retired: the issuing departments' (licence
    signatures, SD-JWT VCs) and the platform's own (亮证 tokens, Token Status Lists). To tie an SD-JWT VC's key
    to its issuer, use the issuer's metadata, `/.well-known/jwt-vc-issuer/issuers/{uuid}`. Public; cacheable
    for an hour."""
    response = JsonResponse(jwks())
    response["Cache-Control"] = "public, max-age=3600"
    return response


@router.get(
    "/licences/{uuid:licence_uuid}", response=responses({200: LicenceDetailOut}, 401, 404), auth=session_auth
)
def licence_get(request, licence_uuid: UUID):
    """One licence of the caller's card bag with its face data and the issuer's signature (audited; 404
    for anyone else's)."""
    return access_licence_for_holder(actor=request.actor, licence_uuid=licence_uuid)


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
    issuer = client_organisation(request.actor, "licences:issue")
    if issuer is None:
        raise PermissionDenied(
            LicenceError.SCOPE_MISSING, _("缺少权限范围 licences:issue"), scope="licences:issue"
        )
    licence = services.licence_issue(
        actor=request.actor,
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
    licence = access_licence_for_issuer(actor=request.actor, licence_uuid=licence_uuid)
    return services.licence_change_status(
        actor=request.actor, licence=licence, action=payload.action, reason=payload.reason
    )


# --- 亮证 and 用证 -----------------------------------------------------------------------------------------
class ShowIn(Schema):
    scene: str = Field(
        max_length=20, description="亮证场景：hotel, internet_cafe, roadside, window, department"
    )


class ShowOut(Schema):
    token: str = Field(description="二维码承载的亮证码（ES256 签名，一次有效）")
    expires_at: datetime
    scene: str
    fields: list[str] = Field(description="此场景展示的照面字段")
    valid: bool = Field(description="证照当前有效：二维码为黑色；否则为红色")


@router.post("/licences/{licence_uuid}/show", response=responses({200: ShowOut}, 401, 404), auth=session_auth)
def licence_show(request, licence_uuid: UUID, payload: ShowIn):
    """A 亮证 token for one of the caller's licences in a scene: signed by the platform, bound to the licence,
    the scene and the scene's field mask, valid for `TONGBAN_SHOW_TOKEN_SECONDS` (60 s) and once (audited;
    422 `scene_not_allowed` when the licence's type is not shown in that scene)."""
    licence = access_licence_for_holder(actor=request.actor, licence_uuid=licence_uuid, action="licence.show")
    shown = make_show_token(licence, payload.scene)
    return {
        "token": shown.token,
        "expires_at": datetime.fromtimestamp(shown.expires_at, tz=UTC),
        "scene": shown.scene,
        "fields": shown.fields,
        "valid": shown.valid,
    }


class VerifyIn(Schema):
    token: str = Field(max_length=2048)
    cause: str = Field(max_length=1000, description="用证事由（必填，不超过200字）")


class VerifiedLicenceOut(Schema):
    type_code: str
    type_name: str
    status: str
    status_label: str
    valid_until: date | None


class VerifyMemberOut(Schema):
    code: str = Field(description="签发亮证码的长三角成员代码")
    name: str
    local_type_code: str = Field(description="本地互认的证照类型代码（不在互认清单上则为空）")
    local_type_name: str


class VerifyOut(Schema):
    result: str = Field(description="valid")
    scene: str
    licence: VerifiedLicenceOut
    fields: dict = Field(description="此场景允许的照面字段，且只有这些")
    field_titles: dict[str, str]
    verified_at: datetime
    member: VerifyMemberOut | None = Field(
        default=None, description="另一个长三角成员的亮证码：由该成员核验（证照互认）；本平台的为空"
    )


@router.post(
    "/licences/verify",
    response=responses({200: VerifyOut}, 400, 401, 403, 409),
    auth=[verifier_auth, session_auth],
)
def licence_verify(request, payload: VerifyIn):
    """Verify a shown licence (registered verifiers with their API key or OAuth2 access token; window staff
    for scene `window`, department staff for scene `department`). Checks the signature, expiry, single use,
    the licence's status and validity dates and the verifier's scene permission, then answers only the
    scene's fields; every use is recorded and shown to the holder. Refusals: 400 `token_invalid` /
    `token_expired`, 403 `scene_not_permitted` / `not_a_verifier`, 409 `token_used` / `licence_not_valid` /
    `licence_out_of_validity`, 422 `cause_required`. A token of another member of the region (长三角 licence
    recognition) is verified by that member: `member` names it and the type it is recognised as here."""
    who = require_verifier(request.auth, request.actor)
    done = verify_shown_anywhere(who=who, token=payload.token, cause=payload.cause)
    if isinstance(done, ForeignShown):
        return NinjaResponse(_foreign_answer(done))
    licence = done.licence
    # Rendered as the API renders (NinjaJSONEncoder), without validating our own answer against VerifyOut
    # on every verification; tests/test_api_schema.py checks that it matches the schema.
    return NinjaResponse(
        {
            "result": "valid",
            "scene": done.scene,
            "licence": {
                "type_code": licence.type.code,
                "type_name": licence.type.name,
                "status": str(licence.status),
                "status_label": str(licence.get_status_display()),
                "valid_until": licence.valid_until,
            },
            "fields": done.fields,
            "field_titles": done.field_titles,
            "verified_at": done.at,
            "member": None,
        }
    )


_OAUTH_MESSAGES = {
    "invalid_client": _("客户端凭证无效"),
    "unsupported_grant_type": _("只支持 client_credentials"),
}


def _foreign_answer(done: ForeignShown) -> dict:
    return {
        "result": "valid",
        "scene": done.scene,
        "licence": {
            "type_code": done.type_code,
            "type_name": done.type_name,
            "status": done.status,
            "status_label": done.status_label,
            "valid_until": done.valid_until,
        },
        "fields": done.fields,
        "field_titles": done.field_titles,
        "verified_at": done.at,
        "member": {
            "code": done.member_code,
            "name": done.member_name,
            "local_type_code": done.local_type_code,
            "local_type_name": done.local_type_name,
        },
    }


@router.post("/licences/oauth/token", response={200: dict, 400: dict, 401: dict}, auth=None)
def licence_oauth_token(request):
    """OAuth2 client credentials for verifiers (RFC 6749 §4.4), the older URL of the platform's token endpoint
    `/o/token/`: `grant_type=client_credentials` with the key id as `client_id` and the secret as
    `client_secret` (form fields, JSON or HTTP Basic). The access token lasts 10 minutes and is used as
    `Authorization: Bearer …` on `/api/licences/verify`. Errors carry the OAuth2 `error` and the API's
    `code`, `message` and `details`."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            data = {}
        form = QueryDict(mutable=True)
        for name, value in (data if isinstance(data, dict) else {}).items():
            if isinstance(value, str):
                form[name] = value
        request.POST = form  # the token endpoint reads the form
    if request.POST.get("grant_type") != "client_credentials":
        response = JsonResponse({"error": "unsupported_grant_type"}, status=400)
    else:
        response = oidc_token_response(request)
    if response.status_code >= 400:
        try:
            body = json.loads(response.content or b"{}")
        except ValueError:
            body = {}
        error = str(body.get("error") or "invalid_request")
        message = _OAUTH_MESSAGES.get(error, _("令牌请求无效"))
        answer = JsonResponse(
            {**body, "error": error, "code": error, "message": str(message), "details": {}},
            status=response.status_code,
        )
        if response.has_header("WWW-Authenticate"):
            answer["WWW-Authenticate"] = response["WWW-Authenticate"]
        answer["Cache-Control"] = "no-store"
        return answer
    return response


@router.get(
    "/licences/status-lists/{list_id}",
    response=responses({}, 404),
    auth=None,
    openapi_extra=file_answer("application/statuslist+jwt", "A Status List Token (JWT, typ statuslist+jwt)"),
)
def licence_status_list(request, list_id: int):
    """A Token Status List (IETF draft-ietf-oauth-status-list) as a signed `statuslist+jwt`: 2 bits per
    licence (0 valid, 1 invalid, 2 suspended) at the random index given in its SD-JWT VC; `sub` is the list's
    URI as the SD-JWT VC gives it (built from `TONGBAN_PUBLIC_BASE_URL`). Public; cacheable for 5 minutes."""
    from django.conf import settings
    from django.http import HttpResponse

    from tongban.core.errors import NotFound

    if not 0 <= list_id < settings.TONGBAN_STATUS_LIST_COUNT:
        raise NotFound(LicenceError.STATUS_LIST_NOT_FOUND, _("没有这个状态列表"))
    response = HttpResponse(status_list_token(list_id), content_type="application/statuslist+jwt")
    response["Cache-Control"] = "public, max-age=300"
    return response


# --- the licence as a PDF file and as an SD-JWT VC ------------------------------------------------------------
@router.get(
    "/licences/{licence_uuid}/pdf",
    response=responses({}, 401, 404),
    auth=session_auth,
    openapi_extra=file_answer("application/pdf", "The licence as a PDF file (attachment)", binary=True),
)
def licence_download_pdf(request, licence_uuid: UUID):
    """The caller's licence as an A4 PDF: type, face data, holder (ID number masked), number, identifier,
    issuer, dates, status, version and a QR code with the identifier (no seal yet). The holder only (404 for
    anyone else); audited as `licence.download_pdf`; `Cache-Control: no-store`."""
    from tongban.licences.pdf import licence_pdf_response

    licence = access_licence_for_holder(
        actor=request.actor, licence_uuid=licence_uuid, action="licence.download_pdf"
    )
    return licence_pdf_response(licence)


class SdJwtIn(Schema):
    holder_jwk: dict | None = Field(
        default=None,
        description="持有人公钥：EC P-256 公钥 JWK（kty、crv、x、y）；给出时凭证与该密钥绑定（cnf）",
    )


@router.post(
    "/licences/{licence_uuid}/sd-jwt",
    response=responses({}, 401, 404, 409),
    auth=session_auth,
    openapi_extra=file_answer("application/dc+sd-jwt", "The licence as an SD-JWT VC, compact serialisation"),
)
def licence_export_sd_jwt(request, licence_uuid: UUID, payload: SdJwtIn):
    """The caller's licence as an SD-JWT VC (RFC 9901, `application/dc+sd-jwt`, `typ: dc+sd-jwt`, ES256 by
    the issuing department's key; `iss` is the department's issuer URL, `<TONGBAN_PUBLIC_BASE_URL>/issuers/
    <uuid>`, whose keys are at `/.well-known/jwt-vc-issuer/issuers/<uuid>`): every face field and the identifier, number, type
    name, holder name, issuer name and issue date selectively disclosable; bound to `holder_jwk` (`cnf`)
    when given. A JWK with private members answers 422 `holder_jwk_private`, one that is not an EC P-256
    public key 422 `holder_jwk_invalid`; a licence not in force (status 01, current version, within its
    dates) 409 `licence_not_exportable`. The holder only (404 for anyone else); audited as
    `licence.export_sd_jwt`; `Cache-Control: no-store`."""
    from django.http import HttpResponse

    from tongban.licences.credentials import MEDIA_TYPE, holder_jwk_check, licence_sd_jwt

    holder_jwk = holder_jwk_check(payload.holder_jwk) if payload.holder_jwk is not None else None
    licence = access_licence_for_holder(
        actor=request.actor, licence_uuid=licence_uuid, action="licence.export_sd_jwt"
    )
    token = licence_sd_jwt(
        licence,
        holder_jwk=holder_jwk,
        status_list_uri=status_list_uri,
    )
    response = HttpResponse(token, content_type=MEDIA_TYPE)
    response["Cache-Control"] = "no-store"
    return response


# --- sharing interface for departments' systems (GB/T 36906 style) ------------------------------------------
class ShareQueryIn(Schema):
    holder_code: str = Field(max_length=32, description="持证主体代码")
    holder_type_code: str = Field(
        max_length=3, description="持证主体代码类型代码：111 公民身份号码，001 统一社会信用代码"
    )
    type_code: str = Field(max_length=21, description="证照类型代码")
    use_cause: str = Field(max_length=1000, description="申请事由（必填，不超过200字）")


class SharedLicenceOut(Schema):
    identifier: str
    type_code: str
    type_name: str
    number: str
    holder_name: str
    holder_code_masked: str
    issuer_name: str
    issuer_code: str
    issue_date: date
    valid_from: date
    valid_until: date | None
    status: str
    face: dict
    face_titles: dict[str, str]
    download_url: str = Field(description="临时下载链接（10分钟内有效），文件带申请事由水印")
    download_expires_at: datetime


@router.post(
    "/licences/share/query",
    response=responses({200: list[SharedLicenceOut]}, 401, 403, 404),
    auth=api_key_auth,
)
def licence_share_query(request, payload: ShareQueryIn):
    """Query a holder's current valid licences of one type (API key with scope `licences:share`, and a grant
    for the type: 403 `no_permission` otherwise). The use cause is required (≤ 200 characters) and recorded
    with every licence answered, which the holder sees. 404 `licence_not_found` when there is none; 422
    `invalid_holder_type` for a holder code type other than 111 or 001."""
    shared = share.share_query(
        actor=request.actor,
        holder_code=payload.holder_code,
        holder_type_code=payload.holder_type_code,
        type_code=payload.type_code,
        use_cause=payload.use_cause,
    )
    expires = datetime.now(tz=UTC) + timedelta(seconds=share.LINK_SECONDS)
    return [
        {
            "identifier": s.licence.identifier,
            "type_code": s.licence.type.code,
            "type_name": s.licence.type.name,
            "number": s.licence.number,
            "holder_name": s.licence.holder_name,
            "holder_code_masked": s.licence.holder_code_masked,
            "issuer_name": s.licence.issuer_name,
            "issuer_code": s.licence.issuer_code,
            "issue_date": s.licence.issue_date,
            "valid_from": s.licence.valid_from,
            "valid_until": s.licence.valid_until,
            "status": s.licence.status,
            "face": s.licence.face,
            "face_titles": dict(s.licence.type.face_fields),
            "download_url": request.build_absolute_uri(f"/api/licences/share/files/{s.link_token}"),
            "download_expires_at": expires,
        }
        for s in shared
    ]


@router.get(
    "/licences/share/files/{link}",
    response=responses({}, 404),
    auth=None,
    openapi_extra=file_answer(
        "application/pdf", "The licence as a PDF file, watermarked with the use cause", binary=True
    ),
)
def licence_share_file(request, link: str):
    """A temporary download link from a share query (10 minutes): the licence as PDF, watermarked on every
    page with the department and the use cause (audited; 404 `link_expired` once expired or altered)."""
    from django.http import HttpResponse

    from tongban.licences.pdf import content_disposition, licence_pdf

    licence, by, cause = share.share_download(link)
    response = HttpResponse(licence_pdf(licence, watermark=f"{by} · {cause}"), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(licence)
    response["Cache-Control"] = "private, no-store"
    return response
