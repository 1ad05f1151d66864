"""Identity data: accounts, persons, enterprises, authorisations, organisations, staff, API clients."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import (
    ApiScope,
    AssuranceLevel,
    EnterpriseKind,
    OrgKind,
    OtpPurpose,
    Role,
)
from tongban.core.identifiers import IdKind


def _new_salt() -> str:
    return secrets.token_hex(16)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra):
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A login account. A natural person's identity is in :class:`Person`; staff roles in
    :class:`StaffMembership`."""

    uuid = models.UUIDField(_("唯一标识"), default=uuid.uuid4, unique=True, editable=False)
    username = models.CharField(_("登录名"), max_length=64, unique=True)
    phone = models.CharField(_("手机号"), max_length=11, unique=True, null=True, blank=True)
    display_name = models.CharField(_("显示名称"), max_length=100, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    is_staff = models.BooleanField(_("可进入管理后台"), default=False)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)
    elderly_mode = models.BooleanField(_("适老化模式"), default=False)
    language = models.CharField(_("界面语言"), max_length=10, blank=True)
    # Rotated by "log out everywhere": every session's auth hash depends on it.
    session_salt = models.CharField(_("会话盐值"), max_length=32, default=_new_salt, editable=False)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    # Frozen (冻结): the account held an identity that its real owner recovered (at a window, or by the
    # population register's confirmation); it cannot log in until a window clears it (audited either way).
    frozen_at = models.DateTimeField(_("冻结时间"), null=True, blank=True)
    frozen_reason = models.CharField(_("冻结原因"), max_length=200, blank=True)

    objects = UserManager()
    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self) -> str:
        return self.display_name or self.username

    def get_session_auth_hash(self) -> str:
        return salted_hmac(
            "tongban.accounts.User.session", f"{self.password}:{self.session_salt}", algorithm="sha256"
        ).hexdigest()


class Person(models.Model):
    """A natural person (自然人) with a real-name identity."""

    uuid = models.UUIDField(_("唯一标识"), default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(User, verbose_name=_("账号"), on_delete=models.PROTECT, related_name="person")
    real_name = models.CharField(_("姓名"), max_length=100)
    id_kind = models.CharField(
        _("证件类型"), max_length=3, choices=IdKind.choices, default=IdKind.RESIDENT_ID
    )
    id_number = models.CharField(_("证件号码"), max_length=32)
    phone = models.CharField(_("手机号"), max_length=11)
    assurance_level = models.PositiveSmallIntegerField(
        _("实名等级"), choices=AssuranceLevel.choices, default=AssuranceLevel.L1
    )
    register_matched_at = models.DateTimeField(_("人口库比对时间"), null=True, blank=True)
    verified_in_person_at = models.DateTimeField(_("窗口面核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("自然人")
        verbose_name_plural = _("自然人")
        constraints = [
            # One confirmed holder per identifier. An identifier the register did not confirm (level L1) is
            # only a claim: it blocks nobody, and nothing trusts it (docs/domain/identity.md).
            models.UniqueConstraint(
                fields=["id_kind", "id_number"],
                name="person_unique_confirmed_identifier",
                condition=Q(assurance_level__gte=AssuranceLevel.L2),
            ),
        ]
        indexes = [models.Index(fields=["id_kind", "id_number"], name="person_identifier")]

    def __str__(self) -> str:
        return self.real_name

    @property
    def identity_confirmed(self) -> bool:
        """Whether the population register (L2) or a face-to-face check (L3) confirmed who this is."""
        return self.assurance_level >= AssuranceLevel.L2


class PopulationRegisterEntry(models.Model):
    """The population register (人口库) as a table; a real connector replaces it (accounts/register.py)."""

    id_number = models.CharField(_("证件号码"), max_length=18, unique=True)
    real_name = models.CharField(_("姓名"), max_length=100)

    class Meta:
        verbose_name = _("人口库记录")
        verbose_name_plural = _("人口库记录")


class BusinessRegisterEntry(models.Model):
    """The market-entity register (市场主体登记) as a table: who is an enterprise's legal representative.
    A real connector replaces it (accounts/register.py)."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("市场主体名称"), max_length=200)
    legal_representative_id_kind = models.CharField(
        _("法定代表人证件类型"), max_length=3, default=IdKind.RESIDENT_ID
    )
    legal_representative_id_number = models.CharField(_("法定代表人证件号码"), max_length=32)

    class Meta:
        verbose_name = _("市场主体登记记录")
        verbose_name_plural = _("市场主体登记记录")


class Enterprise(models.Model):
    """A legal person (法人) identified by its unified social credit code."""

    uuid = models.UUIDField(_("唯一标识"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("名称"), max_length=200)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    kind = models.CharField(_("类型"), max_length=30, choices=EnterpriseKind.choices)
    legal_representative = models.ForeignKey(
        Person, verbose_name=_("法定代表人"), on_delete=models.PROTECT, related_name="represented_enterprises"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("法人")
        verbose_name_plural = _("法人")

    def __str__(self) -> str:
        return self.name


class Authorisation(models.Model):
    """An agent (代办人) authorised to act for an enterprise or for a person, for all items or listed ones."""

    uuid = models.UUIDField(_("唯一标识"), default=uuid.uuid4, unique=True, editable=False)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("授权法人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authorisations",
    )
    principal_person = models.ForeignKey(
        Person,
        verbose_name=_("委托人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authorisations_given",
    )
    agent = models.ForeignKey(
        Person, verbose_name=_("代办人"), on_delete=models.PROTECT, related_name="authorisations_held"
    )
    all_items = models.BooleanField(_("全部事项"), default=True)
    item_codes = models.JSONField(_("授权事项编码"), default=list, blank=True)
    # Whether the agent may use the principal's e-licences (card bag, 亮证, exports); off unless granted.
    licence_use = models.BooleanField(_("可使用电子证照"), default=False)
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("截止日期"))
    granted_by = models.ForeignKey(
        User, verbose_name=_("授权操作人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, verbose_name=_("撤销操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("授权")
        verbose_name_plural = _("授权")
        constraints = [
            models.CheckConstraint(
                condition=(Q(enterprise__isnull=False, principal_person__isnull=True))
                | (Q(enterprise__isnull=True, principal_person__isnull=False)),
                name="authorisation_one_principal",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")), name="authorisation_valid_period"
            ),
        ]


class Organisation(models.Model):
    """A node of the organisation tree: region → districts → departments / service centres → windows."""

    uuid = models.UUIDField(_("唯一标识"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("类型"), max_length=20, choices=OrgKind.choices)
    name = models.CharField(_("名称"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # GB/T 2260 administrative division code (regions and districts).
    division_code = models.CharField(_("行政区划代码"), max_length=6, blank=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    # Materialised path of uuid hex segments ("<root>/<child>/"), for subtree scoping.
    path = models.CharField(_("组织路径"), max_length=400, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # The path is fixed at creation: moving a subtree would need every descendant rewritten.
        if not self.path:
            self.path = (self.parent.path if self.parent_id else "") + self.uuid.hex + "/"
        super().save(*args, **kwargs)

    @property
    def depth(self) -> int:
        return self.path.count("/")


class StaffMembership(models.Model):
    """A staff member's role in an organisation; the role's reach is the organisation's subtree."""

    user = models.ForeignKey(
        User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("组织机构"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("工作人员角色")
        verbose_name_plural = _("工作人员角色")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique"),
        ]


class OtpChallenge(models.Model):
    """A one-time SMS code: 6 digits, valid for a few minutes, a few tries, used once."""

    phone = models.CharField(_("手机号"), max_length=11, db_index=True)
    purpose = models.CharField(_("用途"), max_length=20, choices=OtpPurpose.choices)
    code_hash = models.CharField(_("验证码摘要"), max_length=64)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(
        _("过期时间"),
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["phone", "purpose", "created_at"])]


class ApiClient(models.Model):
    """A machine client (a department's system, a verifier, another region) with scoped credentials.

    The key is shown once at creation (``tb_<key_id>_<secret>``); only a hash of the secret is kept."""

    uuid = models.UUIDField(_("唯一标识"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("名称"), max_length=200)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("组织机构"), on_delete=models.PROTECT, related_name="api_clients"
    )
    key_id = models.CharField(_("密钥编号"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(_("密钥摘要"), max_length=64, editable=False)
    scopes = models.JSONField(_("权限范围"), default=list)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口客户端")
        verbose_name_plural = _("接口客户端")

    def __str__(self) -> str:
        return self.name

    def has_scope(self, scope: ApiScope | str) -> bool:
        return str(scope) in self.scopes


class FederatedIdentity(models.Model):
    """A person of another member of the region (长三角), linked here by their ID number: the member that
    vouches for them (its code), their subject there, and the assurance level it asserted last. A person is
    linked once per member; the level of a federated login or application is the one asserted, never more
    (docs/domain/identity.md)."""

    person = models.ForeignKey(
        Person, verbose_name=_("自然人"), on_delete=models.CASCADE, related_name="federated_identities"
    )
    member = models.CharField(_("认证成员"), max_length=12)
    subject = models.CharField(_("对方标识"), max_length=100)
    assurance_level = models.PositiveSmallIntegerField(_("对方认证等级"), choices=AssuranceLevel.choices)
    linked_at = models.DateTimeField(_("关联时间"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("最近使用时间"), auto_now=True)

    class Meta:
        verbose_name = _("跨区域身份")
        verbose_name_plural = _("跨区域身份")
        constraints = [
            models.UniqueConstraint(fields=["member", "subject"], name="federated_identity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.member}:{self.subject}"


class OidcClientPolicy(models.Model):
    """What the platform adds to an OpenID Connect / OAuth2 client (django-oauth-toolkit's Application):
    whether it is a federation member, the only kind that may be granted the ``tongban_identity`` scope
    (the ID number), and where its credentials come from (``verifier``: a 用证单位's key, kept in step by
    ``accounts.oidc``; empty: registered here)."""

    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        verbose_name=_("客户端"),
        on_delete=models.CASCADE,
        related_name="tongban_policy",
    )
    may_read_identity = models.BooleanField(
        _("联邦成员（可获取证件号码）"),
        default=False,
        help_text=_("只有联邦成员可以申请 tongban_identity 范围（证件类型、证件号码、实名等级、区划）"),
    )
    source = models.CharField(_("凭证来源"), max_length=20, blank=True, editable=False)

    class Meta:
        verbose_name = _("认证客户端策略")
        verbose_name_plural = _("认证客户端策略")

    def __str__(self) -> str:
        return str(self.application)
