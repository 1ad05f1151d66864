"""The port through which 12345 tickets travel between the members of a region (一号通办, ratings.md §7).

Ratings sits left of the federation and may not import it. The federation fills this port when its app is
ready (``ratings.facade.region_link_set``): who the other members are, and how a message goes to one of them
(signed, durable, written in the caller's transaction). With no link, or a member the link does not know,
a transfer is refused with 409 ``region_not_federated``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RegionMember:
    """Another member of the region that a ticket can be transferred to: its division code and name."""

    code: str
    name: str


@dataclass(frozen=True)
class RegionLink:
    """What the federation provides: ``members()`` the other members of the region; ``transfer(to, body)``
    and ``status(to, body)`` put a ``hotline.transfer`` or ``hotline.status`` message to member ``to`` in the
    outbox, in the caller's transaction."""

    members: Callable[[], list[RegionMember]]
    transfer: Callable[[str, dict], None]
    status: Callable[[str, dict], None]


_link: list[RegionLink] = []


def region_link_set(link: RegionLink | None) -> None:
    """Install (or, with None, remove) the link to the region; called once when the federation is ready."""
    _link[:] = [link] if link is not None else []


def region_link() -> RegionLink | None:
    return _link[0] if _link else None


def transfer_members() -> list[RegionMember]:
    """The members a ticket can be transferred to (empty when this member belongs to no region)."""
    link = region_link()
    return list(link.members()) if link is not None else []


def transfer_member(code: str) -> RegionMember | None:
    return next((m for m in transfer_members() if m.code == code), None)
