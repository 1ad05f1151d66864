"""The OpenID Connect provider under ``/o/`` (django-oauth-toolkit's views; the namespace is DOT's own, which
its views reverse). Discovery is also served at the site's root (``tongban.urls``)."""

from django.urls import path, re_path
from oauth2_provider import views as dot

from tongban.accounts.views_oidc import ConsentView, token_view

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", ConsentView.as_view(), name="authorize"),
    path("token/", token_view, name="token"),
    path("revoke_token/", dot.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", dot.IntrospectTokenView.as_view(), name="introspect"),
    path("userinfo/", dot.UserInfoView.as_view(), name="user-info"),
    re_path(
        r"^\.well-known/openid-configuration$",
        dot.ConnectDiscoveryInfoView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(".well-known/jwks.json", dot.JwksInfoView.as_view(), name="jwks-info"),
]
