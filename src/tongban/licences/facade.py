"""The stable interface other contexts use for the licence library."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["IssuedLicence", "LicenceRef", "demo_load_licences", "issue_for_case", "valid_licences_of"]


def demo_load_licences() -> int:
    from tongban.licences.demo import demo_load_licences as load

    return load()


@dataclass(frozen=True)
class LicenceRef:
    uuid: str
    identifier: str
    type_code: str
    type_name: str
    number: str
    holder_name: str
    issuer_name: str
    valid_until: str | None
    face: dict


@dataclass(frozen=True)
class IssuedLicence:
    type_code: str
    uuid: str | None  # None when it could not be issued
    number: str
    problem: str  # why it was not issued


def _ref(licence) -> LicenceRef:
    return LicenceRef(
        str(licence.uuid),
        licence.identifier,
        licence.type.code,
        licence.type.name,
        licence.number,
        licence.holder_name,
        licence.issuer_name,
        licence.valid_until.isoformat() if licence.valid_until else None,
        licence.face,
    )


def valid_licences_of(*, holder_kind: str, holder_code: str, type_codes: set[str]) -> dict[str, LicenceRef]:
    """The holder's current valid licence of each of ``type_codes`` (those they have), newest first."""
    from django.db.models import Q
    from django.utils import timezone

    from tongban.licences.constants import LicenceStatus
    from tongban.licences.models import Licence

    today = timezone.localdate()
    rows = (
        Licence.objects.select_related("type")
        .filter(
            holder_kind=holder_kind,
            holder_code=holder_code,
            type__code__in=type_codes,
            current=True,
            status=LicenceStatus.VALID,
            valid_from__lte=today,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .order_by("-issue_date", "-id")
    )
    found: dict[str, LicenceRef] = {}
    for licence in rows:
        found.setdefault(licence.type.code, _ref(licence))
    return found


def issue_for_case(
    *,
    type_code: str,
    holder_kind: str,
    holder_code: str,
    holder_name: str,
    issuer_uuid: str,
    issuer_name: str,
    issuer_code: str,
    form_data: dict,
    case_uuid: str,
    item_code: str,
) -> IssuedLicence:
    """Issue the licence a concluded case yields (in the caller's transaction). The face is taken from the
    form's fields of the same keys, with the holder's name for a ``name`` or ``holder_name`` field. When the
    licence cannot be issued (no such type, another holder kind, face fields missing…) nothing is written and
    the problem is returned, for the case's timeline: the department then issues it from its own system."""
    from django.db import transaction

    from tongban.core.errors import DomainError
    from tongban.licences.models import LicenceType
    from tongban.licences.services import licence_issue

    licence_type = LicenceType.objects.filter(code=type_code).first()
    if licence_type is None:
        return IssuedLicence(type_code, None, "", "unknown_licence_type")
    if licence_type.holder_kind != holder_kind:
        return IssuedLicence(type_code, None, "", "holder_kind_differs")
    face = {}
    for key, _title in licence_type.face_fields:
        if key in form_data:
            face[key] = form_data[key]
        elif key in ("name", "holder_name"):
            face[key] = holder_name
    try:
        with transaction.atomic():
            licence = licence_issue(
                actor=None,
                type_code=type_code,
                holder_code=holder_code,
                holder_name=holder_name,
                issuer_uuid=issuer_uuid,
                issuer_name=issuer_name,
                issuer_code=issuer_code,
                face=face,
                case_uuid=case_uuid,
                item_code=item_code,
            )
    except DomainError as exc:
        return IssuedLicence(type_code, None, "", exc.code)
    return IssuedLicence(type_code, str(licence.uuid), licence.number, "")
