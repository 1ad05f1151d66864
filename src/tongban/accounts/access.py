"""The only way to fetch protected identity rows. Anything the actor may not see is 'not found'."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet

from tongban.accounts.constants import ApiScope, Role
from tongban.accounts.errors import (
    AccountError,
    AuthorisationNotFound,
    EnterpriseNotFound,
    OrganisationNotFound,
    PersonNotFound,
)
from tongban.accounts.models import Authorisation, Enterprise, Organisation, Person
from tongban.accounts.selectors import enterprise_list_for_person, organisation_list_in_scope, person_of_actor
from tongban.core.actors import Actor, ActorKind
from tongban.core.audit import audit_record
from tongban.core.errors import NotFound, PermissionDenied
from tongban.core.identifiers import IdKind, mask_id_number, validate_id_number

# Staff who may look up any person (any window accepts any applicant: 无差别受理).
PERSON_LOOKUP_ROLES = {Role.WINDOW_CLERK, Role.REVIEWER, Role.ISSUER, Role.PLATFORM_ADMIN}


def actor_org_paths(actor: Actor, roles: set[str] | None = None) -> list[str]:
    """The subtrees the actor reaches: a client its organisation's, staff those of their memberships with
    one of ``roles`` (any role when None)."""
    if actor.kind == ActorKind.CLIENT:
        return [actor.organisation_path]
    return actor.org_paths(roles)


def _require_scope(actor: Actor, scope: ApiScope) -> None:
    if actor.kind == ActorKind.CLIENT and scope not in actor.scopes:
        raise PermissionDenied(AccountError.SCOPE_MISSING, scope=scope.value)


def access_organisation_by_uuid(
    *, actor: Actor, org_uuid: UUID, roles: set[str] | None = None
) -> Organisation:
    _require_scope(actor, ApiScope.ORGS_READ)
    org = Organisation.objects.filter(uuid=org_uuid).select_related("parent").first()
    if org is None:
        raise OrganisationNotFound()
    if any(org.path.startswith(p) for p in actor_org_paths(actor, roles)):
        return org
    raise OrganisationNotFound()


def access_organisation_list(*, actor: Actor) -> QuerySet[Organisation]:
    """The organisations in the actor's subtrees (staff: their memberships'; a client: its organisation's,
    with the ``orgs:read`` scope)."""
    _require_scope(actor, ApiScope.ORGS_READ)
    return organisation_list_in_scope(actor_org_paths(actor))


def access_person_by_identifier(*, actor: Actor, id_kind: str, id_number: str, purpose: str) -> Person:
    """A staff member (or a client with persons:lookup) looks a person up; the read is audited."""
    if actor.kind == ActorKind.CLIENT:
        _require_scope(actor, ApiScope.PERSONS_LOOKUP)
        org_path = actor.organisation_path
    else:
        if not actor.has_role(*PERSON_LOOKUP_ROLES):
            raise PersonNotFound()
        paths = actor.org_paths(PERSON_LOOKUP_ROLES)
        org_path = paths[0] if paths else ""
    # A number that fails its check cannot be anyone's: refused with its code (422), not looked up.
    number = validate_id_number(id_kind or IdKind.RESIDENT_ID, id_number)
    person = Person.objects.filter(id_kind=id_kind or IdKind.RESIDENT_ID, id_number=number).first()
    audit_record(
        actor=actor,
        action="person.lookup",
        object_type="person",
        object_id=person.uuid if person else "",
        after={
            "id_number": mask_id_number(number),
            "found": person is not None,
            "purpose": purpose[:200],
            "organisation": actor.organisation_name(PERSON_LOOKUP_ROLES),
        },
        org_path=org_path,
        subject_user_id=person.user_id if person else None,
    )
    if person is None:
        raise PersonNotFound()
    return person


def access_person_by_uuid_for_staff(*, actor: Actor, person_uuid: UUID, roles: set[str]) -> Person:
    if not actor.has_role(*roles):
        raise PersonNotFound()
    person = Person.objects.filter(uuid=person_uuid).select_related("user").first()
    if person is None:
        raise PersonNotFound()
    return person


def access_enterprise_by_uuid(
    *, actor: Actor, enterprise_uuid: UUID, as_legal_representative: bool = False
) -> Enterprise:
    person = person_of_actor(actor)
    if person is None:
        raise EnterpriseNotFound()
    qs = (
        Enterprise.objects.filter(legal_representative=person)
        if as_legal_representative
        else enterprise_list_for_person(person)
    )
    enterprise = qs.filter(uuid=enterprise_uuid).select_related("legal_representative").first()
    if enterprise is None:
        raise EnterpriseNotFound()
    return enterprise


def access_authorisation_by_uuid(*, actor: Actor, authorisation_uuid: UUID) -> Authorisation:
    """The grantor (the principal, or the enterprise's legal representative) or the agent."""
    person = person_of_actor(actor)
    if person is None:
        raise AuthorisationNotFound()
    auth = (
        Authorisation.objects.filter(uuid=authorisation_uuid)
        .filter(Q(principal_person=person) | Q(enterprise__legal_representative=person) | Q(agent=person))
        .select_related("agent", "enterprise", "principal_person")
        .first()
    )
    if auth is None:
        raise AuthorisationNotFound()
    return auth


AUDIT_ROLES = {Role.SUPERVISOR, Role.PLATFORM_ADMIN}


def audit_scope(actor: Actor) -> list[str] | None:
    """Where in the audit trail the actor may read: None for the whole platform (platform admins), else the
    subtrees they supervise (a client: its organisation's, with the ``audit:read`` scope). Anyone else:
    not found."""
    if actor.kind == ActorKind.CLIENT:
        _require_scope(actor, ApiScope.AUDIT_READ)
        return [actor.organisation_path]
    if actor.is_platform_admin:
        return None
    paths = actor.org_paths(AUDIT_ROLES)
    if not paths:
        raise NotFound()
    return paths


def require_window_clerk(actor: Actor) -> None:
    """Face-to-face checks (verification in person, recovery of an identity) are a window clerk's."""
    if not actor.has_role(Role.WINDOW_CLERK):
        raise PermissionDenied()


def require_platform_admin(actor: Actor) -> None:
    if not actor.is_platform_admin:
        raise NotFound()


def require_staff_role(actor: Actor) -> frozenset[str]:
    """Any staff role: the workbench is theirs. Returns the roles."""
    if not actor.roles:
        raise NotFound()
    return actor.roles


def workbench_abilities(actor: Actor) -> dict[str, bool]:
    """What the staff workbench offers the actor: person look-up, the audit trail, the admin pages."""
    return {
        "can_lookup": actor.has_role(*PERSON_LOOKUP_ROLES),
        "can_audit": actor.has_role(*AUDIT_ROLES),
        "is_admin": actor.is_platform_admin,
    }


# What the header menu offers staff, by role. Each page checks for itself (cases.access.require_staff for
# the inbox, cases.access.supervised_department_uuids for the board, licences.verifiers.identity_of for the
# verify page); tests/accounts/test_menu.py holds these sets to those checks.
INBOX_ROLES = frozenset({Role.WINDOW_CLERK, Role.REVIEWER})
INTAKE_ROLES = frozenset({Role.WINDOW_CLERK})
VERIFY_ROLES = frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.ISSUER})
SUPERVISION_ROLES = frozenset({Role.SUPERVISOR})


def menu_abilities(actor: Actor) -> dict[str, bool]:
    """The entries of the header menu: a person's own pages (my cases, the card bag) for citizens; the
    workbench and the pages of their roles for staff."""
    staff = bool(actor.roles)
    return {
        "citizen": not staff,
        "staff": staff,
        "inbox": actor.has_role(*INBOX_ROLES),
        "intake": actor.has_role(*INTAKE_ROLES),
        "verify": actor.has_role(*VERIFY_ROLES),
        "supervision": actor.has_role(*SUPERVISION_ROLES),
        "supervision_figures": actor.has_role(*SUPERVISION_ROLES),  # supervision.access.supervision_scope
        "seal_review": actor.has_role(Role.SEAL_AUTHORITY),
        "rating_handling": actor.has_role(Role.RATING_HANDLER, Role.SUPERVISOR),
        "rating_supervision": actor.has_role(Role.SUPERVISOR),
        "hotline": actor.has_role(Role.HOTLINE_OPERATOR),
    }
