"""GB/T 39046-2020 appendix A code sets (docs/domain/catalog.md §2) and the catalog's own choices."""

from django.db import models
from django.utils.translation import gettext, gettext_noop
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
    ELECTRONIC_SEALS = (
        "electronic_seals",
        _("电子印章"),
    )  # 公章刻制: the enterprise's seals, made by the platform
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


# The themes (主题) items and bundles are filed under, named here so each has an English name in the
# translation catalog: the demo catalog's, and the usual ones of the national platform's lists for persons and
# for legal persons. A theme outside this list is shown as the catalog writes it.
THEMES = frozenset(
    (
        # the demo catalog
        gettext_noop("出生"),
        gettext_noop("教育"),
        gettext_noop("就业"),
        gettext_noop("社保"),
        gettext_noop("医疗"),
        gettext_noop("住房"),
        gettext_noop("婚姻"),
        gettext_noop("养老"),
        gettext_noop("居住"),
        gettext_noop("开办企业"),
        gettext_noop("经营许可"),
        gettext_noop("工程建设"),
        gettext_noop("税务"),
        gettext_noop("社保登记"),
        gettext_noop("注销"),
        # the national platform's lists
        gettext_noop("生育收养"),
        gettext_noop("户籍办理"),
        gettext_noop("民族宗教"),
        gettext_noop("教育科研"),
        gettext_noop("入伍服役"),
        gettext_noop("就业创业"),
        gettext_noop("设立变更"),
        gettext_noop("准营准办"),
        gettext_noop("抵押质押"),
        gettext_noop("职业资格"),
        gettext_noop("行政缴费"),
        gettext_noop("婚姻登记"),
        gettext_noop("优待抚恤"),
        gettext_noop("规划建设"),
        gettext_noop("住房保障"),
        gettext_noop("社会保障"),
        gettext_noop("证件办理"),
        gettext_noop("交通出行"),
        gettext_noop("旅游观光"),
        gettext_noop("出境入境"),
        gettext_noop("消费维权"),
        gettext_noop("公共安全"),
        gettext_noop("司法公正"),
        gettext_noop("知识产权"),
        gettext_noop("环境气象"),
        gettext_noop("文化体育"),
        gettext_noop("公用事业"),
        gettext_noop("医疗卫生"),
        gettext_noop("离职退休"),
        gettext_noop("死亡殡葬"),
        gettext_noop("资质认证"),
        gettext_noop("年检年审"),
        gettext_noop("税收财务"),
        gettext_noop("人力资源"),
        gettext_noop("投资审批"),
        gettext_noop("融资信贷"),
        gettext_noop("商务贸易"),
        gettext_noop("招标拍卖"),
        gettext_noop("海关口岸"),
        gettext_noop("涉外服务"),
        gettext_noop("农林牧渔"),
        gettext_noop("交通运输"),
        gettext_noop("环保绿化"),
        gettext_noop("安全生产"),
        gettext_noop("法人注销"),
        gettext_noop("其他"),
    )
)


def theme_label(theme: str) -> str:
    """A theme in the reader's language (as written when it has no translation)."""
    return gettext(theme) if theme in THEMES else theme
