"""Every row lock of the seals context, in one place. Order: the PKI's keys (the root, then an issuing CA,
then the keys it certifies) before certificates; a seal application before its seals; a seal before its
authorisations. The PKI is made on first use under the lock of its active keys of a role, and a unique
constraint (one active root, one active issuing CA) settles two first uses at once."""

from __future__ import annotations

from tongban.seals.models import PkiKey, Seal, SealApplication, SealAuthorisation


def lock_active_key(role: str, issuer: PkiKey | None = None) -> PkiKey | None:
    qs = PkiKey.objects.select_for_update().filter(role=role, active=True)
    if issuer is not None:
        qs = qs.filter(issuer=issuer)
    return qs.order_by("-created_at").first()


def lock_key(pk: int) -> PkiKey:
    return PkiKey.objects.select_for_update().get(pk=pk)


def lock_application(pk: int) -> SealApplication:
    return SealApplication.objects.select_for_update().get(pk=pk)


def lock_seal(pk: int) -> Seal:
    return Seal.objects.select_for_update(of=("self",)).select_related("certificate").get(pk=pk)


def lock_seal_authorisation(pk: int) -> SealAuthorisation:
    return SealAuthorisation.objects.select_for_update(of=("self",)).select_related("seal").get(pk=pk)
