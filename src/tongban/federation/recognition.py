"""Licence mutual recognition (证照互认, docs/domain/federation.md §4): a verifier here checks a licence of
another member of the region — its SD-JWT VC, or its 亮证 QR code — with the keys the trust list gives that
member, never with keys the licence points to.

- **The recognition list** maps a partner's licence type to the local type it is accepted as
  (``LicenceTypeMapping``), kept by the operator (``tongban federation licence-types import``).
- **An SD-JWT VC** is checked here, offline but for its status: the issuer-signed JWT by a ``licences`` key of
  the member whose base URL ``iss`` is under, the disclosures against the digests it signed, the validity
  dates, the key-binding JWT when it is bound to a holder key, and its status in the member's Token Status
  List — fetched from under that member's base URL, its signature checked with the same keys, kept here
  (``StatusListCache``) and used while younger than its ``ttl``; while the member does not answer, still used
  up to ``TONGBAN_FEDERATION_OFFLINE_HOURS`` after it was fetched, and never after its own ``exp``.
- **A 亮证 token** is single-use, so only its home member can verify it: its signature is checked here first
  (a forged token costs no call), then the home member verifies it for this member's verifier by a signed
  request (``POST /api/federation/licences/verify-shown``), records the use, and answers the scene's fields.

Nothing here logs a personal identifier: the logs and the audit trail name the member, the licence type, the
verifier and the outcome."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.actors import SYSTEM, Actor, ActorKind
from tongban.core.audit import audit_record
from tongban.core.errors import DomainError
from tongban.federation import keys, trust
from tongban.federation.errors import (
    CredentialRefused,
    FederationError,
    FederationRefused,
    PartnerUnavailable,
)
from tongban.federation.models import LicenceTypeMapping, StatusListCache
from tongban.federation.transport import Unreachable

logger = logging.getLogger(__name__)

SD_JWT_TYP = "dc+sd-jwt"
KB_JWT_TYP = "kb+jwt"
STATUS_LIST_TYP = "statuslist+jwt"
SHOW_TYP = "tongban-show+jwt"
VCT_PREFIX = "urn:tongban:licence:"
MAX_CREDENTIAL = 100_000
MAX_STATUS_LIST = 2_000_000  # characters of the token
MAX_STATUS_BYTES = 16 * 1024 * 1024  # decompressed
DEFAULT_TTL = 300
MAX_TTL = 24 * 3600
KB_SECONDS = 300  # a key-binding JWT is fresh for 5 minutes either way
SHOW_PATH = "/api/federation/licences/verify-shown"

# Claims an SD-JWT VC carries in the clear (never "disclosed").
CLEAR_CLAIMS = frozenset({"iss", "iat", "nbf", "exp", "vct", "status", "cnf", "_sd_alg", "sub"})


# --- the recognition list ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mapped:
    local_type_code: str
    local_type_name: str
    partner_type_name: str


def mapped(member: str, partner_type_code: str) -> Mapped | None:
    row = LicenceTypeMapping.objects.filter(member=member, partner_type_code=partner_type_code).first()
    if row is None:
        return None
    return Mapped(row.local_type_code, row.local_type_name, row.partner_type_name)


@dataclass
class ImportReport:
    count: int
    members: list[str]
    unknown_local: list[str] = field(default_factory=list)  # local codes the library does not keep


def _text(entry: dict, name: str, limit: int) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        raise ValueError(name)
    return value.strip()


def licence_types_read(data: object) -> list[dict]:
    """The entries of a recognition list file (``{"types": [{"member", "partner_type_code",
    "partner_type_name", "local_type_code", "local_type_name"}, …]}``), checked; 422 listing every problem."""
    problems: list[dict] = []
    entries = data.get("types") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise FederationRefused(
            FederationError.LICENCE_TYPES_INVALID, _("互认证照类型清单格式无效"), status=422, field="types"
        )
    out: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for n, entry in enumerate(entries):
        try:
            if not isinstance(entry, dict):
                raise ValueError("entry")
            row = {
                "member": _text(entry, "member", 12),
                "partner_type_code": _text(entry, "partner_type_code", 32),
                "partner_type_name": _text(entry, "partner_type_name", 100),
                "local_type_code": _text(entry, "local_type_code", 32),
                "local_type_name": _text(entry, "local_type_name", 100),
            }
            if not (row["member"].isdigit() and len(row["member"]) == 6):
                raise ValueError("member")
            if row["member"] == settings.TONGBAN_REGION_CODE:
                raise ValueError("member")  # this member's own types need no mapping
            key = (row["member"], row["partner_type_code"])
            if key in seen:
                raise ValueError("partner_type_code")
            seen.add(key)
            out.append(row)
        except ValueError as exc:
            problems.append({"index": n, "field": str(exc)})
    if problems:
        raise FederationRefused(
            FederationError.LICENCE_TYPES_INVALID,
            _("互认证照类型清单有误"),
            status=422,
            problems=problems[:50],
        )
    return out


@transaction.atomic
def licence_types_import(data: object, *, actor: Actor | None = None) -> ImportReport:
    """Replace the recognition list with the file's (the file is the list: a type left out is no longer
    mapped). Audited."""
    from tongban.licences.facade import licence_type_names

    rows = licence_types_read(data)
    before = LicenceTypeMapping.objects.count()
    LicenceTypeMapping.objects.all().delete()
    LicenceTypeMapping.objects.bulk_create(LicenceTypeMapping(**row) for row in rows)
    known = licence_type_names()
    unknown = sorted({row["local_type_code"] for row in rows if row["local_type_code"] not in known})
    members = sorted({row["member"] for row in rows})
    audit_record(
        actor=actor or SYSTEM,
        action="federation.licence_types_import",
        object_type="federation_licence_types",
        before={"count": before},
        after={"count": len(rows), "members": members},
    )
    return ImportReport(len(rows), members, unknown)


# --- small JOSE helpers -----------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_part(text: str) -> dict:
    value = json.loads(keys.unb64(text))
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def _unverified(token: str) -> tuple[dict, dict]:
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a compact JWS")
    return _json_part(parts[0]), _json_part(parts[1])


def _verify_low_s(token: str, jwk: dict) -> dict:
    """The claims of a compact JWS, ES256, signed by ``jwk`` in the low-``s`` form only (ValueError)."""
    head, body, sig = token.split(".")
    signature = keys.unb64(sig)
    if len(signature) != 64:
        raise ValueError("signature length")
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not 0 < s <= keys.P256_ORDER // 2:
        raise ValueError("high s")
    public = keys.load_public(json.dumps(jwk, sort_keys=True))
    try:
        public.verify(encode_dss_signature(r, s), f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise ValueError("signature") from exc
    return _json_part(body)


def _licence_key(member: trust.Member, kid: object) -> dict | None:
    return member.key("licences", kid) if isinstance(kid, str) else None


def _member_of_url(snapshot: trust.Snapshot, url: str) -> trust.Member | None:
    """The other member under whose base URL ``url`` is (None for this member's own, or nobody's)."""
    for member in snapshot.others():
        if url.startswith(member.base_url.rstrip("/") + "/"):
            return member
    return None


# --- status lists -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatusList:
    bits: int
    data: bytes
    fetched_at: datetime
    source: str  # fresh | cache | offline


def fetch_status_list(uri: str) -> tuple[int, str]:
    """GET a status list: (HTTP status, body). Raises ``Unreachable`` when the member does not answer."""
    import httpx

    from tongban.federation.transport import client

    try:
        response = client().get(uri, headers={"Accept": "application/statuslist+jwt"})
    except httpx.HTTPError as exc:
        raise Unreachable(type(exc).__name__) from exc
    if response.status_code >= 500:
        raise Unreachable(f"HTTP {response.status_code}")
    return response.status_code, response.text[: MAX_STATUS_LIST + 1]


def _status_list_invalid() -> FederationRefused:
    return FederationRefused(FederationError.STATUS_LIST_INVALID, _("对方成员的证照状态列表无效"), status=409)


def _read_status_list(token: str, member: trust.Member, uri: str, *, now: float) -> tuple[dict, int, bytes]:
    """A member's status list token, checked: its claims, bits and decompressed list (ValueError)."""
    if len(token) > MAX_STATUS_LIST:
        raise ValueError("too large")
    header, _claims = _unverified(token)
    if header.get("alg") != "ES256" or header.get("typ") != STATUS_LIST_TYP:
        raise ValueError("header")
    jwk = _licence_key(member, header.get("kid"))
    if jwk is None:
        raise ValueError("key not on the trust list")
    claims = keys.verify_compact(token, jwk)
    if claims.get("sub") != uri:
        raise ValueError("sub")
    exp = claims.get("exp")
    if exp is not None and (not isinstance(exp, int) or now >= exp):
        raise ValueError("expired")
    listed = claims.get("status_list")
    if (
        not isinstance(listed, dict)
        or listed.get("bits") not in (1, 2, 4, 8)
        or not isinstance(listed.get("lst"), str)
    ):
        raise ValueError("status_list")
    inflater = zlib.decompressobj()
    data = inflater.decompress(keys.unb64(listed["lst"]), MAX_STATUS_BYTES)
    if inflater.unconsumed_tail:
        raise ValueError("too large")
    return claims, int(listed["bits"]), data


def _ttl(claims: dict) -> int:
    ttl = claims.get("ttl")
    return max(0, min(int(ttl), MAX_TTL)) if isinstance(ttl, int) else DEFAULT_TTL


def status_list_for(member: trust.Member, uri: str) -> StatusList:
    """The member's status list at ``uri``: the cached one while younger than its ``ttl``; else fetched (and
    cached); when the member does not answer, the cached one up to the offline bound (503 beyond it)."""
    now = timezone.now()
    row = StatusListCache.objects.filter(uri=uri, member=member.code).first()

    def from_row(source: str) -> StatusList | None:
        try:
            _claims, bits, data = _read_status_list(row.token, member, uri, now=now.timestamp())
        except (ValueError, binascii.Error, zlib.error):
            return None  # its key withdrawn from the trust list, or past its exp: not used
        return StatusList(bits, data, row.fetched_at, source)

    if row is not None and now - row.fetched_at < timedelta(seconds=row.ttl):
        cached = from_row("cache")
        if cached is not None:
            return cached
    try:
        status, token = fetch_status_list(uri)
    except Unreachable:
        bound = timedelta(hours=settings.TONGBAN_FEDERATION_OFFLINE_HOURS)
        if row is not None and now - row.fetched_at < bound:
            cached = from_row("offline")
            if cached is not None:
                logger.warning("status list of %s: member unreachable, cached list used", member.code)
                return cached
        logger.warning("status list of %s: member unreachable, no usable cached list", member.code)
        raise PartnerUnavailable(
            FederationError.STATUS_UNAVAILABLE,
            _("无法取得对方成员的证照状态，且本地缓存已超过离线期限，暂时不能核验"),
            member=member.code,
            offline_hours=settings.TONGBAN_FEDERATION_OFFLINE_HOURS,
        ) from None
    if status != 200:
        raise _status_list_invalid()
    try:
        claims, bits, data = _read_status_list(token, member, uri, now=now.timestamp())
    except (ValueError, binascii.Error, zlib.error) as exc:
        logger.warning("status list of %s refused: %s", member.code, exc)
        raise _status_list_invalid() from exc
    exp = claims.get("exp")
    values = {
        "member": member.code,
        "token": token,
        "ttl": _ttl(claims),
        "expires_at": datetime.fromtimestamp(exp, tz=UTC) if isinstance(exp, int) else None,
        "fetched_at": now,
    }
    if not StatusListCache.objects.filter(uri=uri).update(**values):
        try:
            with transaction.atomic():
                StatusListCache.objects.create(uri=uri, **values)
        except IntegrityError:  # another verification cached it meanwhile
            StatusListCache.objects.filter(uri=uri).update(**values)
    return StatusList(bits, data, now, "fresh")


def status_at(status_list: StatusList, index: int) -> int:
    per_byte = 8 // status_list.bits
    position = index // per_byte
    if not 0 <= position < len(status_list.data):
        raise ValueError("index")
    return (status_list.data[position] >> ((index % per_byte) * status_list.bits)) & (
        (1 << status_list.bits) - 1
    )


# --- SD-JWT VC of another member ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CredentialCheck:
    valid: bool
    reason: str  # "" when valid; not_yet_valid, expired, revoked, suspended
    member: trust.Member
    partner_type_code: str
    partner_type_name: str
    local: Mapped | None
    disclosed: dict
    status: str  # valid, invalid, suspended, none (no status claim), unchecked
    status_source: str  # fresh, cache, offline, "" (not checked)
    status_fetched_at: datetime | None
    valid_until: date | None


def _refused(code: FederationError, message, status: int = 400, **details) -> CredentialRefused:
    return CredentialRefused(code, message, status=status, **details)


def _malformed(what: str) -> CredentialRefused:
    return _refused(FederationError.CREDENTIAL_INVALID, _("凭证格式无效"), reason=what)


def _disclose(value: object, by_digest: dict[str, tuple[str, object]], used: set[str]) -> object:
    """``value`` with every ``_sd`` digest of its objects replaced by the claim its disclosure gives."""
    if isinstance(value, list):
        return [_disclose(item, by_digest, used) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict = {}
    digests = value.get("_sd", [])
    if not isinstance(digests, list):
        raise _malformed("_sd")
    for name, item in value.items():
        if name != "_sd":
            out[name] = _disclose(item, by_digest, used)
    for digest in digests:
        if not isinstance(digest, str) or digest in used:
            raise _refused(FederationError.CREDENTIAL_DISCLOSURE, _("凭证的选择性披露无效"))
        found = by_digest.get(digest)
        if found is None:
            continue  # not disclosed
        name, claim = found
        if name in out or name in ("_sd", "...", "_sd_alg"):
            raise _refused(FederationError.CREDENTIAL_DISCLOSURE, _("凭证的选择性披露无效"))
        used.add(digest)
        out[name] = _disclose(claim, by_digest, used)
    return out


def _disclosures(parts: list[str]) -> dict[str, tuple[str, object]]:
    by_digest: dict[str, tuple[str, object]] = {}
    for text in parts:
        try:
            item = json.loads(keys.unb64(text))
            text.encode("ascii")
        except (ValueError, binascii.Error, UnicodeError):
            raise _refused(FederationError.CREDENTIAL_DISCLOSURE, _("凭证的选择性披露无效")) from None
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[1], str)):
            raise _refused(FederationError.CREDENTIAL_DISCLOSURE, _("凭证的选择性披露无效"))
        digest = _b64(hashlib.sha256(text.encode("ascii")).digest())
        if digest in by_digest:
            raise _refused(FederationError.CREDENTIAL_DISCLOSURE, _("凭证的选择性披露无效"))
        by_digest[digest] = (item[1], item[2])
    return by_digest


def _key_binding(kb_jwt: str, cnf: object, presented: str, *, audience: str, nonce: str | None) -> None:
    def refused(reason: str) -> CredentialRefused:
        return _refused(
            FederationError.CREDENTIAL_KEY_BINDING, _("凭证的持有人绑定签名无效"), status=403, reason=reason
        )

    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not kb_jwt:
        raise refused("missing")
    try:
        holder = keys.check_public_jwk({**jwk, "kid": "holder"}) if isinstance(jwk, dict) else None
        header, _claims = _unverified(kb_jwt)
        if holder is None or header.get("typ") != KB_JWT_TYP or header.get("alg") != "ES256":
            raise ValueError("header")
        claims = keys.verify_compact(kb_jwt, holder)
    except (ValueError, binascii.Error):
        raise refused("signature") from None
    sd_hash = _b64(hashlib.sha256(presented.encode("ascii")).digest())
    if claims.get("sd_hash") != sd_hash:
        raise refused("sd_hash")
    iat = claims.get("iat")
    if not isinstance(iat, int) or abs(time.time() - iat) > KB_SECONDS:
        raise refused("iat")
    if claims.get("aud") != audience:
        raise refused("aud")
    if nonce is not None and claims.get("nonce") != nonce:
        raise refused("nonce")


def credential_check(credential: object, *, audience: str = "", nonce: str | None = None) -> CredentialCheck:
    """Check an SD-JWT VC (a presentation) issued by another member of the region (docstring of the module).
    A credential that cannot be checked is refused (``CredentialRefused``, 400/403); one that checks but is
    not valid now — outside its dates, revoked, suspended — answers ``valid=False`` with the reason."""
    if not isinstance(credential, str) or not 0 < len(credential) <= MAX_CREDENTIAL or "~" not in credential:
        raise _malformed("form")
    parts = credential.split("~")
    issuer_jwt, disclosure_parts, kb_jwt = parts[0], parts[1:-1], parts[-1]
    try:
        header, unverified = _unverified(issuer_jwt)
        issuer_jwt.encode("ascii")
    except (ValueError, binascii.Error, UnicodeError):
        raise _malformed("jwt") from None
    if header.get("alg") != "ES256" or header.get("typ") != SD_JWT_TYP:
        raise _malformed("header")
    snapshot = trust.require_current()
    iss = unverified.get("iss")
    member = _member_of_url(snapshot, iss) if isinstance(iss, str) else None
    if member is None:
        raise _refused(
            FederationError.CREDENTIAL_ISSUER_UNKNOWN, _("凭证的签发方不是本区域的其他成员"), status=403
        )
    jwk = _licence_key(member, header.get("kid"))
    if jwk is None:
        raise _refused(
            FederationError.CREDENTIAL_KEY_UNTRUSTED,
            _("凭证的签名密钥不在信任列表中"),
            status=403,
            member=member.code,
            trust_list=snapshot.version,
        )
    try:
        claims = keys.verify_compact(issuer_jwt, jwk)
    except ValueError:
        raise _refused(
            FederationError.CREDENTIAL_SIGNATURE, _("凭证签名无效"), status=403, member=member.code
        ) from None
    if claims.get("iss") != iss or claims.get("_sd_alg", "sha-256") != "sha-256":
        raise _malformed("claims")
    by_digest = _disclosures(disclosure_parts)
    used: set[str] = set()
    processed = _disclose(claims, by_digest, used)
    if len(used) != len(by_digest):
        raise _refused(FederationError.CREDENTIAL_DISCLOSURE, _("凭证的选择性披露无效"))
    if "cnf" in claims:
        presented = "~".join(parts[:-1]) + "~"
        _key_binding(
            kb_jwt,
            claims["cnf"],
            presented,
            audience=audience or settings.TONGBAN_PUBLIC_BASE_URL,
            nonce=nonce,
        )
    elif kb_jwt:
        raise _refused(
            FederationError.CREDENTIAL_KEY_BINDING,
            _("凭证的持有人绑定签名无效"),
            status=403,
            reason="unbound",
        )
    assert isinstance(processed, dict)
    vct = claims.get("vct")
    if not isinstance(vct, str):
        raise _malformed("vct")
    partner_type = vct.removeprefix(VCT_PREFIX)[:32]
    local = mapped(member.code, partner_type)
    disclosed = {k: v for k, v in processed.items() if k not in CLEAR_CLAIMS}
    type_name = disclosed.get("type_name") if isinstance(disclosed.get("type_name"), str) else ""
    if not type_name and local is not None:
        type_name = local.partner_type_name
    now = time.time()
    nbf, exp = claims.get("nbf"), claims.get("exp")
    valid_until = None
    if isinstance(exp, int):
        valid_until = (
            (datetime.fromtimestamp(exp, tz=UTC) - timedelta(seconds=1))
            .astimezone(timezone.get_current_timezone())
            .date()
        )
    reason = ""
    if isinstance(nbf, int) and now < nbf:
        reason = "not_yet_valid"
    elif isinstance(exp, int) and now >= exp:
        reason = "expired"
    status_name, source, fetched_at = "none", "", None
    status_claim = claims.get("status")
    if status_claim is not None:
        listed = status_claim.get("status_list") if isinstance(status_claim, dict) else None
        uri = listed.get("uri") if isinstance(listed, dict) else None
        idx = listed.get("idx") if isinstance(listed, dict) else None
        if not isinstance(uri, str) or not isinstance(idx, int) or idx < 0:
            raise _malformed("status")
        if _member_of_url(snapshot, uri) is not member:
            raise _malformed("status_uri")  # a list anywhere but under the issuing member's URL is not read
        if reason:
            status_name = "unchecked"
        else:
            status_list = status_list_for(member, uri)
            try:
                value = status_at(status_list, idx)
            except ValueError:
                raise _malformed("status_index") from None
            status_name = {0: "valid", 2: "suspended"}.get(value, "invalid")
            source, fetched_at = status_list.source, status_list.fetched_at
            if value == 2:
                reason = "suspended"
            elif value != 0:
                reason = "revoked"
    return CredentialCheck(
        valid=not reason,
        reason=reason,
        member=member,
        partner_type_code=partner_type,
        partner_type_name=str(type_name)[:100],
        local=local,
        disclosed=disclosed,
        status=status_name,
        status_source=source,
        status_fetched_at=fetched_at,
        valid_until=valid_until,
    )


def _audit_actor(actor: Actor | None, who) -> Actor:
    """The actor of an audit record: the logged-in member of staff, or the registered verifier by name."""
    if actor is not None and actor.kind == ActorKind.USER:
        return actor
    return Actor(kind=ActorKind.ANONYMOUS, uuid=str(who.uuid), label=f"用证单位 {who.label}"[:200])


def credential_verify(*, actor: Actor | None, who, credential, audience: str = "", nonce: str | None = None):
    """``credential_check`` for a verifier here, audited (the member, type and outcome; no personal data)."""
    outcome: dict = {"verifier": who.label[:200], "verifier_kind": who.kind}
    try:
        check = credential_check(credential, audience=audience, nonce=nonce)
    except DomainError as exc:
        outcome.update(result="refused", code=str(exc.code))
        audit_record(
            actor=_audit_actor(actor, who),
            action="federation.licence_verify_credential",
            object_type="federation_credential",
            after=outcome,
        )
        logger.info("credential refused: %s", exc.code)
        raise
    outcome.update(
        result="valid" if check.valid else "invalid",
        reason=check.reason,
        member=check.member.code,
        partner_type=check.partner_type_code,
        local_type=check.local.local_type_code if check.local else "",
        status_source=check.status_source,
    )
    audit_record(
        actor=_audit_actor(actor, who),
        action="federation.licence_verify_credential",
        object_type="federation_credential",
        object_id=check.member.code,
        after=outcome,
    )
    logger.info(
        "credential of %s type %s: %s %s (status %s)",
        check.member.code,
        check.partner_type_code,
        outcome["result"],
        check.reason,
        check.status_source or "-",
    )
    return check


# --- 亮证 tokens of another member: the verifying side --------------------------------------------------------
def _show_member(snapshot: trust.Snapshot, kid: str) -> trust.Member | None:
    for member in snapshot.others():
        if member.key("licences", kid) is not None:
            return member
    return None


def verify_foreign_shown(*, who, token, cause: str):
    """The licences context's foreign verifier (licences.foreign): a 亮证 token signed with another member's
    key on the trust list, checked here and then verified by that member for ``who``. None for a token whose
    key is no other member's (the local refusal stands)."""
    from tongban.licences.facade import foreign_shown, shown_refusal

    snapshot = trust.current()
    if snapshot is None or not isinstance(token, str) or len(token) > 1024:
        return None
    try:
        header, _payload = _unverified(token)
    except (ValueError, binascii.Error, UnicodeError):
        return None
    kid = header.get("kid")
    member = _show_member(snapshot, kid) if isinstance(kid, str) else None
    if member is None or header.get("typ") != SHOW_TYP or header.get("alg") != "ES256":
        return None
    try:
        payload = _verify_low_s(token, member.key("licences", kid) or {})
    except (ValueError, binascii.Error):
        logger.info("亮证 token of %s: bad signature", member.code)
        _audit_shown(who, member.code, "refused", "token_invalid")
        return None  # forged: refused here, without a call
    scene, exp = payload.get("scn"), payload.get("exp")
    if not isinstance(scene, str) or not isinstance(exp, int) or not isinstance(payload.get("jti"), str):
        _audit_shown(who, member.code, "refused", "token_invalid")
        return None
    if time.time() >= exp:
        _audit_shown(who, member.code, "refused", "token_expired")
        raise shown_refusal("token_expired")  # type: ignore[misc]
    if scene not in who.scenes:
        _audit_shown(who, member.code, "refused", "scene_not_permitted")
        raise shown_refusal("scene_not_permitted", {"scene": scene})  # type: ignore[misc]
    cause = (cause or "").strip()
    body = {
        "token": token,
        "cause": cause,
        "scene": scene,
        "verifier": {"uuid": str(who.uuid), "name": who.label, "kind": who.kind},
    }
    from tongban.federation.services import member_call

    try:
        answer = member_call(member.code, "POST", SHOW_PATH, body)
    except Unreachable:
        _audit_shown(who, member.code, "refused", "unreachable")
        raise PartnerUnavailable(
            FederationError.MEMBER_UNREACHABLE,
            _("亮证码由 %(member)s 签发，该成员暂时无法访问，请稍后再试") % {"member": member.name},
            member=member.code,
        ) from None
    if not answer.ok:
        code = str(answer.data.get("code", ""))
        _audit_shown(who, member.code, "refused", code[:64])
        refusal = shown_refusal(code, answer.data.get("details") or {})
        if refusal is not None:
            raise refusal
        raise FederationRefused(
            FederationError.PARTNER_REFUSED,
            _("%(member)s 拒绝了核验请求") % {"member": member.name},
            status=409,
            member=member.code,
            partner_code=code[:64],
        )
    try:
        data = answer.data
        licence = data["licence"]
        partner_type = str(licence["type_code"])[:32]
        valid_until = date.fromisoformat(licence["valid_until"]) if licence.get("valid_until") else None
        fields = dict(data["fields"])
        titles = {str(k): str(v) for k, v in dict(data["field_titles"]).items()}
        at = datetime.fromisoformat(str(data["verified_at"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise FederationRefused(
            FederationError.PARTNER_REFUSED,
            _("%(member)s 的答复格式无效") % {"member": member.name},
            status=409,
            member=member.code,
        ) from exc
    local = mapped(member.code, partner_type)
    _audit_shown(who, member.code, "valid", "", partner_type=partner_type, scene=scene)
    return foreign_shown(
        member_code=member.code,
        member_name=member.name,
        scene=scene,
        type_code=partner_type,
        type_name=str(licence.get("type_name", ""))[:100],
        local_type_code=local.local_type_code if local else "",
        local_type_name=local.local_type_name if local else "",
        status=str(licence.get("status", ""))[:4],
        status_label=str(licence.get("status_label", ""))[:20],
        valid_until=valid_until,
        fields=fields,
        field_titles=titles,
        at=at,
    )


def _audit_shown(who, member: str, result: str, code: str, **more: str) -> None:
    audit_record(
        actor=Actor(kind=ActorKind.ANONYMOUS, uuid=str(who.uuid), label=f"用证单位 {who.label}"[:200]),
        action="federation.licence_verify_shown",
        object_type="federation_member",
        object_id=member,
        after={"verifier": who.label[:200], "result": result, "code": code, **more},
    )
    logger.info("亮证 token of %s: %s %s", member, result, code)


# --- 亮证 tokens of this member: the home side -----------------------------------------------------------------
def verify_shown_for(member: trust.Member, data: dict) -> dict:
    """Verify one of this member's 亮证 tokens for a verifier of ``member`` (a signed request): the licence
    library's checks and single use; the use recorded as by "<member> · <verifier>". Audited."""
    from tongban.licences.facade import verify_shown_for_member

    verifier = data.get("verifier") if isinstance(data.get("verifier"), dict) else {}
    outcome = {"member": member.code, "verifier": str(verifier.get("name", ""))[:150]}
    try:
        answer = verify_shown_for_member(
            member_code=member.code,
            member_name=member.name,
            verifier_uuid=str(verifier.get("uuid", ""))[:64],
            verifier_name=str(verifier.get("name", ""))[:150],
            scene=str(data.get("scene", ""))[:20],
            token=data.get("token"),
            cause=str(data.get("cause", ""))[:1000],
        )
    except DomainError as exc:
        audit_record(
            actor=SYSTEM,
            action="federation.licence_verified_for_member",
            object_type="federation_member",
            object_id=member.code,
            after={**outcome, "result": "refused", "code": str(exc.code)},
        )
        raise
    audit_record(
        actor=SYSTEM,
        action="federation.licence_verified_for_member",
        object_type="federation_member",
        object_id=member.code,
        after={
            **outcome,
            "result": "valid",
            "type": answer["licence"]["type_code"],
            "scene": answer["scene"],
        },
    )
    logger.info("亮证 token verified for %s (%s)", member.code, answer["licence"]["type_code"])
    return answer
