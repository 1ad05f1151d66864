"""SM3 (GB/T 32905-2016), the 256-bit hash of the national standards.

The OpenSSL that ``cryptography`` ships implements SM3 (``hashes.SM3``); it is used when present, and gmssl's
pure-Python SM3 otherwise (an OpenSSL built without SM3)."""

from __future__ import annotations

from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes

__all__ = ["DIGEST_SIZE", "SM3_BACKEND", "sm3", "sm3_hex"]

DIGEST_SIZE = 32


def _openssl_has_sm3() -> bool:
    try:
        return bool(default_backend().hash_supported(hashes.SM3()))
    except Exception:  # an older cryptography without hashes.SM3
        return False


SM3_BACKEND = "openssl" if _openssl_has_sm3() else "gmssl"


def sm3(data: bytes) -> bytes:
    """The SM3 digest of ``data`` (32 bytes)."""
    if SM3_BACKEND == "openssl":
        digest = hashes.Hash(hashes.SM3())
        digest.update(data)
        return digest.finalize()
    from gmssl import sm3 as gmssl_sm3

    return bytes.fromhex(gmssl_sm3.sm3_hash(list(data)))


def sm3_hex(data: bytes) -> str:
    """The SM3 digest of ``data`` in lower-case hex."""
    return sm3(data).hex()
