"""Who may see supervision's figures (docs/domain/supervision.md §1): supervisors (role ``supervisor``) of the
city see every unit, those of a district only the rows under their district's organisation path."""

from __future__ import annotations

from tongban.core.actors import Actor
from tongban.core.errors import PermissionDenied
from tongban.supervision.constants import SUPERVISOR_ROLES


def supervision_scope(actor: Actor) -> list[str]:
    """The organisation paths whose figures the actor may read; 403 for anyone but a supervisor."""
    paths = actor.org_paths(SUPERVISOR_ROLES)
    if not paths:
        raise PermissionDenied()
    return sorted(paths)


def in_scope(scope_path: str, paths: list[str]) -> bool:
    return any(scope_path.startswith(p) for p in paths)
