"""Row locks of the federation context. Order: the trust lists, the catalogue versions, own keys, then the log head (the last lock of any transaction
that writes the log); an outbound batch and an inbound message are locked in transactions of their own.

- The log head is locked while an entry is appended: entries take turns, so the chain never forks.
- Due outbound messages of one partner are claimed with SKIP LOCKED: two senders take different messages.
- An inbound message is locked while it is processed: a second processor finds it processed and does nothing."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from tongban.federation.constants import InStatus, OutStatus
from tongban.federation.models import (
    InboundMessage,
    LogHead,
    OutboundMessage,
    OwnKey,
    RemoteApplication,
    TrustList,
)


def lock_own_keys(purpose: str) -> list[OwnKey]:
    return list(OwnKey.objects.select_for_update().filter(purpose=purpose).order_by("id"))


def lock_log_head() -> LogHead:
    head = LogHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            LogHead.objects.create(pk=1)
    except IntegrityError:
        pass
    return LogHead.objects.select_for_update().get(pk=1)


def lock_trust_lists() -> TrustList | None:
    """The current trust list, locked (a newer one is accepted by one process at a time); None when none."""
    return TrustList.objects.select_for_update().order_by("-version").first()


def claim_due_outbound(peer: str, now: datetime, limit: int) -> list[OutboundMessage]:
    """Up to ``limit`` pending messages to ``peer`` that are due and not leased, oldest first, locked (the
    caller leases them and commits before it sends)."""
    from django.db.models import Q

    return list(
        OutboundMessage.objects.select_for_update(skip_locked=True)
        .filter(to_member=peer, status=OutStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .order_by("next_attempt_at", "id")[:limit]
    )


def lock_outbound(pk: int) -> OutboundMessage | None:
    return OutboundMessage.objects.select_for_update().filter(pk=pk).first()


def lock_inbound(pk: int) -> InboundMessage | None:
    return InboundMessage.objects.select_for_update().filter(pk=pk).exclude(status=InStatus.PROCESSED).first()


def lock_remote_application(*, ref, host: str) -> RemoteApplication | None:
    """An application sent to member ``host``, locked while an event of its case is applied."""
    try:
        return RemoteApplication.objects.select_for_update().filter(uuid=ref, host_member=host).first()
    except (ValueError, TypeError):
        return None


def lock_catalogue():
    """The newest regional catalogue version, locked, after the trust list in force (the region's mutex: a
    first version has no row to lock): one process at a time accepts a version. None when none is held."""
    from tongban.federation.models import CatalogueVersion

    lock_trust_lists()
    return CatalogueVersion.objects.select_for_update().order_by("-quarter").first()
