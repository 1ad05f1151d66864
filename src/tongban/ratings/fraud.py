"""Bursts are flagged, not dropped (docs/domain/ratings.md §4). Each evaluation given in a browser records its
origin — the device cookie and the client address, each HMAC'ed under the platform's secret, never the raw
address — and, within the rate limits, a burst marks every evaluation in it ``suspect``:

- more than ``BURST_COUNT`` evaluations in ``BURST_SECONDS`` from one device or one address, by more than one
  evaluator (cases of different applicants: one person rating their own cases from their phone is no burst);
- more than ``UNIT_BURST_COUNT`` evaluations of one unit in ``UNIT_BURST_SECONDS`` from one address.

A suspect evaluation is kept, shown to its evaluator as given, held out of the figures until a supervisor
clears it (selectors.valid_evaluations), and a 差评 still opens its ticket. The pad is exempt (a registered
device): its evaluations record no origin."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils.crypto import salted_hmac

from tongban.core.actors import SYSTEM
from tongban.ratings.appeals import evaluation_mark
from tongban.ratings.constants import (
    BURST_COUNT,
    BURST_SECONDS,
    UNIT_BURST_COUNT,
    UNIT_BURST_SECONDS,
    MarkKind,
)
from tongban.ratings.models import Evaluation, EvaluationMark, EvaluationOrigin

_SALT = "tongban.ratings.origin"
REASON_DEVICE = "同一设备短时间内为多人评价"
REASON_ADDRESS = "同一网络地址短时间内为多人评价"
REASON_UNIT = "同一网络地址短时间内集中评价同一单位"


def origin_hash(kind: str, value: str) -> str:
    """The keyed hash of a device id or an address ("" for none): comparable, not reversible without the
    platform's secret."""
    if not value:
        return ""
    return salted_hmac(f"{_SALT}.{kind}", value, algorithm="sha256").hexdigest()


def evaluation_guard(evaluation: Evaluation, *, device: str = "", address: str = "") -> list[Evaluation]:
    """Record where ``evaluation`` came from and flag the burst it completes, if any (in the evaluation's
    transaction). Returns the evaluations marked suspect now."""
    origin = origin_record(evaluation, device=device, address=address)
    return bursts_flag(origin) if origin is not None else []


def origin_record(evaluation: Evaluation, *, device: str = "", address: str = "") -> EvaluationOrigin | None:
    device_hash, address_hash = origin_hash("device", device), origin_hash("address", address)
    if not device_hash and not address_hash:
        return None
    return EvaluationOrigin.objects.create(
        evaluation=evaluation,
        device_hash=device_hash,
        address_hash=address_hash,
        created_at=evaluation.created_at,
    )


def bursts_flag(origin: EvaluationOrigin) -> list[Evaluation]:
    """The burst rules over the origins before ``origin`` (its own evaluation included)."""
    at = origin.created_at
    recent = EvaluationOrigin.objects.filter(
        created_at__gt=at - timedelta(seconds=BURST_SECONDS), created_at__lte=at
    ).select_related("evaluation")
    flagged: dict[int, str] = {}
    for field, reason in (("device_hash", REASON_DEVICE), ("address_hash", REASON_ADDRESS)):
        key = getattr(origin, field)
        if not key:
            continue
        burst = [o.evaluation for o in recent.filter(**{field: key})]
        evaluators = {e.evaluator_user_id for e in burst}
        if len(burst) > BURST_COUNT and len(evaluators) > 1:
            for e in burst:
                flagged.setdefault(e.pk, reason)
    if origin.address_hash:
        unit = origin.evaluation.unit_uuid
        same_unit = EvaluationOrigin.objects.filter(
            address_hash=origin.address_hash,
            evaluation__unit_uuid=unit,
            created_at__gt=at - timedelta(seconds=UNIT_BURST_SECONDS),
            created_at__lte=at,
        ).select_related("evaluation")
        burst = [o.evaluation for o in same_unit]
        if len(burst) > UNIT_BURST_COUNT:
            for e in burst:
                flagged.setdefault(e.pk, REASON_UNIT)
    return _mark_suspect(flagged)


def _mark_suspect(flagged: dict[int, str]) -> list[Evaluation]:
    """Mark each evaluation suspect once (one already flagged, cleared or confirmed is left as it is: a
    supervisor's decision is not reopened by the same burst)."""
    if not flagged:
        return []
    done = set(
        EvaluationMark.objects.filter(
            Q(evaluation_id__in=flagged.keys()),
            Q(kind__in=[MarkKind.SUSPECT, MarkKind.CLEARED, MarkKind.FRAUD_CONFIRMED]),
        ).values_list("evaluation_id", flat=True)
    )
    marked = []
    for evaluation in Evaluation.objects.filter(pk__in=set(flagged) - done).order_by("created_at", "id"):
        evaluation_mark(
            actor=SYSTEM, evaluation=evaluation, kind=MarkKind.SUSPECT, reason=flagged[evaluation.pk]
        )
        marked.append(evaluation)
    return marked
