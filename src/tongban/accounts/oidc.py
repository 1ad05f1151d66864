"""The OpenID Connect provider (docs/domain/identity.md "OIDC provider"): django-oauth-toolkit (DOT) does
the protocol; this module says who the subject is, which claims each scope releases, which client may ask
for which scope, and where credentials kept elsewhere (a verifier's key) are checked.

* ``sub`` is the user's stable uuid, never the database id. ``profile`` releases ``name`` (the real name;
  a member of staff's display name). ``tongban_identity`` releases ``id_kind``, ``id_number``, ``acr``
  (``tongban:loa:1|2|3``, the real-name level) and ``region`` (this deployment's GB/T 2260 code), and is
  granted only to clients whose :class:`~tongban.accounts.models.OidcClientPolicy` marks them federation
  members. Every release of an ID number is audited, naming the client; the number itself is never logged.
* Clients whose credentials live in another context register a *client source* (licences: its verifiers'
  keys): DOT's Application for such a client id is created, updated or refused from the source each time
  the client authenticates, its secret kept as the source's SHA-256 (``sha256$<hex>``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication, get_application_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes

from tongban.accounts.actors import actor_for
from tongban.accounts.models import OidcClientPolicy, Person
from tongban.core.audit import audit_record

OPENID = "openid"
PROFILE = "profile"
IDENTITY_SCOPE = "tongban_identity"
VERIFY_SCOPE = "licences:verify"
SHA256_PREFIX = "sha256$"

# What the consent page tells the person each scope releases.
SCOPE_LABELS = {
    OPENID: _("您在本平台的账号标识（不含个人信息）"),
    PROFILE: _("姓名"),
    IDENTITY_SCOPE: _("证件类型、证件号码、实名认证等级和本平台所在区划"),
    VERIFY_SCOPE: _("核验亮证"),
}
IDENTITY_CLAIMS = ("id_kind", "id_number", "acr", "region")


# --- clients whose credentials live in another context -------------------------------------------------
@dataclass(frozen=True)
class ExternalClient:
    """A client another context knows: its name, the SHA-256 (hex) of its secret, whether it may get tokens,
    and the scopes it may be given (the first ones by default)."""

    name: str
    secret_sha256: str
    active: bool
    scopes: tuple[str, ...]


ClientSource = Callable[[str], ExternalClient | None]
_client_sources: dict[str, ClientSource] = {}


def oidc_client_source(kind: str, source: ClientSource) -> None:
    """Register where the credentials of clients of ``kind`` are kept (called by a context at start-up)."""
    _client_sources[kind] = source


def _external_client_sync(client_id: str) -> bool:
    """Bring the Application of ``client_id`` in step with its source. False: a source knows the client and
    it may not get tokens (switched off); True otherwise (DOT then loads and checks the Application)."""
    Application = get_application_model()
    for kind, source in _client_sources.items():
        known = source(client_id)
        if known is None:
            continue
        app = Application.objects.filter(client_id=client_id).select_related("tongban_policy").first()
        policy = getattr(app, "tongban_policy", None) if app is not None else None
        if app is not None and (policy is None or policy.source != kind):
            return True  # registered here under that id, not the source's client: left alone
        if not known.active:
            return False
        wanted = {
            "name": known.name[:255],
            "client_type": AbstractApplication.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": AbstractApplication.GRANT_CLIENT_CREDENTIALS,
            "client_secret": SHA256_PREFIX + known.secret_sha256,
            "hash_client_secret": False,
            "redirect_uris": "",
        }
        if app is None:
            try:
                with transaction.atomic():
                    app = Application.objects.create(client_id=client_id, **wanted)
                    OidcClientPolicy.objects.create(application=app, source=kind)
            except IntegrityError:  # made by a concurrent request
                pass
        elif any(getattr(app, field) != value for field, value in wanted.items()):
            for field, value in wanted.items():
                setattr(app, field, value)
            app.save()
        return True
    return True


def _policy(application) -> OidcClientPolicy | None:
    if application is None:
        return None
    try:
        return application.tongban_policy
    except OidcClientPolicy.DoesNotExist:
        return None


def _source_scopes(policy: OidcClientPolicy, application) -> tuple[str, ...]:
    source = _client_sources.get(policy.source)
    known = source(application.client_id) if source else None
    return known.scopes if known else ()


class ClientScopes(SettingsScopes):
    """Which scopes a client may be given: a verifier's (client credentials) only its own; a login client
    ``openid`` and ``profile``, and ``tongban_identity`` when it is a federation member."""

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        if application is None:
            return super().get_available_scopes()
        policy = _policy(application)
        if policy is not None and policy.source:
            return list(_source_scopes(policy, application))
        scopes = [OPENID, PROFILE]
        if policy is not None and policy.may_read_identity:
            scopes.append(IDENTITY_SCOPE)
        return scopes

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        policy = _policy(application)
        if policy is not None and policy.source:
            return list(_source_scopes(policy, application)[:1])
        return [OPENID]


def identity_release_audit(*, user, application, via: str) -> None:
    """An ID number was released to a client (in an ID token or from the userinfo endpoint): recorded for
    the auditors and the person's 谁使用了我的信息, naming the client, never the number."""
    audit_record(
        actor=actor_for(user),
        action="oidc.identity_release",
        object_type="oidc_client",
        object_id=application.client_id,
        after={
            "organisation": application.name or application.client_id,
            "client_id": application.client_id,
            "via": via,
        },
        subject_user_id=user.pk,
    )


class TongbanValidator(OAuth2Validator):
    """DOT's validator with the platform's subject, claims and client sources."""

    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        **dict.fromkeys(IDENTITY_CLAIMS, IDENTITY_SCOPE),
    }

    def _check_secret(self, provided_secret, stored_secret):
        if stored_secret.startswith(SHA256_PREFIX):
            digest = hashlib.sha256((provided_secret or "").encode()).hexdigest()
            return hmac.compare_digest(stored_secret[len(SHA256_PREFIX) :], digest)
        return super()._check_secret(provided_secret, stored_secret)

    def _load_application(self, client_id, request):
        cached = request.client is not None and getattr(request.client, "client_id", None) == client_id
        if not cached and client_id and not _external_client_sync(str(client_id)):
            request.client = None
            return None
        return super()._load_application(client_id, request)

    def get_additional_claims(self, request):
        user = request.user
        person = Person.objects.filter(user=user).first()
        claims = {
            "sub": str(user.uuid),
            "name": person.real_name if person else (user.display_name or user.username),
        }
        if person is not None:
            claims.update(
                id_kind=person.id_kind,
                id_number=person.id_number,
                acr=f"tongban:loa:{person.assurance_level}",
                region=settings.TONGBAN_REGION_CODE,
            )
        return claims

    def get_discovery_claims(self, request):
        return ["sub", "name", *IDENTITY_CLAIMS]

    def get_oidc_claims(self, token, token_handler, request):
        claims = super().get_oidc_claims(token, token_handler, request)
        if "id_number" in claims:
            via = "userinfo" if token_handler is None else "id_token"
            identity_release_audit(user=request.user, application=request.client, via=via)
        return claims


# --- for the facade -----------------------------------------------------------------------------------
def member_client_register(*, client_id: str, name: str, redirect_uris: list[str]) -> None:
    """Create or update a federation member's login client: public, authorization code with PKCE, allowed
    the identity scope, asking the person's consent each time."""
    Application = get_application_model()
    wanted = {
        "name": name[:255],
        "client_type": AbstractApplication.CLIENT_PUBLIC,
        "authorization_grant_type": AbstractApplication.GRANT_AUTHORIZATION_CODE,
        "redirect_uris": " ".join(redirect_uris),
        "algorithm": AbstractApplication.RS256_ALGORITHM,
        "skip_authorization": False,
    }
    with transaction.atomic():
        app = Application.objects.filter(client_id=client_id).first()
        if app is None:
            app = Application(client_id=client_id, **wanted)
        else:
            for field, value in wanted.items():
                setattr(app, field, value)
        app.full_clean(exclude=["user"])
        app.save()
        policy, _created = OidcClientPolicy.objects.get_or_create(application=app)
        if not policy.may_read_identity or policy.source:
            policy.may_read_identity, policy.source = True, ""
            policy.save()


def access_token_client_id(token: str, *, source: str, scope: str) -> str | None:
    """The client id behind a valid access token with ``scope`` of a client of ``source``, or None."""
    if not token:
        return None
    access_token = TongbanValidator()._load_access_token(token)
    if access_token is None or not access_token.is_valid([scope]):
        return None
    policy = _policy(access_token.application)
    if policy is None or policy.source != source:
        return None
    return access_token.application.client_id


def form_action_origin(next_url: str) -> str:
    """The origin of the redirect URI of an authorization request (``/o/authorize/?…``) when it is one the
    client registered; "" otherwise. The pages that lead there (login, consent) let their forms end at it
    (the Content-Security-Policy's ``form-action`` also governs the redirects after a form is posted)."""
    parts = urlsplit(next_url or "")
    if parts.path != "/o/authorize/" or parts.netloc:
        return ""
    query = parse_qs(parts.query)
    client_id = (query.get("client_id") or [""])[0]
    redirect_uri = (query.get("redirect_uri") or [""])[0]
    app = get_application_model().objects.filter(client_id=client_id).first() if client_id else None
    if app is None or not redirect_uri or not app.redirect_uri_allowed(redirect_uri):
        return ""
    target = urlsplit(redirect_uri)
    return f"{target.scheme}://{target.netloc}" if target.scheme in ("http", "https") else ""


def csp_with_form_action(origin: str) -> str:
    """The site's Content-Security-Policy, its ``form-action`` also allowing ``origin``."""
    policy = settings.CONTENT_SECURITY_POLICY
    if not origin:
        return policy
    return policy.replace("form-action 'self'", f"form-action 'self' {origin}")
