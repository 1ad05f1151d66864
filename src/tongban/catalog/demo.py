"""Demo catalogue for `tongban demo`: published service items of the demo departments (accounts demo).

Each item is one row of `ITEMS`; materials and application-form fields are shared by key (`MATERIALS`,
`FIELDS`), so the same material or field has the same key across items and a "one thing" can merge them.
Implementation codes are the department's USCC + a 3-digit serial + "000". Safe to run again: an item
whose implementation code exists is skipped. Licence type codes are demo values."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction

from tongban.accounts.facade import organisation_find
from tongban.catalog.constants import (
    CaseType,
    CrossRegionScope,
    ExerciseLevel,
    HandlingForm,
    ItemType,
    MaterialSource,
    OnlineDepth,
    ResultKind,
)
from tongban.catalog.models import ServiceItem
from tongban.catalog.services import item_create, version_publish

HOURS = "周一至周五 9:00-17:00（法定节假日除外）"
SUPERVISION_PHONE = "12345"  # 市民服务热线 takes complaints about every department

# Electronic licence type codes (demo values: defining-authority codes with valid USCC check characters, not
# the real authorities' codes; the licence types themselves are made by tongban.licences.demo).
LIC = {
    "id-card": "111",
    "business-licence": "11100000000013338W001",
    "birth-certificate": "11100000MB0143028R001",
    "marriage-certificate": "11100000000014669B001",
    "residence-permit": "113100000024163706001",
    "social-security-card": "111000007178000872001",
    "property-certificate": "11100000MB1843015P001",
    "food-licence": "11100000000013338W013",
    "drug-licence": "11100000MB1A41026J002",
    "physician-certificate": "11100000MB0143028R010",
    "nurse-certificate": "11100000MB0143028R011",
    "public-health-licence": "11100000MB0143028R020",
    "medical-institution-licence": "11100000MB0143028R030",
    "teacher-certificate": "11100000000013201E001",
    "school-licence": "11100000000013201E005",
    "planning-permit": "11100000MB1843015P020",
    "land-use-permit": "11100000MB1843015P021",
    "construction-permit": "11100000000013063F001",
    "construction-qualification": "11100000000013063F010",
    "special-equipment": "11100000000013338W030",
    "vocational-certificate": "111000007178000872010",
    "disability-card": "51100000500000510L001",
    "social-organisation-certificate": "11100000000014669B010",
}


def _upload(name, **extra):
    return {"name": name, "source": MaterialSource.UPLOAD, **extra}


def _licence(key, name, **extra):
    return {
        "name": name,
        "source": MaterialSource.LICENCE,
        "licence_type_code": LIC[key],
        "exempt_when_obtainable": True,
        **extra,
    }


def _shared(name, provider, **extra):
    return {
        "name": name,
        "source": MaterialSource.SHARED_DATA,
        "shared_data_source": provider,
        "exempt_when_obtainable": True,
        **extra,
    }


# Materials by stable key: the same material keeps its key in every item.
MATERIALS = {
    "id-card": _licence("id-card", "居民身份证", originals=1),
    "business-licence": _licence("business-licence", "营业执照", originals=1),
    "household-register": _shared("居民户口簿", "市公安局", originals=1),
    "birth-certificate": _licence("birth-certificate", "出生医学证明", originals=1),
    "marriage-certificate": _licence("marriage-certificate", "结婚证"),
    "residence-permit": _licence("residence-permit", "上海市居住证"),
    "social-security-card": _licence("social-security-card", "社会保障卡"),
    "property-certificate": _licence("property-certificate", "不动产权证书", originals=1),
    "planning-permit": _licence("planning-permit", "建设工程规划许可证"),
    "land-use-permit": _licence("land-use-permit", "建设用地规划许可证"),
    "disability-card": _licence("disability-card", "中华人民共和国残疾人证"),
    "application-form": _upload("申请表", originals=1, acceptance_standard="填写完整，申请人签字（盖章）"),
    "photo": _upload("本人近期免冠彩色证件照片", format="electronic", required=False),
    "articles-of-association": _upload("公司章程", originals=1),
    "premises-proof": _upload("住所（经营场所）使用证明", copies=1, commitment_allowed=True),
    "residence-proof": _upload("居住证明（房屋租赁合同或不动产权证书）", copies=1),
    "labour-contract": _upload("劳动合同", copies=1, commitment_allowed=True),
    "employee-list": _upload("参保（就业）人员名单", format="electronic"),
    "bank-account": _upload("银行账户信息", copies=1, required=False),
    "seal-specimen": _upload("印章印模", format="electronic"),
    "food-safety-system": _upload("食品安全管理制度及平面布局图", copies=1),
    "pharmacist-certificate": _upload("执业药师注册证", copies=1),
    "quality-system": _upload("药品质量管理制度文件", copies=1),
    "equipment-certificate": _upload("特种设备产品合格证及监督检验证明", copies=1),
    "tax-clearance": _shared("清税证明", "市税务局"),
    "liquidation-report": _upload("清算报告", originals=1),
    "invoice-manager-id": _upload("办税人员身份信息", format="electronic"),
    "separation-proof": _shared("解除或终止劳动关系证明", "市人力资源和社会保障局"),
    "transfer-certificate": _upload("参保凭证（转出地出具）", copies=1),
    "medical-invoices": _upload("医疗费用收据及费用明细清单", originals=1),
    "diagnosis": _upload("疾病诊断证明书", originals=1),
    "referral-form": _upload("转诊（异地就医）备案表", format="electronic", required=False),
    "owner-consent": _upload("业主意见征询表（本幢业主同意比例证明）", originals=1),
    "lift-scheme": _upload("加装电梯初步方案（含平面布置图）", originals=1),
    "safety-assessment": _upload("房屋安全性评估报告", originals=1),
    "design-drawings": _upload("设计图纸及审查合格书", copies=1),
    "construction-contract": _upload("施工合同及监理合同", copies=1),
    "land-contract": _upload("国有建设用地使用权出让合同", copies=1),
    "sale-contract": _shared("房屋买卖合同（网签备案）", "市房屋管理局"),
    "loan-contract": _upload("借款合同及抵押合同", originals=1),
    "qualification-certificate": _upload("资格证书（考试合格证明）", copies=1),
    "health-certificate": _upload("健康体检证明", originals=1),
    "practice-institution-proof": _upload("拟执业机构聘用证明", originals=1),
    "premises-hygiene": _upload("卫生检测报告及卫生管理制度", copies=1),
    "staff-health": _upload("从业人员健康合格证明", copies=1),
    "institution-plan": _upload("设置医疗机构批准书及执业人员名单", copies=1),
    "income-authorisation": _upload("家庭经济状况核对授权书", originals=1),
    "care-assessment": _shared("老年照护统一需求评估结果", "市卫生健康委员会"),
    "charter": _upload("章程草案", originals=1),
    "member-list": _upload("会员名单及负责人基本情况", copies=1),
    "school-premises": _upload("办学场所证明及资产来源证明", copies=1),
    "school-charter": _upload("学校章程及首届董（理）事会组成人员名单", copies=1),
    "mandarin-certificate": _upload("普通话水平测试等级证书", copies=1),
    "student-status": _shared("学籍信息", "市教育委员会"),
    "housing-fund-proof": _shared("住房公积金账户信息", "市住房公积金管理中心"),
    "no-crime-purpose": _upload("开具用途说明", required=False),
}


def _materials(*keys, **names):
    """Materials of an item, by key; `names` renames one for this item (`application_form="…申请书"`)."""
    out = []
    for key in keys:
        material = {"key": key, **MATERIALS[key]}
        rename = names.get(key.replace("-", "_"))
        if rename:
            material["name"] = rename
        out.append(material)
    return out


# Application-form fields by stable key.
FIELDS = {
    "applicant_name": {"type": "string", "title": "申请人姓名", "maxLength": 50},
    "id_number": {"type": "string", "title": "公民身份号码", "pattern": "^[0-9]{17}[0-9X]$"},
    "contact_phone": {"type": "string", "title": "联系电话", "pattern": "^[0-9-]{7,20}$"},
    "address": {"type": "string", "title": "联系地址", "maxLength": 200},
    "company_name": {"type": "string", "title": "企业名称", "maxLength": 100},
    "uscc": {"type": "string", "title": "统一社会信用代码", "pattern": "^[0-9A-Z]{18}$"},
    "legal_representative": {"type": "string", "title": "法定代表人", "maxLength": 50},
    "registered_capital": {"type": "number", "title": "注册资本（万元）", "minimum": 0},
    "business_scope": {"type": "string", "title": "经营范围", "maxLength": 2000},
    "premises_address": {"type": "string", "title": "经营场所地址", "maxLength": 200},
    "employee_count": {"type": "integer", "title": "职工人数", "minimum": 0},
    "child_name": {"type": "string", "title": "新生儿姓名", "maxLength": 50},
    "birth_date": {"type": "string", "title": "出生日期", "format": "date"},
    "gender": {"type": "string", "title": "性别", "enum": ["男", "女"]},
    "spouse_name": {"type": "string", "title": "配偶姓名", "maxLength": 50},
    "spouse_id_number": {"type": "string", "title": "配偶公民身份号码", "pattern": "^[0-9]{17}[0-9X]$"},
    "project_name": {"type": "string", "title": "项目名称", "maxLength": 200},
    "project_address": {"type": "string", "title": "项目地址", "maxLength": 200},
    "building_address": {"type": "string", "title": "房屋坐落（幢号）", "maxLength": 200},
    "floors": {"type": "integer", "title": "房屋层数", "minimum": 1},
    "property_certificate_number": {"type": "string", "title": "不动产权证书号", "maxLength": 60},
    "bank_account": {"type": "string", "title": "银行账号", "pattern": "^[0-9]{10,30}$"},
    "reason": {"type": "string", "title": "申请事由", "maxLength": 500},
    "destination": {"type": "string", "title": "转入地（就医地）", "maxLength": 100},
    "start_date": {"type": "string", "title": "开始日期", "format": "date"},
    "amount": {"type": "number", "title": "申请金额（元）", "minimum": 0},
    "institution_name": {"type": "string", "title": "执业（服务）机构名称", "maxLength": 100},
    "practice_category": {
        "type": "string",
        "title": "执业类别",
        "enum": ["临床", "中医", "口腔", "公共卫生"],
    },
    "school_name": {"type": "string", "title": "学校名称", "maxLength": 100},
    "grade": {"type": "string", "title": "年级", "maxLength": 20},
    "household_size": {"type": "integer", "title": "家庭人口数", "minimum": 1},
    "organisation_name": {"type": "string", "title": "组织名称", "maxLength": 100},
    "invoice_types": {
        "type": "array",
        "title": "申请票种",
        "items": {"type": "string", "enum": ["增值税专用发票", "增值税普通发票", "电子发票"]},
    },
}


def _schema(*keys, optional=()):
    """A JSON Schema with the fields `keys` (all required but `optional`)."""
    return {
        "type": "object",
        "properties": {k: FIELDS[k] for k in (*keys, *optional)},
        "required": list(keys),
    }


PERSON = ["1"]
ENTERPRISE = ["2"]

# Handling modes: fully online (zero visits), courier (zero visits, online acceptance), at the window.
ONLINE = {"visits": 0, "online_depth": OnlineDepth.IV, "handling_forms": ["1", "2", "3"]}
COURIER = {
    "visits": 0,
    "online_depth": OnlineDepth.III,
    "handling_forms": ["1", "2", HandlingForm.COURIER],
}


def WINDOW(reason):  # upper case: reads like the two constants above in the table
    return {
        "visits": 1,
        "visits_reason": reason,
        "online_depth": OnlineDepth.III,
        "handling_forms": ["1", "2"],
    }


DEPARTMENTS = {
    # short name: (consultation phone, locations)
    "市场监督管理局": ("021-64220000", "各区行政服务中心企业服务综合窗口；一网通办「开办企业一窗通」"),
    "税务局": ("12366", "各区税务局办税服务厅；电子税务局"),
    "公安局": ("021-22022000", "各区公安分局户籍（出入境）窗口、派出所户籍窗口"),
    "人力资源和社会保障局": ("12333", "各区社区事务受理服务中心；一网通办门户"),
    "医疗保障局": ("12393", "各区医保事务中心、社区事务受理服务中心"),
    "住房和城乡建设管理委员会": ("021-23111111", "各区行政服务中心建设工程综合窗口"),
    "规划和自然资源局": ("021-23113000", "各区不动产登记事务中心；各区行政服务中心"),
    "卫生健康委员会": ("12320", "各区卫生健康委员会行政审批窗口"),
    "民政局": ("021-23111000", "各区婚姻登记中心、社区事务受理服务中心"),
    "教育委员会": ("021-23116000", "各区教育局招生（审批）窗口；一网通办门户"),
    "黄浦区住房保障和房屋管理局": ("021-63301234", "黄浦区行政服务中心（南塘浜路107号）房屋管理窗口"),
}
CITY_DEPARTMENTS = list(DEPARTMENTS)[:10]


def _faq(*pairs):
    return [{"q": q, "a": a} for q, a in pairs]


# One row per item. `no`: the serial within the department (part of the implementation code, never reused).
ITEMS = [
    # —— 市场监督管理局 ——
    {
        "dept": "市场监督管理局",
        "no": 1,
        "name": "营业执照核发",
        "keywords": ["开公司", "工商登记", "公司设立", "企业设立登记"],
        "type": ItemType.LICENSING,
        "limits": (15, 1),
        "mode": ONLINE,
        "objects": ["1", "2"],
        "et": ["开办企业"],
        "materials": _materials(
            "application-form",
            "id-card",
            "articles-of-association",
            "premises-proof",
            application_form="公司登记（备案）申请书",
        ),
        "form": _schema(
            "company_name",
            "legal_representative",
            "registered_capital",
            "business_scope",
            "premises_address",
            "contact_phone",
        ),
        "conditions": "申请人为拟设立公司的股东（发起人）或其委托代理人，名称经自主申报通过，材料齐全、符合法定形式。",
        "result": ("营业执照", ResultKind.LICENCE, "business-licence"),
        "level": 2,
        "scope": CrossRegionScope.YANGTZE_DELTA,
        "faq": _faq(
            (
                "开办企业最快多久可以营业？",
                "通过「一窗通」申请，营业执照、公章、发票和社保登记一并办理，最快2个工作日。",
            ),
            ("是否需要到现场？", "全程网办，电子营业执照即时下载，纸质执照可选择免费邮寄。"),
        ),
    },
    {
        "dept": "市场监督管理局",
        "no": 2,
        "name": "营业执照变更登记",
        "keywords": ["公司变更", "变更法定代表人", "变更经营范围"],
        "type": ItemType.LICENSING,
        "limits": (15, 2),
        "mode": ONLINE,
        "objects": ENTERPRISE,
        "materials": _materials(
            "application-form",
            "business-licence",
            "articles-of-association",
            application_form="公司变更登记申请书",
        ),
        "form": _schema("company_name", "uscc", "reason", "contact_phone"),
        "conditions": "已登记的企业，登记事项发生变化，且变更内容经股东会（股东）决议同意。",
        "result": ("营业执照（变更后）", ResultKind.LICENCE, "business-licence"),
        "level": 2,
        "faq": _faq(("变更后原执照怎么办？", "电子营业执照自动更新；纸质执照换发时交回原执照。")),
    },
    {
        "dept": "市场监督管理局",
        "no": 3,
        "name": "企业注销登记",
        "keywords": ["公司注销", "简易注销", "关闭公司"],
        "type": ItemType.LICENSING,
        "limits": (10, 3),
        "mode": ONLINE,
        "objects": ENTERPRISE,
        "et": ["注销"],
        "materials": _materials(
            "application-form",
            "business-licence",
            "liquidation-report",
            "tax-clearance",
            application_form="企业注销登记申请书",
        ),
        "form": _schema("company_name", "uscc", "legal_representative", "contact_phone"),
        "conditions": "企业已完成清算，无未结清债权债务，已办结清税手续（简易注销须公示20日无异议）。",
        "result": ("准予注销登记通知书", ResultKind.APPROVAL_DOCUMENT, None),
        "level": 2,
        "faq": _faq(
            ("简易注销需要清算报告吗？", "简易注销以全体投资人承诺书代替清算报告，公示期满无异议即可申请。")
        ),
    },
    {
        "dept": "市场监督管理局",
        "no": 4,
        "name": "食品经营许可证核发",
        "keywords": ["开餐馆", "餐饮许可", "食品经营许可"],
        "type": ItemType.LICENSING,
        "limits": (20, 7),
        "mode": WINDOW("申请人须在现场核查时到场配合，核查经营场所与布局"),
        "objects": ENTERPRISE,
        "et": ["经营许可"],
        "materials": _materials(
            "application-form",
            "business-licence",
            "food-safety-system",
            "premises-proof",
            application_form="食品经营许可申请书",
        ),
        "form": _schema("company_name", "uscc", "premises_address", "business_scope", "contact_phone"),
        "conditions": "已取得营业执照，具有与经营的食品品种、数量相适应的场所、设备、人员和食品安全管理制度。",
        "result": ("食品经营许可证", ResultKind.LICENCE, "food-licence"),
        "level": 2,
        "faq": _faq(("仅销售预包装食品需要许可证吗？", "仅销售预包装食品的，办理备案即可，无需申请许可证。")),
    },
    {
        "dept": "市场监督管理局",
        "no": 5,
        "name": "药品零售企业经营许可",
        "keywords": ["开药店", "药品经营许可证", "药品零售"],
        "type": ItemType.LICENSING,
        "limits": (30, 15),
        "mode": WINDOW("须现场检查经营场所、仓储设施及质量管理体系"),
        "objects": ENTERPRISE,
        "et": ["经营许可"],
        "materials": _materials(
            "application-form",
            "business-licence",
            "pharmacist-certificate",
            "quality-system",
            "premises-proof",
            application_form="药品经营许可证申请表",
        ),
        "form": _schema("company_name", "uscc", "premises_address", "legal_representative", "contact_phone"),
        "conditions": "配备依法经过资格认定的执业药师，具有与所经营药品相适应的营业场所、设备、仓储设施和质量管理制度。",
        "result": ("药品经营许可证", ResultKind.LICENCE, "drug-licence"),
        "level": 2,
        "faq": _faq(("许可证有效期多久？", "药品经营许可证有效期为5年，期满前6个月申请换证。")),
    },
    {
        "dept": "市场监督管理局",
        "no": 6,
        "name": "特种设备使用登记",
        "keywords": ["电梯使用登记", "锅炉登记", "压力容器登记"],
        "type": ItemType.LICENSING,
        "limits": (15, 5),
        "mode": ONLINE,
        "objects": ENTERPRISE,
        "et": ["经营许可", "工程建设"],
        "materials": _materials(
            "application-form",
            "business-licence",
            "equipment-certificate",
            application_form="特种设备使用登记表",
        ),
        "form": _schema("company_name", "uscc", "project_address", "contact_phone"),
        "conditions": "特种设备已经监督检验合格，使用单位在投入使用前或投入使用后30日内申请。",
        "result": ("特种设备使用登记证", ResultKind.LICENCE, "special-equipment"),
        "level": 2,
        "faq": _faq(
            ("加装的电梯需要办理使用登记吗？", "需要。电梯经监督检验合格后由使用管理单位申请使用登记。")
        ),
    },
    {
        "dept": "市场监督管理局",
        "no": 7,
        "name": "个体工商户设立登记",
        "keywords": ["个体户", "开小店", "个体经营"],
        "type": ItemType.LICENSING,
        "limits": (15, 1),
        "mode": ONLINE,
        "objects": PERSON,
        "et": ["开办企业"],
        "materials": _materials(
            "application-form", "id-card", "premises-proof", application_form="个体工商户登记（备案）申请书"
        ),
        "form": _schema("applicant_name", "id_number", "company_name", "premises_address", "business_scope"),
        "conditions": "有经营能力的自然人，有固定的经营场所，经营范围不属于禁止个体经营的项目。",
        "result": ("营业执照（个体工商户）", ResultKind.LICENCE, "business-licence"),
        "level": 2,
        "faq": _faq(("个体户可以不起字号吗？", "可以。未使用名称的，营业执照以经营者姓名作为名称栏内容。")),
    },
    # —— 税务局 ——
    {
        "dept": "税务局",
        "no": 1,
        "name": "新办纳税人套餐式服务",
        "keywords": ["新办企业涉税", "税务登记", "领发票"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (5, 1),
        "mode": ONLINE,
        "objects": ENTERPRISE,
        "et": ["开办企业", "税务"],
        "materials": _materials("business-licence", "invoice-manager-id", "bank-account"),
        "form": _schema("company_name", "uscc", "legal_representative", "invoice_types", "contact_phone"),
        "conditions": "已领取营业执照的新办纳税人，首次办理涉税事项。",
        "result": ("税务事项通知书", ResultKind.FILING, None),
        "scope": CrossRegionScope.YANGTZE_DELTA,
        "faq": _faq(
            (
                "套餐包含哪些事项？",
                "信息确认、财务会计制度备案、存款账户报告、票种核定、发票领用、税控设备发行等一次办理。",
            )
        ),
    },
    {
        "dept": "税务局",
        "no": 2,
        "name": "增值税发票票种核定",
        "keywords": ["申领发票", "票种核定", "发票核定"],
        "type": ItemType.CONFIRMATION,
        "limits": (20, 1),
        "mode": ONLINE,
        "objects": ENTERPRISE,
        "et": ["开办企业", "税务"],
        "materials": _materials(
            "business-licence",
            "invoice-manager-id",
            "application-form",
            application_form="纳税人领用发票票种核定表",
        ),
        "form": _schema("company_name", "uscc", "invoice_types", "contact_phone"),
        "conditions": "已办理信息确认的纳税人，需要领用发票。",
        "result": ("税务事项通知书（票种核定）", ResultKind.FILING, None),
        "faq": _faq(("核定后多久可以领发票？", "核定当日即可在电子税务局申领电子发票或选择邮寄纸质发票。")),
    },
    {
        "dept": "税务局",
        "no": 3,
        "name": "清税证明开具",
        "keywords": ["税务注销", "清税", "注销税务登记"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (20, 1),
        "mode": ONLINE,
        "objects": ENTERPRISE,
        "et": ["注销", "税务"],
        "materials": _materials("business-licence", "application-form", application_form="清税申报表"),
        "form": _schema("company_name", "uscc", "reason", "contact_phone"),
        "conditions": "已结清应纳税款、滞纳金、罚款，已缴销发票和税控设备的纳税人。",
        "result": ("清税证明", ResultKind.APPROVAL_DOCUMENT, None),
        "faq": _faq(
            (
                "未领用过发票的企业可以即办吗？",
                "未领用发票、无欠税（滞纳金）及罚款的纳税人可免予提交材料，即时出具清税证明。",
            )
        ),
    },
    {
        "dept": "税务局",
        "no": 4,
        "name": "个人所得税纳税记录开具",
        "keywords": ["完税证明", "个税证明", "纳税记录"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (1, 1),
        "instant": True,
        "mode": ONLINE,
        "objects": PERSON,
        "pt": ["就业", "住房"],
        "materials": _materials("id-card", "application-form", application_form="纳税记录开具申请"),
        "form": _schema("applicant_name", "id_number", "start_date", optional=["reason"]),
        "conditions": "在本市有个人所得税纳税记录的纳税人（购房、落户、积分等需要）。",
        "result": ("个人所得税纳税记录", ResultKind.OTHER, None),
        "level": 2,
        "scope": CrossRegionScope.CROSS_PROVINCE,
        "faq": _faq(("纳税记录如何验证真伪？", "纳税记录带有验证码，可在个人所得税APP或电子税务局验证。")),
    },
    {
        "dept": "税务局",
        "no": 5,
        "name": "契税申报",
        "keywords": ["买房交税", "契税", "房产交易税"],
        "type": ItemType.LEVY,
        "limits": (1, 1),
        "instant": True,
        "mode": COURIER,
        "objects": ["1", "2"],
        "pt": ["住房"],
        "et": ["税务"],
        "materials": _materials(
            "id-card", "sale-contract", "application-form", application_form="契税纳税申报表"
        ),
        "form": _schema("applicant_name", "id_number", "building_address", "amount"),
        "conditions": "在本市境内承受土地、房屋权属的单位和个人。",
        "result": ("契税完税凭证", ResultKind.OTHER, None),
        "level": 2,
        "faq": _faq(
            ("契税和不动产登记可以一起办吗？", "可以。交易、缴税、登记「一窗受理」，申请人只需提交一套材料。")
        ),
    },
    # —— 公安局 ——
    {
        "dept": "公安局",
        "no": 1,
        "name": "公章刻制备案",
        "keywords": ["刻公章", "印章备案", "刻章"],
        "type": ItemType.OTHER_POWER,
        "limits": (1, 1),
        "instant": True,
        "mode": ONLINE,
        "objects": ENTERPRISE,
        "et": ["开办企业"],
        "materials": _materials("business-licence", "id-card", "seal-specimen"),
        "form": _schema("company_name", "uscc", "legal_representative", "contact_phone"),
        "conditions": "已领取营业执照的企业，通过备案的印章刻制企业刻制印章。",
        "result": ("印章备案信息", ResultKind.FILING, None),
        "faq": _faq(
            ("公章需要付费吗？", "本市新开办企业首套印章（公章、财务章、发票章等）由政府购买服务免费刻制。")
        ),
    },
    {
        "dept": "公安局",
        "no": 2,
        "name": "出生登记（户口）",
        "keywords": ["报户口", "新生儿落户", "出生申报"],
        "type": ItemType.CONFIRMATION,
        "limits": (15, 5),
        "mode": COURIER,
        "objects": PERSON,
        "pt": ["出生"],
        "materials": _materials("birth-certificate", "household-register", "marriage-certificate", "id-card"),
        "form": _schema("child_name", "birth_date", "gender", "applicant_name", "id_number", "address"),
        "conditions": "新生儿出生后一个月内，由父母一方向常住户口所在地公安派出所申报。",
        "result": ("居民户口簿（登记新生儿）", ResultKind.FILING, None),
        "level": 2,
        "faq": _faq(
            (
                "可以和出生医学证明一起办吗？",
                "可以。「出生一件事」一次申请出生医学证明、户口登记、医保参保和社保卡。",
            )
        ),
    },
    {
        "dept": "公安局",
        "no": 3,
        "name": "居住证办理",
        "keywords": ["上海居住证", "办居住证", "居住登记"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (15, 10),
        "mode": WINDOW("首次申领须现场采集人像和指纹信息"),
        "objects": PERSON,
        "pt": ["住房", "就业"],
        "materials": _materials("id-card", "residence-proof", "labour-contract", "photo"),
        "form": _schema("applicant_name", "id_number", "address", "contact_phone"),
        "conditions": "在本市居住登记满半年，有合法稳定就业、合法稳定住所或连续就读条件之一的非本市户籍人员。",
        "result": ("上海市居住证", ResultKind.LICENCE, "residence-permit"),
        "level": 2,
        "faq": _faq(("居住证到期后需要重新办吗？", "居住证每年签注一次，可在随申办上办理签注，无需到现场。")),
    },
    {
        "dept": "公安局",
        "no": 4,
        "name": "居民身份证换领",
        "keywords": ["身份证到期", "换身份证", "身份证换证"],
        "type": ItemType.CONFIRMATION,
        "limits": (60, 15),
        "mode": WINDOW("须本人到场采集人像和指纹信息"),
        "objects": PERSON,
        "pt": ["社保"],
        "materials": _materials("id-card", "household-register", "photo", id_card="原居民身份证"),
        "form": _schema("applicant_name", "id_number", "address", "contact_phone"),
        "conditions": "居民身份证有效期满或有效期满前三个月内，或证件严重损坏不能辨认。",
        "result": ("中华人民共和国居民身份证", ResultKind.LICENCE, "id-card"),
        "level": 3,
        "scope": CrossRegionScope.CROSS_PROVINCE,
        "faq": _faq(
            ("非本市户籍可以在上海换领吗？", "可以。居民身份证换领已实现跨省通办，可在本市任一受理点办理。"),
            ("新证可以邮寄吗？", "可以选择邮政速递送证上门，邮费由政府承担。"),
        ),
    },
    {
        "dept": "公安局",
        "no": 5,
        "name": "无犯罪记录证明开具",
        "keywords": ["无犯罪证明", "良民证", "无犯罪记录"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (5, 3),
        "mode": ONLINE,
        "objects": PERSON,
        "pt": ["就业"],
        "materials": _materials("id-card", "no-crime-purpose"),
        "form": _schema("applicant_name", "id_number", "reason", "contact_phone"),
        "conditions": "本市户籍人员或在本市居住的人员，因就业、出国等需要证明本人无犯罪记录。",
        "result": ("无犯罪记录证明", ResultKind.APPROVAL_DOCUMENT, None),
        "level": 3,
        "faq": _faq(("电子证明有效吗？", "电子无犯罪记录证明与纸质证明具有同等效力，可扫码核验。")),
    },
    # —— 人力资源和社会保障局 ——
    {
        "dept": "人力资源和社会保障局",
        "no": 1,
        "name": "社保登记（单位参保登记）",
        "keywords": ["单位开户", "社保开户", "单位参保"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (15, 1),
        "mode": ONLINE,
        "objects": ENTERPRISE,
        "et": ["开办企业", "社保登记"],
        "materials": _materials(
            "business-licence", "bank-account", "application-form", application_form="社会保险登记表"
        ),
        "form": _schema("company_name", "uscc", "legal_representative", "employee_count", "contact_phone"),
        "conditions": "用人单位自成立之日起30日内申请办理社会保险登记。",
        "result": ("社会保险登记信息", ResultKind.FILING, None),
        "faq": _faq(
            ("新开办企业需要单独办理吗？", "通过「一窗通」设立企业时可一并完成社保登记，无需另行申请。")
        ),
    },
    {
        "dept": "人力资源和社会保障局",
        "no": 2,
        "name": "就业登记",
        "keywords": ["招工登记", "用工备案", "录用备案"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (5, 1),
        "mode": ONLINE,
        "objects": ENTERPRISE,
        "et": ["开办企业", "社保登记"],
        "materials": _materials("business-licence", "employee-list", "labour-contract"),
        "form": _schema("company_name", "uscc", "employee_count", "start_date"),
        "conditions": "用人单位招用劳动者，自招用之日起30日内办理就业登记。",
        "result": ("就业登记信息", ResultKind.FILING, None),
        "faq": _faq(("就业登记和参保登记可以一起办吗？", "可以。就业参保登记合并为一个事项一次申报。")),
    },
    {
        "dept": "人力资源和社会保障局",
        "no": 3,
        "name": "社会保障卡申领",
        "keywords": ["社保卡", "办社保卡", "市民卡"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (30, 10),
        "mode": COURIER,
        "objects": PERSON,
        "pt": ["社保", "出生", "医疗"],
        "materials": _materials("id-card", "household-register", "photo"),
        "form": _schema("applicant_name", "id_number", "contact_phone", "address"),
        "conditions": "已参加本市社会保险的人员或本市户籍新生儿、在校学生。",
        "result": ("社会保障卡", ResultKind.LICENCE, "social-security-card"),
        "scope": CrossRegionScope.YANGTZE_DELTA,
        "faq": _faq(("社保卡可以邮寄吗？", "可以选择免费邮寄到家，或到指定网点领取。")),
    },
    {
        "dept": "人力资源和社会保障局",
        "no": 4,
        "name": "失业保险金申领",
        "keywords": ["失业金", "领失业金", "失业保险"],
        "type": ItemType.BENEFIT,
        "limits": (10, 5),
        "mode": ONLINE,
        "objects": PERSON,
        "pt": ["就业", "社保"],
        "materials": _materials("id-card", "separation-proof", "bank-account"),
        "form": _schema("applicant_name", "id_number", "bank_account", "contact_phone"),
        "conditions": "非因本人意愿中断就业，失业前缴纳失业保险费满一年，已办理失业登记并有求职要求。",
        "result": ("失业保险金核定结果", ResultKind.APPROVAL_DOCUMENT, None),
        "level": 2,
        "faq": _faq(("失业保险金能领多久？", "按累计缴费年限确定，最长不超过24个月。")),
    },
    {
        "dept": "人力资源和社会保障局",
        "no": 5,
        "name": "职业资格证书补发",
        "keywords": ["证书遗失", "职业技能证书", "资格证补办"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (20, 10),
        "mode": COURIER,
        "objects": PERSON,
        "pt": ["就业"],
        "materials": _materials("id-card", "application-form", "photo", application_form="证书补发申请表"),
        "form": _schema("applicant_name", "id_number", "reason", "address"),
        "conditions": "在本市取得职业资格证书，证书遗失或损毁。",
        "result": ("职业资格证书", ResultKind.LICENCE, "vocational-certificate"),
        "faq": _faq(("可以只用电子证书吗？", "可以。电子职业资格证书与纸质证书具有同等效力。")),
    },
    {
        "dept": "人力资源和社会保障局",
        "no": 6,
        "name": "养老保险关系转移接续",
        "keywords": ["养老保险转移", "社保转移", "社保转入"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (45, 15),
        "mode": ONLINE,
        "objects": PERSON,
        "pt": ["养老", "社保", "就业"],
        "materials": _materials("id-card", "transfer-certificate"),
        "form": _schema("applicant_name", "id_number", "destination", "contact_phone"),
        "conditions": "参加城镇职工基本养老保险的人员跨省（市）流动就业。",
        "result": ("养老保险关系转移接续联系函", ResultKind.FILING, None),
        "level": 2,
        "scope": CrossRegionScope.CROSS_PROVINCE,
        "faq": _faq(("转移需要回原参保地吗？", "不需要。向转入地提出申请，两地经办机构线上办理。")),
    },
    # —— 医疗保障局 ——
    {
        "dept": "医疗保障局",
        "no": 1,
        "name": "新生儿医保参保登记",
        "keywords": ["新生儿医保", "宝宝医保", "少儿医保"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (5, 1),
        "mode": ONLINE,
        "objects": PERSON,
        "pt": ["出生", "医疗"],
        "materials": _materials("birth-certificate", "household-register"),
        "form": _schema("child_name", "birth_date", "gender", "applicant_name", "contact_phone"),
        "conditions": "本市户籍或符合条件的非本市户籍新生儿，出生后三个月内登记可享受出生之日起的待遇。",
        "result": ("城乡居民基本医疗保险参保信息", ResultKind.FILING, None),
        "faq": _faq(("需要缴费吗？", "新生儿登记后按城乡居民医保标准缴费，可在随申办上缴纳。")),
    },
    {
        "dept": "医疗保障局",
        "no": 2,
        "name": "医保关系转移接续",
        "keywords": ["医保转移", "医保转入", "医保关系转移"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (15, 10),
        "mode": ONLINE,
        "objects": PERSON,
        "pt": ["医疗", "社保"],
        "materials": _materials("id-card", "transfer-certificate"),
        "form": _schema("applicant_name", "id_number", "destination", "contact_phone"),
        "conditions": "参加职工基本医疗保险的人员跨统筹地区就业并在转入地参保。",
        "result": ("基本医疗保险关系转移接续联系函", ResultKind.FILING, None),
        "scope": CrossRegionScope.CROSS_PROVINCE,
        "faq": _faq(("缴费年限能累计吗？", "职工医保缴费年限各地互认，转移后合并计算。")),
    },
    {
        "dept": "医疗保障局",
        "no": 3,
        "name": "异地就医备案",
        "keywords": ["异地就医", "跨省就医备案", "异地医保"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (5, 1),
        "mode": ONLINE,
        "objects": PERSON,
        "pt": ["医疗"],
        "materials": _materials("id-card", "referral-form", "residence-proof"),
        "form": _schema("applicant_name", "id_number", "destination", "start_date", "contact_phone"),
        "conditions": "本市参保人员异地长期居住、常驻工作或经转诊到外省市就医。",
        "result": ("异地就医备案信息", ResultKind.FILING, None),
        "scope": CrossRegionScope.YANGTZE_DELTA,
        "faq": _faq(
            ("长三角就医需要备案吗？", "长三角门诊费用直接结算已覆盖所有设区市，备案后即可直接结算。")
        ),
    },
    {
        "dept": "医疗保障局",
        "no": 4,
        "name": "医疗费用零星报销",
        "keywords": ["医保报销", "手工报销", "医药费报销"],
        "type": ItemType.BENEFIT,
        "limits": (30, 20),
        "mode": COURIER,
        "objects": PERSON,
        "pt": ["医疗"],
        "materials": _materials("id-card", "medical-invoices", "diagnosis", "bank-account"),
        "form": _schema("applicant_name", "id_number", "amount", "bank_account"),
        "conditions": "参保人员因急诊、未备案异地就医等原因未能直接结算的合规医疗费用。",
        "result": ("医疗费用报销结算单", ResultKind.OTHER, None),
        "level": 2,
        "faq": _faq(("报销款多久到账？", "审核通过后20个工作日内发放至申请人本人银行账户。")),
    },
    {
        "dept": "医疗保障局",
        "no": 5,
        "name": "门诊大病登记",
        "keywords": ["大病医保", "门诊大病", "特殊病登记"],
        "type": ItemType.CONFIRMATION,
        "limits": (5, 2),
        "mode": COURIER,
        "objects": PERSON,
        "pt": ["医疗"],
        "materials": _materials(
            "id-card", "diagnosis", "application-form", application_form="门诊大病登记表"
        ),
        "form": _schema("applicant_name", "id_number", "institution_name", "contact_phone"),
        "conditions": "参保人员经定点医疗机构确诊患有恶性肿瘤、重症尿毒症透析等门诊大病。",
        "result": ("门诊大病登记信息", ResultKind.FILING, None),
        "faq": _faq(("在哪家医院登记？", "在本市定点医疗机构登记，登记医院即为该病种的就诊医院。")),
    },
    # —— 住房和城乡建设管理委员会 ——
    {
        "dept": "住房和城乡建设管理委员会",
        "no": 1,
        "name": "既有多层住宅加装电梯施工许可",
        "keywords": ["加装电梯", "加梯施工", "老房装电梯"],
        "type": ItemType.LICENSING,
        "limits": (7, 3),
        "mode": ONLINE,
        "objects": ["1", "6"],
        "pt": ["住房", "养老"],
        "et": ["工程建设"],
        "materials": _materials("planning-permit", "design-drawings", "construction-contract", "id-card"),
        "form": _schema("project_name", "building_address", "applicant_name", "contact_phone"),
        "conditions": "已取得加装电梯建设工程规划许可证，施工图设计文件审查合格，已确定施工和监理单位。",
        "result": ("建筑工程施工许可证", ResultKind.LICENCE, "construction-permit"),
        "level": 2,
        "faq": _faq(
            (
                "加装电梯需要办哪些手续？",
                "初步方案备案、房屋安全性评估备案、规划许可和施工许可，可通过「加装电梯一件事」一次申请。",
            )
        ),
    },
    {
        "dept": "住房和城乡建设管理委员会",
        "no": 2,
        "name": "建筑工程施工许可证核发",
        "keywords": ["施工许可", "开工许可", "施工证"],
        "type": ItemType.LICENSING,
        "limits": (7, 3),
        "mode": ONLINE,
        "objects": ENTERPRISE,
        "et": ["工程建设"],
        "materials": _materials(
            "business-licence",
            "planning-permit",
            "design-drawings",
            "construction-contract",
            "land-use-permit",
        ),
        "form": _schema("company_name", "uscc", "project_name", "project_address", "contact_phone"),
        "conditions": "已办理用地批准手续，取得建设工程规划许可证，施工图审查合格，资金已落实。",
        "result": ("建筑工程施工许可证", ResultKind.LICENCE, "construction-permit"),
        "level": 2,
        "faq": _faq(
            (
                "小型工程也要办施工许可吗？",
                "工程投资额在100万元以下或建筑面积300平方米以下的可不申请施工许可证。",
            )
        ),
    },
    {
        "dept": "住房和城乡建设管理委员会",
        "no": 3,
        "name": "住房公积金提取",
        "keywords": ["公积金提取", "取公积金", "租房提取公积金"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (5, 1),
        "mode": ONLINE,
        "objects": PERSON,
        "pt": ["住房"],
        "materials": _materials("id-card", "housing-fund-proof", "property-certificate", "bank-account"),
        "form": _schema("applicant_name", "id_number", "reason", "amount", "bank_account"),
        "conditions": "购买、建造、翻建、大修自住住房，偿还购房贷款本息，租房或离退休等情形。",
        "result": ("住房公积金提取核准结果", ResultKind.APPROVAL_DOCUMENT, None),
        "level": 2,
        "scope": CrossRegionScope.YANGTZE_DELTA,
        "faq": _faq(("租房提取每月能取多少？", "按本市规定的租房提取限额办理，可按月或按季自动提取。")),
    },
    {
        "dept": "住房和城乡建设管理委员会",
        "no": 4,
        "name": "建筑业企业资质核准",
        "keywords": ["施工资质", "建筑资质", "资质申请"],
        "type": ItemType.LICENSING,
        "limits": (20, 10),
        "mode": ONLINE,
        "objects": ENTERPRISE,
        "et": ["工程建设", "经营许可"],
        "materials": _materials(
            "business-licence", "application-form", "employee-list", application_form="建筑业企业资质申请表"
        ),
        "form": _schema("company_name", "uscc", "legal_representative", "employee_count", "contact_phone"),
        "conditions": "企业的净资产、技术负责人、注册人员、技术工人等符合相应资质标准。",
        "result": ("建筑业企业资质证书", ResultKind.LICENCE, "construction-qualification"),
        "level": 2,
        "faq": _faq(("资质证书有效期多久？", "建筑业企业资质证书有效期为5年。")),
    },
    # —— 规划和自然资源局 ——
    {
        "dept": "规划和自然资源局",
        "no": 1,
        "name": "建设工程规划许可证核发",
        "keywords": ["规划许可", "工程规划证", "建设工程规划"],
        "type": ItemType.LICENSING,
        "limits": (20, 10),
        "mode": ONLINE,
        "objects": ENTERPRISE,
        "et": ["工程建设"],
        "materials": _materials("business-licence", "land-use-permit", "design-drawings", "land-contract"),
        "form": _schema("company_name", "uscc", "project_name", "project_address"),
        "conditions": "已取得建设用地使用权，建设工程设计方案符合控制性详细规划和规划条件。",
        "result": ("建设工程规划许可证", ResultKind.LICENCE, "planning-permit"),
        "level": 2,
        "faq": _faq(("设计方案需要公示吗？", "涉及相邻权益的建设工程设计方案须依法公示。")),
    },
    {
        "dept": "规划和自然资源局",
        "no": 2,
        "name": "既有多层住宅加装电梯建设工程规划许可",
        "keywords": ["加装电梯", "加梯规划许可", "老房装电梯"],
        "type": ItemType.LICENSING,
        "limits": (20, 5),
        "mode": ONLINE,
        "objects": ["1", "6"],
        "pt": ["住房", "养老"],
        "et": ["工程建设"],
        "materials": _materials("lift-scheme", "owner-consent", "safety-assessment", "design-drawings"),
        "form": _schema("project_name", "building_address", "floors", "applicant_name", "contact_phone"),
        "conditions": "加装电梯初步方案已备案，方案公示期满无异议或异议已处理。",
        "result": ("建设工程规划许可证（加装电梯）", ResultKind.LICENCE, "planning-permit"),
        "level": 2,
        "faq": _faq(("加装电梯占用公共绿地怎么办？", "规划审查时一并审核，原则上不影响消防通道和相邻采光。")),
    },
    {
        "dept": "规划和自然资源局",
        "no": 3,
        "name": "不动产转移登记（二手房买卖）",
        "keywords": ["过户", "房产证过户", "二手房过户", "不动产登记"],
        "type": ItemType.CONFIRMATION,
        "limits": (30, 5),
        "mode": WINDOW("交易双方须现场核验身份并签署登记申请"),
        "objects": ["1", "2"],
        "pt": ["住房"],
        "materials": _materials(
            "id-card",
            "property-certificate",
            "sale-contract",
            "application-form",
            application_form="不动产登记申请书",
        ),
        "form": _schema(
            "applicant_name", "id_number", "property_certificate_number", "building_address", "contact_phone"
        ),
        "conditions": "房屋已完成网签备案并缴纳相关税费，不存在查封等限制转移的情形。",
        "result": ("不动产权证书", ResultKind.LICENCE, "property-certificate"),
        "level": 2,
        "fee": (
            "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
            "80.00",
        ),
        "faq": _faq(
            ("登记费多少钱？", "住宅类不动产登记费每件80元，含第一本不动产权证书工本费。"),
            ("交易、缴税、登记可以一起办吗？", "可以，「一窗受理、并行办理」，一次提交材料。"),
        ),
    },
    {
        "dept": "规划和自然资源局",
        "no": 4,
        "name": "不动产抵押权首次登记",
        "keywords": ["房屋抵押", "抵押登记", "房贷抵押"],
        "type": ItemType.CONFIRMATION,
        "limits": (30, 5),
        "mode": ONLINE,
        "objects": ["1", "2"],
        "pt": ["住房"],
        "materials": _materials("id-card", "property-certificate", "loan-contract"),
        "form": _schema("applicant_name", "id_number", "property_certificate_number", "amount"),
        "conditions": "以不动产设定抵押，抵押合同已签订，由抵押人和抵押权人共同申请。",
        "result": ("不动产登记证明（抵押权）", ResultKind.FILING, None),
        "level": 2,
        "fee": (
            "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
            "80.00",
        ),
        "faq": _faq(
            ("银行可以代为申请吗？", "可以。银行通过「不动产登记+金融服务」网上代办，申请人无需到场。")
        ),
    },
    {
        "dept": "规划和自然资源局",
        "no": 5,
        "name": "建设用地规划许可证核发",
        "keywords": ["用地规划许可", "用地许可"],
        "type": ItemType.LICENSING,
        "limits": (20, 7),
        "mode": ONLINE,
        "objects": ENTERPRISE,
        "et": ["工程建设"],
        "materials": _materials(
            "business-licence", "land-contract", "application-form", application_form="建设用地规划许可申请表"
        ),
        "form": _schema("company_name", "uscc", "project_name", "project_address"),
        "conditions": "以出让方式取得国有土地使用权，已签订国有建设用地使用权出让合同。",
        "result": ("建设用地规划许可证", ResultKind.LICENCE, "land-use-permit"),
        "level": 2,
        "faq": _faq(("能和用地批准合并办理吗？", "本市实行建设用地规划许可证与用地批准书合并办理。")),
    },
    {
        "dept": "规划和自然资源局",
        "no": 6,
        "name": "不动产登记资料查询",
        "keywords": ["查房产", "产调", "房屋产权查询"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (1, 1),
        "instant": True,
        "mode": ONLINE,
        "objects": ["1", "2"],
        "pt": ["住房"],
        "materials": _materials("id-card", "application-form", application_form="不动产登记资料查询申请书"),
        "form": _schema("applicant_name", "id_number", "building_address", "reason"),
        "conditions": "权利人查询本人名下不动产，或利害关系人依法查询。",
        "result": ("不动产登记资料查询结果证明", ResultKind.OTHER, None),
        "level": 2,
        "faq": _faq(
            ("可以查别人的房子吗？", "利害关系人须提供证明利害关系的材料，仅可查询不动产自然状况等信息。")
        ),
    },
    # —— 卫生健康委员会 ——
    {
        "dept": "卫生健康委员会",
        "no": 1,
        "name": "出生医学证明签发",
        "keywords": ["出生证", "出生证明", "新生儿出生证"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (10, 3),
        "mode": COURIER,
        "objects": PERSON,
        "pt": ["出生"],
        "materials": _materials(
            "id-card",
            "marriage-certificate",
            "application-form",
            application_form="出生医学证明首次签发登记表",
        ),
        "form": _schema("child_name", "birth_date", "gender", "applicant_name", "id_number", "spouse_name"),
        "conditions": "在本市助产机构出生的新生儿，由父母一方申请。",
        "result": ("出生医学证明", ResultKind.LICENCE, "birth-certificate"),
        "level": 2,
        "faq": _faq(
            ("新生儿姓名确定后才能办吗？", "是的，出生医学证明上的姓名一经签发不得更改，请确认后申请。"),
            ("可以邮寄吗？", "可选择到助产机构领取或免费邮寄到家。"),
        ),
    },
    {
        "dept": "卫生健康委员会",
        "no": 2,
        "name": "医师执业注册",
        "keywords": ["医生执业证", "医师注册", "执业医师"],
        "type": ItemType.LICENSING,
        "limits": (20, 10),
        "mode": ONLINE,
        "objects": PERSON,
        "pt": ["就业", "医疗"],
        "materials": _materials(
            "id-card",
            "qualification-certificate",
            "health-certificate",
            "practice-institution-proof",
            qualification_certificate="医师资格证书",
        ),
        "form": _schema(
            "applicant_name", "id_number", "institution_name", "practice_category", "contact_phone"
        ),
        "conditions": "取得医师资格，拟在医疗、预防、保健机构中执业，身体健康能胜任医师工作。",
        "result": ("医师执业证书", ResultKind.LICENCE, "physician-certificate"),
        "level": 2,
        "faq": _faq(("多机构执业需要另行注册吗？", "主要执业机构注册后，其他执业机构进行备案即可。")),
    },
    {
        "dept": "卫生健康委员会",
        "no": 3,
        "name": "护士执业注册",
        "keywords": ["护士证", "护士注册", "护士执业证"],
        "type": ItemType.LICENSING,
        "limits": (20, 10),
        "mode": ONLINE,
        "objects": PERSON,
        "pt": ["就业", "医疗"],
        "materials": _materials(
            "id-card",
            "qualification-certificate",
            "health-certificate",
            "practice-institution-proof",
            qualification_certificate="护士执业资格考试成绩合格证明",
        ),
        "form": _schema("applicant_name", "id_number", "institution_name", "contact_phone"),
        "conditions": "通过护士执业资格考试，自考试成绩合格之日起3年内提出申请，符合健康标准。",
        "result": ("护士执业证书", ResultKind.LICENCE, "nurse-certificate"),
        "level": 2,
        "faq": _faq(("注册有效期多久？", "护士执业注册有效期为5年。")),
    },
    {
        "dept": "卫生健康委员会",
        "no": 4,
        "name": "公共场所卫生许可证核发",
        "keywords": ["卫生许可证", "美容美发卫生许可", "宾馆卫生许可"],
        "type": ItemType.LICENSING,
        "limits": (20, 5),
        "mode": COURIER,
        "objects": ENTERPRISE,
        "et": ["经营许可"],
        "materials": _materials(
            "business-licence",
            "premises-hygiene",
            "staff-health",
            "application-form",
            application_form="公共场所卫生许可申请表",
        ),
        "form": _schema("company_name", "uscc", "premises_address", "business_scope", "contact_phone"),
        "conditions": "住宿、沐浴、美容美发等公共场所，卫生设施和卫生管理制度符合卫生规范，实行告知承诺。",
        "result": ("公共场所卫生许可证", ResultKind.LICENCE, "public-health-licence"),
        "level": 2,
        "faq": _faq(
            ("承诺制审批后还会检查吗？", "发证后3个月内进行现场核查，发现与承诺不符的依法撤销许可。")
        ),
    },
    {
        "dept": "卫生健康委员会",
        "no": 5,
        "name": "医疗机构执业许可",
        "keywords": ["开诊所", "医疗机构执业登记", "开医院"],
        "type": ItemType.LICENSING,
        "limits": (45, 20),
        "mode": WINDOW("须现场审核医疗机构的场所、设备和人员配置"),
        "objects": ["2", "3"],
        "et": ["经营许可"],
        "materials": _materials(
            "business-licence",
            "institution-plan",
            "premises-proof",
            "application-form",
            application_form="医疗机构执业登记申请书",
        ),
        "form": _schema(
            "organisation_name", "uscc", "premises_address", "legal_representative", "contact_phone"
        ),
        "conditions": "按照设置审批要求完成建设，医疗设备、卫生技术人员和规章制度符合医疗机构基本标准。",
        "result": ("医疗机构执业许可证", ResultKind.LICENCE, "medical-institution-licence"),
        "level": 2,
        "faq": _faq(("诊所也要审批吗？", "诊所实行备案管理，其他医疗机构须申请执业许可。")),
    },
    # —— 民政局 ——
    {
        "dept": "民政局",
        "no": 1,
        "name": "结婚登记",
        "keywords": ["领证", "登记结婚", "办结婚证"],
        "type": ItemType.CONFIRMATION,
        "limits": (1, 1),
        "instant": True,
        "mode": WINDOW("《婚姻登记条例》规定结婚双方须亲自到婚姻登记机关申请"),
        "objects": PERSON,
        "pt": ["婚姻"],
        "materials": _materials("id-card", "household-register", "photo", photo="双方近期半身免冠合影照片"),
        "form": _schema("applicant_name", "id_number", "spouse_name", "spouse_id_number", "contact_phone"),
        "conditions": "男年满22周岁、女年满20周岁，双方完全自愿，均无配偶，非直系血亲和三代以内旁系血亲。",
        "result": ("结婚证", ResultKind.LICENCE, "marriage-certificate"),
        "level": 2,
        "faq": _faq(
            ("可以预约特定日期吗？", "可通过一网通办或随申办预约登记日期和时段，热门日期建议尽早预约。")
        ),
    },
    {
        "dept": "民政局",
        "no": 2,
        "name": "养老服务补贴",
        "keywords": ["居家养老补贴", "养老补贴", "老年人补贴"],
        "type": ItemType.BENEFIT,
        "limits": (20, 15),
        "mode": COURIER,
        "objects": PERSON,
        "pt": ["养老"],
        "materials": _materials("id-card", "household-register", "care-assessment", "income-authorisation"),
        "form": _schema("applicant_name", "id_number", "address", "household_size", "contact_phone"),
        "conditions": "本市户籍60周岁以上老年人，经老年照护统一需求评估达到相应照护等级且符合经济困难条件。",
        "result": ("养老服务补贴审批决定", ResultKind.APPROVAL_DOCUMENT, None),
        "level": 2,
        "faq": _faq(("补贴怎么使用？", "补贴以服务形式发放，用于购买居家照护、助餐等养老服务。")),
    },
    {
        "dept": "民政局",
        "no": 3,
        "name": "最低生活保障申请（低保）",
        "keywords": ["低保", "申请低保", "最低生活保障"],
        "type": ItemType.BENEFIT,
        "limits": (30, 20),
        "mode": WINDOW("申请人须现场签署家庭经济状况核对授权书并接受入户调查"),
        "objects": PERSON,
        "pt": ["社保"],
        "materials": _materials(
            "id-card",
            "household-register",
            "income-authorisation",
            "application-form",
            application_form="最低生活保障申请表",
        ),
        "form": _schema("applicant_name", "id_number", "address", "household_size", "reason"),
        "conditions": "本市户籍家庭，共同生活的家庭成员人均月收入低于本市最低生活保障标准且财产符合规定。",
        "result": ("最低生活保障审批决定书", ResultKind.APPROVAL_DOCUMENT, None),
        "level": 2,
        "faq": _faq(("申请结果会公示吗？", "审批结果在申请人所在居（村）委会公示，保护个人隐私。")),
    },
    {
        "dept": "民政局",
        "no": 4,
        "name": "残疾人两项补贴",
        "keywords": ["残疾人补贴", "困难残疾人生活补贴", "重度残疾人护理补贴"],
        "type": ItemType.BENEFIT,
        "limits": (20, 10),
        "mode": COURIER,
        "objects": PERSON,
        "pt": ["社保", "医疗"],
        "materials": _materials("id-card", "disability-card", "household-register", "bank-account"),
        "form": _schema("applicant_name", "id_number", "address", "bank_account"),
        "conditions": "持有第二代残疾人证，属低保或低收入家庭的残疾人，或残疾等级为一、二级的重度残疾人。",
        "result": ("残疾人两项补贴审核结果", ResultKind.APPROVAL_DOCUMENT, None),
        "level": 2,
        "scope": CrossRegionScope.CROSS_PROVINCE,
        "faq": _faq(("两项补贴可以同时领吗？", "符合条件的可以同时享受生活补贴和护理补贴。")),
    },
    {
        "dept": "民政局",
        "no": 5,
        "name": "社会团体成立登记",
        "keywords": ["成立协会", "社团登记", "社会组织登记"],
        "type": ItemType.LICENSING,
        "limits": (60, 30),
        "mode": ONLINE,
        "objects": ["1", "4"],
        "materials": _materials(
            "charter", "member-list", "id-card", "premises-proof", id_card="负责人身份证明"
        ),
        "form": _schema("organisation_name", "legal_representative", "premises_address", "contact_phone"),
        "conditions": "有50个以上个人会员或30个以上单位会员，有规范的名称、固定住所、合法资产和经费来源。",
        "result": ("社会团体法人登记证书", ResultKind.LICENCE, "social-organisation-certificate"),
        "level": 2,
        "faq": _faq(
            ("需要业务主管单位吗？", "行业协会商会类、科技类、公益慈善类、城乡社区服务类可直接登记。")
        ),
    },
    # —— 教育委员会 ——
    {
        "dept": "教育委员会",
        "no": 1,
        "name": "义务教育入学登记",
        "keywords": ["小学报名", "入学报名", "幼升小", "小升初"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (30, 20),
        "mode": ONLINE,
        "objects": PERSON,
        "pt": ["教育"],
        "materials": _materials(
            "household-register", "birth-certificate", "residence-proof", "residence-permit"
        ),
        "form": _schema("child_name", "birth_date", "gender", "applicant_name", "address", "contact_phone"),
        "conditions": "适龄儿童（当年8月31日前满6周岁），本市户籍或父母持有效上海市居住证。",
        "result": ("入学登记结果（验证通知）", ResultKind.FILING, None),
        "level": 2,
        "faq": _faq(
            ("非本市户籍可以报名吗？", "父母一方持有效《上海市居住证》且积分达标准分值的，可以报名。")
        ),
    },
    {
        "dept": "教育委员会",
        "no": 2,
        "name": "民办学校设立审批",
        "keywords": ["办学许可", "民办学校", "办学审批"],
        "type": ItemType.LICENSING,
        "limits": (60, 30),
        "mode": WINDOW("须现场考察办学场所和设施条件"),
        "objects": ["1", "4"],
        "pt": ["教育"],
        "et": ["经营许可"],
        "materials": _materials(
            "application-form",
            "school-charter",
            "school-premises",
            "id-card",
            application_form="民办学校设立申请书",
        ),
        "form": _schema("school_name", "legal_representative", "premises_address", "contact_phone"),
        "conditions": "举办者具有政治权利和完全民事行为能力，办学场所、资产、师资和章程符合设置标准。",
        "result": ("民办学校办学许可证", ResultKind.LICENCE, "school-licence"),
        "level": 2,
        "faq": _faq(("可以举办营利性义务教育学校吗？", "不可以。实施义务教育的民办学校只能为非营利性。")),
    },
    {
        "dept": "教育委员会",
        "no": 3,
        "name": "教师资格认定",
        "keywords": ["教师资格证", "认定教资", "教资认定"],
        "type": ItemType.LICENSING,
        "limits": (30, 20),
        "mode": ONLINE,
        "objects": PERSON,
        "pt": ["就业", "教育"],
        "materials": _materials(
            "id-card",
            "qualification-certificate",
            "mandarin-certificate",
            "health-certificate",
            qualification_certificate="中小学教师资格考试合格证明",
        ),
        "form": _schema("applicant_name", "id_number", "school_name", "contact_phone"),
        "conditions": "具备规定学历，普通话水平达到二级乙等以上，教师资格考试合格，体检合格。",
        "result": ("教师资格证书", ResultKind.LICENCE, "teacher-certificate"),
        "level": 2,
        "faq": _faq(("考试合格证明有效期多久？", "中小学教师资格考试合格证明有效期为3年。")),
    },
    {
        "dept": "教育委员会",
        "no": 4,
        "name": "义务教育阶段转学",
        "keywords": ["转学", "学籍转接", "插班"],
        "type": ItemType.PUBLIC_SERVICE,
        "limits": (10, 5),
        "mode": ONLINE,
        "objects": PERSON,
        "pt": ["教育"],
        "materials": _materials("student-status", "household-register", "residence-proof"),
        "form": _schema("child_name", "school_name", "grade", "reason", "contact_phone"),
        "conditions": "因户籍迁移、居住地变更等原因需在本市义务教育学校之间转学。",
        "result": ("转学联系单", ResultKind.FILING, None),
        "faq": _faq(("转学需要原学校同意吗？", "转入学校接收后，转出学校在学籍系统中核办，无需家长往返。")),
    },
    # —— 黄浦区住房保障和房屋管理局 ——
    {
        "dept": "黄浦区住房保障和房屋管理局",
        "no": 1,
        "name": "既有多层住宅加装电梯初步方案备案",
        "keywords": ["加装电梯", "加梯备案", "老房装电梯"],
        "type": ItemType.OTHER_POWER,
        "limits": (10, 5),
        "mode": ONLINE,
        "objects": ["1", "6"],
        "pt": ["住房", "养老"],
        "et": ["工程建设"],
        "materials": _materials(
            "lift-scheme", "owner-consent", "property-certificate", "id-card", id_card="业主代表身份证"
        ),
        "form": _schema("building_address", "floors", "applicant_name", "contact_phone"),
        "conditions": "本幢房屋专有部分占建筑物总面积三分之二以上且占总人数三分之二以上的业主同意加装电梯。",
        "result": ("加装电梯初步方案备案意见", ResultKind.FILING, None),
        "level": 2,
        "faq": _faq(("加装电梯有补贴吗？", "符合条件的按每台最高28万元给予补贴，由区房管部门受理。")),
    },
    {
        "dept": "黄浦区住房保障和房屋管理局",
        "no": 2,
        "name": "既有多层住宅加装电梯房屋安全性评估备案",
        "keywords": ["加装电梯", "房屋安全评估", "房屋检测"],
        "type": ItemType.OTHER_POWER,
        "limits": (10, 3),
        "mode": ONLINE,
        "objects": ["1", "6"],
        "pt": ["住房"],
        "et": ["工程建设"],
        "materials": _materials("safety-assessment", "lift-scheme", "id-card", id_card="业主代表身份证"),
        "form": _schema("building_address", "floors", "applicant_name", "contact_phone"),
        "conditions": "已完成加装电梯初步方案备案，委托具有资质的房屋安全检测机构完成安全性评估。",
        "result": ("房屋安全性评估备案意见", ResultKind.FILING, None),
        "level": 2,
        "faq": _faq(("评估不通过怎么办？", "按评估报告的建议采取加固措施后重新评估。")),
    },
]


def _department_info(short_name: str):
    name = f"{settings.TONGBAN_REGION_NAME}{short_name}" if short_name in CITY_DEPARTMENTS else short_name
    info = organisation_find(kind="department", name=name)
    if info is None or not info.uscc:
        raise RuntimeError(f"demo department {name!r} is missing: load the identity demo first (demo_load)")
    return info


def _fields(row: dict, info) -> dict:
    phone, locations = DEPARTMENTS[row["dept"]]
    legal, promised = row["limits"]
    result_name, result_kind, result_licence = row["result"]
    fields = {
        "name": row["name"],
        "keywords": row.get("keywords", []),
        "item_type": row["type"],
        "exercise_level": ExerciseLevel.MUNICIPAL
        if row["dept"] in CITY_DEPARTMENTS
        else ExerciseLevel.COUNTY,
        "department_uuid": str(info.uuid),
        "legal_limit_days": legal,
        "promised_limit_days": promised,
        "case_type": CaseType.IMMEDIATE if row.get("instant") else CaseType.PROMISED,
        "service_objects": row["objects"],
        "person_themes": row.get("pt", []),
        "enterprise_themes": row.get("et", []),
        "cross_region_scope": row.get("scope", CrossRegionScope.CITY),
        "locations": locations,
        "hours": HOURS,
        "consultation_phone": phone,
        "supervision_phone": SUPERVISION_PHONE,
        "faq": row["faq"],
        "acceptance_conditions": row["conditions"],
        "result_name": result_name,
        "result_kind": result_kind,
        "result_licence_type_code": LIC[result_licence] if result_licence else "",
        "required_assurance_level": row.get("level", 1),
        "form_schema": row["form"],
        **row["mode"],
    }
    if "fee" in row:
        basis, amount = row["fee"]
        fields |= {
            "fee_charged": True,
            "fee_basis": basis,
            "fee_amount": Decimal(amount),
            "fee_online_payment": True,
        }
    return fields


@transaction.atomic
def demo_load_catalogue() -> int:
    """Create and publish the demo items that do not exist yet; returns how many were created."""
    departments = {short: _department_info(short) for short in DEPARTMENTS}
    created = 0
    for row in ITEMS:
        info = departments[row["dept"]]
        code = f"{info.uscc}{row['no']:03d}000"
        if ServiceItem.objects.filter(implementation_code=code).exists():
            continue
        dept_no = list(DEPARTMENTS).index(row["dept"]) + 1
        draft = item_create(
            actor=None,
            implementation_code=code,
            basic_code=f"{row['type']}{dept_no:02d}{row['no']:03d}00",
            fields=_fields(row, info),
            materials=row["materials"],
        )
        version_publish(actor=None, version=draft)
        created += 1
    demo_load_bundles()
    return created


# "One thing" bundles: each step names an item of ITEMS; budgets (working days) are the bundle's own promise
# per step, `after` the steps it waits for. The 双减半 figures are computed from these and the items.
BUNDLES = [
    {
        "name": "开办企业",
        "theme": "开办企业",
        "audience": "2",
        "lead": "市场监督管理局",
        "keywords": ["企业开办", "新办企业", "开公司", "一窗通"],
        "description": "营业执照、公章刻制、涉税事项（发票申领）、社保登记和就业登记一表申请、一窗通办，"
        "营业执照当日核发，其余事项并行办理，两个工作日内全部办结。",
        "steps": [
            ("licence", "营业执照核发", 1, ()),
            ("seal", "公章刻制备案", 1, ("licence",)),
            ("tax", "新办纳税人套餐式服务", 1, ("licence",)),
            ("social", "社保登记（单位参保登记）", 1, ("licence",)),
            ("employment", "就业登记", 1, ("licence",)),
        ],
    },
    {
        "name": "既有多层住宅加装电梯",
        "theme": "住房",
        "audience": "1",
        "lead": "黄浦区住房保障和房屋管理局",
        "keywords": ["加装电梯", "老房加梯", "加梯"],
        "description": "由区房屋管理部门牵头，初步方案备案后，房屋安全性评估与规划许可并联办理，"
        "再核发施工许可，业主一次申请、一个窗口。",
        "steps": [
            ("scheme", "既有多层住宅加装电梯初步方案备案", 5, ()),
            ("safety", "既有多层住宅加装电梯房屋安全性评估备案", 3, ("scheme",)),
            ("planning", "既有多层住宅加装电梯建设工程规划许可", 5, ("scheme",)),
            ("construction", "既有多层住宅加装电梯施工许可", 3, ("safety", "planning")),
        ],
    },
    {
        "name": "小孩出生一件事",
        "theme": "出生",
        "audience": "1",
        "lead": "卫生健康委员会",
        "keywords": ["出生一件事", "新生儿", "宝宝出生", "报户口"],
        "description": "出生医学证明签发后，户口登记、新生儿医保参保登记并行办理，户口登记完成后申领社会保障卡，"
        "父母一次申请，证照免交。",
        "steps": [
            ("birth-certificate", "出生医学证明签发", 3, ()),
            ("household", "出生登记（户口）", 5, ("birth-certificate",)),
            ("medical-insurance", "新生儿医保参保登记", 1, ("birth-certificate",)),
            ("social-security-card", "社会保障卡申领", 5, ("household",)),
        ],
    },
]

# Popular items on the home page (catalogue admins set these in the admin).
FEATURED = [
    "营业执照核发",
    "居住证办理",
    "住房公积金提取",
    "异地就医备案",
    "社会保障卡申领",
    "无犯罪记录证明开具",
    "不动产登记资料查询",
    "义务教育入学登记",
]


def demo_load_bundles() -> int:
    """Create the demo bundles that do not exist yet (by name) and mark the featured items."""
    from tongban.catalog.constants import VersionStatus
    from tongban.catalog.models import Bundle, ItemVersion
    from tongban.catalog.services import bundle_create

    published = {
        v.name: v for v in ItemVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("item")
    }
    for rank, name in enumerate(FEATURED, start=1):
        ServiceItem.objects.filter(pk=published[name].item_id, featured_rank=None).update(featured_rank=rank)
    created = 0
    for row in BUNDLES:
        if Bundle.objects.filter(name=row["name"]).exists():
            continue
        bundle_create(
            actor=None,
            name=row["name"],
            theme=row["theme"],
            audience=row["audience"],
            lead_department_uuid=_department_info(row["lead"]).uuid,
            description=row["description"],
            keywords=row["keywords"],
            steps=[
                {
                    "key": key,
                    "item_version": str(published[item].uuid),
                    "budget_days": budget,
                    "depends_on": list(after),
                }
                for key, item, budget, after in row["steps"]
            ],
        )
        created += 1
    return created
