"""Building the :class:`~tongban.core.actors.Actor` of a request once, at the edge: from the logged-in
user (``ActorMiddleware`` sets ``request.actor``, lazily), from an API client (the API key's authentication
sets it), or the system. Two queries for a user (their person, their memberships with organisations), one
for a client's organisation; nothing else of accounts is read again during the request."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.utils.functional import SimpleLazyObject

from tongban.accounts.constants import Role
from tongban.accounts.models import ApiClient, Person, StaffMembership
from tongban.core.actors import ANONYMOUS, SYSTEM, Actor, ActorKind, Membership
from tongban.core.identifiers import mask_name, mask_phone


def actor_for(subject: Any) -> Actor:
    """The actor of a user, an API client, an actor (unchanged) or None (the system)."""
    if subject is None:
        return SYSTEM
    if isinstance(subject, Actor):
        return subject
    if isinstance(subject, ApiClient):
        return Actor(
            kind=ActorKind.CLIENT,
            id=subject.pk,
            uuid=str(subject.uuid),
            label=f"client:{subject.name}",
            display_name=subject.name,
            organisation_uuid=str(subject.organisation.uuid),
            organisation_path=subject.organisation.path,
            scopes=frozenset(subject.scopes if subject.is_active else ()),
        )
    if not getattr(subject, "is_authenticated", False):
        return ANONYMOUS
    user = subject
    try:
        person = user.person  # read with the user by the authentication backend
    except Person.DoesNotExist:
        person = None
    memberships: tuple[Membership, ...] = ()
    if getattr(user, "holds_roles", True):  # the backend says whether there is anything to read
        memberships = tuple(
            Membership(m.role, str(m.organisation.uuid), m.organisation.path, m.organisation.name)
            for m in StaffMembership.objects.filter(user_id=user.pk)
            .select_related("organisation")
            .order_by("organisation__path", "role")
        )
    roles = frozenset(m.role for m in memberships)
    # Citizens log in with their phone number: never write it in full into the trail.
    login = mask_phone(user.username) if user.phone and user.username == user.phone else user.username
    return Actor(
        kind=ActorKind.USER,
        id=user.pk,
        uuid=str(user.uuid),
        label=f"{login}（{mask_name(person.real_name)}）" if person else login,
        display_name=person.real_name if person else (user.display_name or user.username),
        roles=roles,
        memberships=memberships,
        person_id=person.pk if person else None,
        person_uuid=str(person.uuid) if person else None,
        assurance_level=person.assurance_level if person else 0,
        is_platform_admin=Role.PLATFORM_ADMIN in roles,
        elderly_mode=user.elderly_mode,
        phone=user.phone or "",
        extra={"person": person},  # for accounts' own use during this request (facade._person_of)
    )


class ActorMiddleware:
    """``request.actor``: the logged-in user's actor, built on first use (after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = SimpleLazyObject(lambda: _actor_of_request(request))
        return self.get_response(request)


FEDERATED_LEVEL_SESSION = "accounts.federated_level"


def _actor_of_request(request) -> Actor:
    """The user's actor; after a login through another member of the region (长三角), with the assurance level
    that member asserted when it is lower than the one held here: a level is carried over, never raised."""
    actor = actor_for(getattr(request, "user", None) or ANONYMOUS)
    level = acting_level(actor.assurance_level, getattr(request, "session", None))
    if actor.kind == ActorKind.USER and level != actor.assurance_level:
        return dataclasses.replace(actor, assurance_level=level)
    return actor


def acting_level(person_level: int, session) -> int:
    """The level a session acts with: the person's, capped by the one another member of the region asserted
    when the session began with a login through it (carried over, never raised)."""
    carried = session.get(FEDERATED_LEVEL_SESSION) if session is not None else None
    return min(person_level, int(carried)) if carried is not None else person_level
