"""One login for the region (一地认证、全网通办; docs/domain/federation.md §3): a person of another member
logs in here through that member's OpenID Connect provider — "单点登录、无感切换".

- **Here (the relying party)**: ``/csj/login/<member>/`` sends the person to the member's ``/o/authorize/``
  (authorization code, PKCE S256, ``state`` and ``nonce`` kept in the session), as the public client the
  member registered for this member from the trust list (client id: this member's code; redirect URI:
  ``<base>/csj/login/callback/``). The callback exchanges the code at the member's ``/o/token/`` and checks the
  ID token with the member's ``oidc`` keys **from the trust list** (never keys the token points to): RS256,
  ``iss`` the member's issuer, ``aud`` this member's code, ``nonce``, the time. The person is linked by ID
  number (``accounts.facade.person_link_federated``) and logged in with the level the member asserted
  (``acr`` ``tongban:loa:N``), never more.
- **There (the provider)**: each member registers every other member of the trust list as such a client when
  it accepts a list (``register_member_clients``); the identity scope is released to them only."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import jwt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tongban.federation import trust
from tongban.federation.errors import FederationError, FederationRefused

logger = logging.getLogger(__name__)

SESSION = "federation.login"
SCOPE = "openid profile tongban_identity"
CALLBACK = "/csj/login/callback/"
MAX_AGE_SECONDS = 600


def callback_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}{CALLBACK}"


def register_member_clients(snapshot: trust.Snapshot) -> int:
    """Let every other member of the list log its people in through this member: one public PKCE client each
    (client id: its code), allowed the identity scope. Idempotent; returns how many were registered."""
    from tongban.accounts.facade import oidc_register_member_client

    done = 0
    for member in snapshot.others():
        try:
            oidc_register_member_client(
                client_id=member.code, name=member.name, redirect_uris=[callback_url(member.base_url)]
            )
            done += 1
        except ValidationError as exc:  # e.g. a plain-HTTP URL outside demo mode
            logger.warning("login client for member %s not registered: %s", member.code, exc)
    return done


def _refused(message) -> FederationRefused:
    return FederationRefused(FederationError.LOGIN_FAILED, message, status=400)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def authorize_url(session, member: trust.Member, next_url: str) -> str:
    """Where to send the person: the member's authorization endpoint, with what the callback checks kept in
    the session."""
    if not member.oidc_issuer or not member.keys.get("oidc"):
        raise _refused(_("该地区暂未开通统一身份认证"))
    verifier = secrets.token_urlsafe(48)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    session[SESSION] = {
        "member": member.code,
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "next": next_url,
        "at": time.time(),
    }
    query = {
        "response_type": "code",
        "client_id": settings.TONGBAN_REGION_CODE,
        "redirect_uri": callback_url(settings.TONGBAN_PUBLIC_BASE_URL),
        "scope": SCOPE,
        "state": state,
        "nonce": nonce,
        "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()),
        "code_challenge_method": "S256",
    }
    return f"{member.oidc_issuer}/authorize/?{urlencode(query)}"


@dataclass(frozen=True)
class Vouched:
    member: str
    subject: str
    id_kind: str
    id_number: str
    name: str
    level: int
    next_url: str


def callback(session, *, code: str, state: str, error: str = "") -> Vouched:
    """Check the member's answer and its ID token; who it vouches for, and at which level."""
    pending = session.pop(SESSION, None)
    if not pending or not state or not secrets.compare_digest(str(pending.get("state", "")), state):
        raise _refused(_("登录请求已失效，请重新登录"))
    if time.time() - float(pending["at"]) > MAX_AGE_SECONDS:
        raise _refused(_("登录请求已失效，请重新登录"))
    if error or not code:
        raise _refused(_("您在对方平台取消了登录或未同意授权"))
    member = trust.require_current().member(pending["member"])
    try:
        answer = httpx.post(
            f"{member.oidc_issuer}/token/",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": callback_url(settings.TONGBAN_PUBLIC_BASE_URL),
                "client_id": settings.TONGBAN_REGION_CODE,
                "code_verifier": pending["verifier"],
            },
            timeout=settings.TONGBAN_FEDERATION_HTTP_TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise FederationRefused(
            FederationError.PARTNER_UNREACHABLE,
            _("暂时无法连接%(member)s政务服务平台，请稍后再试") % {"member": member.name},
            status=503,
        ) from exc
    id_token = answer.json().get("id_token") if answer.status_code == 200 else None
    if not id_token:
        raise _refused(_("对方平台未确认您的身份，请重新登录"))
    claims = id_token_check(id_token, member=member, nonce=pending["nonce"])
    try:
        level = int(str(claims["acr"]).rsplit(":", 1)[1])
        return Vouched(
            member=member.code,
            subject=str(claims["sub"]),
            id_kind=str(claims["id_kind"]),
            id_number=str(claims["id_number"]),
            name=str(claims["name"]),
            level=level,
            next_url=str(pending.get("next") or "/"),
        )
    except (KeyError, ValueError, IndexError) as exc:
        raise _refused(_("对方平台未提供实名身份，无法登录")) from exc


def id_token_check(id_token: str, *, member: trust.Member, nonce: str) -> dict:
    """An ID token of ``member``, checked with its ``oidc`` keys from the trust list."""
    try:
        kid = jwt.get_unverified_header(id_token).get("kid")
    except jwt.InvalidTokenError as exc:
        raise _refused(_("对方平台的身份令牌无效")) from exc
    jwk = next((k for k in member.keys.get("oidc", []) if k.get("kid") == kid), None)
    if jwk is None:
        raise _refused(_("对方平台的身份令牌无效"))
    try:
        claims = jwt.decode(
            id_token,
            jwt.PyJWK(jwk).key,
            algorithms=["RS256"],
            audience=settings.TONGBAN_REGION_CODE,
            issuer=member.oidc_issuer,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.InvalidTokenError as exc:
        raise _refused(_("对方平台的身份令牌无效")) from exc
    if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise _refused(_("对方平台的身份令牌无效"))
    return claims
