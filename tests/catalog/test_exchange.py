"""The exchange tables (docs/domain/catalog.md §3) and moving a catalog between environments: CSV
export of the published versions, department mapping by USCC on import, the console commands."""

import csv
import io
import json
import uuid
import zipfile

import pytest

from tongban.accounts.constants import OrgKind
from tongban.accounts.models import Organisation
from tongban.accounts.services import organisation_create
from tongban.catalog.constants import VersionStatus
from tongban.catalog.errors import ImportRefused
from tongban.catalog.exchange import exchange_tables_export, exchange_write
from tongban.catalog.models import Bundle, ItemVersion, Material, ServiceItem
from tongban.catalog.services import (
    bundle_create,
    catalog_export,
    catalog_import,
    version_new_draft,
    version_publish,
    version_update_draft,
)
from tongban.cli import main
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db

USCC = "11310000MB2F31883R"
OTHER_USCC = "91350100M000100Y43"  # valid (GB 32100), not a department anywhere here

# The columns docs/domain/catalog.md §3 names for each table, written out so that renaming one fails.
BASIC_COLUMNS = {
    "task_code",
    "catalog_code",
    "task_handle_item",
    "dept_code",
    "dept_name",
    "accept_condition",
    "anticipate_day",
    "anticipate_type",
    "promise_day",
    "promise_type",
    "project_type",
    "handle_type",
    "limit_scene_num",
    "is_fee",
    "fee_basis",
    "server_type",
    "transact_addr",
    "transact_time",
    "link_way",
    "supervise_way",
}
EXTEND_COLUMNS = {
    "task_code",
    "handle_area",
    "is_online",
    "is_pay_online",
    "limit_scene_explain",
    "online_handle_depth",
    "result_type",
    "result_name",
    "user_topic_type",
    "corp_topic_type",
}
MATERIAL_COLUMNS = {
    "task_code",
    "material_name",
    "is_need",
    "material_format",
    "source_type",
    "page_num",
    "accept_stand",
    "order_num",
}
SYNC_COLUMNS = {"cd_operation", "cd_time", "data_source", "row_guid", "version"}


def test_only_published_versions_become_rows_with_the_columns_of_domain_2_3(make_item):
    v1 = make_item(1)
    v2 = version_new_draft(actor=None, item=v1.item)
    version_update_draft(actor=None, version=v2, fields={"promised_limit_days": 8})
    version_publish(actor=None, version=v2)  # v1 retired
    version_new_draft(actor=None, item=v1.item)  # v3: a draft
    online = make_item(2, visits=0, visits_reason="", online_depth=4, handling_forms=["2", "3"])
    make_item(3, publish=False)

    tables = exchange_tables_export(data_source="310")

    basic, extend, material = (
        tables["up_task_general_basic"],
        tables["up_task_general_extend"],
        tables["up_task_general_material"],
    )
    codes = [v1.item.implementation_code, online.item.implementation_code]
    assert [r["task_code"] for r in basic] == codes
    assert [r["task_code"] for r in extend] == codes
    assert [r["task_version"] for r in basic] == [2, 1]
    assert basic[0]["promise_day"] == 8
    assert len(material) == 4 and {r["task_code"] for r in material} == set(codes)
    for row in basic:
        assert set(row) >= BASIC_COLUMNS | SYNC_COLUMNS
    for row in extend:
        assert set(row) >= EXTEND_COLUMNS | SYNC_COLUMNS
    for row in material:
        assert set(row) >= MATERIAL_COLUMNS | SYNC_COLUMNS


def test_a_demo_like_item_maps_to_the_exchange_columns(make_item):
    version = make_item(1)
    tables = exchange_tables_export(data_source="310")
    (basic,) = tables["up_task_general_basic"]
    assert {
        k: basic[k]
        for k in BASIC_COLUMNS
        | {"task_name", "task_type", "use_level", "anticipate_explain", "promise_explain"}
    } == {
        "task_code": f"{USCC}001000",
        "catalog_code": "010010000",
        "task_handle_item": "11310000MB2F31883R30010010101",
        "task_name": "食品经营许可证核发",
        "task_type": "01",
        "use_level": "3",
        "dept_code": USCC,
        "dept_name": "上海市市场监督管理局",
        "accept_condition": "已取得营业执照，有与经营的食品品种相适应的经营场所。",
        "anticipate_day": 20,
        "anticipate_type": "1",
        "anticipate_explain": "自受理之日起20个工作日",
        "promise_day": 10,
        "promise_type": "1",
        "promise_explain": "材料齐全、符合法定形式的，10个工作日内办结",
        "project_type": "2",
        "handle_type": "1,2,4",
        "limit_scene_num": 1,
        "is_fee": "1",
        "fee_basis": "沪价费〔2019〕1号",
        "server_type": "2,6",
        "transact_addr": "上海市黄浦区市民服务中心一楼综合窗口",
        "transact_time": "周一至周五 9:00-17:00（法定节假日除外）",
        "link_way": "021-12345",
        "supervise_way": "021-12315",
    }
    (extend,) = tables["up_task_general_extend"]
    assert {k: extend[k] for k in EXTEND_COLUMNS | {"is_express"}} == {
        "task_code": f"{USCC}001000",
        "handle_area": "长三角通办",
        "is_express": "1",
        "is_online": "1",
        "is_pay_online": "1",
        "limit_scene_explain": "现场核查经营场所",
        "online_handle_depth": "3",
        "result_type": "电子证照",
        "result_name": "食品经营许可证",
        "user_topic_type": "",
        "corp_topic_type": "开办企业,餐饮",
    }
    form, licence = tables["up_task_general_material"]
    assert {k: form[k] for k in MATERIAL_COLUMNS} == {
        "task_code": f"{USCC}001000",
        "material_name": "食品经营许可申请书",
        "is_need": "1",
        "material_format": "纸质",
        "source_type": "申请人提交",
        "page_num": 1,
        "accept_stand": "申请书填写完整，加盖公章",
        "order_num": 1,
    }
    assert (licence["is_need"], licence["material_format"], licence["source_type"]) == (
        "0",
        "电子",
        "电子证照",
    )
    assert (licence["page_num"], licence["order_num"]) == (1, 2)
    for row in (basic, extend, form, licence):
        assert (row["cd_operation"], row["data_source"], row["version"]) == ("I", "310", 1)
    assert basic["row_guid"] == extend["row_guid"] == str(version.uuid)
    assert form["row_guid"] != licence["row_guid"]


def test_a_free_zero_visit_item_writes_no_fee_and_no_visit_reason(make_item):
    make_item(
        1,
        visits=0,
        visits_reason="",
        online_depth=4,
        handling_forms=["2"],
        fee_charged=False,
        fee_basis="",
        fee_amount=None,
        fee_online_payment=False,
        cross_region_scope="city",
    )
    tables = exchange_tables_export()
    (basic,), (extend,) = tables["up_task_general_basic"], tables["up_task_general_extend"]
    assert (basic["is_fee"], basic["limit_scene_num"], basic["handle_type"]) == ("0", 0, "2")
    assert extend["limit_scene_explain"] == "无"
    assert (extend["is_express"], extend["is_pay_online"], extend["handle_area"]) == ("0", "0", "全市通办")
    assert basic["data_source"] == ""


def test_row_guids_are_stable_between_exports_and_the_batch_is_not(make_item):
    make_item(1)
    first, second = exchange_tables_export(), exchange_tables_export()
    for table in first:
        assert [r["row_guid"] for r in first[table]] == [r["row_guid"] for r in second[table]]
    assert first["up_task_general_basic"][0]["cd_batch"] != second["up_task_general_basic"][0]["cd_batch"]


def test_a_data_source_is_three_digits(make_item):
    with pytest.raises(ValueError, match="3-digit"):
        exchange_tables_export(data_source="31")


def _read_csv(content: bytes) -> list[dict]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _as_text(rows: list[dict]) -> list[dict]:
    return [{k: str(v) for k, v in row.items()} for row in rows]


def test_the_csv_files_read_back_with_dictreader_into_a_directory_and_into_a_zip(make_item, tmp_path):
    make_item(1, acceptance_conditions='条件一，含逗号；\n条件二，含"引号"')
    tables = exchange_tables_export()

    written = exchange_write(tmp_path / "tables", tables)
    assert sorted(p.name for p in written) == [
        "up_task_general_basic.csv",
        "up_task_general_extend.csv",
        "up_task_general_material.csv",
    ]
    for path in written:
        assert _read_csv(path.read_bytes()) == _as_text(tables[path.stem])
    basic = _read_csv((tmp_path / "tables/up_task_general_basic.csv").read_bytes())
    assert basic[0]["accept_condition"] == '条件一，含逗号；\n条件二，含"引号"'

    (archive_path,) = exchange_write(tmp_path / "out/tables.zip", tables)
    with zipfile.ZipFile(archive_path) as archive:
        assert sorted(archive.namelist()) == sorted(p.name for p in written)
        for path in written:
            assert archive.read(path.name) == path.read_bytes()


# --- moving a catalog between environments ------------------------------------------------------------
def _empty_catalog() -> None:
    Bundle.objects.all().delete()
    Material.objects.all().delete()
    ItemVersion.objects.all().delete()
    ServiceItem.objects.all().delete()


def _another_environment(department, *, name="上海市市场监督管理局（另一环境）") -> str:
    """Empty the catalog and give the department a new uuid (and name), as another environment has it."""
    _empty_catalog()
    new_uuid = uuid.uuid4()
    Organisation.objects.filter(pk=department.pk).update(uuid=new_uuid, name=name)
    return str(new_uuid)


def test_an_import_maps_departments_by_uscc_in_another_environment(make_item, department):
    v1 = make_item(1)
    version_new_draft(actor=None, item=v1.item)
    make_item(2, name="食品经营许可证变更")
    exported = catalog_export()
    target_uuid = _another_environment(department)

    with pytest.raises(ImportRefused) as refused:
        catalog_import(actor=None, data=exported)
    assert refused.value.details["unknown_departments"] == [str(department.uuid)]
    assert not ServiceItem.objects.exists()

    assert catalog_import(actor=None, data=exported, map_departments=True) == {
        "created": 2,
        "skipped": 0,
        "bundles_created": 0,
        "bundles_skipped": 0,
    }
    versions = ItemVersion.objects.order_by("item__implementation_code", "number")
    assert [(v.item.implementation_code, v.number, v.status) for v in versions] == [
        (f"{USCC}001000", 1, VersionStatus.PUBLISHED),
        (f"{USCC}001000", 2, VersionStatus.DRAFT),
        (f"{USCC}002000", 1, VersionStatus.PUBLISHED),
    ]
    assert {(str(v.department_uuid), v.department_name, v.department_uscc) for v in versions} == {
        (target_uuid, "上海市市场监督管理局（另一环境）", USCC)
    }
    event = AuditEvent.objects.filter(action="catalog.import").get()
    assert event.actor_kind == "system" and event.after["map_departments"] is True


def test_an_import_with_unknown_or_missing_usccs_is_refused_whole(make_item, department):
    make_item(1)
    make_item(2)
    make_item(3)
    exported = catalog_export()
    for version in exported["items"][1]["versions"]:
        version["department_uscc"] = OTHER_USCC
    for version in exported["items"][2]["versions"]:
        version["department_uscc"] = ""
    _another_environment(department)

    with pytest.raises(ImportRefused) as refused:
        catalog_import(actor=None, data=exported, map_departments=True)

    assert refused.value.details["unknown_usccs"] == [OTHER_USCC]
    assert refused.value.details["items_without_uscc"] == [f"{USCC}003000"]
    assert OTHER_USCC in str(refused.value.message) and f"{USCC}003000" in str(refused.value.message)
    assert not ServiceItem.objects.exists() and not ItemVersion.objects.exists()
    assert not AuditEvent.objects.filter(action="catalog.import").exists()


def test_an_import_refuses_a_uscc_two_departments_share(make_item, department):
    make_item(1)
    exported = catalog_export()
    _another_environment(department)
    organisation_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="重复登记的部门", parent=department.parent, uscc=USCC
    )
    with pytest.raises(ImportRefused) as refused:
        catalog_import(actor=None, data=exported, map_departments=True)
    assert refused.value.details["ambiguous_usccs"] == [USCC]
    assert not ServiceItem.objects.exists()


def test_mapping_in_the_same_environment_keeps_the_departments(make_item, department):
    make_item(1)
    exported = catalog_export()
    _empty_catalog()
    assert catalog_import(actor=None, data=exported, map_departments=True)["created"] == 1
    assert catalog_export() == exported


# --- home-page ranks and bundles (format version 2) -----------------------------------------------------
def _bundle(department, first, second, *, name="开办企业"):
    return bundle_create(
        actor=None,
        name=name,
        theme="开办企业",
        audience="2",
        lead_department_uuid=department.uuid,
        description="一表申请",
        keywords=["开公司"],
        delivery_methods=["online", "courier"],
        steps=[
            {"key": "licence", "item_version": str(first.uuid), "budget_days": 1},
            {"key": "food", "name": "食品许可", "item_version": str(second.uuid), "depends_on": ["licence"]},
        ],
    )


def _catalog_with_a_bundle(make_item, department) -> dict:
    first, second = make_item(1), make_item(2, name="食品经营许可证变更")
    ServiceItem.objects.filter(pk=second.item_id).update(featured_rank=3)
    make_item(3, publish=False)
    _bundle(department, first, second)
    return catalog_export()


def test_ranks_and_bundles_are_exported_and_imported_back_exactly(make_item, department):
    exported = _catalog_with_a_bundle(make_item, department)
    assert exported["format_version"] == 2
    assert [i["featured_rank"] for i in exported["items"]] == [None, 3, None]
    (bundle,) = exported["bundles"]
    assert bundle["lead_department_uscc"] == USCC and bundle["delivery_methods"] == ["online", "courier"]
    assert bundle["steps"] == [
        {
            "key": "licence",
            "name": "食品经营许可证核发",
            "implementation_code": f"{USCC}001000",
            "version": 1,
            "budget_days": 1,
            "depends_on": [],
        },
        {
            "key": "food",
            "name": "食品许可",
            "implementation_code": f"{USCC}002000",
            "version": 1,
            "budget_days": 10,
            "depends_on": ["licence"],
        },
    ]
    figures = Bundle.objects.get().figures
    _empty_catalog()

    assert catalog_import(actor=None, data=exported) == {
        "created": 3,
        "skipped": 0,
        "bundles_created": 1,
        "bundles_skipped": 0,
    }
    assert catalog_export() == exported
    imported = Bundle.objects.get()
    assert imported.figures == figures and imported.figures["time"]["promised_days"] == 1 + 10
    assert [s.item_version.item.implementation_code for s in imported.steps.all()] == [
        f"{USCC}001000",
        f"{USCC}002000",
    ]
    assert catalog_import(actor=None, data=exported) == {
        "created": 0,
        "skipped": 3,
        "bundles_created": 0,
        "bundles_skipped": 1,
    }


def test_a_bundle_moves_with_its_lead_department_found_by_uscc(make_item, department):
    exported = _catalog_with_a_bundle(make_item, department)
    target_uuid = _another_environment(department)
    with pytest.raises(ImportRefused) as refused:
        catalog_import(actor=None, data=exported)
    assert refused.value.details["unknown_departments"] == [str(department.uuid)]

    assert catalog_import(actor=None, data=exported, map_departments=True)["bundles_created"] == 1
    bundle = Bundle.objects.get()
    assert (str(bundle.lead_department_uuid), bundle.lead_department_name) == (
        target_uuid,
        "上海市市场监督管理局（另一环境）",
    )
    assert {str(s.department_uuid) for s in bundle.steps.all()} == {target_uuid}


def test_a_bundle_steps_may_name_items_already_here(make_item, department):
    exported = _catalog_with_a_bundle(make_item, department)
    Bundle.objects.all().delete()
    assert catalog_import(actor=None, data=exported)["bundles_created"] == 1
    assert catalog_export() == exported


@pytest.mark.parametrize(
    "spoil, reason",
    [
        (lambda data: data["bundles"][0]["steps"][1].update(version=7), "neither in the file nor here"),
        (
            lambda data: data["bundles"][0]["steps"][1].update(implementation_code=f"{USCC}003000"),
            "bundle 开办企业",
        ),
        (lambda data: data["bundles"][0]["steps"][0].update(depends_on=["food"]), "bundle 开办企业"),
        (lambda data: data["bundles"].append(dict(data["bundles"][0])), "given twice: 开办企业"),
        (lambda data: data["bundles"][0].pop("delivery_methods"), "delivery_methods"),
    ],
    ids=["unknown version", "draft step", "cycle", "name twice", "field missing"],
)
def test_a_bundle_that_does_not_hold_refuses_the_whole_file(make_item, department, spoil, reason):
    exported = _catalog_with_a_bundle(make_item, department)
    _empty_catalog()
    spoil(exported)
    with pytest.raises(ImportRefused) as refused:
        catalog_import(actor=None, data=exported)
    assert reason in refused.value.details["reason"]
    assert not ServiceItem.objects.exists() and not Bundle.objects.exists()


def test_a_lead_department_without_uscc_is_listed_with_the_other_problems(make_item, department):
    exported = _catalog_with_a_bundle(make_item, department)
    exported["bundles"][0]["lead_department_uscc"] = ""
    exported["items"][0]["versions"][0]["department_uscc"] = OTHER_USCC
    _another_environment(department)
    with pytest.raises(ImportRefused) as refused:
        catalog_import(actor=None, data=exported, map_departments=True)
    assert refused.value.details["bundles_without_uscc"] == ["开办企业"]
    assert refused.value.details["unknown_usccs"] == [OTHER_USCC]
    assert "开办企业" in str(refused.value.message) and OTHER_USCC in str(refused.value.message)
    assert not ServiceItem.objects.exists() and not Bundle.objects.exists()


def test_a_version_1_file_still_loads_and_a_newer_one_is_refused(make_item, department):
    exported = _catalog_with_a_bundle(make_item, department)
    _empty_catalog()
    newer = {**exported, "format_version": 3}
    with pytest.raises(ImportRefused) as refused:
        catalog_import(actor=None, data=newer)
    assert "format_version 3" in refused.value.details["reason"] and not ServiceItem.objects.exists()

    old = {"format": "tongban-catalog", "format_version": 1, "items": exported["items"]}
    for item in old["items"]:
        del item["featured_rank"]
    assert catalog_import(actor=None, data=old)["created"] == 3
    assert (
        not ServiceItem.objects.filter(featured_rank__isnull=False).exists() and not Bundle.objects.exists()
    )


# --- the console commands --------------------------------------------------------------------------------
def test_the_console_exports_json_and_imports_it_into_another_environment(
    make_item, department, tmp_path, capsys
):
    make_item(1)
    exported = catalog_export()
    path = tmp_path / "catalog.json"
    assert main(["catalog", "export", "--format", "json", str(path)]) == 0
    assert json.loads(path.read_text(encoding="utf-8")) == exported
    target_uuid = _another_environment(department)

    assert main(["catalog", "import", str(path)]) == 1
    out = capsys.readouterr().out
    assert "nothing was imported" in out and str(department.uuid) in out
    assert not ServiceItem.objects.exists()

    assert main(["catalog", "import", str(path), "--map-departments"]) == 0
    assert "1 items created, 0 skipped (already present); 0 bundles created" in capsys.readouterr().out
    assert str(ItemVersion.objects.get().department_uuid) == target_uuid
    assert AuditEvent.objects.get(action="catalog.import").actor_kind == "system"


def test_the_console_writes_the_exchange_tables_and_reports_bad_input(make_item, tmp_path, capsys):
    make_item(1)
    assert (
        main(["catalog", "export", "--format", "exchange", "--data-source", "310", str(tmp_path / "x.zip")])
        == 0
    )
    assert "up_task_general_material: 2 rows" in capsys.readouterr().out
    with zipfile.ZipFile(tmp_path / "x.zip") as archive:
        (row,) = _read_csv(archive.read("up_task_general_basic.csv"))
    assert row["task_code"] == f"{USCC}001000" and row["data_source"] == "310"

    assert main(["catalog", "export", "--format", "exchange", str(tmp_path / "dir")]) == 0
    assert len(_read_csv((tmp_path / "dir/up_task_general_material.csv").read_bytes())) == 2

    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert main(["catalog", "import", str(tmp_path / "bad.json")]) == 1
    assert main(["catalog", "import", str(tmp_path / "missing.json")]) == 1
    assert capsys.readouterr().out.count("cannot read") == 2
