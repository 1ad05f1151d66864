"""What supervision's daily roll-up counts of 好差评 (docs/domain/supervision.md §2): one day's valid
evaluations by evaluated unit and by the case's item or bundle, the 差评 tickets whose answer or revisit fell
due that day, and which days changed since a moment."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Case, Count, DateField, F, Q, QuerySet, Sum, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from tongban.cases.facade import case_targets
from tongban.ratings.board import OUT_OF_FIGURES, _last_flag, real_name_bad_reviews, revisit_keyed
from tongban.ratings.constants import EvaluationKind, Level, MarkKind, TicketKind
from tongban.ratings.models import Evaluation, EvaluationMark, Ticket, TicketEvent
from tongban.ratings.selectors import valid_evaluations

GOOD = Q(level__gte=Level.SATISFIED)
BAD = Q(level__lte=Level.DISSATISFIED)
CASE_FIRST = Q(kind=EvaluationKind.CASE, round=1)


def _evaluation_counts() -> dict:
    return {
        "evaluations": Count("id"),
        "good": Count("id", filter=GOOD),
        "bad": Count("id", filter=BAD),
        "level_sum": Sum("level"),
        "case_first": Count("id", filter=CASE_FIRST),
    }


COUNTERS = ("evaluations", "good", "bad", "level_sum", "case_first")


def evaluation_day_rows(start: datetime, end: datetime) -> tuple[list[dict], list[dict]]:
    """The valid evaluations given in [start, end): by evaluated unit (``unit_kind``, ``unit_uuid``,
    ``unit_name``) and, for evaluations of cases, by the case's target and lead department (``target_kind``,
    ``target_uuid``, ``target_name``, ``department_uuid``, ``department_name``)."""
    day = valid_evaluations(Evaluation.objects.filter(created_at__gte=start, created_at__lt=end))
    units = [
        {**r, "unit_uuid": str(r["unit_uuid"]), "level_sum": r["level_sum"] or 0}
        for r in day.values("unit_kind", "unit_uuid", "unit_name").annotate(**_evaluation_counts())
    ]
    by_case = list(
        day.filter(kind=EvaluationKind.CASE).values("subject_uuid").annotate(**_evaluation_counts())
    )
    targets = case_targets(r["subject_uuid"] for r in by_case)
    merged: dict[tuple, dict] = {}
    for r in by_case:
        target = targets.get(str(r["subject_uuid"]))
        if target is None:
            continue
        kind, target_uuid, target_name, dept_uuid, dept_name = target
        row = merged.setdefault(
            (kind, target_uuid, dept_uuid),
            {
                "target_kind": kind,
                "target_uuid": target_uuid,
                "target_name": target_name,
                "department_uuid": dept_uuid,
                "department_name": dept_name,
                **dict.fromkeys(COUNTERS, 0),
            },
        )
        for c in COUNTERS:
            row[c] += r[c] or 0
    return units, list(merged.values())


def counted_bad_reviews(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """差评 tickets that count (ratings.md §9): not merged, not excluded by an upheld appeal or a confirmed
    fraud (real name or not)."""
    return (
        tickets.filter(kind=TicketKind.BAD_REVIEW)
        .exclude(status__in=OUT_OF_FIGURES)
        .annotate(flag=_last_flag("evaluation_id"))
        .filter(Q(flag__isnull=True) | Q(flag__in=[MarkKind.SUSPECT, MarkKind.CLEARED]))
    )


def answer_keyed(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """``answered_on`` and ``answer_key`` (the day a ticket counts in the 差评整改率: the day answered if before
    its answer limit, else the limit's day), as revisit_keyed does for the revisit."""
    answered_on = TruncDate("answered_at")
    key = Case(
        When(Q(answered_on__isnull=False) & Q(answered_on__lt=F("answer_due")), then=F("answered_on")),
        When(Q(answered_on__isnull=False) & Q(answer_due__isnull=True), then=F("answered_on")),
        default=F("answer_due"),
        output_field=DateField(),
    )
    return tickets.annotate(answered_on=answered_on).annotate(answer_key=key)


def ticket_day_rows(day: date, today: date) -> list[dict]:
    """The 差评 tickets counted on ``day``, by unit (``unit_uuid``, ``unit_name``, ``unit_path``): bad_due and
    bad_fixed (answered on or before the limit) of those whose answer counts that day; real_name_bad and
    revisited of the real-name ones whose revisit counts that day (board.revisit_rate's rule). A limit running
    on ``today`` is not yet due: a day is final once it has passed."""
    out: dict[str, dict] = {}

    def row(r: dict) -> dict:
        key = str(r["unit_uuid"])
        return out.setdefault(
            key,
            {
                "unit_uuid": key,
                "unit_name": r["unit_name"],
                "unit_path": r["unit_path"],
                "bad_due": 0,
                "bad_fixed": 0,
                "real_name_bad": 0,
                "revisited": 0,
            },
        )

    settled = Q(answered_on__isnull=False)
    answered = answer_keyed(counted_bad_reviews(Ticket.objects.all())).filter(answer_key=day)
    if day >= today:
        answered = answered.filter(settled)
    for r in answered.values("unit_uuid", "unit_name", "unit_path").annotate(
        due=Count("id"), fixed=Count("id", filter=settled & Q(answered_on__lte=F("answer_due")))
    ):
        found = row(r)
        found["bad_due"] = r["due"]
        found["bad_fixed"] = r["fixed"]
    revisits = revisit_keyed(real_name_bad_reviews(Ticket.objects.all())).filter(key_on=day)
    if day >= today:
        revisits = revisits.filter(settled_on__isnull=False)
    for r in revisits.values("unit_uuid", "unit_name", "unit_path").annotate(
        due=Count("id"), done=Count("id", filter=Q(revisited_at__isnull=False))
    ):
        found = row(r)
        found["real_name_bad"] = r["due"]
        found["revisited"] = r["done"]
    return list(out.values())


def _dates(qs, field: str) -> set[date]:
    return {d for d in qs.order_by().annotate(d=TruncDate(field)).values_list("d", flat=True).distinct() if d}


def evaluation_days_touched_since(since: datetime) -> set[date]:
    """Days of the evaluations given since ``since`` and of those marked since (an exclusion, a flag)."""
    days = _dates(Evaluation.objects.filter(created_at__gte=since), "created_at")
    marked = Evaluation.objects.filter(
        id__in=EvaluationMark.objects.filter(created_at__gte=since).values("evaluation_id")
    )
    return days | _dates(marked, "created_at")


def ticket_days_touched_since(since: datetime) -> set[date]:
    """Every day a 差评 ticket touched since ``since`` may count on: from its receipt to the latest of its
    limits and settlements (an extension or a pause only moves a limit later, so its old day is inside)."""
    touched = Ticket.objects.filter(kind=TicketKind.BAD_REVIEW).filter(
        Q(updated_at__gte=since)
        | Q(id__in=TicketEvent.objects.filter(created_at__gte=since).values("ticket_id"))
        | Q(evaluation_id__in=EvaluationMark.objects.filter(created_at__gte=since).values("evaluation_id"))
    )
    days: set[date] = set()
    rows = touched.annotate(
        a=TruncDate("answered_at"), r=TruncDate("revisited_at"), c=TruncDate("closed_at")
    ).values_list("received_on", "answer_due", "revisit_due", "a", "r", "c")
    for received, *later in rows.iterator(chunk_size=2_000):
        last = max([d for d in later if d] + [received])
        d = received
        while d <= last:
            days.add(d)
            d += timedelta(days=1)
    return days


def first_day() -> date | None:
    first = Evaluation.objects.order_by("created_at").values_list("created_at", flat=True).first()
    return timezone.localdate(first) if first else None
