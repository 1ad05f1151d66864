"""What other contexts may use of cases (ADR 0008): for now the demo loader, which the portal's demo
command runs after the identity, catalog and licence demos."""

from __future__ import annotations

from tongban.cases.demo import demo_load_cases

__all__ = ["demo_load_cases"]
