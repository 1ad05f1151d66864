"""A licence as an SD-JWT VC (IETF SD-JWT, RFC 9901; SD-JWT-based Verifiable Credentials, the IETF OAuth
draft): the holder takes it to a wallet and shows only the fields a verifier needs.

The issuer-signed JWT (header ``typ: dc+sd-jwt``, ES256 with a low ``s``, the issuing department's active key
in ``kid``) carries in the clear:

- ``iss`` ``<TONGBAN_PUBLIC_BASE_URL>/issuers/<department uuid>``, the department's issuer identifier: its keys
  — and only its keys — are published as JWT VC Issuer Metadata (SD-JWT VC draft §3) at the URL the draft
  forms from ``iss``, ``<base>/.well-known/jwt-vc-issuer/issuers/<department uuid>``, so that a verifier can
  tell that the key belongs to the issuer (every key is also in ``/api/licences/jwks``, without its issuer);
- ``iat``, ``nbf`` (start of the first valid day) and ``exp`` (end of the last valid day, none for a licence
  valid without limit), all in the platform's time zone;
- ``vct`` ``urn:tongban:licence:<licence type code>``;
- ``status`` ``{"status_list": {"idx", "uri"}}`` (IETF Token Status List) when the licence has a status index;
- ``cnf`` ``{"jwk": …}`` when the holder gives a public key (holder binding: presentations then carry a
  key-binding JWT signed with that key);
- ``_sd_alg`` ``sha-256``.

Selectively disclosable, one disclosure each with a 128-bit random salt: ``identifier``, ``number``,
``type_name``, ``holder_name``, ``issuer_name``, ``issue_date`` at the top level, and every face field
(照面信息) inside the ``face`` object, under its key in the type's schema. The holder's code (a resident ID
number) is not in the credential: the platform never answers an ID number in full. No decoy digests: the
number of face fields follows from ``vct``.

Only a licence in force — valid (01), the current version, today within its dates — is exported."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit, urlunsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import InvalidInput
from tongban.licences import keys
from tongban.licences.constants import STATUS_LIST_SIZE
from tongban.licences.errors import LicenceConflict, LicenceError
from tongban.licences.licence_data import face_items
from tongban.licences.models import IssuerKey, Licence

MEDIA_TYPE = "application/dc+sd-jwt"
TYP = "dc+sd-jwt"
HASH_ALG = "sha-256"
VCT_PREFIX = "urn:tongban:licence:"
ISSUERS_PATH = "/issuers/"
WELL_KNOWN_ISSUER = "/.well-known/jwt-vc-issuer"

# Members that only a private (or symmetric) JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
P256_COORDINATE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 bytes, base64url without padding


def issuer_url(department_uuid) -> str:
    """A department's issuer identifier, the ``iss`` of the credentials its keys sign."""
    return f"{settings.TONGBAN_PUBLIC_BASE_URL}{ISSUERS_PATH}{department_uuid}"


def issuer_metadata_url(iss: str) -> str:
    """Where the JWT VC Issuer Metadata of ``iss`` is (SD-JWT VC draft §3.1): ``/.well-known/jwt-vc-issuer``
    inserted between the host and the path, the path's terminating ``/`` removed."""
    parts = urlsplit(iss)
    return urlunsplit((parts.scheme, parts.netloc, WELL_KNOWN_ISSUER + parts.path.rstrip("/"), "", ""))


def issuer_metadata(department_uuid) -> dict | None:
    """A department's JWT VC Issuer Metadata (``issuer`` and ``jwks``: its keys only, active and retired), or
    None when it has no key (or is the platform, which signs no credential)."""
    from tongban.licences.show import PLATFORM_UUID

    if department_uuid == PLATFORM_UUID:
        return None
    published = keys.department_jwks(department_uuid)
    if not published["keys"]:
        return None
    return {"issuer": issuer_url(department_uuid), "jwks": published}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def disclosure_make(name: str, value: object) -> tuple[str, str]:
    """An object-property disclosure ``[salt, name, value]`` and its digest (RFC 9901 §4.2.1, §4.2.3)."""
    encoded = _b64(json.dumps([_b64(secrets.token_bytes(16)), name, value], ensure_ascii=False).encode())
    return encoded, _b64(hashlib.sha256(encoded.encode("ascii")).digest())


def holder_jwk_check(jwk: object) -> dict:
    """The holder's key as a public EC P-256 JWK (only ``kty``, ``crv``, ``x``, ``y``), or 422:
    ``holder_jwk_private`` for a key with private members, ``holder_jwk_invalid`` for anything else that is
    not a P-256 point."""
    if not isinstance(jwk, dict):
        raise InvalidInput(LicenceError.HOLDER_JWK_INVALID, _("持有人公钥必须是 EC P-256 公钥 JWK"))
    if PRIVATE_MEMBERS & jwk.keys():
        raise InvalidInput(LicenceError.HOLDER_JWK_PRIVATE, _("请只提交公钥：JWK 不能含私钥成员"))
    x, y = jwk.get("x"), jwk.get("y")
    if not (
        jwk.get("kty") == "EC"
        and jwk.get("crv") == "P-256"
        and isinstance(x, str)
        and isinstance(y, str)
        and P256_COORDINATE.match(x)
        and P256_COORDINATE.match(y)
    ):
        raise InvalidInput(LicenceError.HOLDER_JWK_INVALID, _("持有人公钥必须是 EC P-256 公钥 JWK"))
    try:
        ec.EllipticCurvePublicNumbers(
            int.from_bytes(base64.urlsafe_b64decode(x + "=")),
            int.from_bytes(base64.urlsafe_b64decode(y + "=")),
            ec.SECP256R1(),
        ).public_key()
    except ValueError as exc:  # not a point on the curve
        raise InvalidInput(LicenceError.HOLDER_JWK_INVALID, _("持有人公钥不是 P-256 曲线上的点")) from exc
    return {"kty": "EC", "crv": "P-256", "x": x, "y": y}


def _signing_key(licence: Licence) -> IssuerKey:
    """The issuing department's active key; for a licence without a department, the key that signed it."""
    if licence.issuer_uuid is not None:
        return keys.issuer_key(licence.issuer_uuid, licence.issuer_name, licence.issuer_code)
    row = IssuerKey.objects.filter(kid=licence.kid).first() if licence.kid else None
    if row is None:
        raise LicenceConflict(LicenceError.ISSUER_KEY_MISSING, _("该证照没有可用的签发密钥"))
    return row


def _start_of(day: date) -> int:
    return int(datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone()).timestamp())


def licence_sd_jwt(
    licence: Licence,
    *,
    holder_jwk: dict | None = None,
    status_list_uri: Callable[[int], str] | None = None,
) -> str:
    """The licence as an SD-JWT VC in compact form (``<issuer-signed JWT>~<disclosure>~…~``), every claim
    disclosed (see the module's docstring). ``status_list_uri(n)`` is the URI of status list ``n``.
    409 ``licence_not_exportable`` for a licence not in force."""
    if not licence.in_force_on():
        raise LicenceConflict(
            LicenceError.LICENCE_NOT_EXPORTABLE,
            _("只有当前有效的证照可以导出"),
            licence_status=licence.status,
        )
    cnf = {"jwk": holder_jwk_check(holder_jwk)} if holder_jwk is not None else None
    disclosures: list[str] = []

    def digests(claims: dict) -> list[str]:
        out = []
        for name, value in claims.items():
            if name in ("_sd", "..."):  # names RFC 9901 reserves; a face schema should never use them
                raise LicenceConflict(
                    LicenceError.LICENCE_NOT_EXPORTABLE, _("照面字段名不能导出"), field=name
                )
            disclosure, digest = disclosure_make(name, value)
            disclosures.append(disclosure)
            out.append(digest)
        return sorted(out)  # the order of the digests says nothing about the order of the claims

    top = {
        "identifier": licence.identifier,
        "number": licence.number,
        "type_name": licence.type.name,
        "holder_name": licence.holder_name,
        "issuer_name": licence.issuer_name,
        "issue_date": licence.issue_date.isoformat(),
    }
    key = _signing_key(licence)
    payload: dict = {
        "iss": issuer_url(key.department_uuid),  # the key's department: its metadata lists this key
        "iat": int(timezone.now().timestamp()),
        "nbf": _start_of(licence.valid_from),
        "vct": VCT_PREFIX + licence.type.code,
        "_sd_alg": HASH_ALG,
        "_sd": digests(top),
        "face": {"_sd": digests({key: value for key, _title, value in face_items(licence)})},
    }
    if licence.valid_until is not None:
        payload["exp"] = _start_of(licence.valid_until + timedelta(days=1))
    if licence.status_index is not None and status_list_uri is not None:
        payload["status"] = {
            "status_list": {
                "idx": licence.status_index % STATUS_LIST_SIZE,
                "uri": status_list_uri(licence.status_index // STATUS_LIST_SIZE),
            }
        }
    if cnf is not None:
        payload["cnf"] = cnf
    issuer_signed = keys.sign_jwt(payload, key, {"typ": TYP})
    return "~".join([issuer_signed, *disclosures, ""])
