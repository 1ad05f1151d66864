"""Token Status Lists (draft-ietf-oauth-status-list): every signed licence has a random place in a list, and
the list tells offline verifiers each licence's status (0 valid, 1 invalid, 2 suspended) as a signed JWT."""

from __future__ import annotations

import base64
import secrets
import time
import zlib

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tongban.licences import keys
from tongban.licences.constants import STATUS_LIST_BITS, STATUS_LIST_SIZE, LicenceStatus
from tongban.licences.models import Licence
from tongban.licences.show import show_key

STATUS_VALID, STATUS_INVALID, STATUS_SUSPENDED = 0, 1, 2


def new_status_index() -> int:
    """A random, unused index for a new licence (random indices: a list says nothing about issuance order)."""
    return new_status_indices(1)[0]


def new_status_indices(count: int) -> list[int]:
    """``count`` distinct random unused indices, found with one query per round (a batch of imported licences
    gets its indices when it is signed). Refuses when the lists are nearly full: raise
    ``TONGBAN_STATUS_LIST_COUNT``."""
    capacity = STATUS_LIST_SIZE * max(1, settings.TONGBAN_STATUS_LIST_COUNT)
    chosen: set[int] = set()
    for _round in range(32):
        wanted = count - len(chosen)
        if wanted <= 0:
            break
        # More candidates than wanted, kept in the order drawn (each as random as the next), so that a round
        # seldom comes short when many places are taken.
        drawn = dict.fromkeys(secrets.randbelow(capacity) for _ in range(2 * wanted + 8))
        candidates = [c for c in drawn if c not in chosen]
        taken = set(
            Licence.objects.filter(status_index__in=candidates).values_list("status_index", flat=True)
        )
        chosen.update([c for c in candidates if c not in taken][:wanted])
    if len(chosen) < count:
        raise RuntimeError(
            "the Token Status Lists are nearly full: raise TONGBAN_STATUS_LIST_COUNT (docs/operations.md)"
        )
    return list(chosen)


def status_list_bytes(list_id: int) -> bytes:
    """The list's statuses, 2 bits each (0 valid, 1 invalid, 2 suspended), least significant bits first."""
    low, high = list_id * STATUS_LIST_SIZE, (list_id + 1) * STATUS_LIST_SIZE
    today = timezone.localdate()
    bits = bytearray(STATUS_LIST_SIZE * STATUS_LIST_BITS // 8)
    rows = (
        Licence.objects.filter(status_index__gte=low, status_index__lt=high)
        .not_in_force(today)
        .values_list("status_index", "status")
    )
    per_byte = 8 // STATUS_LIST_BITS
    for index, status in rows.iterator(chunk_size=5000):
        value = STATUS_SUSPENDED if status == LicenceStatus.SUSPENDED else STATUS_INVALID
        offset = index - low
        bits[offset // per_byte] |= value << ((offset % per_byte) * STATUS_LIST_BITS)
    return bytes(bits)


def status_list_uri(list_id: int) -> str:
    """The list's URI: the ``status.status_list.uri`` of the credentials with an index in it and the token's
    ``sub``, which must be equal (draft-ietf-oauth-status-list). Built from ``TONGBAN_PUBLIC_BASE_URL``, never
    from a request (whose host or query string would change it)."""
    return settings.TONGBAN_PUBLIC_BASE_URL + reverse("api:licence_status_list", kwargs={"list_id": list_id})


def status_list_token(list_id: int, *, ttl: int = 300) -> str:
    """The list as a Status List Token (JWT, ``typ: statuslist+jwt``, ``sub`` the list's URI) signed with the
    platform's key (low ``s``)."""
    key = show_key()
    now = int(time.time())
    compressed = zlib.compress(status_list_bytes(list_id), 9)
    payload = {
        "sub": status_list_uri(list_id),
        "iat": now,
        "exp": now + 24 * 3600,
        "ttl": ttl,
        "status_list": {
            "bits": STATUS_LIST_BITS,
            "lst": base64.urlsafe_b64encode(compressed).rstrip(b"=").decode(),
        },
    }
    return keys.sign_jwt(payload, key, {"typ": "statuslist+jwt"})


def status_of(status_list: bytes, index: int) -> int:
    """The status at ``index`` of a decompressed list (what an offline verifier does)."""
    per_byte = 8 // STATUS_LIST_BITS
    return (status_list[index // per_byte] >> ((index % per_byte) * STATUS_LIST_BITS)) & (
        (1 << STATUS_LIST_BITS) - 1
    )
