"""The published catalog as the national exchange tables (docs/domain/catalog.md §3), written as CSV.

Three tables, one row per published version (and one per material of it):

- ``up_task_general_basic``: identity, department, limits, case type, handling forms, fees, contacts;
- ``up_task_general_extend``: 通办范围, online handling, result, themes;
- ``up_task_general_material``: the materials.

Conventions (docs/domain/catalog.md §6: where a code set is not known we do not invent one):

- Code sets the standard gives (GB/T 39046 appendix A: 事项类型 A.1, 行使层级 A.2, 服务对象 A.4, 办理形式 A.5,
  办件类型 A.6) are written as their codes; several codes are joined with ``,`` (``handle_type`` "1,2,3").
- Yes/no columns (``is_fee``, ``is_online`` …) are ``1`` / ``0`` as GB/T 39046 writes 是否收费.
- Columns whose national code set we do not have (通办范围, 结果类型, 材料形式, 来源渠道) carry our Chinese label,
  so a receiving platform maps them by text rather than by a code we made up.
- Time limits: every limit in Tongban is counted in working days (法定/承诺办结时限（工作日）, see
  core.workdays), so ``anticipate_type`` and ``promise_type`` are always ``1`` = 工作日.
- Sync metadata: ``row_guid`` is stable across exports (the version's uuid for basic and extend, a name-based
  uuid of version and material key for materials), so a receiver can upsert; ``version`` (and
  ``task_version`` in basic) is the item's version number; ``cd_operation`` is ``I`` (a full export inserts
  every row); ``cd_batch`` is one id per export; ``cd_time`` the export time (local, ``YYYY-MM-DD HH:MM:SS``);
  ``data_source`` is the 3-digit source code the receiving platform assigns us (blank when not given).

Only published versions are exported: drafts are not in force and retired versions no longer are."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from datetime import datetime
from pathlib import Path

from django.utils import timezone

from tongban.catalog.constants import HandlingForm, VersionStatus
from tongban.catalog.models import ItemVersion

BASIC = "up_task_general_basic"
EXTEND = "up_task_general_extend"
MATERIAL = "up_task_general_material"

SYNC_COLUMNS = ["cd_batch", "cd_operation", "cd_time", "data_source", "version"]
COLUMNS: dict[str, list[str]] = {
    BASIC: [
        "row_guid",
        "task_code",
        "task_handle_item",
        "task_name",
        "catalog_code",
        "task_type",
        "task_version",
        "use_level",
        "dept_code",
        "dept_name",
        "accept_condition",
        "anticipate_day",
        "anticipate_type",
        "anticipate_explain",
        "promise_day",
        "promise_type",
        "promise_explain",
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
        *SYNC_COLUMNS,
    ],
    EXTEND: [
        "row_guid",
        "task_code",
        "handle_area",
        "is_express",
        "is_online",
        "is_pay_online",
        "limit_scene_explain",
        "online_handle_depth",
        "result_type",
        "result_name",
        "user_topic_type",
        "corp_topic_type",
        *SYNC_COLUMNS,
    ],
    MATERIAL: [
        "row_guid",
        "task_code",
        "material_name",
        "is_need",
        "material_format",
        "source_type",
        "page_num",
        "accept_stand",
        "order_num",
        *SYNC_COLUMNS,
    ],
}

WORKING_DAYS = "1"  # 时限单位: every Tongban limit is in working days
INSERT = "I"  # cd_operation of a full export
ONLINE_FORMS = {HandlingForm.ONLINE_PC, HandlingForm.ONLINE_MOBILE}


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _codes(values) -> str:
    return ",".join(sorted(str(v) for v in values or ()))


def exchange_tables_export(*, data_source: str = "", at: datetime | None = None) -> dict[str, list[dict]]:
    """The published catalog as rows of the three exchange tables, by table name."""
    if data_source and not (len(data_source) == 3 and data_source.isdigit()):
        raise ValueError("data_source is the 3-digit code the receiving platform assigns")
    sync = {
        "cd_batch": uuid.uuid4().hex,
        "cd_operation": INSERT,
        "cd_time": timezone.localtime(at or timezone.now()).strftime("%Y-%m-%d %H:%M:%S"),
        "data_source": data_source,
    }
    tables: dict[str, list[dict]] = {BASIC: [], EXTEND: [], MATERIAL: []}
    versions = (
        ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("item")
        .prefetch_related("materials")
        .order_by("item__implementation_code")
    )
    for v in versions:
        task_code = v.item.implementation_code
        row_sync = {**sync, "version": v.number}
        forms = set(v.handling_forms or ())
        tables[BASIC].append(
            {
                "row_guid": str(v.uuid),
                "task_code": task_code,
                "task_handle_item": v.handle_item_code,
                "task_name": v.name,
                "catalog_code": v.item.basic_code,
                "task_type": v.item_type,
                "task_version": v.number,
                "use_level": v.exercise_level,
                "dept_code": v.department_uscc,
                "dept_name": v.department_name,
                "accept_condition": v.acceptance_conditions,
                "anticipate_day": v.legal_limit_days,
                "anticipate_type": WORKING_DAYS,
                "anticipate_explain": v.legal_limit_note,
                "promise_day": v.promised_limit_days,
                "promise_type": WORKING_DAYS,
                "promise_explain": v.promised_limit_note,
                "project_type": v.case_type,
                "handle_type": _codes(forms),
                "limit_scene_num": v.visits,
                "is_fee": _flag(v.fee_charged),
                "fee_basis": v.fee_basis,
                "server_type": _codes(v.service_objects),
                "transact_addr": v.locations,
                "transact_time": v.hours,
                "link_way": v.consultation_phone,
                "supervise_way": v.supervision_phone,
                **row_sync,
            }
        )
        tables[EXTEND].append(
            {
                "row_guid": str(v.uuid),
                "task_code": task_code,
                "handle_area": str(v.get_cross_region_scope_display()),
                "is_express": _flag(HandlingForm.COURIER in forms),
                # 是否网办: the item declares an online handling form (computer or mobile).
                "is_online": _flag(bool(forms & ONLINE_FORMS)),
                "is_pay_online": _flag(v.fee_charged and v.fee_online_payment),
                # docs/domain/catalog.md §4: no visit needed ⇒ the reason is written 无.
                "limit_scene_explain": v.visits_reason if v.visits else "无",
                "online_handle_depth": str(v.online_depth),
                "result_type": str(v.get_result_kind_display()),
                "result_name": v.result_name,
                "user_topic_type": ",".join(v.person_themes or ()),
                "corp_topic_type": ",".join(v.enterprise_themes or ()),
                **row_sync,
            }
        )
        for position, m in enumerate(v.materials.all(), start=1):
            tables[MATERIAL].append(
                {
                    "row_guid": str(uuid.uuid5(v.uuid, m.key)),
                    "task_code": task_code,
                    "material_name": m.name,
                    "is_need": _flag(m.required),
                    "material_format": str(m.get_format_display()),
                    "source_type": str(m.get_source_display()),
                    # 纸质份数: originals and copies together (GB/T 39046 counts them separately).
                    "page_num": m.originals + m.copies,
                    "accept_stand": m.acceptance_standard,
                    "order_num": position,
                    **row_sync,
                }
            )
    return tables


def exchange_csv(table: str, rows: list[dict]) -> bytes:
    """One table as CSV: UTF-8 with a byte-order mark (so Excel reads the Chinese), a header of the columns."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS[table], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def exchange_files(tables: dict[str, list[dict]] | None = None) -> dict[str, bytes]:
    """``{"up_task_general_basic.csv": b"..."}``: one CSV file per table."""
    tables = exchange_tables_export() if tables is None else tables
    return {f"{table}.csv": exchange_csv(table, tables[table]) for table in COLUMNS}


def exchange_zip(tables: dict[str, list[dict]] | None = None) -> bytes:
    """The CSV files in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in exchange_files(tables).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def exchange_write(target: Path, tables: dict[str, list[dict]] | None = None) -> list[Path]:
    """Write the CSV files into the directory ``target`` (made if missing), or into a zip when ``target``
    ends in ``.zip``; returns what was written."""
    target = Path(target)
    if target.suffix.lower() == ".zip":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(exchange_zip(tables))
        return [target]
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in exchange_files(tables).items():
        path = target / name
        path.write_bytes(content)
        written.append(path)
    return written
