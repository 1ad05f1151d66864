"""好差评 evaluations: written once, never changed or deleted (docs/domain/ratings.md §4)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.ratings.constants import (
    AppealReason,
    AppealStatus,
    Channel,
    EvaluationKind,
    Level,
    MarkKind,
    RevisitLevel,
    TicketKind,
    TicketStatus,
    TransferDirection,
    UnitKind,
)


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
    unit_kind = models.CharField(_("被评价单位类型"), max_length=12, choices=UnitKind.choices)
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
        indexes = [
            # The newest texts of a unit (the public 好差评 pages, docs/domain/supervision-public.md).
            models.Index(
                fields=["unit_uuid", "-created_at"],
                name="evaluation_unit_texts",
                condition=~models.Q(text=""),
            ),
            # supervision's daily roll-up reads one day's evaluations, and those given since its watermark
            models.Index(fields=["created_at"], name="evaluation_created_at"),
        ]
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


class EvaluationMark(models.Model):
    """What happened to an evaluation later — a burst flag, its clearing or confirmation, an appeal's outcome —
    each an append-only row; the evaluation itself never changes (ratings.md §4, §6)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="marks")
    kind = models.CharField(_("标记"), max_length=20, choices=MarkKind.choices)
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    actor_user_id = models.PositiveBigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("评价标记")
        verbose_name_plural = _("评价标记")
        ordering = ["created_at", "id"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise Immutable("marks are never updated")
        super().save(*args, **kwargs)


class Ticket(models.Model):
    """A 工单: the ticket a 差评 opens (差评整改, ratings.md §5) or a 12345 consult, complaint, suggestion or praise
    (§7). One model, one loop: received → verifying → an outcome → answered → revisit → closed."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("工单编号"), max_length=32, unique=True)
    kind = models.CharField(_("工单类型"), max_length=12, choices=TicketKind.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.RECEIVED, db_index=True
    )
    urgent = models.BooleanField(_("紧急"), default=False)
    evaluation = models.OneToOneField(
        Evaluation, on_delete=models.PROTECT, null=True, blank=True, related_name="ticket"
    )
    topic = models.CharField(_("分类"), max_length=60, blank=True)
    content = models.TextField(_("诉求内容"), blank=True)
    case_number = models.CharField(_("关联办件编号"), max_length=40, blank=True)
    subject_label = models.CharField(_("评价对象"), max_length=200, blank=True)
    # the person: the evaluator or caller (None for an evaluation without a known evaluator)
    person_user_id = models.PositiveBigIntegerField(_("诉求人账号"), null=True, blank=True, db_index=True)
    person_label = models.CharField(_("诉求人"), max_length=100, blank=True)  # masked
    caller_phone = models.CharField(_("来电号码"), max_length=20, blank=True, db_index=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    # the unit that handles it (an accounts organisation: a department or a service centre)
    unit_uuid = models.UUIDField(_("承办单位"), db_index=True)
    unit_path = models.CharField(max_length=400, db_index=True)
    unit_name = models.CharField(_("承办单位名称"), max_length=200)
    hops = models.PositiveSmallIntegerField(_("转派次数"), default=0)
    # the loop's dates and limits (working days, ratings.md §5)
    received_on = models.DateField(_("接收日期"))
    contact_due = models.DateField(_("联系时限"), null=True, blank=True)
    answer_due = models.DateField(_("答复时限"), null=True, blank=True)
    revisit_due = models.DateField(_("回访时限"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("联系时间"), null=True, blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triage_text = models.TextField(_("核实结论"), blank=True)
    ledger_due = models.DateField(_("整改期限"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answer_text = models.TextField(_("答复内容"), blank=True)
    revisited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    revisit_level = models.PositiveSmallIntegerField(
        _("回访满意度"), choices=RevisitLevel.choices, null=True, blank=True
    )
    reopened = models.PositiveSmallIntegerField(default=0)
    extended_days = models.PositiveSmallIntegerField(_("延期天数"), default=0)  # 延期时限, granted once
    paused_since = models.DateField(null=True, blank=True)  # an appeal pending: the answer limit waits
    supervised_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    # 一号通办 (ratings.md §7): "out" once transferred to another member's 12345, "in" when received from one
    # (its details in the TicketTransfer row); read without a query by every step that reports back.
    transfer_direction = models.CharField(
        _("转办"), max_length=3, choices=TransferDirection.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit_path", "status"], name="ticket_unit_status")]

    def __str__(self) -> str:
        return self.number

    @property
    def real_name(self) -> bool:
        """实名: the platform knows who to contact and revisit (anonymous ones too: only the unit is not told)."""
        return self.person_user_id is not None or bool(self.caller_phone)


class TicketTransfer(models.Model):
    """一号通办 between members (ratings.md §7): the other member's side of a transferred 12345 ticket.

    ``out`` (this member transferred it): the member it went to, its ticket there once reported, and the last
    state it reported (``seq`` the highest sequence applied; an older report is ignored). ``in`` (another
    member transferred it here): the member it came from, its ticket there (``remote_ref``, unique per member:
    one ticket per transfer), the caller's name for the answer and the revisit, the origin's limits as
    context, and ``seq`` the last sequence reported back."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="transfer")
    direction = models.CharField(_("方向"), max_length=3, choices=TransferDirection.choices)
    member = models.CharField(_("对方成员"), max_length=12)
    member_name = models.CharField(_("对方成员名称"), max_length=100)
    remote_ref = models.CharField(_("对方工单编号（UUID）"), max_length=40, blank=True)
    remote_number = models.CharField(_("对方工单编号"), max_length=32, blank=True)
    caller_name = models.CharField(_("来电人姓名"), max_length=100, blank=True)  # "in" only: to address them
    note = models.TextField(_("转办说明"), blank=True)
    context = models.JSONField(_("原工单时限"), default=dict, blank=True)
    seq = models.PositiveIntegerField(_("状态序号"), default=0)
    remote_status = models.CharField(_("对方状态"), max_length=20, choices=TicketStatus.choices, blank=True)
    remote_unit = models.CharField(_("对方承办单位"), max_length=200, blank=True)
    remote_answer = models.TextField(_("对方答复"), blank=True)
    remote_answered_at = models.DateTimeField(_("对方答复时间"), null=True, blank=True)
    remote_revisit_level = models.PositiveSmallIntegerField(
        _("对方回访满意度"), choices=RevisitLevel.choices, null=True, blank=True
    )
    remote_updated_at = models.DateTimeField(_("对方最近更新"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("一号通办转办")
        verbose_name_plural = _("一号通办转办")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "remote_ref"],
                condition=models.Q(direction="in"),
                name="ticket_transfer_in_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.member}"


class TicketEvent(models.Model):
    """One step of a ticket, append-only: its history for the handler, the evaluator (without the handler's
    name) and the supervisors. ``key`` makes a supervision event unique per ticket, limit and round."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor_user_id = models.PositiveBigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    key = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "key"], condition=~models.Q(key=""), name="ticket_event_once_per_key"
            )
        ]


class Appeal(models.Model):
    """申诉复核: the evaluated unit appeals a 差评 as mistaken or malicious; a supervisor outside the unit decides
    (ratings.md §6). One per evaluation."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="appeal")
    reason = models.CharField(_("申诉理由"), max_length=12, choices=AppealReason.choices)
    text = models.TextField(_("申诉说明"))
    evidence = models.JSONField(_("证据材料"), default=list, blank=True)  # [{name, sha256, size, type, path}]
    status = models.CharField(
        _("复核结果"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    filed_by = models.PositiveBigIntegerField()
    filed_label = models.CharField(max_length=200, blank=True)
    filed_at = models.DateTimeField(default=timezone.now)
    decision_text = models.TextField(_("复核意见"), blank=True)
    decided_by = models.PositiveBigIntegerField(null=True, blank=True)
    decided_label = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)


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


class EvaluationOrigin(models.Model):
    """Where an evaluation given in a browser came from, for the burst rule (ratings.md §4): the device cookie
    and the client address, each as an HMAC under the platform's secret (never the raw address). Append-only;
    none for the pad (a registered device, exempt) or a call."""

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="origin")
    device_hash = models.CharField(max_length=64, blank=True)
    address_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("评价来源")
        verbose_name_plural = _("评价来源")
        indexes = [
            models.Index(fields=["device_hash", "created_at"], name="evaluation_origin_device"),
            models.Index(fields=["address_hash", "created_at"], name="evaluation_origin_address"),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise Immutable("origins are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Immutable("origins are never deleted")


class RatingInvitation(models.Model):
    """The invitation of an ended case's applicant to rate it (ratings.md §3): one per case, made by the
    ``case_ended`` receiver; ``sent_count`` in-app invitations so far (at most two), ``next_due_at`` the
    reminder's time (None once none is due: sent, rated or opted out), ``sms_due_at`` an SMS held back for the
    morning (sent outside 09:00-20:00)."""

    case_uuid = models.UUIDField(unique=True)
    user_id = models.PositiveBigIntegerField(db_index=True)
    case_number = models.CharField(max_length=32)
    case_name = models.CharField(max_length=200, blank=True)
    sent_count = models.PositiveSmallIntegerField(default=0)
    sms_count = models.PositiveSmallIntegerField(default=0)
    first_sent_at = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sms_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("评价邀请")
        verbose_name_plural = _("评价邀请")


class RatingInvitationOptOut(models.Model):
    """A person who turned rating invitations off (ratings.md §3): no invitation is sent to them."""

    user_id = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
