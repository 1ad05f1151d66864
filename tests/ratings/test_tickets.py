"""The bad-review loop (docs/domain/ratings.md §5): every 差评 opens a ticket; received → verifying → an
outcome → answered → revisit → closed; working-day limits across National Day 2026; 督办 on a breach; a
revisit rated 不满意 sends it back once; unreachable evaluators; the 100 % list."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.ratings.conftest import SHANGHAI, _actor, _bad_ticket, _on, _rate
from tongban.core.models import AuditEvent
from tongban.notifications.models import Message
from tongban.ratings import tickets as loop
from tongban.ratings.constants import RevisitLevel, TicketStatus
from tongban.ratings.errors import RatingInvalid, TicketState
from tongban.ratings.models import Evaluation, Ticket

pytestmark = pytest.mark.django_db


def test_a_bad_review_opens_its_ticket_with_the_evaluation_and_a_good_one_does_not(loop_world):
    client, case = loop_world["client"], loop_world["case"]
    assert _rate(client, case, level=4, indicators=[], text="").status_code == 201
    assert Ticket.objects.count() == 0
    second = _rate(client, case, round=2, level=1)
    assert second.status_code == 201
    ticket = Ticket.objects.get()
    evaluation = Evaluation.objects.get(round=2)
    assert ticket.evaluation == evaluation and ticket.status == TicketStatus.RECEIVED
    assert ticket.unit_uuid == loop_world["department"].uuid and ticket.unit_name == "黄浦区房管局"
    assert ticket.person_user_id == loop_world["applicant"].user_id and ticket.real_name
    assert ticket.number.startswith("CP") and ticket.content == "窗口让我跑了三次"
    assert ticket.contact_due is not None and ticket.answer_due is not None
    assert list(ticket.events.values_list("kind", flat=True)) == ["received"]
    # the evaluator is told in-app (no SMS for the receipt)
    assert Message.objects.filter(user_id=loop_world["applicant"].user_id, title="差评已受理").exists()


def test_limits_count_working_days_across_national_day(loop_world, monkeypatch):
    """Received Wednesday 30 September 2026: contact by Thursday 8 October (1–7 October rest), a simple answer
    by Tuesday 13 October (Saturday the 10th is a make-up working day), a ledger at most by 27 October."""
    evaluation = Evaluation.objects.create(
        kind="case",
        subject_uuid=loop_world["case"].uuid,
        subject_label=loop_world["case"].number,
        channel="pc",
        evaluator_user_id=loop_world["applicant"].user_id,
        evaluator_label="李**",
        level=1,
        template_version=1,
        indicators=["online.efficiency"],
        unit_kind="department",
        unit_uuid=loop_world["department"].uuid,
        unit_name="黄浦区房管局",
        created_at=datetime(2026, 9, 30, 15, tzinfo=SHANGHAI),
    )
    ticket = loop.ticket_open_for_evaluation(evaluation)
    assert ticket.received_on == date(2026, 9, 30)
    assert ticket.contact_due == date(2026, 10, 8)
    assert ticket.answer_due == date(2026, 10, 13)
    handler = _actor(loop_world["handler"])

    _on(monkeypatch, date(2026, 10, 8))
    assert loop.light_of(ticket) == "yellow"  # the limit's own day
    ticket = loop.ticket_contact(actor=handler, ticket=ticket, text="电话联系申请人，了解情况")
    assert ticket.status == TicketStatus.VERIFYING
    latest = date(2026, 10, 27)  # 15 working days: 8, 9, 10 (Sat), 12–16, 19–23, 26, 27 October
    assert loop.working_days_after(date(2026, 9, 30), 15) == latest
    with pytest.raises(RatingInvalid) as too_late:
        loop.ticket_triage(
            actor=handler,
            ticket=ticket,
            outcome=TicketStatus.LEDGER,
            text="需要协调",
            ledger_due=date(2026, 10, 28),
        )
    assert too_late.value.code == "rating_ticket_ledger_due_invalid"
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.VERIFYING  # nothing half-written
    ticket = loop.ticket_triage(
        actor=handler, ticket=ticket, outcome=TicketStatus.LEDGER, text="需要协调两个科室", ledger_due=latest
    )
    assert (ticket.status, ticket.answer_due) == (TicketStatus.LEDGER, latest)

    _on(monkeypatch, date(2026, 10, 22))
    ticket = loop.ticket_answer(actor=handler, ticket=ticket, text="已调整材料清单，今后一次告知")
    assert ticket.status == TicketStatus.ANSWERED
    assert ticket.revisit_due == date(2026, 10, 29)
    assert Message.objects.filter(title="诉求已答复", user_id=loop_world["applicant"].user_id).exists()


def test_each_step_only_from_its_state_and_the_full_loop_to_closed(loop_world):
    ticket = _bad_ticket(loop_world)
    handler = _actor(loop_world["handler"])
    with pytest.raises(TicketState):
        loop.ticket_answer(actor=handler, ticket=ticket, text="跳过核实")
    with pytest.raises(TicketState):
        loop.ticket_triage(actor=handler, ticket=ticket, outcome=TicketStatus.FIXED_AT_ONCE, text="x")
    with pytest.raises(RatingInvalid):
        loop.ticket_contact(actor=handler, ticket=ticket, text="   ")
    loop.ticket_contact(actor=handler, ticket=ticket, text="已联系")
    with pytest.raises(RatingInvalid):
        loop.ticket_triage(actor=handler, ticket=ticket, outcome="closed", text="x")
    loop.ticket_triage(
        actor=handler, ticket=ticket, outcome=TicketStatus.FIXED_AT_ONCE, text="当场更正了办事指南"
    )
    loop.ticket_answer(actor=handler, ticket=ticket, text="办事指南已更正")
    person = _actor(loop_world["applicant"].user)
    with pytest.raises(RatingInvalid):
        loop.ticket_revisit(actor=person, ticket=ticket, level=5)
    ticket = loop.ticket_revisit(actor=person, ticket=ticket, level=RevisitLevel.SATISFIED, text="满意")
    assert ticket.status == TicketStatus.CLOSED and ticket.revisited_at is not None
    assert list(ticket.events.values_list("kind", flat=True)) == [
        "received",
        "contacted",
        "fixed_at_once",
        "answered",
        "revisited",
        "closed",
    ]
    with pytest.raises(TicketState):
        loop.ticket_revisit(actor=person, ticket=ticket, level=RevisitLevel.SATISFIED)


def test_a_revisit_rated_dissatisfied_goes_back_once_then_closes_under_supervision(loop_world):
    ticket = _bad_ticket(loop_world)
    handler, person = _actor(loop_world["handler"]), _actor(loop_world["applicant"].user)
    for _round in range(2):
        if ticket.status == TicketStatus.RECEIVED:
            loop.ticket_contact(actor=handler, ticket=ticket, text="已联系")
        loop.ticket_triage(actor=handler, ticket=ticket, outcome=TicketStatus.EXPLAINED, text="无法定依据")
        loop.ticket_answer(actor=handler, ticket=ticket, text="解释说明")
        ticket = loop.ticket_revisit(actor=person, ticket=ticket, level=RevisitLevel.DISSATISFIED)
        if _round == 0:
            assert ticket.status == TicketStatus.VERIFYING and ticket.reopened == 1
            assert ticket.supervised_at is None
    assert ticket.status == TicketStatus.CLOSED and ticket.supervised_at is not None
    assert Message.objects.filter(user_id=loop_world["supervisor"].id, title="工单督办").exists()
    assert not Message.objects.filter(user_id=loop_world["other_handler"].id).exists()


def test_a_breach_records_its_event_once_and_puts_the_ticket_under_supervision(loop_world, monkeypatch):
    ticket = _bad_ticket(loop_world)
    day_after = loop.working_days_after(ticket.contact_due, 1)
    assert loop.tickets_tick(today=ticket.contact_due) == {"ticket_overdue_events": 0}
    assert loop.tickets_tick(today=day_after) == {"ticket_overdue_events": 1}
    assert loop.tickets_tick(today=day_after) == {"ticket_overdue_events": 0}  # once
    ticket.refresh_from_db()
    assert ticket.supervised_at is not None
    event = ticket.events.get(kind="overdue")
    assert event.data["rule"] == "rating_contact_overdue" and event.data["days_overdue"] == 1
    assert Message.objects.filter(user_id=loop_world["supervisor"].id, title="工单督办").count() == 1
    # the answer limit, passed later, is a second event
    _on(monkeypatch, day_after)
    loop.ticket_contact(actor=_actor(loop_world["handler"]), ticket=ticket, text="迟到的联系")
    late = loop.working_days_after(ticket.answer_due, 2)
    assert loop.tickets_tick(today=late) == {"ticket_overdue_events": 1}
    assert sorted(ticket.events.filter(kind="overdue").values_list("data__rule", flat=True)) == [
        "rating_answer_overdue",
        "rating_contact_overdue",
    ]


def test_three_unanswered_revisit_calls_on_different_days_close_it_as_unreachable(loop_world, monkeypatch):
    ticket = _bad_ticket(loop_world)
    handler = _actor(loop_world["handler"])
    loop.ticket_contact(actor=handler, ticket=ticket, text="已联系")
    loop.ticket_triage(actor=handler, ticket=ticket, outcome=TicketStatus.FIXED_AT_ONCE, text="已改")
    loop.ticket_answer(actor=handler, ticket=ticket, text="已改正")
    day = first = date(2026, 11, 2)
    for n in range(3):
        _on(monkeypatch, day)
        ticket = loop.ticket_revisit_attempt(actor=handler, ticket=ticket, text=f"第{n + 1}次未接通")
        if n == 0:
            with pytest.raises(TicketState):  # the same day does not count twice
                loop.ticket_revisit_attempt(actor=handler, ticket=ticket, text="再打一次")
        day = loop.working_days_after(day, 1)
    assert first < day
    assert ticket.status == TicketStatus.CLOSED_UNREACHABLE and ticket.revisited_at is None


def test_staff_see_only_their_units_tickets_and_every_read_is_audited(loop_world):
    from tongban.ratings.access import access_ticket_for_staff, tickets_visible_to_staff
    from tongban.ratings.errors import TicketNotFound

    ticket = _bad_ticket(loop_world)
    assert list(tickets_visible_to_staff(_actor(loop_world["handler"]))) == [ticket]
    assert list(tickets_visible_to_staff(_actor(loop_world["supervisor"]))) == [ticket]
    assert list(tickets_visible_to_staff(_actor(loop_world["other_handler"]))) == []
    assert list(tickets_visible_to_staff(_actor(loop_world["reviewer"]))) == []
    with pytest.raises(TicketNotFound):
        access_ticket_for_staff(actor=_actor(loop_world["other_handler"]), ticket_uuid=ticket.uuid)
    access_ticket_for_staff(actor=_actor(loop_world["handler"]), ticket_uuid=ticket.uuid)
    read = AuditEvent.objects.get(action="ratings.ticket_read")
    assert read.subject_user_id == loop_world["applicant"].user_id and read.object_id == str(ticket.uuid)


def test_the_evaluator_follows_their_ticket_and_nobody_else_does(loop_world, make_person):
    from tests.conftest import login_client

    ticket = _bad_ticket(loop_world)
    page = loop_world["client"].get(f"/ratings/tickets/{ticket.uuid}/")
    assert page.status_code == 200 and ticket.number in page.content.decode()
    stranger = login_client(loop_world["stranger"].user)
    assert stranger.get(f"/ratings/tickets/{ticket.uuid}/").status_code == 404
    handler_page = login_client(loop_world["handler"]).get(f"/ratings/handling/{ticket.uuid}/")
    assert handler_page.status_code == 200
    assert (
        login_client(loop_world["other_handler"]).get(f"/ratings/handling/{ticket.uuid}/").status_code == 404
    )
    assert timedelta(0) <= ticket.updated_at - ticket.created_at


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_handlers_answering_at_once_one_wins_and_one_answer_is_sent(loop_world):
    from tests.concurrency import at_once
    from tongban.core.errors import DomainError

    ticket = _bad_ticket(loop_world)
    handler = _actor(loop_world["handler"])
    loop.ticket_contact(actor=handler, ticket=ticket, text="已联系")
    loop.ticket_triage(actor=handler, ticket=ticket, outcome=TicketStatus.FIXED_AT_ONCE, text="已改")

    def answer():
        try:
            loop.ticket_answer(actor=handler, ticket=Ticket.objects.get(pk=ticket.pk), text="已改正")
            return "won"
        except DomainError as exc:
            return exc.code

    results = at_once(4, answer)
    assert sorted(results) == ["rating_ticket_state"] * 3 + ["won"]
    assert Ticket.objects.get(pk=ticket.pk).events.filter(kind="answered").count() == 1
    assert Message.objects.filter(title="诉求已答复").count() == 1


def test_a_region_sets_its_own_limits(loop_world, settings):
    settings.RATINGS_LIMITS = {"contact": 0, "simple": 3}
    ticket = _bad_ticket(loop_world)
    received = ticket.received_on  # the same working day; received on a day of rest, the next working day
    same = received if loop.is_working_day(received) else loop.working_days_after(received, 1)
    assert ticket.contact_due == same
    assert ticket.answer_due == loop.working_days_after(ticket.received_on, 3)


def test_a_bad_limits_setting_stops_the_start(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from tongban import settings as project_settings

    monkeypatch.setenv("TONGBAN_RATINGS_LIMITS", "contact=1,answer=5")
    with pytest.raises(ImproperlyConfigured, match="answer=5"):
        project_settings._ratings_limits()
    monkeypatch.setenv("TONGBAN_RATINGS_LIMITS", "contact=1, simple=4")
    assert project_settings._ratings_limits() == {"contact": 1, "simple": 4}


def test_urgent_and_same_day_limits_on_a_day_of_rest():
    sunday = date(2026, 10, 4)  # in the National Day holiday
    assert loop._due(sunday, 0) == date(2026, 10, 8)
    assert loop._due(date(2026, 10, 9), 0) == date(2026, 10, 9)
    contact, answer = loop._limits_for("complaint", True, date(2026, 10, 9))
    assert (contact, answer) == (date(2026, 10, 9), date(2026, 10, 10))  # Saturday the 10th is a working day
    assert loop._limits_for("consult", False, date(2026, 10, 9)) == (None, date(2026, 10, 10))
    assert loop._limits_for("praise", False, date(2026, 10, 9)) == (None, None)
