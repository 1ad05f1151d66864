"""Masking personal identifiers in free text shown to staff (a review's text, a caller's words, the notes of
a ticket): resident ID numbers and mobile numbers typed into the text are masked with the platform's own
masks (core.identifiers); an organisation's USCC, a landline, a case number stay as typed.

What counts (docs/domain/ratings.md §2, "a review text is published masked"):

- an 18-character resident ID (17 digits and a digit or X), not inside a longer run of digits (a bank
  card's): masked when its check digit is right, and also when it is wrong but it still reads as one (a
  province code and a birth date): a mistyped ID is still someone's ID. An 18-character USCC made only of
  digits, whose check character is right as a USCC, and which does not read as an ID, stays;
- a mainland mobile number (1[3-9] and 9 more digits), on its own, also written with spaces or hyphens
  (138 0000 0001, 138-0000-0001) or after +86 / 86;
- digits typed full-width (１３８…, common with Chinese input methods) count as digits.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from stdnum.cn import ric, uscc

from tongban.core.identifiers import EARLIEST_BIRTH, PROVINCE_CODES, mask_id_number, mask_phone

# \d matches full-width digits too (str patterns are Unicode); X may be typed in either case or full-width.
_ID = re.compile(r"(?<!\d)\d{17}[\dXxＸｘ](?!\d)")
_MOBILE = re.compile(r"(?<![\d])((?:\+|＋)?[8８][6６][ \-]?)?([1１][3-9３-９]\d(?:[ \-]?\d{4}){2})(?!\d)")
_MOBILE_ASCII = re.compile(r"1[3-9]\d{9}")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKC", text).upper()


def _reads_as_id(number: str) -> bool:
    """A resident ID with a right check digit, or one that still has a province code and a birth date."""
    if ric.calc_check_digit(number) == number[17]:
        return True
    if uscc.is_valid(number):
        return False
    if number[:2] not in PROVINCE_CODES:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return EARLIEST_BIRTH <= born <= date.today()


def _mask_id(match: re.Match) -> str:
    token = match.group(0)
    return mask_id_number(token) if _reads_as_id(_ascii(token)) else token


def _mask_mobile(match: re.Match) -> str:
    prefix, number = match.group(1) or "", match.group(2)
    digits = re.sub(r"[ \-]", "", number)
    if not _MOBILE_ASCII.fullmatch(_ascii(digits)):
        return match.group(0)
    return prefix + mask_phone(digits)


def mask_free_text(text: str | None) -> str:
    """The text with every resident ID and mobile number in it masked (``110101********1233``,
    ``138****0001``); everything else as typed. Escaping is the template's job."""
    if not text:
        return ""
    return _MOBILE.sub(_mask_mobile, _ID.sub(_mask_id, text))
