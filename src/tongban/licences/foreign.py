"""亮证 tokens of other platforms, and verifiers of other platforms.

**A token this platform did not sign.** The licence library knows nothing of other platforms (it sits left of
the federation). It exposes one hook: a context to its right registers, once, a *foreign verifier* — a
function ``(who, token, cause) -> ForeignShown | None`` — and the verifier's API and page
(``/api/licences/verify``, ``/verify/``) ask it only when the token is not one of this platform's
(``token_invalid``: an unknown key, a bad signature). It answers None for a token it does not recognise
either, and the refusal stands; otherwise it verifies the token with the platform that signed it and answers
what that platform answered. A local token never reaches it: the hot path is unchanged.

**A verifier of another platform.** The home side of the same exchange: a partner platform asks this one to
verify one of its tokens for one of the partner's verifiers. The use is recorded like any other, with the
verifier named "<partner> · <verifier>" (the holder's 用证记录 shows it) — docs/domain/federation.md §4."""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from tongban.licences.constants import Scene
from tongban.licences.errors import LicenceError
from tongban.licences.show import TokenRefused
from tongban.licences.verification import Verified, verify_shown
from tongban.licences.verifiers import VerifierIdentity

FEDERATED_KIND = "federated"


@dataclass(frozen=True)
class ForeignShown:
    """A token of another platform, verified by it: what it answered, and the type it is recognised as here."""

    member_code: str
    member_name: str
    scene: str
    type_code: str  # the partner's licence type
    type_name: str
    local_type_code: str  # "" when the type is not on the recognition list
    local_type_name: str
    status: str
    status_label: str
    valid_until: date | None
    fields: dict
    field_titles: dict
    at: datetime


ForeignVerifier = Callable[..., ForeignShown | None]
_foreign: list[ForeignVerifier] = []


def foreign_verifier_register(fn: ForeignVerifier) -> ForeignVerifier:
    """Register the verifier of other platforms' tokens (one; registering again replaces it)."""
    _foreign[:] = [fn]
    return fn


def verify_shown_anywhere(*, who: VerifierIdentity, token, cause: str) -> Verified | ForeignShown:
    """``verify_shown``; when the token is not this platform's, the registered foreign verifier's answer, if it
    recognises the token (otherwise the refusal stands)."""
    try:
        return verify_shown(who=who, token=token, cause=cause)
    except TokenRefused as exc:
        if exc.code != LicenceError.TOKEN_INVALID or not _foreign:
            raise
        found = _foreign[0](who=who, token=token, cause=cause)
        if found is None:
            raise
        return found


# --- the home side: a partner's verifier -------------------------------------------------------------------
def federated_identity(
    *, member_code: str, member_name: str, verifier_uuid: str, verifier_name: str, scene: str
) -> VerifierIdentity:
    """A partner platform's verifier, permitted by the partner for ``scene`` (the partner answers for it)."""
    try:
        ident = str(uuid_module.UUID(str(verifier_uuid)))
    except ValueError:
        ident = str(uuid_module.uuid5(uuid_module.NAMESPACE_URL, f"tongban:{member_code}:{verifier_uuid}"))
    label = f"{member_name} · {(verifier_name or '').strip()[:150] or member_code}"
    scenes = frozenset({scene}) if scene in Scene.values else frozenset()
    return VerifierIdentity(ident, label, scenes, FEDERATED_KIND)


# The refusals of a verification, by code, as a partner answered them (so that the verifying platform shows
# the same words as for its own tokens).
_REFUSALS: dict[str, tuple[type[DomainError], object, int]] = {
    LicenceError.TOKEN_INVALID: (TokenRefused, _("亮证码无效"), 400),
    LicenceError.TOKEN_EXPIRED: (TokenRefused, _("亮证码已过期，请持证人刷新后重新出示"), 400),
    LicenceError.TOKEN_USED: (Conflict, _("亮证码已被使用，请持证人刷新后重新出示"), 409),
    LicenceError.LICENCE_NOT_VALID: (Conflict, _("该证照当前不是有效状态"), 409),
    LicenceError.LICENCE_OUT_OF_VALIDITY: (Conflict, _("该证照不在有效期内"), 409),
    LicenceError.SCENE_NOT_PERMITTED: (PermissionDenied, _("本单位未获准在此场景核验证照"), 403),
    LicenceError.CAUSE_REQUIRED: (InvalidInput, _("请填写用证事由"), 422),
    LicenceError.CAUSE_TOO_LONG: (InvalidInput, _("用证事由不能超过200个字符"), 422),
}
_DETAILS = ("licence_status", "status_label", "scene", "field", "max")


def shown_refusal(code: str, details: dict | None = None) -> DomainError | None:
    """The refusal of a verification with this code (details kept: status, scene…), or None for a code that is
    not one of a verification's."""
    try:
        member = LicenceError(code)
    except ValueError:
        return None
    found = _REFUSALS.get(member)
    if found is None:
        return None
    cls, message, status = found
    kept = {k: v for k, v in (details or {}).items() if k in _DETAILS and isinstance(v, str | int)}
    return cls(member, message, status=status, **kept)
