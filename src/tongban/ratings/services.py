"""Writing evaluations (好差评): 一事一评 of a case by its applicant side, and 一次一评 from the window's pad.
An evaluation is written once and never changed (docs/domain/ratings.md §4)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import user_masked_label
from tongban.cases.facade import RatingCase
from tongban.core.actors import SYSTEM, Actor
from tongban.core.audit import audit_record
from tongban.ratings.access import require_may_rate_case
from tongban.ratings.constants import (
    BAD_LEVELS,
    CHANNEL_CLASS,
    INDICATOR_TEMPLATES,
    ROUNDS,
    SECOND_ROUND_DAYS,
    TEMPLATE_LEVEL_ONLY,
    TEMPLATE_VERSION,
    TEXT_MAX,
    Channel,
    EvaluationKind,
    IndicatorClass,
    Level,
    UnitKind,
)
from tongban.ratings.errors import AlreadyRated, RatingError, RatingInvalid, RoundsUsed, SecondRoundClosed
from tongban.ratings.fraud import evaluation_guard
from tongban.ratings.models import Evaluation
from tongban.ratings.tickets import ticket_open_for_evaluation
from tongban.ratings.uploads import upload_enqueue


def indicator_choices(channel: str, version: int = TEMPLATE_VERSION) -> tuple[tuple[str, str], ...]:
    """The second-level indicators a channel's class offers in a template version."""
    cls = CHANNEL_CLASS.get(Channel(channel), IndicatorClass.OFFLINE)
    return INDICATOR_TEMPLATES[version][cls]


def _clean(
    *, level: Any, indicators: Any, text: Any, channel: str, reason_needed: bool = True
) -> tuple[int, list[str], str]:
    try:
        value = int(level)
    except (TypeError, ValueError):
        value = 0
    if value not in Level.values:
        raise RatingInvalid(RatingError.RATING_LEVEL_INVALID, _("请选择一个满意度等级"), field="level")
    allowed = [code for code, _label in indicator_choices(channel)]
    chosen = list(dict.fromkeys(str(code) for code in (indicators or [])))
    unknown = [code for code in chosen if code not in allowed]
    if unknown:
        raise RatingInvalid(
            RatingError.RATING_INDICATOR_INVALID, _("评价指标无效"), field="indicators", unknown=unknown[:10]
        )
    text = str(text or "").strip()
    if len(text) > TEXT_MAX:
        raise RatingInvalid(RatingError.RATING_TEXT_TOO_LONG, _("文字评价不能超过 500 字"), field="text")
    if reason_needed and value in BAD_LEVELS and not chosen and not text:
        # A 差评 says what fell short, so that its ticket knows what to verify (ratings.md §2).
        raise RatingInvalid(
            RatingError.RATING_REASON_REQUIRED,
            _("差评请至少选择一项不满意的方面或填写意见"),
            field="indicators",
        )
    return value, [code for code in allowed if code in chosen], text


def next_round(earlier: list[Evaluation]) -> int | None:
    """The round the evaluator may give next (1, then one 追评), None when both are given."""
    return len(earlier) + 1 if len(earlier) < ROUNDS else None


def evaluate_case(
    *,
    actor: Actor,
    case: RatingCase,
    round: Any,
    level: Any,
    indicators: Any = (),
    text: Any = "",
    anonymous: bool = False,
    channel: str = Channel.PC,
    device: str = "",
    address: str = "",
    reason_needed: bool = True,
) -> Evaluation:
    """一事一评: the applicant side rates an ended case (``case`` from access.access_case_to_rate), in round 1 and
    then, within ``SECOND_ROUND_DAYS`` of it, once more (追评). The round is named by the caller, so a retry of
    the same round answers 409 ``already_rated`` and writes nothing; a third is 409 ``rating_rounds_used``.
    ``device`` (the device cookie, channels.device_key) and ``address`` (the client address) are recorded
    hashed for the burst rule (fraud.py), which may mark it and others suspect."""
    require_may_rate_case(actor, case)
    user_id = actor.require_user_id()
    value, chosen, text = _clean(
        level=level, indicators=indicators, text=text, channel=channel, reason_needed=reason_needed
    )
    earlier = list(
        Evaluation.objects.filter(subject_uuid=case.uuid, evaluator_user_id=user_id).order_by("round")
    )
    expected = next_round(earlier)
    if expected is None:
        raise RoundsUsed()
    try:
        wanted = int(round)
    except (TypeError, ValueError):
        wanted = 0
    if wanted in {e.round for e in earlier}:
        raise AlreadyRated()
    if wanted != expected:
        raise RatingInvalid(RatingError.RATING_ROUND_INVALID, _("评价轮次无效"), field="round")
    if earlier and timezone.now() - earlier[0].created_at > timedelta(days=SECOND_ROUND_DAYS):
        raise SecondRoundClosed()
    evaluation = Evaluation(
        kind=EvaluationKind.CASE,
        subject_uuid=case.uuid,
        subject_label=case.number,
        channel=Channel(channel),
        evaluator_user_id=user_id,
        evaluator_label=actor.label,
        round=wanted,
        level=value,
        template_version=TEMPLATE_VERSION,
        indicators=chosen,
        text=text,
        anonymous=bool(anonymous),
        unit_kind=UnitKind.DEPARTMENT,
        unit_uuid=case.lead_department_uuid,
        unit_name=case.lead_department_name,
    )
    try:
        with transaction.atomic():
            evaluation.save()
            _audit(actor, evaluation)
            ticket_open_for_evaluation(evaluation)  # every 差评 opens its ticket (ratings.md §5)
            upload_enqueue(evaluation)
            evaluation_guard(evaluation, device=device, address=address)  # a burst is flagged, not dropped
    except IntegrityError as exc:  # the same round written at once by a concurrent retry
        raise AlreadyRated() from exc
    return evaluation


def evaluation_from_pad(
    *,
    session_uuid,
    service_uuid,
    window_uuid,
    window_name: str,
    centre_name: str,
    score: int,
    comment: str = "",
    rated_at=None,
    evaluator_user_id: int | None = None,
    channel: str = Channel.HALL_TABLET,
) -> Evaluation | None:
    """一次一评 from the window's pad: round 1, level only (template version 0); the evaluator is the applicant
    the clerk identified (None for a walk-in nobody identified). Written once per pad session (a second
    delivery of the same rating writes nothing and returns None). The pad is a registered device: exempt from
    the device and address keys, it records no origin (fraud.py)."""
    evaluation = Evaluation(
        kind=EvaluationKind.SERVICE,
        subject_uuid=service_uuid,
        subject_label=str(window_name),
        channel=channel,
        evaluator_user_id=evaluator_user_id,
        evaluator_label=user_masked_label(evaluator_user_id) if evaluator_user_id else "",
        round=1,
        level=int(score),
        template_version=TEMPLATE_LEVEL_ONLY,
        indicators=[],
        text=str(comment or "").strip()[:TEXT_MAX],
        anonymous=False,
        unit_kind=UnitKind.WINDOW,
        unit_uuid=window_uuid,
        unit_name=str(window_name),
        centre_name=str(centre_name),
        pad_session_uuid=session_uuid,
        created_at=rated_at or timezone.now(),
    )
    try:
        with transaction.atomic():
            evaluation.save()
            _audit(SYSTEM, evaluation)
            ticket_open_for_evaluation(evaluation)
            upload_enqueue(evaluation)
    except IntegrityError:
        return None
    return evaluation


# Where a window service was rated (frontdesk's PadSession.rated_via) → its 好差评 channel (ratings.md §1).
PAD_CHANNELS = {"tablet": Channel.HALL_TABLET, "qr": Channel.QR, "terminal": Channel.HALL_TERMINAL}


def pad_rated_receiver(sender, **facts) -> None:
    """The front desk's ``pad_rated`` signal (sent after the pad rating's commit)."""
    evaluation_from_pad(
        session_uuid=facts["session_uuid"],
        service_uuid=facts["service_uuid"],
        window_uuid=facts["window_uuid"],
        window_name=facts.get("window_name", ""),
        centre_name=facts.get("centre_name", ""),
        score=facts["score"],
        comment=facts.get("comment", ""),
        rated_at=facts.get("rated_at"),
        evaluator_user_id=facts.get("applicant_user_id"),
        channel=PAD_CHANNELS.get(facts.get("via", ""), Channel.HALL_TABLET),
    )


def _audit(actor: Actor, evaluation: Evaluation) -> None:
    # The object and the level, never the evaluator's identifiers in clear (the actor's label is masked).
    audit_record(
        actor=actor,
        action="ratings.evaluate",
        object_type="evaluation",
        object_id=evaluation.uuid,
        after={"kind": evaluation.kind, "subject": str(evaluation.subject_uuid), "level": evaluation.level},
    )
