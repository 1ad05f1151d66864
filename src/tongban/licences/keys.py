"""The issuers' signing keys and the licence signature.

Each issuing department has one active ES256 key (made on first use). Private keys are stored encrypted with
Fernet under ``TONGBAN_KEY_ENCRYPTION_KEYS`` (MultiFernet: the first key encrypts, every key decrypts), or
under a key derived from ``SECRET_KEY`` when none is set. Rotating a department's key retires the old one,
which stays in the JWKS so that what it signed can still be checked.

A licence is signed as a JWS with a detached payload (RFC 7515 appendix F): the payload is the licence's
canonical data — sorted-key compact UTF-8 JSON of the fields that make the licence."""

from __future__ import annotations

import base64
import json
import secrets
from functools import lru_cache

import jwt
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from jwt.algorithms import ECAlgorithm

from tongban.licences.models import IssuerKey, Licence

ALGORITHM = "ES256"


# --- encryption at rest -------------------------------------------------------------------------------------
def _derived_key() -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tongban-issuer-keys", info=b"fernet")
    return base64.urlsafe_b64encode(hkdf.derive(settings.SECRET_KEY.encode()))


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys] if keys else [Fernet(_derived_key())])


def key_encryption() -> MultiFernet:
    return _fernet(tuple(settings.TONGBAN_KEY_ENCRYPTION_KEYS))


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
        row = (
            IssuerKey.objects.select_for_update().filter(department_uuid=department_uuid, active=True).first()
        )
        return row or _new_key(department_uuid, department_name, department_code)


@transaction.atomic
def issuer_key_rotate(department_uuid) -> IssuerKey:
    """Retire the department's active key and make a new one (the old one stays published)."""
    old = IssuerKey.objects.select_for_update().filter(department_uuid=department_uuid, active=True).first()
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
    """Every issuer public key, active and retired (RFC 7517 key set)."""
    return {"keys": [row.public_jwk for row in IssuerKey.objects.order_by("created_at", "id")]}


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
    licence.signature = jwt.api_jws.encode(
        canonical_data(licence),
        _private_key(key),
        algorithm=ALGORITHM,
        headers={"kid": key.kid},
        is_payload_detached=True,
    )


def verify_licence_signature(licence: Licence) -> bool:
    """True when the stored signature is the issuer key's over the licence's current canonical data."""
    if not licence.signature:
        return False
    row = IssuerKey.objects.filter(kid=licence.kid).first()
    if row is None:
        return False
    public = jwt.PyJWK(row.public_jwk).key
    try:
        jwt.api_jws.decode_complete(
            licence.signature, public, algorithms=[ALGORITHM], detached_payload=canonical_data(licence)
        )
    except jwt.InvalidTokenError:
        return False
    return True
