"""Personal and organisational identifiers: validation (python-stdnum where it has the scheme) and masking.

Error codes are stable API codes: ``invalid_id_number``, ``invalid_passport``, ``invalid_hk_macao_permit``,
``invalid_taiwan_permit``, ``invalid_phone``, ``invalid_uscc``.
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

from tongban.core.errors import InvalidInput


class IdKind(models.TextChoices):
    """Certificate type codes (证件类型代码) as used by national government-service platforms."""

    RESIDENT_ID = "111", _("居民身份证")
    PASSPORT = "414", _("普通护照")
    HK_MACAO_PERMIT = "516", _("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "511", _("台湾居民来往大陆通行证")


_PASSPORT = re.compile(r"^(?:E[0-9A-HJ-NP-Z][0-9]{7}|[EG][0-9]{8})$")
_HK_MACAO = re.compile(r"^[HM][0-9]{8}(?:[0-9]{2})?$")
_TAIWAN = re.compile(r"^[0-9]{8}(?:[0-9]{2})?$")
_PHONE = re.compile(r"^1[3-9][0-9]{9}$")


def _ascii(text: str) -> str:
    """Full-width digits and letters (common with Chinese input methods) become ASCII; spaces go. What is
    left must be ASCII, so one identifier has exactly one stored form (the uniqueness rules depend on it)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def normalise_id_number(kind: str, number: str) -> str:
    return _ascii(number).upper()


def validate_resident_id(number: str, *, field: str = "id_number", today: date | None = None) -> str:
    number = normalise_id_number(IdKind.RESIDENT_ID, number)
    message = _("身份证号码无效：请检查位数、校验位、出生日期和地区码")
    if not number.isascii():
        raise InvalidInput("invalid_id_number", message, field=field)
    try:
        number = ric.validate(number)
    except StdnumError as exc:
        raise InvalidInput("invalid_id_number", message, field=field) from exc
    if len(number) != 18:
        raise InvalidInput("invalid_id_number", message, field=field)
    birth = ric.get_birth_date(number)
    if birth > (today or timezone.localdate()):
        raise InvalidInput("invalid_id_number", _("身份证号码无效：出生日期晚于今天"), field=field)
    return number


def validate_id_number(kind: str, number: str, *, field: str = "id_number") -> str:
    """Validate a personal identifier of the given kind; returns it normalised or raises InvalidInput."""
    number = normalise_id_number(kind, number)
    if kind == IdKind.RESIDENT_ID:
        return validate_resident_id(number, field=field)
    if kind == IdKind.PASSPORT:
        if not _PASSPORT.match(number):
            raise InvalidInput("invalid_passport", _("护照号码格式不正确"), field=field)
        return number
    if kind == IdKind.HK_MACAO_PERMIT:
        if not _HK_MACAO.match(number):
            raise InvalidInput(
                "invalid_hk_macao_permit", _("港澳居民来往内地通行证号码格式不正确"), field=field
            )
        return number
    if kind == IdKind.TAIWAN_PERMIT:
        if not _TAIWAN.match(number):
            raise InvalidInput(
                "invalid_taiwan_permit", _("台湾居民来往大陆通行证号码格式不正确"), field=field
            )
        return number
    raise InvalidInput("invalid_id_kind", _("不支持的证件类型"), field="id_kind")


def validate_phone(phone: str, *, field: str = "phone") -> str:
    phone = re.sub(r"-+", "", _ascii(phone))
    if phone.startswith("+86"):
        phone = phone[3:]
    if not _PHONE.match(phone):
        raise InvalidInput("invalid_phone", _("手机号码格式不正确：应为11位中国大陆手机号"), field=field)
    return phone


def validate_uscc(code: str, *, field: str = "uscc") -> str:
    code = _ascii(code).upper()
    try:
        if not code.isascii():
            raise StdnumError()
        return uscc.validate(code)
    except StdnumError as exc:
        raise InvalidInput(
            "invalid_uscc", _("统一社会信用代码无效：请检查位数和校验位"), field=field
        ) from exc


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
