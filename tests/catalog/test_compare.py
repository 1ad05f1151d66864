"""Comparing versions (与上一版本比较) and the catalog admins' export downloads."""

import io
import json
import zipfile

import pytest

from tongban.accounts.models import User
from tongban.catalog.compare import version_diff
from tongban.catalog.models import Material
from tongban.catalog.services import catalog_export, version_new_draft, version_update_draft

pytestmark = pytest.mark.django_db

NEW_HOURS = "周一至周六 9:00-17:00（周六仅上午）"


@pytest.fixture
def two_versions(make_item):
    """v1 published; v2 a draft with three fields changed, a material removed, one added, one changed."""
    v1 = make_item(1)
    v2 = version_new_draft(actor=None, item=v1.item)
    v2 = version_update_draft(
        actor=None,
        version=v2,
        fields={"promised_limit_days": 8, "hours": NEW_HOURS, "handling_forms": ["1", "2"]},
    )
    v2.materials.filter(key="business-licence").delete()
    Material.objects.filter(version=v2, key="application-form").update(name="食品经营许可申请表", copies=2)
    Material.objects.create(version=v2, order=2, key="id-card", name="法定代表人身份证", source="licence")
    return v1, v2


def test_the_diff_lists_exactly_the_changed_fields_and_materials(two_versions):
    v1, v2 = two_versions
    diff = {row["field"]: row for row in version_diff(v1, v2)}
    assert set(diff) == {
        "promised_limit_days",
        "hours",
        "handling_forms",
        "materials.id-card",
        "materials.business-licence",
        "materials.application-form.name",
        "materials.application-form.copies",
    }
    promised = diff["promised_limit_days"]
    assert (promised["label"], promised["before"], promised["after"], promised["change"]) == (
        "承诺办结时限（工作日）",
        10,
        8,
        "changed",
    )
    assert diff["handling_forms"]["before_display"] == "4 快递申请、1 窗口办理、2 电脑端网上办理"
    assert diff["handling_forms"]["after_display"] == "1 窗口办理、2 电脑端网上办理"
    assert (diff["materials.id-card"]["change"], diff["materials.id-card"]["after"]) == (
        "added",
        "法定代表人身份证",
    )
    assert (diff["materials.business-licence"]["change"], diff["materials.business-licence"]["before"]) == (
        "removed",
        "营业执照",
    )
    name = diff["materials.application-form.name"]
    assert (name["before"], name["after"]) == ("食品经营许可申请书", "食品经营许可申请表")
    assert name["label"] == "申请材料「食品经营许可申请表」：材料名称"
    assert (
        diff["materials.application-form.copies"]["before"],
        diff["materials.application-form.copies"]["after"],
    ) == (
        0,
        2,
    )


def test_a_fresh_draft_differs_in_nothing(make_item):
    v1 = make_item(1)
    assert version_diff(v1, version_new_draft(actor=None, item=v1.item)) == []


def test_choices_and_flags_are_shown_with_their_labels(make_item):
    v1 = make_item(1)
    v2 = version_update_draft(
        actor=None,
        version=version_new_draft(actor=None, item=v1.item),
        fields={"online_depth": 4, "visits": 0, "visits_reason": "", "fee_online_payment": False},
    )
    diff = {row["field"]: row for row in version_diff(v1, v2)}
    assert set(diff) == {"online_depth", "visits", "visits_reason", "fee_online_payment"}
    assert (diff["online_depth"]["before_display"], diff["online_depth"]["after_display"]) == (
        "Ⅲ级 网上受理、窗口取件",
        "Ⅳ级 全程网办",
    )
    assert (diff["fee_online_payment"]["before_display"], diff["fee_online_payment"]["after_display"]) == (
        "是",
        "否",
    )


# --- the admin ---------------------------------------------------------------------------------------------
def compare_url(version) -> str:
    return f"/admin/catalog/itemversion/{version.pk}/compare/"


def test_the_admin_links_to_and_shows_the_comparison(
    two_versions, admin_client, django_assert_max_num_queries
):
    v1, v2 = two_versions
    change_page = admin_client.get(f"/admin/catalog/itemversion/{v2.pk}/change/")
    assert change_page.status_code == 200
    assert compare_url(v2).encode() in change_page.content and "与上一版本比较" in change_page.text
    first_page = admin_client.get(f"/admin/catalog/itemversion/{v1.pk}/change/")
    assert compare_url(v1).encode() not in first_page.content

    with django_assert_max_num_queries(12):
        response = admin_client.get(compare_url(v2))
    assert response.status_code == 200
    page = response.text
    assert NEW_HOURS in page and "周一至周五 9:00-17:00（法定节假日除外）" in page
    assert (
        "承诺办结时限（工作日）" in page and "法定代表人身份证" in page and "新增" in page and "删除" in page
    )
    assert len(response.context["differences"]) == 7
    assert "<script>" not in page.split('id="version-differences"')[1]
    assert " style=" not in page


def test_the_first_version_has_nothing_to_compare(make_item, admin_client):
    v1 = make_item(1)
    response = admin_client.get(compare_url(v1))
    assert response.status_code == 200 and "没有可比较的上一版本" in response.text


def test_the_comparison_is_for_staff_who_may_see_versions(two_versions, client):
    _v1, v2 = two_versions
    anonymous = client.get(compare_url(v2))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
    staff = User.objects.create_user(username="clerk", password="x-Correct-42", is_staff=True)
    client.force_login(staff)
    assert client.get(compare_url(v2)).status_code == 403
    assert client.get("/admin/catalog/serviceitem/export/json/").status_code == 403


def test_the_changelist_offers_both_exports_for_download(make_item, admin_client):
    make_item(1)
    changelist = admin_client.get("/admin/catalog/serviceitem/")
    assert b"/admin/catalog/serviceitem/export/json/" in changelist.content
    assert b"/admin/catalog/serviceitem/export/exchange/" in changelist.content

    exported = admin_client.get("/admin/catalog/serviceitem/export/json/")
    assert exported.status_code == 200 and "attachment" in exported["Content-Disposition"]
    assert json.loads(exported.content) == json.loads(json.dumps(catalog_export()))

    tables = admin_client.get("/admin/catalog/serviceitem/export/exchange/")
    assert tables.status_code == 200 and tables["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(tables.content)) as archive:
        basic = archive.read("up_task_general_basic.csv").decode("utf-8-sig")
    assert "食品经营许可证核发" in basic


def test_the_exports_need_a_login(client):
    for url in ("/admin/catalog/serviceitem/export/json/", "/admin/catalog/serviceitem/export/exchange/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
