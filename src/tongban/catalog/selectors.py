"""Reads of the published catalog."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from tongban.catalog.constants import OnlineDepth, VersionStatus
from tongban.catalog.models import Bundle, ItemVersion
from tongban.catalog.search import facet


def published_version_list() -> QuerySet[ItemVersion]:
    return (
        ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("item")
        .order_by("name", "id")
    )


@dataclass(frozen=True)
class Browse:
    """What a browse page or `GET /api/catalog/items` filters on; empty means any."""

    audience: str = ""  # person | organisation
    theme: str = ""
    department_uuids: tuple[str, ...] | None = None  # a department, or the departments of a district
    zero_visits: bool = False  # 零跑动
    fully_online: bool = False  # 全程网办 (online depth IV)


def published_version_browse(browse: Browse) -> QuerySet[ItemVersion]:
    qs = published_version_list()
    if browse.audience:
        qs = qs.filter(facets__contains=facet("audience", browse.audience))
    if browse.theme:
        qs = qs.filter(facets__contains=facet("theme", browse.theme))
    if browse.department_uuids is not None:
        qs = qs.filter(department_uuid__in=browse.department_uuids)
    if browse.zero_visits:
        qs = qs.filter(visits=0)
    if browse.fully_online:
        qs = qs.filter(online_depth=OnlineDepth.IV)
    return qs


def published_version_get(*, item_uuid) -> ItemVersion | None:
    return (
        ItemVersion.objects.filter(item__uuid=item_uuid, status=VersionStatus.PUBLISHED)
        .select_related("item")
        .prefetch_related("materials")
        .first()
    )


def featured_version_list(limit: int = 8) -> QuerySet[ItemVersion]:
    return (
        published_version_list()
        .filter(item__featured_rank__isnull=False)
        .order_by("item__featured_rank", "name")[:limit]
    )


def bundle_list_all() -> QuerySet[Bundle]:
    return Bundle.objects.order_by("name", "id").prefetch_related("steps__item_version__item")


def bundles_with_item(version: ItemVersion) -> QuerySet[Bundle]:
    return Bundle.objects.filter(steps__item_version=version).distinct().order_by("name")


def theme_counts() -> dict[str, list[tuple[str, int]]]:
    """The themes of published items with how many items each has: for persons and for organisations."""
    person: dict[str, int] = {}
    organisation: dict[str, int] = {}
    for pt, et in published_version_list().values_list("person_themes", "enterprise_themes"):
        for t in pt:
            person[t] = person.get(t, 0) + 1
        for t in et:
            organisation[t] = organisation.get(t, 0) + 1
    return {
        "person": sorted(person.items(), key=lambda kv: (-kv[1], kv[0])),
        "organisation": sorted(organisation.items(), key=lambda kv: (-kv[1], kv[0])),
    }


def department_counts() -> dict[str, int]:
    """Published items per implementing department uuid."""
    counts: dict[str, int] = {}
    for dept in published_version_list().values_list("department_uuid", flat=True):
        counts[str(dept)] = counts.get(str(dept), 0) + 1
    return counts


def time_stats(kind: str, target_uuid) -> dict | None:
    """Actual vs promised time of the concluded cases of an item or bundle (None before the first)."""
    from tongban.catalog.models import ServiceTimeStats

    row = ServiceTimeStats.objects.filter(target_kind=kind, target_uuid=target_uuid, concluded__gt=0).first()
    if row is None:
        return None
    average = row.actual_days_total / row.concluded
    promised = row.promised_days_total / row.concluded
    return {
        "concluded": row.concluded,
        "average_actual_days": round(average, 1),
        "average_promised_days": round(promised, 1),
        "ratio_pct": round(100 * average / promised) if promised else 0,
        "within_half_pct": round(100 * row.within_half / row.concluded),
        "within_promise_pct": round(100 * row.within_promise / row.concluded),
        "half_reached": 2 * row.actual_days_total <= row.promised_days_total,
    }
