"""What other contexts may use of the front desk (ADR 0008): they import this module only."""

from __future__ import annotations

from tongban.frontdesk.demo import demo_load_frontdesk, demo_window_facts
from tongban.frontdesk.figures import centre_day_rows, window_days_touched_since
from tongban.frontdesk.services.exchange import (
    ServiceExportFacts,
    services_export_facts,
    window_uuids_in_scope,
)
from tongban.frontdesk.services.handout import (
    case_taken_in_by_centre_of,
    pad_ratings_since,
    window_centre_org_uuid,
    window_org_uuids,
)
from tongban.frontdesk.signals import pad_rated

__all__ = [
    "ServiceExportFacts",
    "case_taken_in_by_centre_of",
    "centre_day_rows",
    "demo_load_frontdesk",
    "demo_window_facts",
    "pad_rated",
    "pad_ratings_since",
    "services_export_facts",
    "window_centre_org_uuid",
    "window_days_touched_since",
    "window_org_uuids",
    "window_uuids_in_scope",
]
