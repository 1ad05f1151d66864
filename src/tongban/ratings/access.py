"""Who may rate what (docs/domain/ratings.md §1, §4). A case the actor did not apply for does not exist for
them (404 ``case_not_found``); staff who took part in it are refused (403 ``rating_own_service``); an open
case cannot be rated yet (409 ``case_not_ended``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import throttle_hit
from tongban.cases.facade import RatingCase, access_case_for_rating
from tongban.core.actors import Actor
from tongban.core.errors import Throttled
from tongban.ratings.constants import RATE_LIMIT_ACCOUNT, RATE_LIMIT_ADDRESS, RATE_LIMIT_WINDOW
from tongban.ratings.errors import CaseNotEnded, RatingOwnService


def access_case_to_rate(*, actor: Actor, case_uuid) -> RatingCase:
    """The case, as its applicant side sees it for rating (404 for anyone else but its own staff)."""
    return access_case_for_rating(actor=actor, case_uuid=case_uuid)


def require_may_rate_case(actor: Actor, case: RatingCase) -> None:
    if case.staff_involved:
        raise RatingOwnService()
    if not case.ended:
        raise CaseNotEnded()


def require_rating_allowed(actor: Actor, client: str) -> None:
    """429 ``throttled`` past the hourly limits per account and per client address (ratings.md §4)."""
    account_ok = throttle_hit(
        "ratings_account", str(actor.id or "-"), limit=RATE_LIMIT_ACCOUNT, window=RATE_LIMIT_WINDOW
    )
    address_ok = throttle_hit(
        "ratings_address", client or "-", limit=RATE_LIMIT_ADDRESS, window=RATE_LIMIT_WINDOW
    )
    if not (account_ok and address_ok):
        raise Throttled(message=_("评价过于频繁，请稍后再试"))
