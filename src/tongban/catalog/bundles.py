"""Bundles (一件事): plan validation and the 双减半 figures, computed from the data.

* time: the legal limits of the items done one after another vs the bundle's promised limit, which is the
  critical path of its plan (steps in parallel where nothing depends, in working days);
* materials: before (summed over the items, duplicates counted) vs after (merged by material key, minus
  those the platform obtains from the licence library, shared data or makes itself);
* visits: before (summed over the items) vs after (the most any one item needs: one trip serves all);
* steps (环节): all of them one after another vs the stages of the plan (parallel steps make one stage);
* departments: each one dealt with separately vs one window (the lead department's) for the applicant;
* "double halving reached" when time and materials are both at or below 50 %.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tongban.catalog.constants import ESTABLISHING_LICENCE_TYPES, MaterialSource, VersionStatus
from tongban.catalog.errors import CatalogError
from tongban.core.errors import InvalidInput

OBTAINED_BY_PLATFORM = {MaterialSource.LICENCE, MaterialSource.SHARED_DATA}


@dataclass(frozen=True)
class PlannedStep:
    key: str
    budget_days: int
    depends_on: tuple[str, ...]


def plan_order(steps: list[PlannedStep]) -> list[str]:
    """A topological order of the steps; refuses unknown dependencies and cycles."""
    keys = [s.key for s in steps]
    if len(set(keys)) != len(keys):
        raise InvalidInput(CatalogError.DUPLICATE_STEP, _("环节标识重复"), field="steps")
    by_key = {s.key: s for s in steps}
    for s in steps:
        unknown = [d for d in s.depends_on if d not in by_key]
        if unknown:
            raise InvalidInput(
                CatalogError.UNKNOWN_DEPENDENCY,
                _("前置环节不存在"),
                field="steps",
                step=s.key,
                unknown=unknown,
            )
    order, state = [], {}

    def visit(key, path):
        if state.get(key) == "done":
            return
        if state.get(key) == "active":
            raise InvalidInput(
                CatalogError.PLAN_CYCLE, _("环节之间存在循环依赖"), field="steps", cycle=[*path, key]
            )
        state[key] = "active"
        for dep in by_key[key].depends_on:
            visit(dep, [*path, key])
        state[key] = "done"
        order.append(key)

    for key in keys:
        visit(key, [])
    return order


def critical_path_days(steps: list[PlannedStep]) -> int:
    """Working days from start to the end of the last step, parallel steps overlapping."""
    by_key = {s.key: s for s in steps}
    finish: dict[str, int] = {}
    for key in plan_order(steps):
        step = by_key[key]
        finish[key] = max((finish[d] for d in step.depends_on), default=0) + step.budget_days
    return max(finish.values(), default=0)


def stage_count(steps: list[PlannedStep]) -> int:
    """The stages the applicant waits through: the longest chain of steps that must follow one another
    (steps without an order between them run at the same time and make one stage)."""
    by_key = {s.key: s for s in steps}
    depth: dict[str, int] = {}
    for key in plan_order(steps):
        depth[key] = max((depth[d] for d in by_key[key].depends_on), default=0) + 1
    return max(depth.values(), default=0)


def bundle_figures(*, steps: list[PlannedStep], versions: list, materials_by_version: dict) -> dict:
    """The 双减半 figures of a plan over its item versions (each counted once)."""
    distinct = list({v.pk: v for v in versions}.values())
    legal_sequential = sum(v.legal_limit_days for v in distinct)
    promised = critical_path_days(steps)
    critical_stages = stage_count(steps)
    before = sum(len(materials_by_version[v.pk]) for v in distinct)
    merged = {}
    for v in distinct:
        for m in materials_by_version[v.pk]:
            merged.setdefault(m.key, m)
    obtained = {
        k
        for k, m in merged.items()
        if m.source in OBTAINED_BY_PLATFORM or m.source == MaterialSource.PLATFORM
    }
    after = len(merged) - len(obtained)
    time_ratio = promised / legal_sequential if legal_sequential else 0.0
    materials_ratio = after / before if before else 0.0
    return {
        "time": {
            "legal_sequential_days": legal_sequential,
            "promised_days": promised,
            "ratio": round(time_ratio, 4),
        },
        "materials": {
            "before": before,
            "merged": len(merged),
            "obtained_by_platform": len(obtained),
            "after": after,
            "ratio": round(materials_ratio, 4),
        },
        "visits": {
            "before": sum(v.visits for v in distinct),
            "after": max((v.visits for v in distinct), default=0),
        },
        "steps": len(steps),
        # Steps one after another item by item, vs the stages of the plan (parallel steps overlap).
        "stages": {"before": len(steps), "after": critical_stages},
        "departments": len({str(v.department_uuid) for v in distinct}),
        "items": [
            {
                "name": v.name,
                "legal_limit_days": v.legal_limit_days,
                "promised_limit_days": v.promised_limit_days,
                "ratio": round(v.promised_limit_days / v.legal_limit_days, 4) if v.legal_limit_days else 0.0,
            }
            for v in distinct
        ],
        "double_halving": bool(legal_sequential and before and time_ratio <= 0.5 and materials_ratio <= 0.5),
    }


@dataclass(frozen=True)
class Produced:
    """A result one step of the bundle yields that another step asks for: the e-licence of ``type_code``."""

    step_key: str
    step_name: str
    type_code: str


def produced_results(steps: Iterable[tuple[str, object]]) -> dict[str, Produced]:
    """The e-licences the bundle's own steps yield, by type code, from ``(step key, item version)`` pairs:
    what the bundle produces is not asked of the applicant (营业执照 in 开办企业)."""
    found: dict[str, Produced] = {}
    for key, version in steps:
        code = getattr(version, "result_licence_type_code", "")
        if code and code not in found:
            found[code] = Produced(key, getattr(version, "name", key), code)
    return found


def produced_fields(produced: Mapping[str, Produced]) -> set[str]:
    """The form fields the bundle fills in itself: the identifier of a holder one of its steps establishes
    (the USCC of the company the 营业执照 step registers)."""
    return {ESTABLISHING_LICENCE_TYPES[code] for code in produced if code in ESTABLISHING_LICENCE_TYPES}


def merge_forms(versions: list, produced: AbstractSet[str] = frozenset()) -> dict:
    """One application form for the bundle: the items' JSON Schemas merged by field key, so a field used by
    several items is asked once. Required when any item requires it. The same key with a different type or
    set of allowed values in two items is a catalog error, refused with both items named. Fields in
    ``produced`` (``produced_fields``) are left out: a step of the bundle fills them in."""
    properties: dict[str, dict] = {}
    owner: dict[str, str] = {}
    required: list[str] = []
    for v in {v.pk: v for v in versions}.values():
        schema = v.form_schema or {}
        for key, definition in (schema.get("properties") or {}).items():
            if key in produced:
                continue
            if key in properties:
                kept = properties[key]
                if (kept.get("type"), kept.get("enum"), kept.get("items")) != (
                    definition.get("type"),
                    definition.get("enum"),
                    definition.get("items"),
                ):
                    raise InvalidInput(
                        CatalogError.FORM_FIELD_CONFLICT,
                        _("同一表单字段在不同事项中的定义不一致"),
                        field="steps",
                        key=key,
                        items=[owner[key], v.name],
                    )
                continue
            properties[key], owner[key] = definition, v.name
        for key in schema.get("required") or ():
            if key not in required and key not in produced:
                required.append(key)
    return {"type": "object", "properties": properties, "required": required}


def merge_materials(
    versions: list, materials_by_version: dict, produced: Mapping[str, Produced] | None = None
) -> list[dict]:
    """One material list for the bundle: the same material (by key) asked once, required when any item
    requires it, with the items that need it; ``obtained`` when the platform gets it itself (licence
    library, shared data, or made by the platform) so the applicant brings nothing. A licence one of the
    bundle's steps yields (``produced``) is that step's result: ``produced_by`` names the step."""
    produced = produced or {}
    merged: dict[str, dict] = {}
    for v in {v.pk: v for v in versions}.values():
        for m in materials_by_version[v.pk]:
            entry = merged.get(m.key)
            if entry is None:
                entry = merged[m.key] = {
                    "key": m.key,
                    "name": m.name,
                    "required": m.required,
                    "source": m.source,
                    "licence_type_code": m.licence_type_code,
                    "shared_data_source": m.shared_data_source,
                    "obtained": m.source in OBTAINED_BY_PLATFORM or m.source == MaterialSource.PLATFORM,
                    "originals": m.originals,
                    "copies": m.copies,
                    "commitment_allowed": m.commitment_allowed,
                    "items": [v.name],
                }
                maker = produced.get(m.licence_type_code) if m.source == MaterialSource.LICENCE else None
                if (
                    maker is not None
                ):  # a step of the bundle yields it: nothing to bring, nothing to commit to
                    entry.update(
                        shared_data_source="",
                        obtained=True,
                        produced_by=maker.step_key,
                        produced_by_name=maker.step_name,
                        commitment_allowed=False,
                    )
                continue
            # Brought later on commitment only when every item that needs it allows that.
            entry["commitment_allowed"] = entry["commitment_allowed"] and m.commitment_allowed
            entry["required"] = entry["required"] or m.required
            entry["originals"] = max(entry["originals"], m.originals)
            entry["copies"] = max(entry["copies"], m.copies)
            if v.name not in entry["items"]:
                entry["items"].append(v.name)
    # What the applicant brings first, then what the platform obtains.
    return sorted(merged.values(), key=lambda e: e["obtained"])


def require_published(versions: list) -> None:
    unpublished = [v.name for v in versions if v.status != VersionStatus.PUBLISHED]
    if unpublished:
        raise InvalidInput(
            CatalogError.ITEM_NOT_PUBLISHED,
            _("一件事只能由已发布的事项组成"),
            field="steps",
            items=unpublished,
        )
