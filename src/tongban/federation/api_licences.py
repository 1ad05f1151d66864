"""长三角 licence mutual recognition (`/api/federation/licences/…`, docs/domain/federation.md §4): a verifier of
this member checks another member's SD-JWT VC; another member asks this one to verify one of its 亮证 tokens.
(A 亮证 token of another member is also taken by `/api/licences/verify` and the page `/verify/`.)"""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Router, Schema

from tongban.accounts.facade import session_auth
from tongban.core.schemas import responses
from tongban.federation.access import access_member, require_licence_verifier
from tongban.federation.recognition import credential_verify, verify_shown_for
from tongban.licences.facade import verifier_auth

router = Router(tags=["federation 长三角一网通办"])


class CredentialIn(Schema):
    credential: str = Field(
        max_length=100_000, description="另一成员签发的 SD-JWT VC（出示形式：<JWT>~<披露>~…~[<KB-JWT>]）"
    )
    audience: str = Field(
        default="", max_length=500, description="持有人绑定签名 (KB-JWT) 的 aud；默认本成员的公开地址"
    )
    nonce: str | None = Field(default=None, max_length=200, description="给出时 KB-JWT 的 nonce 必须相同")


class CredentialMemberOut(Schema):
    code: str
    name: str


class CredentialTypeOut(Schema):
    partner_type_code: str
    partner_type_name: str
    local_type_code: str = Field(description="本地互认的证照类型（不在互认清单上则为空）")
    local_type_name: str


class CredentialStatusOut(Schema):
    status: str = Field(description="valid, invalid, suspended; none: no status claim; unchecked")
    source: str = Field(description="fresh, cache, offline (the member unreachable: the cached list)")
    fetched_at: datetime | None


class CredentialCheckOut(Schema):
    result: str = Field(description="valid | invalid")
    reason: str = Field(description="invalid: not_yet_valid, expired, revoked, suspended")
    member: CredentialMemberOut
    licence_type: CredentialTypeOut
    valid_until: date | None
    status: CredentialStatusOut
    disclosed: dict = Field(description="持有人披露的字段（照面信息在 face 内）")


@router.post(
    "/federation/licences/verify-credential",
    response=responses({200: CredentialCheckOut}, 400, 401, 403, 409, 503),
    auth=[verifier_auth(), session_auth],
)
def federation_verify_credential(request, payload: CredentialIn):
    """Check an SD-JWT VC issued by another member of the region (registered verifiers and staff, as
    `/api/licences/verify`): its key from the trust list, its disclosures, dates, key binding and status
    (the member's status list, cached; usable offline for `TONGBAN_FEDERATION_OFFLINE_HOURS`). Answers
    valid or invalid with the reason; refusals `credential_*`, 409 `federation_status_list_invalid`, 503
    `federation_status_unavailable`. Audited."""
    who = require_licence_verifier(request)
    check = credential_verify(
        actor=request.actor,
        who=who,
        credential=payload.credential,
        audience=payload.audience,
        nonce=payload.nonce,
    )
    return {
        "result": "valid" if check.valid else "invalid",
        "reason": check.reason,
        "member": {"code": check.member.code, "name": check.member.name},
        "licence_type": {
            "partner_type_code": check.partner_type_code,
            "partner_type_name": check.partner_type_name,
            "local_type_code": check.local.local_type_code if check.local else "",
            "local_type_name": check.local.local_type_name if check.local else "",
        },
        "valid_until": check.valid_until,
        "status": {
            "status": check.status,
            "source": check.status_source,
            "fetched_at": check.status_fetched_at,
        },
        "disclosed": check.disclosed,
    }


class ShownVerifierIn(Schema):
    uuid: str = Field(max_length=64)
    name: str = Field(max_length=200)
    kind: str = Field(default="", max_length=20)


class ShownForMemberIn(Schema):
    token: str = Field(max_length=2048)
    cause: str = Field(max_length=1000)
    scene: str = Field(max_length=20)
    verifier: ShownVerifierIn


class ShownLicenceOut(Schema):
    type_code: str
    type_name: str
    status: str
    status_label: str
    valid_until: date | None


class ShownForMemberOut(Schema):
    result: str
    scene: str
    licence: ShownLicenceOut
    fields: dict
    field_titles: dict[str, str]
    verified_at: datetime


@router.post(
    "/federation/licences/verify-shown",
    response=responses({200: ShownForMemberOut}, 400, 401, 403, 409),
    auth=None,
)
def federation_verify_shown(request, payload: ShownForMemberIn):
    """Verify one of this member's 亮证 tokens for a verifier of the calling member (a signed request,
    `Authorization: TongbanMember <JWS>`; the caller vouches for its verifier's permission in the scene). The
    checks and single use of `/api/licences/verify`; the use is recorded as by "<member> · <verifier>" and
    shown to the holder. Refusals as there (`token_*`, `licence_*`, `scene_not_permitted`)."""
    member = access_member(request)
    return verify_shown_for(member, payload.dict())
