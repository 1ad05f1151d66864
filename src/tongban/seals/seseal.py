"""Every seal also as the GB/T 38540 ``SESeal`` (issue 16 §5; docs/domain/seals-gbt38540.md §5).

A seal holds, beside its ECDSA key and certificate (PAdES), an SM2 key of its holder, that key's SM2
certificate from the platform's SM2 maker root, and the DER ``SESeal`` the platform's seal maker (制章者,
``pki.sm2_maker``) signed with SM2 over SM3: esID the seal's uuid, type 1 (an organisation's seal) or 2 (a
person's), the name its certificate gives it, the holder's SM2 certificate as the one signer, the seal's
validity and its PNG picture at its size in millimetres.

They are made with the seal (:func:`seseal_fill` in ``services._seal_make``); the ``SESeal`` is made again,
with the same SM2 key, when the picture changes (``services.seal_image_set``); a live seal made before them
gets them on first need (:func:`seseal_ensure`). :func:`ses_verify` checks a GB/T 38540 ``SES_Signature``
made by ``services.seal_ses_sign``: the signed data is the 32 bytes of the document's SHA-256, so
``dataHash`` = SM3(SHA-256(document))."""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tongban.core.actors import SYSTEM, Actor
from tongban.core.audit import audit_record
from tongban.seals import pki
from tongban.seals.constants import OwnerKind, SealStatus
from tongban.seals.errors import SealError, SealsError
from tongban.seals.gm.ses import SESVerificationError, seal_structure_make, ses_signature_verify
from tongban.seals.gm.sm2 import SM2PrivateKey
from tongban.seals.gm.sm3 import sm3
from tongban.seals.images import seal_image_for
from tongban.seals.locks import lock_seal
from tongban.seals.models import Seal, SealStatusChange, SealUse

SEAL_TYPES = {OwnerKind.ORG: 1, OwnerKind.PERSON: 2}  # SES_ESPropertyInfo.type (our mapping)
LIVE = (SealStatus.ACTIVE, SealStatus.SUSPENDED)
_SKEW = dt.timedelta(minutes=5)


# --- making ------------------------------------------------------------------------------------------------------
def _mm(value) -> int:
    """A size in whole millimetres (SES_ESPictrueInfo's width and height are INTEGERs), at least 1."""
    return max(1, int(Decimal(str(value or 0)).to_integral_value(ROUND_HALF_UP)))


def _subject(seal: Seal) -> pki.SealSubject:
    return pki.seal_subject(seal.kind, seal.owner_kind, seal.owner_code, seal.owner_name, seal.name_text)


def _require_live(seal: Seal) -> tuple[dt.datetime, dt.datetime]:
    if seal.status not in LIVE or seal.valid_from is None or seal.valid_until is None:
        raise SealsError(
            SealError.SEAL_NOT_ACTIVE,
            _("该电子印章不在使用中，没有 GB/T 38540 印章数据"),
            status=409,
            status_code=seal.status,
        )
    return seal.valid_from, seal.valid_until


def seseal_fill(seal: Seal) -> list[str]:
    """Give a live seal (in memory; the caller saves it) its SM2 key and certificate when it has none, its
    picture when it has none, and a new ``SESeal`` signed by the maker; answers the fields set."""
    valid_from, valid_until = _require_live(seal)
    fields = ["seseal_der"]
    if seal.sm2_private_key_encrypted and seal.sm2_certificate_der:
        key = pki.decrypt_sm2_private_key(bytes(seal.sm2_private_key_encrypted))
        cert_der = bytes(seal.sm2_certificate_der)
    else:
        key = SM2PrivateKey.generate()
        cert_der = pki.sm2_certificate_issue(
            key.public_key, _subject(seal), not_before=valid_from - _SKEW, not_after=valid_until
        )
        seal.sm2_private_key_encrypted = pki.encrypt_sm2_private_key(key)
        seal.sm2_certificate_der = cert_der
        fields += ["sm2_private_key_encrypted", "sm2_certificate_der"]
    if not seal.image_png or not seal.width_mm or not seal.height_mm:
        png, width, height = seal_image_for(seal)
        seal.image_png, seal.width_mm, seal.height_mm = png, Decimal(str(width)), Decimal(str(height))
        fields += ["image_png", "width_mm", "height_mm"]
    maker = pki.sm2_maker()
    seal.seseal_der = seal_structure_make(
        es_id=str(seal.uuid),
        seal_type=SEAL_TYPES.get(OwnerKind(seal.owner_kind), 1),
        name=_subject(seal).common_name,
        cert_list=[cert_der],
        picture_png=bytes(seal.image_png),
        width_mm=_mm(seal.width_mm),
        height_mm=_mm(seal.height_mm),
        valid_start=valid_from,
        valid_end=valid_until,
        maker_key=pki.sm2_key_private(maker),
        maker_cert_der=bytes(maker.certificate_der),
    )
    return fields


def seseal_ensure(seal: Seal, *, actor: Actor = SYSTEM) -> Seal:
    """The seal with its ``SESeal``: made now (and audited) for a live seal made before GB/T 38540 was
    wired in; ``409 seal_not_active`` for a revoked or expired seal without one."""
    if seal.seseal_der and seal.sm2_certificate_der and seal.sm2_private_key_encrypted:
        return seal
    _require_live(seal)
    with transaction.atomic():
        locked = lock_seal(seal.pk)
        if not (locked.seseal_der and locked.sm2_certificate_der and locked.sm2_private_key_encrypted):
            fields = seseal_fill(locked)
            locked.save(update_fields=[*fields, "updated_at"])
            audit_record(
                actor=actor,
                action="seal.seseal_make",
                object_type="seal",
                object_id=locked.uuid,
                after={"reason": "first_need"},
            )
    return locked


def sm2_maker_certificate_der() -> bytes:
    """The active seal maker's SM2 certificate (DER): what signs every ``SESeal``."""
    return bytes(pki.sm2_maker().certificate_der)


def sm2_root_certificate_der() -> bytes:
    """The active SM2 maker root (DER): the trust anchor of every ``SESeal`` of the platform."""
    return bytes(pki.sm2_root().certificate_der)


def document_data(document_sha256: str) -> bytes:
    """What a GB/T 38540 signature of the platform signs: the 32 bytes of the document's SHA-256 (so its
    ``dataHash`` is SM3(SHA-256(document)))."""
    return bytes.fromhex(document_sha256)


def data_hash(document_sha256: str) -> bytes:
    return sm3(document_data(document_sha256))


def property_info(document_sha256: str) -> str:
    """``propertyInfo`` (IA5): what was signed."""
    return f"tongban:sha256={document_sha256}"


# --- verifying ------------------------------------------------------------------------------------------------------
FAILURE_MESSAGES = {
    "format": _("不是有效的 GB/T 38540 电子签章数据"),
    "header": _("电子签章的版本或头信息不正确（应为 ES 第 4 版）"),
    "algorithm": _("电子签章未使用 SM2/SM3 算法"),
    "untrusted_maker": _("印章不是由本平台的制章者制作的"),
    "maker_signature": _("制章者对印章的签名无效，印章数据可能被篡改"),
    "maker_certificate_expired": _("签章时制章者证书不在有效期内"),
    "seal_not_yet_valid": _("签章时印章尚未生效"),
    "seal_expired": _("签章时印章已过有效期"),
    "signature": _("签章人的签名无效，签章数据可能被篡改"),
    "signer_not_in_seal": _("签章人的证书不属于该印章"),
    "key_usage": _("证书不允许用于签名"),
    "signer_certificate_expired": _("签章时签章人证书不在有效期内"),
    "data_hash": _("文件摘要与签章时的文件不一致，文件可能已被修改"),
    "seal_not_active": _("签章时该电子印章已挂起或注销"),
}


@dataclass(frozen=True)
class SesReport:
    """What ``POST /api/seals/ses-verify`` answers: valid, or the reason it is not."""

    valid: bool
    reason: str | None
    message: str
    seal_uuid: str | None = None
    es_id: str | None = None
    seal_name: str | None = None
    seal_type: int | None = None
    seal_status: str | None = None
    valid_start: dt.datetime | None = None
    valid_end: dt.datetime | None = None
    signer: str | None = None
    signed_at: dt.datetime | None = None
    property_info: str | None = None
    maker: str | None = None
    maker_trusted: bool = False
    recorded: bool = False  # the registry logged this signing as a use of the seal

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _failed(reason: str) -> SesReport:
    return SesReport(valid=False, reason=reason, message=str(FAILURE_MESSAGES.get(reason, reason)))


def _status_at(seal: Seal, when: dt.datetime) -> str:
    """The seal's status in the registry at a signing time ``when``, which is to the second: every change
    that may have come before the signature (before the end of that second) counts."""
    upto = when + dt.timedelta(seconds=1)
    last = SealStatusChange.objects.filter(seal=seal, at__lt=upto).order_by("-at", "-id").first()
    return last.to_status if last is not None else ""


def _recorded(seal: Seal, when: dt.datetime, document_sha256: str) -> bool:
    """Whether the registry recorded this signing: a use of the seal for this document in that second (the
    platform records a use only while the seal may be used)."""
    upto = when + dt.timedelta(seconds=1)
    return SealUse.objects.filter(
        seal=seal, document_sha256=document_sha256, at__gte=when, at__lt=upto
    ).exists()


def _registry_seal(es_id: str) -> Seal | None:
    try:
        key = uuid_module.UUID(es_id)
    except (TypeError, ValueError):
        return None
    return Seal.objects.filter(uuid=key).first()


def ses_verify(signature_der: bytes, document_sha256: str) -> SesReport:
    """Check a DER ``SES_Signature`` against the document whose SHA-256 is ``document_sha256`` (64 hex
    digits, checked by the caller), trusting the platform's SM2 maker roots; then that the seal it carries
    was in use in the registry at the signing time. A malformed, forged or foreign signature is a report
    with its reason, never an exception."""
    try:
        parsed = ses_signature_verify(
            signature_der,
            data=document_data(document_sha256),
            trusted_maker_certs=pki.sm2_trusted_makers(),
        )
    except SESVerificationError as exc:
        return _failed(str(exc.reason))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):  # a structure the checks missed
        return _failed("format")
    seal = _registry_seal(parsed.seal.es_id)
    signed_at = parsed.signed_at
    recorded = seal is not None and _recorded(seal, signed_at, document_sha256)
    if seal is not None and not recorded and _status_at(seal, signed_at) not in ("", SealStatus.ACTIVE):
        return _failed("seal_not_active")
    return SesReport(
        valid=True,
        reason=None,
        message=str(_("电子签章有效：文件自签章后未被修改，印章由本平台制作")),
        seal_uuid=str(seal.uuid) if seal is not None else None,
        es_id=parsed.seal.es_id,
        seal_name=parsed.seal.name,
        seal_type=parsed.seal.seal_type,
        seal_status=seal.status if seal is not None else None,
        valid_start=parsed.seal.valid_start,
        valid_end=parsed.seal.valid_end,
        signer=parsed.signer_subject,
        signed_at=signed_at,
        property_info=parsed.property_info,
        maker=parsed.seal.maker_subject,
        maker_trusted=parsed.seal.maker_trusted,
        recorded=recorded,
    )
