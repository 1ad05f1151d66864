"""Reading evaluations: an evaluator sees only their own; which of them count in the figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tongban.accounts.facade import organisation_info
from tongban.cases.facade import case_uuids_of_target
from tongban.core.actors import Actor
from tongban.core.pagination import MappedRows
from tongban.frontdesk.facade import window_uuids_in_scope
from tongban.ratings.constants import BAD_LEVELS, EXCLUDING_MARKS, EvaluationKind, MarkKind, TicketStatus
from tongban.ratings.masking import mask_public_text
from tongban.ratings.models import (
    Evaluation,
    EvaluationMark,
    RatingInvitation,
    RatingInvitationOptOut,
    Ticket,
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


# --- the public 好差评 pages (docs/domain/supervision-public.md §3) ----------------------------------------
PUBLIC_REVIEWS_MAX = 20
PUBLIC_UNIT_KINDS = ("department", "item", "centre")


@dataclass(frozen=True)
class PublicReview:
    """A review text as a page anyone may read shows it: the level, the day (Beijing), the text masked
    (masking.mask_public_text), whether it was given anonymously or without a known evaluator, its kind
    (case, service, ticket) and, for a 差评, whether its unit has answered its ticket. Nothing that names or
    reaches the evaluator, the case or the ticket."""

    level: int
    day: date
    text: str
    anonymous: bool
    kind: str
    answered: bool


def _public_scope(kind: str, unit_uuid: str, using: str) -> Q:
    """The evaluations a public page of a unit lists: a department's (its cases', its 12345 answers'); a
    service centre's (its windows', its own 12345 answers'); an item's (the evaluations of its cases)."""
    if kind == "department":
        return Q(unit_uuid=unit_uuid)
    if kind == "centre":
        info = organisation_info(unit_uuid)
        windows = window_uuids_in_scope([info.path]) if info is not None else []
        return Q(unit_uuid__in=[unit_uuid, *windows])
    if kind == "item":
        return Q(
            kind=EvaluationKind.CASE, subject_uuid__in=case_uuids_of_target("item", unit_uuid, using=using)
        )
    raise ValueError(kind)


def public_reviews(
    *, kind: str, unit_uuid, start: date, end: date, limit: int = 10, using: str = "default"
) -> list[PublicReview]:
    """The newest valid evaluations with a text of a unit (``kind`` department, item or centre) given from
    ``start`` to ``end`` (Beijing dates, both included), at most ``limit`` (≤ PUBLIC_REVIEWS_MAX), read from
    the database ``using``. Valid as the figures count them (valid_evaluations: no upheld appeal, no confirmed
    fraud, no suspect not yet cleared) and the evaluator's latest round only (a first evaluation followed by a
    追评 is not listed). One query, on the index (unit_uuid, created_at) of the evaluations with a text (an
    item's: on its cases' index and the evaluations' subject)."""
    if kind not in PUBLIC_UNIT_KINDS:
        raise ValueError(kind)
    zone = ZoneInfo(settings.TIME_ZONE)
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    later = Evaluation.objects.using(using).filter(
        subject_uuid=OuterRef("subject_uuid"),
        evaluator_user_id=OuterRef("evaluator_user_id"),
        round__gt=OuterRef("round"),
    )
    answered = Ticket.objects.using(using).filter(evaluation=OuterRef("pk"), answered_at__isnull=False)
    qs = valid_evaluations(
        Evaluation.objects.using(using)
        .filter(_public_scope(kind, str(unit_uuid), using), created_at__gte=since, created_at__lt=until)
        .exclude(text="")
    ).exclude(Exists(later))
    rows = (
        qs.annotate(answered=Exists(answered))
        .order_by("-created_at", "-id")
        .values("level", "created_at", "text", "anonymous", "evaluator_user_id", "kind", "answered")
    )[: max(0, min(limit, PUBLIC_REVIEWS_MAX))]
    return [
        PublicReview(
            level=r["level"],
            day=r["created_at"].astimezone(zone).date(),
            text=mask_public_text(r["text"]),
            anonymous=r["anonymous"] or r["evaluator_user_id"] is None,
            kind=r["kind"],
            answered=r["answered"] and r["level"] in BAD_LEVELS,
        )
        for r in rows
    ]


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
    return MappedRows(values.order_by("row_due", "number")[:limit], _supervised_ticket)


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


def _supervised_ticket(r: dict) -> SupervisedTicket:
    return SupervisedTicket(
        uuid=str(r["uuid"]),
        number=r["number"],
        unit_name=r["unit_name"],
        status=r["status"],
        status_label=str(TicketStatus(r["status"]).label) if r["status"] in TicketStatus.values else "",
        received_on=r["received_on"],
        due_on=r["row_due"],
    )
