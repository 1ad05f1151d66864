"""Request id and Content-Security-Policy middleware."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from tongban.core import request_context

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request) -> str:
    """The client address, honouring X-Forwarded-For only for the configured number of proxies."""
    hops = settings.TONGBAN_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        parts = [p.strip() for p in forwarded.split(",") if p.strip()]
        if len(parts) >= hops:
            return parts[-hops]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class RequestIdMiddleware:
    """Gives every request an id (taken from a well-formed X-Request-ID, else new) for logs and audit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.client_ip = client_ip(request)
        # Bound for the whole request (and left bound until the next request on this thread rebinds it),
        # so that Django's own request log lines, written after the middleware returns, carry the id.
        request_context.bind(request.id, request.client_ip)
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        return response


class InputGuardMiddleware:
    """Checks input before any view sees it.

    * Under /api/, a request body must be JSON (``application/json``): anything else answers 415. A
      cross-site form or ``text/plain`` post cannot reach the API, which closes login CSRF on the public
      endpoints (a JSON post from another origin needs a CORS preflight, which this platform never grants).
    * NUL characters (PostgreSQL cannot store them, and no real input has them) answer 400, in query
      strings, form fields and bodies, on pages and the API alike.
    """

    # OAuth2 token endpoints take form bodies (RFC 6749 §4.4.2); they read no cookie, so no CSRF risk.
    FORM_PATHS = frozenset({"/api/licences/oauth/token"})

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _error(request, status: int, code: str, message: str):
        if request.path.startswith("/api/"):
            return JsonResponse({"code": code, "message": message, "details": {}}, status=status)
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        has_nul = (
            "%00" in query
            or "\x00" in query
            or any("\x00" in v for _k, vs in request.GET.lists() for v in vs)
        )
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            content_type = request.META.get("CONTENT_TYPE", "").lower()
            if request.path.startswith("/api/"):
                body = request.body
                empty_form = content_type.startswith(
                    ("application/x-www-form-urlencoded", "multipart/form-data")
                ) and not (request.POST or request.FILES)
                form_allowed = request.path in self.FORM_PATHS and content_type.startswith(
                    "application/x-www-form-urlencoded"
                )
                if (
                    body
                    and not content_type.startswith("application/json")
                    and not (empty_form or form_allowed)
                ):
                    return self._error(
                        request, 415, "unsupported_media_type", _("请求体必须是 JSON（application/json）")
                    )
                has_nul = has_nul or b"\x00" in body or b"\\u0000" in body
            elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                has_nul = has_nul or any("\x00" in v for _k, vs in request.POST.lists() for v in vs)
        if has_nul:
            return self._error(request, 400, "invalid_characters", _("请求包含无效字符"))
        return self.get_response(request)


class ApiErrorShapeMiddleware:
    """Under /api/, the answers Django gives before the API is reached (unknown path, wrong method) use the
    API's error format too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in (404, 405)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code, message = (
                ("not_found", _("未找到该接口"))
                if response.status_code == 404
                else ("method_not_allowed", _("不支持该请求方法"))
            )
            shaped = JsonResponse(
                {"code": code, "message": message, "details": {}}, status=response.status_code
            )
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response


class ContentSecurityPolicyMiddleware:
    """A strict CSP: scripts and styles only from this platform, no inline scripts, no framing."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.policy)
        response.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        return response
