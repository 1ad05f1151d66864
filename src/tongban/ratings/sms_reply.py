"""Rating by SMS reply (channel 短信, docs/domain/ratings.md §1, §3): the invitation SMS says "回复 1–5 评价"; the
SMS provider posts the reply to the platform (`POST /api/ratings/sms-replies`, with the shared secret of
``TONGBAN_SMS_INBOUND_SECRET``); a reply "1"–"5", with any words after it, is round 1 of the latest case the
phone's account was invited to rate within ``REPLY_DAYS``, as that person, through ``services.evaluate_case``.
A 差评 by SMS needs no reason (there is no form): its ticket's handler calls the person. Anything else is
answered with a code and writes nothing; the provider's message id makes a repeated delivery harmless (the
round is given: ``already_rated``)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from tongban.accounts.facade import actor_for_user_id, caller_by_phone, throttle_hit
from tongban.cases.facade import CaseNotFound
from tongban.core.errors import DomainError
from tongban.core.identifiers import validate_phone
from tongban.ratings import services
from tongban.ratings.access import access_case_to_rate, require_may_rate_case
from tongban.ratings.constants import TEXT_MAX, Channel
from tongban.ratings.errors import AlreadyRated
from tongban.ratings.models import Evaluation, RatingInvitation

REPLY_DAYS = 7  # a reply counts within a week of the invitation
REPLIES_PER_PHONE_HOUR = 10
_REPLY = re.compile(r"^\s*([1-5])(?:\s+|[,，.。:：]\s*|$)(.*)$", re.S)


def sms_reply_receive(*, phone: str, text: str) -> str:
    """One reply from ``phone``; answers what became of it: ``rated``, ``already_rated``, ``not_a_rating``,
    ``no_invitation``, ``throttled``, or a refusal's code (e.g. ``rating_own_service``)."""
    try:
        phone = validate_phone(phone)
    except DomainError:
        return "no_invitation"
    if not throttle_hit("ratings_sms_reply", phone, limit=REPLIES_PER_PHONE_HOUR, window=3600):
        return "throttled"
    match = _REPLY.match(text or "")
    if match is None:
        return "not_a_rating"
    level, words = int(match.group(1)), match.group(2).strip()[:TEXT_MAX]
    caller = caller_by_phone(phone)
    if caller is None:
        return "no_invitation"
    user_id = caller[0]
    since = timezone.now() - timedelta(days=REPLY_DAYS)
    invited = RatingInvitation.objects.filter(
        user_id=user_id, first_sent_at__gte=since, sms_count__gte=1
    ).order_by("-first_sent_at", "-id")
    rated = set(
        Evaluation.objects.filter(
            evaluator_user_id=user_id, subject_uuid__in=[i.case_uuid for i in invited]
        ).values_list("subject_uuid", flat=True)
    )
    invitation = next((i for i in invited if i.case_uuid not in rated), None)
    if invitation is None:
        return "already_rated" if invited else "no_invitation"
    actor = actor_for_user_id(user_id)
    if actor is None:
        return "no_invitation"
    try:
        case = access_case_to_rate(actor=actor, case_uuid=invitation.case_uuid)
        require_may_rate_case(actor, case)
        services.evaluate_case(
            actor=actor,
            case=case,
            round=1,
            level=level,
            text=words,
            channel=Channel.SMS,
            reason_needed=False,
        )
    except AlreadyRated:
        return "already_rated"
    except CaseNotFound:
        return "no_invitation"
    except DomainError as exc:
        return str(exc.code)
    return "rated"
