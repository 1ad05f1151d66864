"""用证: the verification of a shown licence. It checks the token (signature, expiry), the verifier's scene
permission, the licence's status and validity dates, and records the use once — the token's id is unique in
the use log, so a replayed token is refused. It answers only the fields of the scene's mask. The statements
it runs are in ``verification_sql``; who verifies is ``verifiers``."""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict, InvalidInput, PermissionDenied
from tongban.licences.constants import LicenceStatus
from tongban.licences.errors import LicenceError
from tongban.licences.models import Licence
from tongban.licences.show import TokenRefused, read_show_token
from tongban.licences.verification_sql import UseRecord, licence_for_verify, read_and_record, record_use
from tongban.licences.verifiers import VerifierIdentity

CAUSE_MAX = 200


@dataclass(frozen=True)
class Verified:
    licence: Licence
    scene: str
    fields: dict
    field_titles: dict
    at: object


def verify_shown(*, who: VerifierIdentity, token, cause: str) -> Verified:
    """Check a shown licence's token and answer the scene's fields; each refusal has its own code and
    discloses nothing. The use is recorded once (a replayed token answers 409 ``token_used``)."""
    cause = (cause or "").strip() if isinstance(cause, str) else ""
    if not cause:
        raise InvalidInput(LicenceError.CAUSE_REQUIRED, _("请填写用证事由"), field="cause")
    if len(cause) > CAUSE_MAX:
        raise InvalidInput(
            LicenceError.CAUSE_TOO_LONG, _("用证事由不能超过200个字符"), field="cause", max=CAUSE_MAX
        )
    payload = read_show_token(token)
    scene = payload["scn"]
    if scene not in who.scenes:
        raise PermissionDenied(
            LicenceError.SCENE_NOT_PERMITTED, _("本单位未获准在此场景核验证照"), scene=scene
        )
    try:
        licence_uuid = uuid_module.UUID(hex=payload["lic"])
    except ValueError:
        raise TokenRefused(LicenceError.TOKEN_INVALID, _("亮证码无效")) from None
    today = timezone.localdate()
    wanted = [f for f in payload["fld"] if isinstance(f, str)]
    use = UseRecord(who, scene, cause, wanted, payload["jti"][:32], today)
    if connection.vendor == "postgresql":
        # One statement: the licence read and, only when it is valid today, the use-log insert.
        licence, logged = read_and_record(licence_uuid, use)
    else:
        licence, logged = licence_for_verify(licence_uuid), None
    if licence is None:
        raise TokenRefused(LicenceError.TOKEN_INVALID, _("亮证码无效"))
    if not licence.current or licence.status != LicenceStatus.VALID:
        status = licence.status if licence.current else LicenceStatus.OTHER
        raise Conflict(
            LicenceError.LICENCE_NOT_VALID,
            _("该证照当前不是有效状态"),
            licence_status=status,
            status_label=str(LicenceStatus(status).label),
        )
    if not licence.in_force_on(today):
        raise Conflict(LicenceError.LICENCE_OUT_OF_VALIDITY, _("该证照不在有效期内"))
    allowed = set((licence.type.scene_fields or {}).get(scene) or ())
    mask = [f for f in wanted if f in allowed]
    if logged is None:  # SQLite: the insert is its own statement
        logged = record_use(licence, use, mask)
    if not logged:
        raise Conflict(LicenceError.TOKEN_USED, _("亮证码已被使用，请持证人刷新后重新出示"))
    titles = dict(licence.type.face_fields)
    return Verified(
        licence,
        scene,
        {f: licence.face.get(f) for f in mask},
        {f: titles.get(f, f) for f in mask},
        use.at,
    )
