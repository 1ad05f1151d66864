"""What the handler console and the supervisors' board read (docs/domain/ratings.md §5, §6, §9): the limit a
ticket waits on as a column (to filter by light in the database), the 实名差评回访率 of a period, the real-name
差评 not yet revisited, the 督办 tickets, pending appeals, suspect evaluations and the marks to show beside an
evaluation. Every function takes a queryset already scoped by access.tickets_visible_to_staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import TruncDate

from tongban.accounts.facade import Role, organisations_info
from tongban.core.actors import Actor
from tongban.core.workdays import working_days_after
from tongban.ratings.constants import OUTCOMES, MarkKind, TicketKind, TicketStatus
from tongban.ratings.models import Appeal, Evaluation, EvaluationMark, Ticket

FLAG_KINDS = (MarkKind.SUSPECT, MarkKind.CLEARED, MarkKind.FRAUD_CONFIRMED)
OPEN_STATUSES = (
    TicketStatus.RECEIVED,
    TicketStatus.VERIFYING,
    *OUTCOMES,
    TicketStatus.ANSWERED,
)
# Tickets that leave the figures: an upheld appeal's, a merged duplicate (it counts once, as its main), one
# transferred to another member's 12345 (it counts there, where it is handled).
OUT_OF_FIGURES = (TicketStatus.CLOSED_EXCLUDED, TicketStatus.MERGED, TicketStatus.TRANSFERRED)


def pending_due() -> Case:
    """The due date of the limit a ticket waits on now, as tickets.pending_limit reads it (None when none)."""
    return Case(
        When(
            status=TicketStatus.RECEIVED,
            contacted_at__isnull=True,
            contact_due__isnull=False,
            then=F("contact_due"),
        ),
        When(
            status__in=[TicketStatus.RECEIVED, TicketStatus.VERIFYING, *OUTCOMES],
            paused_since__isnull=True,
            then=F("answer_due"),
        ),
        When(status=TicketStatus.ANSWERED, then=F("revisit_due")),
        default=Value(None, output_field=DateField()),
        output_field=DateField(),
    )


def with_light(tickets: QuerySet[Ticket], light: str, today: date) -> QuerySet[Ticket]:
    """Tickets whose light today is ``light``, as tickets.light_of turns it: red once the limit has passed,
    yellow from the last working day before it (so up to the next working day after today), green else."""
    tickets = tickets.annotate(pending_due=pending_due())
    if light == "red":
        return tickets.filter(pending_due__lt=today)
    next_working = working_days_after(today, 1)
    if light == "yellow":
        return tickets.filter(pending_due__gte=today, pending_due__lte=next_working)
    if light == "green":
        return tickets.filter(Q(pending_due__isnull=True) | Q(pending_due__gt=next_working))
    return tickets


def _last_flag(evaluation_ref: str) -> Subquery:
    marks = EvaluationMark.objects.filter(evaluation=OuterRef(evaluation_ref), kind__in=FLAG_KINDS)
    return Subquery(marks.order_by("-created_at", "-id").values("kind")[:1])


def real_name_bad_reviews(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Real-name 差评 tickets that count (ratings.md §5, §9): a known evaluator; not excluded by an upheld
    appeal or a confirmed fraud; not a merged duplicate."""
    return (
        tickets.filter(kind=TicketKind.BAD_REVIEW)
        .filter(Q(person_user_id__isnull=False) | ~Q(caller_phone=""))
        .exclude(status__in=OUT_OF_FIGURES)
        .annotate(flag=_last_flag("evaluation_id"))
        .filter(Q(flag__isnull=True) | Q(flag__in=[MarkKind.SUSPECT, MarkKind.CLEARED]))
    )


@dataclass(frozen=True)
class Rate:
    revisited: int
    due: int

    @property
    def percent(self) -> int | None:
        return None if not self.due else round(100 * self.revisited / self.due)


def revisit_rate(tickets: QuerySet[Ticket], start: date, end: date, today: date) -> Rate:
    """实名差评回访率 of [start, end) (ratings.md §9): real-name 差评 revisited ÷ those whose revisit limit fell
    in the period. **Our choice** of when a limit "falls": a ticket settled before its limit (revisited, or
    closed as unreachable) on the day it was settled; one not settled on its limit's day, once that day has
    passed (a limit still running is not yet due). ``closed_unreachable`` counts in the denominator only."""
    period = Q(key_on__gte=start, key_on__lt=end)
    counts = revisit_keyed(real_name_bad_reviews(tickets)).aggregate(
        due=Count("id", filter=period & (Q(settled_on__isnull=False) | Q(key_on__lt=today))),
        revisited=Count("id", filter=period & Q(revisited_at__isnull=False)),
    )
    return Rate(revisited=counts["revisited"], due=counts["due"])


def revisit_keyed(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """``settled_on`` (revisited, or closed as unreachable) and ``key_on`` (the day the ticket counts in the
    实名差评回访率: the day settled if before its revisit limit, else the limit's day) as columns."""
    settled_on = Case(
        When(revisited_at__isnull=False, then=TruncDate("revisited_at")),
        When(status=TicketStatus.CLOSED_UNREACHABLE, then=TruncDate("closed_at")),
        default=Value(None, output_field=DateField()),
        output_field=DateField(),
    )
    key_on = Case(
        When(Q(settled_on__isnull=False) & Q(revisit_due__isnull=True), then=F("settled_on")),
        When(settled_on__lt=F("revisit_due"), then=F("settled_on")),
        default=F("revisit_due"),
        output_field=DateField(),
    )
    return tickets.annotate(settled_on=settled_on).annotate(key_on=key_on)


def not_revisited(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """实名差评未回访: real-name 差评 not revisited (closed as unreachable ones stay, with their reason), oldest
    first."""
    return (
        real_name_bad_reviews(tickets)
        .filter(revisited_at__isnull=True)
        .filter(status__in=[*OPEN_STATUSES, TicketStatus.CLOSED_UNREACHABLE])
        .annotate(pending_due=pending_due())
        .order_by("received_on", "id")
    )


def supervised_open(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """督办: open tickets under supervision, the earliest put under it first."""
    return (
        tickets.filter(supervised_at__isnull=False, status__in=OPEN_STATUSES)
        .annotate(pending_due=pending_due())
        .order_by("supervised_at", "id")
    )


def pending_appeals(tickets: QuerySet[Ticket]) -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(status="pending", ticket__in=tickets)
        .select_related("ticket", "ticket__evaluation")
        .order_by("filed_at", "id")
    )


def suspect_evaluations(actor: Actor, limit: int = 100) -> list[Evaluation]:
    """Evaluations whose last flag is 疑似刷评 (not yet cleared or confirmed), of units inside the subtrees
    where the actor is a supervisor, oldest first."""
    paths = actor.org_paths({Role.SUPERVISOR})
    if not paths:
        return []
    suspects = Evaluation.objects.annotate(flag=_last_flag("pk")).filter(flag=MarkKind.SUSPECT)
    units = organisations_info(suspects.values_list("unit_uuid", flat=True).distinct())
    mine = [uuid for uuid, org in units.items() if any(org.path.startswith(p) for p in paths)]
    return list(suspects.filter(unit_uuid__in=mine).order_by("created_at", "id")[:limit])


def suspect_evaluation(actor: Actor, evaluation_uuid) -> Evaluation | None:
    """One evaluation of the actor's supervised units, whatever its flags (None otherwise)."""
    paths = actor.org_paths({Role.SUPERVISOR})
    evaluation = Evaluation.objects.filter(uuid=evaluation_uuid).first() if paths else None
    if evaluation is None:
        return None
    org = organisations_info([evaluation.unit_uuid]).get(str(evaluation.unit_uuid))
    if org is None or not any(org.path.startswith(p) for p in paths):
        return None
    return evaluation


def marks_of(evaluation_ids, *, staff: bool) -> dict[int, str]:
    """The mark to show beside each evaluation (ratings.md §4, §6), by its id: 申诉成立·不计入统计 first, then
    the last flag when it excludes it (and, to staff only, when it is still a suspicion)."""
    shown: dict[int, str] = {}
    flags: dict[int, str] = {}
    for evaluation_id, kind in (
        EvaluationMark.objects.filter(evaluation_id__in=list(evaluation_ids))
        .order_by("created_at", "id")
        .values_list("evaluation_id", "kind")
    ):
        if kind == MarkKind.APPEAL_UPHELD:
            shown[evaluation_id] = kind
        elif kind in FLAG_KINDS:
            flags[evaluation_id] = kind
    for evaluation_id, kind in flags.items():
        if evaluation_id in shown:
            continue
        if kind == MarkKind.FRAUD_CONFIRMED or (staff and kind == MarkKind.SUSPECT):
            shown[evaluation_id] = kind
    return {key: str(MarkKind(kind).label) for key, kind in shown.items()}
