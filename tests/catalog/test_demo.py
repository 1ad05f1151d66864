"""The demo catalogue: enough realistic published items over every demo department, all passing the
quality rules, safe to load again, and findable by the portal search."""

import pytest

from tongban.accounts.facade import demo_load
from tongban.catalog.constants import VersionStatus
from tongban.catalog.demo import ITEMS, demo_load_catalogue
from tongban.catalog.models import ItemVersion, Material
from tongban.catalog.quality import quality_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    demo_load()
    return demo_load_catalogue()


def published():
    return ItemVersion.objects.filter(status=VersionStatus.PUBLISHED).prefetch_related("materials")


def test_the_demo_catalogue_publishes_every_item_over_all_departments(catalogue):
    assert catalogue == len(ITEMS) >= 44
    versions = list(published())
    assert len(versions) >= 40
    assert len({v.department_uuid for v in versions}) >= 10
    assert all(len(v.item.implementation_code) == 24 for v in versions)
    for v in versions:
        materials = list(v.materials.all())
        assert 2 <= len(materials) <= 5, v.name
        assert quality_check(v, materials) == [], v.name
        assert v.form_schema["type"] == "object" and set(v.form_schema["required"]) <= set(
            v.form_schema["properties"]
        )


def test_the_same_material_has_the_same_name_source_and_licence_type_everywhere(catalogue):
    by_key = {}
    for m in Material.objects.filter(version__status=VersionStatus.PUBLISHED):
        by_key.setdefault(m.key, set()).add((m.source, m.licence_type_code, m.shared_data_source))
        if m.source == "licence":
            assert m.licence_type_code, m.key
    assert all(len(variants) == 1 for variants in by_key.values()), by_key
    assert ("licence", "111", "") in by_key["id-card"]


def test_loading_again_creates_nothing(catalogue):
    count = ItemVersion.objects.count()
    assert demo_load_catalogue() == 0
    assert ItemVersion.objects.count() == count


def test_the_search_finds_the_business_licence_by_its_pinyin_initials(client, catalogue):
    response = client.get("/api/catalog/items", {"q": "yyzz"})
    assert response.status_code == 200
    assert "营业执照" in response.json()["items"][0]["name"]
    assert client.get("/api/catalog/items", {"q": "加装电梯"}).json()["count"] >= 4


def test_the_catalogue_needs_the_identity_demo():
    with pytest.raises(RuntimeError, match="identity demo"):
        demo_load_catalogue()


def test_the_demo_bundles_reach_double_halving_from_their_data(catalogue):
    from tongban.catalog.models import Bundle

    bundles = {b.name: b for b in Bundle.objects.prefetch_related("steps")}
    assert set(bundles) >= {"开办企业", "既有多层住宅加装电梯", "小孩出生一件事"}
    for bundle in bundles.values():
        f = bundle.figures
        assert f["double_halving"], bundle.name
        assert f["time"]["ratio"] <= 0.5 and f["materials"]["ratio"] <= 0.5, bundle.name
        assert f["visits"]["after"] <= f["visits"]["before"]
    # 开办企业 as in the seed: licence first, then seal, tax, social insurance and employment in parallel.
    start = bundles["开办企业"].figures
    assert start["time"]["promised_days"] == 2
    assert start["time"]["legal_sequential_days"] == 15 + 1 + 5 + 15 + 5
    assert start["departments"] == 4 and start["steps"] == 5
    lift = bundles["既有多层住宅加装电梯"]
    assert lift.lead_department_name == "黄浦区住房保障和房屋管理局"
    assert lift.figures["time"]["promised_days"] == 5 + 5 + 3  # assessment and planning in parallel
    # The combined form asks a shared field once; the merged list asks a shared material once.
    birth = bundles["小孩出生一件事"]
    assert list(birth.form_schema["properties"]).count("child_name") == 1
    assert [m["key"] for m in birth.materials].count("birth-certificate") == 1


def test_loading_bundles_again_creates_none(catalogue):
    from tongban.catalog.demo import demo_load_bundles
    from tongban.catalog.models import Bundle

    count = Bundle.objects.count()
    assert demo_load_bundles() == 0 and Bundle.objects.count() == count
