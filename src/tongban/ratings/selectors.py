"""Reading evaluations: an evaluator sees only their own; which of them count in the figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tongban.core.actors import Actor
from tongban.ratings.constants import EXCLUDING_MARKS, MarkKind, TicketStatus
from tongban.ratings.models import (
    Evaluation,
    EvaluationMark,
    RatingInvitation,
    RatingInvitationOptOut,
)


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


# --- the 差评 tickets behind a figure of supervision's dashboards (docs/domain/supervision.md §2) -----------
SUPERVISION_FIGURES = ("bad_due_unfixed", "not_revisited")
SUPERVISION_LIST_CAP = 1000  # rows a drill-down lists at most


def supervision_tickets(
    *,
    actor: Actor,
    figure: str,
    start: date,
    end: date,
    today: date,
    unit_uuids: list[str] | None = None,
    using: str = "default",
    limit: int = SUPERVISION_LIST_CAP,
):
    """The 差评 tickets behind a figure of the daily roll-up (figures.ticket_day_rows) over the local days
    [start, end], of the units the supervisor oversees (``access.tickets_visible_to_staff`` with the
    supervisor's role: none for anyone else), narrowed to the handling units ``unit_uuids`` (departments,
    service centres), read from the database ``using``; the earliest limit first:

    - ``bad_due_unfixed``: the 差评 that count (``figures.counted_bad_reviews``) whose answer counts in the
      period (``figures.answer_keyed``) and was not given by its limit — the ``bad_due`` not ``bad_fixed``;
    - ``not_revisited``: the real-name 差评 that count whose revisit counts in the period
      (``board.revisit_keyed``) and were not revisited — the ``real_name_bad`` not ``revisited``.

    A limit running on ``today`` is not due yet (a day counts once it has passed, as in the roll-up). A
    sliceable sequence of :class:`SupervisedTicket` (at most ``limit``); ``ValueError`` for
    another figure."""
    from tongban.accounts.facade import Role
    from tongban.ratings.access import tickets_visible_to_staff
    from tongban.ratings.board import real_name_bad_reviews, revisit_keyed
    from tongban.ratings.figures import answer_keyed, counted_bad_reviews

    tickets = tickets_visible_to_staff(actor, {Role.SUPERVISOR}).using(using)
    if unit_uuids is not None:
        tickets = tickets.filter(unit_uuid__in=list(unit_uuids))
    if figure == "bad_due_unfixed":
        rows = (
            answer_keyed(counted_bad_reviews(tickets))
            .filter(Q(answer_key__gte=start, answer_key__lte=end))
            .filter(Q(answer_key__lt=today) | Q(answered_on__isnull=False))
            .exclude(Q(answered_on__isnull=False) & Q(answered_on__lte=F("answer_due")))
            .annotate(row_due=F("answer_due"))
        )
    elif figure == "not_revisited":
        rows = (
            revisit_keyed(real_name_bad_reviews(tickets))
            .filter(Q(key_on__gte=start, key_on__lte=end))
            .filter(Q(key_on__lt=today) | Q(settled_on__isnull=False))
            .filter(revisited_at__isnull=True)
            .annotate(row_due=F("revisit_due"))
        )
    else:
        raise ValueError(figure)
    values = rows.values("uuid", "number", "unit_name", "status", "received_on", "row_due")
    return SupervisedTickets(values.order_by("row_due", "number")[:limit])


@dataclass(frozen=True)
class SupervisedTicket:
    """A 差评 ticket behind a supervision figure, as its drill-down lists it (no person's data)."""

    uuid: str
    number: str
    unit_name: str
    status: str
    status_label: str
    received_on: date
    due_on: date | None


class SupervisedTickets:
    """The rows of :func:`supervision_tickets`, read a slice at a time (for a paginator)."""

    def __init__(self, rows):
        self._rows = rows

    def count(self) -> int:
        return self._rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[SupervisedTicket]:
        return [
            SupervisedTicket(
                uuid=str(r["uuid"]),
                number=r["number"],
                unit_name=r["unit_name"],
                status=r["status"],
                status_label=str(TicketStatus(r["status"]).label)
                if r["status"] in TicketStatus.values
                else "",
                received_on=r["received_on"],
                due_on=r["row_due"],
            )
            for r in self._rows[index]
        ]
