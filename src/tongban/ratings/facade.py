"""What other contexts may use of ratings (ADR 0008): they import this module only."""

from __future__ import annotations

from tongban.ratings.constants import Level
from tongban.ratings.demo import DemoRatings, demo_load_ratings
from tongban.ratings.selectors import (
    PUBLIC_REVIEWS_MAX,
    PublicReview,
    SupervisedTicket,
    public_reviews,
    supervision_tickets,
)
from tongban.ratings.selectors import SUPERVISION_FIGURES as SUPERVISION_TICKET_FIGURES
from tongban.ratings.services import evaluation_from_pad

__all__ = [
    "PUBLIC_REVIEWS_MAX",
    "SUPERVISION_TICKET_FIGURES",
    "DemoRatings",
    "Level",
    "PublicReview",
    "SupervisedTicket",
    "demo_load_ratings",
    "evaluation_from_pad",
    "public_reviews",
    "supervision_tickets",
]

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

# --- supervision's blind-spot report (issue 19 §4): the masked words of 差评 and complaints -----------------
from tongban.ratings.masking import mask_free_text  # noqa: E402
from tongban.ratings.texts import (  # noqa: E402
    RatingText,
    bad_review_texts,
    bad_review_texts_between,
    complaint_texts,
    complaint_texts_between,
)

__all__ += [
    "RatingText",
    "bad_review_texts",
    "bad_review_texts_between",
    "complaint_texts",
    "complaint_texts_between",
    "mask_free_text",
]

# --- 12345 一号通办 between members (ratings.md §7): the federation fills the port and delivers the messages ---
from tongban.ratings.region import RegionLink, RegionMember, region_link_set  # noqa: E402
from tongban.ratings.transfers import TransferMalformed  # noqa: E402
from tongban.ratings.transfers import transfer_receive as hotline_transfer_receive  # noqa: E402
from tongban.ratings.transfers import transfer_status_receive as hotline_status_receive  # noqa: E402

__all__ += [
    "RegionLink",
    "RegionMember",
    "TransferMalformed",
    "hotline_status_receive",
    "hotline_transfer_receive",
    "region_link_set",
]
