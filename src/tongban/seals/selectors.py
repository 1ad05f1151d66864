"""Reading the seal registry: what each list shows, scoped by ``access``."""

from __future__ import annotations

from django.db.models import QuerySet

from tongban.core.actors import Actor
from tongban.seals.access import application_scope, authorised_scope, is_seal_authority, owner_scope
from tongban.seals.constants import ApplicationStatus, OwnerKind, SealKind, SealStatus
from tongban.seals.models import Seal, SealApplication, SealAuthorisation, SealStatusChange, SealUse


def seals_owned(actor: Actor) -> QuerySet[Seal]:
    """The seals the actor owns (the enterprises they represent, their own)."""
    return Seal.objects.filter(owner_scope(actor)).select_related("certificate")


def seals_authorised(actor: Actor) -> QuerySet[Seal]:
    """The seals others authorised the actor to use (open authorisations)."""
    return Seal.objects.filter(authorised_scope(actor)).exclude(owner_scope(actor)).distinct()


def seals_all(actor: Actor) -> QuerySet[Seal]:
    """Every seal, for the seal authority (nothing for anyone else)."""
    return Seal.objects.all() if is_seal_authority(actor) else Seal.objects.none()


def applications_visible(actor: Actor) -> QuerySet[SealApplication]:
    return SealApplication.objects.filter(application_scope(actor))


def applications_to_review(actor: Actor) -> QuerySet[SealApplication]:
    if not is_seal_authority(actor):
        return SealApplication.objects.none()
    return SealApplication.objects.filter(status=ApplicationStatus.SUBMITTED).order_by("created_at")


def seal_uses(seal: Seal, limit: int = 200) -> list[SealUse]:
    return list(seal.uses.all()[:limit])


def seal_authorisations(seal: Seal) -> list[SealAuthorisation]:
    return list(seal.authorisations.all())


def seal_history(seal: Seal) -> list[SealStatusChange]:
    return list(SealStatusChange.objects.filter(seal=seal))


def department_seal_active(code: str) -> Seal | None:
    """The active department seal of the issuing authority with this code (its USCC, or its uuid)."""
    return (
        Seal.objects.filter(
            owner_kind=OwnerKind.ORG, owner_code=code, kind=SealKind.DEPARTMENT, status=SealStatus.ACTIVE
        )
        .select_related("certificate")
        .order_by("-created_at")
        .first()
    )
