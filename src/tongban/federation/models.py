"""The federation's rows: this member's keys, the trust anchors and trust lists it accepted, the persistent
outbox and inbox of signed messages, and the hash-chained message log (docs/domain/federation.md)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.federation.constants import (
    EntryKind,
    InStatus,
    KeyPurpose,
    KeyState,
    LogDirection,
    OutStatus,
)


class OwnKey(models.Model):
    """One of this member's ES256 keys: for messages (every member) or for trust lists (the coordinator).

    A new key starts as ``next``: it is published in the member's descriptor and becomes ``active`` when a trust
    list naming it is accepted (until then every partner still knows only the old key); the old one is then
    ``retired`` and no longer used to sign."""

    kid = models.CharField(_("密钥编号"), max_length=64, unique=True)
    purpose = models.CharField(_("用途"), max_length=16, choices=KeyPurpose.choices)
    state = models.CharField(_("状态"), max_length=8, choices=KeyState.choices)
    public_jwk = models.JSONField(_("公钥"))
    private_key_encrypted = models.BinaryField(_("私钥（加密）"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("本成员密钥")
        verbose_name_plural = _("本成员密钥")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose"], condition=models.Q(state="active"), name="federation_one_active_key"
            ),
            models.UniqueConstraint(
                fields=["purpose"], condition=models.Q(state="next"), name="federation_one_next_key"
            ),
        ]

    def __str__(self) -> str:
        return self.kid


class TrustAnchor(models.Model):
    """A key of the coordinating member that may sign the region's trust list. Configured out of band (its
    thumbprint confirmed by the operator), then carried forward by each accepted trust list's ``signers``."""

    kid = models.CharField(_("密钥编号"), max_length=64, unique=True)
    public_jwk = models.JSONField(_("公钥"))
    thumbprint = models.CharField(_("指纹 (RFC 7638 SHA-256)"), max_length=64)
    source = models.CharField(_("来源"), max_length=64)
    active = models.BooleanField(_("有效"), default=True)
    added_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("信任锚")
        verbose_name_plural = _("信任锚")

    def __str__(self) -> str:
        return self.kid


class TrustList(models.Model):
    """A version of the region's trust list this member accepted (the highest is current), as signed."""

    region = models.CharField(_("区域"), max_length=32)
    version = models.PositiveIntegerField(_("版本"), unique=True)
    token = models.TextField(_("签名文本 (JWS)"))
    payload = models.JSONField(_("内容"))
    issued_at = models.DateTimeField(_("签发时间"))
    accepted_at = models.DateTimeField(_("接受时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("信任列表")
        verbose_name_plural = _("信任列表")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.region} v{self.version}"


class OutboundMessage(models.Model):
    """A signed message to another member, written in the transaction of the change that sends it and sent
    after the commit, again and again with growing waits until the partner answers with its signed receipt."""

    uuid = models.UUIDField(_("消息编号"), unique=True, default=uuid.uuid4, editable=False)
    to_member = models.CharField(_("收件成员"), max_length=12)
    type = models.CharField(_("消息类型"), max_length=64)
    correlation = models.UUIDField(_("关联编号"), null=True, blank=True)
    body = models.JSONField(_("内容"))
    token = models.TextField(_("签名文本 (JWS)"))
    status = models.CharField(_("状态"), max_length=10, choices=OutStatus.choices, default=OutStatus.PENDING)
    attempts = models.PositiveIntegerField(_("发送次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送时间"))
    lease_until = models.DateTimeField(_("发送中至"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    receipt = models.TextField(_("回执 (JWS)"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("发出的消息")
        verbose_name_plural = _("发出的消息")
        indexes = [
            models.Index(
                fields=["to_member", "next_attempt_at"],
                condition=models.Q(status="pending"),
                name="federation_out_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} → {self.to_member}"


class InboundMessage(models.Model):
    """A message another member sent here: stored once by its id (a second copy is refused and changes
    nothing), then processed once, in the transaction that marks it processed."""

    uuid = models.UUIDField(_("消息编号"), unique=True, editable=False)
    from_member = models.CharField(_("发件成员"), max_length=12)
    type = models.CharField(_("消息类型"), max_length=64)
    correlation = models.UUIDField(_("关联编号"), null=True, blank=True)
    body = models.JSONField(_("内容"))
    token = models.TextField(_("签名文本 (JWS)"))
    digest = models.CharField(_("摘要 (SHA-256)"), max_length=64)
    receipt = models.TextField(_("回执 (JWS)"))
    status = models.CharField(_("状态"), max_length=10, choices=InStatus.choices, default=InStatus.RECEIVED)
    attempts = models.PositiveIntegerField(_("处理次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("收到时间"), auto_now_add=True)
    processed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("收到的消息")
        verbose_name_plural = _("收到的消息")
        indexes = [
            models.Index(
                fields=["received_at"], condition=~models.Q(status="processed"), name="federation_in_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} ← {self.from_member}"


class LogHead(models.Model):
    """The message log's last entry (one row): locked while an entry is appended, so the chain has no fork."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("消息日志链头")
        verbose_name_plural = _("消息日志链头")


class LogEntry(models.Model):
    """One entry of the append-only message log: each entry's hash covers the previous entry's hash and its own
    fields, and is signed with this member's messaging key (docs/domain/federation.md §6)."""

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"))
    direction = models.CharField(_("方向"), max_length=12, choices=LogDirection.choices)
    peer = models.CharField(_("对方成员"), max_length=12)
    message_id = models.UUIDField(_("消息编号"), null=True, blank=True)
    type = models.CharField(_("消息类型"), max_length=64)
    digest = models.CharField(_("消息摘要 (SHA-256)"), max_length=64)
    prev_hash = models.CharField(_("前一条的哈希"), max_length=64)
    hash = models.CharField(_("本条哈希"), max_length=64)
    kid = models.CharField(_("签名密钥"), max_length=64)
    signature = models.CharField(_("签名"), max_length=100)

    class Meta:
        verbose_name = _("消息日志")
        verbose_name_plural = _("消息日志")
        indexes = [models.Index(fields=["peer", "seq"], name="federation_log_peer")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.direction} {self.type}"


class CatalogueVersion(models.Model):
    """A quarter's version of the region's item catalogue (长三角通办事项目录), as the coordinator signed it
    with its trust-list key. Accepted once, never changed: a later quarter is a new version
    (docs/domain/federation.md §7)."""

    region = models.CharField(_("区域"), max_length=32)
    quarter = models.CharField(_("季度"), max_length=6, unique=True)  # 2026Q4: sorts as text
    coordinator = models.CharField(_("协调成员"), max_length=12)
    token = models.TextField(_("签名文本 (JWS)"))
    payload = models.JSONField(_("内容"))
    issued_at = models.DateTimeField(_("签发时间"))
    accepted_at = models.DateTimeField(_("接受时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("长三角通办事项目录")
        verbose_name_plural = _("长三角通办事项目录")
        ordering = ["-quarter"]

    def __str__(self) -> str:
        return f"{self.region} {self.quarter}"


class CatalogueEntry(models.Model):
    """One item of a catalogue version: its regional code, names, audience and the 通办 modes it allows."""

    version = models.ForeignKey(
        CatalogueVersion, verbose_name=_("目录版本"), on_delete=models.CASCADE, related_name="entries"
    )
    code = models.CharField(_("区域事项编码"), max_length=20)
    name = models.CharField(_("事项名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    kind = models.CharField(_("服务对象"), max_length=10, choices=EntryKind.choices)
    modes = models.JSONField(_("通办模式"), default=list)
    order = models.PositiveIntegerField(_("排序"), default=0)
    # Derived when the version is accepted: the names (its own and the members' items'), with their pinyin
    # and initials, case-folded (search by name).
    search_text = models.TextField(_("检索文本"), editable=False, blank=True)

    class Meta:
        verbose_name = _("目录事项")
        verbose_name_plural = _("目录事项")
        ordering = ["version_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="catalogue_entry_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CatalogueHandler(models.Model):
    """A member's local item that handles an entry: its implementation code (实施编码), name and page."""

    entry = models.ForeignKey(
        CatalogueEntry, verbose_name=_("目录事项"), on_delete=models.CASCADE, related_name="handlers"
    )
    member = models.CharField(_("成员"), max_length=12, db_index=True)
    item_code = models.CharField(_("实施编码"), max_length=64, db_index=True)
    item_name = models.CharField(_("本地事项名称"), max_length=200)
    item_url = models.CharField(_("本地事项网址"), max_length=500)

    class Meta:
        verbose_name = _("成员办理事项")
        verbose_name_plural = _("成员办理事项")
        ordering = ["entry_id", "member"]
        constraints = [models.UniqueConstraint(fields=["entry", "member"], name="catalogue_handler_unique")]

    def __str__(self) -> str:
        return f"{self.member} {self.item_code}"
