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


def item_search(query: str, *, limit: int = 20) -> list[ItemHit]:
    """The catalogue search the portal shows (records searches with no result)."""
    from tongban.catalog.services import catalog_search

    return [
        ItemHit(
            str(v.item.uuid),
            v.name,
            v.department_name,
            v.legal_limit_days,
            v.promised_limit_days,
            v.visits,
            v.online_depth,
            str(v.get_online_depth_display()),
        )
        for v in catalog_search(query=query)[:limit]
    ]


__all__ += ["ItemHit", "item_search"]
