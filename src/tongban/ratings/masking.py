"""Personal data in free text (a review, a 诉求): ID numbers and mobile numbers are masked on every page but the
writer's own (docs/domain/ratings.md §4). A USCC is public and stays; names are not detected."""

from __future__ import annotations

import re

from tongban.core.identifiers import mask_id_number, mask_phone

# An 18-character resident ID (17 digits and a digit or X), or a 15-digit old one, not inside a longer run of
# digits or letters (a USCC is 18 characters of digits and capitals: it has letters in positions 1–2 or later).
_ID = re.compile(
    r"(?<![0-9A-Za-z])([1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx])(?![0-9A-Za-z])"
)
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")


def mask_personal_text(text: str) -> str:
    if not text:
        return text
    text = _ID.sub(lambda m: mask_id_number(m.group(1)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(1)), text)
