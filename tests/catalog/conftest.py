from decimal import Decimal

import pytest

from tongban.accounts.constants import OrgKind
from tongban.accounts.services import organisation_create
from tongban.catalog.services import item_create, version_publish


@pytest.fixture
def department(db):
    region = organisation_create(actor=None, kind=OrgKind.REGION, name="上海市", division_code="310000")
    return organisation_create(
        actor=None,
        kind=OrgKind.DEPARTMENT,
        name="上海市市场监督管理局",
        parent=region,
        uscc="11310000MB2F31883R",
    )


APPLICATION = {"key": "application-form", "name": "申请书", "source": "upload"}
ID_CARD = {
    "key": "id-card",
    "name": "居民身份证",
    "source": "licence",
    "licence_type_code": "111",
    "exempt_when_obtainable": True,
}

DEMO_LIKE_MATERIALS = [
    {
        "key": "application-form",
        "name": "食品经营许可申请书",
        "source": "upload",
        "format": "paper",
        "originals": 1,
        "copies": 0,
        "acceptance_standard": "申请书填写完整，加盖公章",
    },
    {
        "key": "business-licence",
        "name": "营业执照",
        "source": "licence",
        "format": "electronic",
        "licence_type_code": "112",
        "required": False,
        "originals": 0,
        "copies": 1,
        "exempt_when_obtainable": True,
    },
]


def demo_like_fields(department, **overrides) -> dict:
    """Fields as the demo catalog fills them: limits with notes, a visit with its reason, a fee."""
    fields = {
        "name": "食品经营许可证核发",
        "keywords": ["餐饮许可", "食品经营"],
        "handle_item_code": "11310000MB2F31883R30010010101",
        "item_type": "01",
        "exercise_level": "3",
        "department_uuid": str(department.uuid),
        "legal_limit_days": 20,
        "legal_limit_note": "自受理之日起20个工作日",
        "promised_limit_days": 10,
        "promised_limit_note": "材料齐全、符合法定形式的，10个工作日内办结",
        "visits": 1,
        "visits_reason": "现场核查经营场所",
        "handling_forms": ["4", "1", "2"],
        "case_type": "2",
        "online_depth": 3,
        "fee_charged": True,
        "fee_basis": "沪价费〔2019〕1号",
        "fee_amount": Decimal("50.00"),
        "fee_online_payment": True,
        "service_objects": ["2", "6"],
        "enterprise_themes": ["开办企业", "餐饮"],
        "cross_region_scope": "yrd",
        "locations": "上海市黄浦区市民服务中心一楼综合窗口",
        "hours": "周一至周五 9:00-17:00（法定节假日除外）",
        "consultation_phone": "021-12345",
        "supervision_phone": "021-12315",
        "acceptance_conditions": "已取得营业执照，有与经营的食品品种相适应的经营场所。",
        "result_name": "食品经营许可证",
        "result_kind": "licence",
        "result_licence_type_code": "115",
        "form_schema": {"type": "object", "properties": {"company_name": {"type": "string"}}},
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def make_item(department):
    """A demo-like item of the ``department`` fixture, published unless ``publish=False``."""

    def make(n: int = 1, *, publish: bool = True, materials=None, **overrides):
        draft = item_create(
            actor=None,
            implementation_code=f"{department.uscc}{n:03d}000",
            basic_code=f"01{n:03d}0000",
            fields=demo_like_fields(department, **overrides),
            materials=DEMO_LIKE_MATERIALS if materials is None else materials,
        )
        return version_publish(actor=None, version=draft) if publish else draft

    return make
