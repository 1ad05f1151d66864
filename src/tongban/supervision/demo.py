"""The demo's roll-ups: count every day of the demo data, so the dashboards show it at once."""

from __future__ import annotations

from tongban.supervision.rollup import rollup_rebuild


def demo_load_supervision() -> int:
    """Rebuild the daily roll-ups from the demo data; the number of days counted."""
    return rollup_rebuild()
