"""Shared kernel data: the audit trail, the working-day calendar and the message outbox."""

from __future__ import annotations

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

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_kind = models.CharField(max_length=16, default="user")  # user | client | system
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    # The materialised path of the organisation the event belongs to, for scoped searches.
    org_path = models.CharField(max_length=400, blank=True, db_index=True)
    # The person whose data this is about (their account id), so they can see who used their data.
    subject_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    ip = models.CharField(max_length=64, blank=True)

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

    date = models.DateField(primary_key=True)
    kind = models.CharField(max_length=20, choices=DayKind.choices)
    name = models.CharField(_("节日名称"), max_length=50, blank=True)
    source_notice = models.CharField(_("依据"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

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
    """A message the default providers 'send' by writing it here (read by admins and tests)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    channel = models.CharField(max_length=10, choices=OutboxChannel.choices)
    recipient = models.CharField(max_length=200, db_index=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("发件箱消息")
        verbose_name_plural = _("发件箱消息")
