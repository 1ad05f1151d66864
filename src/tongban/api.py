"""The JSON API at /api/: one NinjaAPI, one error format ``{"code", "message", "details"}``."""

from __future__ import annotations

import logging

from django.db import connection
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from tongban.accounts.api import ops_router
from tongban.accounts.api import router as accounts_router
from tongban.cases.api import router as cases_router
from tongban.catalog.api import router as catalog_router
from tongban.core.api import router as core_router
from tongban.core.errors import DomainError
from tongban.core.schema_messages import LOCATION_PARTS, input_message
from tongban.core.schemas import ErrorOut
from tongban.federation.api import router as federation_router
from tongban.federation.api_cases import router as federation_cases_router
from tongban.federation.api_licences import router as federation_licences_router
from tongban.frontdesk.api import router as frontdesk_router
from tongban.licences.api import router as licences_router
from tongban.ratings.api import router as ratings_router
from tongban.ratings.api_tickets import router as ratings_tickets_router
from tongban.seals.api import router as seals_router
from tongban.supervision.api import router as supervision_router
from tongban.supervision.api_assess import router as supervision_assess_router
from tongban.supervision.api_figures import router as supervision_figures_router

logger = logging.getLogger("tongban.api")

api = NinjaAPI(
    title="Tongban 通办 API",
    version="1",
    description=(
        "一网通办平台接口。Errors answer `{code, message, details}`. Browser clients authenticate with the "
        "session cookie (send `X-CSRFToken` on unsafe methods); machine clients with "
        "`Authorization: Bearer tb_<id>_<secret>` API keys carrying scopes."
    ),
    urls_namespace="api",
)


def _error(request, status: int, code: str, message: str, details: dict | None = None):
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return _error(request, exc.status, exc.code, str(exc.message), exc.details)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    fields = []
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", ()) if str(part) not in LOCATION_PARTS]
        fields.append({"field": ".".join(loc), "type": err.get("type", ""), "message": input_message(err)})
    return _error(request, 422, "validation_error", _("请求数据校验失败"), {"fields": fields})


@api.exception_handler(AuthenticationError)
def _authentication_error(request, exc):
    return _error(request, 401, "not_authenticated", _("请先登录或提供有效的接口凭证"))


@api.exception_handler(AuthorizationError)
def _authorization_error(request, exc):
    return _error(request, 403, "permission_denied", _("您没有权限执行此操作"))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", _("未找到该对象"))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    # django-ninja's own refusals are English sentences: say them in the request's language.
    if exc.status_code == 400:
        return _error(request, 400, "http_error", _("请求体无法解析：须为有效的 JSON"))
    return _error(request, exc.status_code, "http_error", _("请求无效"))


@api.exception_handler(Exception)
def _unexpected(request, exc):
    logger.exception("unhandled API error")
    return _error(request, 500, "internal_error", _("服务器内部错误，请稍后再试"), {"request_id": request.id})


class HealthOut(Schema):
    status: str
    database: str


@api.get("/health", response={200: HealthOut, 503: ErrorOut}, auth=None, tags=["platform"])
def health(request):
    """Liveness and readiness: 200 when the database answers. Public."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("health check: database unreachable")
        return Status(503, {"code": "database_unreachable", "message": _("数据库不可用"), "details": {}})
    return {"status": "ok", "database": "ok"}


api.add_router("/", core_router)
api.add_router("/", accounts_router)
api.add_router("/", catalog_router)
api.add_router("/", cases_router)
api.add_router("/", licences_router)
api.add_router("/", seals_router)
api.add_router("/", frontdesk_router)
api.add_router("/", ratings_router)
api.add_router("/", ratings_tickets_router)
api.add_router("/", supervision_assess_router)
api.add_router("/", supervision_router)
api.add_router("/", supervision_figures_router)
api.add_router("/", federation_router)
api.add_router("/", federation_cases_router)

api.add_router("/", federation_licences_router)
api.add_router("/ops", ops_router)
