"""Reads of identity data."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from tongban.accounts.constants import Role
from tongban.accounts.models import (
    Authorisation,
    Enterprise,
    Organisation,
    Person,
    StaffMembership,
    User,
)
from tongban.core.actors import Actor


def person_for_user(user: User) -> Person | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.person
    except Person.DoesNotExist:
        return None


def person_of_actor(actor: Actor) -> Person | None:
    """The person behind an actor (None for staff without one, clients, the system)."""
    if actor.person_id is None:
        return None
    person = actor.extra.get("person")  # read with the user when the actor was made
    if person is None or person.pk != actor.person_id:
        person = Person.objects.filter(pk=actor.person_id).first()
    return person


def staff_memberships(user: User) -> list[StaffMembership]:
    cached = getattr(user, "_tb_memberships", None)
    if cached is None:
        cached = list(StaffMembership.objects.filter(user=user).select_related("organisation"))
        setattr(user, "_tb_memberships", cached)  # noqa: B010 — a cache on the instance
    return cached


def staff_roles(user: User) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return {m.role for m in staff_memberships(user)}


def org_scope_paths(user: User, roles: set[str] | None = None) -> list[str]:
    """Subtree prefixes the user reaches through memberships with one of ``roles`` (all roles if None)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [m.organisation.path for m in staff_memberships(user) if roles is None or m.role in roles]


def is_platform_admin(user: User) -> bool:
    return Role.PLATFORM_ADMIN in staff_roles(user)


def organisation_list_in_scope(paths: list[str]) -> QuerySet[Organisation]:
    scope = Q(pk__in=[])
    for path in paths:
        scope |= Q(path__startswith=path)
    return Organisation.objects.filter(scope).select_related("parent").order_by("path")


def enterprise_list_for_person(person: Person, *, on: date | None = None) -> QuerySet[Enterprise]:
    """Enterprises the person represents or is an active agent of."""
    on = on or timezone.localdate()
    agent_of = Authorisation.objects.filter(
        agent=person,
        enterprise__isnull=False,
        revoked_at__isnull=True,
        valid_from__lte=on,
        valid_until__gte=on,
    ).values("enterprise_id")
    return (
        Enterprise.objects.filter(Q(legal_representative=person) | Q(pk__in=agent_of))
        .select_related("legal_representative")
        .order_by("name")
    )


def authorisation_list_given(person: Person) -> QuerySet[Authorisation]:
    return (
        Authorisation.objects.filter(Q(principal_person=person) | Q(enterprise__legal_representative=person))
        .select_related("agent", "enterprise", "principal_person")
        .order_by("-created_at")
    )


def authorisation_list_held(person: Person) -> QuerySet[Authorisation]:
    return (
        Authorisation.objects.filter(agent=person)
        .select_related("agent", "enterprise", "principal_person")
        .order_by("-created_at")
    )


def authorisation_is_active(auth: Authorisation, *, on: date | None = None) -> bool:
    on = on or timezone.localdate()
    return auth.revoked_at is None and auth.valid_from <= on <= auth.valid_until
