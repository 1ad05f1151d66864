"""长三角一网通办 between members (`/api/federation/…`, docs/federation/protocol.md): each endpoint states who
may call it. Messages and the log are for other members, proven by signature; the trust list and this member's
descriptor are public (keys and URLs only)."""

from __future__ import annotations

from ninja import Field, Query, Router, Schema

from tongban.core.schemas import responses
from tongban.federation import trust
from tongban.federation.access import access_member
from tongban.federation.log import entry_dict
from tongban.federation.messages import receive
from tongban.federation.models import LogEntry, OwnKey

router = Router(tags=["federation 长三角一网通办"])


class MessageIn(Schema):
    message: str = Field(description="the signed message: a compact JWS, typ tongban-fedmsg+jwt")


class ReceiptOut(Schema):
    receipt: str = Field(description="the signed receipt: a compact JWS, typ tongban-fedrcpt+jwt")


@router.post("/federation/messages", response=responses({200: ReceiptOut}, 403, 409, 413), auth=None)
def federation_message(request, payload: MessageIn):
    """A message from another member of the region. Anyone may post; only a message signed with a messaging
    key the trust list gives its sender, addressed to this member, is accepted, once: the answer is this
    member's signed receipt. Refusals: 400 `message_malformed` / `message_expired`, 403
    `message_key_untrusted` / `message_signature_invalid` / `message_wrong_recipient`, 409 `message_replayed`
    (the original receipt in `details.receipt`) / `message_id_conflict` / `federation_not_configured`, 413
    `message_too_large`, 422 `message_type_unknown`."""
    receipt, _row = receive(payload.message)
    return {"receipt": receipt}


class TrustListIn(Schema):
    trust_list: str = Field(description="a trust list: a compact JWS, typ tongban-trustlist+jwt")


class TrustListOut(Schema):
    trust_list: str
    version: int


class TrustListAccepted(Schema):
    version: int
    accepted: bool = Field(description="true: newer than the one in force, now in force; false: the same")


@router.get("/federation/trust-list", response=responses({200: TrustListOut}, 409), auth=None)
def federation_trust_list(request):
    """The region's trust list in force here, as signed by the coordinator. Public. 409
    `federation_not_configured` when this member has none."""
    token, snapshot = trust.trust_list_token(), trust.require_current()
    return {"trust_list": token, "version": snapshot.version}


@router.post("/federation/trust-list", response=responses({200: TrustListAccepted}, 403, 409), auth=None)
def federation_trust_list_push(request, payload: TrustListIn):
    """A new trust list, pushed by the coordinator. Anyone may post: it is accepted only when signed by one of
    this member's trust anchors, of its region and newer than the one in force. Refusals: 400
    `trust_list_invalid`, 403 `trust_list_signature_invalid`, 409 `trust_list_outdated` /
    `trust_list_conflict` / `trust_list_region_mismatch`."""
    row, accepted = trust.trust_list_accept(payload.trust_list)
    return {"version": row.version, "accepted": accepted}


class DescriptorOut(Schema):
    descriptor: str = Field(description="this member's descriptor: a compact JWS, typ tongban-member+jwt")


@router.get("/federation/descriptor", response={200: DescriptorOut}, auth=None)
def federation_descriptor(request):
    """This member's descriptor (code, names, URLs, public keys), signed with its messaging key: what the
    coordinator enters into the trust list. Public."""
    return {"descriptor": trust.descriptor_make()}


class LogQuery(Schema):
    after: int = Field(default=0, ge=0, description="entries after this sequence number")
    limit: int = Field(default=500, ge=1, le=5000)


class LogEntryOut(Schema):
    seq: int
    at: str
    direction: str
    peer: str
    message_id: str
    type: str
    digest: str
    prev_hash: str
    hash: str
    kid: str
    signature: str


class LogOut(Schema):
    member: str
    entries: list[LogEntryOut]
    keys: list[dict] = Field(description="this member's messaging public keys that signed the entries")


@router.get("/federation/log", response=responses({200: LogOut}, 401, 403, 404, 409), auth=None)
def federation_log(request, query: Query[LogQuery]):
    """The entries of this member's message log that concern the calling member (its messages and receipts),
    for the caller to audit against its own log. Members only, by a signed request (`Authorization:
    TongbanMember <JWS>`)."""
    from django.conf import settings

    member = access_member(request)
    rows = list(LogEntry.objects.filter(peer=member.code, seq__gt=query.after).order_by("seq")[: query.limit])
    kids = {row.kid for row in rows}
    own_keys = [row.public_jwk for row in OwnKey.objects.filter(kid__in=kids)]
    return {
        "member": settings.TONGBAN_REGION_CODE,
        "entries": [entry_dict(r) for r in rows],
        "keys": own_keys,
    }


class CatalogueQuery(Schema):
    quarter: str = Field(default="", max_length=6, description="e.g. 2026Q4; the newest when empty")


class CatalogueOut(Schema):
    quarter: str
    catalogue: str = Field(
        description="the version as the coordinator signed it: a compact JWS, typ tongban-catalogue+jwt"
    )
    quarters: list[str] = Field(description="every quarter held here, newest first")


@router.get("/federation/catalogue", response=responses({200: CatalogueOut}, 404), auth=None)
def federation_catalogue(request, query: Query[CatalogueQuery]):
    """The region's item catalogue (长三角通办事项目录): the newest version held here, or the `quarter`'s, as
    the coordinator signed it. Public: members fetch it to catch up, and anyone may check it. 404
    `catalogue_not_found` when none (or not that quarter) is held."""
    from tongban.federation.catalogue import quarters, version_get

    row = version_get(query.quarter or None)
    return {"quarter": row.quarter, "catalogue": row.token, "quarters": quarters()}
