"""Verifiers' OAuth2 client credentials through the platform's token endpoint (django-oauth-toolkit, /o/token/)
and its older URL /api/licences/oauth/token: the key pair every verifier already has keeps working, including
a verifier registered before the provider existed; the access token verifies shown licences; a key changed or
switched off counts at once; other tokens are not a verifier's."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken, Application

from tests.accounts.test_oidc_provider import login_flow, make_client
from tests.conftest import login_client
from tests.licences.test_show_verify import shown, verify
from tongban.licences.constants import Scene, VerifierKind
from tongban.licences.models import LicenceUse, Verifier
from tongban.licences.verifiers import secret_hash, verifiers_cache_clear

pytestmark = pytest.mark.django_db
OLD_URL = "/api/licences/oauth/token"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def old_verifier(lib):
    """A verifier as the platform registered them before the OIDC provider: only its row, no client."""
    verifier = Verifier.objects.create(
        name="如家酒店（人民广场店）",
        kind=VerifierKind.HOTEL,
        scenes=[Scene.HOTEL],
        key_id="0123456789abcdef",
        secret_hash=secret_hash("old-secret-kept-by-the-hotel"),
    )
    assert not Application.objects.filter(client_id="0123456789abcdef").exists()
    return verifier


def basic(client_id: str, secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def token_at(url: str, client_id: str, secret: str, *, how: str = "form"):
    if how == "basic":
        return Client().post(
            url, "grant_type=client_credentials", content_type=FORM, **basic(client_id, secret)
        )
    body = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if how == "json":
        return Client().post(url, json.dumps(body), content_type="application/json")
    return Client().post(url, urlencode(body), content_type=FORM)


@pytest.mark.parametrize(
    ("url", "how"), [("/o/token/", "form"), ("/o/token/", "basic"), (OLD_URL, "basic"), (OLD_URL, "json")]
)
def test_a_verifier_registered_before_the_provider_gets_a_token_and_verifies(
    lib, issue, old_verifier, url, how
):
    answer = token_at(url, old_verifier.key_id, "old-secret-kept-by-the-hotel", how=how)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600 and body["scope"] == "licences:verify"
    assert "refresh_token" not in body and "id_token" not in body
    token = shown(login_client(lib["holder"].user), issue())
    verified = verify(body["access_token"], token)
    assert verified.status_code == 200 and verified.json()["fields"] == {"name": "张三"}
    assert LicenceUse.objects.get().user_label == "如家酒店（人民广场店）"
    # The token is kept at rest only as a hash.
    assert AccessToken.objects.get().token == ""


def test_wrong_credentials_are_refused_with_the_oauth_error_and_the_api_error(old_verifier):
    at_dot = token_at("/o/token/", old_verifier.key_id, "wrong")
    assert at_dot.status_code == 401 and at_dot.json()["error"] == "invalid_client"
    old = token_at(OLD_URL, old_verifier.key_id, "wrong", how="basic")
    assert old.status_code == 401
    assert old.json() | {"message": ""} == {
        "error": "invalid_client",
        "code": "invalid_client",
        "message": "",
        "details": {},
    }
    assert old.json()["message"] == "客户端凭证无效"
    unknown = token_at(OLD_URL, "ffffffffffffffff", "whatever")
    assert unknown.status_code == 401 and unknown.json()["code"] == "invalid_client"
    grant = Client().post(OLD_URL, "grant_type=password&username=a&password=b", content_type=FORM)
    assert grant.status_code == 400 and grant.json()["code"] == "unsupported_grant_type"


def test_a_changed_key_or_a_verifier_switched_off_counts_at_the_next_token_request(lib, issue, old_verifier):
    assert token_at("/o/token/", old_verifier.key_id, "old-secret-kept-by-the-hotel").status_code == 200
    token = token_at("/o/token/", old_verifier.key_id, "old-secret-kept-by-the-hotel").json()["access_token"]
    Verifier.objects.filter(pk=old_verifier.pk).update(secret_hash=secret_hash("a-new-secret"))
    assert token_at("/o/token/", old_verifier.key_id, "old-secret-kept-by-the-hotel").status_code == 401
    assert token_at("/o/token/", old_verifier.key_id, "a-new-secret").status_code == 200
    Verifier.objects.filter(pk=old_verifier.pk).update(active=False)
    verifiers_cache_clear()
    assert token_at("/o/token/", old_verifier.key_id, "a-new-secret").status_code == 401
    shown_token = shown(login_client(lib["holder"].user), issue())
    assert verify(token, shown_token).status_code == 401  # a token given before it was switched off


def test_a_login_clients_access_token_is_not_a_verifiers(lib, issue, make_person):
    person = make_person()
    app = make_client()
    user_token = login_flow(person.user, app)["access_token"]
    shown_token = shown(login_client(lib["holder"].user), issue())
    assert verify(user_token, shown_token).status_code == 401
    assert verify("not-a-token", shown_token).status_code == 401


def test_a_client_registered_here_under_a_verifiers_key_id_is_left_alone(old_verifier):
    Application.objects.create(
        client_id=old_verifier.key_id,
        name="另一个客户端",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret="its-own-secret",
    )
    assert token_at("/o/token/", old_verifier.key_id, "old-secret-kept-by-the-hotel").status_code == 401
    answer = token_at("/o/token/", old_verifier.key_id, "its-own-secret")
    assert answer.status_code == 200 and answer.json()["scope"] == "openid"
    assert Application.objects.get(client_id=old_verifier.key_id).name == "另一个客户端"
