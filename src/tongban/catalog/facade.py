"""The stable interface other contexts use for the catalogue."""


def demo_load_catalogue() -> int:
    from tongban.catalog.demo import demo_load_catalogue as load

    return load()


__all__ = ["demo_load_catalogue"]


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
    """The catalogue search the portal shows (records searches with no result)."""
    from tongban.catalog.services import catalog_search

    return [_hit(v) for v in catalog_search(query=query)[:limit]]


def featured_items(limit: int = 8) -> list[ItemHit]:
    """The popular items the catalogue admins chose for the home page, in their order."""
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

    counts = cache.get_or_set("catalog:theme_counts", theme_counts, 60)
    return {k: v[:limit] for k, v in counts.items()}


__all__ += ["BundleCard", "ItemHit", "bundle_cards", "featured_items", "item_search", "themes"]
