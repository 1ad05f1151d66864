"""The front desk's vocabularies: centres, windows, queue tickets and their categories, the services a window
gives (docs/domain/frontdesk.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CentreKind(models.TextChoices):
    DISTRICT = "district", _("区级政务服务中心")
    STREET = "street", _("街镇社区事务受理服务中心")


class WindowKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("综合窗口")  # 无差别全科受理: any item of the catalogue
    DEPARTMENT = "department", _("部门窗口")  # one department's items
    HANDOUT = "handout", _("统一出件窗口")  # results handed out
    YANGTZE = "yangtze", _("长三角专窗")  # 长三角 一网通办 专窗: cross-province collection


class TicketCategory(models.TextChoices):
    """The categories of a queue ticket, each with its letter on the ticket. The green channel (绿色通道: the
    elderly, the disabled, pregnant applicants) is served first at any window that serves it."""

    GREEN = "G", _("绿色通道")
    ENTERPRISE = "E", _("企业服务")
    PERSONAL = "P", _("个人服务")
    CROSS_REGION = "C", _("跨区域通办")
    HANDOUT = "R", _("领取结果")


class TicketSource(models.TextChoices):
    KIOSK = "kiosk", _("大厅取号机")
    PHONE = "phone", _("手机扫码取号")
    APPOINTMENT = "appointment", _("网上预约")


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("等候中")
    CALLED = "called", _("已叫号")
    SERVING = "serving", _("办理中")
    DONE = "done", _("已办结")
    NO_SHOW = "no_show", _("过号")
    TRANSFERRED = "transferred", _("已转移")
    CANCELLED = "cancelled", _("已取消")


OPEN_TICKET_STATUSES = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)


class TicketAction(models.TextChoices):
    """The raw events of a ticket, from which every figure of the centre's dashboard is recomputed."""

    TAKE = "take", _("取号")
    CALL = "call", _("叫号")
    RECALL = "recall", _("重呼")
    START = "start", _("开始办理")
    FINISH = "finish", _("办理完毕")
    NO_SHOW = "no_show", _("过号")
    TRANSFER = "transfer", _("转移")
    CANCEL = "cancel", _("取消")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CHECKED_IN = "checked_in", _("已签到取号")
    CANCELLED = "cancelled", _("已取消")
    MISSED = "missed", _("已失约")


class PaperStatus(models.TextChoices):
    """收受分离: the paper materials a collecting centre keeps while the home centre decides."""

    COLLECTED = "collected", _("已收件")
    SENT = "sent", _("已寄送")
    RECEIVED = "received", _("已签收")
    ARCHIVED = "archived", _("已归档")


class HandoverMethod(models.TextChoices):
    IN_PERSON = "in_person", _("窗口领取（签名确认）")
    COURIER = "courier", _("邮寄")
