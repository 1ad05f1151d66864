"""Who may see supervision's figures (docs/domain/supervision.md §1): supervisors (role ``supervisor``) of the
city see every unit, those of a district only the rows under their district's organisation path. The public
好差评 results (docs/domain/supervision-public.md) are for anyone, their API throttled per address.

Assessments and circulars (docs/domain/supervision-assessments.md §6): the supervising offices are the
region (its rankings of the districts and of the city's own departments) and each district (its ranking of
its departments). A supervisor reads the rankings and circulars of the offices inside their subtree — a
district's supervisor their district's only; a circular is drafted, edited and issued only by a supervisor
whose membership is in the office itself; a new weights scheme is made by a supervisor of a region or a
platform administrator."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from tongban.accounts.facade import OrgKind, organisation_list, throttle_hit
from tongban.core.actors import Actor, ActorKind
from tongban.core.errors import NotFound, PermissionDenied, Throttled
from tongban.supervision.constants import OFFICE_SUFFIX, SUPERVISOR_ROLES, Dim
from tongban.supervision.db import read_db
from tongban.supervision.errors import CircularForbidden, CircularNotFound, SchemeForbidden
from tongban.supervision.models import Circular, FigureDay


def supervision_scope(actor: Actor) -> list[str]:
    """The organisation paths whose figures the actor may read; 403 for anyone but a supervisor."""
    paths = actor.org_paths(SUPERVISOR_ROLES)
    if not paths:
        raise PermissionDenied()
    return sorted(paths)


def in_scope(scope_path: str, paths: list[str]) -> bool:
    return any(scope_path.startswith(p) for p in paths)


def scope_q(paths: list[str]) -> Q:
    """Rows whose ``scope_path`` lies under one of ``paths`` (none for an empty list)."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(scope_path__startswith=path)
    return q


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
    label = (
        FigureDay.objects.using(read_db())
        .filter(scope_q(scope), dim=dim, unit_key=unit_key)
        .order_by("-day")
        .values_list("unit_label", flat=True)
        .first()
    )
    if label is None:
        raise NotFound()
    return Unit(dim, unit_key, label, scope)


# --- assessments and circulars -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Office:
    """A supervising office: a region or a district, named after its organisation (上海市政务服务管理办公室)."""

    uuid: str
    org_name: str
    path: str
    kind: str  # OrgKind.REGION or OrgKind.DISTRICT
    code: str  # its USCC, or "" (its seal is then keyed by its uuid)

    @property
    def name(self) -> str:
        return f"{self.org_name}{OFFICE_SUFFIX}"

    @property
    def is_city(self) -> bool:
        return self.kind == OrgKind.REGION

    @property
    def dims(self) -> tuple[str, ...]:
        """What it ranks: a region its districts and its own departments, a district its departments."""
        return (Dim.DISTRICT, Dim.DEPARTMENT) if self.is_city else (Dim.DEPARTMENT,)


def offices_all() -> list[Office]:
    """Every region and district, regions first, then by path."""
    found = [
        Office(o.uuid, o.name, o.path, o.kind, o.uscc)
        for kind in (OrgKind.REGION, OrgKind.DISTRICT)
        for o in organisation_list(kind=kind)
    ]
    return sorted(found, key=lambda o: (not o.is_city, o.path))


def offices_visible(actor: Actor) -> list[Office]:
    """The offices whose rankings and circulars the actor reads: those inside their supervisor subtrees
    (403 for anyone but a supervisor)."""
    paths = supervision_scope(actor)
    return [o for o in offices_all() if in_scope(o.path, paths)]


def office_visible(actor: Actor, office_uuid: str | None) -> Office | None:
    """One visible office by uuid (the first visible one when None; None when it is not visible)."""
    offices = offices_visible(actor)
    if not office_uuid:
        return offices[0] if offices else None
    return next((o for o in offices if o.uuid == str(office_uuid)), None)


def offices_acted_for(actor: Actor) -> list[Office]:
    """The offices in which the actor holds the supervisor role themselves (they draft and issue there)."""
    own = {m.organisation_path for m in actor.memberships if m.role in SUPERVISOR_ROLES}
    return [o for o in offices_all() if o.path in own]


def require_office_supervisor(actor: Actor, scope_path: str) -> None:
    """Drafting, editing and issuing a circular: a supervisor of the office itself — the city's supervisors
    for the city's circular, the district's for the district's (a city supervisor reads a district's
    circular but does not issue it in the district's name). 403 ``supervision_circular_forbidden``."""
    if actor.kind != ActorKind.USER or not any(o.path == scope_path for o in offices_acted_for(actor)):
        raise CircularForbidden()


def require_scheme_author(actor: Actor) -> None:
    """A new weights scheme applies to every office: a supervisor of a region, or a platform administrator.
    403 ``supervision_scheme_forbidden``."""
    if actor.kind == ActorKind.SYSTEM or actor.is_platform_admin:
        return
    if not any(o.is_city for o in offices_acted_for(actor)):
        raise SchemeForbidden()


def may_add_scheme(actor: Actor) -> bool:
    try:
        require_scheme_author(actor)
    except SchemeForbidden:
        return False
    return True


def circulars_visible(actor: Actor) -> QuerySet[Circular]:
    """The circulars of the offices in the actor's supervisor subtrees (none for anyone else)."""
    paths = actor.org_paths(SUPERVISOR_ROLES)
    if not paths:
        return Circular.objects.none()
    return Circular.objects.filter(scope_q(paths))


def access_circular(*, actor: Actor, circular_uuid) -> Circular:
    """A circular the actor may read; 404 ``supervision_circular_not_found`` for any other (and for anyone
    who is not a supervisor, and for a malformed uuid)."""
    try:
        key = uuid.UUID(str(circular_uuid))
    except (TypeError, ValueError) as exc:
        raise CircularNotFound() from exc
    circular = circulars_visible(actor).filter(uuid=key).first()
    if circular is None:
        raise CircularNotFound()
    return circular
