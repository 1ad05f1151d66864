"""The only way to fetch protected identity rows. Anything the actor may not see is 'not found'."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q

from tongban.accounts.constants import ApiScope, Role
from tongban.accounts.errors import (
    AuthorisationNotFound,
    EnterpriseNotFound,
    OrganisationNotFound,
    PersonNotFound,
)
from tongban.accounts.models import ApiClient, Authorisation, Enterprise, Organisation, Person, User
from tongban.accounts.selectors import (
    enterprise_list_for_person,
    org_scope_paths,
    person_for_user,
    staff_roles,
)
from tongban.core.audit import audit_record
from tongban.core.errors import PermissionDenied
from tongban.core.identifiers import IdKind, mask_id_number, validate_id_number

# Staff who may look up any person (any window accepts any applicant: 无差别受理).
PERSON_LOOKUP_ROLES = {Role.WINDOW_CLERK, Role.REVIEWER, Role.ISSUER, Role.PLATFORM_ADMIN}


def actor_org_paths(actor, roles: set[str] | None = None) -> list[str]:
    if isinstance(actor, ApiClient):
        return [actor.organisation.path]
    return org_scope_paths(actor, roles)


def access_organisation_by_uuid(*, actor, org_uuid: UUID, roles: set[str] | None = None) -> Organisation:
    if isinstance(actor, ApiClient) and not actor.has_scope(ApiScope.ORGS_READ):
        raise PermissionDenied("scope_missing", scope=ApiScope.ORGS_READ.value)
    org = Organisation.objects.filter(uuid=org_uuid).select_related("parent").first()
    if org is None:
        raise OrganisationNotFound()
    if any(org.path.startswith(p) for p in actor_org_paths(actor, roles)):
        return org
    raise OrganisationNotFound()


def access_person_by_identifier(*, actor, id_kind: str, id_number: str, purpose: str) -> Person:
    """A staff member (or a client with persons:lookup) looks a person up; the read is audited."""
    from tongban.accounts.facade import audit_actor

    if isinstance(actor, ApiClient):
        if not actor.has_scope(ApiScope.PERSONS_LOOKUP):
            raise PermissionDenied("scope_missing", scope=ApiScope.PERSONS_LOOKUP.value)
        org_path = actor.organisation.path
    else:
        if not (staff_roles(actor) & PERSON_LOOKUP_ROLES):
            raise PersonNotFound()
        paths = org_scope_paths(actor, PERSON_LOOKUP_ROLES)
        org_path = paths[0] if paths else ""
    # A number that fails its check cannot be anyone's: refused with its code (422), not looked up.
    number = validate_id_number(id_kind or IdKind.RESIDENT_ID, id_number)
    person = Person.objects.filter(id_kind=id_kind or IdKind.RESIDENT_ID, id_number=number).first()
    audit_record(
        actor=audit_actor(actor),
        action="person.lookup",
        object_type="person",
        object_id=person.uuid if person else "",
        after={"id_number": mask_id_number(number), "found": person is not None, "purpose": purpose[:200]},
        org_path=org_path,
        subject_user_id=person.user_id if person else None,
    )
    if person is None:
        raise PersonNotFound()
    return person


def access_person_by_uuid_for_staff(*, actor: User, person_uuid: UUID, roles: set[str]) -> Person:
    if not (staff_roles(actor) & roles):
        raise PersonNotFound()
    person = Person.objects.filter(uuid=person_uuid).select_related("user").first()
    if person is None:
        raise PersonNotFound()
    return person


def access_enterprise_by_uuid(
    *, actor: User, enterprise_uuid: UUID, as_legal_representative=False
) -> Enterprise:
    person = person_for_user(actor)
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


def access_authorisation_by_uuid(*, actor: User, authorisation_uuid: UUID) -> Authorisation:
    """The grantor (the principal, or the enterprise's legal representative) or the agent."""
    person = person_for_user(actor)
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
