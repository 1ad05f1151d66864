"""Shared kernel data: the audit trail, the working-day calendar and the message outbox."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.constants import DayKind, OutboxChannel


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("the audit trail is append-only")

    def delete(self):
        raise AppendOnlyError("the audit trail is append-only")


class AuditEvent(models.Model):
    """One append-only row per state change or protected read: who, what, when, object, before/after.

    Rows are never updated or deleted (enforced here and, on PostgreSQL, by a trigger).
    """

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(_("操作人编号"), null=True, blank=True, db_index=True)
    actor_kind = models.CharField(_("操作人类型"), max_length=16, default="user")  # user | client | system
    actor_label = models.CharField(_("操作人"), max_length=200, blank=True)
    action = models.CharField(_("操作"), max_length=100, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=100, blank=True)
    # The materialised path of the organisation the event belongs to, for scoped searches.
    org_path = models.CharField(_("组织路径"), max_length=400, blank=True, db_index=True)
    # The person whose data this is about (their account id), so they can see who used their data.
    subject_user_id = models.BigIntegerField(_("当事人账号"), null=True, blank=True, db_index=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True, db_index=True)
    ip = models.CharField(_("IP 地址"), max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("the audit trail is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the audit trail is append-only")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}:{self.object_id}"


class WorkCalendarDay(models.Model):
    """One calendar date: working day, weekend, statutory holiday or make-up working day (调休上班)."""

    date = models.DateField(_("日期"), primary_key=True)
    kind = models.CharField(_("日期类型"), max_length=20, choices=DayKind.choices)
    name = models.CharField(_("节日名称"), max_length=50, blank=True)
    source_notice = models.CharField(_("依据"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")

    @property
    def is_working_day(self) -> bool:
        return self.kind in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY)

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class OutboxMessage(models.Model):
    """A message the default providers 'send' by writing it here (read by admins and tests).

    The body is stored encrypted (``tongban.core.crypto``): SMS texts carry one-time codes. ``key`` is the
    sender's idempotency key (the SMS outbox row's uuid): a retried send with the same key writes nothing.
    Rows older than ``TONGBAN_OUTBOX_RETENTION_DAYS`` are deleted by ``tongban maintenance``."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    channel = models.CharField(_("渠道"), max_length=10, choices=OutboxChannel.choices)
    recipient = models.CharField(_("收件人"), max_length=200, db_index=True)
    subject = models.CharField(_("主题"), max_length=200, blank=True)
    body_encrypted = models.TextField(_("正文（加密）"), blank=True)
    key = models.CharField(_("去重键"), max_length=64, unique=True, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("发件箱消息")
        verbose_name_plural = _("发件箱消息")

    @property
    def body(self) -> str:
        from tongban.core.crypto import InvalidToken, decrypt_text

        try:
            return decrypt_text(self.body_encrypted)
        except InvalidToken:
            return "—"

    @body.setter
    def body(self, text: str) -> None:
        from tongban.core.crypto import encrypt_text

        self.body_encrypted = encrypt_text(text)


class SmsKind(models.TextChoices):
    OTP = "otp", _("验证码")
    NOTICE = "notice", _("通知")


class SmsStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class SmsMessage(models.Model):
    """The durable SMS outbox: one row per SMS to send, written in the transaction of what caused it.

    The task ``sms_deliver`` carries only the row's id; ``uuid`` is the idempotency key handed to the
    provider, so a retry after a crash does not send twice. The body is encrypted at rest; a one-time
    code's body is wiped once it is sent, fails or expires. ``tongban maintenance`` re-enqueues rows left
    pending and deletes rows older than ``TONGBAN_SMS_RETENTION_DAYS``."""

    uuid = models.UUIDField(_("唯一标识"), unique=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    user_id = models.BigIntegerField(_("用户"), null=True, blank=True, db_index=True)
    phone = models.CharField(_("手机号"), max_length=32)
    kind = models.CharField(_("短信类型"), max_length=10, choices=SmsKind.choices)
    body_encrypted = models.TextField(_("正文（加密）"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=200, blank=True)
    enqueued_at = models.DateTimeField(_("入队时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # One-time codes: not sent after this (the code is useless then), and the body is wiped.
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "enqueued_at"])]
        verbose_name = _("短信")
        verbose_name_plural = _("短信")

    def __str__(self) -> str:
        return f"{self.uuid} {self.kind} {self.status}"
