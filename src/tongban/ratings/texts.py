"""The words of 差评 and of 12345 complaints as supervision reads them (its blind-spot report, issue 19 §4):
always masked (masking.mask_free_text: no resident ID or mobile number typed into a text leaves this
module), with the unit they are about and its organisation path (for a supervisor's scope) and the ticket
a supervisor may open (``/ratings/handling/<uuid>/``).

- a 差评 is a *valid* evaluation (selectors.valid_evaluations: an upheld appeal, a confirmed fraud or a
  suspect still waiting for a supervisor does not count) at 不满意 or 非常不满意 with a text, by the time it was
  given; its unit is the evaluated one — a case's lead department, a window's service centre (as for its
  ticket: tickets._unit_of);
- a complaint is a ticket of kind 投诉 not merged into another (a duplicate is the same complaint), by the day
  it was received; its unit is the one handling it now.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace

from tongban.ratings.constants import BAD_LEVELS, Level, TicketKind, TicketStatus
from tongban.ratings.masking import mask_free_text
from tongban.ratings.models import Evaluation, Ticket
from tongban.ratings.selectors import valid_evaluations


@dataclass(frozen=True)
class RatingText:
    """One masked text: a 差评's (``source`` "review", ``uuid`` the evaluation's) or a complaint's ("complaint",
    the ticket's)."""

    source: str
    uuid: str
    text: str
    at: datetime
    unit_name: str
    unit_path: str
    ticket_uuid: str | None
    label: str  # the level of a 差评 (不满意 …), the classification of a complaint


def _unit_looker():
    """(unit kind, unit uuid) → (name, path) of the unit handling them, one look-up per distinct unit."""
    from tongban.ratings.tickets import _unit_of

    cache: dict = {}

    def look(kind: str, uuid) -> tuple[str, str]:
        unit = _unit_of(SimpleNamespace(unit_kind=kind, unit_uuid=uuid), cache)
        return (unit.name, unit.path) if unit is not None else ("", "")

    return look


_REVIEW_FIELDS = (
    "uuid",
    "text",
    "level",
    "unit_kind",
    "unit_uuid",
    "unit_name",
    "created_at",
    "ticket__uuid",
)


def _bad_reviews(qs) -> Iterator[RatingText]:
    rows = (
        valid_evaluations(qs.filter(level__in=BAD_LEVELS).exclude(text=""))
        .order_by("created_at", "id")
        .values_list(*_REVIEW_FIELDS)
    )
    unit_of = _unit_looker()
    levels = {value: str(label) for value, label in Level.choices}
    for uuid, text, level, kind, unit, name, created, ticket in rows.iterator(2000):
        unit_name, path = unit_of(kind, unit)
        yield RatingText(
            "review",
            str(uuid),
            mask_free_text(text),
            created,
            unit_name or name,
            path,
            str(ticket) if ticket else None,
            levels.get(level, ""),
        )


def bad_review_texts_between(start: datetime, end: datetime) -> Iterator[RatingText]:
    """The valid 差评 with a text given in [start, end) (aware datetimes), oldest first, masked."""
    return _bad_reviews(Evaluation.objects.filter(created_at__gte=start, created_at__lt=end))


def bad_review_texts(uuids: Iterable[str]) -> list[RatingText]:
    """The 差评 among ``uuids`` (evaluations) that are still valid, masked; unknown ones are left out."""
    return list(_bad_reviews(Evaluation.objects.filter(uuid__in=list(uuids))))


_COMPLAINT_FIELDS = ("uuid", "content", "topic", "unit_name", "unit_path", "created_at")


def _complaints(qs) -> Iterator[RatingText]:
    rows = (
        qs.filter(kind=TicketKind.COMPLAINT)
        .exclude(status=TicketStatus.MERGED)
        .exclude(content="")
        .order_by("created_at", "id")
        .values_list(*_COMPLAINT_FIELDS)
    )
    for uuid, content, topic, unit_name, path, created in rows.iterator(2000):
        yield RatingText(
            "complaint", str(uuid), mask_free_text(content), created, unit_name, path, str(uuid), topic
        )


def complaint_texts_between(start: date, end: date) -> Iterator[RatingText]:
    """The 12345 complaints received on the days [start, end) (dates), oldest first, masked."""
    return _complaints(Ticket.objects.filter(received_on__gte=start, received_on__lt=end))


def complaint_texts(uuids: Iterable[str]) -> list[RatingText]:
    """The complaints among ``uuids`` (tickets), masked; unknown or merged ones are left out."""
    return list(_complaints(Ticket.objects.filter(uuid__in=list(uuids))))
