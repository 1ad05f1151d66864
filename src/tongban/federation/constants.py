from django.db import models
from django.utils.translation import gettext_lazy as _


class KeyPurpose(models.TextChoices):
    MESSAGING = "messaging", _("消息签名")
    TRUST_LIST = "trust_list", _("信任列表签名（协调成员）")


class KeyState(models.TextChoices):
    NEXT = "next", _("待启用")
    ACTIVE = "active", _("使用中")
    RETIRED = "retired", _("已停用")


class OutStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("已放弃")


class InStatus(models.TextChoices):
    RECEIVED = "received", _("已收到")
    PROCESSED = "processed", _("已处理")
    FAILED = "failed", _("处理失败")


class LogDirection(models.TextChoices):
    OUT = "out", _("发出消息")
    IN = "in", _("收到消息")
    RECEIPT_OUT = "receipt_out", _("发出回执")
    RECEIPT_IN = "receipt_in", _("收到回执")
    TRUST_LIST = "trust_list", _("启用信任列表")
    CATALOGUE = "catalogue", _("启用事项目录")


class EntryKind(models.TextChoices):
    """Whom a regional catalogue entry serves (长三角通办事项目录)."""

    PERSONAL = "personal", _("个人")
    ENTERPRISE = "enterprise", _("法人")


class EntryMode(models.TextChoices):
    """The 跨省通办 modes of 国办发〔2020〕35号 an entry allows."""

    ONLINE = "online", _("全程网办")
    PROXY = "proxy", _("异地代收代办")
    MULTI_SITE = "multi_site", _("多地联办")


# The media type of a member's signed message, receipt and trust list (docs/federation/protocol.md).
MESSAGE_TYP = "tongban-fedmsg+jwt"
RECEIPT_TYP = "tongban-fedrcpt+jwt"
TRUST_LIST_TYP = "tongban-trustlist+jwt"
CATALOGUE_TYP = "tongban-catalogue+jwt"
MAX_MESSAGE_BYTES = 1_000_000
