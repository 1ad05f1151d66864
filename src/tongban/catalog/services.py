"""Every write to the catalog: drafts, publishing (with the quality rules), retiring, import."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import (
    organisation_info,
    organisations_by_uscc,
    organisations_info,
)
from tongban.catalog.constants import VersionStatus
from tongban.catalog.errors import CatalogError, ImportRefused, NotADraft, QualityRulesFailed
from tongban.catalog.locks import lock_item
from tongban.catalog.models import Bundle, ItemVersion, Material, ServiceItem
from tongban.catalog.quality import quality_check
from tongban.catalog.search import catalog_changed, facets_for, search_text_for
from tongban.core.actors import Actor
from tongban.core.audit import audit_record
from tongban.core.errors import Conflict, InvalidInput

# Version fields copied between versions and exported (everything but identity and lifecycle).
VERSION_FIELDS = [
    f.name
    for f in ItemVersion._meta.get_fields()
    if getattr(f, "concrete", False)
    and f.name
    not in {
        "id",
        "uuid",
        "item",
        "number",
        "status",
        "search_text",
        "facets",
        "created_at",
        "published_at",
        "retired_at",
    }
]
MATERIAL_FIELDS = [
    f.name
    for f in Material._meta.get_fields()
    if getattr(f, "concrete", False) and f.name not in {"id", "version"}
]


def _department(department_uuid) -> dict:
    info = organisation_info(department_uuid)
    if info is None or info.kind != "department":
        raise InvalidInput(
            CatalogError.INVALID_DEPARTMENT, _("实施主体须为已登记的部门"), field="department_uuid"
        )
    return {"department_uuid": info.uuid, "department_name": info.name, "department_uscc": info.uscc}


def _published_changed() -> None:
    """The published catalog changed: search indexes are rebuilt now (this transaction sees the change)
    and again after commit (other processes may have rebuilt from the old rows meanwhile)."""
    catalog_changed()
    transaction.on_commit(catalog_changed)


def version_save(version: ItemVersion) -> None:
    """Save a draft's fields with what is derived from them: the search text and the browse facets. A
    published or retired version never changes (only its lifecycle fields, saved by name): a draft only."""
    if version.status != VersionStatus.DRAFT:
        raise NotADraft()
    version.search_text = search_text_for(version)
    version.facets = facets_for(version)
    version.save()


@transaction.atomic
def item_create(
    *, actor: Actor | None, implementation_code: str, basic_code: str, fields: dict, materials=()
) -> ItemVersion:
    """A new item with its first draft."""
    if ServiceItem.objects.filter(implementation_code=implementation_code).exists():
        raise Conflict(CatalogError.ITEM_EXISTS, _("该实施编码已存在"), field="implementation_code")
    item = ServiceItem.objects.create(implementation_code=implementation_code, basic_code=basic_code)
    version = ItemVersion(item=item, number=1, **{**fields, **_department(fields["department_uuid"])})
    version.full_clean(exclude=["item"])
    version_save(version)
    for order, material in enumerate(materials):
        Material.objects.create(version=version, order=order, **material)
    audit_record(
        actor=actor,
        action="catalog.item_create",
        object_type="item_version",
        object_id=version.uuid,
        after={"implementation_code": implementation_code, "name": version.name},
    )
    return version


@transaction.atomic
def version_update_draft(*, actor: Actor | None, version: ItemVersion, fields: dict) -> ItemVersion:
    lock_item(version.item)
    version = ItemVersion.objects.get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise NotADraft()
    unknown = set(fields) - set(VERSION_FIELDS)
    if unknown:
        raise InvalidInput(CatalogError.UNKNOWN_FIELDS, _("未知字段"), fields=sorted(unknown))
    if "department_uuid" in fields:
        fields = {**fields, **_department(fields["department_uuid"])}
    before = {k: _plain(getattr(version, k)) for k in fields}
    for key, value in fields.items():
        setattr(version, key, value)
    version.full_clean(exclude=["item"])
    version_save(version)
    audit_record(
        actor=actor,
        action="catalog.draft_update",
        object_type="item_version",
        object_id=version.uuid,
        before=before,
        after={k: _plain(v) for k, v in fields.items()},
    )
    return version


@transaction.atomic
def version_publish(*, actor: Actor | None, version: ItemVersion) -> ItemVersion:
    """Publish a draft after the quality rules; the previously published version is retired."""
    lock_item(version.item)
    version = ItemVersion.objects.get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise NotADraft()
    violations = quality_check(version, list(version.materials.all()))
    if violations:
        raise QualityRulesFailed(violations=[v.as_dict() for v in violations])
    now = timezone.now()
    previous = ItemVersion.objects.filter(item_id=version.item_id, status=VersionStatus.PUBLISHED).first()
    if previous is not None:
        previous.status, previous.retired_at = VersionStatus.RETIRED, now
        previous.save(update_fields=["status", "retired_at"])
    version.status, version.published_at = VersionStatus.PUBLISHED, now
    version.save(update_fields=["status", "published_at"])
    _published_changed()
    audit_record(
        actor=actor,
        action="catalog.publish",
        object_type="item_version",
        object_id=version.uuid,
        after={"number": version.number, "retired": previous.number if previous else None},
    )
    return version


@transaction.atomic
def version_new_draft(*, actor: Actor | None, item: ServiceItem) -> ItemVersion:
    """A new draft copied from the latest version (editing a published item starts here)."""
    item = lock_item(item)
    if item.versions.filter(status=VersionStatus.DRAFT).exists():
        raise Conflict(CatalogError.DRAFT_EXISTS, _("该事项已有草稿"))
    latest = item.versions.order_by("-number").first()
    if latest is None:  # an item is made with its first version
        raise Conflict(CatalogError.ITEM_NOT_PUBLISHED, _("该事项没有任何版本"))
    draft = ItemVersion(
        item=item, number=latest.number + 1, **{f: getattr(latest, f) for f in VERSION_FIELDS}
    )
    version_save(draft)
    for material in latest.materials.all():
        Material.objects.create(version=draft, **{f: getattr(material, f) for f in MATERIAL_FIELDS})
    audit_record(
        actor=actor,
        action="catalog.new_draft",
        object_type="item_version",
        object_id=draft.uuid,
        after={"from": latest.number, "number": draft.number},
    )
    return draft


@transaction.atomic
def version_retire(*, actor: Actor | None, version: ItemVersion) -> ItemVersion:
    lock_item(version.item)
    version = ItemVersion.objects.get(pk=version.pk)
    if version.status != VersionStatus.PUBLISHED:
        raise Conflict(CatalogError.NOT_PUBLISHED, _("只有已发布的版本可以废止"))
    version.status, version.retired_at = VersionStatus.RETIRED, timezone.now()
    version.save(update_fields=["status", "retired_at"])
    _published_changed()
    audit_record(actor=actor, action="catalog.retire", object_type="item_version", object_id=version.uuid)
    return version


def _plain(value):
    """A model value as JSON: decimals and UUIDs as strings, files as their stored names."""
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    return value


# --- import and export ---------------------------------------------------------------------------
FORMAT = "tongban-catalog"
# 1: items, versions and materials; 2 adds each item's home-page rank and the bundles (一件事). Both load.
FORMAT_VERSION = 2
FORMAT_VERSIONS_READ = (1, 2)


def catalog_export() -> dict:
    """The whole catalog as JSON: every item (with its home-page rank), every version (with status and
    dates), every material, and every bundle's plan (its steps name item versions by implementation code
    and version number; its combined form, merged materials and figures are computed again on import)."""
    items = []
    qs = ServiceItem.objects.order_by("implementation_code").prefetch_related("versions__materials")
    for item in qs:
        versions = []
        for v in sorted(item.versions.all(), key=lambda v: v.number):
            versions.append(
                {
                    "number": v.number,
                    "status": v.status,
                    "published_at": v.published_at.isoformat() if v.published_at else None,
                    "retired_at": v.retired_at.isoformat() if v.retired_at else None,
                    **{f: _plain(getattr(v, f)) for f in VERSION_FIELDS},
                    "materials": [
                        {f: _plain(getattr(m, f)) for f in MATERIAL_FIELDS} for m in v.materials.all()
                    ],
                }
            )
        items.append(
            {
                "implementation_code": item.implementation_code,
                "basic_code": item.basic_code,
                "featured_rank": item.featured_rank,
                "versions": versions,
            }
        )
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "items": items, "bundles": _bundles_export()}


def _bundles_export() -> list[dict]:
    bundles = list(Bundle.objects.order_by("name", "id").prefetch_related("steps__item_version__item"))
    leads = organisations_info({b.lead_department_uuid for b in bundles})
    out = []
    for b in bundles:
        lead = leads.get(str(b.lead_department_uuid))
        out.append(
            {
                "name": b.name,
                "theme": b.theme,
                "audience": b.audience,
                "description": b.description,
                "keywords": b.keywords,
                "delivery_methods": b.delivery_methods,
                "lead_department_uuid": str(b.lead_department_uuid),
                "lead_department_name": b.lead_department_name,
                "lead_department_uscc": lead.uscc if lead else "",
                "steps": [
                    {
                        "key": s.key,
                        "name": s.name,
                        "implementation_code": s.item_version.item.implementation_code,
                        "version": s.item_version.number,
                        "budget_days": s.budget_days,
                        "depends_on": s.depends_on,
                    }
                    for s in b.steps.all()
                ],
            }
        )
    return out


@transaction.atomic
def catalog_import(*, actor: Actor | None, data: dict, map_departments: bool = False) -> dict:
    """Load an exported catalog. Items already present (same implementation code) are skipped whole, and
    so are bundles already present (same name), so a re-run is safe; a bad file changes nothing.

    Departments have a different uuid in every environment but the same USCC (实施主体代码). With
    ``map_departments`` each version's department and each bundle's lead department is found by its USCC
    among this environment's departments and its uuid and name are taken from there (moving a catalog
    between environments or regions). Without it the uuids are kept as they are (the exact round trip
    within one environment), and must name departments of this environment.

    Bundles are made after the items with ``bundle_create`` (their plan is checked and their figures
    computed here); a step finds its item version by implementation code and version number, among the
    items of the file or those already here, and it must be published."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportRefused(reason="not a tongban catalog export")
    if data.get("format_version", 1) not in FORMAT_VERSIONS_READ:
        raise ImportRefused(
            reason=f"format_version {data.get('format_version')!r}: this version of Tongban reads "
            f"{', '.join(map(str, FORMAT_VERSIONS_READ))}"
        )
    counts = {"created": 0, "skipped": 0, "bundles_created": 0, "bundles_skipped": 0}
    try:
        entries = []
        for entry in data["items"]:
            if ServiceItem.objects.filter(implementation_code=entry["implementation_code"]).exists():
                counts["skipped"] += 1
            else:
                entries.append(entry)
        bundles = _new_bundles(data.get("bundles", []), counts)
        department_of = _import_departments(entries, bundles, map_departments=map_departments)
        for entry in entries:
            _import_item(entry, department_of)
            counts["created"] += 1
        for raw in bundles:
            _import_bundle(actor, raw, department_of)
            counts["bundles_created"] += 1
    except ValidationError as exc:
        raise ImportRefused(reason="; ".join(exc.messages)[:200]) from exc
    except (KeyError, TypeError, ValueError, AttributeError, IntegrityError) as exc:
        raise ImportRefused(reason=str(exc)[:200]) from exc
    audit_record(
        actor=actor,
        action="catalog.import",
        object_type="catalog",
        after={**counts, "map_departments": map_departments},
    )
    _published_changed()
    return counts


def _new_bundles(bundles: list[dict], counts: dict) -> list[dict]:
    """The bundles of the file not yet here (by name); a name the file gives twice is refused."""
    names = [raw["name"] for raw in bundles]
    twice = sorted(name for name, n in Counter(names).items() if n > 1)
    if twice:
        raise ImportRefused(reason=f"bundle names given twice: {', '.join(twice)}"[:200])
    present = set(Bundle.objects.filter(name__in=names).values_list("name", flat=True))
    counts["bundles_skipped"] = sum(name in present for name in names)
    return [raw for raw in bundles if raw["name"] not in present]


def _import_item(entry: dict, department_of) -> None:
    item = ServiceItem(
        implementation_code=entry["implementation_code"],
        basic_code=entry["basic_code"],
        featured_rank=entry.get("featured_rank"),
    )
    item.full_clean(validate_unique=False)  # a code given twice in the file fails on the unique index
    item.save()
    for raw in entry["versions"]:
        fields = {f: raw[f] for f in VERSION_FIELDS}
        fields["fee_amount"] = Decimal(raw["fee_amount"]) if raw["fee_amount"] is not None else None
        fields.update(department_of(raw["department_uuid"], raw.get("department_uscc")))
        version = ItemVersion(item=item, number=raw["number"], status=VersionStatus.DRAFT, **fields)
        version.full_clean(exclude=["item"])
        version_save(version)
        for material in raw["materials"]:
            Material.objects.create(version=version, **material)
        if raw["status"] != VersionStatus.DRAFT:
            version.status = raw["status"]
            version.published_at = raw["published_at"]
            version.retired_at = raw["retired_at"]
            version.save(update_fields=["status", "published_at", "retired_at"])


def _import_bundle(actor: Actor | None, raw: dict, department_of) -> None:
    lead = department_of(raw["lead_department_uuid"], raw.get("lead_department_uscc"))
    steps = []
    for step in raw["steps"]:
        code, number = step["implementation_code"], step["version"]
        version = ItemVersion.objects.filter(item__implementation_code=code, number=number).first()
        if version is None:
            raise ImportRefused(
                reason=f"bundle {raw['name']}: step {step['key']} names {code} version {number}, "
                "which is neither in the file nor here"[:200],
                bundle=raw["name"],
            )
        steps.append({**step, "item_version": str(version.uuid)})
    try:
        bundle_create(
            actor=actor,
            name=raw["name"],
            theme=raw["theme"],
            audience=raw["audience"],
            lead_department_uuid=lead.get("department_uuid", raw["lead_department_uuid"]),
            steps=steps,
            description=raw["description"],
            keywords=raw["keywords"],
            delivery_methods=raw["delivery_methods"],
        )
    except InvalidInput as exc:  # the plan does not hold here (an unpublished step, a cycle …)
        raise ImportRefused(
            reason=f"bundle {raw['name']}: {exc.message}"[:200], bundle=raw["name"], error=exc.code
        ) from exc


def _import_departments(entries: list[dict], bundles: list[dict], *, map_departments: bool):
    """Check every version's department and every bundle's lead department against this environment
    before anything is written; returns a function giving the department fields of a (uuid, USCC) the file
    names. Every problem is listed in one refusal."""
    refs = [
        ("item", entry["implementation_code"], raw["department_uuid"], raw.get("department_uscc"))
        for entry in entries
        for raw in entry["versions"]
    ] + [("bundle", b["name"], b["lead_department_uuid"], b.get("lead_department_uscc")) for b in bundles]
    if not map_departments:
        wanted = {str(UUID(str(uuid))) for _kind, _label, uuid, _uscc in refs}
        known = {u for u, info in organisations_info(wanted).items() if info.kind == "department"}
        unknown = sorted(wanted - known)
        if unknown:
            raise ImportRefused(
                message=format_lazy(
                    _("这些实施主体不是本环境的部门：{uuids}。从其他环境导入时请按统一社会信用代码对应部门"),
                    uuids="、".join(unknown),
                ),
                unknown_departments=unknown,
            )
        return lambda uuid, uscc: {}

    def clean(uscc) -> str:
        return str(uscc or "").strip().upper()

    without_uscc = {
        kind: sorted({label for k, label, _uuid, uscc in refs if k == kind and not clean(uscc)})
        for kind in ("item", "bundle")
    }
    usccs = {clean(uscc) for *_rest, uscc in refs} - {""}
    found = organisations_by_uscc(usccs, kind="department")
    unknown = sorted(usccs - set(found))
    ambiguous = sorted(uscc for uscc, infos in found.items() if len(infos) > 1)
    if without_uscc["item"] or without_uscc["bundle"] or unknown or ambiguous:
        problems = []
        if unknown:
            problems.append(
                format_lazy(_("本环境没有统一社会信用代码为 {usccs} 的部门"), usccs="、".join(unknown))
            )
        if ambiguous:
            problems.append(
                format_lazy(_("本环境有多个部门使用统一社会信用代码 {usccs}"), usccs="、".join(ambiguous))
            )
        if without_uscc["item"]:
            problems.append(
                format_lazy(
                    _("这些事项的实施主体没有统一社会信用代码：{codes}"),
                    codes="、".join(without_uscc["item"]),
                )
            )
        if without_uscc["bundle"]:
            problems.append(
                format_lazy(
                    _("这些一件事的牵头部门没有统一社会信用代码：{names}"),
                    names="、".join(without_uscc["bundle"]),
                )
            )
        raise ImportRefused(
            message="；".join(str(p) for p in problems),
            unknown_usccs=unknown,
            ambiguous_usccs=ambiguous,
            items_without_uscc=without_uscc["item"],
            bundles_without_uscc=without_uscc["bundle"],
        )

    def department_of(_uuid, uscc) -> dict:
        info = found[clean(uscc)][0]
        return {"department_uuid": info.uuid, "department_name": info.name, "department_uscc": info.uscc}

    return department_of


def catalog_search(*, query: str, within=None):
    """Search the published catalog; a search that finds nothing is recorded for the blind-spot report
    (only when nothing narrowed it: an empty browse filter is not a blind spot)."""
    from tongban.catalog.models import SearchMiss
    from tongban.catalog.search import search_bundles, search_published

    found = search_published(query, within=within)
    if not found and within is None and not search_bundles(query):
        SearchMiss.objects.create(query=query.strip()[:200])
    return found


# --- bundles (一件事) -------------------------------------------------------------------------------
@transaction.atomic
def bundle_create(
    *,
    actor: Actor | None,
    name: str,
    theme: str,
    audience: str,
    lead_department_uuid,
    steps: list[dict],
    description: str = "",
    keywords: Sequence[str] = (),
    delivery_methods: Sequence[str] = ("online", "window", "courier"),
):
    """A bundle with its plan; the plan is validated and the 双减半 figures computed and stored.

    ``steps``: ``[{"key", "name", "item_version": <version uuid>, "budget_days"?, "depends_on"?}]``; a step's
    department is its item's, its budget defaults to the item's promised limit. The combined form (fields
    merged by key), the merged material list and the figures are computed here and stored."""
    from tongban.catalog.bundles import (
        PlannedStep,
        bundle_figures,
        merge_forms,
        merge_materials,
        plan_order,
        produced_fields,
        produced_results,
        require_published,
    )
    from tongban.catalog.constants import DeliveryMethod
    from tongban.catalog.models import Bundle, BundleStep
    from tongban.catalog.search import bundle_search_text

    if not steps:
        raise InvalidInput(CatalogError.EMPTY_PLAN, _("一件事至少要有一个环节"), field="steps")
    delivery_methods = list(dict.fromkeys(delivery_methods))
    if not delivery_methods or set(delivery_methods) - set(DeliveryMethod.values):
        raise InvalidInput(
            CatalogError.INVALID_DELIVERY,
            _("结果送达方式无效"),
            field="delivery_methods",
            allowed=DeliveryMethod.values,
        )
    lead = _department(lead_department_uuid)
    versions = {
        str(v.uuid): v
        for v in ItemVersion.objects.filter(uuid__in=[s.get("item_version") for s in steps]).prefetch_related(
            "materials"
        )
    }
    planned, rows = [], []
    for order, raw in enumerate(steps):
        version = versions.get(str(raw.get("item_version")))
        if version is None:
            raise InvalidInput(
                CatalogError.UNKNOWN_ITEM_VERSION,
                _("环节引用的事项版本不存在"),
                field="steps",
                step=raw.get("key"),
            )
        budget = int(raw.get("budget_days", version.promised_limit_days))
        depends = tuple(raw.get("depends_on", ()))
        planned.append(PlannedStep(key=raw["key"], budget_days=budget, depends_on=depends))
        rows.append((order, raw, version, budget, depends))
    plan_order(planned)
    require_published([r[2] for r in rows])
    ordered_versions = [r[2] for r in rows]
    materials_by_version = {v.pk: list(v.materials.all()) for v in versions.values()}
    produced = produced_results((r[1]["key"], r[2]) for r in rows)
    bundle = Bundle(
        name=name,
        theme=theme,
        audience=audience,
        lead_department_uuid=lead["department_uuid"],
        lead_department_name=lead["department_name"],
        description=description,
        keywords=list(keywords),
        delivery_methods=delivery_methods,
        form_schema=merge_forms(ordered_versions, produced_fields(produced)),
        materials=merge_materials(ordered_versions, materials_by_version, produced),
    )
    bundle.search_text = bundle_search_text(bundle)
    bundle.save()
    for order, raw, version, budget, depends in rows:
        BundleStep.objects.create(
            bundle=bundle,
            key=raw["key"],
            name=raw.get("name") or version.name,
            item_version=version,
            department_uuid=version.department_uuid,
            department_name=version.department_name,
            budget_days=budget,
            depends_on=list(depends),
            order=order,
        )
    bundle.figures = bundle_figures(
        steps=planned, versions=ordered_versions, materials_by_version=materials_by_version
    )
    bundle.save(update_fields=["figures"])
    _published_changed()  # the guides of its items now list it
    audit_record(
        actor=actor,
        action="catalog.bundle_create",
        object_type="bundle",
        object_id=bundle.uuid,
        after={"name": name, "figures": bundle.figures["time"]},
    )
    return bundle
