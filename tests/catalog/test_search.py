"""Search by name, keywords, pinyin and initials, department and theme; misses are recorded."""

import pytest

from tests.catalog.test_versions import good_fields
from tongban.catalog.models import ItemVersion, SearchMiss
from tongban.catalog.services import item_create, version_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(department):
    def add(n, name, **extra):
        extra.setdefault("enterprise_themes", [])
        v = item_create(
            actor=None,
            implementation_code=f"CODE-{n}",
            basic_code=f"B{n}",
            fields=good_fields(department, name=name, **extra),
        )
        return version_publish(actor=None, version=v)

    add(1, "营业执照核发", keywords=["开公司", "工商登记"], enterprise_themes=["开办企业"])
    add(2, "营业执照变更登记")
    add(3, "食品经营许可证核发", enterprise_themes=["经营许可"])
    add(4, "出生医学证明签发", person_themes=["出生"], service_objects=["1"])
    return item_create(
        actor=None,
        implementation_code="CODE-5",
        basic_code="B5",
        fields=good_fields(department, name="营业执照注销（草稿）"),
    )


def names(client, q):
    response = client.get("/api/catalog/items", {"q": q})
    assert response.status_code == 200
    return [i["name"] for i in response.json()["items"]]


def test_chinese_pinyin_and_initials_find_the_same_items_best_first(client, catalog):
    assert names(client, "营业执照") == ["营业执照核发", "营业执照变更登记"]
    assert names(client, "yyzz")[:2] == ["营业执照核发", "营业执照变更登记"]
    assert names(client, "yingyezhizhao")[0] == "营业执照核发"
    assert names(client, "kbqy") == ["营业执照核发"]  # by its theme 开办企业
    assert names(client, "开公司") == ["营业执照核发"]  # by a synonym
    assert names(client, "出生") == ["出生医学证明签发"]
    assert "营业执照注销（草稿）" not in names(client, "注销")  # drafts are never found


def test_several_terms_must_all_match_and_department_names_match_too(client, catalog):
    assert names(client, "食品 许可") == ["食品经营许可证核发"]
    assert len(names(client, "市场监督管理局")) == 4


def test_searches_with_no_result_are_recorded(client, catalog):
    assert names(client, "不存在的事项") == []
    assert list(SearchMiss.objects.values_list("query", flat=True)) == ["不存在的事项"]
    assert names(client, "yyzz")
    assert SearchMiss.objects.count() == 1


def test_a_retired_version_leaves_the_search_at_once(client, catalog):
    from tongban.catalog.services import version_retire

    assert "食品经营许可证核发" in names(client, "spjy")
    version_retire(actor=None, version=ItemVersion.objects.get(name="食品经营许可证核发", status="published"))
    assert "食品经营许可证核发" not in names(client, "spjy")


def test_each_process_searches_its_index_until_the_catalog_token_changes(client, catalog):
    """Another process publishing shows up as a new token in the shared cache; until then this process
    keeps answering from the index it built."""
    from tongban.catalog.search import catalog_changed

    assert names(client, "yyzz") == ["营业执照核发", "营业执照变更登记"]
    draft = ItemVersion.objects.get(name="营业执照注销（草稿）")
    ItemVersion.objects.filter(pk=draft.pk).update(status="published")  # as another process would
    assert "营业执照注销（草稿）" not in names(client, "yyzz")
    catalog_changed()
    assert "营业执照注销（草稿）" in names(client, "yyzz")


def test_search_results_page_through_the_api_in_rank_order(client, catalog):
    first = client.get("/api/catalog/items", {"q": "yyzz", "limit": 1}).json()
    second = client.get("/api/catalog/items", {"q": "yyzz", "limit": 1, "offset": 1}).json()
    assert first["count"] == second["count"] == 2
    assert [first["items"][0]["name"], second["items"][0]["name"]] == ["营业执照核发", "营业执照变更登记"]
