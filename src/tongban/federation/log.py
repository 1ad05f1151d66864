"""The message log: append-only, hash-chained and signed, on both sides of every exchange (X-Road's message log,
docs/domain/federation.md §6).

Each entry records one signed document that crossed (or was accepted) here — a message sent or received, a
receipt sent or received, a trust list accepted — by its SHA-256 digest, never its content. Its hash is
``SHA-256(prev_hash || "\\n" || canonical entry)`` and is signed with this member's messaging key. A partner
audits the entries that concern it (``GET /api/federation/log``): every message it sent here must appear as
``in``, with the digest of what it sent, under this member's signature."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

from tongban.federation import keys
from tongban.federation.models import LogEntry


def entry_text(
    *, seq: int, at: datetime, direction: str, peer: str, message_id: object, type: str, digest: str
) -> bytes:
    """The canonical form of an entry's fields (what its hash covers)."""
    return json.dumps(
        {
            "seq": seq,
            "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "direction": direction,
            "peer": peer,
            "message_id": str(message_id) if message_id else "",
            "type": type,
            "digest": digest,
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()


def chain_hash(prev_hash: str, text: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + text).hexdigest()


def log_append(
    *, direction: str, peer: str, message_id: uuid.UUID | str | None, type: str, text: str
) -> LogEntry:
    """Append an entry for the signed document ``text`` (call inside the transaction that stores it)."""
    from tongban.federation.locks import lock_log_head

    head = lock_log_head()
    seq, at = head.seq + 1, timezone.now()
    fields = {
        "direction": direction,
        "peer": peer,
        "message_id": message_id,
        "type": type[:64],
        "digest": keys.digest(text),
    }
    entry_hash = chain_hash(head.hash, entry_text(seq=seq, at=at, **fields))
    kid, signature = keys.sign_raw(bytes.fromhex(entry_hash))
    entry = LogEntry.objects.create(
        seq=seq, at=at, prev_hash=head.hash, hash=entry_hash, kid=kid, signature=signature, **fields
    )
    head.seq, head.hash = seq, entry_hash
    head.save(update_fields=["seq", "hash"])
    return entry


def entry_dict(entry: LogEntry) -> dict:
    return {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "direction": entry.direction,
        "peer": entry.peer,
        "message_id": str(entry.message_id) if entry.message_id else "",
        "type": entry.type,
        "digest": entry.digest,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "kid": entry.kid,
        "signature": entry.signature,
    }


@dataclass
class ChainCheck:
    entries: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_entry(data: dict, jwks_by_kid: dict[str, dict]) -> list[str]:
    """What is wrong with one exported entry: its hash over its fields, and its signature."""
    problems = []
    at = datetime.fromisoformat(data["at"].replace("Z", "+00:00"))
    text = entry_text(
        seq=data["seq"],
        at=at,
        direction=data["direction"],
        peer=data["peer"],
        message_id=data["message_id"],
        type=data["type"],
        digest=data["digest"],
    )
    if chain_hash(data["prev_hash"], text) != data["hash"]:
        problems.append(f"#{data['seq']}: hash")
    jwk = jwks_by_kid.get(data["kid"])
    if jwk is None or not keys.verify_raw(bytes.fromhex(data["hash"]), data["signature"], jwk):
        problems.append(f"#{data['seq']}: signature")
    return problems


def log_verify(*, jwks_by_kid: dict[str, dict] | None = None, batch: int = 5000) -> ChainCheck:
    """Check this member's whole log: contiguous sequence, each hash over the previous and the entry, each
    signature by one of this member's messaging keys (active or retired)."""
    from tongban.federation.models import OwnKey

    if jwks_by_kid is None:
        jwks_by_kid = {row.kid: row.public_jwk for row in OwnKey.objects.filter(purpose="messaging")}
    problems: list[str] = []
    prev, expected, count = "0" * 64, 1, 0
    last = 0
    while True:
        rows = list(LogEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            break
        for entry in rows:
            data = entry_dict(entry)
            if entry.seq != expected:
                problems.append(f"#{entry.seq}: expected #{expected}")
            if entry.prev_hash != prev:
                problems.append(f"#{entry.seq}: prev_hash")
            problems += check_entry(data, jwks_by_kid)
            prev, expected, count, last = entry.hash, entry.seq + 1, count + 1, entry.seq
    return ChainCheck(count, problems)
