"""The OpenID Connect provider's pages and endpoints under ``/o/``: django-oauth-toolkit's views, with the
platform's consent page (accounts/oidc_authorize.html) and the token endpoint the verifiers' old URL
(``/api/licences/oauth/token``) forwards to."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from oauth2_provider import views as dot

from tongban.accounts.oidc import IDENTITY_SCOPE, SCOPE_LABELS, csp_with_form_action


class ConsentView(dot.AuthorizationView):
    """DOT's authorization endpoint: the platform's login first (LOGIN_URL), then this consent page, which
    lists the client and what it asks for; trusted clients (``skip_authorization``) skip it."""

    template_name = "accounts/oidc_authorize.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scopes = context.get("scopes") or []
        context["scope_items"] = [str(SCOPE_LABELS.get(s, s)) for s in scopes]
        if IDENTITY_SCOPE in scopes:
            context["scope_items"].append(_("以上证件号码将完整提供给对方，用于在对方平台关联您的账号"))
        target = urlsplit(context.get("redirect_uri") or "")
        context["redirect_host"] = target.netloc
        self._form_action = f"{target.scheme}://{target.netloc}" if target.scheme in ("http", "https") else ""
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # The consent form's answer is a redirect to the client: the CSP's form-action must allow it.
        response["Content-Security-Policy"] = csp_with_form_action(getattr(self, "_form_action", ""))
        return response


token_view = dot.TokenView.as_view()
