"""The public catalog pages and browse API over a small catalog built here: browse by audience, theme,
department and district, 零跑动 and 全程网办 lists, the item guide, bundles, department pages and the
home page."""

import json
import re

import pytest

from tests.catalog.conftest import APPLICATION, ID_CARD
from tests.catalog.test_versions import good_fields
from tongban.accounts.constants import OrgKind
from tongban.accounts.services import organisation_create
from tongban.catalog.constants import OnlineDepth
from tongban.catalog.models import ItemVersion, SearchMiss, ServiceItem
from tongban.catalog.services import bundle_create, item_create, version_publish

pytestmark = pytest.mark.django_db

FORM = {"type": "object", "properties": {"company_name": {"type": "string", "title": "企业名称"}}}
ARTICLES = {"key": "articles", "name": "公司章程", "source": "upload"}
ADDRESS = {"key": "address", "name": "住所使用证明", "source": "upload"}
BUSINESS_LICENCE = {**ID_CARD, "key": "business-licence", "name": "营业执照", "licence_type_code": "112"}
HOUSEHOLD = {
    "key": "household",
    "name": "户口簿",
    "source": "shared_data",
    "shared_data_source": "市公安局",
    "exempt_when_obtainable": True,
}


def person_item(name, theme, **overrides):
    return {
        "name": name,
        "service_objects": ["1"],
        "person_themes": [theme],
        "enterprise_themes": [],
        "result_kind": "other",
        **overrides,
    }


def one_visit(**overrides):
    return {"visits": 1, "visits_reason": "核验原件", "online_depth": OnlineDepth.III, **overrides}


@pytest.fixture
def catalog(db):
    """Four departments — three of the city, one of 黄浦区 — and their published items; a draft; two
    bundles: 开办企业 (营业执照核发, then 税务登记) and 既有多层住宅加装电梯 led by the district bureau."""
    region = organisation_create(actor=None, kind=OrgKind.REGION, name="上海市", division_code="310000")
    huangpu = organisation_create(
        actor=None, kind=OrgKind.DISTRICT, name="黄浦区", parent=region, division_code="310101"
    )
    xuhui = organisation_create(
        actor=None, kind=OrgKind.DISTRICT, name="徐汇区", parent=region, division_code="310104"
    )

    def department(name, parent=region, **extra):
        return organisation_create(actor=None, kind=OrgKind.DEPARTMENT, name=name, parent=parent, **extra)

    depts = {
        "market": department("上海市市场监督管理局", uscc="11310000MB2F31883R"),
        "tax": department("上海市税务局"),
        "police": department("上海市公安局"),
        "housing": department("黄浦区住房保障和房屋管理局", parent=huangpu),
    }
    counter = iter(range(1, 100))

    def item(dept, fields, materials=(APPLICATION,), publish=True):
        n = next(counter)
        draft = item_create(
            actor=None,
            implementation_code=f"PAGES-{n:03d}",
            basic_code=f"P{n:03d}",
            fields=good_fields(depts[dept], **{"form_schema": FORM, **fields}),
            materials=list(materials),
        )
        return version_publish(actor=None, version=draft) if publish else draft

    hours = "周一至周五 9:00-17:00（法定节假日除外）"
    versions = {
        "licence": item(
            "market",
            {"name": "营业执照核发", "keywords": ["营业执照"], "hours": hours},
            [APPLICATION, ARTICLES, ADDRESS, ID_CARD],
        ),
        "tax": item(
            "tax",
            one_visit(name="税务登记", legal_limit_days=20),
            [APPLICATION, ID_CARD, BUSINESS_LICENCE],
        ),
        "birth": item(
            "police",
            person_item("出生登记（户口）", "出生", online_depth=OnlineDepth.III, handling_forms=["1", "4"]),
            [HOUSEHOLD],
        ),
        "certificate": item("police", person_item("出生医学证明签发", "出生", **one_visit())),
        "residence": item("police", person_item("居住证办理", "居住")),
        "lift": item("housing", person_item("既有多层住宅加装电梯初步方案备案", "住房", **one_visit())),
        "lift_safety": item("housing", person_item("既有多层住宅加装电梯房屋安全性评估备案", "住房")),
    }
    item("market", {"name": "尚未发布的事项"}, publish=False)
    ServiceItem.objects.filter(pk=versions["residence"].item_id).update(featured_rank=1)

    def bundle(name, theme, audience, lead, first, then):
        """A bundle of two steps, ``then`` after ``first``, each within a working day."""
        steps = [
            {"key": first, "item_version": str(versions[first].uuid), "budget_days": 1},
            {"key": then, "item_version": str(versions[then].uuid), "budget_days": 1, "depends_on": [first]},
        ]
        return bundle_create(
            actor=None,
            name=name,
            theme=theme,
            audience=audience,
            lead_department_uuid=depts[lead].uuid,
            steps=steps,
        )

    def more() -> list[str]:
        """Two more popular items of the police for persons (theme 出生, fully online) and a bundle of the
        two led by the district bureau; their names."""
        n = len(versions)
        for key in (f"more{n}", f"more{n + 1}"):
            versions[key] = item("police", person_item(f"出生补办事项{key[4:]}", "出生"))
            ServiceItem.objects.filter(pk=versions[key].item_id).update(featured_rank=10 + int(key[4:]))
        return [
            versions[f"more{n}"].name,
            versions[f"more{n + 1}"].name,
            bundle(f"出生一件事{n}", "出生", "1", "housing", f"more{n}", f"more{n + 1}").name,
        ]

    start = bundle("开办企业", "开办企业", "2", "market", "licence", "tax")
    lift = bundle("既有多层住宅加装电梯", "住房", "1", "housing", "lift", "lift_safety")
    return {
        "districts": {"huangpu": huangpu, "xuhui": xuhui},
        "depts": depts,
        "versions": versions,
        "bundles": {"start": start, "lift": lift},
        "more": more,
    }


def names(*keys, catalog) -> set[str]:
    return {catalog["versions"][k].name for k in keys}


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
    assert everything == {v.name for v in catalog["versions"].values()}  # not the draft
    assert api_names(client, audience="person") == names(
        "birth", "certificate", "residence", "lift", "lift_safety", catalog=catalog
    )
    assert api_names(client, audience="organisation") == names("licence", "tax", catalog=catalog)
    assert api_names(client, theme="出生") == names("birth", "certificate", catalog=catalog)
    assert api_names(client, theme="开办企业") == names("licence", "tax", catalog=catalog)
    zero = api_names(client, zero_visits="true")
    online = api_names(client, fully_online="true")
    assert zero == names("licence", "birth", "residence", "lift_safety", catalog=catalog)
    assert online == names("licence", "residence", "lift_safety", catalog=catalog)  # fully online ⇒ zero
    assert api_names(client, audience="person", zero_visits="true", theme="出生") == {"出生登记（户口）"}


def test_browse_by_department_and_by_district(client, catalog):
    tax, police = catalog["depts"]["tax"], catalog["depts"]["police"]
    huangpu, xuhui = catalog["districts"]["huangpu"], catalog["districts"]["xuhui"]
    assert api_names(client, department=tax.uuid) == {"税务登记"}
    assert api_names(client, department=police.uuid) == names(
        "birth", "certificate", "residence", catalog=catalog
    )
    in_huangpu = api_names(client, district=huangpu.uuid)
    assert in_huangpu == {"既有多层住宅加装电梯初步方案备案", "既有多层住宅加装电梯房屋安全性评估备案"}
    assert api_names(client, district=xuhui.uuid) == set()
    # A city department is not inside the district: the two filters together find nothing.
    assert api_names(client, district=huangpu.uuid, department=tax.uuid) == set()
    assert api_names(client, q="加装电梯", district=huangpu.uuid) == in_huangpu
    assert api_names(client, q="加装电梯", district=xuhui.uuid) == set()
    # A filtered search that finds nothing is not a blind spot of the catalog.
    assert not SearchMiss.objects.exists()


def test_browse_refuses_bad_filters_with_a_clear_error(client, catalog):
    response = client.get("/api/catalog/items", {"audience": "martians", "department": "nope"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] and body["message"]
    page = client.get("/browse/", {"department": "nope", "zero_visits": "1"})
    assert "筛选条件无效" in text(page)


def test_browse_page_lists_zero_visit_items_and_pages_through_them(client, catalog, monkeypatch):
    import tongban.catalog.views as views

    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    first = text(client.get("/browse/", {"zero_visits": "1"}))
    assert "零跑动事项" in first and "共 4 项" in first and "第 1 / 2 页" in first
    last = text(client.get("/browse/", {"zero_visits": "1", "page": 2}))
    assert "第 2 / 2 页" in last and "下一页" not in last
    shown = [name for name in names("licence", "birth", "residence", "lift_safety", catalog=catalog)]
    assert sorted(n for n in shown if n in first or n in last) == sorted(shown)
    assert all((n in first) != (n in last) for n in shown)  # each on one page only
    assert "税务登记" not in first + last  # one visit
    assert "营业执照核发" in text(client.get("/browse/", {"zero_visits": "1", "q": "yyzz"}))
    birth = text(client.get("/browse/", {"audience": "person", "theme": "出生"}))
    assert "出生医学证明签发" in birth and "营业执照核发" not in birth


def test_the_item_guide_marks_what_the_applicant_need_not_bring(client, catalog):
    v = catalog["versions"]["licence"]
    page = text(client.get(f"/items/{v.item.uuid}/"))
    assert "需要您提交（3 份）" in page and "无需提交（1 份，平台获取）" in page
    assert "居民身份证 免提交 平台从电子证照库调取，无需提交" in page
    assert "承诺时限 1 个工作日 法定 15 个工作日" in page
    for fact in ("零跑动", v.consultation_phone, v.supervision_phone, v.hours, "Ⅳ级 全程网办", "开办企业"):
        assert fact in page
    birth = catalog["versions"]["birth"]
    assert "平台通过市公安局共享数据获取，无需提交" in text(client.get(f"/items/{birth.item.uuid}/"))


def test_a_draft_or_unknown_item_has_no_guide(client, catalog):
    from tongban.catalog.services import version_new_draft

    v = catalog["versions"]["licence"]
    version_new_draft(actor=None, item=v.item)
    assert client.get(f"/items/{v.item.uuid}/").status_code == 200  # still the published version
    draft_only = ItemVersion.objects.get(name="尚未发布的事项")
    assert client.get(f"/items/{draft_only.item.uuid}/").status_code == 404
    assert client.get("/items/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/bundles/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/departments/00000000-0000-0000-0000-000000000000/").status_code == 404
    district = catalog["districts"]["huangpu"]
    assert client.get(f"/departments/{district.uuid}/").status_code == 404  # not a department


def test_the_bundle_page_draws_the_figures_from_the_data(client, catalog):
    bundle = catalog["bundles"]["start"]
    response = client.get(f"/bundles/{bundle.uuid}/")
    page = text(response)
    # Time: 15 + 20 working days one after the other, 1 + 1 as a bundle. Materials: 4 + 3 handed in one by
    # one; merged, the application form is asked once and the two licences are fetched: 3 to bring.
    assert "已实现“双减半”" in page
    assert "逐项办理 35 个工作日" in page and "一件事 2 个工作日" in page
    assert "逐项办理 7 份" in page and "一件事 3 份" in page
    # Bars are SVG drawn from the figures: the promised bar is 2/35 of the sequential one.
    widths = re.findall(r'class="bar-after"[^>]*width="([\d.]+)%"', response.content.decode())
    assert float(widths[0]) == round(100 * 2 / 35, 1)
    assert "营业执照核发" in page and "在“营业执照核发”之后" in page
    assert "企业名称" in page and page.count("企业名称 ") == 1  # one combined form: asked once
    assert "免费邮寄送达" in page


def test_the_department_page_lists_its_items_and_the_bundles_it_leads(client, catalog):
    dept = catalog["depts"]["housing"]
    page = text(client.get(f"/departments/{dept.uuid}/"))
    assert "既有多层住宅加装电梯初步方案备案" in page and "既有多层住宅加装电梯房屋安全性评估备案" in page
    assert "既有多层住宅加装电梯 牵头" in page
    assert "营业执照核发" not in page and "开办企业" not in page


def test_the_bundle_list_and_the_bundle_api_search_by_pinyin_initials(client, catalog):
    listed = text(client.get("/bundles/"))
    assert "开办企业" in listed and "既有多层住宅加装电梯" in listed
    found = client.get("/api/catalog/bundles", {"q": "kbqy"}).json()
    assert [b["name"] for b in found] == ["开办企业"]
    assert found[0]["figures"]["double_halving"] is True
    assert {m["key"] for m in found[0]["materials"] if m["obtained"]} == {"id-card", "business-licence"}
    assert found[0]["form_schema"]["properties"]["company_name"]["title"] == "企业名称"


def test_the_home_page_shows_popular_items_bundles_and_themes_from_the_data(client, catalog):
    page = text(client.get("/"))
    assert "热门事项" in page and "居住证办理" in page
    assert "开办企业 2 个工作日办结（原 35）" in page
    assert "出生" in page and "住房" in page
    hits = text(client.get("/", {"q": "kbqy"}))
    assert "一件事 开办企业" in hits


def test_cached_guides_follow_publishing_and_the_language(client, catalog):
    from tongban.catalog.services import version_new_draft, version_publish, version_update_draft

    v = catalog["versions"]["licence"]
    url = f"/items/{v.item.uuid}/"
    assert "营业执照核发" in text(client.get(url))  # rendered and cached
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Service guide" in english.content.decode() and "Promised limit" in text(english)
    draft = version_new_draft(actor=None, item=v.item)
    version_update_draft(actor=None, version=draft, fields={"name": "营业执照核发（新版）"})
    assert "营业执照核发（新版）" not in text(client.get(url))  # a draft changes nothing
    version_publish(actor=None, version=draft)
    assert "营业执照核发（新版）" in text(client.get(url))


@pytest.mark.parametrize(
    ("url", "params", "shown", "queries"),
    [
        ("/api/catalog/items", {}, "items", 2),
        ("/api/catalog/items", {"q": "出生", "audience": "person"}, "items", 3),
        ("/api/catalog/bundles", {}, "both", 4),  # a bundle names its items
        ("/api/catalog/bundles", {"q": "出生"}, "both", 5),
        ("/browse/", {}, "items", 6),
        ("/browse/", {"q": "出生"}, "items", 7),
        ("/browse/", {"audience": "person", "theme": "出生", "zero_visits": "1"}, "items", 6),
        ("/bundles/", {}, "bundles", 4),
        ("/bundles/", {"q": "出生"}, "bundles", 1),
        # The home page also reads the region's state (its members, the catalogue quarter): two queries cold,
        # none once cached (federation.facade).
        ("/", {}, "both", 5),
        ("/", {"q": "出生"}, "both", 6),
        ("police", {}, "both", 6),
        ("housing", {}, "bundles", 6),
    ],
)
def test_the_catalog_lists_cost_the_same_queries_however_many_items(
    client, catalog, assert_flat_queries, url, params, shown, queries
):
    """For 2 more items and a bundle, and for 4 and two: every list of the catalog, read cold (the
    caches of the catalog emptied, as after publishing) — the API, browse with and without a search,
    the bundles, the home page and department pages."""
    from django.core.cache import cache

    if url in catalog["depts"]:
        url = f"/departments/{catalog['depts'][url].uuid}/"
    names = catalog["more"]()

    def grow():
        names.extend(catalog["more"]())
        cache.clear()

    def read() -> str:
        response = client.get(url, params)
        assert response.status_code == 200
        if url.startswith("/api/"):
            return json.dumps(response.json(), ensure_ascii=False)
        return response.content.decode()

    answers = assert_flat_queries(queries, read, grow)
    listed = {"items": {0, 1}, "bundles": {2}, "both": {0, 1, 2}}[shown]
    wanted = [
        [n for i, n in enumerate(names[:3]) if i in listed],
        [n for i, n in enumerate(names) if i % 3 in listed],
    ]
    assert [[n for n in names if n in answer] for answer in answers] == wanted


def test_the_bundle_chart_shows_all_five_double_halving_figures(client, catalog):
    """Time, materials, visits, steps and departments: 开办企业 is 营业执照核发 (市场监管局) then 税务登记
    (税务局): two steps one after the other (two stages either way) and two departments, one window."""
    bundle = catalog["bundles"]["start"]
    html = client.get(f"/bundles/{bundle.uuid}/").content.decode()
    captions = re.findall(r"<figcaption><strong>([^<]+)</strong>", html)
    assert captions == ["办理时限", "申请材料", "跑动次数", "办理环节", "对接部门"]
    page = text(client.get(f"/bundles/{bundle.uuid}/"))
    assert "逐项办理 2 个环节" in page and "一件事 2 个环节" in page
    assert "逐项办理 2 个部门" in page and "一件事 1 个部门" in page
    # The ratio column says what it is.
    assert "承诺时限占法定时限" in page and "承诺办结时限 ÷ 法定办结时限" in page


def test_parallel_steps_make_one_stage(catalog):
    from tongban.catalog.bundles import PlannedStep, stage_count

    steps = [
        PlannedStep("licence", 1, ()),
        PlannedStep("tax", 1, ("licence",)),
        PlannedStep("seal", 1, ("licence",)),
        PlannedStep("social", 1, ("licence",)),
    ]
    assert stage_count(steps) == 2
    assert stage_count([PlannedStep("a", 1, ()), PlannedStep("b", 1, ())]) == 1
    assert stage_count([]) == 0
    assert catalog["bundles"]["start"].figures["stages"] == {"before": 2, "after": 2}


def test_the_home_search_counts_what_it_lists_bundles_included(client, catalog):
    """出生 finds two items and no bundle, then (with more()) four items and a bundle: the heading counts
    every result listed, the bundle too."""
    page = text(client.get("/", {"q": "出生"}))
    assert "“出生”的搜索结果（2 项）" in page
    catalog["more"]()
    response = client.get("/", {"q": "出生"})
    html = response.content.decode()
    listed = len(re.findall(r'class="result-title"', html))
    assert listed == 5
    assert "“出生”的搜索结果（5 项）" in text(response)
