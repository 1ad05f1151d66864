"""Who may see supervision's figures (docs/domain/supervision.md §1): supervisors (role ``supervisor``) of the
city see every unit, those of a district only the rows under their district's organisation path. The public
好差评 results (docs/domain/supervision-public.md) are for anyone, their API throttled per address."""

from __future__ import annotations

from tongban.accounts.facade import throttle_hit
from tongban.core.actors import Actor
from tongban.core.errors import PermissionDenied, Throttled
from tongban.supervision.constants import SUPERVISOR_ROLES


def supervision_scope(actor: Actor) -> list[str]:
    """The organisation paths whose figures the actor may read; 403 for anyone but a supervisor."""
    paths = actor.org_paths(SUPERVISOR_ROLES)
    if not paths:
        raise PermissionDenied()
    return sorted(paths)


def in_scope(scope_path: str, paths: list[str]) -> bool:
    return any(scope_path.startswith(p) for p in paths)


# The public 好差评 results' API is open to anyone; its answers come from the cache, but a new period or a
# cache's expiry reads the roll-ups, so each address is held to PUBLIC_LIMIT calls in PUBLIC_WINDOW seconds.
PUBLIC_LIMIT, PUBLIC_WINDOW = 120, 600


def require_public_ratings_allowed(client: str) -> None:
    """Throttled (429) past PUBLIC_LIMIT calls of the public results' API per address in PUBLIC_WINDOW s."""
    if not throttle_hit("public_ratings_ip", client or "-", limit=PUBLIC_LIMIT, window=PUBLIC_WINDOW):
        raise Throttled()
