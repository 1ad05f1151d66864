"""What other contexts may use of supervision (ADR 0008): they import this module only."""

from __future__ import annotations

__all__: list[str] = []
