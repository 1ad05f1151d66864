"""Auditing a partner's message log against ours (X-Road style: each side can prove what crossed).

The partner's entries that concern us are fetched with a signed request; each is checked — its hash over its
fields and the previous hash, its signature by a messaging key of the partner's — and matched with ours: every
message we sent that it acknowledged must be in its log as received, with the digest of what we sent; every
message it sent us must be in its log as sent; every receipt we hold must be in its log as sent, and the other
way round."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from tongban.federation import trust
from tongban.federation.constants import LogDirection, OutStatus
from tongban.federation.log import check_entry
from tongban.federation.models import LogEntry, OutboundMessage
from tongban.federation.services import request_header
from tongban.federation.transport import get_json

# Our entry's direction → the partner's entry for the same document.
MIRROR = {
    LogDirection.OUT: LogDirection.IN,
    LogDirection.IN: LogDirection.OUT,
    LogDirection.RECEIPT_IN: LogDirection.RECEIPT_OUT,
    LogDirection.RECEIPT_OUT: LogDirection.RECEIPT_IN,
}


@dataclass
class AuditReport:
    peer: str
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def fetch_peer_log(peer: str) -> tuple[list[dict], list[dict]]:
    member = trust.require_current().member(peer)
    entries: list[dict] = []
    offered: list[dict] = []
    after = 0
    while True:
        path = "/api/federation/log"
        answer = get_json(
            f"{member.base_url}{path}",
            headers=request_header(to=peer, method="GET", path=path),
            params={"after": after, "limit": 5000},
        )
        if not answer.ok:
            raise RuntimeError(f"the partner refused: {answer.data.get('code', answer.status)}")
        page = answer.data["entries"]
        entries += page
        offered += answer.data.get("keys", [])
        if len(page) < 5000:
            return entries, offered
        after = page[-1]["seq"]


def audit_peer(peer: str) -> AuditReport:
    report = AuditReport(peer)
    member = trust.require_current().member(peer)
    entries, offered = fetch_peer_log(peer)
    listed = {jwk["kid"]: jwk for jwk in member.keys["messaging"]}
    # A key the partner retired is no longer listed; it offers it, and it must have signed before we
    # learnt of its successor: accepted, since the entries are also matched against our own digests.
    keys_by_kid = {**{jwk["kid"]: jwk for jwk in offered if isinstance(jwk, dict) and "kid" in jwk}, **listed}
    theirs: dict[tuple[str, str, str], dict] = {}
    for data in entries:
        report.problems += [f"{peer} {problem}" for problem in check_entry(data, keys_by_kid)]
        if data["peer"] != settings.TONGBAN_REGION_CODE:
            report.problems.append(f"{peer} #{data['seq']}: not about us")
        theirs[(data["direction"], data["message_id"], data["digest"])] = data
    ours = (
        LogEntry.objects.filter(peer=peer)
        .exclude(direction__in=[LogDirection.TRUST_LIST, LogDirection.CATALOGUE])
        .order_by("seq")
    )
    undelivered = set(
        str(u)
        for u in OutboundMessage.objects.filter(to_member=peer)
        .exclude(status=OutStatus.DELIVERED)
        .values_list("uuid", flat=True)
    )
    for entry in ours.iterator():
        message_id = str(entry.message_id)
        if entry.direction == LogDirection.OUT and message_id in undelivered:
            continue  # not acknowledged yet: the partner may not have it
        report.checked += entry.direction == LogDirection.OUT
        key = (MIRROR[entry.direction], message_id, entry.digest)
        if key not in theirs:
            report.problems.append(
                f"ours #{entry.seq} {entry.direction} {message_id}: missing in {peer}'s log"
            )
    return report
