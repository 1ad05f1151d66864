"""What other contexts may use of the seals context (ADR 0008): they import this module only."""

from __future__ import annotations
