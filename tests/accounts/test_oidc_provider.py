"""The OpenID Connect provider (django-oauth-toolkit, accounts.oidc): discovery and JWKS, the authorization
code flow with PKCE through the platform's login and consent page, the claims each scope releases (the
identity scope to federation members only, audited), refusals, key rotation, and the member-client facade."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from django.conf import settings
from django.test import Client, override_settings
from oauth2_provider.models import Application

from tests.conftest import PASSWORD
from tongban.accounts.constants import AssuranceLevel, Role
from tongban.accounts.facade import oidc_register_member_client
from tongban.accounts.models import OidcClientPolicy
from tongban.cli import main as cli_main
from tongban.core.models import AuditEvent
from tongban.core.oidc_keys import oidc_key_rotate, oidc_keys_load

pytestmark = pytest.mark.django_db
ISSUER = settings.TONGBAN_PUBLIC_BASE_URL + "/o"
CALLBACK = "https://rp.example.gov.cn/oidc/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def make_client(*, member: bool = False, skip: bool = False, client_id: str = "rp-test") -> Application:
    if member:
        oidc_register_member_client(client_id=client_id, name="浙江政务服务网", redirect_uris=[CALLBACK])
        app = Application.objects.get(client_id=client_id)
    else:
        app = Application.objects.create(
            client_id=client_id,
            name="某区便民服务小程序",
            client_type=Application.CLIENT_PUBLIC,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=CALLBACK,
            algorithm=Application.RS256_ALGORITHM,
        )
    if skip:
        app.skip_authorization = True
        app.save()
    return app


def authorize_url(app: Application, *, scope="openid profile", challenge: str | None = "", **extra) -> str:
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": CALLBACK,
        "scope": scope,
        "state": "st-1",
        "nonce": "n-1",
        **extra,
    }
    if challenge is not None:
        query.update(code_challenge=challenge or pkce()[1], code_challenge_method="S256")
    return "/o/authorize/?" + urlencode(query)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def consent(client: Client, url: str, *, allow: bool = True):
    """Open the consent page at ``url`` and answer it; returns the page and the redirect."""
    page = client.get(url)
    assert page.status_code == 200, page.content
    fields = {name: value for name, value in page.context["form"].initial.items() if value is not None}
    if allow:
        fields["allow"] = "on"
    return page, client.post(url, fields)


def code_of(response) -> str:
    assert response.status_code == 302, response.content
    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == CALLBACK
    query = parse_qs(target.query)
    assert query["state"] == ["st-1"] and query["iss"] == [ISSUER]
    return query["code"][0]


def exchange(app: Application, code: str, verifier: str):
    return Client().post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": app.client_id,
            "code_verifier": verifier,
        },
    )


def id_token_claims(id_token: str, app: Application) -> dict:
    """The ID token checked as a relying party checks it: signature against the published JWKS, issuer,
    audience, expiry."""
    keys = jwt.PyJWKSet.from_dict(Client().get("/o/.well-known/jwks.json").json())
    kid = jwt.get_unverified_header(id_token)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    return jwt.decode(id_token, key.key, algorithms=["RS256"], audience=app.client_id, issuer=ISSUER)


def login_flow(user, app: Application, scope: str = "openid profile") -> dict:
    verifier, challenge = pkce()
    client = logged_in(user)
    _page, answer = consent(client, authorize_url(app, scope=scope, challenge=challenge))
    tokens = exchange(app, code_of(answer), verifier)
    assert tokens.status_code == 200, tokens.content
    return tokens.json()


# --- discovery and keys -------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/o/.well-known/openid-configuration", "/.well-known/openid-configuration"])
def test_discovery_names_the_issuer_and_the_endpoints(path):
    doc = Client().get(path).json()
    assert doc["issuer"] == ISSUER
    assert doc["authorization_endpoint"] == ISSUER + "/authorize/"
    assert doc["token_endpoint"] == ISSUER + "/token/"
    assert doc["userinfo_endpoint"] == ISSUER + "/userinfo/"
    assert doc["jwks_uri"] == ISSUER + "/.well-known/jwks.json"
    assert doc["response_types_supported"] == ["code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert {"openid", "profile", "tongban_identity"} <= set(doc["scopes_supported"])
    assert {"sub", "name", "id_number", "acr", "region"} <= set(doc["claims_supported"])
    assert "RS256" in doc["id_token_signing_alg_values_supported"]


def test_jwks_publishes_the_public_signing_key_only():
    keys = Client().get("/o/.well-known/jwks.json").json()["keys"]
    assert len(keys) >= 1
    assert all(k["kty"] == "RSA" and k["alg"] == "RS256" and "d" not in k and "p" not in k for k in keys)


def test_the_signing_key_is_generated_once_readable_by_the_server_only(tmp_path):
    first, inactive = oidc_keys_load(var_dir=tmp_path)
    path = tmp_path / "oidc" / "signing-key.pem"
    assert inactive == [] and first.startswith("-----BEGIN PRIVATE KEY-----")
    assert os.stat(path).st_mode & 0o777 == 0o600 and os.stat(path.parent).st_mode & 0o777 == 0o700
    assert oidc_keys_load(var_dir=tmp_path)[0] == first
    with pytest.raises(ValueError, match="TONGBAN_OIDC_RSA_PRIVATE_KEY_FILE"):
        oidc_keys_load(var_dir=tmp_path, key_file=str(tmp_path / "missing.pem"))


# --- the authorization code flow ----------------------------------------------------------------------
def test_authorization_code_with_pkce_logs_in_through_the_platform_login_and_consent(make_person):
    person = make_person("李四")
    app = make_client()
    verifier, challenge = pkce()
    url = authorize_url(app, challenge=challenge)
    browser = Client()
    to_login = browser.get(url)
    assert to_login.status_code == 302 and to_login["Location"].startswith("/accounts/login/?next=")
    login_page = browser.get(to_login["Location"])
    assert "form-action 'self' https://rp.example.gov.cn" in login_page["Content-Security-Policy"]
    back = browser.post(
        to_login["Location"],
        {"method": "password", "username": person.phone, "password": PASSWORD, "next": url},
    )
    assert back.status_code == 302 and back["Location"] == url
    page, answer = consent(browser, url)
    text = page.content.decode()
    assert "某区便民服务小程序" in text and "姓名" in text and "rp.example.gov.cn" in text
    assert "form-action 'self' https://rp.example.gov.cn" in page["Content-Security-Policy"]
    tokens = exchange(app, code_of(answer), verifier)
    assert tokens.status_code == 200, tokens.content
    body = tokens.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600
    claims = id_token_claims(body["id_token"], app)
    assert claims["sub"] == str(person.user.uuid) != str(person.user.pk)
    assert claims["name"] == "李四" and claims["nonce"] == "n-1"
    assert "id_number" not in claims and "acr" not in claims
    info = Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert info.status_code == 200 and info.json() == {"sub": str(person.user.uuid), "name": "李四"}
    # The code is used once.
    assert exchange(app, code_of(answer), verifier).json()["error"] == "invalid_grant"


def test_refusing_consent_sends_the_person_back_with_access_denied(make_person):
    app = make_client()
    _page, answer = consent(logged_in(make_person().user), authorize_url(app), allow=False)
    assert answer.status_code == 302 and parse_qs(urlsplit(answer["Location"]).query)["error"] == [
        "access_denied"
    ]


def test_a_trusted_client_skips_the_consent_page(make_person):
    app = make_client(skip=True)
    answer = logged_in(make_person().user).get(authorize_url(app))
    assert answer.status_code == 302 and "code=" in answer["Location"]


def test_pkce_is_required_and_only_s256(make_person):
    app = make_client()
    client = logged_in(make_person().user)
    missing = client.get(authorize_url(app, challenge=None))
    assert missing.status_code == 302
    assert parse_qs(urlsplit(missing["Location"]).query)["error"] == ["invalid_request"]
    # "plain" is refused when the code would be made (RFC 9700 §2.1.1).
    plain_url = authorize_url(app, challenge=None, code_challenge="x" * 50, code_challenge_method="plain")
    _page, plain = consent(client, plain_url)
    assert plain.status_code == 302 and "code=" not in plain["Location"]
    assert parse_qs(urlsplit(plain["Location"]).query)["error"] == ["invalid_request"]
    # A code got with a challenge is not exchanged without its verifier.
    _page, answer = consent(client, authorize_url(app))
    assert exchange(app, code_of(answer), pkce()[0]).json()["error"] == "invalid_grant"


def test_a_redirect_uri_the_client_did_not_register_is_refused_on_the_platform(make_person):
    app = make_client()
    url = authorize_url(app).replace("rp.example.gov.cn", "evil.example.com")
    answer = logged_in(make_person().user).get(url)
    assert answer.status_code == 400 and "evil.example.com" not in answer.get("Location", "")
    assert "授权请求无效" in answer.content.decode()


# --- claims and the identity scope --------------------------------------------------------------------
def test_the_identity_scope_is_refused_to_a_client_that_is_not_a_federation_member(make_person):
    app = make_client()
    answer = logged_in(make_person().user).get(authorize_url(app, scope="openid tongban_identity"))
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer["Location"]).query)["error"] == ["invalid_scope"]
    assert not AuditEvent.objects.filter(action="oidc.identity_release").exists()


@pytest.mark.parametrize("level", [AssuranceLevel.L1, AssuranceLevel.L2, AssuranceLevel.L3])
def test_a_federation_member_gets_the_identity_with_the_real_name_level_audited(make_person, level):
    person = make_person("王五", level=level)
    app = make_client(member=True)
    client = logged_in(person.user)
    page = client.get(authorize_url(app, scope="openid profile tongban_identity"))
    assert "证件号码" in page.content.decode() and person.id_number not in page.content.decode()
    body = login_flow(person.user, app, "openid profile tongban_identity")
    claims = id_token_claims(body["id_token"], app)
    assert claims["id_number"] == person.id_number and claims["id_kind"] == person.id_kind
    assert claims["acr"] == f"tongban:loa:{int(level)}"
    assert claims["region"] == settings.TONGBAN_REGION_CODE and claims["name"] == "王五"
    events = AuditEvent.objects.filter(action="oidc.identity_release")
    assert [(e.object_id, e.subject_user_id, e.after["via"]) for e in events] == [
        ("rp-test", person.user.pk, "id_token")
    ]
    assert events[0].after["organisation"] == "浙江政务服务网"
    info = Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}").json()
    assert info["id_number"] == person.id_number
    assert AuditEvent.objects.filter(action="oidc.identity_release").count() == 2
    assert not any(person.id_number in json.dumps(e.after) for e in AuditEvent.objects.all())


def test_staff_without_a_person_get_their_subject_and_name_only(org_tree, make_staff):
    staff = make_staff(org_tree["hp_housing"], Role.REVIEWER)
    app = make_client(member=True)
    claims = id_token_claims(login_flow(staff, app, "openid profile tongban_identity")["id_token"], app)
    assert set(claims) & {"sub", "name", "id_number", "id_kind", "acr", "region"} == {"sub", "name"}
    assert claims["sub"] == str(staff.uuid) and claims["name"] == "工作人员"
    assert not AuditEvent.objects.filter(action="oidc.identity_release").exists()


# --- the facade for the federation --------------------------------------------------------------------
def test_registering_a_member_client_is_idempotent_and_updates_it():
    oidc_register_member_client(client_id="zj-330000", name="浙江", redirect_uris=[CALLBACK])
    oidc_register_member_client(
        client_id="zj-330000", name="浙江政务服务网", redirect_uris=[CALLBACK, CALLBACK + "2"]
    )
    app = Application.objects.get(client_id="zj-330000")
    assert Application.objects.filter(client_id="zj-330000").count() == 1
    assert app.name == "浙江政务服务网" and app.redirect_uris.split() == [CALLBACK, CALLBACK + "2"]
    assert app.client_type == Application.CLIENT_PUBLIC and not app.skip_authorization
    assert app.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
    assert app.algorithm == Application.RS256_ALGORITHM
    assert OidcClientPolicy.objects.get(application=app).may_read_identity


# --- key rotation -------------------------------------------------------------------------------------
def _with_keys(active: str, inactive: list[str]):
    return override_settings(
        OAUTH2_PROVIDER={
            **settings.OAUTH2_PROVIDER,
            "OIDC_RSA_PRIVATE_KEY": active,
            "OIDC_RSA_PRIVATE_KEYS_INACTIVE": inactive,
        }
    )


def test_a_token_signed_before_a_key_rotation_still_verifies_against_the_jwks(tmp_path, make_person, capsys):
    person = make_person()
    app = make_client()
    key_file = tmp_path / "oidc-key.pem"
    old, _none = oidc_keys_load(var_dir=tmp_path)
    key_file.write_text(old)
    with _with_keys(*oidc_keys_load(var_dir=tmp_path, key_file=str(key_file))):
        old_token = login_flow(person.user, app)["id_token"]
    with override_settings(TONGBAN_OIDC_RSA_PRIVATE_KEY_FILE=str(key_file)):
        assert cli_main(["accounts", "oidc-rotate-key"]) == 0
    assert "still published in the JWKS" in capsys.readouterr().out
    retired = list(tmp_path.glob("oidc-key.retired-*.pem"))
    assert len(retired) == 1 and retired[0].read_text() == old and key_file.read_text() != old
    assert os.stat(key_file).st_mode & 0o777 == 0o600
    active, inactive = oidc_keys_load(var_dir=tmp_path, key_file=str(key_file))
    assert inactive == [old]
    with _with_keys(active, inactive):
        assert len(Client().get("/o/.well-known/jwks.json").json()["keys"]) == 2
        assert id_token_claims(old_token, app)["sub"] == str(person.user.uuid)
        new_token = login_flow(person.user, app)["id_token"]
        assert jwt.get_unverified_header(new_token)["kid"] != jwt.get_unverified_header(old_token)["kid"]
        assert id_token_claims(new_token, app)["sub"] == str(person.user.uuid)


def test_rotation_keeps_each_retired_key(tmp_path):
    key = tmp_path / "k.pem"
    key.write_text(oidc_keys_load(var_dir=tmp_path)[0])
    oidc_key_rotate(key)
    oidc_key_rotate(key)
    active, inactive = oidc_keys_load(var_dir=tmp_path, key_file=str(key), inactive_files=[str(Path(key))])
    assert len(inactive) == 2 and active not in inactive


def test_the_admin_lists_clients_with_their_policy_and_adds_a_member(admin_client):
    make_client(member=True)
    listing = admin_client.get("/admin/oauth2_provider/application/").content.decode()
    assert "浙江政务服务网" in listing and "认证客户端" in listing
    assert admin_client.get("/admin/oauth2_provider/application/add/").status_code == 200
    assert admin_client.get("/admin/oauth2_provider/accesstoken/").status_code == 404
