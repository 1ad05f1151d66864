"""What other contexts may use of ratings (ADR 0008): they import this module only."""

from __future__ import annotations

from tongban.ratings.demo import DemoRatings, demo_load_ratings
from tongban.ratings.services import evaluation_from_pad

__all__ = ["DemoRatings", "demo_load_ratings", "evaluation_from_pad"]

# --- supervision's daily roll-ups (docs/domain/supervision.md §2) ------------------------------------------
from tongban.ratings.figures import (
    evaluation_day_rows,
    evaluation_days_touched_since,
    ticket_day_rows,
    ticket_days_touched_since,
)
from tongban.ratings.figures import first_day as evaluations_first_day

__all__ += [
    "evaluation_day_rows",
    "evaluation_days_touched_since",
    "evaluations_first_day",
    "ticket_day_rows",
    "ticket_days_touched_since",
]
