"""Who may see and do what at the front desk (ADR 0008: authorisation lives here).

- A **clerk** (``Role.WINDOW_CLERK``) acts only within their centre: the centres whose organisation's subtree
  holds one of their memberships (a membership of a window reaches its centre). Anyone else is told the
  centre, window or ticket does not exist (404).
- A centre's **supervisor** (``Role.SUPERVISOR`` over the centre's subtree) reads its dashboard.
- The hall's pages (the kiosk, the phone's ticket page, the display board) are public: they show ticket
  numbers and window numbers, never a name. Their writes are throttled per address (``require_*_allowed``):
  taking a ticket, rating on the evaluation pad."""

from __future__ import annotations

import uuid as uuid_module

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import Role, throttle_hit
from tongban.core.actors import Actor, ActorKind
from tongban.core.errors import Throttled
from tongban.frontdesk.constants import TicketSource, WindowKind
from tongban.frontdesk.errors import CentreNotFound, TicketNotFound, WindowNotFound
from tongban.frontdesk.models import ServiceCentre, Ticket, Window

CLERK_ROLES: set[str] = {Role.WINDOW_CLERK}
DASHBOARD_ROLES: set[str] = {Role.WINDOW_CLERK, Role.SUPERVISOR}


def _uuid(value) -> uuid_module.UUID | None:
    try:
        return uuid_module.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _centre_paths(actor: Actor, roles: set[str]) -> list[str]:
    """The organisation paths of the centres the actor's memberships with ``roles`` reach: a membership of
    a window (…/centre/window) reaches its centre; of a centre or anything above it, every centre below."""
    if actor.kind != ActorKind.USER:
        return []
    return actor.org_paths(roles)


def centre_scope(actor: Actor, roles: set[str] | None = None) -> Q:
    """The centres the actor works in (clerks) or oversees (supervisors): a centre whose path is a prefix of
    a membership's (a window under it) or starts with it (a centre under a district they belong to)."""
    q = Q(pk__in=[])
    for path in _centre_paths(actor, roles or CLERK_ROLES):
        q |= Q(org_path__startswith=path)
        # A membership below the centre (a window of it) reaches the centre itself.
        parts = path.rstrip("/").split("/")
        prefixes = ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]
        q |= Q(org_path__in=prefixes)
    return q


def centres_for(actor: Actor, roles: set[str] | None = None) -> QuerySet[ServiceCentre]:
    return ServiceCentre.objects.filter(centre_scope(actor, roles), active=True)


def access_centre(*, actor: Actor, centre_uuid, roles: set[str] | None = None) -> ServiceCentre:
    """A centre the actor works in (404 otherwise)."""
    key = _uuid(centre_uuid)
    centre = centres_for(actor, roles).filter(uuid=key).first() if key else None
    if centre is None:
        raise CentreNotFound()
    return centre


def access_window(*, actor: Actor, window_uuid) -> Window:
    """A window of a centre the clerk works in (404 otherwise). One query: the window with its centre, whose
    place in the tree is then compared with the actor's memberships (``in_centre``, the rule of
    ``centre_scope``)."""
    key = _uuid(window_uuid)
    window = Window.objects.select_related("centre").filter(uuid=key).first() if key else None
    if window is None or not in_centre(actor, window.centre):
        raise WindowNotFound()
    return window


def access_ticket(*, actor: Actor, ticket_uuid) -> Ticket:
    """A ticket of a centre the clerk works in (404 otherwise)."""
    key = _uuid(ticket_uuid)
    ticket = Ticket.objects.select_related("centre", "window").filter(uuid=key).first() if key else None
    if ticket is None or not in_centre(actor, ticket.centre):
        raise TicketNotFound()
    return ticket


def public_centre(slug: str) -> ServiceCentre:
    """A centre of the hall's public pages (kiosk, phone ticket page, board), by its slug."""
    centre = ServiceCentre.objects.filter(slug=slug, active=True).first()
    if centre is None:
        raise CentreNotFound()
    return centre


def on_window(actor: Actor, window: Window, day) -> bool:
    """Whether the clerk works at the window on ``day``: on its shift (排班) that day, or a clerk member of
    the window's organisation."""
    if actor.kind != ActorKind.USER or actor.user_id is None:
        return False
    if window.org_uuid and any(
        m.role in CLERK_ROLES and m.organisation_uuid == str(window.org_uuid) for m in actor.memberships
    ):
        return True
    from tongban.frontdesk.models import WindowShift

    return WindowShift.objects.filter(window=window, day=day, user_id=actor.user_id).exists()


def require_on_window(actor: Actor, window: Window, day) -> None:
    """Refuse (403) a clerk of the centre who is not at this window today."""
    from tongban.frontdesk.errors import NotOnShift

    if not on_window(actor, window, day):
        raise NotOnShift()


def in_centre(actor: Actor, centre: ServiceCentre) -> bool:
    """Whether the centre is one the clerk works in, from the actor's memberships alone (no query): the same
    rule as ``centre_scope``."""
    if not centre.active:
        return False
    for path in _centre_paths(actor, CLERK_ROLES):
        if centre.org_path.startswith(path) or path.startswith(centre.org_path):
            return True
    return False


def require_in_centre(actor: Actor, centre: ServiceCentre) -> None:
    """The services' second line of defence: another centre's clerk is told the window does not exist."""
    if not in_centre(actor, centre):
        raise WindowNotFound()


def access_service(*, actor: Actor, window: Window, service_uuid):
    """A service given at ``window`` (itself reached through access_window): 404 otherwise."""
    from tongban.frontdesk.errors import ServiceNotFound
    from tongban.frontdesk.models import Service

    key = _uuid(service_uuid)
    service = Service.objects.filter(uuid=key, window=window).first() if key else None
    if service is None:
        raise ServiceNotFound()
    return service


def access_handout_window(*, actor: Actor, window_uuid) -> Window:
    """A result hand-out window (统一出件) the actor is a clerk of: a clerk membership of this very window, or
    of its centre or above (a centre-wide clerk). A clerk of another window of the centre (a comprehensive
    window) or of another centre is told the window does not exist (404), as is anyone for a window of
    another kind."""
    window = access_window(actor=actor, window_uuid=window_uuid)
    if window.kind != WindowKind.HANDOUT or window.org_uuid is None:
        raise WindowNotFound()
    window_path = f"{window.centre.org_path}{window.org_uuid.hex}/"
    if not any(window_path.startswith(path) for path in actor.org_paths(CLERK_ROLES)):
        raise WindowNotFound()
    return window


def access_centre_dashboard(*, actor: Actor, centre_uuid) -> ServiceCentre:
    """A centre whose dashboard the actor reads: its clerks and the supervisors of it or above (404
    otherwise)."""
    return access_centre(actor=actor, centre_uuid=centre_uuid, roles=DASHBOARD_ROLES)


def windows_of(actor: Actor, day) -> list[Window]:
    """The windows a clerk works at on ``day``: those whose organisation they are a member of, and those
    whose shift (排班) holds them; by centre and number."""
    if actor.kind != ActorKind.USER or actor.user_id is None:
        return []
    from tongban.frontdesk.models import WindowShift

    member_of = [m.organisation_uuid for m in actor.memberships if m.role in CLERK_ROLES]
    on_shift = WindowShift.objects.filter(day=day, user_id=actor.user_id).values("window_id")
    return list(
        Window.objects.select_related("centre")
        .filter(Q(org_uuid__in=member_of) | Q(pk__in=on_shift), active=True, centre__in=centres_for(actor))
        .order_by("centre__name", "number")
    )


# The public writes of the hall, throttled per client address (429): taking a number on the phone (a person
# takes one or two), at the kiosk (one device serves the whole queue: one person every 10 seconds), and a
# rating on the evaluation pad (one per service).
TAKE_PHONE_LIMIT, TAKE_KIOSK_LIMIT, TAKE_WINDOW = 20, 60, 600
PAD_LIMIT, PAD_WINDOW = 30, 600


def require_take_allowed(client: str, source: str) -> None:
    """Throttled (429) past TAKE_PHONE_LIMIT (phone) or TAKE_KIOSK_LIMIT (kiosk) tickets per address in
    TAKE_WINDOW seconds."""
    limit = TAKE_KIOSK_LIMIT if source == TicketSource.KIOSK else TAKE_PHONE_LIMIT
    if not throttle_hit(f"frontdesk_take_{source}", client or "-", limit=limit, window=TAKE_WINDOW):
        raise Throttled(message=_("取号过于频繁，请稍后再试"))


def require_pad_allowed(client: str) -> None:
    """Throttled (429) past PAD_LIMIT ratings per address in PAD_WINDOW seconds."""
    if not throttle_hit("frontdesk_pad", client or "-", limit=PAD_LIMIT, window=PAD_WINDOW):
        raise Throttled(message=_("评价过于频繁，请稍后再试"))
