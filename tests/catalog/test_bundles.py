"""Bundles: plans validated, 双减半 figures computed on small hand-checked plans."""

import pytest

from tests.catalog.test_versions import good_fields
from tongban.catalog.bundles import PlannedStep, critical_path_days
from tongban.catalog.models import Bundle
from tongban.catalog.services import bundle_create, item_create, version_publish
from tongban.core.errors import InvalidInput

pytestmark = pytest.mark.django_db

UPLOAD_FORM = {"key": "application-form", "name": "申请表", "source": "upload"}
ID_CARD = {"key": "id-card", "name": "身份证", "source": "licence", "licence_type_code": "111"}
LICENCE = {"key": "business-licence", "name": "营业执照", "source": "licence", "licence_type_code": "L001"}
HOUSEHOLD = {"key": "household", "name": "户口簿", "source": "shared_data", "shared_data_source": "市公安局"}


@pytest.fixture
def items(department):
    def add(n, legal, promised, visits, materials, publish=True):
        fields = good_fields(
            department, name=f"事项{n}", legal_limit_days=legal, promised_limit_days=promised
        )
        if visits:
            fields.update(visits=visits, visits_reason="核验原件", online_depth=3)
        v = item_create(
            actor=None, implementation_code=f"I-{n}", basic_code=f"B{n}", fields=fields, materials=materials
        )
        return version_publish(actor=None, version=v) if publish else v

    return {
        "a": add(1, 15, 1, 0, [UPLOAD_FORM, ID_CARD]),
        "b": add(2, 10, 1, 1, [ID_CARD, LICENCE]),
        "c": add(3, 20, 2, 0, [UPLOAD_FORM, HOUSEHOLD]),
        "d": add(4, 15, 1, 0, [UPLOAD_FORM]),
        "draft": add(5, 10, 5, 0, [UPLOAD_FORM], publish=False),
    }


def create(department, items, steps, **extra):
    return bundle_create(
        actor=None,
        name="开办企业",
        theme="开办企业",
        audience="2",
        lead_department_uuid=department.uuid,
        steps=steps,
        **extra,
    )


def step(key, version, budget=None, after=()):
    raw = {"key": key, "item_version": str(version.uuid), "depends_on": list(after)}
    if budget is not None:
        raw["budget_days"] = budget
    return raw


def test_parallel_steps_overlap_and_the_figures_come_from_the_data(department, items):
    bundle = create(
        department,
        items,
        [
            step("licence", items["a"], 1),
            step("seal", items["b"], 1, after=["licence"]),
            step("tax", items["c"], 1, after=["licence"]),
            step("social", items["d"], 1, after=["licence"]),
        ],
    )
    f = bundle.figures
    assert f["time"] == {"legal_sequential_days": 60, "promised_days": 2, "ratio": round(2 / 60, 4)}
    # before: 2 + 2 + 2 + 1 = 7; merged: form, id-card, licence, household = 4; obtained: 3; after: 1
    assert f["materials"] == {
        "before": 7,
        "merged": 4,
        "obtained_by_platform": 3,
        "after": 1,
        "ratio": round(1 / 7, 4),
    }
    assert f["visits"] == {"before": 1, "after": 1}
    assert f["steps"] == 4 and f["departments"] == 1
    assert f["double_halving"] is True
    assert [i["promised_limit_days"] for i in f["items"]] == [1, 1, 2, 1]


def test_sequential_steps_add_up_and_budgets_default_to_the_promised_limits(department, items):
    bundle = create(
        department,
        items,
        [
            step("first", items["a"]),
            step("second", items["c"], after=["first"]),
            step("third", items["b"], 4, after=["second"]),
        ],
    )
    assert bundle.figures["time"]["promised_days"] == 1 + 2 + 4
    assert bundle.figures["time"]["legal_sequential_days"] == 45
    assert (
        critical_path_days(
            [PlannedStep("x", 3, ()), PlannedStep("y", 5, ()), PlannedStep("z", 2, ("x", "y"))]
        )
        == 7
    )


def test_no_double_halving_when_time_is_not_halved(department, items):
    bundle = create(department, items, [step("only", items["c"], 15)])
    assert bundle.figures["time"]["ratio"] == 0.75
    assert bundle.figures["double_halving"] is False


@pytest.mark.parametrize(
    ("plan", "code"),
    [
        (lambda i: [step("a", i["a"], after=["b"]), step("b", i["b"], after=["a"])], "plan_cycle"),
        (lambda i: [step("a", i["a"], after=["ghost"])], "unknown_dependency"),
        (lambda i: [step("a", i["a"]), step("a", i["b"])], "duplicate_step"),
        (lambda i: [step("a", i["draft"])], "item_not_published"),
        (lambda i: [], "empty_plan"),
    ],
)
def test_bad_plans_are_refused_and_nothing_is_stored(department, items, plan, code):
    with pytest.raises(InvalidInput) as exc:
        create(department, items, plan(items))
    assert exc.value.code == code
    assert not Bundle.objects.exists()


def test_the_api_shows_bundles_with_their_figures(department, items, client, django_assert_max_num_queries):
    bundle = create(
        department, items, [step("licence", items["a"], 1), step("seal", items["b"], 1, after=["licence"])]
    )
    with django_assert_max_num_queries(4):
        listed = client.get("/api/catalog/bundles").json()
    assert [b["name"] for b in listed] == ["开办企业"]
    one = client.get(f"/api/catalog/bundles/{bundle.uuid}").json()
    assert one["figures"]["time"]["promised_days"] == 2
    assert [s["depends_on"] for s in one["steps"]] == [[], ["licence"]]
    missing = client.get("/api/catalog/bundles/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["code"] == "bundle_not_found"


def test_the_combined_form_asks_a_shared_field_once_and_requires_what_any_item_requires(department, items):
    a, c = items["a"], items["c"]
    for version, schema in (
        (a, {"properties": {"name": {"type": "string"}, "phone": {"type": "string"}}, "required": ["name"]}),
        (
            c,
            {"properties": {"phone": {"type": "string"}, "size": {"type": "integer"}}, "required": ["phone"]},
        ),
    ):
        type(version).objects.filter(pk=version.pk).update(form_schema={"type": "object", **schema})
    bundle = create(department, items, [step("x", a), step("y", c, after=["x"])])
    assert bundle.form_schema == {
        "type": "object",
        "properties": {"name": {"type": "string"}, "phone": {"type": "string"}, "size": {"type": "integer"}},
        "required": ["name", "phone"],
    }


def test_a_field_defined_differently_by_two_items_is_refused(department, items):
    a, c = items["a"], items["c"]
    type(a).objects.filter(pk=a.pk).update(form_schema={"properties": {"size": {"type": "string"}}})
    type(c).objects.filter(pk=c.pk).update(form_schema={"properties": {"size": {"type": "integer"}}})
    with pytest.raises(InvalidInput) as exc:
        create(department, items, [step("x", a), step("y", c)])
    assert exc.value.code == "form_field_conflict" and exc.value.details["key"] == "size"
    assert not Bundle.objects.exists()


def test_the_merged_material_list_asks_each_material_once_and_marks_what_the_platform_obtains(
    department, items
):
    bundle = create(department, items, [step("x", items["a"]), step("y", items["b"]), step("z", items["c"])])
    by_key = {m["key"]: m for m in bundle.materials}
    assert list(by_key) == ["application-form", "id-card", "business-licence", "household"]
    assert by_key["id-card"]["items"] == ["事项1", "事项2"]
    assert [m["obtained"] for m in bundle.materials] == [False, True, True, True]
    assert bundle.delivery_methods == ["online", "window", "courier"]


def test_an_unknown_delivery_method_is_refused(department, items):
    with pytest.raises(InvalidInput) as exc:
        create(department, items, [step("x", items["a"])], delivery_methods=["pigeon"])
    assert exc.value.code == "invalid_delivery"
    assert not Bundle.objects.exists()
