"""GB/T 39046-2020 appendix A code sets (docs/domain/catalog.md §2) and the catalog's own choices."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):  # A.1 事项类型
    LICENSING = "01", _("行政许可")
    PENALTY = "02", _("行政处罚")
    ENFORCEMENT = "03", _("行政强制")
    LEVY = "04", _("行政征收")
    BENEFIT = "05", _("行政给付")
    INSPECTION = "06", _("行政检查")
    CONFIRMATION = "07", _("行政确认")
    REWARD = "08", _("行政奖励")
    RULING = "09", _("行政裁决")
    OTHER_POWER = "10", _("其他类别事项")
    PUBLIC_SERVICE = "20", _("公共服务事项")


class ExerciseLevel(models.TextChoices):  # A.2 行使层级
    NATIONAL = "1", _("国家级")
    PROVINCIAL = "2", _("省级")
    MUNICIPAL = "3", _("市级")
    COUNTY = "4", _("县级")
    TOWNSHIP = "5", _("镇（乡、街道）级")
    VILLAGE = "6", _("村（社区）级")
    TIERED = "7", _("分级管理")


class ServiceObject(models.TextChoices):  # A.4 服务对象
    PERSON = "1", _("自然人")
    ENTERPRISE = "2", _("企业法人")
    PUBLIC_INSTITUTION = "3", _("事业法人")
    SOCIAL_ORGANISATION = "4", _("社会组织法人")
    AUTHORITY = "5", _("行政机关")
    OTHER = "6", _("其他组织")


# Audiences of the portal's browse pages (个人 / 法人), from the A.4 service objects.
AUDIENCE_PERSON = "person"
AUDIENCE_ORGANISATION = "organisation"


def audiences_of(service_objects) -> set[str]:
    codes = set(service_objects or ())
    out = set()
    if ServiceObject.PERSON in codes:
        out.add(AUDIENCE_PERSON)
    if codes - {ServiceObject.PERSON}:
        out.add(AUDIENCE_ORGANISATION)
    return out


class HandlingForm(models.TextChoices):  # A.5 办理形式
    WINDOW = "1", _("窗口办理")
    ONLINE_PC = "2", _("电脑端网上办理")
    ONLINE_MOBILE = "3", _("移动端网上申请")
    COURIER = "4", _("快递申请")
    OTHER = "9", _("其他")


class CaseType(models.TextChoices):  # A.6 办件类型
    IMMEDIATE = "1", _("即办件")
    PROMISED = "2", _("承诺件")
    OTHER = "9", _("其他")


class OnlineDepth(models.IntegerChoices):  # 网上办理深度
    I = 1, _("Ⅰ级 网上咨询")  # noqa: E741
    II = 2, _("Ⅱ级 网上预约/预审")
    III = 3, _("Ⅲ级 网上受理、窗口取件")
    IV = 4, _("Ⅳ级 全程网办")


class CrossRegionScope(models.TextChoices):  # 通办范围
    CITY = "city", _("全市通办")
    YANGTZE_DELTA = "yrd", _("长三角通办")
    CROSS_PROVINCE = "cross_province", _("跨省通办")


class ResultKind(models.TextChoices):
    LICENCE = "licence", _("电子证照")
    APPROVAL_DOCUMENT = "approval_document", _("批准文书")
    FILING = "filing", _("备案/登记结果")
    OTHER = "other", _("其他")


# Licence types whose issue establishes the holder: the 营业执照 is issued on the establishment registration of
# a market entity, which assigns its unified social credit code (docs/domain/bundles.md, "Results of a step").
# Type code → the form field that carries the new holder's identifier: a bundle does not ask for it, the step
# that yields the licence fills it in.
BUSINESS_LICENCE_TYPE = "11100000000013338W001"
ESTABLISHING_LICENCE_TYPES: dict[str, str] = {BUSINESS_LICENCE_TYPE: "uscc"}


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已废止")


class MaterialSource(models.TextChoices):
    UPLOAD = "upload", _("申请人提交")
    LICENCE = "licence", _("电子证照")
    SHARED_DATA = "shared_data", _("部门共享数据")
    PLATFORM = "platform", _("平台生成")


class MaterialFormat(models.TextChoices):
    PAPER = "paper", _("纸质")
    ELECTRONIC = "electronic", _("电子")
    BOTH = "both", _("纸质或电子")


class DeliveryMethod(models.TextChoices):  # 结果送达方式
    ONLINE = "online", _("电子送达（网上查看、下载）")
    WINDOW = "window", _("窗口领取")
    COURIER = "courier", _("免费邮寄送达")
