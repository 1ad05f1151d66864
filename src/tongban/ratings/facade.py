"""What other contexts may use of ratings (ADR 0008): they import this module only."""

from __future__ import annotations

from tongban.ratings.services import evaluation_from_pad

__all__ = ["evaluation_from_pad"]
