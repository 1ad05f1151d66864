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


def region_members() -> list[RegionMember]:
    """The other members of this member's region (empty when it belongs to none)."""
    snapshot = trust.current()
    if snapshot is None:
        return []
    return [RegionMember(m.code, m.name, m.name_en, m.base_url) for m in snapshot.others()]
