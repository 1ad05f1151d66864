"""What a licence says, for the files made from it (PDF, SD-JWT VC): its face data in the type's order and
whether it is in force today."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from tongban.licences.constants import LicenceStatus
from tongban.licences.models import Licence


def in_force(licence: Licence, today: date | None = None) -> bool:
    """Valid (01), the current version, and within its validity dates today."""
    today = today or timezone.localdate()
    return (
        licence.status == LicenceStatus.VALID
        and licence.current
        and licence.valid_from <= today
        and (licence.valid_until is None or today <= licence.valid_until)
    )


def face_items(licence: Licence) -> list[tuple[str, str, object]]:
    """(key, title, value) of the licence's face data: the type's fields in order, then any others."""
    titles = dict(licence.type.face_fields)
    keys = [key for key in titles if key in licence.face]
    keys += [key for key in licence.face if key not in titles]
    return [(key, titles.get(key, key), licence.face[key]) for key in keys]
