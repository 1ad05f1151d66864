"""好差评 evaluations: written once, never changed or deleted (docs/domain/ratings.md §4)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.ratings.constants import Channel, EvaluationKind, Level, UnitKind


class Immutable(Exception):
    """An evaluation is append-only: no code path updates or deletes one."""


class EvaluationQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise Immutable("evaluations are never updated")

    def delete(self):
        raise Immutable("evaluations are never deleted")


class Evaluation(models.Model):
    """One evaluation (评价) of a case (一事一评) or of a window's service (一次一评), in one round."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("评价方式"), max_length=8, choices=EvaluationKind.choices)
    subject_uuid = models.UUIDField(_("评价对象（办件或窗口服务）"), db_index=True)
    subject_label = models.CharField(_("办件编号或服务"), max_length=200, blank=True)
    channel = models.CharField(_("评价渠道"), max_length=14, choices=Channel.choices)
    evaluator_user_id = models.PositiveBigIntegerField(_("评价人账号"), null=True, blank=True, db_index=True)
    evaluator_label = models.CharField(_("评价人"), max_length=100, blank=True)  # masked
    round = models.PositiveSmallIntegerField(_("评价次数"), default=1)  # 1 首次评价, 2 追评
    level = models.PositiveSmallIntegerField(_("满意度"), choices=Level.choices)
    template_version = models.PositiveSmallIntegerField(_("评价指标版本"))
    indicators = models.JSONField(_("评价指标"), default=list, blank=True)
    text = models.CharField(_("文字评价"), max_length=500, blank=True)
    anonymous = models.BooleanField(_("匿名评价"), default=False)
    unit_kind = models.CharField(_("被评价单位类型"), max_length=10, choices=UnitKind.choices)
    unit_uuid = models.UUIDField(_("被评价单位"), db_index=True)
    unit_name = models.CharField(_("被评价单位名称"), max_length=200)
    centre_name = models.CharField(_("服务中心"), max_length=200, blank=True)
    pad_session_uuid = models.UUIDField(_("评价器会话"), null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_uuid", "evaluator_user_id", "round"], name="evaluation_one_per_round"
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="evaluation_level_1_5"
            ),
            models.CheckConstraint(
                condition=models.Q(round__gte=1, round__lte=2), name="evaluation_round_1_2"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_label} · {self.get_level_display()}"

    @property
    def is_bad(self) -> bool:
        return self.level <= Level.DISSATISFIED

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise Immutable("evaluations are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Immutable("evaluations are never deleted")


class UploadKind(models.TextChoices):
    RECORD = "record", _("评价记录")
    STATUS = "status", _("状态更新")


class UploadStatus(models.TextChoices):
    PENDING = "pending", _("待上报")
    SENT = "sent", _("已上报")
    FAILED = "failed", _("上报失败")


class RatingUpload(models.Model):
    """One record of the outbox to the national 好差评 system (ratings.md §8): an evaluation in the provincial
    interface format of the "default" profile (one per case of a pad evaluation), or a later status update
    of one (kind ``status``: an upheld appeal, a confirmed fraud). Sent by ``ratings.tasks.upload_send``
    through ``RATINGS_UPLOAD_TRANSPORT``, retried with growing delays; idempotent on (projectNo,
    assessNumber, userId) per kind and status."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    evaluation_uuid = models.UUIDField(_("评价"), db_index=True)
    kind = models.CharField(_("类型"), max_length=8, choices=UploadKind.choices, default=UploadKind.RECORD)
    update_status = models.CharField(_("更新的评价状态"), max_length=40, blank=True, default="")
    project_no = models.CharField(_("办件统一编号"), max_length=50)
    assess_number = models.PositiveSmallIntegerField(_("评价次数"))
    user_id = models.CharField(_("评价人身份唯一标识"), max_length=64)
    payload = models.JSONField(_("上报内容"))
    status = models.CharField(
        _("状态"), max_length=8, choices=UploadStatus.choices, default=UploadStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), default=timezone.now, db_index=True)
    last_error = models.CharField(_("最近错误"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("上报时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("好差评上报")
        verbose_name_plural = _("好差评上报")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project_no", "assess_number", "user_id", "kind", "update_status"],
                name="rating_upload_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_no} · {self.assess_number} · {self.get_status_display()}"

    @property
    def key(self) -> str:
        """The idempotency key handed to the transport."""
        parts = [self.project_no, str(self.assess_number), self.user_id, self.kind, self.update_status]
        return "|".join(parts)
