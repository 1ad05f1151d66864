"""What other contexts may use of ratings (ADR 0008): they import this module only."""

from __future__ import annotations

from tongban.ratings.constants import Level
from tongban.ratings.selectors import PUBLIC_REVIEWS_MAX, PublicReview, public_reviews
from tongban.ratings.services import evaluation_from_pad

__all__ = ["PUBLIC_REVIEWS_MAX", "Level", "PublicReview", "evaluation_from_pad", "public_reviews"]
