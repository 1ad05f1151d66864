"""Comparing two versions of an item: which GB/T 39046 fields changed, which materials were added, removed
or changed (materials are matched by their key)."""

from __future__ import annotations

import json

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tongban.catalog.constants import HandlingForm, ServiceObject
from tongban.catalog.models import ItemVersion, Material
from tongban.catalog.services import MATERIAL_FIELDS, VERSION_FIELDS, _plain

# Lists of codes shown with their labels.
CODE_LABELS = {
    "handling_forms": dict(HandlingForm.choices),
    "service_objects": dict(ServiceObject.choices),
}
# Derived on save (search text, facets …) or identity: never a change someone made.
COMPARED_VERSION_FIELDS = [f for f in VERSION_FIELDS if ItemVersion._meta.get_field(f).editable]
COMPARED_MATERIAL_FIELDS = [f for f in MATERIAL_FIELDS if f != "key"]


def version_previous(version: ItemVersion) -> ItemVersion | None:
    """The version before this one (the one a new draft is copied from)."""
    return (
        ItemVersion.objects.filter(item_id=version.item_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )


def _display(field: models.Field, value) -> str:
    """A value as a person reads it: choice labels, 是/否, code lists with their labels, JSON as text."""
    if value is None or value == "":
        return ""
    if isinstance(field, models.BooleanField):
        return str(_("是") if value else _("否"))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.name in CODE_LABELS and isinstance(value, list):
        labels = CODE_LABELS[field.name]
        return "、".join(f"{code} {labels.get(code, '')}".strip() for code in value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "、".join(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)
    return str(_plain(value))


def _row(field_path: str, label, field: models.Field | None, before, after, change: str) -> dict:
    return {
        "field": field_path,
        "label": str(label),
        "before": before,
        "after": after,
        "before_display": _display(field, before) if field is not None else str(before or ""),
        "after_display": _display(field, after) if field is not None else str(after or ""),
        "change": change,
    }


def version_diff(old: ItemVersion, new: ItemVersion) -> list[dict]:
    """What changed from ``old`` to ``new``: one row per changed field, then one per material added or
    removed and one per changed field of a material kept. Rows: ``field`` (``name``, ``materials.<key>`` or
    ``materials.<key>.<field>``), ``label`` (the verbose name), ``before``, ``after`` (JSON-plain values),
    ``before_display``, ``after_display`` (as shown to people) and ``change`` (changed | added | removed)."""
    rows = []
    for name in COMPARED_VERSION_FIELDS:
        field = ItemVersion._meta.get_field(name)
        before, after = _plain(getattr(old, name)), _plain(getattr(new, name))
        if before != after:
            rows.append(_row(name, field.verbose_name, field, before, after, "changed"))

    old_materials = {m.key: m for m in old.materials.all()}
    new_materials = {m.key: m for m in new.materials.all()}
    for key, m in new_materials.items():
        if key not in old_materials:
            label = format_lazy(_("申请材料「{name}」"), name=m.name)
            rows.append(_row(f"materials.{key}", label, None, None, m.name, "added"))
    for key, m in old_materials.items():
        if key not in new_materials:
            label = format_lazy(_("申请材料「{name}」"), name=m.name)
            rows.append(_row(f"materials.{key}", label, None, m.name, None, "removed"))
    for key, m in new_materials.items():
        before_material = old_materials.get(key)
        if before_material is None:
            continue
        for name in COMPARED_MATERIAL_FIELDS:
            field = Material._meta.get_field(name)
            before, after = _plain(getattr(before_material, name)), _plain(getattr(m, name))
            if before != after:
                verbose = field.verbose_name if name != "order" else _("顺序")
                label = format_lazy(_("申请材料「{name}」：{field}"), name=m.name, field=verbose)
                rows.append(_row(f"materials.{key}.{name}", label, field, before, after, "changed"))
    return rows
