"""How the API knows who is calling: the browser session (with CSRF on unsafe methods) or, for machine
clients, an API key (``Authorization: Bearer tb_<id>_<secret>``) with scopes."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from tongban.accounts.errors import AccountError
from tongban.core.errors import PermissionDenied


class SessionAuth(APIKeyCookie):
    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and check_csrf(request):
            raise PermissionDenied(AccountError.CSRF_FAILED, _("CSRF 校验失败，请刷新页面后重试"))
        return user


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request, token):
        from tongban.accounts.actors import actor_for
        from tongban.accounts.services import api_client_authenticate

        client = api_client_authenticate(token)
        if client is not None:
            request.api_client = client
            request.actor = actor_for(client)
        return client


session_auth = SessionAuth()
api_key_auth = ApiKeyAuth()
# Endpoints open to people (session) and machine clients (API key).
session_or_key = [api_key_auth, session_auth]
