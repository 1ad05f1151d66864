"""Domain errors: a code, a translatable message, an HTTP status and details.

Every context raises subclasses of :class:`DomainError`; one handler (``tongban.api``) maps them to
``{"code", "message", "details"}`` for the API, and pages show ``error.message`` inline.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    """An error code the API answers (``{"code": …}``). Each context lists its own in ``errors.py`` as a
    subclass; errors are raised with a member, never a free string (DomainError refuses one), and every
    member is documented in docs/api.md (tests/test_error_codes.py)."""


class CoreError(ErrorCode):
    """The shared kernel's error codes: the defaults of the error classes, identifiers, the calendar, and the
    API's edge (validation, authentication, unknown paths, server errors)."""

    BAD_REQUEST = "bad_request"
    CONFLICT = "conflict"
    DATABASE_UNREACHABLE = "database_unreachable"
    DATE_OUT_OF_RANGE = "date_out_of_range"
    HTTP_ERROR = "http_error"
    INTERNAL_ERROR = "internal_error"
    INVALID_CHARACTERS = "invalid_characters"
    INVALID_HK_MACAO_PERMIT = "invalid_hk_macao_permit"
    INVALID_ID_KIND = "invalid_id_kind"
    INVALID_ID_NUMBER = "invalid_id_number"
    INVALID_INPUT = "invalid_input"
    INVALID_PASSPORT = "invalid_passport"
    INVALID_PHONE = "invalid_phone"
    INVALID_TAIWAN_PERMIT = "invalid_taiwan_permit"
    INVALID_USCC = "invalid_uscc"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_AUTHENTICATED = "not_authenticated"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    RANGE_TOO_LONG = "range_too_long"
    THROTTLED = "throttled"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    VALIDATION_ERROR = "validation_error"


class DomainError(Exception):
    status = 400
    code = CoreError.BAD_REQUEST
    default_message = _("请求无效")

    def __init__(
        self, code: ErrorCode | None = None, message: Any = None, *, status: int | None = None, **details: Any
    ):
        if code is not None and not isinstance(code, ErrorCode):
            raise TypeError(f"error codes are members of a context's ErrorCode, not {code!r}")
        self.code = code or self.code
        self.message = message if message is not None else self.default_message
        if status is not None:
            self.status = status
        self.details = details
        super().__init__(f"{self.code}: {self.message}")

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), "details": self.details}


class InvalidInput(DomainError):
    """Input that fails a domain rule (a bad ID number, an unknown code …): 422."""

    status = 422
    code = CoreError.INVALID_INPUT
    default_message = _("输入不符合要求")


class NotFound(DomainError):
    """The object does not exist *or the actor may not see it* (never reveal which)."""

    status = 404
    code = CoreError.NOT_FOUND
    default_message = _("未找到该对象")


class PermissionDenied(DomainError):
    status = 403
    code = CoreError.PERMISSION_DENIED
    default_message = _("您没有权限执行此操作")


class NotAuthenticated(DomainError):
    status = 401
    code = CoreError.NOT_AUTHENTICATED
    default_message = _("请先登录")


class Conflict(DomainError):
    status = 409
    code = CoreError.CONFLICT
    default_message = _("当前状态不允许此操作")


class Throttled(DomainError):
    status = 429
    code = CoreError.THROTTLED
    default_message = _("操作过于频繁，请稍后再试")
