"""What the 好差评 exchange formats need of window services (ratings' exports and national upload): the
cases a service worked on (一次一评 is exported once per case) and where its window is. In batches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from tongban.frontdesk.models import Service, Window


@dataclass(frozen=True)
class ServiceExportFacts:
    uuid: str
    case_uuids: tuple[str, ...]
    centre_org_uuid: str
    centre_org_path: str
    division_code: str  # the centre's


def services_export_facts(service_uuids: Iterable[str]) -> dict[str, ServiceExportFacts]:
    """:class:`ServiceExportFacts` of several services, by uuid (unknown uuids left out). One query."""
    keys = {str(u) for u in service_uuids}
    if not keys:
        return {}
    rows = Service.objects.filter(uuid__in=keys).values_list(
        "uuid", "case_uuids", "centre__org_uuid", "centre__org_path", "centre__division_code"
    )
    return {
        str(u): ServiceExportFacts(str(u), tuple(str(c) for c in cases or ()), str(org), path, code)
        for u, cases, org, path, code in rows
    }


def window_uuids_in_scope(paths: list[str]) -> list[str]:
    """The windows of the centres inside the subtrees ``paths`` (an actor's ``org_paths``)."""
    if not paths:
        return []
    scope = Q(pk__in=[])
    for path in paths:
        scope |= Q(centre__org_path__startswith=path)
    return [str(u) for u in Window.objects.filter(scope).values_list("uuid", flat=True)]
