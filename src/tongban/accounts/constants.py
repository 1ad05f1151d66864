from django.db import models
from django.utils.translation import gettext_lazy as _


class AssuranceLevel(models.IntegerChoices):
    """Real-name assurance (实名认证等级)."""

    L1 = 1, _("L1 手机号已验证")
    L2 = 2, _("L2 身份证号与人口库比对一致")
    L3 = 3, _("L3 窗口或人脸核验本人")


class OrgKind(models.TextChoices):
    REGION = "region", _("行政区（省/市）")
    DISTRICT = "district", _("区县")
    DEPARTMENT = "department", _("部门")
    SERVICE_CENTRE = "service_centre", _("政务服务中心")
    WINDOW = "window", _("窗口")


# Which kinds a kind may hang under.
ORG_PARENTS: dict[str, set[str]] = {
    OrgKind.REGION: set(),
    OrgKind.DISTRICT: {OrgKind.REGION},
    OrgKind.DEPARTMENT: {OrgKind.REGION, OrgKind.DISTRICT},
    OrgKind.SERVICE_CENTRE: {OrgKind.REGION, OrgKind.DISTRICT},
    OrgKind.WINDOW: {OrgKind.SERVICE_CENTRE},
}


class Role(models.TextChoices):
    WINDOW_CLERK = "window_clerk", _("综合窗口人员")
    REVIEWER = "reviewer", _("审批人员")
    ISSUER = "issuer", _("发证人员")
    SEAL_AUTHORITY = "seal_authority", _("印章管理人员")
    SUPERVISOR = "supervisor", _("监察人员")
    RATING_HANDLER = "rating_handler", _("差评处置人员")
    HOTLINE_OPERATOR = "hotline_operator", _("热线话务员")
    CATALOG_ADMIN = "catalog_admin", _("事项管理员")
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")


class EnterpriseKind(models.TextChoices):
    LLC = "llc", _("有限责任公司")
    JOINT_STOCK = "joint_stock", _("股份有限公司")
    SOLE_PROPRIETORSHIP = "sole_proprietorship", _("个人独资企业")
    PARTNERSHIP = "partnership", _("合伙企业")
    INDIVIDUAL_BUSINESS = "individual_business", _("个体工商户")
    COOPERATIVE = "cooperative", _("农民专业合作社")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")
    SOCIAL_ORGANISATION = "social_organisation", _("社会组织")


class OtpPurpose(models.TextChoices):
    LOGIN = "login", _("登录")
    REGISTER = "register", _("注册")
    RESET = "reset", _("找回密码")
    RECOVER = "recover", _("窗口身份找回")
    RATING = "rating", _("办件评价")  # sent by the ratings context only, to a case's applicant


class ApiScope(models.TextChoices):
    ORGS_READ = "orgs:read", _("读取组织机构")
    PERSONS_LOOKUP = "persons:lookup", _("按证件号查询自然人")
    AUDIT_READ = "audit:read", _("读取审计日志")
    LICENCES_ISSUE = "licences:issue", _("签发电子证照（以本部门名义）")
    LICENCES_SHARE = "licences:share", _("调用共享电子证照（按授权的证照类型）")
