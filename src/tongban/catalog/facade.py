"""The stable interface other contexts use for the catalog."""


def demo_load_catalog() -> int:
    from tongban.catalog.demo import demo_load_catalog as load

    return load()


__all__ = ["demo_load_catalog"]


import threading  # noqa: E402
import uuid as uuid_module  # noqa: E402
from collections.abc import Iterable  # noqa: E402
from dataclasses import dataclass  # noqa: E402


@dataclass(frozen=True)
class ItemHit:
    uuid: str
    name: str
    department_name: str
    legal_limit_days: int
    promised_limit_days: int
    visits: int
    online_depth: int
    online_depth_label: str


def _hit(v) -> ItemHit:
    return ItemHit(
        str(v.item.uuid),
        v.name,
        v.department_name,
        v.legal_limit_days,
        v.promised_limit_days,
        v.visits,
        v.online_depth,
        str(v.get_online_depth_display()),
    )


def item_search(query: str, *, limit: int = 20) -> list[ItemHit]:
    """The catalog search the portal shows (records searches with no result)."""
    from tongban.catalog.services import catalog_search

    return [_hit(v) for v in catalog_search(query=query)[:limit]]


def featured_items(limit: int = 8) -> list[ItemHit]:
    """The popular items the catalog admins chose for the home page, in their order."""
    from tongban.catalog.selectors import featured_version_list

    return [_hit(v) for v in featured_version_list(limit)]


@dataclass(frozen=True)
class BundleCard:
    uuid: str
    name: str
    theme: str
    lead_department_name: str
    steps: int
    departments: int
    legal_sequential_days: int
    promised_days: int
    materials_before: int
    materials_after: int
    double_halving: bool


def _card(b) -> BundleCard:
    f = b.figures
    return BundleCard(
        str(b.uuid),
        b.name,
        b.theme,
        b.lead_department_name,
        f["steps"],
        f["departments"],
        f["time"]["legal_sequential_days"],
        f["time"]["promised_days"],
        f["materials"]["before"],
        f["materials"]["after"],
        f["double_halving"],
    )


def bundle_cards(query: str = "") -> list[BundleCard]:
    """Every bundle (一件事), or those matching ``query`` best first."""
    from tongban.catalog.models import Bundle
    from tongban.catalog.search import search_bundles

    bundles = search_bundles(query) if query.strip() else Bundle.objects.order_by("name")
    return [_card(b) for b in bundles]


def themes(limit: int = 8) -> dict[str, list[tuple[str, int]]]:
    """The most used themes of published items, for persons and for organisations, with item counts.
    Cached for a minute: the home page shows them on every request."""
    from django.core.cache import cache

    from tongban.catalog.selectors import theme_counts

    counts = cache.get_or_set("catalog:theme_counts", theme_counts, 60) or {}
    return {k: v[:limit] for k, v in counts.items()}


__all__ += ["BundleCard", "ItemHit", "bundle_cards", "featured_items", "item_search", "themes"]


# --- what the cases context needs to take an application --------------------------------------------------
@dataclass(frozen=True)
class PlanStep:
    key: str
    name: str
    department_uuid: str
    department_name: str
    budget_days: int
    depends_on: tuple[str, ...]
    implementation_code: str
    version_number: int
    result_licence_type_code: str = ""  # the e-licence type the step's item yields, if any
    result_kind: str = ""  # ResultKind: licence | approval_document | filing | electronic_seals | other
    result_name: str = ""  # what the applicant receives (办理结果名称)


@dataclass(frozen=True)
class MaterialSpec:
    key: str
    name: str
    required: bool
    source: str  # upload | licence | shared_data | platform
    licence_type_code: str
    shared_data_source: str
    obtained: bool  # the platform obtains it: the applicant brings nothing
    commitment_allowed: bool = False  # 容缺受理: may be brought later on a signed commitment
    produced_by: str = ""  # the key of the bundle's step whose result this is (营业执照 in 开办企业)
    produced_by_name: str = ""


@dataclass(frozen=True)
class ApplicationTarget:
    """A published item or a bundle as an application sees it: one form, one material list, one plan."""

    kind: str  # item | bundle
    uuid: str
    name: str
    lead_department_uuid: str
    lead_department_name: str
    promised_days: int
    legal_days: int
    immediate: bool  # 即办件: due the same day
    required_assurance_level: int
    audience: frozenset[str]  # person | organisation
    form_schema: dict
    materials: tuple[MaterialSpec, ...]
    steps: tuple[PlanStep, ...]


def _obtained(source: str, exempt: bool = True) -> bool:
    from tongban.catalog.constants import MaterialSource

    return source == MaterialSource.PLATFORM or (
        source in (MaterialSource.LICENCE, MaterialSource.SHARED_DATA) and exempt
    )


_targets: dict[tuple[str, str], ApplicationTarget | None] = {}
_targets_token: str | None = None
_targets_lock = threading.Lock()
_TARGETS_MAX = 2048


def application_target(kind: str, target_uuid) -> ApplicationTarget | None:
    """The published item (its current version) or bundle to apply for; None when there is none.

    Kept in the process for as long as the catalog token stays the same (it changes on every publish,
    retirement, import and new bundle: see ``search.catalog_changed``), so an application reads the
    catalog from the database only the first time a process sees the target."""
    global _targets_token
    from tongban.catalog.search import catalog_token

    try:
        key = (kind, str(uuid_module.UUID(str(target_uuid))))
    except ValueError:
        return None
    token = catalog_token()
    with _targets_lock:
        if _targets_token != token:
            _targets.clear()
            _targets_token = token
        if key in _targets:
            return _targets[key]
    target = _application_target_load(kind, key[1])
    with _targets_lock:
        if _targets_token == token and len(_targets) < _TARGETS_MAX:
            _targets[key] = target
    return target


def _application_target_load(kind: str, target_uuid: str) -> ApplicationTarget | None:
    from tongban.catalog.constants import CaseType, audiences_of
    from tongban.catalog.models import Bundle
    from tongban.catalog.selectors import published_version_get

    if kind == "item":
        v = published_version_get(item_uuid=target_uuid)
        if v is None:
            return None
        return ApplicationTarget(
            kind="item",
            uuid=str(v.item.uuid),
            name=v.name,
            lead_department_uuid=str(v.department_uuid),
            lead_department_name=v.department_name,
            promised_days=v.promised_limit_days,
            legal_days=v.legal_limit_days,
            immediate=v.case_type == CaseType.IMMEDIATE,
            required_assurance_level=v.required_assurance_level,
            audience=frozenset(audiences_of(v.service_objects)),
            form_schema=v.form_schema or {"type": "object", "properties": {}},
            materials=tuple(
                MaterialSpec(
                    m.key,
                    m.name,
                    m.required,
                    m.source,
                    m.licence_type_code,
                    m.shared_data_source,
                    _obtained(m.source, m.exempt_when_obtainable),
                    m.commitment_allowed,
                )
                for m in v.materials.all()
            ),
            steps=(
                PlanStep(
                    "review",
                    v.name,
                    str(v.department_uuid),
                    v.department_name,
                    v.promised_limit_days,
                    (),
                    v.item.implementation_code,
                    v.number,
                    v.result_licence_type_code,
                    v.result_kind,
                    v.result_name,
                ),
            ),
        )
    if kind == "bundle":
        try:
            bundle = Bundle.objects.prefetch_related("steps__item_version__item").get(uuid=target_uuid)
        except (Bundle.DoesNotExist, ValueError):
            return None
        steps = list(bundle.steps.all())
        versions = [s.item_version for s in steps]
        return ApplicationTarget(
            kind="bundle",
            uuid=str(bundle.uuid),
            name=bundle.name,
            lead_department_uuid=str(bundle.lead_department_uuid),
            lead_department_name=bundle.lead_department_name,
            promised_days=bundle.figures["time"]["promised_days"],
            legal_days=bundle.figures["time"]["legal_sequential_days"],
            immediate=False,
            required_assurance_level=max(v.required_assurance_level for v in versions),
            # Anyone one of its items serves may apply (开办企业: the founder, before the company exists).
            audience=frozenset().union(*(audiences_of(v.service_objects) for v in versions)),
            form_schema=bundle.form_schema,
            materials=tuple(
                MaterialSpec(
                    m["key"],
                    m["name"],
                    m["required"],
                    m["source"],
                    m.get("licence_type_code", ""),
                    m.get("shared_data_source", ""),
                    m["obtained"],
                    m.get("commitment_allowed", False),
                    m.get("produced_by", ""),
                    m.get("produced_by_name", ""),
                )
                for m in bundle.materials
            ),
            steps=tuple(
                PlanStep(
                    s.key,
                    s.name,
                    str(s.department_uuid),
                    s.department_name,
                    s.budget_days,
                    tuple(s.depends_on),
                    s.item_version.item.implementation_code,
                    s.item_version.number,
                    s.item_version.result_licence_type_code,
                    s.item_version.result_kind,
                    s.item_version.result_name,
                )
                for s in steps
            ),
        )
    return None


from tongban.catalog.constants import ESTABLISHING_LICENCE_TYPES  # noqa: E402  (what a step establishes)

__all__ += [
    "ESTABLISHING_LICENCE_TYPES",
    "ApplicationTarget",
    "MaterialSpec",
    "PlanStep",
    "application_target",
]


def record_conclusion(*, target_kind: str, target_uuid, promised_days: int, actual_days: int) -> None:
    """Count a concluded case into its item's or bundle's actual-vs-promised figures (in the caller's
    transaction; one row per target, updated with F expressions so concurrent conclusions add up)."""
    from django.db.models import F

    from tongban.catalog.models import ServiceTimeStats

    row, _created = ServiceTimeStats.objects.get_or_create(target_kind=target_kind, target_uuid=target_uuid)
    ServiceTimeStats.objects.filter(pk=row.pk).update(
        concluded=F("concluded") + 1,
        actual_days_total=F("actual_days_total") + actual_days,
        promised_days_total=F("promised_days_total") + promised_days,
        within_half=F("within_half") + (1 if 2 * actual_days <= promised_days else 0),
        within_promise=F("within_promise") + (1 if actual_days <= promised_days else 0),
    )


def record_conclusions(rows: Iterable[tuple[str, str, int, int]]) -> None:
    """Many concluded cases at once, as :func:`record_conclusion` counts each: ``(target kind, target uuid,
    promised days, actual days)`` rows, one update per target (the demo history's hundreds of cases)."""
    from django.db.models import F

    from tongban.catalog.models import ServiceTimeStats

    sums: dict[tuple[str, str], list[int]] = {}
    for kind, target_uuid, promised, actual in rows:
        row = sums.setdefault((kind, str(target_uuid)), [0, 0, 0, 0, 0])
        row[0] += 1
        row[1] += actual
        row[2] += promised
        row[3] += 1 if 2 * actual <= promised else 0
        row[4] += 1 if actual <= promised else 0
    for (kind, target_uuid), (n, actual, promised, half, within) in sums.items():
        stats, _created = ServiceTimeStats.objects.get_or_create(target_kind=kind, target_uuid=target_uuid)
        ServiceTimeStats.objects.filter(pk=stats.pk).update(
            concluded=F("concluded") + n,
            actual_days_total=F("actual_days_total") + actual,
            promised_days_total=F("promised_days_total") + promised,
            within_half=F("within_half") + half,
            within_promise=F("within_promise") + within,
        )


__all__ += ["record_conclusion", "record_conclusions"]


class ItemCodes:
    """What accounts asks the catalog when an authorisation names items (registered in apps.py)."""

    def unknown_item_codes(self, codes: list[str]) -> list[str]:
        """The implementation codes among ``codes`` that name no item with a published version."""
        from tongban.catalog.constants import VersionStatus
        from tongban.catalog.models import ServiceItem

        known = set(
            ServiceItem.objects.filter(
                implementation_code__in=set(codes), versions__status=VersionStatus.PUBLISHED
            ).values_list("implementation_code", flat=True)
        )
        return sorted(set(codes) - known)


__all__ += ["ItemCodes"]


@dataclass(frozen=True)
class ItemExchangeCodes:
    """The codes of one item version the exchange formats carry (GB/T 39046 表4)."""

    implementation_code: str
    version_number: int
    basic_code: str
    handle_item_code: str  # 业务办理项编码
    department_uscc: str
    case_type: str  # A.6 办件类型: 1 即办件, 2 承诺件, 9 其他


def item_exchange_codes(versions: Iterable[tuple[str, int]]) -> dict[tuple[str, int], ItemExchangeCodes]:
    """The codes of several item versions at once, by (implementation code, version number); unknown ones
    are left out. One query, whatever their number."""
    from tongban.catalog.models import ItemVersion

    wanted = {(str(code), int(number)) for code, number in versions}
    if not wanted:
        return {}
    rows = ItemVersion.objects.filter(item__implementation_code__in={c for c, _n in wanted}).values_list(
        "item__implementation_code",
        "number",
        "item__basic_code",
        "handle_item_code",
        "department_uscc",
        "case_type",
    )
    return {
        (code, number): ItemExchangeCodes(code, number, basic, handle, uscc, case_type)
        for code, number, basic, handle, uscc, case_type in rows
        if (code, number) in wanted
    }


__all__ += ["ItemExchangeCodes", "item_exchange_codes"]


def target_access_facts(targets: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, bool]]:
    """(visits, fully online) of items and bundles, by (kind, uuid): an item's published version's 到办事现场次数
    and whether its 网上办理深度 is Ⅳ 全程网办; a bundle's visits after bundling and whether all its items are
    fully online. Unknown targets are left out. For supervision's 零跑动 and 全程网办 shares."""
    from tongban.catalog.constants import OnlineDepth, VersionStatus
    from tongban.catalog.models import Bundle, ItemVersion

    wanted = {(k, str(u)) for k, u in targets}
    items = [u for k, u in wanted if k == "item"]
    bundles = [u for k, u in wanted if k == "bundle"]
    found: dict[tuple[str, str], tuple[int, bool]] = {}
    for item_uuid, visits, depth in ItemVersion.objects.filter(
        item__uuid__in=items, status=VersionStatus.PUBLISHED
    ).values_list("item__uuid", "visits", "online_depth"):
        found[("item", str(item_uuid))] = (visits, depth == OnlineDepth.IV)
    for bundle in Bundle.objects.filter(uuid__in=bundles).prefetch_related("steps__item_version"):
        depths = [s.item_version.online_depth for s in bundle.steps.all()]
        visits = (bundle.figures or {}).get("visits", {}).get("after", max((1 for _ in depths), default=0))
        found[("bundle", str(bundle.uuid))] = (
            visits,
            bool(depths) and all(d == OnlineDepth.IV for d in depths),
        )
    return found


__all__ += ["target_access_facts"]


# --- searches with no result, for supervision's blind-spot report (issue 19 §4) ---------------------------
@dataclass(frozen=True)
class SearchMissCount:
    """A query that found nothing, normalised (``key``: NFKC, white space collapsed, stripped, case-folded),
    with its most frequent spelling as typed (``query``) and how many searches in the period it was."""

    key: str
    query: str
    count: int


def search_miss_key(query: str) -> str:
    """The normalised form that groups searches: full-width letters and digits as ASCII (NFKC), runs of
    white space as one space, stripped, case-folded (``ＹＹＺＺ `` and ``yyzz`` are one query)."""
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", query or "").split()).casefold()


def search_misses_top(*, start, end, limit: int | None = None) -> list[SearchMissCount]:
    """The searches with no result recorded in [start, end) (aware datetimes), grouped by
    :func:`search_miss_key`, most frequent first (ties by the key). The database groups identical queries;
    the normalisation then merges what differs only in case, width or spacing."""
    from django.db.models import Count

    from tongban.catalog.models import SearchMiss

    rows = (
        SearchMiss.objects.filter(created_at__gte=start, created_at__lt=end)
        .values_list("query")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[str, int] = {}
    spellings: dict[str, dict[str, int]] = {}
    for query, n in rows:
        key = search_miss_key(query)
        if not key:
            continue
        counts[key] = counts.get(key, 0) + n
        shown = " ".join(query.split())
        spellings.setdefault(key, {})[shown] = spellings.setdefault(key, {}).get(shown, 0) + n
    found = [
        SearchMissCount(key, max(sorted(spellings[key]), key=lambda s: spellings[key][s]), n)
        for key, n in counts.items()
    ]
    found.sort(key=lambda m: (-m.count, m.key))
    return found[:limit] if limit is not None else found


__all__ += ["SearchMissCount", "search_miss_key", "search_misses_top"]


# --- the regional item catalogue (长三角通办事项目录) checks its entries against the local catalog ----------
@dataclass(frozen=True)
class LocalItemState:
    """An item of this catalog by its implementation code: whether a version of it is published (in force)
    and the name and page of that version (else of its latest version)."""

    implementation_code: str
    uuid: str
    published: bool
    name: str


def item_states(codes: Iterable[str]) -> dict[str, LocalItemState]:
    """The items among ``codes`` (implementation codes, 实施编码) that exist here; unknown codes are left out.
    Two queries, whatever their number."""
    from tongban.catalog.constants import VersionStatus
    from tongban.catalog.models import ItemVersion

    wanted = {str(c) for c in codes if c}
    if not wanted:
        return {}
    found: dict[str, LocalItemState] = {}
    rows = (
        ItemVersion.objects.filter(item__implementation_code__in=wanted)
        .order_by("item_id", "number")
        .values_list("item__implementation_code", "item__uuid", "status", "name")
    )
    for code, item_uuid, status, name in rows:
        published = status == VersionStatus.PUBLISHED
        seen = found.get(code)
        if seen is None or not seen.published:  # the published version wins, else the latest
            found[code] = LocalItemState(code, str(item_uuid), published, name)
    return found


__all__ += ["LocalItemState", "item_states"]
