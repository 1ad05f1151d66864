"""Personal and organisational identifiers: validation (python-stdnum where it has the scheme) and masking.

Error codes are stable API codes: ``invalid_id_number``, ``invalid_passport``, ``invalid_hk_macao_permit``,
``invalid_taiwan_permit``, ``invalid_phone``, ``invalid_uscc``. The rules are written down in
docs/domain/identifiers.md.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from tongban.core.errors import CoreError, InvalidInput


class IdKind(models.TextChoices):
    """Certificate type codes (证件类型代码) as used by national government-service platforms."""

    RESIDENT_ID = "111", _("居民身份证")
    PASSPORT = "414", _("普通护照")
    HK_MACAO_PERMIT = "516", _("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "511", _("台湾居民来往大陆通行证")


# Resident identity numbers (公民身份号码, GB 11643-1999): 6-digit address code, birth date (YYYYMMDD),
# 3-digit sequence, ISO 7064 MOD 11-2 check character. The address code is the county where the number was
# *issued* (GB/T 2260); counties are created, renamed and merged, and a number keeps the code it was given,
# so only the province-level part (its first two digits) is checked, never that the county exists or
# existed in the birth year (docs/domain/identifiers.md).
PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
    | {"71", "81", "82"}
)  # GB/T 2260 province-level divisions (tests check the list against python-stdnum's table)
EARLIEST_BIRTH = date(1890, 1, 1)
_RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")

_PASSPORT = re.compile(r"^(?:E[0-9A-HJ-NP-Z][0-9]{7}|[EG][0-9]{8})$")
_HK_MACAO = re.compile(r"^[HM][0-9]{8}(?:[0-9]{2})?$")
_TAIWAN = re.compile(r"^[0-9]{8}(?:[0-9]{2})?$")
_PHONE = re.compile(r"^1[3-9][0-9]{9}$")
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _ascii(text: str) -> str:
    """Full-width digits and letters (common with Chinese input methods) become ASCII; spaces go. What is
    left must be ASCII, so one identifier has exactly one stored form (the uniqueness rules depend on it)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def normalise_id_number(kind: str, number: str) -> str:
    return _ascii(number).upper()


def validate_resident_id(number: str, *, field: str = "id_number", today: date | None = None) -> str:
    """A citizen identity number (GB 11643-1999), normalised, or InvalidInput ``invalid_id_number`` with a
    ``reason`` (``format``, ``check_digit``, ``province``, ``birth_date``). The county part of the address code
    is not looked up: a number keeps the code of the county that issued it, which may have been created after
    the holder was born (浦东新区 310115 in 1993) or abolished since."""
    number = normalise_id_number(IdKind.RESIDENT_ID, number)
    if not _RESIDENT_ID.fullmatch(number):
        raise InvalidInput(
            CoreError.INVALID_ID_NUMBER,
            _("身份证号码无效：应为18位，前17位为数字，最后一位为数字或X"),
            field=field,
            reason="format",
        )
    if ric.calc_check_digit(number) != number[17]:
        raise InvalidInput(
            CoreError.INVALID_ID_NUMBER, _("身份证号码无效：校验位不正确"), field=field, reason="check_digit"
        )
    if number[:2] not in PROVINCE_CODES:
        raise InvalidInput(
            CoreError.INVALID_ID_NUMBER,
            _("身份证号码无效：前两位不是省级行政区划代码"),
            field=field,
            reason="province",
        )
    try:
        birth = ric.get_birth_date(number)
    except StdnumError:
        birth = None
    if birth is None or birth < EARLIEST_BIRTH:
        raise InvalidInput(
            CoreError.INVALID_ID_NUMBER, _("身份证号码无效：出生日期不存在"), field=field, reason="birth_date"
        )
    if birth > (today or timezone.localdate()):
        raise InvalidInput(
            CoreError.INVALID_ID_NUMBER,
            _("身份证号码无效：出生日期晚于今天"),
            field=field,
            reason="birth_date",
        )
    return number


def validate_id_number(kind: str, number: str, *, field: str = "id_number") -> str:
    """Validate a personal identifier of the given kind; returns it normalised or raises InvalidInput."""
    number = normalise_id_number(kind, number)
    if kind == IdKind.RESIDENT_ID:
        return validate_resident_id(number, field=field)
    if kind == IdKind.PASSPORT:
        if not _PASSPORT.match(number):
            raise InvalidInput(CoreError.INVALID_PASSPORT, _("护照号码格式不正确"), field=field)
        return number
    if kind == IdKind.HK_MACAO_PERMIT:
        if not _HK_MACAO.match(number):
            raise InvalidInput(
                CoreError.INVALID_HK_MACAO_PERMIT, _("港澳居民来往内地通行证号码格式不正确"), field=field
            )
        return number
    if kind == IdKind.TAIWAN_PERMIT:
        if not _TAIWAN.match(number):
            raise InvalidInput(
                CoreError.INVALID_TAIWAN_PERMIT, _("台湾居民来往大陆通行证号码格式不正确"), field=field
            )
        return number
    raise InvalidInput(CoreError.INVALID_ID_KIND, _("不支持的证件类型"), field="id_kind")


def validate_phone(phone: str, *, field: str = "phone") -> str:
    phone = re.sub(r"-+", "", _ascii(phone))
    if phone.startswith("+86"):
        phone = phone[3:]
    if not _PHONE.match(phone):
        raise InvalidInput(
            CoreError.INVALID_PHONE, _("手机号码格式不正确：应为11位中国大陆手机号"), field=field
        )
    return phone


def organisation_code_check(body: str) -> str:
    """The check character of a GB 11714-1997 organisation code (组织机构代码) for its 8-character body:
    digits count 0–9 and letters A–Z 10–35 (its appendix A), weighted 3, 7, 9, 10, 5, 8, 4, 2;
    C9 = 11 − (Σ mod 11), where 10 is written X and 11 is written 0."""
    c9 = 11 - sum(int(ch, 36) * w for ch, w in zip(body, _ORG_CODE_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 表1: no I, O, S, V, Z


def uscc_make(prefix: str, body: str) -> str:
    """A USCC from its first 8 characters (registration authority, type, division) and the 8-character body
    of the subject's organisation code: the GB 11714 check character, then the GB 32100 one."""
    first17 = prefix + body + organisation_code_check(body)
    return first17 + uscc.calc_check_digit(first17)


def validate_uscc(code: str, *, field: str = "uscc") -> str:
    """A unified social credit code (GB 32100-2015), normalised, or InvalidInput ``invalid_uscc``: the format
    and check character 18 (python-stdnum), and characters 9–17, the subject's organisation code
    (GB 32100-2015 §4.3), with their own GB 11714 check character."""
    code = _ascii(code).upper()
    message = _("统一社会信用代码无效：请检查位数和校验位")
    try:
        if not code.isascii():
            raise StdnumError()
        code = uscc.validate(code)
    except StdnumError as exc:
        raise InvalidInput(CoreError.INVALID_USCC, message, field=field) from exc
    if organisation_code_check(code[8:16]) != code[16]:
        raise InvalidInput(
            CoreError.INVALID_USCC,
            _("统一社会信用代码无效：第9–17位（组织机构代码）的校验位不正确"),
            field=field,
            reason="organisation_code",
        )
    return code


def mask_id_number(number: str) -> str:
    """``110101199003071233`` → ``110101********1233``; short documents keep their first and last 2."""
    if not number:
        return ""
    if len(number) >= 15:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    if len(number) > 4:
        return number[:1] + "*" * (len(number) - 3) + number[-2:]
    return "*" * len(number)


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) == 11:
        return phone[:3] + "****" + phone[-4:]
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧**明."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
