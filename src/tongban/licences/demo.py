"""Demo licence types (for the demo catalog's result codes) and a few licences in the demo card bags.

The type codes are demo values: defining-authority codes with valid USCC check characters, not the real
authorities' codes (see catalog/demo.py LIC)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction

from tongban.accounts.facade import holder_of_principal, organisation_find
from tongban.licences.constants import HolderKind, Scene
from tongban.licences.models import Licence, LicenceType
from tongban.licences.services import licence_issue, licence_type_create


def _schema(fields: list[tuple[str, str]], required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": {key: {"type": "string", "title": title, "maxLength": 500} for key, title in fields},
        "required": required if required is not None else [fields[0][0]],
    }


SENSITIVE_TYPES = {"111000007178000872001"}  # 社会保障卡: L3

PERSON_SCENES = {
    Scene.HOTEL: ["name"],
    Scene.INTERNET_CAFE: ["name"],
    Scene.ROADSIDE: ["name"],
    Scene.WINDOW: None,  # every field
    Scene.DEPARTMENT: None,
}

TYPES = [
    # code, name, authority, holder kind, face fields, validity years, several per holder, issuer department
    (
        "11100000000013338W001",
        "营业执照",
        "国家市场监督管理总局",
        HolderKind.USCC,
        [
            ("name", "名称"),
            ("enterprise_type", "类型"),
            ("legal_representative", "法定代表人"),
            ("registered_capital", "注册资本"),
            ("established_on", "成立日期"),
            ("address", "住所"),
            ("business_scope", "经营范围"),
        ],
        None,
        False,
        "市场监督管理局",
    ),
    (
        "11100000000013338W013",
        "食品经营许可证",
        "国家市场监督管理总局",
        HolderKind.USCC,
        [
            ("name", "经营者名称"),
            ("address", "经营场所"),
            ("main_business", "主体业态"),
            ("items", "经营项目"),
        ],
        5,
        True,
        "市场监督管理局",
    ),
    (
        "111000007178000872001",
        "社会保障卡",
        "人力资源和社会保障部",
        HolderKind.RESIDENT_ID,
        [("name", "姓名"), ("card_number", "社会保障卡号"), ("bank", "开户银行")],
        10,
        False,
        "人力资源和社会保障局",
    ),
    (
        "111000007178000872010",
        "职业资格证书",
        "人力资源和社会保障部",
        HolderKind.RESIDENT_ID,
        [("name", "姓名"), ("occupation", "职业（工种）"), ("grade", "等级")],
        None,
        True,
        "人力资源和社会保障局",
    ),
    (
        "113100000024163706001",
        "上海市居住证",
        "上海市公安局",
        HolderKind.RESIDENT_ID,
        [("name", "姓名"), ("address", "居住地址")],
        1,
        False,
        "公安局",
    ),
    (
        "11100000MB0143028R001",
        "出生医学证明",
        "国家卫生健康委员会",
        HolderKind.RESIDENT_ID,
        [
            ("name", "新生儿姓名"),
            ("birth_date", "出生日期"),
            ("birth_place", "出生地点"),
            ("mother", "母亲姓名"),
        ],
        None,
        True,
        "卫生健康委员会",
    ),
]


@transaction.atomic
def demo_load_licences() -> int:
    """Make the demo licence types and card-bag licences that are missing (safe to run again)."""
    made = 0
    departments = {}
    for code, name, authority, holder_kind, fields, years, several, department in TYPES:
        org = organisation_find(kind="department", name=f"{settings.TONGBAN_REGION_NAME}{department}")
        departments[code] = org
        if LicenceType.objects.filter(code=code).exists():
            continue
        person = holder_kind == HolderKind.RESIDENT_ID
        licence_type_create(
            actor=None,
            code=code,
            name=name,
            define_authority_name=f"{authority}（演示代码）",
            holder_kind=holder_kind,
            face_schema=_schema(fields),
            validity_years=years,
            multiple_per_holder=several,
            scene_fields={
                str(scene): (mask if mask is not None else [k for k, _t in fields])
                for scene, mask in (
                    PERSON_SCENES.items() if person else {Scene.WINDOW: None, Scene.DEPARTMENT: None}.items()
                )
            },
            issuer_department_uuids=[org.uuid] if org else [],
            # The social security card carries a bank account: only a person checked face to face sees it.
            required_assurance_level=3 if code in SENSITIVE_TYPES else 2,
        )
        made += 1
    made += _demo_licences(departments)
    made += _demo_verifier()
    return made


# A demo hotel that verifies licences shown at check-in, with a fixed key so that the demo can be tried
# (printed by `tongban manage demo`; never do this outside the demo).
DEMO_VERIFIER_KEY_ID = "demohotel0000001"
DEMO_VERIFIER_SECRET = "Tongban-demo-hotel-2026"  # noqa: S105 — the demo's published key
DEMO_VERIFIER_KEY = f"tbv_{DEMO_VERIFIER_KEY_ID}_{DEMO_VERIFIER_SECRET}"


def _demo_verifier() -> int:
    from tongban.licences.constants import VerifierKind
    from tongban.licences.models import Verifier
    from tongban.licences.verifiers import secret_hash

    if Verifier.objects.filter(key_id=DEMO_VERIFIER_KEY_ID).exists():
        return 0
    Verifier.objects.create(
        name="示范大酒店（演示）",
        kind=VerifierKind.HOTEL,
        scenes=[Scene.HOTEL],
        key_id=DEMO_VERIFIER_KEY_ID,
        secret_hash=secret_hash(DEMO_VERIFIER_SECRET),
    )
    return 1


def _demo_licences(departments: dict) -> int:
    from tongban.accounts.facade import demo_principal_uuids

    principals = demo_principal_uuids()
    wanted = [
        (
            "person",
            "张三",
            "111000007178000872001",
            {"card_number": "310101199003071239", "bank": "上海银行"},
        ),
        ("person", "张三", "111000007178000872010", {"occupation": "电工", "grade": "三级（高级工）"}),
        (
            "enterprise",
            "上海通办示范科技有限公司",
            "11100000000013338W001",
            {
                "enterprise_type": "有限责任公司（自然人投资或控股）",
                "legal_representative": "王五",
                "registered_capital": "人民币100万元",
                "established_on": "2024-03-18",
                "address": "上海市黄浦区示范路1号",
                "business_scope": "软件开发；信息技术咨询服务",
            },
        ),
    ]
    made = 0
    for kind, name, type_code, face in wanted:
        holder = holder_of_principal(kind, principals.get(name)) if principals.get(name) else None
        issuer = departments.get(type_code)
        if holder is None or issuer is None or not issuer.uscc:
            continue
        if Licence.objects.filter(type__code=type_code, holder_code=holder.code).exists():
            continue
        licence_issue(
            actor=None,
            type_code=type_code,
            holder_code=holder.code,
            holder_name=holder.name,
            issuer_uuid=issuer.uuid,
            issuer_name=issuer.name,
            issuer_code=issuer.uscc,
            face={"name": holder.name, **face},
            issue_date=date(2024, 3, 18),
        )
        made += 1
    return made
