"""Licence codes: holder kinds (GB/T 36903 持证主体代码类型), statuses and operations
(docs/domain/licences.md §4), the scenes where a licence may be shown (亮证), and the root of licence
identifiers (GB/T 36904)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

ROOT_CODE = "1.2.156.3005.2"  # 电子证照根代码


class HolderKind(models.TextChoices):
    RESIDENT_ID = "111", _("公民身份号码")
    USCC = "001", _("统一社会信用代码")


class LicenceStatus(models.TextChoices):
    VALID = "01", _("有效")
    SUSPENDED = "02", _("暂扣")
    WITHDRAWN = "03", _("撤销")
    CANCELLED = "04", _("注销")
    EXPIRED = "05", _("失效")
    TRANSFERRED = "06", _("办理转出")
    REVOKED = "07", _("吊销")
    OTHER = "99", _("其他")


class Operation(models.TextChoices):  # 操作类型
    ISSUE = "01", _("新发")
    RENEW = "02", _("延续")
    SUSPEND = "03", _("暂扣")
    EXPIRE = "04", _("过期失效")
    CANCEL = "05", _("注销（撤销/吊销/转出）")
    RESTORE = "06", _("暂扣发还")
    CHANGE = "09", _("变更")


# What a status change does: operation → (allowed from, to).
STATUS_CHANGES = {
    "suspend": (Operation.SUSPEND, {LicenceStatus.VALID}, LicenceStatus.SUSPENDED),
    "restore": (Operation.RESTORE, {LicenceStatus.SUSPENDED}, LicenceStatus.VALID),
    "withdraw": (Operation.CANCEL, {LicenceStatus.VALID, LicenceStatus.SUSPENDED}, LicenceStatus.WITHDRAWN),
    "cancel": (Operation.CANCEL, {LicenceStatus.VALID, LicenceStatus.SUSPENDED}, LicenceStatus.CANCELLED),
    "revoke": (Operation.CANCEL, {LicenceStatus.VALID, LicenceStatus.SUSPENDED}, LicenceStatus.REVOKED),
}


class Scene(models.TextChoices):  # where a licence is shown (亮证场景)
    HOTEL = "hotel", _("酒店入住")
    INTERNET_CAFE = "internet_cafe", _("网吧上网")
    ROADSIDE = "roadside", _("路面检查")
    WINDOW = "window", _("窗口办事")
    DEPARTMENT = "department", _("部门核验")


class UseChannel(models.TextChoices):  # how a licence was used (用证方式)
    VERIFY = "verify", _("亮证核验")
    SHARE = "share", _("共享调用")
    CASE = "case", _("办件调用")


class VerifierKind(models.TextChoices):  # who checks a licence shown to them (用证单位)
    HOTEL = "hotel", _("旅馆")
    INTERNET_CAFE = "internet_cafe", _("网吧")
    POLICE = "police", _("公安机关")
    DEPARTMENT = "department", _("政府部门")
    WINDOW = "window", _("政务服务窗口")
    OTHER = "other", _("其他")


# The 亮证 token's lifetime by default (TONGBAN_SHOW_TOKEN_SECONDS).
SHOW_TOKEN_SECONDS = 60
# Token Status List (IETF draft-ietf-oauth-status-list): 2 bits per licence, lists of 2**20 entries.
STATUS_LIST_BITS = 2
STATUS_LIST_SIZE = 2**20
