"""The GB/T 38540-2020 structures: the electronic seal ``SESeal`` (clause 6, 电子印章) and the electronic
signature ``SES_Signature`` (clause 7, 电子签章), version 4, DER-encoded, signed with SM2 over SM3.

The ASN.1, the bytes each signature covers and the checks made on verification are written down in
docs/domain/seals-gbt38540.md. A verification that fails raises :class:`SESVerificationError`, whose
``reason`` (a :class:`SESFailure`) says which check failed."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import core, x509

from .certificates import (
    OID_SM2_WITH_SM3,
    CertificateError,
    certificate_public_key,
    certificate_signs_documents,
    certificate_validity,
    certificate_verify,
)
from .sm2 import InvalidSignature, SM2PrivateKey
from .sm3 import sm3

__all__ = [
    "SES_VERSION",
    "ParsedSESignature",
    "ParsedSeal",
    "SESFailure",
    "SESVerificationError",
    "seal_structure_make",
    "seal_structure_verify",
    "ses_signature_make",
    "ses_signature_verify",
]

SES_VERSION = 4
SES_HEADER_ID = "ES"
CERT_LIST_CERTS = 1  # certListType: 1 = the signers' certificates, 2 = their digests


# --- ASN.1 (GB/T 38540-2020 clauses 6 and 7: the data formats) ------------------------------------------


class ExtData(core.Sequence):
    _fields = [
        ("extn_id", core.ObjectIdentifier),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


class ExtensionDatas(core.SequenceOf):
    _child_spec = ExtData


class SESHeader(core.Sequence):
    _fields = [("id", core.IA5String), ("version", core.Integer), ("vid", core.IA5String)]


class CertInfoList(core.SequenceOf):
    _child_spec = core.OctetString  # each a DER certificate (GB/T 20518)


class CertDigestObj(core.Sequence):
    _fields = [("type", core.PrintableString), ("value", core.OctetString)]


class CertDigestList(core.SequenceOf):
    _child_spec = CertDigestObj


# SES_CertList ::= CHOICE { certs CertInfoList, certDigestList CertDigestList }: both alternatives are an
# untagged SEQUENCE OF, so the encoding alone cannot tell them apart; certListType does (1 certs, 2 digests).
# The field is read as Any and parsed with the type that certListType names.
CERT_LIST_SPECS: dict[int, type[core.SequenceOf]] = {1: CertInfoList, 2: CertDigestList}


class SESESPropertyInfo(core.Sequence):
    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list_type", core.Integer),
        ("cert_list", core.Any),  # SES_CertList, see CERT_LIST_SPECS
        ("create_date", core.GeneralizedTime),
        ("valid_start", core.GeneralizedTime),
        ("valid_end", core.GeneralizedTime),
    ]


class SESESPictrueInfo(core.Sequence):  # the standard's own spelling ("Pictrue")
    _fields = [
        ("type", core.IA5String),
        ("data", core.OctetString),
        ("width", core.Integer),
        ("height", core.Integer),
    ]


class SESSealInfo(core.Sequence):
    _fields = [
        ("header", SESHeader),
        ("es_id", core.IA5String),
        ("property", SESESPropertyInfo),
        ("picture", SESESPictrueInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SESeal(core.Sequence):
    _fields = [
        ("e_seal_info", SESSealInfo),
        ("cert", core.OctetString),  # the maker's certificate, DER
        ("sign_alg_id", core.ObjectIdentifier),
        ("signed_value", core.OctetBitString),
    ]


class TBSSign(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("eseal", SESeal),
        ("time_info", core.GeneralizedTime),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("ext_datas", ExtensionDatas, {"explicit": 0, "optional": True}),
    ]


class SESSignature(core.Sequence):
    _fields = [
        ("to_sign", TBSSign),
        ("cert", core.OctetString),  # the signer's certificate, DER
        ("signature_alg_id", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("time_stamp", core.OctetBitString, {"explicit": 0, "optional": True}),
    ]


# --- results and failures ------------------------------------------------------------------------------------


class SESFailure(enum.StrEnum):
    FORMAT = "format"  # not the DER of the structure, or a field out of its range
    HEADER = "header"  # header ID is not "ES" or the version is not 4
    ALGORITHM = "algorithm"  # not SM2-with-SM3
    UNTRUSTED_MAKER = "untrusted_maker"  # the maker's certificate chains to no trusted maker certificate
    MAKER_SIGNATURE = "maker_signature"  # the maker's signature over the seal does not hold
    MAKER_CERTIFICATE_EXPIRED = "maker_certificate_expired"  # outside the maker's certificate validity
    SEAL_NOT_YET_VALID = "seal_not_yet_valid"
    SEAL_EXPIRED = "seal_expired"
    SIGNATURE = "signature"  # the signer's signature over TBS_Sign does not hold
    SIGNER_NOT_IN_SEAL = "signer_not_in_seal"  # the signer's certificate is not in the seal's certList
    SIGNER_CERTIFICATE_EXPIRED = "signer_certificate_expired"  # outside its validity at the signing time
    KEY_USAGE = "key_usage"  # the maker's or the signer's certificate does not allow signing
    DATA_HASH = "data_hash"  # the document is not the one signed


class SESVerificationError(Exception):
    """A seal or a signature that does not verify; ``reason`` says which check failed."""

    def __init__(self, reason: SESFailure, message: str) -> None:
        super().__init__(f"{reason.value}: {message}")
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class ParsedSeal:
    es_id: str
    seal_type: int
    name: str
    vendor_id: str
    version: int
    created_at: datetime
    valid_start: datetime
    valid_end: datetime
    cert_list: tuple[bytes, ...]  # DER certificates (certListType 1) or digests (2)
    cert_list_type: int
    picture_type: str
    picture: bytes
    width_mm: int
    height_mm: int
    maker_cert_der: bytes
    maker_subject: str
    maker_trusted: bool


@dataclass(frozen=True)
class ParsedSESignature:
    seal: ParsedSeal
    signed_at: datetime
    data_hash: bytes
    property_info: str
    signer_cert_der: bytes
    signer_subject: str


# --- helpers ---------------------------------------------------------------------------------------------------


def _seconds(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0)


def _fail(reason: SESFailure, message: str) -> SESVerificationError:
    return SESVerificationError(reason, message)


def _load(spec: type[core.Sequence], der: bytes, what: str) -> core.Sequence:
    try:
        value = spec.load(der, strict=True)
        value.native  # parse every field now  # noqa: B018
        if value.dump(force=True) != der:
            raise ValueError("not DER")
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, KeyError… on malformed input
        raise _fail(SESFailure.FORMAT, f"{what} is not a DER-encoded GB/T 38540 structure") from exc
    return value


def _subject(der: bytes) -> str:
    return str(x509.Certificate.load(der).subject.human_friendly)


def _seal_to_be_signed(seal: SESeal) -> bytes:
    """What the maker signs: the DER of eSealInfo (clause 6, signedValue)."""
    return seal["e_seal_info"].dump(force=True)


def _within(der: bytes, at: datetime) -> bool:
    not_before, not_after = certificate_validity(der)
    return not_before <= at <= not_after


# --- the seal (制章) -----------------------------------------------------------------------------------------


def seal_structure_make(
    *,
    es_id: str,
    seal_type: int,
    name: str,
    cert_list: Iterable[bytes],
    picture_png: bytes,
    width_mm: int,
    height_mm: int,
    valid_start: datetime,
    valid_end: datetime,
    maker_key: SM2PrivateKey,
    maker_cert_der: bytes,
    vendor_id: str = "TONGBAN",
    created_at: datetime | None = None,
) -> bytes:
    """The DER ``SESeal`` of a seal, signed by the maker with SM2 over SM3. ``cert_list`` holds the DER
    certificates of the persons who may sign with it (certListType 1)."""
    certs = [bytes(c) for c in cert_list]
    if not certs:
        raise ValueError("a seal lists at least one signer's certificate")
    if not picture_png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("the seal's picture is a PNG")
    if width_mm <= 0 or height_mm <= 0:
        raise ValueError("a seal's width and height are positive (mm)")
    start, end = _seconds(valid_start), _seconds(valid_end)
    if end <= start:
        raise ValueError("a seal's validity ends after it starts")
    if certificate_public_key(maker_cert_der) != maker_key.public_key:
        raise ValueError("the maker's key does not match the maker's certificate")
    if not es_id.isascii() or not vendor_id.isascii():
        raise ValueError("esID and the vendor ID are IA5 (ASCII) strings")
    info = SESSealInfo(
        {
            "header": {"id": SES_HEADER_ID, "version": SES_VERSION, "vid": vendor_id},
            "es_id": es_id,
            "property": {
                "type": seal_type,
                "name": name,
                "cert_list_type": CERT_LIST_CERTS,
                "cert_list": CertInfoList(certs),
                "create_date": _seconds(created_at or datetime.now(UTC)),
                "valid_start": start,
                "valid_end": end,
            },
            "picture": {"type": "PNG", "data": picture_png, "width": width_mm, "height": height_mm},
        }
    )
    seal = SESeal({"e_seal_info": info, "cert": maker_cert_der, "sign_alg_id": OID_SM2_WITH_SM3})
    seal["signed_value"] = maker_key.sign(_seal_to_be_signed(seal))
    return seal.dump(force=True)


def _cert_list(prop: core.Sequence) -> tuple[bytes, ...]:
    spec = CERT_LIST_SPECS.get(prop["cert_list_type"].native)
    if spec is None:
        raise _fail(SESFailure.FORMAT, "the seal's certListType is neither 1 nor 2")
    try:
        parsed = prop["cert_list"].parse(spec)
        if spec is CertInfoList:
            return tuple(bytes(c.native) for c in parsed)
        return tuple(bytes(d["value"].native) for d in parsed)
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, KeyError… on malformed input
        raise _fail(SESFailure.FORMAT, "the seal's certList does not match its certListType") from exc


def _parsed_seal(seal: SESeal, *, maker_trusted: bool) -> ParsedSeal:
    info = seal["e_seal_info"]
    prop, picture = info["property"], info["picture"]
    entries = _cert_list(prop)
    maker_der = bytes(seal["cert"].native)
    return ParsedSeal(
        es_id=info["es_id"].native,
        seal_type=prop["type"].native,
        name=prop["name"].native,
        vendor_id=info["header"]["vid"].native,
        version=info["header"]["version"].native,
        created_at=prop["create_date"].native,
        valid_start=prop["valid_start"].native,
        valid_end=prop["valid_end"].native,
        cert_list=entries,
        cert_list_type=prop["cert_list_type"].native,
        picture_type=picture["type"].native,
        picture=bytes(picture["data"].native),
        width_mm=picture["width"].native,
        height_mm=picture["height"].native,
        maker_cert_der=maker_der,
        maker_subject=_subject(maker_der),
        maker_trusted=maker_trusted,
    )


def _trust_anchor(maker_der: bytes, trusted_maker_certs: Iterable[bytes]) -> bytes | None:
    """The trusted certificate that is the maker's certificate or directly issued it (one level: a maker
    root and its makers' certificates), or None."""
    for anchor in trusted_maker_certs:
        if maker_der == anchor:
            return anchor
        try:
            certificate_verify(maker_der, anchor)
        except CertificateError:
            continue
        return anchor
    return None


def _verify_seal(seal: SESeal, *, trusted_maker_certs: Iterable[bytes] | None, at: datetime) -> ParsedSeal:
    header = seal["e_seal_info"]["header"]
    if header["id"].native != SES_HEADER_ID or header["version"].native != SES_VERSION:
        raise _fail(SESFailure.HEADER, "the seal's header is not ES version 4")
    if seal["sign_alg_id"].dotted != OID_SM2_WITH_SM3:
        raise _fail(SESFailure.ALGORITHM, "the seal is not signed with SM2-with-SM3")
    maker_der = bytes(seal["cert"].native)
    anchor: bytes | None = None
    if trusted_maker_certs is not None:
        anchor = _trust_anchor(maker_der, trusted_maker_certs)
        if anchor is None:
            raise _fail(SESFailure.UNTRUSTED_MAKER, "the seal's maker is not a trusted seal maker")
    try:
        certificate_public_key(maker_der).verify(bytes(seal["signed_value"].native), _seal_to_be_signed(seal))
    except (CertificateError, InvalidSignature) as exc:
        raise _fail(SESFailure.MAKER_SIGNATURE, "the maker's signature over the seal does not hold") from exc
    if not certificate_signs_documents(maker_der):
        raise _fail(SESFailure.KEY_USAGE, "the maker's certificate is not for signing")
    if not _within(maker_der, at) or (anchor is not None and not _within(anchor, at)):
        raise _fail(SESFailure.MAKER_CERTIFICATE_EXPIRED, "the maker's certificate is not valid at that time")
    parsed = _parsed_seal(seal, maker_trusted=anchor is not None)
    if at < parsed.valid_start:
        raise _fail(SESFailure.SEAL_NOT_YET_VALID, "the seal is not yet valid")
    if at > parsed.valid_end:
        raise _fail(SESFailure.SEAL_EXPIRED, "the seal has expired")
    return parsed


def seal_structure_verify(
    der: bytes, *, trusted_maker_certs: Iterable[bytes], at: datetime | None = None
) -> ParsedSeal:
    """Parse a DER ``SESeal`` and check it (GB/T 38540 clause 6, verification): the format, the header, the
    algorithm, that the maker's certificate is one of ``trusted_maker_certs`` or issued by one, the maker's
    signature, the maker's certificate and the seal's validity at ``at`` (now by default). Raises
    :class:`SESVerificationError`."""
    seal = _load(SESeal, der, "the seal")
    return _verify_seal(
        seal, trusted_maker_certs=list(trusted_maker_certs), at=_seconds(at or datetime.now(UTC))
    )


# --- the signature (签章) -------------------------------------------------------------------------------------


def ses_signature_make(
    *,
    seal_der: bytes,
    data_hash: bytes,
    signer_key: SM2PrivateKey,
    signer_cert_der: bytes,
    property_info: str,
    signed_at: datetime,
) -> bytes:
    """The DER ``SES_Signature`` of a document whose SM3 digest is ``data_hash``, made with ``seal_der`` by the
    holder of ``signer_key`` (whose certificate the seal must list). ``property_info`` (IA5) names what was
    signed, e.g. the document's id and the protected range."""
    if len(data_hash) != 32:
        raise ValueError("dataHash is the document's SM3 digest (32 bytes)")
    if not property_info.isascii():
        raise ValueError("propertyInfo is an IA5 (ASCII) string")
    seal = _load(SESeal, seal_der, "the seal")
    parsed = _parsed_seal(seal, maker_trusted=False)
    when = _seconds(signed_at)
    if not parsed.valid_start <= when <= parsed.valid_end:
        raise ValueError("the seal is not valid at the signing time")
    if certificate_public_key(signer_cert_der) != signer_key.public_key:
        raise ValueError("the signer's key does not match the signer's certificate")
    if not _within(signer_cert_der, when):
        raise ValueError("the signer's certificate is not valid at the signing time")
    if not certificate_signs_documents(signer_cert_der):
        raise ValueError("the signer's certificate is not for signing")
    if parsed.cert_list_type == CERT_LIST_CERTS and bytes(signer_cert_der) not in parsed.cert_list:
        raise ValueError("the seal does not list the signer's certificate")
    tbs = TBSSign(
        {
            "version": SES_VERSION,
            "eseal": seal,
            "time_info": when,
            "data_hash": data_hash,
            "property_info": property_info,
        }
    )
    signature = SESSignature(
        {
            "to_sign": tbs,
            "cert": signer_cert_der,
            "signature_alg_id": OID_SM2_WITH_SM3,
            "signature": signer_key.sign(tbs.dump(force=True)),
        }
    )
    return signature.dump(force=True)


def _signer_in_seal(signer_der: bytes, seal: ParsedSeal) -> bool:
    if seal.cert_list_type == CERT_LIST_CERTS:
        return signer_der in seal.cert_list
    return sm3(signer_der) in seal.cert_list  # certListType 2: SM3 digests of the certificates


def ses_signature_verify(
    der: bytes, *, data: bytes, trusted_maker_certs: Iterable[bytes] | None = None
) -> ParsedSESignature:
    """Parse a DER ``SES_Signature`` and check it against the document ``data`` (GB/T 38540 clause 7,
    verification): the signer's signature over TBS_Sign, that the seal lists the signer's certificate, the
    seal itself at the signing time (its maker's signature; the maker's trust when ``trusted_maker_certs`` is
    given — otherwise ``seal.maker_trusted`` is False), the signer's certificate at the signing time, and the
    document's SM3 digest. Raises :class:`SESVerificationError`."""
    signature = _load(SESSignature, der, "the signature")
    tbs = signature["to_sign"]
    if tbs["version"].native != SES_VERSION:
        raise _fail(SESFailure.HEADER, "the signature is not version 4")
    if signature["signature_alg_id"].dotted != OID_SM2_WITH_SM3:
        raise _fail(SESFailure.ALGORITHM, "the signature is not SM2-with-SM3")
    signer_der = bytes(signature["cert"].native)
    try:
        certificate_public_key(signer_der).verify(bytes(signature["signature"].native), tbs.dump(force=True))
    except (CertificateError, InvalidSignature) as exc:
        raise _fail(SESFailure.SIGNATURE, "the signer's signature does not hold") from exc
    signed_at = tbs["time_info"].native
    anchors = None if trusted_maker_certs is None else list(trusted_maker_certs)
    seal = _verify_seal(tbs["eseal"], trusted_maker_certs=anchors, at=signed_at)
    if not _signer_in_seal(signer_der, seal):
        raise _fail(SESFailure.SIGNER_NOT_IN_SEAL, "the seal does not list the signer's certificate")
    if not certificate_signs_documents(signer_der):
        raise _fail(SESFailure.KEY_USAGE, "the signer's certificate is not for signing")
    if not _within(signer_der, signed_at):
        raise _fail(
            SESFailure.SIGNER_CERTIFICATE_EXPIRED, "the signer's certificate was not valid at signing"
        )
    data_hash = bytes(tbs["data_hash"].native)
    if sm3(data) != data_hash:
        raise _fail(SESFailure.DATA_HASH, "the document is not the one that was signed")
    return ParsedSESignature(
        seal=seal,
        signed_at=signed_at,
        data_hash=data_hash,
        property_info=tbs["property_info"].native,
        signer_cert_der=signer_der,
        signer_subject=_subject(signer_der),
    )
