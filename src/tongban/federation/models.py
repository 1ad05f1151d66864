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


class RemoteApplication(models.Model):
    """An application for another member's item, made here (全程网办 on this portal, or 异地代收 at this
    member's special window): the case lives in the other member, which sends back every event of it; this row
    keeps what the applicant sees here (docs/domain/federation.md §7)."""

    class Mode(models.TextChoices):
        ONLINE = "online", _("全程网办")
        PROXY = "proxy", _("异地代收代办")
        MULTI_SITE = "multi_site", _("多地联办")

    class Status(models.TextChoices):
        SENDING = "sending", _("正在提交")
        SUBMITTED = "submitted", _("已提交")
        SUPPLEMENT = "supplement", _("待补正")
        IN_PROCESS = "in_process", _("办理中")
        CONCLUDED = "concluded", _("已办结")
        DELIVERED = "delivered", _("已送达")
        REFUSED = "refused", _("不予受理")
        WITHDRAWN = "withdrawn", _("已撤回")
        RETURNED = "returned", _("已退回，待申请人修改")
        REJECTED = "rejected", _("对方未能接收")

    uuid = models.UUIDField(_("申请编号"), default=uuid.uuid4, unique=True, editable=False)
    group = models.UUIDField(_("联办编号"), null=True, blank=True, db_index=True)
    mode = models.CharField(_("办理方式"), max_length=12, choices=Mode.choices)
    host_member = models.CharField(_("办理成员"), max_length=12)
    host_member_name = models.CharField(_("办理成员名称"), max_length=50)
    item_uuid = models.UUIDField(_("对方事项"))
    item_name = models.CharField(_("事项名称"), max_length=200)
    department_name = models.CharField(_("对方受理部门"), max_length=200, blank=True)
    applicant_user_id = models.PositiveBigIntegerField(_("申请人账号"), null=True, blank=True, db_index=True)
    applicant_name = models.CharField(_("申请人"), max_length=100)
    applicant_id_masked = models.CharField(_("证件号码（脱敏）"), max_length=40)
    submitted_by = models.PositiveBigIntegerField(_("提交人账号"))
    collected = models.JSONField(_("专窗收件"), default=dict, blank=True)
    receipt_no = models.CharField(_("收件告知单编号"), max_length=40, blank=True)
    consent_at = models.DateTimeField(_("同意书签署时间"), null=True, blank=True)
    form_data = models.JSONField(_("申请表"), default=dict)
    delivery_method = models.CharField(_("结果送达方式"), max_length=10, default="online")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SENDING)
    remote_case_uuid = models.UUIDField(_("对方办件"), null=True, blank=True)
    remote_case_number = models.CharField(_("对方办件编号"), max_length=32, blank=True)
    due_on = models.DateField(_("承诺办结日期"), null=True, blank=True)
    events = models.JSONField(_("办理进度"), default=list, blank=True)
    last_seq = models.PositiveBigIntegerField(_("最新进度序号"), default=0)
    error = models.CharField(_("未接收原因"), max_length=500, blank=True)
    result_document = models.BinaryField(_("办结结果（已盖章）"), null=True, blank=True, editable=False)
    result_fetched_at = models.DateTimeField(_("结果取回时间"), null=True, blank=True)
    printed_at = models.DateTimeField(_("异地打印时间"), null=True, blank=True)
    printed_by = models.CharField(_("打印人"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("跨区域申请")
        verbose_name_plural = _("跨区域申请")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.item_name} → {self.host_member}"


class RemoteApplicationFile(models.Model):
    """A material of a cross-region application (an upload, or a window's scan), kept here until the member
    that handles the case has fetched it."""

    application = models.ForeignKey(
        RemoteApplication, verbose_name=_("跨区域申请"), on_delete=models.CASCADE, related_name="files"
    )
    key = models.CharField(_("材料标识"), max_length=64)
    name = models.CharField(_("材料名称"), max_length=200)
    file = models.FileField(_("文件"), upload_to="federation/%Y/%m/")
    sha256 = models.CharField(_("摘要 (SHA-256)"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    fetched_at = models.DateTimeField(_("对方取走时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("跨区域申请材料")
        verbose_name_plural = _("跨区域申请材料")
        constraints = [models.UniqueConstraint(fields=["application", "key"], name="federation_file_key")]

    def __str__(self) -> str:
        return self.name


class LicenceTypeMapping(models.Model):
    """Licence mutual recognition: a partner member's licence type and the local type it is recognised as
    (《长三角地区电子证照互认应用合作共识》's list of pilot types). Kept by the operator with
    ``tongban federation licence-types import`` (docs/domain/federation.md §4)."""

    member = models.CharField(_("成员代码"), max_length=12)
    partner_type_code = models.CharField(_("对方证照类型代码"), max_length=32)
    partner_type_name = models.CharField(_("对方证照类型名称"), max_length=100)
    local_type_code = models.CharField(_("本地证照类型代码"), max_length=32)
    local_type_name = models.CharField(_("本地证照类型名称"), max_length=100)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("互认证照类型")
        verbose_name_plural = _("互认证照类型")
        ordering = ["member", "partner_type_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "partner_type_code"], name="federation_one_mapping_per_partner_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.partner_type_name} → {self.local_type_name}"


class StatusListCache(models.Model):
    """A partner's Token Status List as last fetched and verified here: used while younger than its ``ttl``,
    and while the partner does not answer, up to ``TONGBAN_FEDERATION_OFFLINE_HOURS`` after ``fetched_at``."""

    member = models.CharField(_("成员代码"), max_length=12)
    uri = models.CharField(_("状态列表地址"), max_length=500, unique=True)
    token = models.TextField(_("状态列表 (JWT)"))
    ttl = models.PositiveIntegerField(_("缓存时长（秒）"))
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    fetched_at = models.DateTimeField(_("获取时间"))

    class Meta:
        verbose_name = _("对方状态列表缓存")
        verbose_name_plural = _("对方状态列表缓存")

    def __str__(self) -> str:
        return self.uri


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
