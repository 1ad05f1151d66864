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
RATE_LIMIT_ADDRESS = 60
RATE_LIMIT_WINDOW = 3600
