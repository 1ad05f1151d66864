"""The stable interface other contexts use for identity (they never import accounts' models)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from tongban.accounts.constants import AssuranceLevel, Role
from tongban.accounts.models import ApiClient, Authorisation, Person
from tongban.accounts.selectors import (
    authorisation_is_active,
    is_platform_admin,
    org_scope_paths,
    person_for_user,
    staff_roles,
)
from tongban.core.audit import SYSTEM, Actor
from tongban.core.identifiers import IdKind, mask_name, mask_phone


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


def demo_principal_uuids() -> dict[str, str]:
    from tongban.accounts.demo import demo_principal_uuids as found

    return found()


__all__ = [
    "ActorInfo",
    "OrganisationInfo",
    "Role",
    "actor_info",
    "agent_may_act_for_enterprise",
    "agent_may_act_for_person",
    "assurance_level_of",
    "audit_actor",
    "demo_load",
    "demo_principal_uuids",
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


def assurance_level_of(user) -> int:
    """The real-name level of the person behind ``user`` (0 for anyone else), without reading their roles."""
    person = person_for_user(user)
    return person.assurance_level if person else 0


def org_paths_for(user, roles: set[str] | None = None) -> list[str]:
    return org_scope_paths(user, roles)


def _covers(auth: Authorisation, item_codes, on: date | None) -> bool:
    """Whether an authorisation, active on ``on``, covers every one of ``item_codes`` (None: no particular
    items, which only an all-items authorisation covers)."""
    if not authorisation_is_active(auth, on=on):
        return False
    if auth.all_items:
        return True
    if not item_codes:
        return False
    return set(item_codes) <= set(auth.item_codes)


def _codes(item_code) -> tuple[str, ...] | None:
    if item_code is None:
        return None
    return (item_code,) if isinstance(item_code, str) else tuple(item_code)


def _confirmed(person) -> bool:
    return person is not None and person.assurance_level >= AssuranceLevel.L2


def agent_may_act_for_enterprise(
    *, agent_user, enterprise_id: int, item_code=None, on: date | None = None
) -> bool:
    """The enterprise's legal representative, or an agent whose active authorisation covers ``item_code``
    (one code or several: all must be covered). An agent whose identity is not confirmed acts for nobody."""
    person = person_for_user(agent_user)
    if not _confirmed(person):
        return False
    if person.represented_enterprises.filter(pk=enterprise_id).exists():
        return True
    auths = Authorisation.objects.filter(agent=person, enterprise_id=enterprise_id)
    return any(_covers(a, _codes(item_code), on) for a in auths)


def agent_may_act_for_person(
    *, agent_user, principal_person_uuid, item_code=None, on: date | None = None
) -> bool:
    person = person_for_user(agent_user)
    if not _confirmed(person):
        return False
    if str(person.uuid) == str(principal_person_uuid):
        return True
    principal = Person.objects.filter(uuid=principal_person_uuid).first()
    if not _confirmed(principal):
        return False
    auths = Authorisation.objects.filter(agent=person, principal_person=principal)
    return any(_covers(a, _codes(item_code), on) for a in auths)


# --- applicants: who a user may apply for, and who may see which cases -----------------------------------
@dataclass(frozen=True)
class Principal:
    """Someone a case can be for: the user's own person, an enterprise, or another person.

    ``items`` is what the user may do for them: None for everything (themselves, an enterprise they
    represent, an all-items authorisation), else the item codes of their active authorisations.
    ``licence_use``: whether the user may use this principal's e-licences."""

    kind: str  # person | enterprise
    uuid: str
    name: str
    assurance_level: int | None  # of a person; None for an enterprise
    holder_kind: str = ""  # as the licence library names them: 111 resident ID number, 001 USCC; "" if none
    holder_code: str = ""
    items: frozenset[str] | None = None
    licence_use: bool = True


def _person_principal(person, items=None, licence_use=True) -> Principal:
    # Only a confirmed identity carries its ID number as a holder code (licences, issuance, 两个免于提交).
    resident = person.id_kind == IdKind.RESIDENT_ID and _confirmed(person)
    return Principal(
        "person",
        str(person.uuid),
        person.real_name,
        person.assurance_level,
        "111" if resident else "",
        person.id_number if resident else "",
        items,
        licence_use,
    )


def _enterprise_principal(enterprise, items=None, licence_use=True) -> Principal:
    return Principal(
        "enterprise", str(enterprise.uuid), enterprise.name, None, "001", enterprise.uscc, items, licence_use
    )


def principal_for(user, *, kind: str, principal_uuid, item_code=None) -> Principal | None:
    """The principal ``user`` may apply for with ``item_code`` (one implementation code, or all those of a
    bundle): themselves (once the register or a window confirmed who they are), an enterprise they
    represent, or an enterprise or person whose active authorisation covers every code; None otherwise."""
    from tongban.accounts.models import Enterprise

    person = person_for_user(user)
    if not _confirmed(person):
        return None
    if kind == "person":
        if str(principal_uuid) == str(person.uuid):
            return _person_principal(person)
        if not agent_may_act_for_person(
            agent_user=user, principal_person_uuid=principal_uuid, item_code=item_code
        ):
            return None
        return _person_principal(Person.objects.get(uuid=principal_uuid))
    if kind == "enterprise":
        enterprise = Enterprise.objects.filter(uuid=principal_uuid).first()
        if enterprise is None or not agent_may_act_for_enterprise(
            agent_user=user, enterprise_id=enterprise.pk, item_code=item_code
        ):
            return None
        return _enterprise_principal(enterprise)
    return None


def _merge(found: dict, principal: Principal) -> None:
    """Two authorisations for one principal add up: their items and their licence use."""
    known = found.get(principal.uuid)
    if known is None:
        found[principal.uuid] = principal
        return
    items = None if known.items is None or principal.items is None else known.items | principal.items
    found[principal.uuid] = dataclasses.replace(
        known, items=items, licence_use=known.licence_use or principal.licence_use
    )


def principals_visible_to(user, *, on: date | None = None) -> list[Principal]:
    """The user's own person (once confirmed) and everyone they act for today: enterprises they represent
    (everything), and the enterprises and persons whose active authorisation they hold (its items, and
    their licences only where it names licence use). Nothing for an unconfirmed identity."""
    person = person_for_user(user)
    if not _confirmed(person):
        return []
    found: dict[str, Principal] = {str(person.uuid): _person_principal(person)}
    for enterprise in person.represented_enterprises.all():
        found[str(enterprise.uuid)] = _enterprise_principal(enterprise)
    auths = Authorisation.objects.filter(agent=person).select_related("enterprise", "principal_person")
    for auth in auths:
        if not authorisation_is_active(auth, on=on):
            continue
        items = None if auth.all_items else frozenset(auth.item_codes)
        if auth.enterprise is not None:
            _merge(found, _enterprise_principal(auth.enterprise, items, auth.licence_use))
        elif auth.principal_person is not None and _confirmed(auth.principal_person):
            _merge(found, _person_principal(auth.principal_person, items, auth.licence_use))
    return list(found.values())


def staff_department_uuids(user, roles: set[str]) -> list[str]:
    """Uuids of the departments inside the subtrees where ``user`` holds one of ``roles``."""
    from tongban.accounts.selectors import organisation_list_in_scope

    paths = org_scope_paths(user, roles)
    if not paths:
        return []
    return [
        str(u)
        for u in organisation_list_in_scope(paths).filter(kind="department").values_list("uuid", flat=True)
    ]


__all__ += ["Principal", "principal_for", "principals_visible_to", "staff_department_uuids"]


def user_phone(user_id: int) -> str | None:
    """The verified phone number of a user, to send them an SMS (never logged)."""
    from tongban.accounts.models import User

    return User.objects.filter(pk=user_id).values_list("phone", flat=True).first() or None


__all__ += ["user_phone"]


from tongban.accounts.auth import api_key_auth, session_auth  # noqa: E402 — the API's authentications

__all__ += ["api_key_auth", "session_auth"]


def client_organisation(actor, scope: str) -> OrganisationInfo | None:
    """The organisation of a machine client holding ``scope``; None for anyone else."""
    if not isinstance(actor, ApiClient) or not actor.is_active or not actor.has_scope(scope):
        return None
    return _organisation_info(actor.organisation)


__all__ += ["client_organisation"]


@dataclass(frozen=True)
class Holder:
    """A licence holder as the licence library names it: code kind (111 ID number, 001 USCC), code, name;
    ``assurance_level`` is that of the person using the licences (the licence type may demand more)."""

    kind: str
    code: str
    name: str
    principal_kind: str  # person | enterprise
    principal_uuid: str
    assurance_level: int = 0


def holders_for_user(user) -> list[Holder]:
    """Whose licences ``user`` may use: their own (a resident ID number the register or a window confirmed),
    those of the enterprises they represent, and those of the enterprises and persons whose active
    authorisation names licence use. An unconfirmed identity holds nothing."""
    from tongban.accounts.models import Enterprise

    person = person_for_user(user)
    if not _confirmed(person):
        return []
    level = person.assurance_level
    found: list[Holder] = []
    principals = [p for p in principals_visible_to(user) if p.licence_use and p.holder_code]
    for p in principals:
        if p.kind == "person":
            found.append(Holder(p.holder_kind, p.holder_code, p.name, "person", p.uuid, level))
    enterprises = [p.uuid for p in principals if p.kind == "enterprise"]
    for enterprise in Enterprise.objects.filter(uuid__in=enterprises).order_by("name"):
        found.append(
            Holder("001", enterprise.uscc, enterprise.name, "enterprise", str(enterprise.uuid), level)
        )
    return found


def holder_of_principal(kind: str, principal_uuid) -> Holder | None:
    """The holder code of an applicant (a person whose resident ID number is confirmed, or an enterprise)."""
    from tongban.accounts.models import Enterprise

    if kind == "person":
        person = Person.objects.filter(
            uuid=principal_uuid, id_kind=IdKind.RESIDENT_ID, assurance_level__gte=AssuranceLevel.L2
        ).first()
        return (
            Holder(
                "111", person.id_number, person.real_name, "person", str(person.uuid), person.assurance_level
            )
            if person
            else None
        )
    if kind == "enterprise":
        enterprise = Enterprise.objects.filter(uuid=principal_uuid).first()
        if enterprise is None:
            return None
        return Holder("001", enterprise.uscc, enterprise.name, "enterprise", str(enterprise.uuid))
    return None


def holder_user_ids(kind: str, code: str) -> list[int]:
    """The users to tell about a holder's licence: the confirmed person, or the enterprise's legal
    representative."""
    from tongban.accounts.models import Enterprise

    if kind == "111":
        return list(
            Person.objects.filter(
                id_kind=IdKind.RESIDENT_ID, id_number=code, assurance_level__gte=AssuranceLevel.L2
            ).values_list("user_id", flat=True)
        )
    if kind == "001":
        return list(
            Enterprise.objects.filter(uscc=code).values_list("legal_representative__user_id", flat=True)
        )
    return []


__all__ += ["Holder", "holder_of_principal", "holder_user_ids", "holders_for_user"]


def staff_organisations(user, roles: set[str]) -> list[OrganisationInfo]:
    """The organisations where ``user`` holds one of ``roles`` (not their subtrees), by name."""
    if not getattr(user, "is_authenticated", False):
        return []
    from tongban.accounts.selectors import staff_memberships

    found = {m.organisation.pk: m.organisation for m in staff_memberships(user) if m.role in roles}
    return sorted((_organisation_info(o) for o in found.values()), key=lambda o: o.name)


__all__ += ["staff_organisations"]


from tongban.accounts.register import item_catalogue_register  # noqa: E402 — the catalogue registers itself

__all__ += ["item_catalogue_register"]


from tongban.accounts.signals import identity_transferred  # noqa: E402 — other contexts connect to it

__all__ += ["identity_transferred"]


def identity_confirmed(user) -> bool:
    """Whether the person behind ``user`` has an identity the register or a window confirmed (L2+)."""
    return _confirmed(person_for_user(user))


from tongban.accounts.errors import IdentityUnconfirmed  # noqa: E402 — raised by other contexts too

__all__ += ["IdentityUnconfirmed", "identity_confirmed"]
