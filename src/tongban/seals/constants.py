"""The seals context's vocabularies: seal kinds, statuses, the PKI's key roles (docs/domain/seals.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OwnerKind(models.TextChoices):
    ORG = "org", _("单位")
    PERSON = "person", _("个人")


class SealKind(models.TextChoices):
    """The kinds of electronic seal the platform makes. The first six belong to an organisation; the last
    to a natural person."""

    LEGAL_NAME = "legal_name", _("法定名称章")
    FINANCE = "finance", _("财务专用章")
    CONTRACT = "contract", _("合同专用章")
    INVOICE = "invoice", _("发票专用章")
    LEGAL_REP = "legal_rep", _("法定代表人名章")
    DEPARTMENT = "department", _("部门章")
    PERSONAL = "personal", _("个人签名/名章")


ORG_KINDS = frozenset(
    {
        SealKind.LEGAL_NAME,
        SealKind.FINANCE,
        SealKind.CONTRACT,
        SealKind.INVOICE,
        SealKind.LEGAL_REP,
        SealKind.DEPARTMENT,
    }
)
# What an enterprise's legal representative may apply for online (a department seal is made for the
# issuing authorities by the platform, not applied for).
ENTERPRISE_KINDS = frozenset(ORG_KINDS - {SealKind.DEPARTMENT})


class SealStatus(models.TextChoices):
    PENDING = "pending", _("待制作")
    ACTIVE = "active", _("有效")
    SUSPENDED = "suspended", _("已挂起")
    REVOKED = "revoked", _("已注销")
    EXPIRED = "expired", _("已过期")


# The lifecycle: which status may follow which (revoked and expired are final).
SEAL_TRANSITIONS: dict[str, frozenset[str]] = {
    SealStatus.PENDING: frozenset({SealStatus.ACTIVE, SealStatus.REVOKED}),
    SealStatus.ACTIVE: frozenset({SealStatus.SUSPENDED, SealStatus.REVOKED, SealStatus.EXPIRED}),
    SealStatus.SUSPENDED: frozenset({SealStatus.ACTIVE, SealStatus.REVOKED, SealStatus.EXPIRED}),
    SealStatus.REVOKED: frozenset(),
    SealStatus.EXPIRED: frozenset(),
}


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")


class KeyRole(models.TextChoices):
    """The platform's own keys: the two CAs and the two services' signing keys (ECDSA P-256, for PAdES); the
    SM2 seal maker's root and signing key (GB/T 38540, docs/domain/seals-gbt38540.md)."""

    ROOT = "root", _("根 CA")
    ISSUING = "issuing", _("签发 CA")
    OCSP = "ocsp", _("OCSP 响应者")
    TSA = "tsa", _("时间戳服务")
    SM2_ROOT = "sm2_root", _("SM2 制章者根证书")
    SM2_MAKER = "sm2_maker", _("SM2 制章者")


class CertPurpose(models.TextChoices):
    CA = "ca", _("CA 证书")
    SEAL = "seal", _("印章证书")
    OCSP = "ocsp", _("OCSP 响应者证书")
    TSA = "tsa", _("时间戳证书")
    OTHER = "other", _("其他")


class RevocationReason(models.TextChoices):
    """RFC 5280 reason codes the platform uses (their names as ``cryptography`` spells them)."""

    UNSPECIFIED = "unspecified", _("未说明")
    KEY_COMPROMISE = "key_compromise", _("密钥泄露")
    AFFILIATION_CHANGED = "affiliation_changed", _("单位信息变更")
    SUPERSEDED = "superseded", _("已被替换")
    CESSATION_OF_OPERATION = "cessation_of_operation", _("停止使用")
    CERTIFICATE_HOLD = "certificate_hold", _("暂停使用")


# Lifetimes (days).
ROOT_DAYS = 20 * 365
ISSUING_DAYS = 10 * 365
OCSP_DAYS = 365
TSA_DAYS = 5 * 365
SEAL_DAYS = 3 * 365
SM2_ROOT_DAYS = 20 * 365
SM2_MAKER_DAYS = 10 * 365  # replaced when fewer than SEAL_DAYS are left: a seal never outlives its maker
CRL_HOURS = 24  # a CRL's nextUpdate: one day after its thisUpdate
SERVICE_RENEW_DAYS = 30  # a service certificate (OCSP, TSA) closer than this to its end is replaced
