"""Who may see and do what with seals (ADR 0008: authorisation lives here).

- A seal's **owner** is the enterprise's legal representative for an organisation's seal (as accounts
  registers it), or the person themselves for a personal seal; both with a confirmed identity (L2+).
- A **user** of a seal is its owner or a person the owner authorised (an open authorisation).
- The **seal authority** (staff holding ``Role.SEAL_AUTHORITY`` anywhere) reviews applications and sees
  every seal; it changes a seal's status but does not use it.
- The platform itself (``SYSTEM``: the tasks that seal licences and notices) uses department seals only.

Anyone else is told a seal does not exist (404)."""

from __future__ import annotations

import uuid as uuid_module

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import (
    Holder,
    Role,
    holder_user_ids,
    holders_for_user,
    identity_confirmed,
    own_holder,
    throttle_hit,
)
from tongban.core.actors import Actor, ActorKind
from tongban.core.errors import Throttled
from tongban.seals.constants import OwnerKind, SealKind, SealStatus
from tongban.seals.errors import (
    SealApplicationNotFound,
    SealError,
    SealNotFound,
    SealsError,
)
from tongban.seals.models import Seal, SealApplication, SealAuthorisation


def _uuid(value) -> uuid_module.UUID | None:
    try:
        return uuid_module.UUID(str(value))
    except (TypeError, ValueError):
        return None


# --- who the actor is for seals ------------------------------------------------------------------------------
def is_seal_authority(actor: Actor) -> bool:
    return actor.kind == ActorKind.USER and actor.has_role(Role.SEAL_AUTHORITY)


def require_seal_authority(actor: Actor) -> None:
    if not is_seal_authority(actor):
        raise SealsError(SealError.NOT_SEAL_AUTHORITY, _("仅印章管理人员可以办理"), status=403)


def require_identity_confirmed(actor: Actor) -> None:
    """A confirmed identity (L2+) — the owner of seals and anyone using one."""
    actor.require_user_id()
    if not identity_confirmed(actor):
        raise SealsError(
            SealError.ASSURANCE_TOO_LOW,
            _("申请和使用电子印章需要实名认证 L2 及以上"),
            status=403,
            required=2,
            current=actor.assurance_level,
        )


def represented_enterprises(actor: Actor) -> list[Holder]:
    """The enterprises whose legal representative the actor is (an authorised agent is not)."""
    if not identity_confirmed(actor) or actor.user_id is None:
        return []
    return [
        h
        for h in holders_for_user(actor)
        if h.kind == "001" and actor.user_id in holder_user_ids("001", h.code)
    ]


def require_legal_representative(actor: Actor, uscc: str) -> Holder:
    """The enterprise with this USCC, whose legal representative the actor is; 403 otherwise (whether or
    not such an enterprise exists)."""
    require_identity_confirmed(actor)
    for holder in represented_enterprises(actor):
        if holder.code == uscc:
            return holder
    raise SealsError(
        SealError.NOT_LEGAL_REPRESENTATIVE, _("只有企业的法定代表人可以申请和管理企业电子印章"), status=403
    )


def owner_scope(actor: Actor) -> Q:
    """Seals the actor owns: those of the enterprises they represent and their own personal seals."""
    scope = Q(pk__in=[])
    codes = [h.code for h in represented_enterprises(actor)]
    if codes:
        scope |= Q(owner_kind=OwnerKind.ORG, owner_code__in=codes)
    own = own_holder(actor)
    if own is not None:
        scope |= Q(owner_kind=OwnerKind.PERSON, owner_code=own.code)
    return scope


def authorised_scope(actor: Actor) -> Q:
    """Seals an open authorisation lets the actor use (with a confirmed identity)."""
    if not identity_confirmed(actor) or actor.user_id is None:
        return Q(pk__in=[])
    return Q(authorisations__user_id=actor.user_id, authorisations__revoked_at__isnull=True)


def is_owner(actor: Actor, seal: Seal) -> bool:
    return Seal.objects.filter(owner_scope(actor), pk=seal.pk).exists()


def may_use(actor: Actor, seal: Seal) -> bool:
    """The owner, a person the owner authorised, or the platform for a department seal."""
    if actor.kind == ActorKind.SYSTEM:
        return seal.kind == SealKind.DEPARTMENT
    if not identity_confirmed(actor):
        return False
    return Seal.objects.filter(owner_scope(actor) | authorised_scope(actor), pk=seal.pk).exists()


# --- fetching a seal -------------------------------------------------------------------------------------------
def access_seal_for_owner(*, actor: Actor, seal_uuid) -> Seal:
    """A seal its owner manages (authorises, suspends, reads uses); 404 for anyone else."""
    key = _uuid(seal_uuid)
    seal = (
        Seal.objects.filter(owner_scope(actor), uuid=key).select_related("certificate").first()
        if key is not None
        else None
    )
    if seal is None:
        raise SealNotFound()
    return seal


def access_seal(*, actor: Actor, seal_uuid) -> Seal:
    """A seal as its owner, an authorised person, the seal authority or (a department seal) the platform
    sees it; 404 for anyone else."""
    key = _uuid(seal_uuid)
    if key is None:
        raise SealNotFound()
    qs = Seal.objects.select_related("certificate").filter(uuid=key)
    if actor.kind == ActorKind.SYSTEM or is_seal_authority(actor):
        seal = qs.first()
    else:
        seal = qs.filter(owner_scope(actor) | authorised_scope(actor)).distinct().first()
    if seal is None:
        raise SealNotFound()
    return seal


def access_seal_for_status_change(*, actor: Actor, seal_uuid) -> Seal:
    """The owner or the seal authority changes a seal's status; 404 for anyone else."""
    if is_seal_authority(actor) or actor.kind == ActorKind.SYSTEM:
        key = _uuid(seal_uuid)
        seal = Seal.objects.filter(uuid=key).first() if key else None
        if seal is None:
            raise SealNotFound()
        return seal
    return access_seal_for_owner(actor=actor, seal_uuid=seal_uuid)


def require_may_use(actor: Actor, seal: Seal) -> None:
    """Refuse a use by anyone but the owner or an authorised person, and of a seal not active."""
    if not may_use(actor, seal):
        raise SealsError(SealError.SEAL_USE_DENIED, _("您未获授权使用该电子印章"), status=403)
    if seal.status != SealStatus.ACTIVE:
        raise SealsError(
            SealError.SEAL_NOT_ACTIVE,
            _("该电子印章当前不可使用（状态：%(status)s）") % {"status": SealStatus(seal.status).label},
            status=409,
            status_code=seal.status,
        )


# --- applications ------------------------------------------------------------------------------------------------
def application_scope(actor: Actor) -> Q:
    """Applications the actor sees: all for the seal authority; their own applications for anyone else."""
    if is_seal_authority(actor):
        return Q()
    if actor.user_id is None:
        return Q(pk__in=[])
    return Q(applicant_user_id=actor.user_id)


def access_application(*, actor: Actor, application_uuid) -> SealApplication:
    key = _uuid(application_uuid)
    found = SealApplication.objects.filter(application_scope(actor), uuid=key).first() if key else None
    if found is None:
        raise SealApplicationNotFound()
    return found


def authorisation_of(seal: Seal, authorisation_id: int) -> SealAuthorisation | None:
    return SealAuthorisation.objects.filter(seal=seal, pk=authorisation_id).first()


# Verifying a sealed PDF is open to anyone (a bank, a court, a citizen), like 亮证 verification; it costs the
# server a full signature validation per signature, so it is throttled per address.
VERIFY_LIMIT, VERIFY_WINDOW = 60, 600


def require_verify_allowed(client: str) -> None:
    """Throttled (429) past VERIFY_LIMIT verifications per address in VERIFY_WINDOW seconds."""
    if not throttle_hit("seal_verify_ip", client or "-", limit=VERIFY_LIMIT, window=VERIFY_WINDOW):
        raise Throttled()


# A GB/T 38540 signature is made with pure-Python SM2, inside the request (ADR 0010, "Constant time"): its
# timing depends on the nonce. Each seal's key signs at most SES_SIGN_LIMIT documents in SES_SIGN_WINDOW
# seconds, far fewer than a timing attack on the nonces needs, and far more than an owner signs by hand.
SES_SIGN_LIMIT, SES_SIGN_WINDOW = 200, 3600


def require_ses_sign_allowed(seal_uuid) -> None:
    """Throttled (429) past SES_SIGN_LIMIT GB/T 38540 signatures of one seal in SES_SIGN_WINDOW seconds."""
    if not throttle_hit("seal_ses_sign", str(seal_uuid), limit=SES_SIGN_LIMIT, window=SES_SIGN_WINDOW):
        raise Throttled()
