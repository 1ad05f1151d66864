"""The catalog admin: the home page's popular items are set there (audited); bundles are shown with
their computed figures but never typed in."""

import pytest

from tests.catalog.test_bundles import step
from tongban.catalog.facade import featured_items
from tongban.catalog.services import bundle_create
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_catalog_admin_sets_the_popular_items_and_the_change_is_audited(make_item, admin_client):
    version = make_item()
    assert featured_items() == []
    url = f"/admin/catalog/serviceitem/{version.item.pk}/change/"
    response = admin_client.post(
        url, {"featured_rank": "1", "implementation_code": "CHANGED", "basic_code": "CHANGED"}
    )
    assert response.status_code == 302
    assert [h.name for h in featured_items()] == [version.name]
    version.item.refresh_from_db()
    assert version.item.implementation_code != "CHANGED"  # the codes are read-only
    event = AuditEvent.objects.get(action="catalog.featured_rank")
    assert event.before == {"featured_rank": None} and event.after == {"featured_rank": 1}


def test_bundles_are_shown_read_only_with_their_figures(make_item, department, admin_client):
    a, b = make_item(1), make_item(2)
    bundle = bundle_create(
        actor=None,
        name="测试一件事",
        theme="开办企业",
        audience="2",
        lead_department_uuid=department.uuid,
        steps=[step("a", a, 1), step("b", b, 1, after=["a"])],
    )
    listing = admin_client.get("/admin/catalog/bundle/")
    assert listing.status_code == 200 and "测试一件事" in listing.content.decode()
    assert admin_client.get("/admin/catalog/bundle/add/").status_code == 403
    change = admin_client.post(f"/admin/catalog/bundle/{bundle.pk}/change/", {"name": "改名"})
    bundle.refresh_from_db()
    assert change.status_code < 500 and bundle.name == "测试一件事"  # every field is read-only


@pytest.fixture
def grow(make_item, department):
    """Two more published items, a draft of each, and a bundle of the two."""
    from tongban.catalog.models import ServiceItem
    from tongban.catalog.services import version_new_draft

    def two_more():
        n = ServiceItem.objects.count()
        a, b = make_item(n + 1), make_item(n + 2)
        version_new_draft(actor=None, item=a.item), version_new_draft(actor=None, item=b.item)
        bundle_create(
            actor=None,
            name=f"一件事{n}",
            theme="开办企业",
            audience="2",
            lead_department_uuid=department.uuid,
            steps=[step("a", a, 1), step("b", b, 1, after=["a"])],
        )

    two_more()
    return two_more


@pytest.mark.parametrize(("model", "queries"), [("itemversion", 5), ("serviceitem", 5), ("bundle", 5)])
def test_the_catalog_admin_lists_cost_the_same_queries_however_many_rows(
    assert_flat_admin_list, grow, model, queries
):
    from django.apps import apps

    assert_flat_admin_list(apps.get_model("catalog", model), queries, grow)
