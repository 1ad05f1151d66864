"""Every row lock of the catalog, in one place: a service item (its versions change under it)."""

from __future__ import annotations

from tongban.catalog.models import ServiceItem


def lock_item(item: ServiceItem) -> ServiceItem:
    return ServiceItem.objects.select_for_update().get(pk=item.pk)
