"""Every row lock of the licence library, in one place. Order: a licence type before its licences (issuance
locks the type to number its serials), licences by primary key, issuer keys alone."""

from __future__ import annotations

from tongban.licences.models import IssuerKey, Licence, LicenceType


def lock_licence_type(code: str) -> LicenceType | None:
    return LicenceType.objects.select_for_update().filter(code=code).first()


def lock_licence(licence: Licence) -> Licence:
    """The licence with its type (read, not locked)."""
    return Licence.objects.select_for_update().select_related("type").get(pk=licence.pk)


def lock_unsigned_batch(*, after_id: int, window: int, size: int) -> list[Licence]:
    """Up to ``size`` unsigned licences with primary keys in (after_id, after_id + window], in order; rows
    another transaction holds (an import writing them) are skipped, not waited for."""
    return list(
        Licence.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("type", "previous")
        .filter(signature="", id__gt=after_id, id__lte=after_id + window)
        .order_by("id")[:size]
    )


def lock_active_issuer_key(department_uuid) -> IssuerKey | None:
    return IssuerKey.objects.select_for_update().filter(department_uuid=department_uuid, active=True).first()
