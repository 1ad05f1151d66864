"""The issuers' signing keys and the licence signature.

Each issuing department has one active ES256 key (made on first use). Private keys are stored encrypted with
Fernet under ``TONGBAN_KEY_ENCRYPTION_KEYS`` (MultiFernet: the first key encrypts, every key decrypts), or
under a key derived from ``SECRET_KEY`` when none is set. Rotating a department's key retires the old one,
which stays in the JWKS so that what it signed can still be checked.

A licence is signed as a JWS with a detached payload (RFC 7515 appendix F): the payload is the licence's
canonical data — sorted-key compact UTF-8 JSON of the fields that make the licence.

Every ES256 signature the platform makes has a low ``s`` (``s <= n/2``, n the order of P-256): ``cryptography``
does not normalise ``s``, and (r, s) and (r, n − s) both verify, so a token checked by signature alone could be
altered into a second, different string that still verifies. ``sign_jws`` and ``sign_jwt`` normalise; the one
token the platform checks when it is presented, the 亮证 token, is refused in the high form (``show``)."""

from __future__ import annotations

import json
import secrets
from functools import lru_cache

import jwt
from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import transaction
from django.utils import timezone
from jwt.algorithms import ECAlgorithm

from tongban.core.crypto import derived_key, key_encryption
from tongban.licences.locks import lock_active_issuer_key
from tongban.licences.models import IssuerKey, Licence

ALGORITHM = "ES256"
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_HALF_ORDER = P256_ORDER // 2


# --- low-s ES256 ----------------------------------------------------------------------------------------------
def low_s(signature: bytes) -> bytes:
    """A raw ES256 signature ``r || s`` (64 bytes) with ``s`` replaced by ``n − s`` when it is high."""
    s = int.from_bytes(signature[32:], "big")
    if s <= _HALF_ORDER:
        return signature
    return signature[:32] + (P256_ORDER - s).to_bytes(32, "big")


def is_low_s(signature: bytes) -> bool:
    return len(signature) == 64 and int.from_bytes(signature[32:], "big") <= _HALF_ORDER


class _LowSES256(ECAlgorithm):
    """PyJWT's ES256, signing with a low ``s`` (verifying either form, as ECDSA does)."""

    def __init__(self) -> None:
        super().__init__(ECAlgorithm.SHA256)

    def sign(self, msg: bytes, key) -> bytes:
        return low_s(super().sign(msg, key))


_JWS = jwt.PyJWS(algorithms=[])
_JWS.register_algorithm(ALGORITHM, _LowSES256())


def sign_jws(payload: bytes, key: IssuerKey, headers: dict, *, detached: bool = False) -> str:
    """A compact JWS (ES256, low ``s``) over ``payload`` with the key's ``kid`` in the header."""
    return _JWS.encode(
        payload,
        _private_key(key),
        algorithm=ALGORITHM,
        headers={**headers, "kid": key.kid},
        is_payload_detached=detached,
    )


def sign_jwt(claims: dict, key: IssuerKey, headers: dict) -> str:
    """A JWT (RFC 7519: the claims as compact JSON) signed with ``sign_jws``."""
    return sign_jws(json.dumps(claims, separators=(",", ":")).encode(), key, headers)


# --- encryption at rest (shared with the SMS outbox: tongban.core.crypto) -----------------------------------
_derived_key = derived_key


def _private_key(row: IssuerKey) -> ec.EllipticCurvePrivateKey:
    return _load_private(bytes(row.private_key_encrypted), row.kid)


def private_key(row: IssuerKey) -> ec.EllipticCurvePrivateKey:
    """The key's private half, decrypted, to sign with it (licence credentials); never stored or logged."""
    return _private_key(row)


@lru_cache(maxsize=256)
def _load_private(encrypted: bytes, kid: str) -> ec.EllipticCurvePrivateKey:
    try:
        der = key_encryption().decrypt(encrypted)
    except InvalidToken as exc:
        raise RuntimeError(
            f"issuer key {kid} cannot be decrypted: TONGBAN_KEY_ENCRYPTION_KEYS lacks the key it was "
            "encrypted with"
        ) from exc
    return serialization.load_der_private_key(der, password=None)


def _public_jwk(public: ec.EllipticCurvePublicKey, kid: str) -> dict:
    return {**ECAlgorithm.to_jwk(public, as_dict=True), "kid": kid, "alg": ALGORITHM, "use": "sig"}


# --- keys per department ------------------------------------------------------------------------------------
def _new_key(department_uuid, department_name: str, department_code: str) -> IssuerKey:
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    kid = f"{timezone.now():%Y%m%d}-{secrets.token_hex(6)}"
    return IssuerKey.objects.create(
        kid=kid,
        department_uuid=department_uuid,
        department_name=department_name,
        department_code=department_code,
        algorithm=ALGORITHM,
        public_jwk=_public_jwk(private.public_key(), kid),
        private_key_encrypted=key_encryption().encrypt(der),
        active=True,
    )


def issuer_key(department_uuid, department_name: str, department_code: str = "") -> IssuerKey:
    """The department's active key, made when it has none."""
    row = IssuerKey.objects.filter(department_uuid=department_uuid, active=True).first()
    if row is not None:
        return row
    with transaction.atomic():
        row = lock_active_issuer_key(department_uuid)
        return row or _new_key(department_uuid, department_name, department_code)


@transaction.atomic
def issuer_key_rotate(department_uuid) -> IssuerKey:
    """Retire the department's active key and make a new one (the old one stays published)."""
    old = lock_active_issuer_key(department_uuid)
    if old is None:
        raise IssuerKey.DoesNotExist(f"no active key for department {department_uuid}")
    IssuerKey.objects.filter(pk=old.pk).update(active=False, retired_at=timezone.now())
    return _new_key(old.department_uuid, old.department_name, old.department_code)


def keys_reencrypt() -> int:
    """Encrypt every private key again under the first key-encryption key (after adding a new one)."""
    fernet, done = key_encryption(), 0
    for row in IssuerKey.objects.all():
        rotated = fernet.rotate(bytes(row.private_key_encrypted))
        IssuerKey.objects.filter(pk=row.pk).update(private_key_encrypted=rotated)
        done += 1
    return done


def jwks() -> dict:
    """Every issuer public key, active and retired, and the platform's own (RFC 7517 key set)."""
    return {"keys": [row.public_jwk for row in IssuerKey.objects.order_by("created_at", "id")]}


def department_jwks(department_uuid) -> dict:
    """The one department's public keys, active and retired (RFC 7517 key set; empty when it has none)."""
    rows = IssuerKey.objects.filter(department_uuid=department_uuid).order_by("created_at", "id")
    return {"keys": [row.public_jwk for row in rows]}


# --- licence signature --------------------------------------------------------------------------------------
def canonical_data(licence: Licence) -> bytes:
    data = {
        "identifier": licence.identifier,
        "type_code": licence.type.code,
        "number": licence.number,
        "holder_kind": licence.holder_kind,
        "holder_code": licence.holder_code,
        "holder_name": licence.holder_name,
        "issuer_code": licence.issuer_code,
        "issuer_name": licence.issuer_name,
        "issue_date": licence.issue_date.isoformat(),
        "valid_from": licence.valid_from.isoformat(),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        "version": licence.version,
        "previous": licence.previous.identifier if licence.previous_id else None,
        "face": licence.face,
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_licence(licence: Licence, key: IssuerKey) -> None:
    """Set the licence's ``kid`` and detached-payload JWS over its canonical data."""
    licence.kid = key.kid
    licence.signature = sign_jws(canonical_data(licence), key, {}, detached=True)


def verify_licence_signature(licence: Licence) -> bool:
    """True when the stored signature is the issuer key's over the licence's current canonical data."""
    if not licence.signature:
        return False
    row = IssuerKey.objects.filter(kid=licence.kid).first()
    if row is None:
        return False
    public = jwt.PyJWK(row.public_jwk).key
    try:
        # Either form of s: a licence signature is read from the licence's own row, not presented, and was
        # made without normalising s until issue 13; its high-s twin would say nothing new.
        _JWS.decode_complete(
            licence.signature, public, algorithms=[ALGORITHM], detached_payload=canonical_data(licence)
        )
    except jwt.InvalidTokenError:
        return False
    return True
