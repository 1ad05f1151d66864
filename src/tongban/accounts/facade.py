"""The stable interface other contexts use for identity: organisations, the actor of a request, who a user
may act for (principals), licence holders, and the API's authentications. Other contexts never import
accounts' models, services or selectors; every function here that concerns the caller takes the request's
:class:`~tongban.core.actors.Actor`, built once by :func:`actor_for`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.http import HttpResponse

from tongban.accounts import oidc, services
from tongban.accounts.access import menu_abilities
from tongban.accounts.actors import actor_for
from tongban.accounts.auth import api_key_auth, session_auth
from tongban.accounts.constants import AssuranceLevel, EnterpriseKind, OrgKind, OtpPurpose, Role
from tongban.accounts.demo import (
    ZHANG_ID_NUMBER,
    DemoApplicant,
    demo_history_applicants,
    demo_load,
    demo_principal_uuids,
    demo_users,
)
from tongban.accounts.errors import IdentityUnconfirmed
from tongban.accounts.models import Authorisation, Enterprise, Organisation, Person, User
from tongban.accounts.register import item_catalog_register
from tongban.accounts.selectors import authorisation_is_active, organisation_list_in_scope
from tongban.accounts.signals import identity_transferred
from tongban.accounts.throttle import throttle_hit
from tongban.core.actors import Actor, ActorKind
from tongban.core.identifiers import IdKind

__all__ = [
    "ZHANG_ID_NUMBER",
    "Actor",
    "DemoApplicant",
    "Holder",
    "IdentityUnconfirmed",
    "OrgKind",
    "OrganisationInfo",
    "Principal",
    "Role",
    "actor_for",
    "actor_for_user_id",
    "agent_may_act_for_enterprise",
    "agent_may_act_for_person",
    "api_key_auth",
    "caller_by_phone",
    "client_organisation",
    "demo_history_applicants",
    "demo_load",
    "demo_principal_uuids",
    "demo_users",
    "enterprise_establish",
    "holder_of_principal",
    "holder_user_ids",
    "holders_for_user",
    "identity_confirmed",
    "identity_transferred",
    "item_catalog_register",
    "menu_abilities",
    "organisation_find",
    "organisation_info",
    "organisation_list",
    "organisations_by_uscc",
    "organisations_info",
    "own_holder",
    "person_user_id",
    "principal_for",
    "principals_visible_to",
    "rating_code_send",
    "rating_code_verify",
    "role_holder_user_ids_over",
    "session_auth",
    "staff_department_uuids",
    "staff_organisations",
    "staff_user_ids_of",
    "throttle_hit",
    "user_contact",
    "user_language",
    "user_masked_label",
    "user_phone",
]


# --- organisations --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrganisationInfo:
    uuid: str
    kind: str
    name: str
    uscc: str
    division_code: str
    path: str


def _organisation_info(org: Organisation) -> OrganisationInfo:
    return OrganisationInfo(str(org.uuid), org.kind, org.name, org.uscc, org.division_code, org.path)


def organisation_info(org_uuid: UUID | str) -> OrganisationInfo | None:
    """Public facts about one organisation (other contexts keep its uuid, never a foreign key)."""
    org = Organisation.objects.filter(uuid=org_uuid).first()
    return _organisation_info(org) if org is not None else None


def organisation_list(*, kind: str, under: UUID | str | None = None) -> list[OrganisationInfo]:
    """Organisations of a kind, by name; with ``under`` (an organisation uuid) only those in its subtree.
    An unknown ``under`` gives an empty list."""
    qs = Organisation.objects.filter(kind=kind)
    if under is not None:
        root = Organisation.objects.filter(uuid=under).values_list("path", flat=True).first()
        if root is None:
            return []
        qs = qs.filter(path__startswith=root)
    return [_organisation_info(o) for o in qs.order_by("name")]


def staff_user_ids_of(org_uuid: UUID | str) -> list[tuple[int, str]]:
    """(user id, display name) of the staff who are members of exactly this organisation (a window's
    clerks), by name."""
    from tongban.accounts.models import StaffMembership

    rows = (
        StaffMembership.objects.filter(organisation__uuid=org_uuid)
        .select_related("user")
        .order_by("user__display_name", "user_id")
    )
    seen: dict[int, str] = {}
    for m in rows:
        seen.setdefault(m.user_id, m.user.display_name or m.user.username)
    return list(seen.items())


def role_holder_user_ids_over(path: str, role: str) -> list[int]:
    """Users holding ``role`` in an organisation at ``path`` or above it (whose reach covers ``path``)."""
    from tongban.accounts.models import StaffMembership

    prefixes = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
    if not prefixes:
        return []
    return sorted(
        set(
            StaffMembership.objects.filter(role=role, organisation__path__in=prefixes).values_list(
                "user_id", flat=True
            )
        )
    )


def rating_code_send(*, user_id: int, ip: str) -> str | None:
    """Send a one-time code for rating a case to the verified phone of ``user_id`` (its applicant; the
    ratings page reached by the case's number and 查询码). Answers the masked number, None without a phone."""
    from tongban.core.identifiers import mask_phone

    phone = user_phone(user_id)
    if not phone:
        return None
    services.otp_send(phone=phone, purpose=OtpPurpose.RATING, ip=ip)
    return mask_phone(phone)


def rating_code_verify(*, user_id: int, code: str) -> bool:
    """Whether ``code`` is the latest rating code sent to the phone of ``user_id`` (used once, 5 tries)."""
    phone = user_phone(user_id)
    if not phone:
        return False
    return services.otp_verify(phone=phone, purpose=OtpPurpose.RATING, code=code)


def actor_for_user_id(user_id: int) -> Actor | None:
    """The actor of an active account (the applicant proven by a rating code acts as themselves)."""
    user = User.objects.filter(id=user_id, is_active=True).first()
    return actor_for(user) if user is not None else None


def caller_by_phone(phone: str) -> tuple[int, str | None] | None:
    """(user id, their person's uuid or None) of the account whose verified phone is ``phone`` (a 12345
    caller), or None."""
    row = User.objects.filter(phone=phone, is_active=True).values_list("id", "person__uuid").first()
    return (row[0], str(row[1]) if row[1] else None) if row else None


def user_masked_label(user_id: int) -> str:
    """How a person is named to staff who may contact them: the masked name and phone."""
    from tongban.core.identifiers import mask_name, mask_phone

    user = User.objects.filter(id=user_id).select_related("person").first()
    if user is None:
        return ""
    person = getattr(user, "person", None)
    name = mask_name(person.real_name) if person is not None else ""
    return " ".join(part for part in (name, mask_phone(user.phone) if user.phone else "") if part)


def organisation_find(*, kind: str, name: str) -> OrganisationInfo | None:
    """An organisation by kind and exact name (demo data and imports use it)."""
    org = Organisation.objects.filter(kind=kind, name=name).order_by("path").first()
    return _organisation_info(org) if org else None


def organisations_by_uscc(usccs: Iterable[str], *, kind: str) -> dict[str, list[OrganisationInfo]]:
    """The organisations of one kind with these USCCs, by USCC (a list: the USCC is not unique in the tree).

    Uuids differ between environments, USCCs do not: catalog imports map departments with this."""
    found: dict[str, list[OrganisationInfo]] = {}
    for org in Organisation.objects.filter(kind=kind, uscc__in=set(usccs)).order_by("path"):
        found.setdefault(org.uscc, []).append(_organisation_info(org))
    return found


def organisations_info(org_uuids: Iterable[UUID | str]) -> dict[str, OrganisationInfo]:
    """Several organisations at once, by uuid (unknown uuids are left out)."""
    return {
        str(org.uuid): _organisation_info(org) for org in Organisation.objects.filter(uuid__in=set(org_uuids))
    }


# --- the caller as staff or as a machine client ----------------------------------------------------------
def staff_department_uuids(actor: Actor, roles: set[str]) -> list[str]:
    """Uuids of the departments inside the subtrees where the actor holds one of ``roles``."""
    paths = actor.org_paths(roles)
    if not paths:
        return []
    return [
        str(u)
        for u in organisation_list_in_scope(paths).filter(kind="department").values_list("uuid", flat=True)
    ]


def staff_organisations(actor: Actor, roles: set[str]) -> list[OrganisationInfo]:
    """The organisations where the actor holds one of ``roles`` (not their subtrees), by name."""
    found = {m.organisation_uuid: m for m in actor.memberships if m.role in roles}
    if not found:
        return []
    orgs = Organisation.objects.filter(uuid__in=list(found))
    return sorted((_organisation_info(o) for o in orgs), key=lambda o: o.name)


def client_organisation(actor: Actor, scope: str) -> OrganisationInfo | None:
    """The organisation of a machine client holding ``scope``; None for anyone else."""
    if actor.kind != ActorKind.CLIENT or scope not in actor.scopes or actor.organisation_uuid is None:
        return None
    return organisation_info(actor.organisation_uuid)


def person_user_id(person_uuid: UUID | str) -> int | None:
    """The account of a person (whose data a read concerns: 谁使用了我的信息), or None."""
    return Person.objects.filter(uuid=person_uuid).values_list("user_id", flat=True).first()


def user_language(user_id: int) -> str:
    """The language a user chose for the interface ("" when never chosen): what they are told in."""
    return User.objects.filter(pk=user_id).values_list("language", flat=True).first() or ""


def user_contact(user_id: int) -> tuple[str, str]:
    """(real name, verified phone) of a person's account, "" for what is unknown: what another member's 12345
    needs to answer and revisit a ticket transferred to it (ratings.md §7). Never logged."""
    user = User.objects.filter(pk=user_id).select_related("person").first()
    if user is None:
        return "", ""
    person = getattr(user, "person", None)
    return (person.real_name if person is not None else ""), user.phone or ""


def user_phone(user_id: int) -> str | None:
    """The verified phone number of a user, to send them an SMS (never logged)."""
    return User.objects.filter(pk=user_id).values_list("phone", flat=True).first() or None


# --- who a user may act for ------------------------------------------------------------------------------
def _confirmed(person: Person | None) -> bool:
    return person is not None and person.assurance_level >= AssuranceLevel.L2


def identity_confirmed(actor: Actor) -> bool:
    """Whether the person behind the actor has an identity the register or a window confirmed (L2+)."""
    return actor.person_id is not None and actor.assurance_level >= AssuranceLevel.L2


def _person_of(actor: Actor) -> Person | None:
    """The actor's own person, when their identity is confirmed (an unconfirmed one acts for nobody)."""
    if not identity_confirmed(actor):
        return None
    person = actor.extra.get("person")  # read with the user when the actor was made
    if person is None or person.pk != actor.person_id:
        person = Person.objects.filter(pk=actor.require_person_id()).first()
    return person


def _covers(auth: Authorisation, item_codes: tuple[str, ...] | None, on: date | None) -> bool:
    """Whether an authorisation, active on ``on``, covers every one of ``item_codes`` (None: no particular
    items, which only an all-items authorisation covers)."""
    if not authorisation_is_active(auth, on=on):
        return False
    if auth.all_items:
        return True
    if not item_codes:
        return False
    return set(item_codes) <= set(auth.item_codes)


def _codes(item_code: str | Iterable[str] | None) -> tuple[str, ...] | None:
    if item_code is None:
        return None
    return (item_code,) if isinstance(item_code, str) else tuple(item_code)


def agent_may_act_for_enterprise(
    *, agent: Actor, enterprise_id: int, item_code: str | Iterable[str] | None = None, on: date | None = None
) -> bool:
    """The enterprise's legal representative, or an agent whose active authorisation covers ``item_code``
    (one code or several: all must be covered). An agent whose identity is not confirmed acts for nobody."""
    person = _person_of(agent)
    if person is None:
        return False
    if person.represented_enterprises.filter(pk=enterprise_id).exists():
        return True
    auths = Authorisation.objects.filter(agent=person, enterprise_id=enterprise_id)
    return any(_covers(a, _codes(item_code), on) for a in auths)


def agent_may_act_for_person(
    *,
    agent: Actor,
    principal_person_uuid: UUID | str,
    item_code: str | Iterable[str] | None = None,
    on: date | None = None,
) -> bool:
    person = _person_of(agent)
    if person is None:
        return False
    if str(person.uuid) == str(principal_person_uuid):
        return True
    principal = Person.objects.filter(uuid=principal_person_uuid).first()
    if not _confirmed(principal):
        return False
    auths = Authorisation.objects.filter(agent=person, principal_person=principal)
    return any(_covers(a, _codes(item_code), on) for a in auths)


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


def _person_principal(
    person: Person, items: frozenset[str] | None = None, licence_use: bool = True
) -> Principal:
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


def _enterprise_principal(
    enterprise: Enterprise, items: frozenset[str] | None = None, licence_use: bool = True
) -> Principal:
    return Principal(
        "enterprise", str(enterprise.uuid), enterprise.name, None, "001", enterprise.uscc, items, licence_use
    )


def principal_for(
    actor: Actor, *, kind: str, principal_uuid: UUID | str, item_code: str | Iterable[str] | None = None
) -> Principal | None:
    """The principal the actor may apply for with ``item_code`` (one implementation code, or all those of
    a bundle): themselves (once the register or a window confirmed who they are), an enterprise they
    represent, or an enterprise or person whose active authorisation covers every code; None otherwise."""
    person = _person_of(actor)
    if person is None:
        return None
    if kind == "person":
        if str(principal_uuid) == str(person.uuid):
            return _person_principal(person)
        if not agent_may_act_for_person(
            agent=actor, principal_person_uuid=principal_uuid, item_code=item_code
        ):
            return None
        return _person_principal(Person.objects.get(uuid=principal_uuid))
    if kind == "enterprise":
        enterprise = Enterprise.objects.filter(uuid=principal_uuid).first()
        if enterprise is None or not agent_may_act_for_enterprise(
            agent=actor, enterprise_id=enterprise.pk, item_code=item_code
        ):
            return None
        return _enterprise_principal(enterprise)
    return None


def _merge(found: dict[str, Principal], principal: Principal) -> None:
    """Two authorisations for one principal add up: their items and their licence use."""
    known = found.get(principal.uuid)
    if known is None:
        found[principal.uuid] = principal
        return
    items = None if known.items is None or principal.items is None else known.items | principal.items
    found[principal.uuid] = dataclasses.replace(
        known, items=items, licence_use=known.licence_use or principal.licence_use
    )


def principals_visible_to(actor: Actor, *, on: date | None = None) -> list[Principal]:
    """The actor's own person (once confirmed) and everyone they act for today: enterprises they represent
    (everything), and the enterprises and persons whose active authorisation they hold (its items, and
    their licences only where it names licence use). Nothing for an unconfirmed identity."""
    person = _person_of(actor)
    if person is None:
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


# --- establishment registration (开办企业) ----------------------------------------------------------------
_ENTERPRISE_KIND_BY_LABEL = {str(label): value for value, label in EnterpriseKind.choices}


def enterprise_establish(
    *, name: str, kind_label: str, legal_representative_uuid: str, division_code: str, registrar_name: str
) -> Holder:
    """Register a new market entity with the person as its legal representative (its USCC assigned here)
    and answer it as a licence holder; ``kind_label`` is the kind as the form names it (有限责任公司…).
    Raises the InvalidInput / AssuranceTooLow of accounts."""
    kind = EnterpriseKind.LLC if not kind_label else ""
    for label, value in _ENTERPRISE_KIND_BY_LABEL.items():
        if kind_label.startswith(label):  # 有限责任公司（自然人独资） is an 有限责任公司
            kind = value
            break
    enterprise = services.enterprise_establish(
        name=name,
        kind=kind,
        legal_representative_uuid=legal_representative_uuid,
        division_code=division_code,
        registrar_name=registrar_name,
    )
    return Holder("001", enterprise.uscc, enterprise.name, "enterprise", str(enterprise.uuid))


# --- licence holders -------------------------------------------------------------------------------------
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


def holders_for_user(actor: Actor) -> list[Holder]:
    """Whose licences the actor may use: their own (a resident ID number the register or a window
    confirmed), those of the enterprises they represent, and those of the enterprises and persons whose
    active authorisation names licence use. An unconfirmed identity holds nothing."""
    if not identity_confirmed(actor):
        return []
    cached = actor.extra.get("holders")  # once per request: the card bag page asks twice
    if cached is not None:
        return list(cached)
    level = actor.assurance_level
    found: list[Holder] = []
    principals = [p for p in principals_visible_to(actor) if p.licence_use and p.holder_code]
    for p in principals:
        if p.kind == "person":
            found.append(Holder(p.holder_kind, p.holder_code, p.name, "person", p.uuid, level))
    enterprises = [p.uuid for p in principals if p.kind == "enterprise"]
    for enterprise in Enterprise.objects.filter(uuid__in=enterprises).order_by("name"):
        found.append(
            Holder("001", enterprise.uscc, enterprise.name, "enterprise", str(enterprise.uuid), level)
        )
    actor.extra["holders"] = tuple(found)
    return found


def own_holder(actor: Actor) -> Holder | None:
    """The actor as the holder of their own licences (a confirmed resident ID number), read with the actor:
    whose licence uses are uses of their own data (谁使用了我的信息)."""
    person = _person_of(actor)
    if person is None or person.id_kind != IdKind.RESIDENT_ID:
        return None
    return Holder(
        "111", person.id_number, person.real_name, "person", str(person.uuid), person.assurance_level
    )


def holder_of_principal(kind: str, principal_uuid: UUID | str) -> Holder | None:
    """The holder code of an applicant (a person whose resident ID number is confirmed, or an enterprise)."""
    if kind == "person":
        person = Person.objects.filter(
            uuid=principal_uuid, id_kind=IdKind.RESIDENT_ID, assurance_level__gte=AssuranceLevel.L2
        ).first()
        if person is None:
            return None
        return Holder(
            "111", person.id_number, person.real_name, "person", str(person.uuid), person.assurance_level
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


# --- the front desk: a walk-in applicant identified at a window ------------------------------------------
@dataclass(frozen=True)
class PersonAtWindow:
    """A person the platform knows, as a window clerk may see them: masked name and ID number only."""

    uuid: str
    label: str  # 张* 310101********1233
    assurance_level: int
    enterprises: tuple[tuple[str, str], ...]  # (uuid, name) of the enterprises they legally represent


def _at_window(person: Person) -> PersonAtWindow:
    from tongban.core.identifiers import mask_id_number, mask_name

    return PersonAtWindow(
        str(person.uuid),
        f"{mask_name(person.real_name)} {mask_id_number(person.id_number)}",
        person.assurance_level,
        tuple((str(e.uuid), e.name) for e in person.represented_enterprises.order_by("name")),
    )


def person_by_id_number(id_number: str, name: str) -> PersonAtWindow | None:
    """The person whose confirmed (L2+) resident ID number is ``id_number`` (validated by the caller), only
    when ``name`` is theirs; None when the platform has no such person. A name that does not match raises
    ``LookupError`` (the caller says so without showing the name on record)."""
    person = Person.objects.filter(
        id_kind=IdKind.RESIDENT_ID, id_number=id_number, assurance_level__gte=AssuranceLevel.L2
    ).first()
    if person is None:
        return None
    if person.real_name != (name or "").strip():
        raise LookupError("name")
    return _at_window(person)


def person_at_window(person_uuid: UUID | str) -> PersonAtWindow | None:
    """A confirmed person by uuid, as the window shows them (after they were identified)."""
    person = Person.objects.filter(uuid=person_uuid, assurance_level__gte=AssuranceLevel.L2).first()
    return _at_window(person) if person is not None else None


def window_principal(*, kind: str, principal_uuid: UUID | str, person_uuid: UUID | str) -> Principal | None:
    """Whom a case opened at a window is for, once the clerk identified ``person_uuid`` in person: that
    person themselves, or an enterprise they legally represent; None otherwise."""
    person = Person.objects.filter(uuid=person_uuid, assurance_level__gte=AssuranceLevel.L2).first()
    if person is None:
        return None
    if kind == "person":
        return _person_principal(person) if str(principal_uuid) == str(person.uuid) else None
    if kind == "enterprise":
        enterprise = person.represented_enterprises.filter(uuid=principal_uuid).first()
        return _enterprise_principal(enterprise) if enterprise is not None else None
    return None


def division_code_of(org_uuid: UUID | str) -> str:
    """The administrative division (GB/T 2260) an organisation belongs to: its own code, else that of its
    nearest ancestor that has one; "" when none has."""
    org = Organisation.objects.filter(uuid=org_uuid).first()
    if org is None:
        return ""
    if org.division_code:
        return org.division_code
    ancestors = [p for p in org.path.rstrip("/").split("/")[:-1] if p]
    rows = dict(
        Organisation.objects.filter(uuid__in=[UUID(hex=p) for p in ancestors]).values_list(
            "uuid", "division_code"
        )
    )
    for part in reversed(ancestors):
        code = rows.get(UUID(hex=part)) or ""
        if code:
            return code
    return ""


__all__ += [
    "PersonAtWindow",
    "division_code_of",
    "person_at_window",
    "person_by_id_number",
    "window_principal",
]


# --- 好差评 exchange (ratings' exports): organisations' divisions and evaluators' identities, in batches ----
@dataclass(frozen=True)
class ExchangeOrganisation:
    """An organisation as the exchange formats name it: its USCC and the division it belongs to (its own
    code, else that of its nearest ancestor that has one), with that division's organisation's name."""

    uuid: str
    name: str
    uscc: str
    path: str
    division_code: str
    division_name: str


def organisations_exchange_info(org_uuids: Iterable[UUID | str]) -> dict[str, ExchangeOrganisation]:
    """:class:`ExchangeOrganisation` of several organisations at once, by uuid (unknown uuids left out).
    Two queries, whatever their number."""
    orgs = list(Organisation.objects.filter(uuid__in={str(u) for u in org_uuids}))
    if not orgs:
        return {}
    ancestors = {p for org in orgs for p in org.path.rstrip("/").split("/")[:-1] if p}
    above = {
        u.hex: (code, name)
        for u, code, name in Organisation.objects.filter(
            uuid__in=[UUID(hex=p) for p in ancestors]
        ).values_list("uuid", "division_code", "name")
    }
    found: dict[str, ExchangeOrganisation] = {}
    for org in orgs:
        code, name = org.division_code, org.name
        if not code:
            parts = [p for p in org.path.rstrip("/").split("/")[:-1] if p]
            code, name = next((above[p] for p in reversed(parts) if p in above and above[p][0]), ("", ""))
        found[str(org.uuid)] = ExchangeOrganisation(str(org.uuid), org.name, org.uscc, org.path, code, name)
    return found


def organisation_uuids_in_scope(paths: list[str]) -> list[str]:
    """The uuids of every organisation inside the subtrees ``paths`` (an actor's ``org_paths``)."""
    if not paths:
        return []
    return [str(u) for u in organisation_list_in_scope(paths).values_list("uuid", flat=True)]


@dataclass(frozen=True)
class EvaluatorIdentity:
    """What an exchange record says of an evaluator: their account's public id, real name and ID number
    (nothing else: no phone, no address)."""

    user_uuid: str
    real_name: str
    id_number: str


def evaluator_identities(user_ids: Iterable[int]) -> dict[int, EvaluatorIdentity]:
    """The identities of several users' persons at once, by user id (users without a person left out)."""
    rows = Person.objects.filter(user_id__in={int(u) for u in user_ids}).values_list(
        "user_id", "user__uuid", "real_name", "id_number"
    )
    return {uid: EvaluatorIdentity(str(uuid_), name, number) for uid, uuid_, name, number in rows}


def enterprise_codes(enterprise_uuids: Iterable[UUID | str]) -> dict[str, tuple[str, str]]:
    """(name, USCC) of several enterprises at once, by uuid (unknown uuids left out)."""
    keys = {str(u) for u in enterprise_uuids}
    if not keys:
        return {}
    rows = Enterprise.objects.filter(uuid__in=keys).values_list("uuid", "name", "uscc")
    return {str(u): (name, code) for u, name, code in rows}


__all__ += [
    "EvaluatorIdentity",
    "ExchangeOrganisation",
    "enterprise_codes",
    "evaluator_identities",
    "organisation_uuids_in_scope",
    "organisations_exchange_info",
]


def person_link_federated(
    *, member: str, subject: str, id_kind: str, id_number: str, real_name: str, assurance_level: int
) -> tuple[int, str, int]:
    """Link a person another member of the region vouches for (services.person_link_federated): their
    ``(user id, person uuid, level to act with)`` here."""
    person, level = services.person_link_federated(
        services.FederatedPerson(
            member=member,
            subject=subject,
            id_kind=id_kind,
            id_number=id_number,
            real_name=real_name,
            assurance_level=assurance_level,
        )
    )
    return person.user_id, str(person.uuid), level


@dataclass(frozen=True)
class PersonIdentity:
    """Who a logged-in person is, for another member of the region to vouch for them (never shown)."""

    person_uuid: str
    user_uuid: str
    id_kind: str
    id_number: str
    real_name: str
    level: int


def person_identity(actor: Actor) -> PersonIdentity | None:
    person = _person_of(actor)
    if person is None:
        return None
    return PersonIdentity(
        str(person.uuid),
        str(actor.uuid),
        person.id_kind,
        person.id_number,
        person.real_name,
        int(person.assurance_level),
    )


# --- the OpenID Connect provider (accounts.oidc) -----------------------------------------------------------
OIDC_VERIFY_SCOPE = oidc.VERIFY_SCOPE
OidcExternalClient = oidc.ExternalClient


def oidc_register_member_client(*, client_id: str, name: str, redirect_uris: list[str]) -> None:
    """Create or update (idempotent) a federation member's login client: a public client using the
    authorization code flow with PKCE (S256), allowed the ``tongban_identity`` scope, the person asked for
    consent each time. A redirect URI that is not acceptable raises Django's ``ValidationError``."""
    oidc.member_client_register(client_id=client_id, name=name, redirect_uris=redirect_uris)


def oidc_client_source(kind: str, source: Callable[[str], oidc.ExternalClient | None]) -> None:
    """Register, at start-up, where the credentials of clients of ``kind`` are kept: ``source(client_id)``
    answers the client (name, SHA-256 of its secret, whether it is active, its scopes) or None. Such a
    client gets tokens from ``/o/token/`` by the client-credentials grant."""
    oidc.oidc_client_source(kind, source)


def oidc_access_token_client_id(token: str, *, source: str, scope: str) -> str | None:
    """The client id behind a valid (unexpired, unrevoked) access token with ``scope`` issued to a client of
    ``source``; None for anything else."""
    return oidc.access_token_client_id(token, source=source, scope=scope)


def oidc_token_response(request) -> HttpResponse:
    """The provider's token endpoint (``/o/token/``) answering ``request`` (for an older URL of it)."""
    from tongban.accounts.views_oidc import token_view

    return token_view(request)


__all__ += [
    "OIDC_VERIFY_SCOPE",
    "OidcExternalClient",
    "oidc_access_token_client_id",
    "oidc_client_source",
    "oidc_register_member_client",
    "oidc_token_response",
]


# --- 长三角: one login for the region (the relying party's side is the federation's) --------------------------
from tongban.accounts.actors import FEDERATED_LEVEL_SESSION  # noqa: E402


def oidc_public_jwks() -> list[dict]:
    """The provider's ID-token signing keys, public halves, as its JWKS publishes them (the active key and
    those kept after a rotation): what a partner member checks this member's ID tokens with."""
    import json

    from django.conf import settings
    from jwcrypto import jwk

    provider: dict[str, Any] = dict(settings.OAUTH2_PROVIDER)
    pems: list[str] = [
        provider.get("OIDC_RSA_PRIVATE_KEY") or "",
        *(provider.get("OIDC_RSA_PRIVATE_KEYS_INACTIVE") or []),
    ]
    keys = []
    for pem in pems:
        if not pem:
            continue
        key = jwk.JWK.from_pem(str(pem).encode("utf8"))
        keys.append(
            {"alg": "RS256", "use": "sig", "kid": key.thumbprint(), **json.loads(key.export_public())}
        )
    return keys


def login_federated(request, *, user_id: int, level: int, member: str) -> None:
    """Log ``user_id`` in on this request after another member of the region vouched for them: their session
    acts with the level that member asserted, never more than it (``ActorMiddleware`` caps it)."""
    from django.conf import settings

    user = User.objects.get(pk=user_id)
    user.backend = settings.AUTHENTICATION_BACKENDS[0]  # type: ignore[attr-defined]
    services._login(request, user, method=f"federated:{member}")
    request.session[FEDERATED_LEVEL_SESSION] = int(level)
