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
        tokens = request_context.bind(request.id, request.client_ip)
        try:
            response = self.get_response(request)
        finally:
            request_context.unbind(tokens)
        response["X-Request-ID"] = request.id
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
