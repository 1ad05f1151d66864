"""Request id and Content-Security-Policy middleware."""

from __future__ import annotations

import re
import uuid

from django.conf import settings

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


class NulCharacterGuardMiddleware:
    """Refuses input holding NUL characters (PostgreSQL cannot store them, and no real input has them) with a
    400, before any view sees it: query strings, form fields and JSON bodies, on pages and the API alike."""

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if any("\x00" in v for values in request.GET.lists() for v in values[1]):
            return True
        if request.method in ("POST", "PUT", "PATCH"):
            content_type = request.META.get("CONTENT_TYPE", "")
            if content_type.startswith("application/json"):
                body = request.body
                return b"\x00" in body or b"\\u0000" in body
            if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                return any("\x00" in v for values in request.POST.lists() for v in values[1])
        return False

    def __call__(self, request):
        if self._has_nul(request):
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.utils.translation import gettext as _

            message = _("请求包含无效字符")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "invalid_characters", "message": message, "details": {}}, status=400
                )
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
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
            from django.http import JsonResponse
            from django.utils.translation import gettext as _

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
