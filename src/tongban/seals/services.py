"""The seal registry's lifecycle (docs/domain/seals.md): apply → review → make → active → suspended /
revoked / expired; authorisations of persons; uses. Every change is audited and its owner notified."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import Holder, holder_of_principal, holder_user_ids, own_holder, person_user_id
from tongban.core.actors import Actor
from tongban.core.audit import audit_record
from tongban.notifications.facade import notify
from tongban.seals import pki, seseal
from tongban.seals.access import (
    access_application,
    access_seal,
    access_seal_for_owner,
    access_seal_for_status_change,
    authorisation_of,
    require_identity_confirmed,
    require_legal_representative,
    require_may_use,
    require_seal_authority,
)
from tongban.seals.constants import (
    ENTERPRISE_KINDS,
    SEAL_DAYS,
    SEAL_TRANSITIONS,
    ApplicationStatus,
    KeyRole,
    OwnerKind,
    RevocationReason,
    SealKind,
    SealStatus,
)
from tongban.seals.errors import SealAuthorisationNotFound, SealError, SealsError
from tongban.seals.gm.ses import ses_signature_make
from tongban.seals.images import seal_image_for
from tongban.seals.locks import lock_active_key, lock_application, lock_seal, lock_seal_authorisation
from tongban.seals.models import Seal, SealApplication, SealAuthorisation, SealStatusChange, SealUse
from tongban.seals.selectors import department_seal_active

REASON_MAX = 500
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


# --- helpers ----------------------------------------------------------------------------------------------------
def _kinds(kinds: Iterable[str], allowed: frozenset[str]) -> list[str]:
    found: list[str] = []
    for kind in kinds:
        if kind not in allowed:
            raise SealsError(
                SealError.INVALID_SEAL_KIND,
                _("不能申请该种类的电子印章：%(kind)s") % {"kind": kind},
                status=422,
            )
        if kind not in found:
            found.append(kind)
    if not found:
        raise SealsError(SealError.NO_SEAL_KINDS, _("请至少选择一种印章"), status=422, field="kinds")
    return found


def _reason(reason: str, *, required: bool = True) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise SealsError(SealError.REASON_REQUIRED, _("请填写原因"), status=422, field="reason")
    return reason[:REASON_MAX]


def owner_user_ids(seal: Seal | SealApplication) -> list[int]:
    """Whom to tell about a seal: the enterprise's legal representative, or the person."""
    kind = "001" if seal.owner_kind == OwnerKind.ORG else "111"
    return [uid for uid in holder_user_ids(kind, seal.owner_code) if uid]


def _notify_owner(seal: Seal | SealApplication, body, params: dict, link: str = "/seals/") -> None:
    for user_id in owner_user_ids(seal):
        notify(user_id=user_id, title=_("电子印章"), body=body, params=params, link=link)


def _held_kinds(owner_kind: str, owner_code: str) -> set[str]:
    live = [SealStatus.PENDING, SealStatus.ACTIVE, SealStatus.SUSPENDED]
    return set(
        Seal.objects.filter(owner_kind=owner_kind, owner_code=owner_code, status__in=live).values_list(
            "kind", flat=True
        )
    )


def _refuse_held(owner_kind: str, owner_code: str, kinds: list[str]) -> None:
    held = _held_kinds(owner_kind, owner_code) & set(kinds) - {SealKind.DEPARTMENT}
    if held:
        labels = "、".join(str(SealKind(k).label) for k in sorted(held))
        raise SealsError(
            SealError.SEAL_KIND_HELD,
            _("已有在用的同种电子印章：%(kinds)s") % {"kinds": labels},
            status=409,
            kinds=sorted(held),
        )


# --- applying and reviewing ----------------------------------------------------------------------------------------
@transaction.atomic
def seal_apply(*, actor: Actor, uscc: str, kinds: Iterable[str]) -> SealApplication:
    """An enterprise's legal representative (L2+) applies for the enterprise's seals."""
    enterprise = require_legal_representative(actor, (uscc or "").strip().upper())
    chosen = _kinds(kinds, ENTERPRISE_KINDS)
    _refuse_held(OwnerKind.ORG, enterprise.code, chosen)
    application = SealApplication.objects.create(
        applicant_user_id=actor.require_user_id(),
        applicant_label=actor.label,
        owner_kind=OwnerKind.ORG,
        owner_code=enterprise.code,
        owner_name=enterprise.name,
        owner_uuid=enterprise.principal_uuid,
        legal_rep_name=actor.display_name,
        kinds=chosen,
    )
    audit_record(
        actor=actor,
        action="seal.apply",
        object_type="seal_application",
        object_id=application.uuid,
        after={"owner": enterprise.name, "kinds": chosen},
        subject_user_id=actor.user_id,
    )
    return application


def _personal_application(actor: Actor, **decided) -> tuple[SealApplication, Holder]:
    """A person's application for their own personal seal (L2+ with a confirmed resident ID number, none
    held live): pending review, or ``decided`` at once (status, reason, decided_at)."""
    require_identity_confirmed(actor)
    own = own_holder(actor)
    if own is None:
        raise SealsError(
            SealError.ASSURANCE_TOO_LOW,
            _("申请个人电子印章需要已核验的居民身份证号"),
            status=403,
            required=2,
            current=actor.assurance_level,
        )
    _refuse_held(OwnerKind.PERSON, own.code, [SealKind.PERSONAL])
    application = SealApplication.objects.create(
        applicant_user_id=actor.require_user_id(),
        applicant_label=actor.label,
        owner_kind=OwnerKind.PERSON,
        owner_code=own.code,
        owner_name=own.name,
        owner_uuid=own.principal_uuid,
        kinds=[SealKind.PERSONAL],
        **decided,
    )
    return application, own


@transaction.atomic
def seal_apply_personal(*, actor: Actor) -> SealApplication:
    """A person (L2+, with a confirmed resident ID number) applies for their own personal seal."""
    application, own = _personal_application(actor)
    audit_record(
        actor=actor,
        action="seal.apply",
        object_type="seal_application",
        object_id=application.uuid,
        after={"owner": own.name, "kinds": [SealKind.PERSONAL]},
        subject_user_id=actor.user_id,
    )
    return application


@transaction.atomic
def personal_signature_make(*, actor: Actor) -> Seal:
    """A person's own electronic signature (个人签名/名章), made at once for the signed-in person at L2+ with a
    confirmed resident ID number, without the seal authority's review (docs/domain/seals.md §3, **our
    choice**: the identity check is the review); recorded as an approved application of theirs. Refused
    while they hold a live personal seal (``seal_kind_held``)."""
    application, own = _personal_application(
        actor,
        status=ApplicationStatus.APPROVED,
        reason=str(_("本人电子签名：实名认证（L2 及以上）后直接制作，无需审核")),
        decided_at=timezone.now(),
    )
    return _seal_make(
        actor=actor,
        owner_kind=OwnerKind.PERSON,
        owner_code=own.code,
        owner_name=own.name,
        owner_uuid=own.principal_uuid,
        kind=SealKind.PERSONAL,
        application=application,
    )


@transaction.atomic
def seal_application_review(
    *, actor: Actor, application_uuid, approve: bool, reason: str = ""
) -> SealApplication:
    """The seal authority approves (the seals are made at once and become active) or rejects (with its
    reason) a submitted application; the applicant is told either way."""
    require_seal_authority(actor)
    found = access_application(actor=actor, application_uuid=application_uuid)
    application = lock_application(found.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise SealsError(SealError.APPLICATION_DECIDED, _("该申请已审核"), status=409)
    reason = _reason(reason, required=not approve)
    application.status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
    application.reviewer_user_id = actor.user_id
    application.reviewer_label = actor.display_name or actor.label
    application.reason = reason
    application.decided_at = timezone.now()
    application.save()
    made: list[Seal] = []
    if approve:
        _refuse_held(application.owner_kind, application.owner_code, list(application.kinds))
        for kind in application.kinds:
            made.append(
                _seal_make(
                    actor=actor,
                    owner_kind=application.owner_kind,
                    owner_code=application.owner_code,
                    owner_name=application.owner_name,
                    owner_uuid=application.owner_uuid,
                    kind=kind,
                    legal_rep_name=application.legal_rep_name,
                    application=application,
                )
            )
    audit_record(
        actor=actor,
        action="seal.approve" if approve else "seal.reject",
        object_type="seal_application",
        object_id=application.uuid,
        after={"reason": reason, "seals": [str(s.uuid) for s in made]},
        subject_user_id=application.applicant_user_id,
    )
    params = {"owner": application.owner_name, "reason": reason}
    body = (
        _("%(owner)s 的电子印章申请已通过，印章已制作完成，可在“我的电子印章”中查看。")
        if approve
        else _("%(owner)s 的电子印章申请未通过：%(reason)s")
    )
    notify(
        user_id=application.applicant_user_id, title=_("电子印章"), body=body, params=params, link="/seals/"
    )
    return application


# --- making seals ---------------------------------------------------------------------------------------------------
def _name_text(kind: str, owner_name: str, legal_rep_name: str) -> str:
    if kind == SealKind.LEGAL_REP:
        return legal_rep_name or owner_name
    return owner_name


def _seal_make(
    *,
    actor: Actor,
    owner_kind: str,
    owner_code: str,
    owner_name: str,
    owner_uuid: str,
    kind: str,
    legal_rep_name: str = "",
    application: SealApplication | None = None,
    days: int = SEAL_DAYS,
) -> Seal:
    """Make one seal: its key pair, its certificate from the issuing CA, its image, its SM2 key and
    certificate and its GB/T 38540 ``SESeal`` signed by the platform's seal maker; active at once."""
    now = timezone.now()
    key = pki.generate_key()
    name_text = _name_text(kind, owner_name, legal_rep_name)
    cert, cert_row = pki.seal_certificate_issue(
        key.public_key(),
        pki.seal_subject(kind, owner_kind, owner_code, owner_name, name_text),
        not_before=now - dt.timedelta(minutes=5),
        not_after=now + dt.timedelta(days=days),
    )
    seal = Seal(
        owner_kind=owner_kind,
        owner_code=owner_code,
        owner_name=owner_name,
        owner_uuid=owner_uuid or "",
        kind=kind,
        name_text=name_text,
        certificate=cert_row,
        private_key_encrypted=pki.encrypt_private_key(key),
        valid_from=now,
        valid_until=cert.not_valid_after_utc,
        status=SealStatus.ACTIVE,
        application=application,
    )
    png, width, height = seal_image_for(seal)
    seal.image_png, seal.width_mm, seal.height_mm = png, Decimal(str(width)), Decimal(str(height))
    seseal.seseal_fill(seal)  # its SM2 key and certificate, and the GB/T 38540 SESeal of this picture
    try:
        with transaction.atomic():
            seal.save()
    except IntegrityError as exc:  # another request made the same owner's seal of this kind meanwhile
        raise SealsError(
            SealError.SEAL_KIND_HELD,
            _("已有在用的同种电子印章：%(kinds)s") % {"kinds": SealKind(kind).label},
            status=409,
            kinds=[kind],
        ) from exc
    SealStatusChange.objects.create(
        seal=seal,
        from_status="",
        to_status=SealStatus.ACTIVE,
        reason=str(_("制作完成")),
        actor_id=actor.id,
        actor_label=actor.label,
    )
    audit_record(
        actor=actor,
        action="seal.make",
        object_type="seal",
        object_id=seal.uuid,
        after={"kind": kind, "owner": owner_name, "serial": cert_row.serial},
    )
    _notify_owner(
        seal,
        _("已为 %(owner)s 制作电子印章：%(kind)s，有效期至 %(until)s。"),
        {"owner": owner_name, "kind": SealKind(kind).label, "until": f"{seal.valid_until:%Y-%m-%d}"},
        link=f"/seals/{seal.uuid}/",
    )
    return seal


@transaction.atomic
def seals_make_for_enterprise(
    *, actor: Actor, uscc: str, name: str, legal_rep_person_uuid: str, kinds: Iterable[str]
) -> list[Seal]:
    """The seals of a new enterprise, made directly (开办企业 公章刻制: the registration's approval is the
    review): the 法定名称章 always, and the other kinds asked for; recorded as an approved application of
    its legal representative. A kind the enterprise already holds is not made again."""
    person = holder_of_principal("person", legal_rep_person_uuid)
    chosen = _kinds([SealKind.LEGAL_NAME, *kinds], ENTERPRISE_KINDS)
    held = _held_kinds(OwnerKind.ORG, uscc)
    chosen = [k for k in chosen if k not in held]
    if not chosen:
        return []
    applicant = person_user_id(legal_rep_person_uuid)
    application = SealApplication.objects.create(
        applicant_user_id=applicant or 0,
        applicant_label=person.name if person else "",
        owner_kind=OwnerKind.ORG,
        owner_code=uscc,
        owner_name=name,
        legal_rep_name=person.name if person else "",
        kinds=chosen,
        status=ApplicationStatus.APPROVED,
        reviewer_user_id=actor.user_id,
        reviewer_label=actor.display_name or actor.label,
        reason=str(_("开办企业一并刻制")),
        decided_at=timezone.now(),
    )
    return [
        _seal_make(
            actor=actor,
            owner_kind=OwnerKind.ORG,
            owner_code=uscc,
            owner_name=name,
            owner_uuid="",
            kind=kind,
            legal_rep_name=application.legal_rep_name,
            application=application,
        )
        for kind in chosen
    ]


@transaction.atomic
def department_seal_make(*, actor: Actor, org_uuid: str, org_name: str, code: str) -> Seal:
    """A department seal of an issuing authority (its licences, notices and decisions are sealed with it),
    made by the platform; ``code`` is the department's USCC, or its uuid when it has none. Two first uses at
    once (two sealing tasks of one department) make one seal: the second waits on the issuing CA's row, then
    finds the first's."""
    pki.issuing_ca()  # made on first use: the row the second use waits on
    lock_active_key(KeyRole.ISSUING)
    made = department_seal_active(code)
    if made is not None:
        return made
    return _seal_make(
        actor=actor,
        owner_kind=OwnerKind.ORG,
        owner_code=code,
        owner_name=org_name,
        owner_uuid=org_uuid,
        kind=SealKind.DEPARTMENT,
    )


@transaction.atomic
def seal_image_set(*, actor: Actor, seal_uuid, png: bytes, width_mm, height_mm) -> Seal:
    """Store a seal's image (drawn by seals/images.py); a live seal's GB/T 38540 ``SESeal`` is made again
    with the new picture (the same SM2 key and certificate)."""
    seal = lock_seal(access_seal_for_status_change(actor=actor, seal_uuid=seal_uuid).pk)
    seal.image_png = png
    seal.width_mm = Decimal(str(width_mm))
    seal.height_mm = Decimal(str(height_mm))
    fields = ["image_png", "width_mm", "height_mm", "updated_at"]
    if seal.status in seseal.LIVE and seal.valid_from is not None and seal.valid_until is not None:
        fields += [f for f in seseal.seseal_fill(seal) if f not in fields]
        audit_record(
            actor=actor,
            action="seal.seseal_make",
            object_type="seal",
            object_id=seal.uuid,
            after={"reason": "picture"},
        )
    seal.save(update_fields=fields)
    return seal


# --- status changes ----------------------------------------------------------------------------------------------------
_MESSAGES: dict[str, object] = {
    SealStatus.ACTIVE: _("%(owner)s 的电子印章（%(kind)s）已恢复使用。%(reason)s"),
    SealStatus.SUSPENDED: _("%(owner)s 的电子印章（%(kind)s）已挂起：%(reason)s"),
    SealStatus.REVOKED: _("%(owner)s 的电子印章（%(kind)s）已注销：%(reason)s"),
    SealStatus.EXPIRED: _("%(owner)s 的电子印章（%(kind)s）已过期。%(reason)s"),
}


def _change_status(actor: Actor, seal: Seal, to: str, reason: str) -> Seal:
    locked = lock_seal(seal.pk)
    if to not in SEAL_TRANSITIONS[locked.status]:
        raise SealsError(
            SealError.INVALID_STATUS_CHANGE,
            _("电子印章不能从“%(from)s”变为“%(to)s”")
            % {"from": SealStatus(locked.status).label, "to": SealStatus(to).label},
            status=409,
        )
    before = locked.status
    cert = locked.certificate
    if cert is not None:
        if to == SealStatus.SUSPENDED:
            pki.certificate_revoke(cert, RevocationReason.CERTIFICATE_HOLD)
        elif to == SealStatus.ACTIVE and before == SealStatus.SUSPENDED:
            pki.certificate_release(cert)
        elif to == SealStatus.REVOKED:
            pki.certificate_revoke(cert, RevocationReason.CESSATION_OF_OPERATION, replace_hold=True)
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    SealStatusChange.objects.create(
        seal=locked,
        from_status=before,
        to_status=to,
        reason=reason,
        actor_id=actor.id,
        actor_label=actor.label,
    )
    audit_record(
        actor=actor,
        action=f"seal.{to}",
        object_type="seal",
        object_id=locked.uuid,
        before={"status": before},
        after={"status": to, "reason": reason},
    )
    _notify_owner(
        locked,
        _MESSAGES[to],
        {"owner": locked.owner_name, "kind": SealKind(locked.kind).label, "reason": reason},
        link=f"/seals/{locked.uuid}/",
    )
    return locked


@transaction.atomic
def seal_suspend(*, actor: Actor, seal_uuid, reason: str) -> Seal:
    """Suspend a seal (its certificate is put on hold in the CRL and OCSP): the owner or the authority."""
    seal = access_seal_for_status_change(actor=actor, seal_uuid=seal_uuid)
    return _change_status(actor, seal, SealStatus.SUSPENDED, _reason(reason))


@transaction.atomic
def seal_resume(*, actor: Actor, seal_uuid, reason: str = "") -> Seal:
    """Resume a suspended seal (its certificate leaves the CRL): the owner or the authority."""
    seal = access_seal_for_status_change(actor=actor, seal_uuid=seal_uuid)
    if seal.valid_until is not None and seal.valid_until <= timezone.now():
        return _change_status(actor, seal, SealStatus.EXPIRED, _reason(reason, required=False))
    return _change_status(actor, seal, SealStatus.ACTIVE, _reason(reason, required=False))


@transaction.atomic
def seal_revoke(*, actor: Actor, seal_uuid, reason: str) -> Seal:
    """Revoke a seal for good (its certificate is revoked in the CRL and OCSP): the owner or the
    authority."""
    seal = access_seal_for_status_change(actor=actor, seal_uuid=seal_uuid)
    return _change_status(actor, seal, SealStatus.REVOKED, _reason(reason))


def seals_expire(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Mark expired every active or suspended seal past its end of validity (a task runs it daily);
    answers how many."""
    now = now or timezone.now()
    due = Seal.objects.filter(
        status__in=[SealStatus.ACTIVE, SealStatus.SUSPENDED], valid_until__lte=now
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        with transaction.atomic():
            seal = lock_seal(pk)
            if seal.status in (SealStatus.ACTIVE, SealStatus.SUSPENDED):
                _change_status(actor, seal, SealStatus.EXPIRED, str(_("超过有效期")))
                count += 1
    return count


# --- authorisations and uses ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Grantee:
    id_number: str
    real_name: str


@transaction.atomic
def seal_authorise(*, actor: Actor, seal_uuid, grantee: Grantee) -> SealAuthorisation:
    """The owner lets a person (an account whose resident ID number is confirmed) use the seal."""
    require_identity_confirmed(actor)
    seal = lock_seal(access_seal_for_owner(actor=actor, seal_uuid=seal_uuid).pk)
    id_number = (grantee.id_number or "").strip().upper()
    real_name = (grantee.real_name or "").strip()
    users = holder_user_ids("111", id_number) if id_number and real_name else []
    if len(users) != 1:
        raise SealsError(
            SealError.SEAL_GRANTEE_NOT_FOUND,
            _("被授权人须是已实名认证（L2 及以上）的用户，请核对身份证号"),
            status=422,
            field="id_number",
        )
    if seal.authorisations.filter(user_id=users[0], revoked_at__isnull=True).exists():
        raise SealsError(SealError.SEAL_AUTHORISATION_EXISTS, _("该人员已获授权使用此印章"), status=409)
    grant = SealAuthorisation.objects.create(
        seal=seal,
        person_id_number=id_number,
        person_name=real_name,
        user_id=users[0],
        granted_by_id=actor.user_id,
        granted_by_label=actor.label,
    )
    audit_record(
        actor=actor,
        action="seal.authorise",
        object_type="seal",
        object_id=seal.uuid,
        after={"authorisation": grant.pk, "grantee": real_name},
    )
    notify(
        user_id=users[0],
        title=_("电子印章"),
        body=_("%(owner)s 已授权您使用电子印章：%(kind)s。"),
        params={"owner": seal.owner_name, "kind": SealKind(seal.kind).label},
        link="/seals/",
    )
    return grant


@transaction.atomic
def seal_unauthorise(*, actor: Actor, seal_uuid, authorisation_id: int) -> SealAuthorisation:
    """The owner ends an authorisation (the person can no longer use the seal)."""
    seal = access_seal_for_owner(actor=actor, seal_uuid=seal_uuid)
    found = authorisation_of(seal, authorisation_id)
    if found is None:
        raise SealAuthorisationNotFound()
    grant = lock_seal_authorisation(found.pk)
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.revoked_by_label = actor.label
        grant.save(update_fields=["revoked_at", "revoked_by_label"])
        audit_record(
            actor=actor,
            action="seal.unauthorise",
            object_type="seal",
            object_id=seal.uuid,
            after={"authorisation": grant.pk, "grantee": grant.person_name},
        )
        notify(
            user_id=grant.user_id,
            title=_("电子印章"),
            body=_("%(owner)s 已撤销您使用电子印章（%(kind)s）的授权。"),
            params={"owner": seal.owner_name, "kind": SealKind(seal.kind).label},
            link="/seals/",
        )
    return grant


@transaction.atomic
def seal_use_record(
    *, actor: Actor, seal_uuid, document_sha256: str, purpose: str, action: str = "seal.use"
) -> SealUse:
    """Record one use of a seal, refused unless the actor is its owner or authorised and the seal is active
    (and its certificate in its validity and not revoked); a stranger is told the seal does not exist.
    ``action`` names the use in the audit trail (``seal.ses_sign`` for a GB/T 38540 signature)."""
    seal = access_seal(actor=actor, seal_uuid=seal_uuid)
    digest = (document_sha256 or "").strip().lower()
    if not _SHA256.match(digest):
        raise SealsError(
            SealError.INVALID_DOCUMENT_HASH,
            _("文件摘要须为 64 位十六进制 SHA-256"),
            status=422,
            field="document_sha256",
        )
    purpose = (purpose or "").strip()
    if not purpose:
        raise SealsError(SealError.PURPOSE_REQUIRED, _("请填写用章事由"), status=422, field="purpose")
    seal = lock_seal(seal.pk)
    require_may_use(actor, seal)
    now = timezone.now()
    cert = seal.certificate
    if cert is None or cert.revoked_at is not None or not (cert.not_before <= now < cert.not_after):
        raise SealsError(SealError.SEAL_NOT_ACTIVE, _("该电子印章的证书不在有效期内"), status=409)
    use = SealUse.objects.create(
        seal=seal, actor_id=actor.id, actor_label=actor.label, document_sha256=digest, purpose=purpose[:200]
    )
    audit_record(
        actor=actor,
        action=action,
        object_type="seal",
        object_id=seal.uuid,
        after={"document_sha256": digest, "purpose": purpose[:200]},
    )
    return use


@dataclass(frozen=True)
class SesSigned:
    signature_der: bytes
    use: SealUse


@transaction.atomic
def seal_ses_sign(*, actor: Actor, seal_uuid, document_sha256: str, purpose: str) -> SesSigned:
    """A GB/T 38540 ``SES_Signature`` (DER) of the document whose SHA-256 is ``document_sha256``, made with
    the seal's ``SESeal`` and its holder's SM2 key, timed now; refused as :func:`seal_use_record` refuses
    (404 a stranger, 403 not allowed to use it, 409 not active, 422 a bad hash or no purpose), and recorded
    as a use (audited ``seal.ses_sign``). The signed data is the hash's 32 bytes (seals/seseal.py)."""
    use = seal_use_record(
        actor=actor,
        seal_uuid=seal_uuid,
        document_sha256=document_sha256,
        purpose=purpose,
        action="seal.ses_sign",
    )
    seal = seseal.seseal_ensure(use.seal, actor=actor)
    assert seal.seseal_der and seal.sm2_certificate_der and seal.sm2_private_key_encrypted
    try:
        der = ses_signature_make(
            seal_der=bytes(seal.seseal_der),
            data_hash=seseal.data_hash(use.document_sha256),
            signer_key=pki.decrypt_sm2_private_key(bytes(seal.sm2_private_key_encrypted)),
            signer_cert_der=bytes(seal.sm2_certificate_der),
            property_info=seseal.property_info(use.document_sha256),
            signed_at=use.at,
        )
    except ValueError as exc:  # the seal or its SM2 certificate out of its validity now
        raise SealsError(SealError.SEAL_NOT_ACTIVE, _("该电子印章的证书不在有效期内"), status=409) from exc
    return SesSigned(der, use)
