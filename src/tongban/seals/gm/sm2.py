"""SM2 digital signatures (GB/T 32918.2-2016) with SM3, on the recommended curve sm2p256v1 (GB/T 32918.5).

The curve arithmetic is gmssl's (``gmssl.sm2.CryptSM2``, pure Python, ADR 0010); everything around it is ours:

- the signing nonce k is drawn from :mod:`secrets` (``secrets.randbelow(n - 1) + 1``), never from gmssl's
  ``func.random_hex`` (which uses :mod:`random`); a k that gives r = 0, r + k = n or s = 0 is drawn again;
- the user's identity digest Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) is computed here for any ID (gmssl
  hard-codes "1234567812345678"), and e = SM3(Z ‖ M);
- a public key is checked to be a point of the curve when it is loaded; r and s are checked to lie in
  [1, n-1] before verifying (gmssl does neither);
- the public key (x ‖ y, no prefix) is set on gmssl's object after construction: its constructor strips a
  "04" prefix with ``str.lstrip("04")`` from any key string that starts with 04, which also eats the 0s and
  4s that begin x — with or without a prefix when x's hex begins with 04 (one key in 256);
- gmssl's failure on a sum at the point at infinity (a crafted signature: it subscripts None) is an invalid
  signature, not a crash;
- signatures are DER ``SEQUENCE { r INTEGER, s INTEGER }`` (GM/T 0009 SM2Signature), parsed strictly.

Private keys are 32 raw bytes (big-endian d); the caller encrypts them at rest
(``tongban.core.crypto.key_encryption()``). Public keys are uncompressed points, ``04 ‖ x ‖ y`` (65 bytes).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from asn1crypto.algos import DSASignature
from cryptography.exceptions import InvalidSignature
from gmssl.sm2 import CryptSM2

from .sm3 import sm3

__all__ = [
    "DEFAULT_USER_ID",
    "SM2P256V1",
    "Curve",
    "InvalidSignature",
    "SM2PrivateKey",
    "SM2PublicKey",
    "sm2_z",
]

#: The default signer identity of GM/T 0009-2012 §10 (and of GB/T 38540's SM2 signatures).
DEFAULT_USER_ID = b"1234567812345678"


@dataclass(frozen=True)
class Curve:
    """A prime-field curve y² = x³ + ax + b of prime order n (cofactor 1), with base point G."""

    name: str
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int
    size: int = 32  # bytes of a coordinate or a scalar
    _table: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        width = 2 * self.size
        table = {
            "n": f"{self.n:0{width}x}",
            "p": f"{self.p:0{width}x}",
            "g": f"{self.gx:0{width}x}{self.gy:0{width}x}",
            "a": f"{self.a:0{width}x}",
            "b": f"{self.b:0{width}x}",
        }
        object.__setattr__(self, "_table", table)

    def contains(self, x: int, y: int) -> bool:
        return (
            0 <= x < self.p and 0 <= y < self.p and (y * y - (x * x * x + self.a * x + self.b)) % self.p == 0
        )

    def engine(self, private_hex: str = "", public_hex: str = "") -> CryptSM2:
        """gmssl's arithmetic for this curve (``public_hex`` is x ‖ y without the 04 prefix). The key is set
        after construction: gmssl's constructor strips "04" with ``lstrip`` from any key that starts with it,
        which corrupts an x whose hex begins with 04."""
        engine = CryptSM2(private_key=private_hex, public_key="", ecc_table=self._table)
        engine.public_key = public_hex
        return engine


#: The recommended curve of GB/T 32918.5-2017 (OID 1.2.156.10197.1.301).
SM2P256V1 = Curve(
    name="sm2p256v1",
    p=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF,
    a=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC,
    b=0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93,
    gx=0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    gy=0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
    n=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123,
)


def _int_bytes(value: int, size: int) -> bytes:
    return value.to_bytes(size, "big")


def sm2_z(public_key: SM2PublicKey, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) (GB/T 32918.2 §5.5); ENTL is the ID's length
    in bits, two bytes."""
    bits = len(user_id) * 8
    if bits > 0xFFFF:
        raise ValueError("SM2 user ID too long")
    c = public_key.curve
    return sm3(
        bits.to_bytes(2, "big")
        + user_id
        + b"".join(_int_bytes(v, c.size) for v in (c.a, c.b, c.gx, c.gy, public_key.x, public_key.y))
    )


@dataclass(frozen=True)
class SM2PublicKey:
    x: int
    y: int
    curve: Curve = SM2P256V1

    def __post_init__(self) -> None:
        if not self.curve.contains(self.x, self.y):
            raise ValueError("not a point of the SM2 curve")

    @classmethod
    def from_bytes(cls, data: bytes, curve: Curve = SM2P256V1) -> SM2PublicKey:
        """From an uncompressed point ``04 ‖ x ‖ y``."""
        if len(data) != 1 + 2 * curve.size or data[0] != 4:
            raise ValueError("an SM2 public key is an uncompressed point: 04 ‖ x ‖ y")
        x = int.from_bytes(data[1 : 1 + curve.size], "big")
        y = int.from_bytes(data[1 + curve.size :], "big")
        return cls(x, y, curve)

    def to_bytes(self) -> bytes:
        """The uncompressed point ``04 ‖ x ‖ y`` (65 bytes)."""
        return b"\x04" + _int_bytes(self.x, self.curve.size) + _int_bytes(self.y, self.curve.size)

    def _xy_hex(self) -> str:
        return self.to_bytes()[1:].hex()

    def digest(self, data: bytes, user_id: bytes = DEFAULT_USER_ID) -> bytes:
        """e = SM3(Z_A ‖ M), the value SM2 signs."""
        return sm3(sm2_z(self, user_id) + data)

    def verify(self, signature: bytes, data: bytes, *, user_id: bytes = DEFAULT_USER_ID) -> None:
        """Check a DER signature of ``data``; raises :class:`InvalidSignature` when it does not hold."""
        r, s = decode_signature(signature)
        n = self.curve.n
        if not (1 <= r < n and 1 <= s < n):
            raise InvalidSignature("SM2 signature out of range")
        engine = self.curve.engine(public_hex=self._xy_hex())
        width = 2 * self.curve.size
        try:
            valid = engine.verify(f"{r:0{width}x}{s:0{width}x}", self.digest(data, user_id))
        except (TypeError, ValueError, IndexError) as exc:
            # gmssl fails (None for a point) when [s]G + [t]P is the point at infinity
            raise InvalidSignature("SM2 signature does not match") from exc
        if not valid:
            raise InvalidSignature("SM2 signature does not match")

    def is_valid(self, signature: bytes, data: bytes, *, user_id: bytes = DEFAULT_USER_ID) -> bool:
        try:
            self.verify(signature, data, user_id=user_id)
        except (InvalidSignature, ValueError):
            return False
        return True


def encode_signature(r: int, s: int) -> bytes:
    """DER ``SEQUENCE { r INTEGER, s INTEGER }``."""
    return DSASignature({"r": r, "s": s}).dump()


def decode_signature(signature: bytes) -> tuple[int, int]:
    """(r, s) of a DER signature; anything but the one DER encoding is refused."""
    try:
        parsed = DSASignature.load(signature, strict=True)
        r, s = int(parsed["r"].native), int(parsed["s"].native)
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, KeyError… on malformed input
        raise InvalidSignature("SM2 signature is not DER SEQUENCE { r, s }") from exc
    if encode_signature(r, s) != signature:
        raise InvalidSignature("SM2 signature is not in DER")
    return r, s


class SM2PrivateKey:
    """A private key d ∈ [1, n-2] and its public key P = [d]G."""

    __slots__ = ("_d", "curve", "public_key")

    def __init__(self, d: int, curve: Curve = SM2P256V1) -> None:
        if not 1 <= d <= curve.n - 2:
            raise ValueError("SM2 private key out of range")
        self._d = d
        self.curve = curve
        xy = curve.engine()._kg(d, curve._table["g"])
        self.public_key = SM2PublicKey(int(xy[: 2 * curve.size], 16), int(xy[2 * curve.size :], 16), curve)

    def __repr__(self) -> str:
        return f"<SM2PrivateKey {self.curve.name} public={self.public_key.to_bytes().hex()[:18]}…>"

    @classmethod
    def generate(cls, curve: Curve = SM2P256V1) -> SM2PrivateKey:
        return cls(secrets.randbelow(curve.n - 2) + 1, curve)

    @classmethod
    def from_bytes(cls, data: bytes, curve: Curve = SM2P256V1) -> SM2PrivateKey:
        """From the 32 raw bytes :meth:`to_bytes` gave."""
        if len(data) != curve.size:
            raise ValueError("an SM2 private key is 32 bytes")
        return cls(int.from_bytes(data, "big"), curve)

    def to_bytes(self) -> bytes:
        """d as 32 big-endian bytes: encrypt them before storing (``core.crypto.key_encryption()``)."""
        return _int_bytes(self._d, self.curve.size)

    def sign(self, data: bytes, *, user_id: bytes = DEFAULT_USER_ID) -> bytes:
        """A DER signature of ``data`` (SM3 with Z_A, GB/T 32918.2 §6.1), with a fresh nonce from secrets."""
        e = self.public_key.digest(data, user_id)
        while True:
            signature = self._sign_digest(e, secrets.randbelow(self.curve.n - 1) + 1)
            if signature is not None:
                return signature

    def _sign_digest(self, e: bytes, k: int) -> bytes | None:
        """The signature of the digest e with the nonce k, or None for a k the standard rejects. Only
        :meth:`sign` (k from secrets) and the known-answer tests (the published k) call it."""
        width = 2 * self.curve.size
        engine = self.curve.engine(private_hex=f"{self._d:0{width}x}", public_hex=self.public_key._xy_hex())
        raw = engine.sign(e, f"{k:0{width}x}")
        if raw is None:
            return None
        return encode_signature(int(raw[:width], 16), int(raw[width:], 16))
