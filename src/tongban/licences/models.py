"""Licence types (GB/T 36902/36903), licences (GB/T 36904 identifiers) and the issuers' signing keys.

Holders and issuers are referred to by code, name and uuid snapshots, never by foreign key to another
context."""

from __future__ import annotations

import uuid
from datetime import date

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.identifiers import mask_id_number
from tongban.licences.constants import HolderKind, LicenceStatus, Scene, UseChannel, VerifierKind


class LicenceType(models.Model):
    """A kind of licence: its code (the defining authority's USCC + 3 digits), face fields and rules."""

    code = models.CharField(_("证照类型代码"), max_length=21, unique=True)
    name = models.CharField(_("证照类型名称"), max_length=100)
    define_authority_name = models.CharField(_("证照定义机构"), max_length=100)
    holder_kind = models.CharField(_("持证主体代码类型"), max_length=3, choices=HolderKind.choices)
    issuer_department_uuids = models.JSONField(_("颁发部门"), default=list, blank=True)
    face_schema = models.JSONField(
        _("照面信息"), default=dict, help_text=_("JSON Schema；字段顺序即显示顺序")
    )
    validity_years = models.PositiveSmallIntegerField(
        _("有效期（年）"), null=True, blank=True, help_text=_("留空为长期有效")
    )
    multiple_per_holder = models.BooleanField(_("同一持证主体可持多证"), default=False)
    scene_fields = models.JSONField(
        _("亮证场景及展示字段"), default=dict, blank=True, help_text=_("{场景: [照面字段, …]}")
    )
    # The real-name level a holder (or the person acting for an enterprise holder) needs to see, show (亮证)
    # and export licences of this type: L2 by default, L3 for sensitive ones (docs/domain/identity.md).
    required_assurance_level = models.PositiveSmallIntegerField(
        _("用证所需实名等级"),
        default=2,
        validators=[MinValueValidator(2), MaxValueValidator(3)],
        help_text=_(
            "持证人查看、亮证和导出此类证照所需的实名认证等级：2 为人口库比对，3 为窗口或人脸核验本人"
        ),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("证照类型")
        verbose_name_plural = _("证照类型")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def face_fields(self) -> list[tuple[str, str]]:
        """(key, title) of the face fields in display order."""
        props = (self.face_schema or {}).get("properties", {})
        return [(key, spec.get("title", key)) for key, spec in props.items()]


class IssuerKey(models.Model):
    """An issuing department's signing key (ES256). The private key is kept encrypted under the platform's
    key-encryption keys (see ``keys.py``); the public key is published as a JWK."""

    kid = models.CharField(_("密钥标识"), max_length=64, unique=True)
    department_uuid = models.UUIDField(_("部门"), db_index=True)
    department_name = models.CharField(_("发证部门"), max_length=200)
    department_code = models.CharField(_("发证部门代码"), max_length=18, blank=True)
    algorithm = models.CharField(_("算法"), max_length=10, default="ES256")
    public_jwk = models.JSONField(
        _("公钥（JWK）"),
    )
    private_key_encrypted = models.BinaryField(_("私钥（加密）"), editable=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        ordering = ["department_name", "-created_at"]
        verbose_name = _("签发密钥")
        verbose_name_plural = _("签发密钥")
        constraints = [
            models.UniqueConstraint(
                fields=["department_uuid"], condition=Q(active=True), name="issuer_key_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.department_name} {self.kid}"


def in_force_q(on: date, prefix: str = "") -> Q:
    """The one definition of a licence in force on a day (有效): the current version, status valid (01),
    and the day within its validity dates (no end date: no end). ``prefix`` reaches the licence through a
    relation (``"licences__"`` from its type). The PostgreSQL verification statement, which cannot use a Q,
    is tested against this on both databases (tests/licences/test_in_force.py)."""
    return Q(
        **{f"{prefix}current": True, f"{prefix}status": LicenceStatus.VALID, f"{prefix}valid_from__lte": on}
    ) & (Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": on}))


class LicenceQuerySet(models.QuerySet):
    def in_force(self, on: date | None = None) -> LicenceQuerySet:
        """Licences in force on ``on`` (today by default): see :func:`in_force_q`."""
        return self.filter(in_force_q(on or timezone.localdate()))

    def not_in_force(self, on: date | None = None) -> LicenceQuerySet:
        return self.exclude(in_force_q(on or timezone.localdate()))


class Licence(models.Model):
    uuid = models.UUIDField(_("唯一标识"), default=uuid.uuid4, unique=True, editable=False)
    # Unique through a constraint, not ``unique=True``: PostgreSQL then gets no second, "_like" index
    # (varchar_pattern_ops, 1 GiB at 10⁷ licences) that no query uses.
    identifier = models.CharField(_("电子证照标识"), max_length=120)
    type = models.ForeignKey(
        LicenceType, verbose_name=_("证照类型"), on_delete=models.PROTECT, related_name="licences"
    )
    number = models.CharField(_("证照编号"), max_length=64)
    holder_kind = models.CharField(_("持证主体代码类型"), max_length=3, choices=HolderKind.choices)
    holder_code = models.CharField(_("持证主体代码"), max_length=32)
    holder_name = models.CharField(_("持证主体"), max_length=200)
    issuer_uuid = models.UUIDField(_("颁发机构"), null=True, blank=True)
    issuer_name = models.CharField(_("颁发机构"), max_length=200)
    issuer_code = models.CharField(_("颁发机构代码"), max_length=18)
    area_code = models.CharField(_("管辖属地"), max_length=6, blank=True)
    issue_date = models.DateField(_("颁证日期"))
    valid_from = models.DateField(_("有效期起始"))
    valid_until = models.DateField(_("有效期截止"), null=True, blank=True)
    status = models.CharField(
        _("证照状态"), max_length=2, choices=LicenceStatus.choices, default=LicenceStatus.VALID
    )
    status_reason = models.CharField(_("状态变更原因"), max_length=500, blank=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    version = models.PositiveSmallIntegerField(_("版本号"), default=1)
    serial = models.CharField(_("流水号"), max_length=40)
    # At most one next version: unique where set (licence_previous_unique). Not a OneToOneField, whose
    # unique index would hold an entry for every licence without a previous version (2.1 GiB at 10⁸).
    previous = models.ForeignKey(
        "self",
        verbose_name=_("上一版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_versions",
        db_index=False,
    )
    current = models.BooleanField(_("当前版本"), default=True)
    face = models.JSONField(_("照面信息"), default=dict)
    kid = models.CharField(_("密钥标识"), max_length=64, blank=True)
    signature = models.TextField(
        _("签名"), blank=True, help_text=_("颁发机构对规范化数据的签名（JWS，分离载荷）")
    )
    case_uuid = models.UUIDField(_("来源办件"), null=True, blank=True)
    item_code = models.CharField(_("关联事项"), max_length=64, blank=True)
    # Its place in the Token Status Lists; unique where set (licence_status_index_unique).
    status_index = models.PositiveIntegerField(_("状态列表序号"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = LicenceQuerySet.as_manager()

    class Meta:
        ordering = ["-issue_date", "-id"]
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        indexes = [models.Index(fields=["holder_code", "holder_kind"], name="licence_holder")]
        constraints = [
            models.UniqueConstraint(fields=["identifier"], name="licence_identifier_unique"),
            # Partial: imported licences (no previous version; no status index until they are signed) add
            # no entry to these indexes.
            models.UniqueConstraint(
                fields=["previous"], name="licence_previous_unique", condition=Q(previous__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["status_index"],
                name="licence_status_index_unique",
                condition=Q(status_index__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type.name} {self.number}"

    def in_force_on(self, on: date | None = None) -> bool:
        """The row's side of :func:`in_force_q`, for a licence already read."""
        on = on or timezone.localdate()
        return (
            self.current
            and self.status == LicenceStatus.VALID
            and self.valid_from <= on
            and (self.valid_until is None or on <= self.valid_until)
        )

    @property
    def holder_code_masked(self) -> str:
        """A resident ID number masked for screens and answers; a USCC is public."""
        return (
            mask_id_number(self.holder_code)
            if self.holder_kind == HolderKind.RESIDENT_ID
            else self.holder_code
        )


class Verifier(models.Model):
    """A registered organisation that checks licences shown to it (亮证核验): a hotel, an internet café, a
    police unit, a department or a window, with the scenes it may use and its credentials — one key pair used
    as an API key (``tbv_<key_id>_<secret>``) or as OAuth2 client credentials (client id ``key_id``). Only a
    hash of the secret is kept."""

    uuid = models.UUIDField(_("唯一标识"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类别"), max_length=20, choices=VerifierKind.choices)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    area_code = models.CharField(_("所在区划"), max_length=6, blank=True)
    scenes = models.JSONField(_("可用场景"), default=list)
    key_id = models.CharField(_("密钥编号"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(_("密钥摘要"), max_length=64, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("用证单位")
        verbose_name_plural = _("用证单位")

    def __str__(self) -> str:
        return self.name


class ShareGrant(models.Model):
    """Which licence types a department's system (an API client with scope ``licences:share``) may query
    through the sharing interface (GB/T 36906 共享服务)."""

    client_uuid = models.UUIDField(_("接口客户端"))
    client_name = models.CharField(_("接口客户端"), max_length=200)
    type = models.ForeignKey(
        LicenceType, verbose_name=_("证照类型"), on_delete=models.CASCADE, related_name="share_grants"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("共享授权")
        verbose_name_plural = _("共享授权")
        constraints = [models.UniqueConstraint(fields=["client_uuid", "type"], name="share_grant_unique")]


class LicenceDocument(models.Model):
    """A licence's PDF sealed by its issuing department (PAdES, the seals context makes it in a task after the
    licence is written): served instead of the unsealed rendering while it still shows the licence as it is
    (the same status, the same current version). Its own table, so that licence rows stay small."""

    licence = models.OneToOneField(
        Licence, verbose_name=_("电子证照"), on_delete=models.CASCADE, related_name="document"
    )
    pdf = models.BinaryField(_("已盖章文件"), editable=False)
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    status = models.CharField(_("文件所示状态"), max_length=2, choices=LicenceStatus.choices)
    current = models.BooleanField(_("文件所示为当前版本"), default=True)
    sealed_at = models.DateTimeField(_("盖章时间"), auto_now=True)

    class Meta:
        verbose_name = _("电子证照文件（已盖章）")
        verbose_name_plural = _("电子证照文件（已盖章）")


class LicenceUse(models.Model):
    """One use of a licence by someone other than its holder (用证记录): shown to the holder. A verification
    keeps the show token's id, unique: a token is used once."""

    licence = models.ForeignKey(
        Licence, verbose_name=_("电子证照"), on_delete=models.CASCADE, related_name="uses"
    )
    at = models.DateTimeField(_("使用时间"), auto_now_add=True)
    user_label = models.CharField(_("用证单位"), max_length=200)
    user_uuid = models.UUIDField(_("使用人"), null=True, blank=True)
    channel = models.CharField(_("方式"), max_length=20, choices=UseChannel.choices)
    scene = models.CharField(_("场景"), max_length=20, blank=True, choices=Scene.choices)
    cause = models.CharField(_("用证事由"), max_length=200)
    fields = models.JSONField(_("使用的字段"), default=list)
    token_id = models.CharField(
        _("亮证码编号"), max_length=32, unique=True, null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("证照使用记录")
        verbose_name_plural = _("证照使用记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["licence", "-at"], name="licence_use_recent")]
