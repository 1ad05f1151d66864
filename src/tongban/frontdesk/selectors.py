"""Reads of the front desk that pages and the API share.

The queue's order (docs/domain/frontdesk.md §4), one rule in two spellings that a test keeps equal: the SQL
annotation ``queue_rank`` that calling orders by (locks.lock_first_waiting) and ``queue_key`` in Python that the
ticket page counts the tickets ahead with. Rank 0: the green channel; 1: appointments whose time has come;
2: walk-ins (and tickets transferred, which carry the time of their transfer as ``due_at``… see below); 3:
appointments that checked in before their time. Within a rank: ``due_at`` (earliest first, none last), then
the order of taking (the row id)."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from django.db.models import Avg, Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from tongban.frontdesk.constants import TicketAction, TicketCategory, TicketStatus
from tongban.frontdesk.models import AppointmentSlot, ServiceCentre, Ticket, TicketEvent, Window

DEFAULT_SERVICE_MINUTES = 5
NEAR_POSITION = 3  # the ticket this many places behind the one called is told to get ready


def queue_rank(now: datetime) -> Case:
    return Case(
        When(category=TicketCategory.GREEN, then=Value(0)),
        When(due_at__isnull=True, then=Value(2)),
        When(due_at__lte=now, then=Value(1)),
        default=Value(3),
        output_field=IntegerField(),
    )


def queue_key(category: str, due_at: datetime | None, pk: int, now: datetime) -> tuple:
    if category == TicketCategory.GREEN:
        rank = 0
    elif due_at is None:
        rank = 2
    elif due_at <= now:
        rank = 1
    else:
        rank = 3
    return (rank, due_at is None, due_at or now, pk)


def waiting_q(centre: ServiceCentre, day: date, categories, window: Window | None = None) -> Q:
    """The waiting tickets a window of these categories may call: the centre's of the day, not sent to
    another window."""
    q = Q(centre=centre, day=day, status=TicketStatus.WAITING, category__in=list(categories))
    if window is None:
        return q & Q(window__isnull=True)
    return q & (Q(window__isnull=True) | Q(window=window))


def queue_ordered(qs: QuerySet[Ticket], now: datetime) -> QuerySet[Ticket]:
    return qs.annotate(queue_rank=queue_rank(now)).order_by(
        "queue_rank", F("due_at").asc(nulls_last=True), "id"
    )


def waiting_queue(window: Window, now: datetime | None = None) -> QuerySet[Ticket]:
    """A window's queue, in calling order."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    return queue_ordered(Ticket.objects.filter(waiting_q(window.centre, day, window.categories, window)), now)


def ahead_of(ticket: Ticket, now: datetime | None = None) -> int:
    """How many waiting tickets are called before this one: those of its category (and the green channel,
    served first everywhere) that come first in the queue's order."""
    if ticket.status != TicketStatus.WAITING:
        return 0
    now = now or timezone.now()
    own = queue_key(ticket.category, ticket.due_at, ticket.pk, now)
    rows = Ticket.objects.filter(
        centre_id=ticket.centre_id,
        day=ticket.day,
        status=TicketStatus.WAITING,
        category__in={ticket.category, TicketCategory.GREEN},
    ).values_list("category", "due_at", "pk")
    return sum(1 for category, due_at, pk in rows if queue_key(category, due_at, pk, now) < own)


def average_service_minutes(centre: ServiceCentre, day: date) -> float:
    """The average service time (finish − start) of the centre's tickets finished today; 5 min before any."""
    avg = (
        Ticket.objects.filter(
            centre=centre,
            day=day,
            status=TicketStatus.DONE,
            started_at__isnull=False,
            finished_at__isnull=False,
        )
        .annotate(took=F("finished_at") - F("started_at"))
        .aggregate(avg=Avg("took"))["avg"]
    )
    if not avg:
        return float(DEFAULT_SERVICE_MINUTES)
    if isinstance(avg, timedelta):
        return max(avg.total_seconds() / 60, 0.5)
    return max(float(avg) / 60_000_000, 0.5)  # SQLite answers microseconds


def serving_windows(ticket: Ticket) -> int:
    """How many of the centre's active windows call the ticket's category (at least 1)."""
    from tongban.frontdesk.models import Window

    windows = Window.objects.filter(centre_id=ticket.centre_id, active=True).values_list(
        "categories", flat=True
    )
    return max(1, sum(1 for categories in windows if ticket.category in (categories or [])))


def estimated_wait_minutes(ticket: Ticket, ahead: int) -> int:
    """Those ahead × today's average service time, shared by the windows that call its category."""
    return math.ceil(ahead * average_service_minutes(ticket.centre, ticket.day) / serving_windows(ticket))


def waiting_counts(centre: ServiceCentre, day: date) -> dict[str, int]:
    """The number of waiting tickets per category (every category, 0 included)."""
    rows = dict(
        Ticket.objects.filter(centre=centre, day=day, status=TicketStatus.WAITING)
        .values_list("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    return {c.value: rows.get(c.value, 0) for c in TicketCategory}


CALL_ACTIONS = (TicketAction.CALL, TicketAction.RECALL)


def calls_since(centre: ServiceCentre, since: int, limit: int = 50) -> list[TicketEvent]:
    """The calls (and recalls) of the centre after the event ``since``, in order: what a board that polls
    with the last id it showed catches up with."""
    return list(
        TicketEvent.objects.select_related("ticket", "window")
        .filter(ticket__centre=centre, action__in=CALL_ACTIONS, id__gt=since)
        .order_by("id")[:limit]
    )


def last_calls(centre: ServiceCentre, day: date, limit: int = 8) -> list[TicketEvent]:
    rows = (
        TicketEvent.objects.select_related("ticket", "window")
        .filter(ticket__centre=centre, ticket__day=day, action__in=CALL_ACTIONS)
        .order_by("-id")[:limit]
    )
    return list(rows)


def window_current(window: Window) -> Ticket | None:
    """The ticket the window is calling or serving."""
    return (
        Ticket.objects.filter(window=window, status__in=[TicketStatus.CALLED, TicketStatus.SERVING])
        .order_by("-called_at")
        .first()
    )


def slots_ahead(centre: ServiceCentre, start: date, days: int = 7) -> QuerySet[AppointmentSlot]:
    return AppointmentSlot.objects.filter(
        centre=centre, day__gte=start, day__lt=start + timedelta(days=days)
    ).order_by("day", "start", "category")
