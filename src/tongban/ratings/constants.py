"""The 好差评 scale, channels and the versioned indicator templates (docs/domain/ratings.md §1–§2)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """The canonical scale, as the pad's ``PadSession.score``: 5 非常满意 … 1 非常不满意 (GB/T 39046 A.8 = 6 − level;
    the provincial interface = level)."""

    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASICALLY_SATISFIED = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


BAD_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)  # 差评: "后两个等级为差评"


class EvaluationKind(models.TextChoices):
    CASE = "case", _("一事一评")
    SERVICE = "service", _("一次一评")
    TICKET = "ticket", _("工单答复评价")


class Channel(models.TextChoices):
    """The channels of GB/T 39046 表9 (评价渠道); the exchange profiles number them at the edge."""

    PC = "pc", _("PC端")
    MOBILE = "mobile", _("移动服务端")
    QR = "qr", _("二维码")
    HALL_TABLET = "hall_tablet", _("政务大厅平板电脑")
    HALL_TERMINAL = "hall_terminal", _("政务大厅其他终端")
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("部门")
    WINDOW = "window", _("窗口")
    TICKET_UNIT = "ticket_unit", _("工单承办单位")


class IndicatorClass(models.TextChoices):
    ONLINE = "online", _("线上")
    OFFLINE = "offline", _("线下")


# The national indicators, versioned: a version in use is never edited (a change is a new version). Version 0
# is "level only" (the pad asks no indicators yet). First level 整体满意度 is the level itself.
TEMPLATE_LEVEL_ONLY = 0
TEMPLATE_VERSION = 1
INDICATOR_TEMPLATES: dict[int, dict[str, tuple[tuple[str, str], ...]]] = {
    TEMPLATE_LEVEL_ONLY: {IndicatorClass.ONLINE: (), IndicatorClass.OFFLINE: ()},
    1: {
        IndicatorClass.ONLINE: (
            ("online.efficiency", _("办事效率")),
            ("online.guide_accuracy", _("办事指南精确度")),
            ("online.convenience", _("办事便捷度")),
            ("online.usability", _("平台操作性")),
        ),
        IndicatorClass.OFFLINE: (
            ("offline.efficiency", _("服务效率")),
            ("offline.quality", _("服务水平")),
            ("offline.attitude", _("服务态度")),
        ),
    },
}
CHANNEL_CLASS = {
    Channel.PC: IndicatorClass.ONLINE,
    Channel.MOBILE: IndicatorClass.ONLINE,
}  # every other channel is offline (phone and SMS too: our choice)

TEXT_MAX = 500
ROUNDS = 2  # a first evaluation and one 追评
SECOND_ROUND_DAYS = 30  # the second round within 30 days of the first (our choice)
# Rate limits (ratings.md §4, our choice): evaluations per account and per client address in an hour.
RATE_LIMIT_ACCOUNT = 20
RATE_LIMIT_DEVICE = 20  # per first-party device cookie (channels.device_key)
RATE_LIMIT_ADDRESS = 60
RATE_LIMIT_WINDOW = 3600
# Bursts are flagged, not dropped (ratings.md §4, our choice): more than BURST_COUNT evaluations in
# BURST_SECONDS from one device or one address by more than one evaluator (cases of different applicants), or
# more than UNIT_BURST_COUNT evaluations of one unit in UNIT_BURST_SECONDS from one address, mark each suspect.
BURST_COUNT = 5
BURST_SECONDS = 600
UNIT_BURST_COUNT = 10
UNIT_BURST_SECONDS = 3600

# Invitations (ratings.md §3, our choice): one when the case ends, one more 3 calendar days later if it is
# still unrated; SMS only from 09:00 to 20:00 Shanghai time (a later one waits for 09:00, the in-app message
# goes at once).
INVITE_AGAIN_DAYS = 3
INVITATIONS_MAX = 2
SMS_HOURS = (9, 20)  # [09:00, 20:00)
SMS_TIME_ZONE = "Asia/Shanghai"


# --- marks on evaluations (ratings.md §4, §6) -------------------------------------------------------------
class MarkKind(models.TextChoices):
    """What happened to an evaluation later, each an append-only row; its status is read from them."""

    SUSPECT = "suspect", _("疑似刷评·待核查")
    CLEARED = "cleared", _("已核查·计入统计")
    FRAUD_CONFIRMED = "fraud_confirmed", _("疑似刷评·不计入统计")
    APPEAL_UPHELD = "appeal_upheld", _("申诉成立·不计入统计")
    APPEAL_REJECTED = "appeal_rejected", _("申诉不成立")


EXCLUDING_MARKS = (MarkKind.FRAUD_CONFIRMED, MarkKind.APPEAL_UPHELD)


# --- tickets: the bad-review loop and 12345 (ratings.md §5, §7) --------------------------------------------
class TicketKind(models.TextChoices):
    BAD_REVIEW = "bad_review", _("差评整改")
    CONSULT = "consult", _("咨询")
    COMPLAINT = "complaint", _("投诉")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


HOTLINE_KINDS = (TicketKind.CONSULT, TicketKind.COMPLAINT, TicketKind.SUGGESTION, TicketKind.PRAISE)
# Kinds whose handler contacts the person first and triages (received → verifying → outcome).
CONTACT_KINDS = (TicketKind.BAD_REVIEW, TicketKind.COMPLAINT)


class TicketStatus(models.TextChoices):
    RECEIVED = "received", _("已接收")
    VERIFYING = "verifying", _("核实中")
    FIXED_AT_ONCE = "fixed_at_once", _("立行立改")
    LEDGER = "ledger", _("建立台账·限期整改")
    EXPLAINED = "explained", _("解释说明")
    ANSWERED = "answered", _("已答复·待回访")
    CLOSED = "closed", _("已办结")
    CLOSED_EXCLUDED = "closed_excluded", _("申诉成立·已关闭")
    CLOSED_UNREACHABLE = "closed_unreachable", _("无法联系·已关闭")
    MERGED = "merged", _("已合并")
    TRANSFERRED = "transferred", _("已转办外地12345")


OUTCOMES = (TicketStatus.FIXED_AT_ONCE, TicketStatus.LEDGER, TicketStatus.EXPLAINED)
CLOSED_STATUSES = (
    TicketStatus.CLOSED,
    TicketStatus.CLOSED_EXCLUDED,
    TicketStatus.CLOSED_UNREACHABLE,
    TicketStatus.MERGED,
    TicketStatus.TRANSFERRED,  # handled by another member's 12345 from then on (ratings.md §7)
)


class TransferDirection(models.TextChoices):
    """一号通办 (ratings.md §7): a ticket this member transferred to another member's 12345 (``out``), or one
    another member transferred here (``in``)."""

    OUT = "out", _("转出")
    IN = "in", _("转入")


# What a transferred ticket's member reports back (the ``event`` of a hotline.status message).
TRANSFER_EVENTS = (
    "dispatched",
    "contacted",
    "triaged",
    "answered",
    "revisited",
    "reopened",
    "closed",
    "closed_unreachable",
    "merged",
)


class RevisitLevel(models.IntegerChoices):
    """The evaluator's rating of the fix at the revisit (回访): the three levels of a municipal 意见."""

    SATISFIED = 3, _("满意")
    BASICALLY_SATISFIED = 2, _("基本满意")
    DISSATISFIED = 1, _("不满意")


class AppealReason(models.TextChoices):
    MISTAKEN = "mistaken", _("误评")
    MALICIOUS = "malicious", _("恶意差评")


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("待复核")
    UPHELD = "upheld", _("申诉成立")
    REJECTED = "rejected", _("申诉不成立")


# Working-day limits of the loop, per region (ratings.md §5; Shanghai's "1、5、15" as default; settings
# RATINGS_LIMITS overrides them). 0 for contact means the same working day.
DEFAULT_LIMITS = {
    "contact": 1,
    "simple": 5,
    "complex": 15,
    "revisit": 5,
    "appeal_file": 5,
    "appeal_decide": 5,
}
URGENT_LIMITS = {"contact": 0, "answer": 1}
CONSULT_ANSWER_DAYS = 1
SUGGESTION_ANSWER_DAYS = 15
REOPEN_MAX = 1  # a revisit rated 不满意 sends the ticket back to verifying once
UNREACHABLE_ATTEMPTS = 3  # recorded revisit calls on different working days before closed_unreachable
HOPS_BEFORE_SUPERVISION = 3  # a ticket routed more than this goes under 督办
TICKET_TEXT_MAX = 2000
EVIDENCE_MAX_FILES = 3
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
