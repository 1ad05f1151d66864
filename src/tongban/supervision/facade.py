"""What other contexts may use of supervision (ADR 0008): they import this module only."""

from __future__ import annotations

from tongban.supervision.demo import demo_load_supervision

__all__ = ["demo_load_supervision"]
