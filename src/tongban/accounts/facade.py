"""The stable interface other contexts use for identity (they never import accounts' models)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tongban.accounts.constants import Role
from tongban.accounts.models import ApiClient, Authorisation, Person
from tongban.accounts.selectors import (
    authorisation_is_active,
    is_platform_admin,
    org_scope_paths,
    person_for_user,
    staff_roles,
)
from tongban.core.audit import SYSTEM, Actor
from tongban.core.identifiers import mask_name, mask_phone


@dataclass(frozen=True)
class OrganisationInfo:
    uuid: str
    kind: str
    name: str
    uscc: str
    division_code: str
    path: str


def _organisation_info(org) -> OrganisationInfo:
    return OrganisationInfo(str(org.uuid), org.kind, org.name, org.uscc, org.division_code, org.path)


def organisation_info(org_uuid) -> OrganisationInfo | None:
    """Public facts about one organisation (other contexts keep its uuid, never a foreign key)."""
    from tongban.accounts.models import Organisation

    org = Organisation.objects.filter(uuid=org_uuid).first()
    return _organisation_info(org) if org is not None else None


def organisation_list(*, kind: str, under=None) -> list[OrganisationInfo]:
    """Organisations of a kind, by name; with ``under`` (an organisation uuid) only those in its subtree.
    An unknown ``under`` gives an empty list."""
    from tongban.accounts.models import Organisation

    qs = Organisation.objects.filter(kind=kind)
    if under is not None:
        root = Organisation.objects.filter(uuid=under).values_list("path", flat=True).first()
        if root is None:
            return []
        qs = qs.filter(path__startswith=root)
    return [_organisation_info(o) for o in qs.order_by("name")]


def organisation_find(*, kind: str, name: str) -> OrganisationInfo | None:
    """An organisation by kind and exact name (demo data and imports use it)."""
    from tongban.accounts.models import Organisation

    org = Organisation.objects.filter(kind=kind, name=name).order_by("path").first()
    return organisation_info(org.uuid) if org else None


def organisations_by_uscc(usccs, *, kind: str) -> dict[str, list[OrganisationInfo]]:
    """The organisations of one kind with these USCCs, by USCC (a list: the USCC is not unique in the tree).

    Uuids differ between environments, USCCs do not: catalogue imports map departments with this."""
    from tongban.accounts.models import Organisation

    found: dict[str, list[OrganisationInfo]] = {}
    for org in Organisation.objects.filter(kind=kind, uscc__in=set(usccs)).order_by("path"):
        found.setdefault(org.uscc, []).append(_organisation_info(org))
    return found


def organisations_info(org_uuids) -> dict[str, OrganisationInfo]:
    """Several organisations at once, by uuid (unknown uuids are left out)."""
    from tongban.accounts.models import Organisation

    return {
        str(org.uuid): _organisation_info(org) for org in Organisation.objects.filter(uuid__in=set(org_uuids))
    }


def demo_load():
    from tongban.accounts.demo import demo_load as load

    return load()


__all__ = [
    "ActorInfo",
    "OrganisationInfo",
    "Role",
    "actor_info",
    "agent_may_act_for_enterprise",
    "agent_may_act_for_person",
    "audit_actor",
    "demo_load",
    "org_paths_for",
    "organisation_find",
    "organisation_info",
    "organisation_list",
    "organisations_by_uscc",
    "organisations_info",
]


@dataclass(frozen=True)
class ActorInfo:
    user_id: int | None
    display_name: str
    roles: frozenset[str]
    is_platform_admin: bool
    person_uuid: str | None
    assurance_level: int | None
    elderly_mode: bool


def audit_actor(actor) -> Actor:
    """How an actor (a user, an API client, or None for the system) is written in the audit trail."""
    if actor is None:
        return SYSTEM
    if isinstance(actor, ApiClient):
        return Actor(id=actor.pk, kind="client", label=f"client:{actor.name}")
    if not getattr(actor, "is_authenticated", False):
        return Actor(id=None, kind="anonymous", label="anonymous")
    person = person_for_user(actor)
    # Citizens log in with their phone number: never write it in full into the trail.
    login = mask_phone(actor.username) if actor.phone and actor.username == actor.phone else actor.username
    label = f"{login}（{mask_name(person.real_name)}）" if person else login
    return Actor(id=actor.pk, kind="user", label=label)


def actor_info(user) -> ActorInfo:
    if not getattr(user, "is_authenticated", False):
        return ActorInfo(None, "", frozenset(), False, None, None, False)
    person = person_for_user(user)
    return ActorInfo(
        user_id=user.pk,
        display_name=(person.real_name if person else (user.display_name or user.username)),
        roles=frozenset(staff_roles(user)),
        is_platform_admin=is_platform_admin(user),
        person_uuid=str(person.uuid) if person else None,
        assurance_level=person.assurance_level if person else None,
        elderly_mode=user.elderly_mode,
    )


def org_paths_for(user, roles: set[str] | None = None) -> list[str]:
    return org_scope_paths(user, roles)


def _covers(auth: Authorisation, item_code: str | None, on: date | None) -> bool:
    if not authorisation_is_active(auth, on=on):
        return False
    return auth.all_items or (item_code is not None and item_code in auth.item_codes)


def agent_may_act_for_enterprise(
    *, agent_user, enterprise_id: int, item_code: str | None = None, on: date | None = None
) -> bool:
    person = person_for_user(agent_user)
    if person is None:
        return False
    if person.represented_enterprises.filter(pk=enterprise_id).exists():
        return True
    auths = Authorisation.objects.filter(agent=person, enterprise_id=enterprise_id)
    return any(_covers(a, item_code, on) for a in auths)


def agent_may_act_for_person(
    *, agent_user, principal_person_uuid, item_code: str | None = None, on: date | None = None
) -> bool:
    person = person_for_user(agent_user)
    if person is None:
        return False
    if str(person.uuid) == str(principal_person_uuid):
        return True
    principal = Person.objects.filter(uuid=principal_person_uuid).first()
    if principal is None:
        return False
    auths = Authorisation.objects.filter(agent=person, principal_person=principal)
    return any(_covers(a, item_code, on) for a in auths)
