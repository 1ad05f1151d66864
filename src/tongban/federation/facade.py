"""What other contexts (the portal) and the project's wiring use of the federation."""

from __future__ import annotations

from dataclasses import dataclass

from tongban.federation import trust


@dataclass(frozen=True)
class RegionMember:
    code: str
    name: str
    name_en: str
    base_url: str


PORTAL_CACHE_KEY = "federation:portal"
PORTAL_CACHE_SECONDS = 60


def _portal_state() -> dict:
    """What the portal shows of the region (its other members, the newest catalogue quarter), kept in the
    cache for a minute (and dropped when a trust list or a catalogue version is accepted): the home page reads
    no federation table once warm."""
    from django.core.cache import cache

    state = cache.get(PORTAL_CACHE_KEY)
    if state is None:
        from tongban.federation.models import CatalogueVersion, TrustList

        row = TrustList.objects.order_by("-version").first()
        snapshot = trust._snapshot(row.payload) if row is not None else None
        members = (
            [RegionMember(m.code, m.name, m.name_en, m.base_url) for m in snapshot.others()]
            if snapshot
            else []
        )
        quarter = CatalogueVersion.objects.order_by("-quarter").values_list("quarter", flat=True).first()
        state = {"members": members, "quarter": quarter}
        cache.set(PORTAL_CACHE_KEY, state, PORTAL_CACHE_SECONDS)
    return state


def portal_state_forget(**_kwargs) -> None:
    from django.core.cache import cache

    cache.delete(PORTAL_CACHE_KEY)


def region_members() -> list[RegionMember]:
    """The other members of this member's region (empty when it belongs to none)."""
    return list(_portal_state()["members"])


# --- the regional item catalogue (长三角通办事项目录, docs/domain/federation.md §9) ---------------------------
@dataclass(frozen=True)
class RegionalHandler:
    """A member's local item that handles a regional entry."""

    member: str  # the member's code, e.g. 320000
    member_name: str  # from the trust list in force ("" when the member has left it)
    item_code: str  # the member's 实施编码
    item_name: str
    item_url: str  # the item's page at the member


@dataclass(frozen=True)
class RegionalEntry:
    """An entry of the newest regional catalogue version held here."""

    quarter: str
    code: str  # e.g. CSJ-0001
    name: str
    name_en: str
    kind: str  # personal | enterprise
    modes: tuple[str, ...]  # online | proxy | multi_site (全程网办, 异地代收代办, 多地联办)
    handlers: tuple[RegionalHandler, ...]

    def handler(self, member: str) -> RegionalHandler | None:
        return next((h for h in self.handlers if h.member == member), None)


def _regional(entry, quarter: str, names: dict[str, str]) -> RegionalEntry:
    return RegionalEntry(
        quarter,
        entry.code,
        entry.name,
        entry.name_en,
        entry.kind,
        tuple(entry.modes),
        tuple(
            RegionalHandler(h.member, names.get(h.member, ""), h.item_code, h.item_name, h.item_url)
            for h in entry.handlers.all()
        ),
    )


def _member_names() -> dict[str, str]:
    snapshot = trust.current()
    return {code: m.name for code, m in snapshot.members.items()} if snapshot is not None else {}


def regional_entries(member: str | None = None) -> list[RegionalEntry]:
    """The entries of the newest regional catalogue version held here, in its order; with ``member``, those
    that member handles. Empty when no version is held."""
    from tongban.federation.models import CatalogueVersion

    version = CatalogueVersion.objects.order_by("-quarter").first()
    if version is None:
        return []
    qs = version.entries.prefetch_related("handlers").order_by("order", "id")
    if member:
        qs = qs.filter(handlers__member=member)
    names = _member_names()
    return [_regional(e, version.quarter, names) for e in qs]


def regional_entry_for_local_item(item_code: str) -> RegionalEntry | None:
    """The entry of the newest regional catalogue version that this member handles with its local item
    ``item_code`` (实施编码), or None: whether a person of another member may apply for it here, and how."""
    from django.conf import settings

    from tongban.federation.models import CatalogueVersion

    version = CatalogueVersion.objects.order_by("-quarter").first()
    if version is None or not item_code:
        return None
    entry = (
        version.entries.filter(handlers__member=settings.TONGBAN_REGION_CODE, handlers__item_code=item_code)
        .prefetch_related("handlers")
        .order_by("order", "id")
        .first()
    )
    return _regional(entry, version.quarter, _member_names()) if entry is not None else None


def regional_catalogue_quarter() -> str | None:
    """The quarter of the newest regional catalogue version held here (the portal links to it), or None."""
    return _portal_state()["quarter"]
