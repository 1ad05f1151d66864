"""Case states and codes (GB/T 39046 表5–8, docs/domain/cases.md §2 and §7)."""

import re

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    SUPPLEMENT = "supplement", _("待补正")
    IN_PROCESS = "in_process", _("办理中")
    CONCLUDED = "concluded", _("已办结")
    DELIVERED = "delivered", _("已送达")
    REFUSED = "refused", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")
    RETURNED = "returned", _("已退回，待申请人修改")


OPEN_STATUSES = (CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT, CaseStatus.IN_PROCESS, CaseStatus.RETURNED)
# What the applicant may do, by the case's status (the services enforce it, the pages offer it):
WITHDRAWABLE_STATUSES = OPEN_STATUSES  # withdraw any time before the decision
SUPPLEMENTABLE_STATUSES = (CaseStatus.SUPPLEMENT, CaseStatus.RETURNED)  # supply what was asked for
COMMITMENT_STATUSES = (CaseStatus.SUBMITTED, CaseStatus.IN_PROCESS)  # bring a material promised (容缺)
SIGNABLE_STATUSES = OPEN_STATUSES  # sign the 申请书 in the browser (无纸化), once, before the case concludes


class Outcome(models.TextChoices):
    APPROVED = "approved", _("准予许可（通过）")
    NOT_APPROVED = "not_approved", _("不予许可（不通过）")


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("等待前置环节")
    READY = "ready", _("待办")
    CLAIMED = "claimed", _("办理中")
    PASSED = "passed", _("已通过")
    RETURNED = "returned", _("已退回")
    # A ready or claimed step of a case returned to the applicant waits for the supplement (then it is ready or
    # claimed again); the open steps of a case that ends early (withdrawn, refused) are closed. So an open
    # step (ready, claimed) always belongs to a case in process, and the inbox needs no join to know it.
    HELD = "held", _("待申请人补正")
    CLOSED = "closed", _("已终止")


OPEN_STEP_STATUSES = (StepStatus.READY, StepStatus.CLAIMED)

# Timeline events (CaseEvent.action) by whose they are, for the applicant's page: the applicant's side, the
# platform's, and the internal ones only staff see (a reviewer taking or releasing a step). Every other event
# is a department's or a window's.
APPLICANT_EVENTS = frozenset({"submit", "supplement", "commitment_kept", "withdraw", "application_signed"})
SYSTEM_EVENTS = frozenset({"deemed_accept", "licence_issued", "licence_not_issued", "deadline_recomputed"})
INTERNAL_EVENTS = frozenset({"claim", "release", "urge"})  # not on the applicant's timeline

# 办件编号: TB, the date, 8 Crockford base32 characters (no I, L, O, U); made by services._case_number.
CASE_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CASE_NUMBER = re.compile(r"TB\d{8}[" + CASE_NUMBER_ALPHABET + r"]{8}", re.IGNORECASE)


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("法人")


class MaterialMode(models.TextChoices):
    UPLOADED = "uploaded", _("申请人上传")
    OBTAINED = "obtained", _("平台获取")
    COMMITTED = "committed", _("容缺（承诺后补）")


class SpecialKind(models.TextChoices):  # A.7 特别程序种类 (those of 行政许可法 art. 45)
    HEARING = "hearing", _("听证")
    INSPECTION = "inspection", _("实地核查")
    TESTING = "testing", _("检验检测")
    EXPERT_REVIEW = "expert_review", _("专家评审")


class Light(models.TextChoices):
    GREEN = "green", _("正常")
    YELLOW = "yellow", _("预警")
    RED = "red", _("超期")


class DeliveryMethod(models.TextChoices):
    ONLINE = "online", _("电子送达")
    WINDOW = "window", _("窗口领取")
    COURIER = "courier", _("邮寄送达")


COMMITMENT_DAYS = 10  # working days to bring a material accepted on commitment (容缺受理)
SUPPLEMENT_WINDOW_DAYS = 5  # 行政许可法 art. 32: tell the applicant within 5 days, once, everything
