"""tickets_open_for_evaluations (a burst of 差评 at once, bench/ratings_burst.py): one ticket and one received event
per bad evaluation, none for a good one or one that already has its ticket, the same ticket as one by one."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tongban.ratings import tickets as loop
from tongban.ratings.constants import TicketStatus
from tongban.ratings.models import Evaluation, Ticket, TicketEvent

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _evaluation(world, level: int, n: int) -> Evaluation:
    return Evaluation.objects.create(
        kind="case",
        subject_uuid=uuid.uuid4(),
        subject_label=f"TB20261207BULK{n:04d}",
        channel="pc",
        evaluator_user_id=world["applicant"].user_id,
        evaluator_label="李**",
        level=level,
        template_version=1,
        indicators=["online.efficiency"],
        text=f"第 {n} 次评价",
        unit_kind="department",
        unit_uuid=world["department"].uuid,
        unit_name="黄浦区房管局",
        created_at=datetime(2026, 9, 30, 15, tzinfo=SHANGHAI),
    )


def test_a_burst_opens_one_ticket_per_bad_evaluation_as_one_by_one_would(rating_world):
    bad = [_evaluation(rating_world, 2 if n % 2 else 1, n) for n in range(6)]
    good = [_evaluation(rating_world, 4, 10), _evaluation(rating_world, 5, 11)]
    earlier = loop.ticket_open_for_evaluation(bad[0])  # opened already: skipped
    assert loop.tickets_open_for_evaluations([*bad, *good]) == 5
    assert loop.tickets_open_for_evaluations([*bad, *good]) == 0  # again: nothing more
    tickets = {t.evaluation_id: t for t in Ticket.objects.all()}
    assert set(tickets) == {e.pk for e in bad}
    for evaluation in bad[1:]:
        ticket = tickets[evaluation.pk]
        assert ticket.status == TicketStatus.RECEIVED and ticket.number.startswith("CP")
        assert ticket.topic == str(evaluation.get_level_display())
        assert (
            ticket.content == evaluation.text and ticket.person_user_id == rating_world["applicant"].user_id
        )
        assert ticket.unit_uuid == rating_world["department"].uuid and ticket.unit_path
        assert (ticket.received_on, ticket.contact_due, ticket.answer_due) == (
            earlier.received_on,
            earlier.contact_due,
            earlier.answer_due,
        )
    events = list(TicketEvent.objects.values_list("ticket_id", "kind"))
    assert sorted(events) == sorted((t.pk, "received") for t in tickets.values())
