"""无纸化签署 (issue 16 §3): the applicant side signs the case's 申请书 in the browser — the signed-in person's
own personal seal in the "申请人（签字）" box and, for an enterprise's case, one of the enterprise's seals they
may use in the "申请单位（盖章）" box. Two PAdES signatures, the company's an incremental update over the
person's; the seals are applied (about 0.2 s each) before the transaction that stores the document opens, so
no row is locked while the platform signs. Once per case, while it is open."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import holder_of_principal, own_holder
from tongban.cases.access import require_applicant_side
from tongban.cases.constants import SIGNABLE_STATUSES, ApplicantKind
from tongban.cases.documents import COMPANY_BOX, COMPANY_FIELD, PERSONAL_BOX, PERSONAL_FIELD, application_pdf
from tongban.cases.errors import CaseError, InvalidTransition
from tongban.cases.events import event_record
from tongban.cases.locks import lock_case
from tongban.cases.models import Case
from tongban.core.actors import Actor
from tongban.core.errors import Conflict, InvalidInput
from tongban.seals.facade import (
    SealInfo,
    SignatureSpot,
    document_sign,
    personal_signature_make,
    seal_info,
    seals_usable_by,
)

# The enterprise seals offered for the 申请单位 box, in this order: the 法定名称章 (公章) first.
COMPANY_KIND_ORDER = ("legal_name", "contract", "legal_rep", "finance", "invoice")


@dataclass(frozen=True)
class SigningChoices:
    """What the signed-in person may sign the case's 申请书 with: their own active personal seals, and —
    ``needs_company`` for an enterprise's case — the enterprise's active seals they may use."""

    personal: list[SealInfo]
    company: list[SealInfo]
    needs_company: bool


def _enterprise_code(case: Case) -> str:
    if case.applicant_kind != ApplicantKind.ENTERPRISE:
        return ""
    holder = holder_of_principal("enterprise", case.applicant_uuid)
    return holder.code if holder is not None else ""


def _own_code(actor: Actor) -> str:
    own = own_holder(actor)
    return own.code if own is not None else ""


def _is_personal(seal: SealInfo, own_code: str) -> bool:
    return (
        seal.kind == "personal"
        and seal.owner_kind == "person"
        and bool(own_code)
        and seal.owner_code == own_code
    )


def _is_company(seal: SealInfo, uscc: str) -> bool:
    return (
        seal.owner_kind == "org"
        and seal.kind in COMPANY_KIND_ORDER
        and bool(uscc)
        and seal.owner_code == uscc
    )


def signing_choices(*, actor: Actor, case: Case) -> SigningChoices:
    usable = seals_usable_by(actor)
    own, uscc = _own_code(actor), _enterprise_code(case)
    company = sorted(
        (s for s in usable if _is_company(s, uscc)), key=lambda s: COMPANY_KIND_ORDER.index(s.kind)
    )
    return SigningChoices(
        personal=[s for s in usable if _is_personal(s, own)],
        company=company,
        needs_company=case.applicant_kind == ApplicantKind.ENTERPRISE,
    )


def _require_signable(case: Case) -> None:
    if case.application_document:
        raise Conflict(CaseError.APPLICATION_SIGNED, _("申请书已签署，不能重复签署"))
    if case.status not in SIGNABLE_STATUSES:
        raise InvalidTransition("sign", case.status)


def application_sign(
    *, actor: Actor, case: Case, personal_seal_uuid: str, company_seal_uuid: str | None = None
) -> Case:
    """Sign the case's 申请书 with the actor's own personal seal and, for an enterprise's case, a seal of the
    enterprise they may use. Refused: another's case (404 ``case_not_found``); a signed one (409
    ``application_signed``) or one no longer open (409 ``invalid_transition``); a seal they may not see (404
    ``seal_not_found``) or use (403 ``seal_use_denied``), a seal not active (409 ``seal_not_active``, its
    status said); a seal that is not their personal seal (422 ``personal_seal_invalid``), not the
    enterprise's (422 ``company_seal_invalid``, also any company seal on a person's case) or missing (422
    ``company_seal_required``). Nothing is sealed unless every check passes."""
    require_applicant_side(actor, case)
    _require_signable(case)
    personal = seal_info(actor, str(personal_seal_uuid or ""))
    if not _is_personal(personal, _own_code(actor)):
        raise InvalidInput(
            CaseError.PERSONAL_SEAL_INVALID,
            _("“申请人（签字）”须使用您本人的个人电子签名"),
            field="personal_seal_uuid",
        )
    spots = [SignatureSpot(personal.uuid, PERSONAL_FIELD, PERSONAL_BOX)]
    signers = [_signer("applicant", personal)]
    uscc = _enterprise_code(case)
    if case.applicant_kind == ApplicantKind.ENTERPRISE:
        if not company_seal_uuid:
            raise InvalidInput(
                CaseError.COMPANY_SEAL_REQUIRED,
                _("企业申请须加盖申请单位的电子印章"),
                field="company_seal_uuid",
            )
        company = seal_info(actor, str(company_seal_uuid))
        if not _is_company(company, uscc):
            raise InvalidInput(
                CaseError.COMPANY_SEAL_INVALID,
                _("“申请单位（盖章）”须使用申请企业 %(name)s 的电子印章") % {"name": case.applicant_name},
                field="company_seal_uuid",
            )
        spots.append(SignatureSpot(company.uuid, COMPANY_FIELD, COMPANY_BOX))
        signers.append(_signer("company", company))
    elif company_seal_uuid:
        raise InvalidInput(
            CaseError.COMPANY_SEAL_INVALID,
            _("个人申请无需加盖单位印章"),
            field="company_seal_uuid",
        )
    # Sealing first, outside any transaction: the document, then one seal after the other.
    signed = document_sign(actor, application_pdf(case), spots, purpose=f"申请书 {case.number}")
    with transaction.atomic():
        locked = lock_case(case)
        _require_signable(locked)
        locked.application_document = signed
        locked.application_signed_at = timezone.now()
        locked.application_signers = signers
        locked.save(update_fields=["application_document", "application_signed_at", "application_signers"])
        event_record(
            locked, actor, "application_signed", seals=[f"{s['name']}（{s['kind_label']}）" for s in signers]
        )
    return locked


def _signer(role: str, seal: SealInfo) -> dict:
    return {
        "role": role,
        "kind": seal.kind,
        "kind_label": seal.kind_label,
        "name": seal.name_text,
        "owner": seal.owner_name,
        "seal_uuid": seal.uuid,
    }


def signature_make(*, actor: Actor) -> SealInfo:
    """申领个人电子签名 from the case page: the person's own personal seal, made at once at L2+ (the seals
    context's rule: ``assurance_too_low`` below, ``seal_kind_held`` while they hold one)."""
    return personal_signature_make(actor)
