"""Reads of the published catalogue."""

from __future__ import annotations

from django.db.models import QuerySet

from tongban.catalog.constants import VersionStatus
from tongban.catalog.models import ItemVersion


def published_version_list() -> QuerySet[ItemVersion]:
    return (
        ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("item")
        .order_by("name", "id")
    )


def published_version_get(*, item_uuid) -> ItemVersion | None:
    return (
        ItemVersion.objects.filter(item__uuid=item_uuid, status=VersionStatus.PUBLISHED)
        .select_related("item")
        .prefetch_related("materials")
        .first()
    )


def bundle_list_all():
    from tongban.catalog.models import Bundle

    return Bundle.objects.order_by("name", "id").prefetch_related("steps__item_version__item")
