"""Every read of a licence goes through here: the holder (or someone acting for the enterprise that holds it)
or staff of the issuing department; anyone else gets 404. Each read is audited."""

from __future__ import annotations

import uuid as uuid_module

from django.db.models import Q

from tongban.accounts.facade import Role, holder_user_ids, holders_for_user, staff_department_uuids
from tongban.core.actors import Actor
from tongban.core.audit import audit_purpose, audit_record
from tongban.licences.errors import LicenceNotFound
from tongban.licences.models import Licence


def _holders_scope(actor: Actor, *, within_level: bool) -> Q:
    scope = Q(pk__in=[])
    for holder in holders_for_user(actor):
        mine = Q(holder_kind=holder.kind, holder_code=holder.code)
        level = Q(type__required_assurance_level__lte=holder.assurance_level)
        scope |= (mine & level) if within_level else (mine & ~level)
    return scope


def holder_scope(actor: Actor) -> Q:
    """Licences whose holder is the actor (a confirmed identity) or an enterprise or person the actor may
    use the licences of, of the types whose required real-name level the actor has (nothing for anyone
    else). Viewing, 亮证 and every export go through it."""
    return _holders_scope(actor, within_level=True)


def card_bag_locked_count(actor: Actor) -> int:
    """How many of the actor's licences need a higher real-name level than the actor has (the card bag says
    so, and how to get it, without showing them)."""
    return Licence.objects.filter(_holders_scope(actor, within_level=False), current=True).count()


def card_bag(actor: Actor):
    """The actor's card bag (卡包): current versions first, newest first (the API and the page)."""
    return (
        Licence.objects.select_related("type")
        .filter(holder_scope(actor))
        .order_by("-current", "-issue_date", "-id")
    )


def _get(scope: Q, licence_uuid) -> Licence:
    try:
        uuid_module.UUID(str(licence_uuid))
    except ValueError as exc:
        raise LicenceNotFound() from exc
    licence = Licence.objects.select_related("type", "previous").filter(scope, uuid=licence_uuid).first()
    if licence is None:
        raise LicenceNotFound()
    return licence


def _audited(actor: Actor, licence: Licence, action: str, *, staff: bool = False) -> Licence:
    """Record the read; a member of staff's read is recorded as a use of the holder's data, with the
    organisation they act for (谁使用了我的信息)."""
    after: dict = {"identifier": licence.identifier}
    subject = None
    if staff:
        after["organisation"] = actor.organisation_name({Role.ISSUER})
        after.update(audit_purpose(action, type=licence.type.name) if action == "licence.staff_view" else {})
        subject = next(iter(holder_user_ids(licence.holder_kind, licence.holder_code)), None)
    audit_record(
        actor=actor,
        action=action,
        object_type="licence",
        object_id=licence.uuid,
        after=after,
        subject_user_id=subject,
    )
    return licence


def access_licence_for_holder(*, actor: Actor, licence_uuid, action: str = "licence.view") -> Licence:
    return _audited(actor, _get(holder_scope(actor), licence_uuid), action)


def access_licence_for_issuer(*, actor: Actor, licence_uuid, action: str = "licence.staff_view") -> Licence:
    """A licence issued by a department where the actor is an issuer (发证人员)."""
    departments = staff_department_uuids(actor, {Role.ISSUER})
    return _audited(actor, _get(Q(issuer_uuid__in=departments), licence_uuid), action, staff=True)
