"""Item versions: draft → published → retired, the quality rules, immutability, JSON round trip."""

from decimal import Decimal

import pytest

from tongban.catalog.constants import OnlineDepth, VersionStatus
from tongban.catalog.errors import ImportRefused, NotADraft, QualityRulesFailed
from tongban.catalog.models import ItemVersion, Material, ServiceItem
from tongban.catalog.services import (
    catalog_export,
    catalog_import,
    item_create,
    version_new_draft,
    version_publish,
    version_retire,
    version_save,
    version_update_draft,
)
from tongban.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


def good_fields(department, **overrides):
    fields = {
        "name": "营业执照核发",
        "item_type": "01",
        "exercise_level": "3",
        "department_uuid": str(department.uuid),
        "legal_limit_days": 15,
        "promised_limit_days": 1,
        "visits": 0,
        "handling_forms": ["1", "2", "3"],
        "case_type": "2",
        "online_depth": OnlineDepth.IV,
        "service_objects": ["2"],
        "enterprise_themes": ["开办企业"],
        "consultation_phone": "021-12345",
        "supervision_phone": "021-12315",
        "result_name": "营业执照",
        "result_kind": "licence",
        "form_schema": {"type": "object", "properties": {"company_name": {"type": "string"}}},
    }
    fields.update(overrides)
    return fields


MATERIALS = [
    {"key": "application-form", "name": "公司登记（备案）申请书", "source": "upload"},
    {
        "key": "id-card",
        "name": "法定代表人身份证",
        "source": "licence",
        "licence_type_code": "111",
        "exempt_when_obtainable": True,
    },
]


def make_draft(department, n=1, **overrides):
    return item_create(
        actor=None,
        implementation_code=f"11310000MB2F31883R300011000{n}",
        basic_code="000101000",
        fields=good_fields(department, **overrides),
        materials=MATERIALS,
    )


def test_a_good_draft_publishes(department):
    draft = make_draft(department)
    assert draft.department_name == "上海市市场监督管理局" and draft.department_uscc == "11310000MB2F31883R"
    published = version_publish(actor=None, version=draft)
    assert published.status == VersionStatus.PUBLISHED and published.published_at is not None


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        (
            {"visits": 0, "online_depth": OnlineDepth.III, "handling_forms": ["1"]},
            "zero_visits_needs_online_or_courier",
        ),
        (
            {"visits": 1, "visits_reason": "核验原件", "online_depth": OnlineDepth.IV},
            "fully_online_means_zero_visits",
        ),
        ({"visits": 1, "online_depth": OnlineDepth.III}, "visits_need_reason"),
        ({"fee_charged": True, "fee_amount": Decimal("50.00")}, "fee_needs_basis"),
        ({"fee_charged": True, "fee_basis": "沪价费〔2019〕1号"}, "fee_needs_amount"),
        ({"promised_limit_days": 20}, "promised_within_legal"),
        ({"supervision_phone": "021-12345"}, "phones_differ"),
        ({"consultation_phone": ""}, "consultation_phone_required"),
        ({"supervision_phone": ""}, "supervision_phone_required"),
    ],
)
def test_each_quality_rule_refuses_and_its_fix_is_accepted(department, overrides, rule):
    draft = make_draft(department, **overrides)
    with pytest.raises(QualityRulesFailed) as exc:
        version_publish(actor=None, version=draft)
    assert rule in {v["rule"] for v in exc.value.details["violations"]}
    assert ItemVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT
    fixed = version_update_draft(
        actor=None,
        version=draft,
        fields={k: v for k, v in good_fields(department).items() if k in overrides or k == "visits_reason"}
        | {"visits_reason": "", "fee_charged": False, "fee_basis": "", "fee_amount": None},
    )
    assert version_publish(actor=None, version=fixed).status == VersionStatus.PUBLISHED


def test_every_violation_is_listed_at_once(department):
    draft = make_draft(department, promised_limit_days=30, supervision_phone="021-12345", fee_charged=True)
    with pytest.raises(QualityRulesFailed) as exc:
        version_publish(actor=None, version=draft)
    rules = {v["rule"] for v in exc.value.details["violations"]}
    assert {"promised_within_legal", "phones_differ", "fee_needs_basis", "fee_needs_amount"} <= rules


def test_a_published_version_never_changes_and_editing_makes_a_new_draft(department):
    v1 = version_publish(actor=None, version=make_draft(department))
    with pytest.raises(NotADraft):
        version_update_draft(actor=None, version=v1, fields={"name": "改名"})
    v1.name = "直接改"
    with pytest.raises(NotADraft):  # the services save a draft's fields only
        version_save(v1)
    v2 = version_new_draft(actor=None, item=v1.item)
    assert v2.number == 2 and v2.status == VersionStatus.DRAFT
    assert [m.key for m in v2.materials.all()] == ["application-form", "id-card"]
    version_update_draft(actor=None, version=v2, fields={"promised_limit_days": 2})
    version_publish(actor=None, version=v2)
    v1.refresh_from_db()
    assert v1.status == VersionStatus.RETIRED and v1.name == "营业执照核发"
    assert ItemVersion.objects.get(pk=v2.pk).promised_limit_days == 2
    version_retire(actor=None, version=ItemVersion.objects.get(pk=v2.pk))
    assert not ItemVersion.objects.filter(item=v1.item, status=VersionStatus.PUBLISHED).exists()


def test_the_department_must_be_a_registered_department(department):
    with pytest.raises(InvalidInput, match="invalid_department"):
        make_draft(department, department_uuid="00000000-0000-0000-0000-000000000000")
    assert not ServiceItem.objects.exists()


def test_json_export_and_import_round_trip_exactly(department):
    version_publish(actor=None, version=make_draft(department, 1))
    v2 = version_new_draft(actor=None, item=ServiceItem.objects.get())
    version_update_draft(
        actor=None,
        version=v2,
        fields={"fee_charged": True, "fee_basis": "依据", "fee_amount": Decimal("12.50")},
    )
    make_draft(department, 2, name="食品经营许可")
    exported = catalog_export()
    Material.objects.all().delete()
    ItemVersion.objects.all().delete()
    ServiceItem.objects.all().delete()
    assert catalog_import(actor=None, data=exported) == {
        "created": 2,
        "skipped": 0,
        "bundles_created": 0,
        "bundles_skipped": 0,
    }
    assert catalog_export() == exported
    assert catalog_import(actor=None, data=exported) == {
        "created": 0,
        "skipped": 2,
        "bundles_created": 0,
        "bundles_skipped": 0,
    }


def test_a_bad_import_changes_nothing(department):
    make_draft(department)
    exported = catalog_export()
    exported["items"][0]["implementation_code"] = "NEW-CODE"
    exported["items"][0]["versions"][0]["legal_limit_days"] = "many"
    with pytest.raises(ImportRefused):
        catalog_import(actor=None, data=exported)
    with pytest.raises(ImportRefused):
        catalog_import(actor=None, data={"format": "something-else"})
    assert ServiceItem.objects.count() == 1


def test_the_api_shows_published_items_only(department, client, django_assert_max_num_queries):
    published = version_publish(actor=None, version=make_draft(department, 1))
    make_draft(department, 2, name="草稿事项")
    with django_assert_max_num_queries(3):
        listed = client.get("/api/catalog/items").json()
    assert [i["name"] for i in listed["items"]] == ["营业执照核发"]
    guide = client.get(f"/api/catalog/items/{published.item.uuid}").json()
    assert guide["version"] == 1 and [m["key"] for m in guide["materials"]] == ["application-form", "id-card"]
    assert guide["materials"][1]["exempt_when_obtainable"] is True
    draft_item = ServiceItem.objects.get(versions__name="草稿事项")
    missing = client.get(f"/api/catalog/items/{draft_item.uuid}")
    assert missing.status_code == 404 and missing.json()["code"] == "item_not_found"


def test_catalog_admins_publish_from_the_admin_and_see_every_violation(department, admin_client):
    good = make_draft(department, 1)
    bad = make_draft(department, 2, promised_limit_days=30, supervision_phone="021-12345")
    response = admin_client.post(
        "/admin/catalog/itemversion/",
        {"action": "publish", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any("已发布" in m for m in shown)
    assert any("承诺办结时限不能超过法定办结时限" in m and "咨询电话与监督电话不能相同" in m for m in shown)
    assert ItemVersion.objects.get(pk=good.pk).status == VersionStatus.PUBLISHED
    assert ItemVersion.objects.get(pk=bad.pk).status == VersionStatus.DRAFT
