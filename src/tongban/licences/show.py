"""亮证 tokens: what the holder's QR code carries when they show a licence.

A token is a compact JWS (ES256, RFC 7515) signed with the platform's own show key — an ``IssuerKey`` of the
pseudo-department ``PLATFORM_UUID``, published in the JWKS and rotated like the issuers' keys. Its payload
binds the licence, the scene and that scene's field mask, with a lifetime of ``TONGBAN_SHOW_TOKEN_SECONDS``
(60 s by default) and a random id (``jti``) that the verification records once (a token is used once):

    {"lic": <licence uuid, hex>, "scn": "hotel", "fld": ["name", …], "iat": …, "exp": …, "jti": …}

Checking a token is on the verifier's hot path, so it is done by hand with ``cryptography`` (split, base64,
JSON, one ECDSA verify) rather than through a JWT library, which costs about twice as much
(docs/performance/limits.md §1; docs/adr/0004-hand-made-show-token-jws.md).
The signature is made and accepted in its low-s form only (``s <= n/2``, see ``keys``): its twin (r, n − s),
which ECDSA alone would accept, is refused."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
import uuid as uuid_module
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import DomainError, InvalidInput
from tongban.licences import keys
from tongban.licences.constants import Scene
from tongban.licences.errors import LicenceError
from tongban.licences.models import IssuerKey, Licence

PLATFORM_UUID = uuid_module.UUID("00000000-0000-5000-8000-000000000001")
PLATFORM_NAME = "通办平台（亮证签名）"
TYP = "tongban-show+jwt"
MAX_TOKEN_LENGTH = 1024


class TokenRefused(DomainError):
    """A token that cannot be accepted; ``code`` says why (token_invalid, token_expired)."""

    status = 400


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    """Strict base64url without padding: anything but the one canonical spelling is refused (so a token
    cannot be altered into another string that decodes to the same bytes)."""
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def show_key() -> IssuerKey:
    return keys.issuer_key(PLATFORM_UUID, PLATFORM_NAME)


def scene_mask(licence: Licence, scene: str) -> list[str]:
    """The face fields the licence's type shows in ``scene`` (422 when the type is not shown there)."""
    if scene not in Scene.values:
        raise InvalidInput(LicenceError.INVALID_SCENE, _("亮证场景无效"), field="scene", allowed=Scene.values)
    fields = (licence.type.scene_fields or {}).get(scene)
    if fields is None:
        raise InvalidInput(
            LicenceError.SCENE_NOT_ALLOWED,
            _("该类证照不能在此场景出示"),
            field="scene",
            allowed=sorted(licence.type.scene_fields or {}),
        )
    return list(fields)


@dataclass(frozen=True)
class ShowToken:
    token: str
    expires_at: int  # Unix time
    scene: str
    fields: list[str]
    valid: bool  # the licence is valid now: the QR is black, red otherwise


def make_show_token(licence: Licence, scene: str, *, now: float | None = None) -> ShowToken:
    """A signed, short-lived, single-use token for showing ``licence`` in ``scene``."""
    from django.utils import timezone

    fields = scene_mask(licence, scene)
    key = show_key()
    issued = int(now if now is not None else time.time())
    expires = issued + settings.TONGBAN_SHOW_TOKEN_SECONDS
    header = {"alg": keys.ALGORITHM, "kid": key.kid, "typ": TYP}
    payload = {
        "lic": licence.uuid.hex,
        "scn": scene,
        "fld": fields,
        "iat": issued,
        "exp": expires,
        "jti": secrets.token_urlsafe(16),
    }
    signing_input = (
        _b64(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64(json.dumps(payload, separators=(",", ":")).encode())
    )
    der = keys.private_key(key).sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    # Low s: the one form read_show_token takes.
    signature = keys.low_s(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    return ShowToken(
        f"{signing_input}.{_b64(signature)}",
        expires,
        scene,
        fields,
        licence.in_force_on(timezone.localdate()),
    )


# --- checking -----------------------------------------------------------------------------------------------
_public_keys: dict[str, ec.EllipticCurvePublicKey | None] = {}


def _show_public_key(kid: str):
    """The show key's public key by kid (kept in the process: a kid's key never changes); None for a kid
    that is not the platform's show key."""
    if kid in _public_keys:
        return _public_keys[kid]
    row = IssuerKey.objects.filter(kid=kid, department_uuid=PLATFORM_UUID).only("public_jwk").first()
    public = None
    if row is not None:
        import jwt

        public = jwt.PyJWK(row.public_jwk).key
    if len(_public_keys) > 1000:
        _public_keys.clear()
    _public_keys[kid] = public
    return public


def _invalid():
    return TokenRefused(LicenceError.TOKEN_INVALID, _("亮证码无效"))


def read_show_token(token, *, now: float | None = None) -> dict:
    """The payload of a token whose signature is the platform's and which has not expired; TokenRefused
    (``token_invalid`` or ``token_expired``) otherwise. Single use is the verification's business."""
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_LENGTH:
        raise _invalid()
    parts = token.split(".")
    if len(parts) != 3:
        raise _invalid()
    try:
        header = json.loads(_unb64(parts[0]))
        signature = _unb64(parts[2])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _invalid() from None
    if (
        not isinstance(header, dict)
        or header.get("alg") != keys.ALGORITHM
        or header.get("typ") != TYP
        or not isinstance(header.get("kid"), str)
        or not keys.is_low_s(signature)  # 64 bytes, s <= n/2: (r, n - s) is refused
    ):
        raise _invalid()
    public = _show_public_key(header["kid"])
    if public is None:
        raise _invalid()
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public.verify(der, f"{parts[0]}.{parts[1]}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise _invalid() from None
    try:
        payload = json.loads(_unb64(parts[1]))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _invalid() from None
    if not (
        isinstance(payload, dict)
        and isinstance(payload.get("lic"), str)
        and isinstance(payload.get("scn"), str)
        and isinstance(payload.get("fld"), list)
        and isinstance(payload.get("exp"), int)
        and isinstance(payload.get("jti"), str)
    ):
        raise _invalid()
    if (now if now is not None else time.time()) >= payload["exp"]:
        raise TokenRefused(LicenceError.TOKEN_EXPIRED, _("亮证码已过期，请持证人刷新后重新出示"))
    return payload
