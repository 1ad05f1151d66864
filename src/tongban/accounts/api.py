"""Identity API: login, registration, my account, enterprises, authorisations, organisations, lookups."""

from datetime import UTC, datetime
from uuid import UUID

from django.conf import settings
from django.middleware.csrf import get_token
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field, field_validator

from tongban.accounts import services
from tongban.accounts.access import (
    access_authorisation_by_uuid,
    access_enterprise_by_uuid,
    access_organisation_by_uuid,
    access_organisation_list,
    access_person_by_identifier,
    access_person_by_uuid_for_staff,
    audit_scope,
)
from tongban.accounts.auth import api_key_auth, session_auth, session_or_key
from tongban.accounts.constants import Role
from tongban.accounts.schemas import (
    AccessLogOut,
    AuditEventOut,
    AuthorisationIn,
    AuthorisationOut,
    ConfirmWithRegisterIn,
    EnterpriseIn,
    EnterpriseOut,
    LoginIn,
    MeOut,
    OrganisationOut,
    PasswordResetIn,
    PersonLookupIn,
    PersonOut,
    PersonRegisterIn,
    PreferencesIn,
    SmsLoginIn,
    SmsSendIn,
    SmsSentOut,
    StaffOut,
    WindowRecoveryIn,
)
from tongban.accounts.selectors import (
    authorisation_is_active,
    authorisation_list_given,
    authorisation_list_held,
    enterprise_list_for_person,
    person_for_user,
    staff_memberships,
)
from tongban.core.audit import AuditQuery, audit_event_list, audit_events_about
from tongban.core.identifiers import mask_id_number, mask_name, mask_phone
from tongban.core.pagination import BoundedLimitOffsetPagination
from tongban.core.schemas import responses

router = Router(tags=["accounts"])
ops_router = Router(tags=["operations"])


class OkOut(Schema):
    ok: bool


# --- authentication -------------------------------------------------------------------------------
@router.post("/auth/login", response=responses({200: MeOut}, 401, 423, 429), auth=None)
def login(request, payload: LoginIn):
    """Password login (by login name or phone). Public; throttled per IP and locked per account."""
    user = services.login_with_password(
        request=request, identifier=payload.username, password=payload.password
    )
    get_token(request)
    return _me(user, request)


@router.post("/auth/sms", response=responses({202: SmsSentOut}, 429), auth=None)
def sms_send(request, payload: SmsSendIn):
    """Send a one-time code by SMS (purpose login or register). Public; throttled per phone and IP."""
    services.otp_send(phone=payload.phone, purpose=payload.purpose, ip=request.client_ip)
    return Status(202, {"sent": True, "expires_in": settings.TONGBAN_SMS_CODE_TTL_SECONDS})


@router.post("/auth/sms/login", response=responses({200: MeOut}, 401, 423, 429), auth=None)
def sms_login(request, payload: SmsLoginIn):
    """Log in with a one-time SMS code. Public."""
    user = services.login_with_sms(request=request, phone=payload.phone, code=payload.code)
    get_token(request)
    return _me(user, request)


@router.post("/auth/password-reset", response=responses({200: OkOut}, 429), auth=None)
def password_reset(request, payload: PasswordResetIn):
    """Set a new password with an SMS code (purpose=reset); ends every session. Public."""
    services.password_reset(phone=payload.phone, code=payload.code, new_password=payload.new_password)
    return {"ok": True}


@router.post("/auth/logout", response=responses({200: OkOut}, 401, 403), auth=session_auth)
def logout(request):
    """End this session. Any logged-in person."""
    services.logout_here(request=request)
    return {"ok": True}


@router.post("/auth/logout-everywhere", response=responses({200: OkOut}, 401, 403), auth=session_auth)
def logout_everywhere(request):
    """End every session of this account on every device. Any logged-in person."""
    services.user_logout_everywhere(request=request)
    return {"ok": True}


# --- registration and my account ------------------------------------------------------------------
@router.post("/register/person", response=responses({201: PersonOut}, 409, 429), auth=None)
def register_person(request, payload: PersonRegisterIn):
    """Register a natural person (needs an SMS code sent with purpose=register). Public."""
    person = services.person_register(
        data=services.PersonRegistration(
            real_name=payload.real_name,
            id_kind=payload.id_kind,
            id_number=payload.id_number,
            phone=payload.phone,
            password=payload.password,
            sms_code=payload.sms_code,
        ),
        ip=request.client_ip,
    )
    return Status(201, PersonOut.of(person, holder=True))


def _me(user, request) -> dict:
    from tongban.accounts.actors import acting_level

    person = person_for_user(user)
    return {
        "acting_level": acting_level(person.assurance_level if person else 0, request.session),
        "uuid": user.uuid,
        "username": user.username,
        "elderly_mode": user.elderly_mode,
        "language": user.language,
        "person": PersonOut.of(person, holder=True) if person else None,
        "roles": [
            {"organisation": m.organisation.uuid, "organisation_name": m.organisation.name, "role": m.role}
            for m in staff_memberships(user)
        ],
    }


@router.get("/me", response=responses({200: MeOut}, 401), auth=session_auth)
def me(request):
    """My account, unmasked (I am the holder). Any logged-in person."""
    return _me(request.auth, request)


@router.post("/me/preferences", response=responses({200: MeOut}, 401, 403), auth=session_auth)
def preferences(request, payload: PreferencesIn):
    """Elderly-friendly mode and language, remembered per person. Any logged-in person."""
    user = services.user_set_preferences(
        user=request.auth, elderly_mode=payload.elderly_mode, language=payload.language
    )
    return _me(user, request)


@router.post(
    "/me/confirm-identity", response=responses({200: MeOut}, 400, 401, 403, 404, 409, 429), auth=session_auth
)
def confirm_identity(request, payload: ConfirmWithRegisterIn):
    """An account the population register did not confirm (L1) asks again with the right name: a match
    confirms it (L2); a number another account already confirmed answers 409 `identity_held` (recover it at
    a window). Any logged-in person."""
    services.person_confirm_with_register(
        actor=request.actor, real_name=payload.real_name, ip=request.client_ip
    )
    request.auth.refresh_from_db()
    return _me(request.auth, request)


@router.get("/me/access-log", response=responses({200: list[AccessLogOut]}, 401), auth=session_auth)
@paginate(BoundedLimitOffsetPagination)
def my_access_log(request):
    """Who read or changed my personal data (谁使用了我的信息). Any logged-in person."""
    return audit_events_about(subject_user_id=request.auth.pk)


# --- enterprises and authorisations ---------------------------------------------------------------
def _enterprise_out(enterprise, person) -> dict:
    return {
        "uuid": enterprise.uuid,
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "kind": enterprise.kind,
        "legal_representative": mask_name(enterprise.legal_representative.real_name),
        "i_am_legal_representative": enterprise.legal_representative_id == person.pk,
    }


@router.post("/enterprises", response=responses({201: EnterpriseOut}, 401, 403, 409), auth=session_auth)
def enterprise_register(request, payload: EnterpriseIn):
    """Register an enterprise as its legal representative (real-name level L2 or higher)."""
    enterprise = services.enterprise_register(
        actor=request.actor, name=payload.name, uscc=payload.uscc, kind=payload.kind
    )
    return Status(201, _enterprise_out(enterprise, person_for_user(request.auth)))


@router.get("/enterprises", response=responses({200: list[EnterpriseOut]}, 401), auth=session_auth)
def enterprise_list(request):
    """Enterprises I represent or act for as an agent."""
    person = person_for_user(request.auth)
    if person is None:
        return []
    return [_enterprise_out(e, person) for e in enterprise_list_for_person(person)]


@router.get(
    "/enterprises/{enterprise_uuid}", response=responses({200: EnterpriseOut}, 401, 404), auth=session_auth
)
def enterprise_get(request, enterprise_uuid: UUID):
    """One enterprise I represent or act for; 404 otherwise."""
    enterprise = access_enterprise_by_uuid(actor=request.actor, enterprise_uuid=enterprise_uuid)
    return _enterprise_out(enterprise, person_for_user(request.auth))


def _authorisation_out(auth) -> dict:
    principal = auth.enterprise.name if auth.enterprise else mask_name(auth.principal_person.real_name)
    return {
        "uuid": auth.uuid,
        "principal": principal,
        "enterprise": auth.enterprise.uuid if auth.enterprise else None,
        "agent": mask_name(auth.agent.real_name),
        "agent_id_number": mask_id_number(auth.agent.id_number),
        "all_items": auth.all_items,
        "item_codes": auth.item_codes,
        "licence_use": auth.licence_use,
        "valid_from": auth.valid_from,
        "valid_until": auth.valid_until,
        "revoked_at": auth.revoked_at,
        "active": authorisation_is_active(auth),
    }


@router.post("/authorisations", response=responses({201: AuthorisationOut}, 401, 403, 404), auth=session_auth)
def authorisation_grant(request, payload: AuthorisationIn):
    """Authorise an agent: for an enterprise (its legal representative only) or for myself (代办)."""
    enterprise = None
    if payload.enterprise:
        enterprise = access_enterprise_by_uuid(
            actor=request.actor, enterprise_uuid=payload.enterprise, as_legal_representative=True
        )
    auth = services.authorisation_grant(
        actor=request.actor,
        enterprise=enterprise,
        grant=services.AuthorisationGrant(
            agent_id_kind=payload.agent_id_kind,
            agent_id_number=payload.agent_id_number,
            agent_real_name=payload.agent_real_name,
            valid_from=payload.valid_from,
            valid_until=payload.valid_until,
            all_items=payload.all_items,
            item_codes=tuple(payload.item_codes),
            licence_use=payload.licence_use,
        ),
    )
    return Status(201, _authorisation_out(auth))


class AuthorisationListOut(Schema):
    given: list[AuthorisationOut]
    held: list[AuthorisationOut]


@router.get("/authorisations", response=responses({200: AuthorisationListOut}, 401), auth=session_auth)
def authorisation_list(request):
    """Authorisations I gave (for myself or my enterprises) and those I hold as an agent."""
    person = person_for_user(request.auth)
    if person is None:
        return {"given": [], "held": []}
    return {
        "given": [_authorisation_out(a) for a in authorisation_list_given(person)],
        "held": [_authorisation_out(a) for a in authorisation_list_held(person)],
    }


@router.post(
    "/authorisations/{authorisation_uuid}/revoke",
    response=responses({200: AuthorisationOut}, 401, 403, 404, 409),
    auth=session_auth,
)
def authorisation_revoke(request, authorisation_uuid: UUID):
    """Revoke an authorisation I gave."""
    auth = access_authorisation_by_uuid(actor=request.actor, authorisation_uuid=authorisation_uuid)
    return _authorisation_out(services.authorisation_revoke(actor=request.actor, authorisation=auth))


# --- organisations and staff ----------------------------------------------------------------------
def _org_out(org) -> dict:
    return {
        "uuid": org.uuid,
        "kind": org.kind,
        "name": org.name,
        "parent": org.parent.uuid if org.parent else None,
        "division_code": org.division_code,
        "uscc": org.uscc,
    }


@router.get("/orgs", response=responses({200: list[OrganisationOut]}, 401, 403), auth=session_or_key)
def organisation_list(request):
    """Organisations in my scope (staff: the subtrees of my memberships; clients: scope orgs:read)."""
    return [_org_out(o) for o in access_organisation_list(actor=request.actor)]


@router.get(
    "/orgs/{org_uuid}", response=responses({200: OrganisationOut}, 401, 403, 404), auth=session_or_key
)
def organisation_get(request, org_uuid: UUID):
    """One organisation inside my scope; 404 outside it."""
    return _org_out(access_organisation_by_uuid(actor=request.actor, org_uuid=org_uuid))


@router.get(
    "/orgs/{org_uuid}/staff", response=responses({200: list[StaffOut]}, 401, 403, 404), auth=session_auth
)
def organisation_staff(request, org_uuid: UUID):
    """Staff and roles of one organisation inside my scope (supervisors and platform admins)."""
    org = access_organisation_by_uuid(
        actor=request.actor, org_uuid=org_uuid, roles={Role.SUPERVISOR, Role.PLATFORM_ADMIN}
    )
    return [
        {
            "username": mask_phone(m.user.username) if m.user.username == m.user.phone else m.user.username,
            "display_name": mask_name(m.user.display_name),
            "role": m.role,
        }
        for m in org.memberships.select_related("user").order_by("role", "user__username")
    ]


# --- persons (staff) ------------------------------------------------------------------------------
@router.post("/persons/lookup", response=responses({200: PersonOut}, 401, 403, 404), auth=session_or_key)
def person_lookup(request, payload: PersonLookupIn):
    """Find a person by certificate number, masked, with the reason recorded in the audit trail
    (window clerks, reviewers, issuers, platform admins; clients with persons:lookup)."""
    person = access_person_by_identifier(
        actor=request.actor, id_kind=payload.id_kind, id_number=payload.id_number, purpose=payload.purpose
    )
    return PersonOut.of(person, holder=False)


@router.post(
    "/persons/{person_uuid}/verify-in-person",
    response=responses({200: PersonOut}, 401, 403, 404),
    auth=session_auth,
)
def person_verify(request, person_uuid: UUID):
    """A window clerk verified the person face to face with their document: real-name level L3."""
    person = access_person_by_uuid_for_staff(
        actor=request.actor, person_uuid=person_uuid, roles={Role.WINDOW_CLERK}
    )
    return PersonOut.of(services.person_verify_in_person(actor=request.actor, person=person), holder=False)


@router.post(
    "/persons/recover-at-window",
    response=responses({200: PersonOut}, 400, 401, 403, 404, 409),
    auth=session_auth,
)
def person_recover_at_window(request, payload: WindowRecoveryIn):
    """A window clerk gives an identity back to the person in front of them (document checked face to
    face; the SMS code sent with purpose `recover` proves the phone is theirs): that phone's account (made
    if there is none) holds the identity at L3, every other account that held or claimed it is frozen."""
    person = services.person_recover_at_window(
        actor=request.actor,
        data=services.WindowRecovery(
            id_kind=payload.id_kind,
            id_number=payload.id_number,
            real_name=payload.real_name,
            phone=payload.phone,
            sms_code=payload.sms_code,
        ),
    )
    return PersonOut.of(person, holder=False)


# --- operations: the audit trail ------------------------------------------------------------------
class AuditFilter(Schema):
    action: str = Field(default="", max_length=100)
    object_type: str = Field(default="", max_length=100)
    object_id: str = Field(default="", max_length=100)
    actor: str = Field(default="", max_length=100)
    request_id: str = Field(default="", max_length=64)
    since: datetime | None = None
    until: datetime | None = None

    @field_validator("since", "until")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        """Within 2000–2100, and in UTC (the database refuses far-fetched offsets such as +23:15)."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = timezone.make_aware(value)
        if not 2000 <= value.year <= 2100:
            raise ValueError("date out of range 2000-2100")
        return value.astimezone(UTC)


@ops_router.get(
    "/audit/events",
    response=responses({200: list[AuditEventOut]}, 401, 403, 404),
    auth=[api_key_auth, session_auth],
)
@paginate(BoundedLimitOffsetPagination)
def audit_search(request, filters: Query[AuditFilter]):
    """Search the audit trail (platform admins: all; supervisors: their organisations; clients: audit:read)."""
    query = AuditQuery(**filters.dict())
    return audit_event_list(query=query, org_paths=audit_scope(request.actor))
