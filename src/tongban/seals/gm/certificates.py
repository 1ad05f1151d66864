"""SM2 X.509 certificates for the seal maker (制章者), built with asn1crypto and signed with our SM2.

``cryptography`` cannot sign with SM2 (nor load an SM2 key), so the TBSCertificate is assembled with asn1crypto
and signed here: signature algorithm SM2-with-SM3 (OID 1.2.156.10197.1.501, parameters absent, as OpenSSL
writes it), public key id-ecPublicKey on sm2p256v1 (OID 1.2.156.10197.1.301), the signature over the DER of
the TBSCertificate with the default ID "1234567812345678" (GM/T 0015 / GB/T 20518). A self-signed maker root
and the maker's certificates it issues are enough for GB/T 38540; OpenSSL 3 verifies them (tests)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from asn1crypto import keys, x509

from .sm2 import InvalidSignature, SM2PrivateKey, SM2PublicKey

__all__ = [
    "OID_EC_PUBLIC_KEY",
    "OID_SM2P256V1",
    "OID_SM2_WITH_SM3",
    "CertificateError",
    "certificate_public_key",
    "certificate_signs_documents",
    "certificate_validity",
    "certificate_verify",
    "maker_certificate_make",
    "maker_root_make",
    "sm2_certificate_make",
    "sm2_public_key_info",
]

OID_SM2_WITH_SM3 = "1.2.156.10197.1.501"
OID_SM2P256V1 = "1.2.156.10197.1.301"
OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"

# asn1crypto's own way to name a curve it does not know (additive: no other curve changes).
if OID_SM2P256V1 not in keys.NamedCurve._map:
    keys.NamedCurve.register("sm2p256v1", OID_SM2P256V1, 32)


class CertificateError(ValueError):
    """A certificate that is not an SM2 certificate, or whose signature does not hold."""


def sm2_public_key_info(public_key: SM2PublicKey) -> keys.PublicKeyInfo:
    """SubjectPublicKeyInfo: id-ecPublicKey, named curve sm2p256v1, the uncompressed point."""
    return keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": "ec",
                "parameters": keys.ECDomainParameters(name="named", value="sm2p256v1"),
            },
            "public_key": public_key.to_bytes(),
        }
    )


def _key_identifier(public_key: SM2PublicKey) -> bytes:
    # RFC 5280 §4.2.1.2 method 1: SHA-1 of the public key's bits; an identifier, not a security function.
    return hashlib.sha1(public_key.to_bytes(), usedforsecurity=False).digest()


def _time(moment: datetime) -> x509.Time:
    if moment.tzinfo is None:
        raise ValueError("certificate times must be timezone-aware")
    moment = moment.astimezone(UTC).replace(microsecond=0)
    # RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
    return x509.Time(name="utc_time" if moment.year < 2050 else "general_time", value=moment)


def sm2_certificate_make(
    *,
    subject: dict[str, str],
    public_key: SM2PublicKey,
    issuer_key: SM2PrivateKey,
    issuer_cert_der: bytes | None,
    not_before: datetime,
    not_after: datetime,
    ca: bool,
    path_length: int | None = None,
    serial_number: int | None = None,
) -> bytes:
    """A DER X.509 v3 certificate signed with SM2-with-SM3 by ``issuer_key``; self-signed when
    ``issuer_cert_der`` is None (then ``issuer_key`` must be the subject's key). ``subject`` uses asn1crypto's
    name keys (``country_name``, ``organization_name``, ``common_name``…)."""
    if issuer_cert_der is None:
        if issuer_key.public_key != public_key:
            raise CertificateError("a self-signed certificate is signed by its own key")
        issuer_name = x509.Name.build(subject)
        issuer_key_id = _key_identifier(public_key)
    else:
        issuer = x509.Certificate.load(issuer_cert_der)
        if certificate_public_key(issuer_cert_der) != issuer_key.public_key:
            raise CertificateError("the issuer's key does not match the issuer's certificate")
        issuer_name = issuer.subject
        issuer_key_id = _key_identifier(issuer_key.public_key)
    if not_after <= not_before:
        raise CertificateError("a certificate's validity ends after it starts")
    key_usage = {"key_cert_sign", "crl_sign"} if ca else {"digital_signature", "non_repudiation"}
    constraints: dict[str, object] = {"ca": ca}
    if ca and path_length is not None:
        constraints["path_len_constraint"] = path_length
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial_number or (secrets.randbits(127) | 1 << 126),
            "signature": {"algorithm": OID_SM2_WITH_SM3},
            "issuer": issuer_name,
            "validity": {"not_before": _time(not_before), "not_after": _time(not_after)},
            "subject": x509.Name.build(subject),
            "subject_public_key_info": sm2_public_key_info(public_key),
            "extensions": [
                {"extn_id": "basic_constraints", "critical": True, "extn_value": constraints},
                {"extn_id": "key_usage", "critical": True, "extn_value": key_usage},
                {"extn_id": "key_identifier", "critical": False, "extn_value": _key_identifier(public_key)},
                {
                    "extn_id": "authority_key_identifier",
                    "critical": False,
                    "extn_value": {"key_identifier": issuer_key_id},
                },
            ],
        }
    )
    signature = issuer_key.sign(tbs.dump())
    certificate = x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": {"algorithm": OID_SM2_WITH_SM3},
            "signature_value": signature,
        }
    )
    return certificate.dump(force=True)


def maker_root_make(*, name: str, key: SM2PrivateKey, not_before: datetime, not_after: datetime) -> bytes:
    """The seal maker's self-signed SM2 root (制章者根证书)."""
    subject = {"country_name": "CN", "organization_name": name, "common_name": f"{name} SM2 根证书"}
    return sm2_certificate_make(
        subject=subject,
        public_key=key.public_key,
        issuer_key=key,
        issuer_cert_der=None,
        not_before=not_before,
        not_after=not_after,
        ca=True,
        path_length=0,
    )


def maker_certificate_make(
    *,
    name: str,
    public_key: SM2PublicKey,
    root_key: SM2PrivateKey,
    root_cert_der: bytes,
    not_before: datetime,
    not_after: datetime,
) -> bytes:
    """The seal maker's signing certificate (制章者证书), issued by the maker's root."""
    subject = {"country_name": "CN", "organization_name": name, "common_name": f"{name} 电子印章制作"}
    return sm2_certificate_make(
        subject=subject,
        public_key=public_key,
        issuer_key=root_key,
        issuer_cert_der=root_cert_der,
        not_before=not_before,
        not_after=not_after,
        ca=False,
    )


def _load(der: bytes) -> x509.Certificate:
    try:
        certificate = x509.Certificate.load(der, strict=True)
        certificate.native  # parse every field now, not at first use  # noqa: B018
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, KeyError… on malformed input
        raise CertificateError("not a DER X.509 certificate") from exc
    return certificate


def certificate_public_key(der: bytes) -> SM2PublicKey:
    """The SM2 public key of a certificate (refuses any other algorithm or curve)."""
    info = _load(der)["tbs_certificate"]["subject_public_key_info"]
    algorithm = info["algorithm"]
    if (
        algorithm["algorithm"].dotted != OID_EC_PUBLIC_KEY
        or algorithm["parameters"].chosen.dotted != OID_SM2P256V1
    ):
        raise CertificateError("not an SM2 (sm2p256v1) public key")
    try:
        return SM2PublicKey.from_bytes(bytes(info["public_key"]))
    except ValueError as exc:
        raise CertificateError("the certificate's public key is not a point of sm2p256v1") from exc


def certificate_verify(der: bytes, issuer_der: bytes) -> x509.Certificate:
    """Check that ``issuer_der`` signed ``der`` with SM2-with-SM3 (names, algorithm, signature; not validity:
    callers compare the dates with their own moment). Returns the parsed certificate."""
    certificate = _load(der)
    issuer = _load(issuer_der)
    if certificate["signature_algorithm"]["algorithm"].dotted != OID_SM2_WITH_SM3:
        raise CertificateError("not signed with SM2-with-SM3")
    if certificate["tbs_certificate"]["signature"].dump() != certificate["signature_algorithm"].dump():
        raise CertificateError("the certificate's two signature algorithms differ")
    if certificate.issuer != issuer.subject:
        raise CertificateError("the certificate was not issued by that issuer")
    if issuer is not certificate and der != issuer_der:
        constraints = issuer.basic_constraints_value
        if constraints is None or not constraints["ca"].native:
            raise CertificateError("the issuer is not a CA")
    try:
        certificate_public_key(issuer_der).verify(
            bytes(certificate["signature_value"]), certificate["tbs_certificate"].dump()
        )
    except InvalidSignature as exc:
        raise CertificateError("the certificate's SM2 signature does not hold") from exc
    return certificate


def certificate_signs_documents(der: bytes) -> bool:
    """Whether the certificate's key may sign (key usage absent, or with digitalSignature or
    nonRepudiation)."""
    usage = _load(der).key_usage_value
    return usage is None or bool({"digital_signature", "non_repudiation"} & set(usage.native))


def certificate_validity(der: bytes) -> tuple[datetime, datetime]:
    validity = _load(der)["tbs_certificate"]["validity"]
    return validity["not_before"].native, validity["not_after"].native
