"""Who signs with a key: the :class:`Signer` interface, with the key in the platform's database
(:class:`SoftwareSigner`, decrypted for the moment it signs) or in a PKCS#11 token such as an HSM
(:class:`Pkcs11Signer`, with ``python-pkcs11``; tested against SoftHSM2).

A signer answers ``sign(data, hash_algorithm)`` with a DER-encoded signature (an ECDSA ``Ecdsa-Sig-Value``
for EC keys, PKCS#1 v1.5 for RSA keys) over ``data`` hashed with ``hash_algorithm`` — what CMS, PAdES and
RFC 3161 put in their SignerInfo — and carries its ``certificate`` and its ``chain`` (the issuing CA, then
the root)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


@runtime_checkable
class Signer(Protocol):
    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def chain(self) -> tuple[x509.Certificate, ...]: ...

    def sign(self, data: bytes, hash_algorithm: hashes.HashAlgorithm) -> bytes: ...


@dataclass(frozen=True)
class SoftwareSigner:
    """A key held in memory (decrypted from the database for the moment it signs)."""

    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = field(repr=False)
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    def sign(self, data: bytes, hash_algorithm: hashes.HashAlgorithm) -> bytes:
        if isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            return self.private_key.sign(data, ec.ECDSA(hash_algorithm))
        return self.private_key.sign(data, padding.PKCS1v15(), hash_algorithm)


_PKCS11_LIBS: dict[str, object] = {}
_PKCS11_LOCK = threading.Lock()


def _pkcs11_lib(path: str):
    """One loaded PKCS#11 library per path (C_Initialize runs once per process)."""
    import pkcs11

    with _PKCS11_LOCK:
        lib = _PKCS11_LIBS.get(path)
        if lib is None:
            lib = _PKCS11_LIBS[path] = pkcs11.lib(path)
        return lib


@dataclass(frozen=True)
class Pkcs11Signer:
    """A private key that never leaves a PKCS#11 token: found by the token's label and the key's label
    (``CKA_LABEL``); the data is hashed here and the token signs the digest (CKM_ECDSA for EC keys,
    CKM_RSA_PKCS over a DigestInfo for RSA keys), so any token that signs raw ECDSA or RSA works."""

    library_path: str
    token_label: str
    key_label: str
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()
    user_pin: str = field(default="", repr=False)

    def sign(self, data: bytes, hash_algorithm: hashes.HashAlgorithm) -> bytes:
        from pkcs11 import KeyType, Mechanism, ObjectClass

        digest = hashes.Hash(hash_algorithm)
        digest.update(data)
        value = digest.finalize()
        token = _pkcs11_lib(self.library_path).get_token(token_label=self.token_label)
        with token.open(user_pin=self.user_pin or None) as session:
            key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=self.key_label)
            if key.key_type == KeyType.EC:
                raw = key.sign(value, mechanism=Mechanism.ECDSA)
                half = len(raw) // 2
                return encode_dss_signature(
                    int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
                )
            return key.sign(_digest_info(hash_algorithm, value), mechanism=Mechanism.RSA_PKCS)


# The DER prefixes of PKCS#1 v1.5 DigestInfo (RFC 8017 §9.2, note 1).
_DIGEST_INFO_PREFIX = {
    "sha256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "sha384": bytes.fromhex("3041300d060960864801650304020205000430"),
    "sha512": bytes.fromhex("3051300d060960864801650304020305000440"),
}


def _digest_info(hash_algorithm: hashes.HashAlgorithm, digest: bytes) -> bytes:
    return _DIGEST_INFO_PREFIX[hash_algorithm.name] + digest
