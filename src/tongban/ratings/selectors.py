"""Reading evaluations: an evaluator sees only their own."""

from __future__ import annotations

from django.db.models import QuerySet

from tongban.core.actors import Actor
from tongban.ratings.models import Evaluation


def evaluations_of_evaluator(actor: Actor) -> QuerySet[Evaluation]:
    """The actor's own evaluations, newest first (none for an actor without a user)."""
    if actor.id is None:
        return Evaluation.objects.none()
    return Evaluation.objects.filter(evaluator_user_id=actor.id).order_by("-created_at", "-id")


def evaluations_of_case_by(actor: Actor, case_uuid: str) -> list[Evaluation]:
    """The actor's evaluations of one case, by round."""
    return list(evaluations_of_evaluator(actor).filter(subject_uuid=case_uuid).order_by("round"))
