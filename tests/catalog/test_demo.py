"""The demo catalog: demo_catalog.json loaded through the catalog import. It gives the items, popular
items and bundles the demo made when they were Python literals, all passing the quality rules; it is safe to
load again, follows the region settings, refuses a broken file whole and is findable by the portal search."""

import json

import pytest
from django.utils import timezone

from tongban.accounts.facade import demo_load
from tongban.catalog import demo
from tongban.catalog.constants import VersionStatus
from tongban.catalog.demo import demo_catalog, demo_load_bundles, demo_load_catalog
from tongban.catalog.errors import ImportRefused
from tongban.catalog.models import Bundle, ItemVersion, Material, ServiceItem
from tongban.catalog.quality import quality_check
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db

# (implementation code, name) of every item the demo made from its Python literals (default region 上海市,
# 310000), recorded when the literals became the file.
EXPECTED_ITEMS = [
    ("1131000000BTH9PU9A001000", "出生医学证明签发"),
    ("1131000000BTH9PU9A002000", "医师执业注册"),
    ("1131000000BTH9PU9A003000", "护士执业注册"),
    ("1131000000BTH9PU9A004000", "公共场所卫生许可证核发"),
    ("1131000000BTH9PU9A005000", "医疗机构执业许可"),
    ("113100001DT09XT95Y001000", "结婚登记"),
    ("113100001DT09XT95Y002000", "养老服务补贴"),
    ("113100001DT09XT95Y003000", "最低生活保障申请（低保）"),
    ("113100001DT09XT95Y004000", "残疾人两项补贴"),
    ("113100001DT09XT95Y005000", "社会团体成立登记"),
    ("113100006BYDRETAXQ001000", "营业执照核发"),
    ("113100006BYDRETAXQ002000", "营业执照变更登记"),
    ("113100006BYDRETAXQ003000", "企业注销登记"),
    ("113100006BYDRETAXQ004000", "食品经营许可证核发"),
    ("113100006BYDRETAXQ005000", "药品零售企业经营许可"),
    ("113100006BYDRETAXQ006000", "特种设备使用登记"),
    ("113100006BYDRETAXQ007000", "个体工商户设立登记"),
    ("113100009B5FNTKQ3T001000", "既有多层住宅加装电梯施工许可"),
    ("113100009B5FNTKQ3T002000", "建筑工程施工许可证核发"),
    ("113100009B5FNTKQ3T003000", "住房公积金提取"),
    ("113100009B5FNTKQ3T004000", "建筑业企业资质核准"),
    ("11310000B06H582C70001000", "社保登记（单位参保登记）"),
    ("11310000B06H582C70002000", "就业登记"),
    ("11310000B06H582C70003000", "社会保障卡申领"),
    ("11310000B06H582C70004000", "失业保险金申领"),
    ("11310000B06H582C70005000", "职业资格证书补发"),
    ("11310000B06H582C70006000", "养老保险关系转移接续"),
    ("11310000B594K34W33001000", "义务教育入学登记"),
    ("11310000B594K34W33002000", "民办学校设立审批"),
    ("11310000B594K34W33003000", "教师资格认定"),
    ("11310000B594K34W33004000", "义务教育阶段转学"),
    ("11310000DG3GE2E04B001000", "建设工程规划许可证核发"),
    ("11310000DG3GE2E04B002000", "既有多层住宅加装电梯建设工程规划许可"),
    ("11310000DG3GE2E04B003000", "不动产转移登记（二手房买卖）"),
    ("11310000DG3GE2E04B004000", "不动产抵押权首次登记"),
    ("11310000DG3GE2E04B005000", "建设用地规划许可证核发"),
    ("11310000DG3GE2E04B006000", "不动产登记资料查询"),
    ("11310000N08A0XPR1A001000", "新生儿医保参保登记"),
    ("11310000N08A0XPR1A002000", "医保关系转移接续"),
    ("11310000N08A0XPR1A003000", "异地就医备案"),
    ("11310000N08A0XPR1A004000", "医疗费用零星报销"),
    ("11310000N08A0XPR1A005000", "门诊大病登记"),
    ("11310000QETRWBAA87001000", "公章刻制备案"),
    ("11310000QETRWBAA87002000", "出生登记（户口）"),
    ("11310000QETRWBAA87003000", "居住证办理"),
    ("11310000QETRWBAA87004000", "居民身份证换领"),
    ("11310000QETRWBAA87005000", "无犯罪记录证明开具"),
    ("11310000XM5WH98J2T001000", "新办纳税人套餐式服务"),
    ("11310000XM5WH98J2T002000", "增值税发票票种核定"),
    ("11310000XM5WH98J2T003000", "清税证明开具"),
    ("11310000XM5WH98J2T004000", "个人所得税纳税记录开具"),
    ("11310000XM5WH98J2T005000", "契税申报"),
    ("11310101QN4L1EJQ7K001000", "既有多层住宅加装电梯初步方案备案"),
    ("11310101QN4L1EJQ7K002000", "既有多层住宅加装电梯房屋安全性评估备案"),
]
FEATURED = [
    "营业执照核发",
    "居住证办理",
    "住房公积金提取",
    "异地就医备案",
    "社会保障卡申领",
    "无犯罪记录证明开具",
]
FEATURED += ["不动产登记资料查询", "义务教育入学登记"]


@pytest.fixture
def catalog():
    demo_load()
    return demo_load_catalog()


def published():
    return ItemVersion.objects.filter(status=VersionStatus.PUBLISHED).prefetch_related("materials")


def test_the_demo_catalog_is_loaded_by_the_import_with_the_items_it_always_had(catalog):
    assert catalog == len(EXPECTED_ITEMS) == 54
    versions = published().select_related("item").order_by("item__implementation_code")
    assert [(v.item.implementation_code, v.name) for v in versions] == EXPECTED_ITEMS
    assert ItemVersion.objects.count() == 54
    event = AuditEvent.objects.get(action="catalog.import")
    assert (event.after["created"], event.after["bundles_created"], event.after["map_departments"]) == (
        54,
        3,
        True,
    )
    ranked = ServiceItem.objects.filter(featured_rank__isnull=False).order_by("featured_rank")
    assert [i.versions.get().name for i in ranked] == FEATURED
    assert list(ranked.values_list("featured_rank", flat=True)) == list(range(1, 9))


def test_an_item_has_every_field_the_literals_gave_it(catalog):
    v = ItemVersion.objects.get(item__implementation_code="113100006BYDRETAXQ001000")
    assert (v.name, v.item.basic_code, v.department_name) == (
        "营业执照核发",
        "010100100",
        "上海市市场监督管理局",
    )
    assert v.keywords == ["开公司", "工商登记", "公司设立", "企业设立登记"]
    assert (v.legal_limit_days, v.promised_limit_days, v.visits, v.online_depth) == (15, 1, 0, 4)
    assert (v.cross_region_scope, v.required_assurance_level, v.exercise_level) == ("yrd", 2, "3")
    assert v.result_licence_type_code == "11100000000013338W001"
    assert (v.hours, v.consultation_phone, v.supervision_phone) == (
        "周一至周五 9:00-17:00（法定节假日除外）",
        "021-64220000",
        "12345",
    )
    assert [(m.key, m.name) for m in v.materials.all()] == [
        ("application-form", "公司登记（备案）申请书"),
        ("id-card", "居民身份证"),
        ("articles-of-association", "公司章程"),
        ("premises-proof", "住所（经营场所）使用证明"),
    ]
    assert v.materials.get(key="premises-proof").commitment_allowed is True
    assert (
        set(v.form_schema["properties"])
        == set(v.form_schema["required"])
        == {
            "company_name",
            "enterprise_type",  # the 营业执照's 类型, for the licence the step issues
            "legal_representative",
            "registered_capital",
            "business_scope",
            "premises_address",
            "contact_phone",
        }
    )
    fee = ItemVersion.objects.get(item__implementation_code="11310000DG3GE2E04B003000")
    assert (fee.fee_charged, str(fee.fee_amount), fee.fee_online_payment) == (True, "80.00", True)


def test_the_demo_catalog_publishes_every_item_over_all_departments(catalog):
    versions = list(published())
    assert len({v.department_uuid for v in versions}) >= 10
    assert all(len(v.item.implementation_code) == 24 for v in versions)
    for v in versions:
        materials = list(v.materials.all())
        assert 2 <= len(materials) <= 5, v.name
        assert quality_check(v, materials) == [], v.name
        assert v.form_schema["type"] == "object" and set(v.form_schema["required"]) <= set(
            v.form_schema["properties"]
        )


def test_the_same_material_has_the_same_name_source_and_licence_type_everywhere(catalog):
    by_key = {}
    for m in Material.objects.filter(version__status=VersionStatus.PUBLISHED):
        by_key.setdefault(m.key, set()).add((m.source, m.licence_type_code, m.shared_data_source))
        if m.source == "licence":
            assert m.licence_type_code, m.key
    assert all(len(variants) == 1 for variants in by_key.values()), by_key
    assert ("licence", "111", "") in by_key["id-card"]


def test_loading_again_creates_nothing(catalog):
    count = ItemVersion.objects.count(), Bundle.objects.count()
    assert demo_load_catalog() == 0
    assert demo_load_bundles() == 0
    assert (ItemVersion.objects.count(), Bundle.objects.count()) == count


def test_the_search_finds_the_business_licence_by_its_pinyin_initials(client, catalog):
    response = client.get("/api/catalog/items", {"q": "yyzz"})
    assert response.status_code == 200
    assert "营业执照" in response.json()["items"][0]["name"]
    assert client.get("/api/catalog/items", {"q": "加装电梯"}).json()["count"] >= 4


def test_the_catalog_needs_the_identity_demo():
    with pytest.raises(RuntimeError, match="identity demo"):
        demo_load_catalog()
    assert not ServiceItem.objects.exists()


def test_the_demo_follows_the_region_settings(settings):
    settings.TONGBAN_REGION_NAME, settings.TONGBAN_REGION_CODE = "浙江省", "330000"
    demo_load()
    loaded_from = timezone.now()
    assert demo_load_catalog() == 54
    versions = list(published().select_related("item"))
    assert all(v.published_at >= loaded_from for v in versions)  # published when loaded, not when exported
    shanghai = {code[:18] for code, _name in EXPECTED_ITEMS}
    assert not {v.department_uscc for v in versions} & shanghai
    assert all(v.item.implementation_code.startswith(v.department_uscc) for v in versions)
    assert {v.department_name for v in versions if v.exercise_level == "3"} >= {
        "浙江省市场监督管理局",
        "浙江省公安局",
    }
    assert sorted((v.name, v.item.implementation_code[18:]) for v in versions) == sorted(
        (name, code[18:]) for code, name in EXPECTED_ITEMS
    )
    lift = Bundle.objects.get(name="既有多层住宅加装电梯")
    assert {s.item_version.department_uscc[2:8] for s in lift.steps.all()} == {"330000", "330101"}
    assert Bundle.objects.get(name="开办企业").lead_department_name == "浙江省市场监督管理局"


@pytest.mark.parametrize(
    "spoil, reason",
    [
        (lambda data: data["items"][-1]["versions"][0].update(legal_limit_days="many"), "many"),
        (lambda data: data["bundles"][-1]["steps"][-1].update(version=2), "neither in the file nor here"),
    ],
    ids=["bad item", "bad bundle"],
)
def test_a_broken_file_is_refused_whole_with_the_import_error(tmp_path, monkeypatch, spoil, reason):
    demo_load()
    data = demo_catalog()
    spoil(data)
    broken = tmp_path / "demo_catalog.json"
    broken.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(demo, "DEMO_FILE", broken)
    with pytest.raises(ImportRefused) as refused:
        demo_load_catalog()
    assert reason in refused.value.details["reason"]
    assert not ServiceItem.objects.exists() and not Bundle.objects.exists()
    assert not AuditEvent.objects.filter(action="catalog.import").exists()


def test_the_demo_bundles_reach_double_halving_from_their_data(catalog):
    bundles = {b.name: b for b in Bundle.objects.prefetch_related("steps")}
    assert set(bundles) == {"开办企业", "既有多层住宅加装电梯", "小孩出生一件事"}
    for bundle in bundles.values():
        f = bundle.figures
        assert f["double_halving"], bundle.name
        assert f["time"]["ratio"] <= 0.5 and f["materials"]["ratio"] <= 0.5, bundle.name
        assert f["visits"]["after"] <= f["visits"]["before"]
    # 开办企业 as in the seed: licence first, then seal, tax, social insurance and employment in parallel.
    start = bundles["开办企业"]
    assert [(s.key, s.item_version.item.implementation_code) for s in start.steps.all()] == [
        ("licence", "113100006BYDRETAXQ001000"),
        ("seal", "11310000QETRWBAA87001000"),
        ("tax", "11310000XM5WH98J2T001000"),
        ("social", "11310000B06H582C70001000"),
        ("employment", "11310000B06H582C70002000"),
    ]
    assert start.figures["time"]["promised_days"] == 2
    assert start.figures["time"]["legal_sequential_days"] == 15 + 1 + 5 + 15 + 5
    assert start.figures["departments"] == 4 and start.figures["steps"] == 5
    lift = bundles["既有多层住宅加装电梯"]
    assert lift.lead_department_name == "黄浦区住房保障和房屋管理局"
    assert lift.figures["time"]["promised_days"] == 5 + 5 + 3  # assessment and planning in parallel
    assert bundles["小孩出生一件事"].figures["time"] == {
        "legal_sequential_days": 60,
        "promised_days": 13,
        "ratio": 0.2167,
    }
    # The combined form asks a shared field once; the merged list asks a shared material once.
    birth = bundles["小孩出生一件事"]
    assert list(birth.form_schema["properties"]).count("child_name") == 1
    assert [m["key"] for m in birth.materials].count("birth-certificate") == 1


def test_the_bundles_load_on_their_own_when_the_items_are_there(catalog):
    Bundle.objects.all().delete()
    assert demo_load_bundles() == 3
    assert demo_load_bundles() == 0
