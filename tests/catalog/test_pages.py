"""The public catalog pages and browse API over the demo catalog: browse by audience, theme,
department and district, 零跑动 and 全程网办 lists, the item guide, bundles and department pages."""

import re

import pytest

from tongban.accounts.facade import demo_load, organisation_find
from tongban.catalog.demo import demo_load_catalog
from tongban.catalog.models import Bundle, ItemVersion, SearchMiss

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    demo_load()
    demo_load_catalog()


def version(name):
    return ItemVersion.objects.select_related("item").get(name=name, status="published")


def api_names(client, **params):
    response = client.get("/api/catalog/items", {"limit": 100, **params})
    assert response.status_code == 200, response.content
    return {i["name"] for i in response.json()["items"]}


def text(response) -> str:
    """The visible text of a page, tags removed, for asserting what a reader sees."""
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_browse_filters_narrow_the_published_items(client, catalog):
    everything = api_names(client)
    person = api_names(client, audience="person")
    organisation = api_names(client, audience="organisation")
    assert "出生登记（户口）" in person and "出生登记（户口）" not in organisation
    assert "社保登记（单位参保登记）" in organisation and "社保登记（单位参保登记）" not in person
    assert person | organisation == everything
    birth = api_names(client, theme="出生")
    assert {"出生登记（户口）", "出生医学证明签发", "新生儿医保参保登记"} <= birth
    assert "营业执照核发" not in birth
    zero = api_names(client, zero_visits="true")
    online = api_names(client, fully_online="true")
    assert zero and online and zero < everything and online <= zero  # fully online ⇒ zero visits
    for v in ItemVersion.objects.filter(name__in=zero):
        assert v.visits == 0
    assert all(v.visits > 0 for v in ItemVersion.objects.filter(status="published").exclude(name__in=zero))


def test_browse_by_department_and_by_district(client, catalog):
    tax = organisation_find(kind="department", name="上海市税务局")
    assert api_names(client, department=tax.uuid) == set(
        ItemVersion.objects.filter(status="published", department_name="上海市税务局").values_list(
            "name", flat=True
        )
    )
    huangpu = organisation_find(kind="district", name="黄浦区")
    in_huangpu = api_names(client, district=huangpu.uuid)
    assert in_huangpu == {"既有多层住宅加装电梯初步方案备案", "既有多层住宅加装电梯房屋安全性评估备案"}
    # A city department is not inside the district: the two filters together find nothing.
    assert api_names(client, district=huangpu.uuid, department=tax.uuid) == set()
    assert api_names(client, q="加装电梯", district=huangpu.uuid) == in_huangpu
    # A filtered search that finds nothing is not a blind spot of the catalog.
    assert not SearchMiss.objects.exists()


def test_browse_refuses_bad_filters_with_a_clear_error(client, catalog):
    response = client.get("/api/catalog/items", {"audience": "martians", "department": "nope"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] and body["message"]
    page = client.get("/browse/", {"department": "nope", "zero_visits": "1"})
    assert "筛选条件无效" in text(page)


def test_browse_page_lists_zero_visit_items_and_pages_through_them(client, catalog):
    page = text(client.get("/browse/", {"zero_visits": "1"}))
    zero = ItemVersion.objects.filter(status="published", visits=0).count()
    assert "零跑动事项" in page and f"共 {zero} 项" in page
    pages = -(-zero // 20)
    assert pages > 1 and f"第 1 / {pages} 页" in page
    last = text(client.get("/browse/", {"zero_visits": "1", "page": pages}))
    assert f"第 {pages} / {pages} 页" in last and "下一页" not in last
    assert "营业执照核发" in text(client.get("/browse/", {"zero_visits": "1", "q": "yyzz"}))
    birth = text(client.get("/browse/", {"audience": "person", "theme": "出生"}))
    assert "出生医学证明签发" in birth and "营业执照核发" not in birth


def test_the_item_guide_marks_what_the_applicant_need_not_bring(client, catalog):
    v = version("营业执照核发")
    page = text(client.get(f"/items/{v.item.uuid}/"))
    assert "需要您提交（3 份）" in page and "无需提交（1 份，平台获取）" in page
    assert "居民身份证 免提交 平台从电子证照库调取，无需提交" in page
    assert "承诺时限 1 个工作日 法定 15 个工作日" in page
    for fact in ("零跑动", v.consultation_phone, v.supervision_phone, v.hours, "Ⅳ级 全程网办", "开办企业"):
        assert fact in page
    shared = version("出生登记（户口）")
    assert "平台通过市公安局共享数据获取，无需提交" in text(client.get(f"/items/{shared.item.uuid}/"))


def test_a_draft_or_unknown_item_has_no_guide(client, catalog):
    from tongban.catalog.services import version_new_draft

    v = version("营业执照核发")
    version_new_draft(actor=None, item=v.item)
    assert client.get(f"/items/{v.item.uuid}/").status_code == 200  # still the published version
    assert client.get("/items/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/bundles/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/departments/00000000-0000-0000-0000-000000000000/").status_code == 404
    district = organisation_find(kind="district", name="黄浦区")
    assert client.get(f"/departments/{district.uuid}/").status_code == 404  # not a department


def test_the_bundle_page_draws_the_figures_from_the_data(client, catalog):
    bundle = Bundle.objects.get(name="开办企业")
    response = client.get(f"/bundles/{bundle.uuid}/")
    page = text(response)
    f = bundle.figures
    assert "已实现“双减半”" in page
    assert f"逐项办理 {f['time']['legal_sequential_days']} 个工作日" in page
    assert f"一件事 {f['time']['promised_days']} 个工作日" in page
    assert (
        f"逐项办理 {f['materials']['before']} 份" in page and f"一件事 {f['materials']['after']} 份" in page
    )
    # Bars are SVG drawn from the figures: the promised bar is 2/41 of the sequential one.
    widths = re.findall(r'class="bar-after"[^>]*width="([\d.]+)%"', response.content.decode())
    assert float(widths[0]) == round(100 * 2 / 41, 1)
    assert "营业执照核发" in page and "在“营业执照核发”之后" in page
    assert "企业名称" in page and page.count("企业名称 ") == 1  # one combined form: asked once
    assert "免费邮寄送达" in page


def test_the_department_page_lists_its_items_and_the_bundles_it_leads(client, catalog):
    dept = organisation_find(kind="department", name="黄浦区住房保障和房屋管理局")
    page = text(client.get(f"/departments/{dept.uuid}/"))
    assert "既有多层住宅加装电梯初步方案备案" in page
    assert "既有多层住宅加装电梯 牵头" in page
    assert "营业执照核发" not in page


def test_the_bundle_list_and_the_bundle_api_search_by_pinyin_initials(client, catalog):
    assert "开办企业" in text(client.get("/bundles/"))
    found = client.get("/api/catalog/bundles", {"q": "kbqy"}).json()
    assert [b["name"] for b in found] == ["开办企业"]
    assert found[0]["figures"]["double_halving"] is True
    assert {m["key"] for m in found[0]["materials"] if m["obtained"]} == {"id-card", "business-licence"}
    assert found[0]["form_schema"]["properties"]["company_name"]["title"] == "企业名称"


def test_the_home_page_shows_popular_items_bundles_and_themes_from_the_data(client, catalog):
    page = text(client.get("/"))
    assert "热门事项" in page and "居住证办理" in page
    assert "开办企业 2 个工作日办结（原 41）" in page
    assert "出生" in page and "开办企业" in page
    hits = text(client.get("/", {"q": "kbqy"}))
    assert "一件事 开办企业" in hits


def test_cached_guides_follow_publishing_and_the_language(client, catalog):
    from tongban.catalog.services import version_new_draft, version_publish, version_update_draft

    v = version("营业执照核发")
    url = f"/items/{v.item.uuid}/"
    assert "营业执照核发" in text(client.get(url))  # rendered and cached
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Service guide" in english.content.decode() and "Promised limit" in text(english)
    draft = version_new_draft(actor=None, item=v.item)
    version_update_draft(actor=None, version=draft, fields={"name": "营业执照核发（新版）"})
    assert "营业执照核发（新版）" not in text(client.get(url))  # a draft changes nothing
    version_publish(actor=None, version=draft)
    assert "营业执照核发（新版）" in text(client.get(url))
