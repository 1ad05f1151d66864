"""The seals context's tables: the platform's PKI (its keys and every certificate it issued) and the seal
registry (seals, applications, status history, authorisations, uses). Private keys are stored encrypted
under the platform's key-encryption keys (``tongban.core.crypto.key_encryption``); no row holds a PEM or DER
private key in the clear."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.seals.constants import (
    ApplicationStatus,
    CertPurpose,
    KeyRole,
    OwnerKind,
    RevocationReason,
    SealKind,
    SealStatus,
)


class PkiKey(models.Model):
    """One of the platform's own keys with its certificate: the root CA, an issuing CA, the OCSP responder
    of an issuing CA, the time-stamping unit (ECDSA P-256, the private key as encrypted PKCS#8); the SM2 seal
    maker's root and signing key (GB/T 38540; the private key as its 32 raw bytes, encrypted). Rotation adds a row and retires the previous one (``active``
    false), which stays to answer for what it issued."""

    role = models.CharField(_("用途"), max_length=10, choices=KeyRole.choices)
    label = models.CharField(_("名称"), max_length=200)
    issuer = models.ForeignKey(
        "self",
        verbose_name=_("签发者"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued",
    )
    certificate_der = models.BinaryField(_("证书（DER）"), editable=False)
    private_key_encrypted = models.BinaryField(_("私钥（加密）"), editable=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    # A CA's current CRL: made again at each revocation and before its nextUpdate.
    crl_number = models.PositiveBigIntegerField(_("CRL 序号"), default=0)
    crl_der = models.BinaryField(_("CRL（DER）"), null=True, blank=True, editable=False)
    crl_next_update = models.DateTimeField(_("CRL 下次更新"), null=True, blank=True)

    class Meta:
        ordering = ["role", "-created_at"]
        verbose_name = _("平台密钥")
        verbose_name_plural = _("平台密钥")
        constraints = [
            models.UniqueConstraint(
                fields=["role"], condition=Q(active=True, role="root"), name="pki_one_root"
            ),
            models.UniqueConstraint(
                fields=["role"], condition=Q(active=True, role="issuing"), name="pki_one_issuing"
            ),
            models.UniqueConstraint(
                fields=["role"], condition=Q(active=True, role="sm2_root"), name="pki_one_sm2_root"
            ),
            models.UniqueConstraint(
                fields=["role"], condition=Q(active=True, role="sm2_maker"), name="pki_one_sm2_maker"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class IssuedCertificate(models.Model):
    """Every certificate the platform issued (CAs, seals, OCSP responders, the TSA), with its revocation."""

    serial = models.CharField(_("序列号（十六进制）"), max_length=64, unique=True)
    issuer = models.ForeignKey(
        PkiKey,
        verbose_name=_("签发 CA"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certs",
    )
    purpose = models.CharField(_("用途"), max_length=10, choices=CertPurpose.choices)
    subject = models.CharField(_("主体"), max_length=500)
    not_before = models.DateTimeField(_("生效时间"))
    not_after = models.DateTimeField(_("失效时间"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revocation_reason = models.CharField(
        _("吊销原因"), max_length=30, choices=RevocationReason.choices, blank=True
    )
    certificate_der = models.BinaryField(_("证书（DER）"), editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("已签发证书")
        verbose_name_plural = _("已签发证书")
        indexes = [models.Index(fields=["issuer", "revoked_at"], name="seals_cert_issuer_revoked")]

    def __str__(self) -> str:
        return f"{self.serial} {self.subject}"


class SealApplication(models.Model):
    """An application for seals, by an enterprise's legal representative (or a person for their own seal)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    applicant_user_id = models.PositiveBigIntegerField(_("申请人账号"))
    applicant_label = models.CharField(_("申请人"), max_length=200)
    owner_kind = models.CharField(_("印章所有者类型"), max_length=10, choices=OwnerKind.choices)
    owner_code = models.CharField(_("统一社会信用代码或身份证号"), max_length=36)
    owner_name = models.CharField(_("所有者名称"), max_length=200)
    owner_uuid = models.CharField(_("所有者标识"), max_length=36, blank=True)
    legal_rep_name = models.CharField(_("法定代表人"), max_length=100, blank=True)
    kinds = models.JSONField(_("申请的印章种类"), default=list)
    status = models.CharField(
        _("状态"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    reviewer_user_id = models.PositiveBigIntegerField(_("审核人账号"), null=True, blank=True)
    reviewer_label = models.CharField(_("审核人"), max_length=200, blank=True)
    reason = models.TextField(_("审核意见"), blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("印章申请")
        verbose_name_plural = _("印章申请")
        indexes = [models.Index(fields=["owner_code", "status"], name="seals_app_owner_status")]

    def __str__(self) -> str:
        return f"{self.owner_name} {self.get_status_display()}"


class Seal(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner_kind = models.CharField(_("所有者类型"), max_length=10, choices=OwnerKind.choices)
    owner_code = models.CharField(_("统一社会信用代码或身份证号"), max_length=36, db_index=True)
    owner_name = models.CharField(_("所有者名称"), max_length=200)
    owner_uuid = models.CharField(_("所有者标识"), max_length=36, blank=True)
    kind = models.CharField(_("印章种类"), max_length=20, choices=SealKind.choices)
    name_text = models.CharField(_("印文"), max_length=200)
    # Drawn by seals/images.py (another part of issue 16); a caller may pass one, or none yet.
    image_png = models.BinaryField(_("印模图像（PNG）"), null=True, blank=True, editable=False)
    width_mm = models.DecimalField(_("宽度（毫米）"), max_digits=5, decimal_places=1, null=True, blank=True)
    height_mm = models.DecimalField(_("高度（毫米）"), max_digits=5, decimal_places=1, null=True, blank=True)
    certificate = models.OneToOneField(
        IssuedCertificate, verbose_name=_("证书"), null=True, blank=True, on_delete=models.PROTECT
    )
    private_key_encrypted = models.BinaryField(_("私钥（加密）"), null=True, blank=True, editable=False)
    # GB/T 38540 (seals/seseal.py): the holder's SM2 key (32 raw bytes, encrypted) and certificate from the
    # platform's SM2 maker root, and the SESeal the maker signed; made with the seal, or on first need for a
    # seal made before them, and the SESeal made again (same key) when the picture changes.
    sm2_private_key_encrypted = models.BinaryField(
        _("SM2 私钥（加密）"), null=True, blank=True, editable=False
    )
    sm2_certificate_der = models.BinaryField(_("SM2 证书（DER）"), null=True, blank=True, editable=False)
    seseal_der = models.BinaryField(_("GB/T 38540 印章数据（DER）"), null=True, blank=True, editable=False)
    valid_from = models.DateTimeField(_("生效时间"), null=True, blank=True)
    valid_until = models.DateTimeField(_("失效时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=SealStatus.choices, default=SealStatus.PENDING
    )
    application = models.ForeignKey(
        SealApplication, verbose_name=_("申请"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["owner_name", "kind", "-created_at"]
        verbose_name = _("电子印章")
        verbose_name_plural = _("电子印章")
        indexes = [models.Index(fields=["status", "valid_until"], name="seals_seal_status_until")]
        constraints = [
            # An owner holds at most one live seal of a kind (docs/domain/seals.md §2): two first uses or two
            # applications at once cannot make a second one.
            models.UniqueConstraint(
                fields=["owner_kind", "owner_code", "kind"],
                condition=Q(status__in=["pending", "active", "suspended"]),
                name="seal_one_live_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_name} {self.get_kind_display()}"


class SealStatusChange(models.Model):
    """The audited history of a seal's status, with the reason and who changed it."""

    seal = models.ForeignKey(Seal, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("原状态"), max_length=10, choices=SealStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, choices=SealStatus.choices)
    reason = models.TextField(_("原因"), blank=True)
    actor_id = models.PositiveBigIntegerField(_("操作人账号"), null=True, blank=True)
    actor_label = models.CharField(_("操作人"), max_length=200)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["seal", "at", "id"]
        verbose_name = _("印章状态变更")
        verbose_name_plural = _("印章状态变更")


class SealAuthorisation(models.Model):
    """Who may use a seal besides its owner: granted by the owner (the legal representative), revocable."""

    seal = models.ForeignKey(Seal, on_delete=models.CASCADE, related_name="authorisations")
    person_id_number = models.CharField(_("被授权人身份证号"), max_length=30)
    person_name = models.CharField(_("被授权人姓名"), max_length=100)
    user_id = models.PositiveBigIntegerField(_("被授权人账号"))
    granted_by_id = models.PositiveBigIntegerField(_("授权人账号"), null=True, blank=True)
    granted_by_label = models.CharField(_("授权人"), max_length=200)
    granted_at = models.DateTimeField(_("授权时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by_label = models.CharField(_("撤销人"), max_length=200, blank=True)

    class Meta:
        ordering = ["seal", "-granted_at"]
        verbose_name = _("用章授权")
        verbose_name_plural = _("用章授权")
        constraints = [
            models.UniqueConstraint(
                fields=["seal", "user_id"], condition=Q(revoked_at__isnull=True), name="seal_auth_one_open"
            )
        ]


class SealUse(models.Model):
    """One use of a seal: who, on which document (its SHA-256), for what."""

    seal = models.ForeignKey(Seal, on_delete=models.CASCADE, related_name="uses")
    actor_id = models.PositiveBigIntegerField(_("用章人账号"), null=True, blank=True)
    actor_label = models.CharField(_("用章人"), max_length=200)
    document_sha256 = models.CharField(_("文件摘要（SHA-256）"), max_length=64)
    purpose = models.CharField(_("用途"), max_length=200)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("用章记录")
        verbose_name_plural = _("用章记录")
        indexes = [models.Index(fields=["seal", "-at"], name="seals_use_seal_at")]
