"""用证单位 Verifiers: registered organisations (hotels, internet cafés, police units, departments, windows)
with the scenes they may use. They call with an API key (``Authorization: Bearer tbv_<key_id>_<secret>``) or
with an OAuth2 access token got by the client-credentials grant from the same key pair at the platform's
token endpoint (``/o/token/``, django-oauth-toolkit in accounts; the key id is the client id): accounts asks
:func:`verifier_oidc_client` for the client at each token request. Staff of a window (scene ``window``) and
of a department (scene ``department``) verify with their own login."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from tongban.accounts.facade import (
    OIDC_VERIFY_SCOPE,
    Actor,
    OidcExternalClient,
    Role,
    oidc_access_token_client_id,
)
from tongban.core.audit import audit_record
from tongban.core.errors import InvalidInput, NotAuthenticated, PermissionDenied
from tongban.core.identifiers import validate_uscc
from tongban.licences.constants import Scene, VerifierKind
from tongban.licences.errors import LicenceError
from tongban.licences.models import Verifier

KEY_PREFIX = "tbv"
OIDC_SOURCE = "verifier"  # the kind of client accounts' OIDC provider asks this module about


@dataclass(frozen=True)
class VerifierIdentity:
    """Who is verifying: a registered verifier or a member of staff (for the use log)."""

    uuid: str
    label: str
    scenes: frozenset[str]
    kind: str  # verifier | staff


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def verifier_create(
    *, actor, name: str, kind: str, scenes: list[str], uscc: str = "", area_code: str = ""
) -> tuple[Verifier, str]:
    """Register a verifier; returns it with its key (``tbv_<key_id>_<secret>``), shown once."""
    problems = []
    if not (name or "").strip():
        problems.append({"field": "name", "message": str(_("请填写名称"))})
    if kind not in VerifierKind.values:
        problems.append({"field": "kind", "message": str(_("类别无效"))})
    if not scenes or not set(scenes) <= set(Scene.values):
        problems.append({"field": "scenes", "message": str(_("场景无效"))})
    if problems:
        raise InvalidInput(LicenceError.VERIFIER_INVALID, _("用证单位信息有误"), problems=problems)
    if uscc:
        uscc = validate_uscc(uscc, field="uscc")
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    verifier = Verifier.objects.create(
        name=name.strip(),
        kind=kind,
        uscc=uscc,
        area_code=area_code,
        scenes=sorted(set(scenes)),
        key_id=key_id,
        secret_hash=secret_hash(secret),
    )
    audit_record(
        actor=actor,
        action="verifier.create",
        object_type="verifier",
        object_id=verifier.uuid,
        after={"name": verifier.name, "kind": kind, "scenes": verifier.scenes},
    )
    return verifier, f"{KEY_PREFIX}_{key_id}_{secret}"


# Verifiers by key id, kept in each process for a few seconds (saving a query on every verification); the
# secret is checked on every call. A verifier switched off stops working in this process at once (the cache
# is cleared on save) and in the other server processes within VERIFIER_CACHE_SECONDS.
VERIFIER_CACHE_SECONDS = 10.0
_verifiers: dict[str, tuple[Verifier, float]] = {}


def verifiers_cache_clear(**_kwargs) -> None:
    _verifiers.clear()


def _verifier_by_key_id(key_id: str) -> Verifier | None:
    hit = _verifiers.get(key_id)
    if hit is not None and time.monotonic() - hit[1] < VERIFIER_CACHE_SECONDS:
        return hit[0]
    verifier = Verifier.objects.filter(key_id=key_id, active=True).first()
    if verifier is None:
        _verifiers.pop(key_id, None)
        return None
    if len(_verifiers) > 10_000:
        _verifiers.clear()
    _verifiers[key_id] = (verifier, time.monotonic())
    return verifier


def _used(verifier: Verifier) -> Verifier:
    now = timezone.now()
    if verifier.last_used_at is None or now - verifier.last_used_at > timedelta(minutes=1):
        verifier.last_used_at = now
        Verifier.objects.filter(pk=verifier.pk).update(last_used_at=now)  # at most once a minute
    return verifier


def _verifier_by_credentials(key_id: str, secret: str) -> Verifier | None:
    verifier = _verifier_by_key_id(key_id)
    if verifier is None or not hmac.compare_digest(verifier.secret_hash, secret_hash(secret)):
        return None
    return _used(verifier)


def verifier_authenticate(key: str) -> Verifier | None:
    """The active verifier of an API key, or of an OAuth2 access token it was given; None otherwise."""
    key = key or ""
    if key.startswith(KEY_PREFIX + "_"):
        parts = key.split("_", 2)
        return _verifier_by_credentials(parts[1], parts[2]) if len(parts) == 3 else None
    key_id = oidc_access_token_client_id(key, source=OIDC_SOURCE, scope=OIDC_VERIFY_SCOPE)
    verifier = _verifier_by_key_id(key_id) if key_id else None
    return _used(verifier) if verifier is not None else None


_KEY_ID = re.compile(r"[0-9a-z]{1,16}")


def verifier_oidc_client(client_id: str) -> OidcExternalClient | None:
    """A verifier as a client of the OIDC provider (client credentials with its key), or None when no
    verifier has that key id. Read from the database each time: a key or an active flag just changed counts
    at the next token request."""
    if not _KEY_ID.fullmatch(client_id or ""):
        return None
    row = Verifier.objects.filter(key_id=client_id).values("name", "secret_hash", "active").first()
    if row is None:
        return None
    return OidcExternalClient(
        name=row["name"], secret_sha256=row["secret_hash"], active=row["active"], scopes=(OIDC_VERIFY_SCOPE,)
    )


# A verifier's device stays signed in (a hotel's front desk verifies guest after guest): once its key is
# accepted on the page, the session — server side, its cookie HttpOnly and SameSite — keeps the verifier's
# uuid and its key's hash, never the key. A changed key or a verifier switched off ends it; so do logging
# out (the session is flushed) and the page's 忘记密钥 button (a POST, CSRF-checked).
SESSION_VERIFIER = "licences.verifier"


def verifier_remember(session, verifier: Verifier) -> None:
    if session.get(SESSION_VERIFIER, {}).get("uuid") != str(verifier.uuid):
        session.cycle_key()  # a new session id for the signed-in device (no fixation)
    session[SESSION_VERIFIER] = {"uuid": str(verifier.uuid), "key": verifier.secret_hash}


def verifier_remembered(session) -> Verifier | None:
    """The verifier this device is signed in as, or None (forgotten at once when no longer valid)."""
    data = session.get(SESSION_VERIFIER)
    if not isinstance(data, dict):
        return None
    verifier = Verifier.objects.filter(uuid=data.get("uuid"), active=True).first()
    if verifier is None or not hmac.compare_digest(verifier.secret_hash, str(data.get("key", ""))):
        verifier_forget(session)
        return None
    return verifier


def verifier_forget(session) -> None:
    session.pop(SESSION_VERIFIER, None)


def identity_of(caller: Verifier | Actor) -> VerifierIdentity:
    """The verifier behind an authenticated caller: a registered verifier, or staff at a window (scene
    window) or in a department (scene department). Anyone else may not verify."""
    if isinstance(caller, Verifier):
        return VerifierIdentity(str(caller.uuid), caller.name, frozenset(caller.scenes), "verifier")
    scenes: set[str] = set()
    orgs: list[tuple[str, str]] = []  # (name, uuid): windows first, then departments, each by name

    def held(roles: set[str]) -> list[tuple[str, str]]:
        return sorted(
            {(m.organisation_name, m.organisation_uuid) for m in caller.memberships if m.role in roles}
        )

    windows = held({Role.WINDOW_CLERK})
    if windows:
        scenes.add(Scene.WINDOW)
        orgs += windows
    departments = held({Role.REVIEWER, Role.ISSUER})
    if departments:
        scenes.add(Scene.DEPARTMENT)
        orgs += departments
    if not orgs:
        raise PermissionDenied(LicenceError.NOT_A_VERIFIER, _("您不是登记的用证单位，不能核验亮证码"))
    name, uuid = orgs[0]
    return VerifierIdentity(uuid, name, frozenset(scenes), "staff")


def require_verifier(auth: Verifier | object | None, actor: Actor) -> VerifierIdentity:
    """The verifier of an API request: ``auth`` is what its authentication returned (a registered verifier,
    or the logged-in user, whose ``actor`` then verifies as staff)."""
    if auth is None:
        raise NotAuthenticated(LicenceError.NOT_AUTHENTICATED, _("请提供用证单位凭证"))
    return identity_of(auth if isinstance(auth, Verifier) else actor)


class VerifierAuth(HttpBearer):
    """``Authorization: Bearer`` with a verifier's API key or OAuth2 access token."""

    def authenticate(self, request, token):
        return verifier_authenticate(token)


verifier_auth = VerifierAuth()
