"""Reading evaluations: an evaluator sees only their own; which of them count in the figures."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tongban.core.actors import Actor
from tongban.ratings.constants import EXCLUDING_MARKS, MarkKind
from tongban.ratings.models import Evaluation, EvaluationMark, RatingInvitation, RatingInvitationOptOut


def evaluations_of_evaluator(actor: Actor) -> QuerySet[Evaluation]:
    """The actor's own evaluations, newest first (none for an actor without a user)."""
    if actor.id is None:
        return Evaluation.objects.none()
    return Evaluation.objects.filter(evaluator_user_id=actor.id).order_by("-created_at", "-id")


def evaluations_of_case_by(actor: Actor, case_uuid: str) -> list[Evaluation]:
    """The actor's evaluations of one case, by round."""
    return list(evaluations_of_evaluator(actor).filter(subject_uuid=case_uuid).order_by("round"))


# --- which evaluations count (ratings.md §4, §6, §9) -------------------------------------------------------
FLAG_KINDS = (MarkKind.SUSPECT, MarkKind.CLEARED, MarkKind.FRAUD_CONFIRMED)


def evaluation_status(evaluation: Evaluation) -> str:
    """ "excluded" when an appeal was upheld or a fraud confirmed (for good), "suspect" while its latest burst
    flag is not yet cleared, else "counted". The marks are read from the database (append-only rows)."""
    kinds = list(evaluation.marks.order_by("created_at", "id").values_list("kind", flat=True))
    if any(kind in EXCLUDING_MARKS for kind in kinds):
        return "excluded"
    flags = [kind for kind in kinds if kind in FLAG_KINDS]
    return "suspect" if flags and flags[-1] == MarkKind.SUSPECT else "counted"


def valid_evaluations(qs: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    """The evaluations of ``qs`` the figures count (§9): not excluded by an upheld appeal or a confirmed fraud,
    not a suspect still waiting for a supervisor. (Which round of an evaluator counts — the latest — is the
    figures' own step.)"""
    marks = EvaluationMark.objects.filter(evaluation=OuterRef("pk"))
    last_flag = marks.filter(kind__in=FLAG_KINDS).order_by("-created_at", "-id").values("kind")[:1]
    return (
        qs.alias(last_flag=Coalesce(Subquery(last_flag), Value("")))
        .exclude(Exists(marks.filter(kind__in=EXCLUDING_MARKS)))
        .exclude(last_flag=MarkKind.SUSPECT)
    )


# --- invitations (ratings.md §3) ---------------------------------------------------------------------------
AWAITING_DAYS = 30  # a case is evaluable for 30 days after its end (§1)


def cases_awaiting_rating(actor: Actor) -> QuerySet[RatingInvitation]:
    """The person's invitations of the last ``AWAITING_DAYS`` days whose case nobody has rated yet, newest
    first: what 我的评价 offers to rate."""
    if actor.id is None:
        return RatingInvitation.objects.none()
    rated = Evaluation.objects.filter(subject_uuid=OuterRef("case_uuid"))
    since = timezone.now() - timedelta(days=AWAITING_DAYS)
    return (
        RatingInvitation.objects.filter(user_id=actor.id, created_at__gte=since)
        .exclude(Exists(rated))
        .order_by("-created_at", "-id")
    )


def invitations_enabled(actor: Actor) -> bool:
    return actor.id is not None and not RatingInvitationOptOut.objects.filter(user_id=actor.id).exists()
