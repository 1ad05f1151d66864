"""What a licence says, for the files made from it (PDF, SD-JWT VC): its face data in the type's order."""

from __future__ import annotations

from tongban.licences.models import Licence


def face_items(licence: Licence) -> list[tuple[str, str, object]]:
    """(key, title, value) of the licence's face data: the type's fields in order, then any others."""
    titles = dict(licence.type.face_fields)
    keys = [key for key in titles if key in licence.face]
    keys += [key for key in licence.face if key not in titles]
    return [(key, titles.get(key, key), licence.face[key]) for key in keys]
