"""Cases (办件): an application for a published item or bundle, its steps (one per plan step), its events
(the timeline), materials, special procedures and supervision events.

Other contexts are referred to by uuid and snapshot fields, never by foreign key."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.cases.constants import (
    ApplicantKind,
    CaseStatus,
    DeliveryMethod,
    Light,
    MaterialMode,
    Outcome,
    SpecialKind,
    StepStatus,
)


class Case(models.Model):
    uuid = models.UUIDField(_("唯一标识"), default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("办件编号"), max_length=32, unique=True)
    target_kind = models.CharField(_("申请对象类型"), max_length=10)  # item | bundle
    target_uuid = models.UUIDField(_("申请对象"))
    name = models.CharField(_("事项名称"), max_length=200)
    lead_department_uuid = models.UUIDField(_("受理部门"))
    lead_department_name = models.CharField(_("受理部门名称"), max_length=200)

    applicant_kind = models.CharField(_("申请者类型"), max_length=12, choices=ApplicantKind.choices)
    applicant_uuid = models.UUIDField(_("申请者"), db_index=True)
    applicant_name = models.CharField(_("申请者名称"), max_length=200)
    submitted_by = models.PositiveBigIntegerField(_("提交人账号"), db_index=True)  # the user (maybe an agent)
    idempotency_key = models.CharField(_("幂等键"), max_length=80)
    # sha256 of what the application said (services.request_fingerprint): a key reused for another body is
    # refused. Empty for cases made before it was kept.
    request_fingerprint = models.CharField(_("请求指纹"), max_length=64, blank=True, default="")

    form_data = models.JSONField(_("申请表"), default=dict)
    status = models.CharField(_("状态"), max_length=12, choices=CaseStatus.choices, db_index=True)
    outcome = models.CharField(_("办结结果"), max_length=14, choices=Outcome.choices, blank=True)
    decision = models.TextField(_("办结意见"), blank=True)

    promised_days = models.PositiveIntegerField(_("承诺时限（工作日）"))
    legal_days = models.PositiveIntegerField(_("法定时限（工作日）"))
    submitted_at = models.DateTimeField(_("申请时间"))
    supplement_requested_at = models.DateTimeField(_("告知补正时间"), null=True, blank=True)
    supplement_items = models.JSONField(_("补正内容"), default=list, blank=True)
    # The materials a supplement request asks for, by key, with the reviewer's reason for each.
    supplement_materials = models.JSONField(_("需补正的材料"), default=dict, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    acceptance_voucher = models.CharField(_("受理文书编号"), max_length=40, blank=True)
    deemed_accepted = models.BooleanField(_("逾期视为受理"), default=False)
    refusal_reasons = models.TextField(_("不予受理理由"), blank=True)
    due_on = models.DateField(_("承诺办结日期"), null=True, blank=True, db_index=True)
    # The light turns yellow from this day (deadlines.py).
    yellow_on = models.DateField(_("预警日期"), null=True, blank=True)
    # Counted over a year with no State Council notice yet (statutory holidays only, no 调休): recomputed and
    # cleared when the notice is entered (deadlines.deadlines_recompute).
    due_on_provisional = models.BooleanField(_("期限暂按法定节假日推算"), default=False)
    paused_days = models.PositiveIntegerField(_("特别程序（工作日）"), default=0)
    paused_since = models.DateField(_("暂停计时起始日"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    actual_days = models.PositiveIntegerField(_("实际用时（工作日）"), null=True, blank=True)
    delivery_method = models.CharField(
        _("送达方式"), max_length=10, choices=DeliveryMethod.choices, default=DeliveryMethod.ONLINE
    )
    tracking_number = models.CharField(_("快递单号"), max_length=40, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    light = models.CharField(_("监察灯"), max_length=6, choices=Light.choices, default=Light.GREEN)
    # 查询码: with the case number, anyone the applicant tells may look up the progress without logging in.
    lookup_code = models.CharField(_("查询码"), max_length=8, blank=True, default="")
    # 长三角: a case another member of the region sent here (全程网办, 异地代收代办, 多地联办): that member's code
    # and its application's id; every event of the case goes back to it (docs/domain/federation.md §7).
    origin_member = models.CharField(_("来源成员"), max_length=12, blank=True, default="")
    origin_ref = models.UUIDField(_("来源申请编号"), null=True, blank=True)
    # The 办结通知书 sealed with the lead department's seal (PAdES B-LT), made by a task after the case
    # concludes; until then (or when sealing fails) the page gives the unsealed document.
    decision_document = models.BinaryField(_("办结通知书（已盖章）"), null=True, blank=True, editable=False)
    # 无纸化签署 (issue 16 §3): the 申请书 signed in the browser by the applicant side with their personal seal
    # and, for an enterprise, its seal (services/signing.py); who signed with which seal: [{"role":
    # "applicant"|"company", "kind", "kind_label", "name", "owner"}].
    application_document = models.BinaryField(_("申请书（已签署）"), null=True, blank=True, editable=False)
    application_signed_at = models.DateTimeField(_("申请书签署时间"), null=True, blank=True)
    application_signers = models.JSONField(_("申请书签署印章"), default=list, blank=True)
    # The 受理通知书 (or, for a case refused at intake, the 不予受理决定书) sealed with the lead department's seal,
    # made by a task after the acceptance (or refusal) commits; until then the page says it is being sealed and
    # no unsealed copy is given (行政许可法 art. 32: a sealed and dated voucher).
    acceptance_document = models.BinaryField(
        _("受理通知书或不予受理决定书（已盖章）"), null=True, blank=True, editable=False
    )

    # What a submission just wrote (steps, materials, timeline), for its answer; not a column.
    just_written: dict | None = None

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"], name="case_idempotency_unique"
            )
        ]
        indexes = [
            models.Index(fields=["applicant_uuid", "-submitted_at"], name="case_applicant_recent"),
            # The cases of an item or bundle (the public 好差评 pages' review texts of an item).
            models.Index(fields=["target_uuid", "target_kind"], name="case_target"),
            # supervision's daily roll-up reads one day's cases by these (docs/performance/supervision-figures.md)
            models.Index(fields=["submitted_at"], name="case_submitted_at"),
            models.Index(fields=["concluded_at"], name="case_concluded_at"),
        ]

    def __str__(self) -> str:
        return self.number


class CaseStep(models.Model):
    """One plan step of a case, handled by its department; parallel where the plan allows."""

    case = models.ForeignKey(Case, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="steps")
    key = models.SlugField(_("环节标识"), max_length=64)
    name = models.CharField(_("环节名称"), max_length=200)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    department_uuid = models.UUIDField(_("办理部门"))
    department_name = models.CharField(_("办理部门名称"), max_length=200)
    implementation_code = models.CharField(_("实施编码"), max_length=64)
    version_number = models.PositiveIntegerField(_("事项版本"))
    budget_days = models.PositiveIntegerField(_("环节时限（工作日）"))
    depends_on = models.JSONField(_("前置环节"), default=list, blank=True)
    status = models.CharField(_("环节状态"), max_length=10, choices=StepStatus.choices)
    started_on = models.DateField(_("开始日期"), null=True, blank=True)
    due_on = models.DateField(_("期限"), null=True, blank=True)
    yellow_on = models.DateField(_("预警日期"), null=True, blank=True)
    due_on_provisional = models.BooleanField(_("期限为暂定"), default=False)  # as Case.due_on_provisional
    claimed_by = models.PositiveBigIntegerField(_("认领人"), null=True, blank=True)
    claimed_by_name = models.CharField(_("认领人姓名"), max_length=100, blank=True)
    decided_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    opinion = models.TextField(_("意见"), blank=True)
    light = models.CharField(_("监察灯"), max_length=6, choices=Light.choices, default=Light.GREEN)
    # 办理结果, made when the step passes (services/results.py): {"kind": "licence", "type_code", "type_name",
    # "number", "licence_uuid", "holder_name"} or {"kind": "filing"|"approval_document"|"other", "name",
    # "reference"}; empty until then.
    result = models.JSONField(_("办理结果"), default=dict, blank=True)

    class Meta:
        verbose_name = _("办件环节")
        verbose_name_plural = _("办件环节")
        ordering = ["case_id", "order"]
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="case_step_key_unique")]
        indexes = [
            # The reviewer's inbox: open steps of some departments, most urgent first.
            models.Index(
                fields=["department_uuid", "due_on"],
                name="case_step_inbox",
                condition=Q(status__in=["ready", "claimed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.name}"


class CaseEvent(models.Model):
    """The timeline: every transition with its actor, step and opinion. Append-only."""

    case = models.ForeignKey(Case, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    action = models.CharField(_("操作"), max_length=40)
    step_key = models.CharField(_("环节标识"), max_length=64, blank=True)
    department_name = models.CharField(_("部门名称"), max_length=200, blank=True)
    actor_label = models.CharField(_("操作人"), max_length=200)
    opinion = models.TextField(_("意见"), blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("办件记录")
        verbose_name_plural = _("办件记录")
        ordering = ["case_id", "at", "id"]
        # supervision's daily roll-up reads one day's events, and the events since its watermark
        indexes = [models.Index(fields=["at"], name="case_event_at")]


class CaseMaterial(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="materials")
    key = models.SlugField(_("材料标识"), max_length=64)
    name = models.CharField(_("材料名称"), max_length=200)
    mode = models.CharField(_("提交方式"), max_length=10, choices=MaterialMode.choices)
    file = models.FileField(_("文件"), upload_to="cases/%Y/%m/", blank=True)
    content_type = models.CharField(_("文件类型"), max_length=60, blank=True)
    size = models.PositiveIntegerField(_("文件大小（字节）"), default=0)
    sha256 = models.CharField(_("SHA-256 摘要"), max_length=64, blank=True)
    source_note = models.CharField(_("来源说明"), max_length=200, blank=True)  # where the platform got it
    # The e-licence the platform attached (两个免于提交): a snapshot of its identifier, number, issuer and face
    # data as they were when the case was submitted (LicenceRef.snapshot).
    licence = models.JSONField(_("电子证照"), default=dict, blank=True)
    commitment_due_on = models.DateField(_("承诺补交期限"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办件材料")
        verbose_name_plural = _("办件材料")
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="case_material_key_unique")]


class SpecialProcedure(models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="special_procedures"
    )
    kind = models.CharField(_("特别程序种类"), max_length=20, choices=SpecialKind.choices)
    reason = models.TextField(_("理由"))
    started_on = models.DateField(
        _("开始日期"),
    )
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    result = models.TextField(_("结果"), blank=True)
    paused_days = models.PositiveIntegerField(_("暂停工作日数"), default=0)

    class Meta:
        verbose_name = _("特别程序")
        verbose_name_plural = _("特别程序")


class SupervisionEvent(models.Model):
    """An electronic-supervision event (GB/T 39046 表11): a yellow or red light of a case or a step."""

    # No database foreign-key constraints: the supervision task writes up to a million events in one
    # statement, and the two referential checks per row (each locking the referenced case and step row)
    # took a third of its time (docs/performance/supervision.md). The events are written only by that
    # task, from the very rows it has just updated, cases are never deleted but by Django (which cascades
    # in Python), and tests/cases/test_supervision.py checks that every event points at its case and step.
    case = models.ForeignKey(
        Case,
        verbose_name=_("办件"),
        on_delete=models.CASCADE,
        related_name="supervision_events",
        db_constraint=False,
    )
    step = models.ForeignKey(
        CaseStep, verbose_name=_("环节"), on_delete=models.CASCADE, null=True, blank=True, db_constraint=False
    )
    rule = models.CharField(_("监察规则"), max_length=40)
    light = models.CharField(_("预警类型"), max_length=6, choices=Light.choices)
    department_uuid = models.UUIDField(_("责任部门"))
    department_name = models.CharField(_("责任部门名称"), max_length=200)
    days_overdue = models.PositiveIntegerField(_("超期天数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("电子监察事件")
        verbose_name_plural = _("电子监察事件")
        # Once per case (or step), rule and light: running the supervision task again adds nothing.
        constraints = [
            models.UniqueConstraint(
                fields=["case", "step", "rule", "light"],
                name="supervision_once_per_step",
                condition=Q(step__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["case", "rule", "light"],
                name="supervision_once_per_case",
                condition=Q(step__isnull=True),
            ),
        ]


class ApplicationDraft(models.Model):
    """A form being filled in, saved as the applicant types, resumable."""

    user_id = models.PositiveBigIntegerField(
        _("账号"),
    )
    target_kind = models.CharField(_("对象类型"), max_length=10)
    target_uuid = models.UUIDField(
        _("对象标识"),
    )
    form_data = models.JSONField(_("表单数据"), default=dict)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("申请草稿")
        verbose_name_plural = _("申请草稿")
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "target_kind", "target_uuid"], name="draft_one_per_target"
            )
        ]


class ApplicationDraftFile(models.Model):
    """A material file that passed its checks while its application was refused for another reason: kept
    with the draft so the applicant does not upload it again (removed with the draft)."""

    draft = models.ForeignKey(
        ApplicationDraft, on_delete=models.CASCADE, related_name="files", verbose_name=_("草稿")
    )
    key = models.CharField(_("材料标识"), max_length=64)
    file = models.FileField(_("文件"), upload_to="drafts/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256 摘要"), max_length=64)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("草稿中保留的材料")
        verbose_name_plural = _("草稿中保留的材料")
        constraints = [models.UniqueConstraint(fields=["draft", "key"], name="draft_file_one_per_material")]
