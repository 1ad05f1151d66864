"""Who may rate what (docs/domain/ratings.md §1, §4). A case the actor did not apply for does not exist for
them (404 ``case_not_found``); staff who took part in it are refused (403 ``rating_own_service``); an open
case cannot be rated yet (409 ``case_not_ended``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import Role, organisation_uuids_in_scope, throttle_hit
from tongban.cases.facade import RatingCase, access_case_for_rating
from tongban.core.actors import Actor, ActorKind
from tongban.core.audit import audit_purpose, audit_record
from tongban.core.errors import PermissionDenied, Throttled
from tongban.frontdesk.facade import window_uuids_in_scope
from tongban.ratings.constants import (
    RATE_LIMIT_ACCOUNT,
    RATE_LIMIT_ADDRESS,
    RATE_LIMIT_DEVICE,
    RATE_LIMIT_WINDOW,
)
from tongban.ratings.errors import (
    AppealOwnUnit,
    CaseNotEnded,
    RatingExportForbidden,
    RatingOwnService,
    TicketNotFound,
)
from tongban.ratings.models import Evaluation, Ticket


def access_case_to_rate(*, actor: Actor, case_uuid) -> RatingCase:
    """The case, as its applicant side sees it for rating (404 for anyone else but its own staff)."""
    return access_case_for_rating(actor=actor, case_uuid=case_uuid)


def require_may_rate_case(actor: Actor, case: RatingCase) -> None:
    from tongban.frontdesk.facade import case_taken_in_by_centre_of

    if case.staff_involved or case_taken_in_by_centre_of(actor, case.uuid):
        raise RatingOwnService()
    if not case.ended:
        raise CaseNotEnded()


def require_rating_allowed(actor: Actor, client: str, device: str = "") -> None:
    """429 ``throttled`` past the hourly limits per account, per device cookie (``device``, from
    channels.device_key; "" for a client without one) and per client address (ratings.md §4). The pad does
    not come here: a registered pad is exempt from the device and address keys."""
    account_ok = throttle_hit(
        "ratings_account", str(actor.id or "-"), limit=RATE_LIMIT_ACCOUNT, window=RATE_LIMIT_WINDOW
    )
    device_ok = not device or throttle_hit(
        "ratings_device", device, limit=RATE_LIMIT_DEVICE, window=RATE_LIMIT_WINDOW
    )
    address_limit = getattr(settings, "TONGBAN_RATINGS_IP_PER_HOUR", RATE_LIMIT_ADDRESS)
    address_ok = throttle_hit("ratings_address", client or "-", limit=address_limit, window=RATE_LIMIT_WINDOW)
    if not (account_ok and device_ok and address_ok):
        raise Throttled(message=_("评价过于频繁，请稍后再试"))


# --- tickets (ratings.md §4 "who sees what", §5–§7) --------------------------------------------------------
HANDLER_ROLES = frozenset({Role.RATING_HANDLER, Role.SUPERVISOR})
STAFF_TICKET_ROLES = frozenset({Role.RATING_HANDLER, Role.SUPERVISOR, Role.HOTLINE_OPERATOR})


def uuid_valid(value) -> bool:
    """Whether ``value`` reads as a uuid (anything else finds nothing, without a query)."""
    try:
        uuid.UUID(str(value))
    except (TypeError, ValueError):
        return False
    return True


def _under(paths) -> Q:
    """Tickets whose unit is in one of the subtrees at ``paths``."""
    scope = Q()
    for path in paths:
        scope |= Q(unit_path__startswith=path)
    return scope


def tickets_of_person(actor: Actor):
    """The person's own tickets (their 差评's and their 12345 ones), newest first."""
    if actor.id is None:
        return Ticket.objects.none()
    return Ticket.objects.filter(person_user_id=actor.id).order_by("-created_at", "-id")


def access_ticket_for_person(*, actor: Actor, ticket_uuid) -> Ticket:
    """One of the person's own tickets; anyone else's is 404."""
    if not uuid_valid(ticket_uuid) or actor.id is None:
        raise TicketNotFound()
    ticket = tickets_of_person(actor).filter(uuid=ticket_uuid).select_related("evaluation").first()
    if ticket is None:
        raise TicketNotFound()
    return ticket


def tickets_visible_to_staff(actor: Actor, roles=STAFF_TICKET_ROLES):
    """Tickets of the units in the subtrees where the actor holds a ticket role: a unit sees only its own, its
    supervisors those below them; a 12345 operator those of their region (they dispatch them)."""
    paths = actor.org_paths(roles)
    if not paths:
        return Ticket.objects.none()
    return Ticket.objects.filter(_under(paths))


def staff_may_see_tickets(actor: Actor) -> bool:
    return bool(actor.org_paths(STAFF_TICKET_ROLES))


def access_ticket_for_staff(*, actor: Actor, ticket_uuid, roles=STAFF_TICKET_ROLES) -> Ticket:
    """A ticket of the actor's units (404 otherwise). Every read is audited (``ratings.ticket_read``), and
    counts as a use of the person's data (谁使用了我的信息)."""
    if not uuid_valid(ticket_uuid):
        raise TicketNotFound()
    ticket = (
        tickets_visible_to_staff(actor, roles).filter(uuid=ticket_uuid).select_related("evaluation").first()
    )
    if ticket is None:
        raise TicketNotFound()
    audit_record(
        actor=actor,
        action="ratings.ticket_read",
        object_type="ticket",
        object_id=ticket.uuid,
        # as the person reads it (谁使用了我的信息): the organisation acted for, never the staff's login
        after={
            "organisation": actor.organisation_name(roles),
            **audit_purpose("ratings.ticket_read", number=ticket.number),
        },
        org_path=ticket.unit_path,
        subject_user_id=ticket.person_user_id,
    )
    return ticket


def require_ticket_role(actor: Actor, ticket: Ticket, *roles: str) -> None:
    """The step needs one of ``roles`` over the ticket's unit (a handler's steps, a dispatcher's, a
    supervisor's); 403 otherwise."""
    paths = actor.org_paths(set(roles))
    if not any(ticket.unit_path.startswith(path) for path in paths):
        raise PermissionDenied(message=_("您没有权限办理此工单的这一步"))


def access_appeal_to_decide(*, actor: Actor, ticket: Ticket):
    """The pending appeal of a ticket, for a supervisor over its unit who is not a member of the unit."""
    from tongban.ratings.models import Appeal

    require_ticket_role(actor, ticket, Role.SUPERVISOR)
    if any(m.organisation_path.startswith(ticket.unit_path) for m in actor.memberships):
        raise AppealOwnUnit()
    appeal = Appeal.objects.filter(ticket=ticket).first()
    if appeal is None:
        raise TicketNotFound()
    return appeal


def require_hotline_operator(actor: Actor) -> None:
    if not actor.has_role(Role.HOTLINE_OPERATOR):
        raise PermissionDenied(message=_("仅 12345 热线话务员可使用"))


EXPORT_ROLES = frozenset({Role.SUPERVISOR})
_BEIJING = ZoneInfo("Asia/Shanghai")


def access_evaluations_for_export(*, actor: Actor, date_from: date, date_to: date) -> QuerySet[Evaluation]:
    """The evaluations given from ``date_from`` to ``date_to`` (Beijing dates, both included) that the actor
    may export (ratings.md §8): all for a platform administrator and for the system (the operator's
    command); for a supervisor those of the units in their subtrees (departments, and the windows of the
    centres there); 403 ``rating_export_forbidden`` for anyone else."""
    start = datetime.combine(date_from, time.min, tzinfo=_BEIJING)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=_BEIJING)
    evaluations = Evaluation.objects.filter(created_at__gte=start, created_at__lt=end)
    if actor.kind == ActorKind.SYSTEM or actor.is_platform_admin:
        return evaluations
    paths = actor.org_paths(EXPORT_ROLES) if actor.kind == ActorKind.USER else []
    if not paths:
        raise RatingExportForbidden()
    units = organisation_uuids_in_scope(paths) + window_uuids_in_scope(paths)
    return evaluations.filter(unit_uuid__in=units)


def access_tickets_for_export(*, actor: Actor, date_from: date, date_to: date) -> QuerySet[Ticket]:
    """The tickets received from ``date_from`` to ``date_to`` that the actor may export: all for a platform
    administrator and the system; a supervisor's those of the units in their subtrees; 403 otherwise."""
    tickets = Ticket.objects.filter(received_on__gte=date_from, received_on__lte=date_to)
    if actor.kind == ActorKind.SYSTEM or actor.is_platform_admin:
        return tickets
    paths = actor.org_paths(EXPORT_ROLES) if actor.kind == ActorKind.USER else []
    if not paths:
        raise RatingExportForbidden()
    return tickets.filter(_under(paths))
