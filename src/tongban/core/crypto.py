"""Encryption at rest for the platform's secrets (issuer private keys, SMS texts).

Fernet under ``TONGBAN_KEY_ENCRYPTION_KEYS`` (MultiFernet: the first key encrypts, every key decrypts), or
under a key derived from ``SECRET_KEY`` when none is set."""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

__all__ = ["InvalidToken", "decrypt_text", "derived_key", "encrypt_text", "key_encryption"]


def derived_key() -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tongban-issuer-keys", info=b"fernet")
    return base64.urlsafe_b64encode(hkdf.derive(settings.SECRET_KEY.encode()))


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys] if keys else [Fernet(derived_key())])


def key_encryption() -> MultiFernet:
    return _fernet(tuple(settings.TONGBAN_KEY_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt_text(text: str) -> str:
    """A Fernet token (ASCII) for ``text``; "" stays ""."""
    return key_encryption().encrypt(text.encode()).decode("ascii") if text else ""


def decrypt_text(token: str) -> str:
    """The text of a token made by :func:`encrypt_text` (raises ``InvalidToken`` without the right key)."""
    return key_encryption().decrypt(token.encode("ascii")).decode() if token else ""
