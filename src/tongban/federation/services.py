"""The federation's services: joining (anchors, descriptors), distributing the trust list, the signed requests
members make of each other, and the sweep (docs/domain/federation.md)."""

from __future__ import annotations

import logging
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from tongban.federation import keys, trust
from tongban.federation.errors import FederationError, FederationRefused, Untrusted
from tongban.federation.models import TrustList
from tongban.federation.transport import Unreachable, get_json, post_json

logger = logging.getLogger(__name__)

REQUEST_TYP = "tongban-fedreq+jwt"
REQUEST_SECONDS = 60


def trust_list_pull() -> int | None:
    """Fetch the trust list from the coordinator (``TONGBAN_FEDERATION_COORDINATOR_URL``, or the coordinator
    the list in force names) and accept it when newer: the version now in force, or None when none."""
    base = settings.TONGBAN_FEDERATION_COORDINATOR_URL
    snapshot = trust.current()
    if not base and snapshot is not None and snapshot.coordinator in snapshot.members:
        base = snapshot.members[snapshot.coordinator].base_url
    if not base or (snapshot is not None and snapshot.coordinator == settings.TONGBAN_REGION_CODE):
        return snapshot.version if snapshot is not None else None
    try:
        answer = get_json(f"{base.rstrip('/')}/api/federation/trust-list")
    except Unreachable:
        logger.warning("trust list: the coordinator did not answer")
        return snapshot.version if snapshot is not None else None
    token = answer.data.get("trust_list") if answer.ok else None
    if token:
        try:
            trust.trust_list_accept(token)
        except FederationRefused as exc:
            logger.warning("trust list from the coordinator refused: %s", exc.code)
    latest = trust.current()
    return latest.version if latest is not None else None


def trust_list_push(row: TrustList) -> dict[str, str]:
    """Hand a new trust list to every other member (each checks it itself): member → 'accepted' | 'same' |
    the refusal's code | 'unreachable'. A member that misses it pulls it at its next sweep."""
    outcome: dict[str, str] = {}
    snapshot = trust.require_current()
    for member in snapshot.others():
        try:
            answer = post_json(f"{member.base_url}/api/federation/trust-list", {"trust_list": row.token})
        except Unreachable:
            outcome[member.code] = "unreachable"
            continue
        if answer.ok:
            outcome[member.code] = "accepted" if answer.data.get("accepted") else "same"
        else:
            outcome[member.code] = str(answer.data.get("code", answer.status))
    return outcome


# --- signed requests (a member asking another for something now) -----------------------------------------------
def request_header(*, to: str, method: str, path: str) -> dict[str, str]:
    """``Authorization: TongbanMember <JWS>`` for a request to member ``to``: who asks, for which method and
    path, now, once (docs/federation/protocol.md §4)."""
    token = keys.sign(
        {
            "iss": settings.TONGBAN_REGION_CODE,
            "aud": to,
            "iat": int(time.time()),
            "jti": str(uuid.uuid4()),
            "htm": method.upper(),
            "htp": path,
        },
        typ=REQUEST_TYP,
    )
    return {"Authorization": f"TongbanMember {token}"}


def request_member(authorization: str, *, method: str, path: str) -> trust.Member:
    """The member that signed this request's ``Authorization`` header (refused: 401/403)."""
    from tongban.federation.messages import open_signed

    scheme, _sep, token = (authorization or "").partition(" ")
    if scheme != "TongbanMember" or not token:
        raise FederationRefused(FederationError.MESSAGE_KEY_UNTRUSTED, _("需要成员签名的请求"), status=401)
    snapshot = trust.require_current()
    claims = open_signed(token, typ=REQUEST_TYP, snapshot=snapshot)
    now = time.time()
    try:
        fresh = abs(now - int(claims["iat"])) <= REQUEST_SECONDS
        matches = (
            claims["aud"] == settings.TONGBAN_REGION_CODE
            and claims["htm"] == method.upper()
            and claims["htp"] == path
        )
        jti = str(claims["jti"])[:64]
    except (KeyError, ValueError, TypeError) as exc:
        raise FederationRefused(FederationError.MESSAGE_MALFORMED, _("消息格式无效")) from exc
    if not fresh:
        raise FederationRefused(FederationError.MESSAGE_EXPIRED, _("消息已过期或时间无效"))
    if not matches:
        raise Untrusted()
    if not cache.add(f"federation:req:{claims['iss']}:{jti}", 1, timeout=2 * REQUEST_SECONDS):
        raise FederationRefused(FederationError.MESSAGE_REPLAYED, _("这条消息已经收到过"), status=409)
    return snapshot.member(str(claims["iss"]))


def member_call(to: str, method: str, path: str, data: dict | None = None):
    """A signed request to member ``to`` (``path`` under its base URL, e.g. ``/api/federation/…``); the
    answer (:class:`~tongban.federation.transport.Answer`). Raises ``Unreachable`` when it does not answer."""
    from tongban.federation.transport import get_json as _get
    from tongban.federation.transport import post_json as _post

    member = trust.require_current().member(to)
    headers = request_header(to=to, method=method, path=path)
    if method.upper() == "GET":
        return _get(f"{member.base_url}{path}", headers=headers, params=data)
    return _post(f"{member.base_url}{path}", data or {}, headers=headers)
