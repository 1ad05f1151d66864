"""Domain errors: a code, a translatable message, an HTTP status and details.

Every context raises subclasses of :class:`DomainError`; one handler (``tongban.api``) maps them to
``{"code", "message", "details"}`` for the API, and pages show ``error.message`` inline.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "bad_request"
    default_message = _("请求无效")

    def __init__(self, code: str | None = None, message: Any = None, *, status: int | None = None, **details):
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
    code = "invalid_input"
    default_message = _("输入不符合要求")


class NotFound(DomainError):
    """The object does not exist *or the actor may not see it* (never reveal which)."""

    status = 404
    code = "not_found"
    default_message = _("未找到该对象")


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    default_message = _("您没有权限执行此操作")


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = _("请先登录")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("当前状态不允许此操作")


class Throttled(DomainError):
    status = 429
    code = "throttled"
    default_message = _("操作过于频繁，请稍后再试")
