"""This member's ES256 keys and the compact JWS every federation document is (RFC 7515).

Private keys are stored encrypted like the issuers' keys (``tongban.core.crypto.key_encryption``). Signatures
are made with a low ``s`` (``s ≤ n/2``), so that each signed document has one spelling."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.db import IntegrityError, transaction
from django.utils import timezone
from jwt.algorithms import ECAlgorithm

from tongban.core.crypto import key_encryption
from tongban.federation.constants import KeyPurpose, KeyState
from tongban.federation.models import OwnKey

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def compact_json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def digest(text: str | bytes) -> str:
    """SHA-256, hex, of a signed document's text (the message log's and the receipts' digest)."""
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def thumbprint(jwk: dict) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of an EC or RSA public key: what an operator compares."""
    required = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}.get(str(jwk.get("kty")))
    if required is None or any(not isinstance(jwk.get(name), str) for name in required):
        raise ValueError("not an EC or RSA public JWK")
    canonical = json.dumps({name: jwk[name] for name in required}, separators=(",", ":"), sort_keys=True)
    return b64(hashlib.sha256(canonical.encode()).digest())


def public_jwk(public: ec.EllipticCurvePublicKey, kid: str) -> dict:
    return {**ECAlgorithm.to_jwk(public, as_dict=True), "kid": kid, "alg": "ES256", "use": "sig"}


def check_public_jwk(jwk: object) -> dict:
    """A P-256 public JWK with a ``kid``, without its private part (ValueError otherwise)."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or "d" in jwk:
        raise ValueError("a P-256 public JWK is expected")
    if not isinstance(jwk.get("kid"), str) or not 1 <= len(jwk["kid"]) <= 64:
        raise ValueError("the JWK has no kid")
    load_public(json.dumps(jwk, sort_keys=True))
    return {name: jwk[name] for name in ("kty", "crv", "x", "y", "kid") if name in jwk} | {
        "alg": "ES256",
        "use": "sig",
    }


@lru_cache(maxsize=1024)
def load_public(jwk_json: str) -> ec.EllipticCurvePublicKey:
    try:
        key = ECAlgorithm.from_jwk(jwk_json)
    except (jwt.InvalidKeyError, ValueError, KeyError) as exc:
        raise ValueError("bad public JWK") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("not a public key")
    return key


@lru_cache(maxsize=64)
def _private(encrypted: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_der_private_key(key_encryption().decrypt(encrypted), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def private_of(row: OwnKey) -> ec.EllipticCurvePrivateKey:
    return _private(bytes(row.private_key_encrypted))


def sign_compact(private: ec.EllipticCurvePrivateKey, header: dict, claims: dict) -> str:
    """A compact JWS, ES256, low ``s``: ``b64(header).b64(claims).b64(r||s)``."""
    signing_input = f"{b64(compact_json(header))}.{b64(compact_json(claims))}"
    r, s = decode_dss_signature(private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    s = min(s, P256_ORDER - s)
    return f"{signing_input}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def read_header(token: str) -> dict:
    """The JWS header, unverified (to find the ``kid``); ValueError when it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a compact JWS")
    try:
        header = json.loads(unb64(parts[0]))
    except ValueError as exc:
        raise ValueError("bad JWS header") from exc
    if not isinstance(header, dict) or header.get("alg") != "ES256" or not isinstance(header.get("kid"), str):
        raise ValueError("bad JWS header")
    return header


def verify_compact(token: str, jwk: dict) -> dict:
    """The claims of a JWS signed by the key ``jwk`` (ValueError when the signature or the claims are bad)."""
    key = load_public(json.dumps(jwk, sort_keys=True))
    try:
        claims = jwt.PyJWS().decode(token, key, algorithms=["ES256"])
        value = json.loads(claims)
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise ValueError("bad signature") from exc
    if not isinstance(value, dict):
        raise ValueError("the claims are not an object")
    return value


# --- this member's keys ---------------------------------------------------------------------------------------
def _new_key(purpose: str, state: str) -> OwnKey:
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    kid = f"{purpose[:3]}-{timezone.now():%Y%m%d}-{secrets.token_hex(6)}"
    return OwnKey.objects.create(
        kid=kid,
        purpose=purpose,
        state=state,
        public_jwk=public_jwk(private.public_key(), kid),
        private_key_encrypted=key_encryption().encrypt(der),
        activated_at=timezone.now() if state == KeyState.ACTIVE else None,
    )


def active_key(purpose: str = KeyPurpose.MESSAGING, *, create: bool = True) -> OwnKey | None:
    """The active key of the purpose; a messaging key is made on first use."""
    row = OwnKey.objects.filter(purpose=purpose, state=KeyState.ACTIVE).first()
    if row is not None or not create:
        return row
    try:
        with transaction.atomic():
            return _new_key(purpose, KeyState.ACTIVE)
    except IntegrityError:  # made at the same moment by another process
        return OwnKey.objects.get(purpose=purpose, state=KeyState.ACTIVE)


def next_key(purpose: str = KeyPurpose.MESSAGING) -> OwnKey:
    """The key that will replace the active one (made when there is none): publish it, then promote it."""
    row = OwnKey.objects.filter(purpose=purpose, state=KeyState.NEXT).first()
    if row is not None:
        return row
    active_key(purpose)
    try:
        with transaction.atomic():
            return _new_key(purpose, KeyState.NEXT)
    except IntegrityError:
        return OwnKey.objects.get(purpose=purpose, state=KeyState.NEXT)


def promote_next(purpose: str, published_kids: set[str]) -> OwnKey | None:
    """Once the region's trust list names the next key, sign with it from now on (the old one retires). The
    partners already know it: the list that names it is what they check messages against."""
    from tongban.federation.locks import lock_own_keys

    with transaction.atomic():
        rows = lock_own_keys(purpose)
        upcoming = next((row for row in rows if row.state == KeyState.NEXT), None)
        if upcoming is None or upcoming.kid not in published_kids:
            return None
        now = timezone.now()
        OwnKey.objects.filter(purpose=purpose, state=KeyState.ACTIVE).update(
            state=KeyState.RETIRED, retired_at=now
        )
        OwnKey.objects.filter(pk=upcoming.pk).update(state=KeyState.ACTIVE, activated_at=now)
        upcoming.state = KeyState.ACTIVE
        return upcoming


def published_keys(purpose: str = KeyPurpose.MESSAGING) -> list[dict]:
    """The public keys to publish for the purpose: the active one and, when there is one, the next."""
    active_key(purpose, create=purpose == KeyPurpose.MESSAGING)
    rows = OwnKey.objects.filter(purpose=purpose, state__in=[KeyState.ACTIVE, KeyState.NEXT]).order_by("id")
    return [row.public_jwk for row in rows]


def sign(claims: dict, *, typ: str, purpose: str = KeyPurpose.MESSAGING) -> str:
    row = active_key(purpose, create=purpose == KeyPurpose.MESSAGING)
    if row is None:
        raise RuntimeError(f"this member has no active {purpose} key")
    return sign_compact(private_of(row), {"alg": "ES256", "typ": typ, "kid": row.kid}, claims)


def sign_raw(data: bytes, purpose: str = KeyPurpose.MESSAGING) -> tuple[str, str]:
    """(kid, base64url r||s) over ``data`` with the active key: the message log's entry signatures."""
    row = active_key(purpose)
    assert row is not None
    r, s = decode_dss_signature(private_of(row).sign(data, ec.ECDSA(hashes.SHA256())))
    s = min(s, P256_ORDER - s)
    return row.kid, b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def verify_raw(data: bytes, signature: str, jwk: dict) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    raw = unb64(signature)
    if len(raw) != 64:
        return False
    key = load_public(json.dumps(jwk, sort_keys=True))
    try:
        key.verify(
            encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
            data,
            ec.ECDSA(hashes.SHA256()),
        )
    except InvalidSignature:
        return False
    return True
