"""The region's trust list: who the members are, where they answer and which keys are theirs.

The coordinating member signs each version with its trust-list key; every member accepts a version only when
it is signed by one of its *trust anchors* (the coordinator's keys it was configured with, out of band, or that
the previous accepted version named as ``signers``), is of its own region, and is newer than the one it has.
Members' keys rotate without downtime: a member publishes its next key in its descriptor, the coordinator's
next version lists both, and the member signs with the new key only once it has accepted a list that names it
(docs/domain/federation.md §2, docs/federation/protocol.md §2)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.federation import keys
from tongban.federation.constants import TRUST_LIST_TYP, KeyPurpose, KeyState
from tongban.federation.errors import (
    BadDescriptor,
    FederationError,
    FederationRefused,
    MemberUnknown,
    Outdated,
)
from tongban.federation.models import OwnKey, TrustAnchor, TrustList

logger = logging.getLogger(__name__)

DESCRIPTOR_TYP = "tongban-member+jwt"
KEY_USES = ("messaging", "licences", "oidc")
MAX_MEMBERS = 64


@dataclass(frozen=True)
class Member:
    code: str
    name: str
    name_en: str
    base_url: str
    oidc_issuer: str
    keys: dict[str, list[dict]] = field(default_factory=dict)

    def key(self, use: str, kid: str) -> dict | None:
        return next((jwk for jwk in self.keys.get(use, []) if jwk.get("kid") == kid), None)

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Snapshot:
    """The accepted trust list in force, as read by every check."""

    region: str
    name: str
    version: int
    coordinator: str
    members: dict[str, Member]
    next_update: datetime

    def member(self, code: str) -> Member:
        found = self.members.get(code)
        if found is None:
            raise MemberUnknown(member=code[:12])
        return found

    def others(self) -> list[Member]:
        own = settings.TONGBAN_REGION_CODE
        return [m for code, m in sorted(self.members.items()) if code != own]


_cache: dict[str, object] = {}
CACHE_SECONDS = 2.0


def cache_clear(**_kwargs) -> None:
    _cache.clear()


def current() -> Snapshot | None:
    """The trust list in force here (kept in the process for 2 s; every process sees a new one within 2 s)."""
    hit = _cache.get("snapshot")
    if hit is not None and time.monotonic() - float(_cache["at"]) < CACHE_SECONDS:  # type: ignore[arg-type]
        return hit  # type: ignore[return-value]
    row = TrustList.objects.order_by("-version").first()
    snapshot = _snapshot(row.payload) if row is not None else None
    _cache.update(snapshot=snapshot, at=time.monotonic())
    return snapshot


def require_current() -> Snapshot:
    snapshot = current()
    if snapshot is None:
        raise FederationRefused(
            FederationError.NOT_FEDERATED, _("本平台尚未加入区域（没有信任列表）"), status=409
        )
    return snapshot


def _snapshot(payload: dict) -> Snapshot:
    members = {
        m["code"]: Member(
            code=m["code"],
            name=m.get("name", ""),
            name_en=m.get("name_en", ""),
            base_url=m["base_url"],
            oidc_issuer=m.get("oidc_issuer", ""),
            keys={use: list(m.get("keys", {}).get(use, [])) for use in KEY_USES},
        )
        for m in payload["members"]
    }
    return Snapshot(
        region=payload["region"],
        name=payload.get("name", ""),
        version=int(payload["version"]),
        coordinator=payload["coordinator"],
        members=members,
        next_update=datetime.fromtimestamp(int(payload["next_update"]), tz=UTC),
    )


# --- anchors ----------------------------------------------------------------------------------------------------
def anchor_add(jwk: dict, *, source: str = "configured") -> TrustAnchor:
    """Trust ``jwk`` (a coordinator's trust-list key) to sign the region's trust list. The operator compares
    the thumbprint printed with the one the coordinator gave out of band."""
    try:
        clean = keys.check_public_jwk(jwk)
    except ValueError as exc:
        raise FederationRefused(FederationError.ANCHOR_INVALID, _("信任锚不是有效的 P-256 公钥")) from exc
    anchor, _created = TrustAnchor.objects.update_or_create(
        kid=clean["kid"],
        defaults={
            "public_jwk": clean,
            "thumbprint": keys.thumbprint(clean),
            "source": source,
            "active": True,
        },
    )
    return anchor


def anchors() -> list[TrustAnchor]:
    return list(TrustAnchor.objects.filter(active=True).order_by("id"))


# --- member descriptors -------------------------------------------------------------------------------------------
def descriptor_claims() -> dict:
    """What this member tells the coordinator about itself: code, names, URLs and public keys."""
    from tongban.licences.facade import federation_licence_jwks

    base = settings.TONGBAN_PUBLIC_BASE_URL
    oidc: list[dict] = []
    try:
        from tongban.accounts.facade import oidc_public_jwks

        oidc = oidc_public_jwks()
    except ImportError:  # an accounts context without the OIDC provider
        oidc = []
    return {
        "code": settings.TONGBAN_REGION_CODE,
        "name": settings.TONGBAN_REGION_NAME,
        "name_en": settings.TONGBAN_REGION_NAME_EN,
        "base_url": base,
        "oidc_issuer": f"{base}/o",
        "keys": {
            "messaging": keys.published_keys(KeyPurpose.MESSAGING),
            "licences": federation_licence_jwks(),
            "oidc": oidc,
        },
        "iat": int(time.time()),
    }


def descriptor_make() -> str:
    """The member descriptor, signed with this member's active messaging key (proof that it holds it)."""
    return keys.sign(descriptor_claims(), typ=DESCRIPTOR_TYP)


def descriptor_read(token: str, *, known: Member | None) -> dict:
    """A member's descriptor, checked: signed by a key it names (a new member) — and, for a member already on
    the list, by a key the list already gives it (so nobody else can replace its keys)."""
    try:
        header = keys.read_header(token)
        claims = _unverified_claims(token)
        messaging = [keys.check_public_jwk(jwk) for jwk in claims["keys"]["messaging"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise BadDescriptor() from exc
    pool = known.keys["messaging"] if known is not None else messaging
    signer = next((jwk for jwk in pool if jwk["kid"] == header["kid"]), None)
    if signer is None:
        raise BadDescriptor(reason="signer_not_listed")
    try:
        claims = keys.verify_compact(token, signer)
    except ValueError as exc:
        raise BadDescriptor(reason="signature") from exc
    return _clean_member(claims)


def _unverified_claims(token: str) -> dict:
    import json

    value = json.loads(keys.unb64(token.split(".")[1]))
    if not isinstance(value, dict):
        raise ValueError("claims")
    return value


def _clean_member(m: dict) -> dict:
    try:
        code = str(m["code"])
        if not code.isdigit() or len(code) != 6:
            raise ValueError("code")
        base = str(m["base_url"]).rstrip("/")
        if not base.startswith(("https://", "http://")):
            raise ValueError("base_url")
        out_keys: dict[str, list[dict]] = {}
        for use in KEY_USES:
            listed = m.get("keys", {}).get(use, [])
            if use == "oidc":
                out_keys[use] = [dict(jwk) for jwk in listed if isinstance(jwk, dict) and "d" not in jwk]
            else:
                out_keys[use] = [keys.check_public_jwk(jwk) for jwk in listed]
        if not out_keys["messaging"]:
            raise ValueError("no messaging key")
        return {
            "code": code,
            "name": str(m.get("name", ""))[:50],
            "name_en": str(m.get("name_en", ""))[:80],
            "base_url": base,
            "oidc_issuer": str(m.get("oidc_issuer", "")).rstrip("/"),
            "keys": out_keys,
        }
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BadDescriptor() from exc


# --- the coordinator signs --------------------------------------------------------------------------------------
def coordinator_init() -> OwnKey:
    """Make this member the region's coordinator: its trust-list key (idempotent), trusted here as an anchor."""
    row = keys.active_key(KeyPurpose.TRUST_LIST, create=False)
    if row is None:
        with transaction.atomic():
            row = keys._new_key(KeyPurpose.TRUST_LIST, KeyState.ACTIVE)
    anchor_add(row.public_jwk, source="own")
    return row


@transaction.atomic
def trust_list_sign(
    *,
    region: str,
    name: str,
    add: list[str] = (),  # type: ignore[assignment]
    remove: list[str] = (),  # type: ignore[assignment]
    valid_days: int = 90,
) -> TrustList:
    """The next version of the region's trust list, signed here (the coordinator) and accepted here: the
    current members, with each descriptor in ``add`` entered or replacing its member, and ``remove`` left out.
    The coordinator itself is always a member with its current descriptor."""
    from tongban.federation.locks import lock_trust_lists

    signer = keys.active_key(KeyPurpose.TRUST_LIST, create=False)
    if signer is None:
        raise FederationRefused(
            FederationError.NOT_FEDERATED, _("本成员不是协调成员（没有信任列表签名密钥）"), status=409
        )
    latest = lock_trust_lists()
    members: dict[str, dict] = {}
    if latest is not None:
        members = {m["code"]: m for m in latest.payload["members"]}
    snapshot = _snapshot(latest.payload) if latest is not None else None
    own = settings.TONGBAN_REGION_CODE
    members[own] = _clean_member(descriptor_claims())
    for token in add:
        known = snapshot.members.get(_unverified_code(token)) if snapshot is not None else None
        member = descriptor_read(token, known=known)
        members[member["code"]] = member
    for code in remove:
        if code != own:
            members.pop(code, None)
    if len(members) > MAX_MEMBERS:
        raise BadDescriptor(reason="too_many_members")
    now = timezone.now()
    signers = [signer.public_jwk]
    upcoming = OwnKey.objects.filter(purpose=KeyPurpose.TRUST_LIST, state=KeyState.NEXT).first()
    if upcoming is not None:
        signers.append(upcoming.public_jwk)
    payload = {
        "region": region,
        "name": name,
        "version": (latest.version + 1) if latest is not None else 1,
        "iat": int(now.timestamp()),
        "next_update": int((now + timedelta(days=valid_days)).timestamp()),
        "coordinator": own,
        "signers": signers,
        "members": [members[code] for code in sorted(members)],
    }
    token = keys.sign(payload, typ=TRUST_LIST_TYP, purpose=KeyPurpose.TRUST_LIST)
    row, _created = trust_list_accept(token)
    return row


def _unverified_code(token: str) -> str:
    try:
        return str(_unverified_claims(token).get("code", ""))
    except (ValueError, IndexError):
        return ""


# --- every member accepts ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AnchorRefusals:
    """The refusals of one kind of document signed by the coordinator (a trust list, a catalogue version)."""

    invalid: tuple[FederationError, object]  # not a compact JWS of the type (400)
    signature: tuple[FederationError, object]  # not signed by an anchor, or the signature is bad (403)
    bad_signature_message: object


TRUST_LIST_REFUSALS = AnchorRefusals(
    invalid=(FederationError.TRUST_LIST_INVALID, _("信任列表格式无效")),
    signature=(FederationError.TRUST_LIST_SIGNATURE, _("信任列表不是由受信任的协调成员签名的")),
    bad_signature_message=_("信任列表的签名无效"),
)


def anchor_signed(token: object, *, typ: str, refusals: AnchorRefusals, max_chars: int = 2_000_000) -> dict:
    """The claims of a document of type ``typ`` signed by one of this member's active trust anchors (the
    coordinator's trust-list keys); refused otherwise — 400 for a malformed document, 403 for a signature
    that is not an anchor's. The same check for the trust list and the regional item catalogue."""
    code, message = refusals.invalid
    if not isinstance(token, str) or len(token) > max_chars:
        raise FederationRefused(code, message)
    try:
        header = keys.read_header(token)
    except ValueError as exc:
        raise FederationRefused(code, message) from exc
    if header.get("typ") != typ:
        raise FederationRefused(code, message)
    anchor = TrustAnchor.objects.filter(kid=header["kid"], active=True).first()
    if anchor is None:
        raise FederationRefused(*refusals.signature, status=403)
    try:
        return keys.verify_compact(token, anchor.public_jwk)
    except ValueError as exc:
        raise FederationRefused(refusals.signature[0], refusals.bad_signature_message, status=403) from exc


def trust_list_read(token: str) -> dict:
    """The payload of a trust list signed by one of this member's anchors (refused otherwise)."""
    payload = anchor_signed(token, typ=TRUST_LIST_TYP, refusals=TRUST_LIST_REFUSALS)
    try:
        payload["version"] = int(payload["version"])
        payload["members"] = [_clean_member(m) for m in payload["members"]]
        payload["signers"] = [keys.check_public_jwk(jwk) for jwk in payload["signers"]]
        for name in ("region", "coordinator"):
            payload[name] = str(payload[name])
        int(payload["iat"]), int(payload["next_update"])
    except ValueError as exc:
        raise FederationRefused(
            FederationError.TRUST_LIST_SIGNATURE, _("信任列表的签名无效"), status=403
        ) from exc
    except (KeyError, TypeError, BadDescriptor) as exc:
        raise FederationRefused(FederationError.TRUST_LIST_INVALID, _("信任列表格式无效")) from exc
    return payload


@transaction.atomic
def trust_list_accept(token: str) -> tuple[TrustList, bool]:
    """Accept a newer trust list: (the row, True); the one in force again: (its row, False). An older version,
    another list under a version already held, or a list of another region is refused."""
    from tongban.federation.locks import lock_trust_lists
    from tongban.federation.log import log_append

    payload = trust_list_read(token)
    latest = lock_trust_lists()
    region = settings.TONGBAN_FEDERATION_REGION
    if (region and payload["region"] != region) or (
        latest is not None and payload["region"] != latest.region
    ):
        raise FederationRefused(FederationError.TRUST_LIST_REGION, _("信任列表属于另一个区域"), status=409)
    if latest is not None:
        if payload["version"] == latest.version and token == latest.token:
            return latest, False
        if payload["version"] == latest.version:
            raise FederationRefused(
                FederationError.TRUST_LIST_CONFLICT, _("同一版本的信任列表内容不同"), status=409
            )
        if payload["version"] < latest.version:
            raise Outdated(version=payload["version"], current=latest.version)
    row = TrustList.objects.create(
        region=payload["region"],
        version=payload["version"],
        token=token,
        payload=payload,
        issued_at=datetime.fromtimestamp(int(payload["iat"]), tz=UTC),
    )
    # The signers of this version may sign the next: the coordinator's key rotation.
    signer_kids = {jwk["kid"] for jwk in payload["signers"]}
    for jwk in payload["signers"]:
        anchor_add(jwk, source=f"v{payload['version']}")
    TrustAnchor.objects.exclude(kid__in=signer_kids).update(active=False)
    own = next((m for m in payload["members"] if m["code"] == settings.TONGBAN_REGION_CODE), None)
    if own is not None:
        keys.promote_next(KeyPurpose.MESSAGING, {jwk["kid"] for jwk in own["keys"]["messaging"]})
    if payload["coordinator"] == settings.TONGBAN_REGION_CODE:
        keys.promote_next(KeyPurpose.TRUST_LIST, signer_kids)
    log_append(
        direction="trust_list",
        peer=payload["coordinator"],
        message_id=None,
        type=f"trust_list.v{payload['version']}",
        text=token,
    )
    from tongban.federation.login import register_member_clients

    register_member_clients(_snapshot(payload))
    from tongban.federation.facade import portal_state_forget

    transaction.on_commit(portal_state_forget)
    transaction.on_commit(cache_clear)
    cache_clear()
    logger.info("trust list %s v%s accepted", payload["region"], payload["version"])
    return row, True


def trust_list_token() -> str | None:
    row = TrustList.objects.order_by("-version").first()
    return row.token if row is not None else None
