"""The demo's roll-ups: count the days the demo data touched, so the dashboards show it at once."""

from __future__ import annotations

from tongban.supervision.rollup import rollup_run


def demo_load_supervision() -> int:
    """Bring the daily roll-ups up to date with the demo data (the incremental run: on a fresh database every
    day, on a reload or a large database only the days the demo touched); the number of days counted."""
    done = rollup_run()
    return max(n for family, n in done.items() if family != "months")
