"""Who may rate what (docs/domain/ratings.md §1, §4). A case the actor did not apply for does not exist for
them (404 ``case_not_found``); staff who took part in it are refused (403 ``rating_own_service``); an open
case cannot be rated yet (409 ``case_not_ended``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import Role, organisation_uuids_in_scope, throttle_hit
from tongban.cases.facade import RatingCase, access_case_for_rating
from tongban.core.actors import Actor, ActorKind
from tongban.core.errors import Throttled
from tongban.frontdesk.facade import window_uuids_in_scope
from tongban.ratings.constants import RATE_LIMIT_ACCOUNT, RATE_LIMIT_ADDRESS, RATE_LIMIT_WINDOW
from tongban.ratings.errors import CaseNotEnded, RatingExportForbidden, RatingOwnService
from tongban.ratings.models import Evaluation


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


EXPORT_ROLES = frozenset({Role.SUPERVISOR})
_BEIJING = ZoneInfo("Asia/Shanghai")


def access_evaluations_for_export(*, actor: Actor, date_from: date, date_to: date) -> QuerySet[Evaluation]:
    """The evaluations given from ``date_from`` to ``date_to`` (Beijing dates, both included) that the actor
    may export (ratings.md §8): all for a platform administrator and for the system (the operator's
    command); for a supervisor those of the units in their subtrees (departments, and the windows of the
    centres there); 403 ``rating_export_forbidden`` for anyone else."""
    start = datetime.combine(date_from, time.min, tzinfo=_BEIJING)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=_BEIJING)
    evaluations = Evaluation.objects.filter(created_at__gte=start, created_at__lt=end)
    if actor.kind == ActorKind.SYSTEM or actor.is_platform_admin:
        return evaluations
    paths = actor.org_paths(EXPORT_ROLES) if actor.kind == ActorKind.USER else []
    if not paths:
        raise RatingExportForbidden()
    units = organisation_uuids_in_scope(paths) + window_uuids_in_scope(paths)
    return evaluations.filter(unit_uuid__in=units)
