"""Who may see supervision's figures (docs/domain/supervision.md §1): supervisors (role ``supervisor``) of the
city see every unit, those of a district only the rows under their district's organisation path. The public
好差评 results (docs/domain/supervision-public.md) are for anyone, their API throttled per address."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from tongban.accounts.facade import throttle_hit
from tongban.core.actors import Actor
from tongban.core.errors import NotFound, PermissionDenied, Throttled
from tongban.supervision.constants import SUPERVISOR_ROLES, Dim
from tongban.supervision.db import read_db
from tongban.supervision.models import FigureDay


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


@dataclass(frozen=True)
class Unit:
    """A unit of a dimension the actor may see, with the scope (organisation paths) its figures are read in."""

    dim: str
    key: str
    label: str
    scope: list[str]


def access_unit(*, actor: Actor, dim: str, unit_key: str) -> Unit:
    """One unit of the dashboards: 403 for anyone but a supervisor; 404 for a dimension or key that has no
    daily row under the actor's organisation paths (another district's unit does not exist for them)."""
    scope = supervision_scope(actor)
    if dim not in Dim.values or not unit_key or len(unit_key) > 64:
        raise NotFound()
    under = Q(pk__in=[])
    for path in scope:
        under |= Q(scope_path__startswith=path)
    label = (
        FigureDay.objects.using(read_db())
        .filter(under, dim=dim, unit_key=unit_key)
        .order_by("-day")
        .values_list("unit_label", flat=True)
        .first()
    )
    if label is None:
        raise NotFound()
    return Unit(dim, unit_key, label, scope)
