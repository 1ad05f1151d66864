"""The front desk (综合窗口): service centres and their windows (profiles of the organisations of kind
service_centre and window that accounts keeps), the staff on a window each day, the queue (tickets, their
raw events, appointments), the services given at a window, the paper a collecting centre keeps (收受分离),
results handed out and the evaluation pad's sessions (docs/domain/frontdesk.md)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.frontdesk.constants import (
    AppointmentStatus,
    CentreKind,
    HandoverMethod,
    PaperStatus,
    TicketAction,
    TicketCategory,
    TicketSource,
    TicketStatus,
    WindowKind,
)
from tongban.frontdesk.hours import validate_hours


def default_hours() -> dict:
    """社区事务受理 全市通办's hours: Mon–Fri 8:30–16:30; weekends and holidays 8:30–11:30."""
    return {"workday": [["08:30", "16:30"]], "restday": [["08:30", "11:30"]]}


class ServiceCentre(models.Model):
    """A service centre: the profile of an accounts organisation of kind service_centre."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    org_uuid = models.UUIDField(_("组织机构"), unique=True)
    org_path = models.CharField(_("组织路径"), max_length=400, db_index=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=CentreKind.choices, default=CentreKind.DISTRICT)
    division_code = models.CharField(_("所在区划代码"), max_length=6)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    # {"workday": [["08:30", "16:30"]], "restday": [["08:30", "11:30"]]}: opening hours on working days (the
    # calendar's) and on rest days; an empty list: closed.
    hours = models.JSONField(_("开放时间"), default=default_hours)
    slug = models.SlugField(
        _("大厅代码"), max_length=40, unique=True, help_text=_("取号二维码和叫号屏的地址")
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("政务服务中心")
        verbose_name_plural = _("政务服务中心")
        ordering = ["division_code", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The opening hours must be "HH:MM" pairs, start before end (the admin's form calls it)."""
        super().clean()
        try:
            validate_hours(self.hours)
        except ValidationError as exc:
            raise ValidationError({"hours": exc.error_list}) from exc


class Window(models.Model):
    """A window of a centre: the profile of an accounts organisation of kind window (its clerks are members of
    it), with its number on the hall's board, its kind and the ticket categories it calls."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    centre = models.ForeignKey(
        ServiceCentre, verbose_name=_("服务中心"), on_delete=models.PROTECT, related_name="windows"
    )
    org_uuid = models.UUIDField(_("组织机构"), unique=True, null=True, blank=True)
    number = models.PositiveSmallIntegerField(_("窗口号"))
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=WindowKind.choices)
    categories = models.JSONField(_("受理号票类别"), default=list)  # TicketCategory values, in calling order
    department_uuid = models.UUIDField(_("所属部门"), null=True, blank=True)  # a department window's
    department_name = models.CharField(_("所属部门名称"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("窗口")
        verbose_name_plural = _("窗口")
        ordering = ["centre", "number"]
        constraints = [models.UniqueConstraint(fields=["centre", "number"], name="window_number_unique")]

    def __str__(self) -> str:
        return f"{self.centre.name} {self.number}号窗口"


class WindowShift(models.Model):
    """A member of staff on a window for a day (排班)."""

    window = models.ForeignKey(
        Window, verbose_name=_("窗口"), on_delete=models.CASCADE, related_name="shifts"
    )
    day = models.DateField(_("日期"))
    user_id = models.BigIntegerField(_("工作人员"))
    staff_label = models.CharField(_("工作人员姓名"), max_length=100)

    class Meta:
        verbose_name = _("窗口排班")
        verbose_name_plural = _("窗口排班")
        constraints = [
            models.UniqueConstraint(fields=["window", "day", "user_id"], name="window_shift_unique")
        ]
        indexes = [models.Index(fields=["user_id", "day"], name="window_shift_staff_day")]


class AppointmentSlot(models.Model):
    """A time slot a centre offers for appointments of a category, with its capacity."""

    centre = models.ForeignKey(
        ServiceCentre, verbose_name=_("服务中心"), on_delete=models.CASCADE, related_name="slots"
    )
    day = models.DateField(_("日期"))
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))
    category = models.CharField(_("类别"), max_length=1, choices=TicketCategory.choices)
    capacity = models.PositiveSmallIntegerField(_("可预约人数"))
    booked = models.PositiveSmallIntegerField(_("已预约人数"), default=0)

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        ordering = ["day", "start"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "day", "start", "category"], name="slot_unique"),
            models.CheckConstraint(condition=Q(booked__lte=models.F("capacity")), name="slot_not_overbooked"),
        ]


class Appointment(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slot = models.ForeignKey(
        AppointmentSlot, verbose_name=_("时段"), on_delete=models.PROTECT, related_name="appointments"
    )
    user_id = models.BigIntegerField(_("预约人"))
    person_label = models.CharField(_("预约人（脱敏）"), max_length=100)
    item_name = models.CharField(_("拟办事项"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    created_at = models.DateTimeField(_("预约时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "user_id"],
                condition=Q(status__in=["booked", "checked_in"]),
                name="appointment_one_per_slot",
            )
        ]


class Ticket(models.Model):
    """A queue number of a centre's day: its category letter and sequence ("G003"), where it came from, and
    where it is in the queue. Calling takes the next waiting ticket under a row lock that skips the rows
    another window is taking (locks.lock_first_waiting)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    centre = models.ForeignKey(
        ServiceCentre, verbose_name=_("服务中心"), on_delete=models.PROTECT, related_name="tickets"
    )
    day = models.DateField(_("日期"))
    category = models.CharField(_("类别"), max_length=1, choices=TicketCategory.choices)
    seq = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("号码"), max_length=8)
    source = models.CharField(_("来源"), max_length=20, choices=TicketSource.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    # Appointments are called at their time before walk-ins: the slot's start (None for a walk-in).
    due_at = models.DateTimeField(_("预约时间"), null=True, blank=True)
    appointment = models.OneToOneField(
        Appointment,
        verbose_name=_("预约"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket",
    )
    user_id = models.BigIntegerField(_("取号人"), null=True, blank=True)  # signed in on the phone, or None
    taken_at = models.DateTimeField(_("取号时间"), auto_now_add=True)
    called_at = models.DateTimeField(_("叫号时间"), null=True, blank=True)
    window = models.ForeignKey(
        Window,
        verbose_name=_("窗口"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    served_by_user_id = models.BigIntegerField(_("办理人员"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始办理"), null=True, blank=True)
    finished_at = models.DateTimeField(_("办理完毕"), null=True, blank=True)
    recalls = models.PositiveSmallIntegerField(_("重呼次数"), default=0)
    near_notified = models.BooleanField(_("已提醒临近"), default=False)
    transferred_from = models.ForeignKey(
        "self", verbose_name=_("转自"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("号票")
        verbose_name_plural = _("号票")
        ordering = ["day", "taken_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "day", "category", "seq"], name="ticket_number_unique"),
            # A window calls or serves one ticket at a time: calling the next while one is still current is
            # refused (``window_busy``) by this index, even for two calls at once on one window.
            models.UniqueConstraint(
                fields=["window"],
                name="ticket_one_current_per_window",
                condition=Q(status__in=["called", "serving"]),
            ),
        ]
        indexes = [
            # The queue a window calls from: a centre's waiting tickets of a day.
            models.Index(
                fields=["centre", "day", "category", "due_at", "seq"],
                name="ticket_waiting",
                condition=Q(status="waiting"),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class TicketCounter(models.Model):
    """The last sequence number given to a centre's category on a day: taking a ticket locks this row
    (locks.lock_ticket_counter), so two takes at once never get the same number."""

    centre = models.ForeignKey(ServiceCentre, verbose_name=_("服务中心"), on_delete=models.CASCADE)
    day = models.DateField(_("日期"))
    category = models.CharField(_("类别"), max_length=1, choices=TicketCategory.choices)
    last = models.PositiveIntegerField(_("最后序号"), default=0)

    class Meta:
        verbose_name = _("取号计数")
        verbose_name_plural = _("取号计数")
        constraints = [
            models.UniqueConstraint(fields=["centre", "day", "category"], name="ticket_counter_unique")
        ]


class TicketEvent(models.Model):
    """One thing that happened to a ticket, with its time: the raw record the dashboard's figures are
    recomputed from (waiting time = call − take; service time = finish − start)."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("号票"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("动作"), max_length=20, choices=TicketAction.choices)
    window = models.ForeignKey(
        Window, verbose_name=_("窗口"), null=True, blank=True, on_delete=models.PROTECT
    )
    actor_user_id = models.BigIntegerField(_("操作人"), null=True, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("号票事件")
        verbose_name_plural = _("号票事件")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["window", "at"], name="ticket_event_window_at")]


class Service(models.Model):
    """A service given at a window (一次服务): the ticket served, the clerk, the applicant (masked), the cases
    opened or worked on, whether it ended on the spot; what the evaluation pad rates (一次一评)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    centre = models.ForeignKey(
        ServiceCentre, verbose_name=_("服务中心"), on_delete=models.PROTECT, related_name="services"
    )
    window = models.ForeignKey(
        Window, verbose_name=_("窗口"), on_delete=models.PROTECT, related_name="services"
    )
    ticket = models.OneToOneField(
        Ticket,
        verbose_name=_("号票"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service",
    )
    clerk_user_id = models.BigIntegerField(_("窗口人员"))
    clerk_label = models.CharField(_("窗口人员姓名"), max_length=100)
    applicant_person_uuid = models.UUIDField(_("申请人"), null=True, blank=True)
    applicant_label = models.CharField(_("申请人（脱敏）"), max_length=100, blank=True)
    case_uuids = models.JSONField(_("办件"), default=list)
    on_the_spot = models.BooleanField(_("当场办结"), default=False)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("窗口服务")
        verbose_name_plural = _("窗口服务")
        ordering = ["-started_at"]


class PaperFile(models.Model):
    """收受分离: the paper materials of a case a centre collected for another centre's item; the paper stays
    with the collector (then goes to the deciding authority's archive), tracked step by step."""

    case_uuid = models.UUIDField(_("办件"), unique=True)
    case_number = models.CharField(_("办件编号"), max_length=32)
    collecting_centre = models.ForeignKey(
        ServiceCentre, verbose_name=_("收件中心"), on_delete=models.PROTECT, related_name="papers_collected"
    )
    home_name = models.CharField(_("办理地"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=20, choices=PaperStatus.choices, default=PaperStatus.COLLECTED
    )
    history = models.JSONField(_("流转记录"), default=list)  # [{"status", "at", "by", "note"}]
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("纸质材料流转")
        verbose_name_plural = _("纸质材料流转")


class Handover(models.Model):
    """A result handed out (统一出件): at the window with the applicant's signature, or by courier."""

    case_uuid = models.UUIDField(_("办件"), unique=True)
    case_number = models.CharField(_("办件编号"), max_length=32)
    centre = models.ForeignKey(ServiceCentre, verbose_name=_("服务中心"), on_delete=models.PROTECT)
    window = models.ForeignKey(Window, verbose_name=_("窗口"), on_delete=models.PROTECT)
    clerk_user_id = models.BigIntegerField(_("窗口人员"))
    clerk_label = models.CharField(_("窗口人员姓名"), max_length=100)
    method = models.CharField(_("方式"), max_length=20, choices=HandoverMethod.choices)
    receiver_label = models.CharField(_("领取人（脱敏）"), max_length=100, blank=True)
    signature_png = models.BinaryField(_("签名"), null=True, blank=True, editable=False)
    tracking_number = models.CharField(_("快递单号"), max_length=40, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("结果领取")
        verbose_name_plural = _("结果领取")


class PadSession(models.Model):
    """The window's evaluation pad (评价器) inviting the applicant to rate one service (一次一评): opened by the
    clerk when the service ends; the ratings context reads and completes it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    window = models.ForeignKey(
        Window, verbose_name=_("窗口"), on_delete=models.CASCADE, related_name="pad_sessions"
    )
    service = models.OneToOneField(
        Service, verbose_name=_("窗口服务"), on_delete=models.CASCADE, related_name="pad"
    )
    opened_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)  # 1 非常不满意 … 5 非常满意
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    # where it was rated: the pad at the window, the window's QR code on a phone, or another hall terminal
    rated_via = models.CharField(_("评价方式"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("评价器会话")
        verbose_name_plural = _("评价器会话")
