"""Federation tasks: send a partner's due messages, process a received one, and the sweep."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task(queue_name="default")
def federation_drain(*, peer: str) -> dict:
    from tongban.federation.messages import drain

    result = drain(peer)
    return {"delivered": result.delivered, "failed": result.failed, "deferred": result.deferred}


@task(queue_name="default")
def federation_process(*, inbound_id: int) -> str:
    from tongban.federation.messages import process

    return process(inbound_id)


def sweep() -> dict:
    """Messages due again to every partner, inbound messages not yet processed, the trust list and the regional
    item catalogue when due."""
    from django.conf import settings
    from django.core.cache import cache

    from tongban.federation import trust
    from tongban.federation.catalogue import catalogue_pull
    from tongban.federation.messages import drain, due_peers, open_inbound, process
    from tongban.federation.services import trust_list_pull

    counts = {"delivered": 0, "deferred": 0, "failed": 0, "processed": 0, "trust_list": 0}
    if trust.current() is None and not settings.TONGBAN_FEDERATION_COORDINATOR_URL:
        return counts
    catalogue = None
    if cache.add("federation:pull", 1, timeout=settings.TONGBAN_FEDERATION_PULL_MINUTES * 60):
        counts["trust_list"] = trust_list_pull() or 0
        catalogue = catalogue_pull()
    for peer in due_peers():
        result = drain(peer)
        counts["delivered"] += result.delivered
        counts["deferred"] += result.deferred
        counts["failed"] += result.failed
    for pk in open_inbound():
        counts["processed"] += process(pk) == "processed"
    return {**counts, "catalogue": catalogue} if catalogue else counts


def maintenance_receiver(**_kwargs) -> dict[str, int]:
    """The sweep's counts, flat as every context's (``federation_delivered`` …); nothing when not federated."""
    return {f"federation_{name}": int(count) for name, count in sweep().items() if count}
