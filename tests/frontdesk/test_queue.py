"""The queue: numbering, the calling order, opening hours, appointments' capacity, a window's actions, the
near-turn SMS, and calling at once on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from tongban.accounts.facade import actor_for
from tongban.core.errors import DomainError
from tongban.frontdesk import hours
from tongban.frontdesk.constants import TicketAction, TicketSource, TicketStatus
from tongban.frontdesk.models import AppointmentSlot, Ticket, TicketEvent
from tongban.frontdesk.selectors import ahead_of, queue_key, waiting_queue
from tongban.frontdesk.services.queue import (
    appointment_book,
    appointment_cancel,
    appointment_check_in,
    slot_start,
    ticket_call_next,
    ticket_finish,
    ticket_no_show,
    ticket_recall,
    ticket_start,
    ticket_take,
    ticket_transfer,
)

ALL_DAY = {"workday": [["00:00", "24:00"]], "restday": [["00:00", "24:00"]]}


@pytest.fixture
def citizen_factory(make_person):
    return lambda: make_person().user


@pytest.fixture
def open_hall(hall):
    for centre in (hall["centre"], hall["other_centre"]):
        centre.hours = ALL_DAY
        centre.save(update_fields=["hours"])
    return hall


def take(hall, category, source=TicketSource.KIOSK, user_id=None):
    return ticket_take(hall["centre"], category, source, user_id)


def test_numbers_run_per_centre_day_and_category(open_hall):
    numbers = [take(open_hall, c).number for c in "GEEPG"]
    assert numbers == ["G001", "E001", "E002", "P001", "G002"]
    other = ticket_take(open_hall["other_centre"], "E", TicketSource.KIOSK)
    assert other.number == "E001"
    assert TicketEvent.objects.filter(action=TicketAction.TAKE).count() == 6
    with pytest.raises(DomainError) as exc:
        take(open_hall, "X")
    assert exc.value.code == "ticket_category_invalid"


def test_tickets_are_refused_outside_opening_hours_with_todays_hours(hall):
    centre = hall["centre"]  # 08:30–16:30 on working days, 08:30–11:30 on rest days
    monday = datetime(2026, 12, 7, 18, 0, tzinfo=timezone.get_current_timezone())
    assert not hours.is_open(centre, monday)
    assert hours.is_open(centre, monday.replace(hour=9))
    with pytest.raises(DomainError) as exc:
        ticket_take(centre, "P", TicketSource.KIOSK, at=monday)
    assert exc.value.status == 409 and exc.value.code == "centre_closed"
    assert "08:30–16:30" in str(exc.value.message)
    saturday = monday + timedelta(days=5)
    assert hours.is_open(centre, saturday.replace(hour=10)) and not hours.is_open(
        centre, saturday.replace(hour=12)
    )
    assert hours.hours_text(centre, saturday.date()) == "08:30–11:30"
    assert Ticket.objects.count() == 0
    assert ticket_take(centre, "P", TicketSource.KIOSK, at=monday.replace(hour=9)).number == "P001"


def test_green_first_then_due_appointments_then_walk_ins_within_the_windows_categories(
    open_hall, django_user_model
):
    centre = open_hall["centre"]
    clerk = actor_for(open_hall["clerk"])
    window1 = open_hall["windows"][1]
    now = timezone.now()
    p1 = take(open_hall, "P")
    r1 = take(open_hall, "R")  # hand-out: not window 1's
    e1 = take(open_hall, "E")
    g1 = take(open_hall, "G")
    soon = Ticket.objects.create(
        centre=centre,
        day=p1.day,
        category="E",
        seq=90,
        number="E090",
        source="appointment",
        due_at=now + timedelta(hours=2),
    )
    due = Ticket.objects.create(
        centre=centre,
        day=p1.day,
        category="P",
        seq=91,
        number="P091",
        source="appointment",
        due_at=now - timedelta(minutes=5),
    )
    expected = [g1, due, p1, e1, soon]
    assert list(waiting_queue(window1, now)) == expected
    # The Python spelling of the order is the same rule as the SQL's.
    keys = sorted(
        Ticket.objects.filter(status="waiting").exclude(category="R"),
        key=lambda t: queue_key(t.category, t.due_at, t.pk, now),
    )
    assert keys == expected
    assert (
        ahead_of(p1, now) == 2 and ahead_of(g1, now) == 0 and ahead_of(soon, now) == 2
    )  # G001 and E001 (its category and the green channel)
    called = []
    for _ in range(5):
        ticket = ticket_call_next(actor=clerk, window=window1, now=now)
        called.append(ticket)
        ticket_finish(actor=clerk, ticket=ticket)
    assert [t.pk for t in called] == [t.pk for t in expected]
    assert ticket_call_next(actor=clerk, window=window1, now=now) is None
    assert Ticket.objects.get(pk=r1.pk).status == TicketStatus.WAITING


def test_a_window_calls_one_ticket_at_a_time_and_recall_no_show_start_finish(open_hall):
    clerk = actor_for(open_hall["clerk"])
    window1 = open_hall["windows"][1]
    a, b = take(open_hall, "P"), take(open_hall, "P")
    called = ticket_call_next(actor=clerk, window=window1)
    assert called.pk == a.pk and called.status == TicketStatus.CALLED and called.window == window1
    with pytest.raises(DomainError) as exc:
        ticket_call_next(actor=clerk, window=window1)
    assert exc.value.code == "window_busy"
    # The refused call left B waiting and wrote no event.
    assert Ticket.objects.get(pk=b.pk).status == TicketStatus.WAITING
    assert not TicketEvent.objects.filter(ticket=b, action="call").exists()
    assert ticket_recall(actor=clerk, ticket=called).recalls == 1
    assert ticket_no_show(actor=clerk, ticket=called).status == TicketStatus.NO_SHOW
    with pytest.raises(DomainError) as exc:
        ticket_recall(actor=clerk, ticket=called)
    assert exc.value.code == "ticket_state"
    second = ticket_call_next(actor=clerk, window=window1)
    assert second.pk == b.pk
    # Nobody else waits: still window_busy (not "nobody waits") while B is current; B stays as it was.
    with pytest.raises(DomainError) as exc:
        ticket_call_next(actor=clerk, window=window1)
    assert exc.value.code == "window_busy"
    assert Ticket.objects.get(pk=b.pk).status == TicketStatus.CALLED
    assert ticket_start(actor=clerk, ticket=second).status == TicketStatus.SERVING
    done = ticket_finish(actor=clerk, ticket=second)
    assert done.status == TicketStatus.DONE and done.finished_at >= done.started_at
    actions = list(TicketEvent.objects.filter(ticket=a).values_list("action", flat=True))
    assert actions == ["take", "call", "recall", "no_show"]
    assert list(TicketEvent.objects.filter(ticket=b).values_list("action", flat=True)) == [
        "take",
        "call",
        "start",
        "finish",
    ]


def test_transfer_to_a_category_or_a_window_gives_a_new_ticket_before_walk_ins(open_hall):
    clerk = actor_for(open_hall["clerk"])
    clerk2 = actor_for(open_hall["clerk2"])
    w1, w2, w4 = (open_hall["windows"][n] for n in (1, 2, 4))
    first = take(open_hall, "P")
    walk_in = take(open_hall, "E")
    ticket_call_next(actor=clerk, window=w1)
    moved = ticket_transfer(actor=clerk, ticket=first, category="E")
    assert moved.number == "E002" and moved.transferred_from_id == first.pk and moved.due_at is not None
    assert Ticket.objects.get(pk=first.pk).status == TicketStatus.TRANSFERRED
    assert ticket_call_next(actor=clerk2, window=w2).pk == moved.pk  # before the walk-in E001
    sent = ticket_transfer(actor=clerk2, ticket=moved, window=w4)
    assert sent.window == w4 and sent.category == "C"  # the 长三角 window's first category
    # Only that window calls it.
    ticket_call_next(actor=clerk2, window=w2)  # the walk-in
    assert Ticket.objects.get(pk=walk_in.pk).window == w2
    assert Ticket.objects.get(pk=sent.pk).status == TicketStatus.WAITING
    with pytest.raises(DomainError):
        ticket_transfer(actor=clerk2, ticket=walk_in)


def test_a_clerk_not_on_the_window_is_refused_and_another_centres_clerk_is_told_it_does_not_exist(open_hall):
    clerk = actor_for(open_hall["clerk"])
    take(open_hall, "P")
    with pytest.raises(DomainError) as exc:
        ticket_call_next(actor=clerk, window=open_hall["windows"][2])
    assert exc.value.status == 403 and exc.value.code == "window_not_on_shift"
    xuhui_window = open_hall["other_centre"].windows.first()
    with pytest.raises(DomainError) as exc:
        ticket_call_next(actor=clerk, window=xuhui_window)
    assert exc.value.status == 404
    assert Ticket.objects.filter(status="called").count() == 0


def _slot(hall, capacity=2):
    """Tomorrow 10:00–11:00: never across midnight, whatever the hour the tests run at."""
    return AppointmentSlot.objects.create(
        centre=hall["centre"],
        day=timezone.localdate() + timedelta(days=1),
        start=time(10),
        end=time(11),
        category="E",
        capacity=capacity,
    )


def test_appointments_respect_capacity_and_one_booking_per_person(open_hall, citizen_factory):
    slot = _slot(open_hall, capacity=2)
    a, b, c = (actor_for(citizen_factory()) for _ in range(3))
    first = appointment_book(actor=a, slot=slot)
    with pytest.raises(DomainError) as exc:
        appointment_book(actor=a, slot=slot)
    assert exc.value.code == "appointment_exists"
    appointment_book(actor=b, slot=slot)
    with pytest.raises(DomainError) as exc:
        appointment_book(actor=c, slot=slot)
    assert exc.value.code == "slot_full"
    slot.refresh_from_db()
    assert slot.booked == 2
    appointment_cancel(actor=a, appointment=first)
    slot.refresh_from_db()
    assert slot.booked == 1
    assert appointment_book(actor=c, slot=slot).status == "booked"


def test_check_in_gives_a_ticket_due_at_the_slots_start(open_hall, citizen_factory):
    start = timezone.localtime()
    slot = _slot(open_hall)
    person = actor_for(citizen_factory())
    appointment = appointment_book(actor=person, slot=slot)
    at = slot_start(slot) - timedelta(minutes=20)  # check-in opens 30 minutes before the slot
    ticket = appointment_check_in(actor=person, appointment=appointment, at=at)
    assert ticket.source == "appointment" and ticket.user_id == person.user_id
    assert timezone.localtime(ticket.due_at).time().replace(microsecond=0) == slot.start
    assert ticket.due_at > start
    with pytest.raises(DomainError) as exc:
        appointment_check_in(actor=person, appointment=appointment, at=at)
    assert exc.value.code == "ticket_state"


def test_the_third_in_line_behind_a_call_is_told_once_by_sms(open_hall, citizen_factory):
    from tongban.notifications.models import Message

    clerk = actor_for(open_hall["clerk"])
    person = citizen_factory()
    take(open_hall, "P")
    take(open_hall, "P")
    take(open_hall, "P")
    phone_ticket = take(open_hall, "P", TicketSource.PHONE, person.id)
    window = open_hall["windows"][1]
    ticket_finish(actor=clerk, ticket=ticket_call_next(actor=clerk, window=window))
    assert Ticket.objects.get(pk=phone_ticket.pk).near_notified
    message = Message.objects.get(user_id=person.id)
    assert "P004" in message.body and "前面还有 2 位" in message.body
    ticket_finish(actor=clerk, ticket=ticket_call_next(actor=clerk, window=window))
    assert Message.objects.filter(user_id=person.id).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_windows_calling_at_once_never_get_the_same_ticket(hall):
    from django.db import connection

    from tests.concurrency import at_once
    from tongban.frontdesk.models import Window, WindowShift

    assert connection.vendor == "postgresql", "a concurrency test: make test runs it on PostgreSQL"
    centre = hall["centre"]
    centre.hours = ALL_DAY
    centre.save(update_fields=["hours"])
    clerk = hall["clerk"]
    today = timezone.localdate()
    windows = []
    for n in range(20):
        w = Window.objects.create(
            centre=centre,
            number=100 + n,
            name=f"{100 + n}号窗口",
            kind="comprehensive",
            categories=["G", "E", "P", "C"],
        )
        WindowShift.objects.create(window=w, day=today, user_id=clerk.id, staff_label="clerk")
        windows.append(w)
    # Numbering under concurrent takes: no duplicates.
    taken = at_once(
        20, lambda: [ticket_take(centre, "EP"[i % 2], TicketSource.KIOSK).number for i in range(5)]
    )
    numbers = [n for batch in taken for n in batch]
    assert len(numbers) == 100 and len(set(numbers)) == 100
    assert sorted(numbers) == sorted(
        [f"E{i:03d}" for i in range(1, 61)] + [f"P{i:03d}" for i in range(1, 41)]
    )
    actor = actor_for(clerk)
    slots = iter(range(20))
    import threading

    lock = threading.Lock()

    def serve_until_empty():
        with lock:
            window = windows[next(slots)]
        got = []
        while True:
            ticket = ticket_call_next(actor=actor, window=window)
            if ticket is None:
                return got
            got.append(ticket.pk)
            ticket_finish(actor=actor, ticket=ticket)

    served = at_once(20, serve_until_empty)
    every = [pk for batch in served for pk in batch]
    assert len(every) == 100 and len(set(every)) == 100
    assert TicketEvent.objects.filter(action="call").count() == 100
    assert Ticket.objects.filter(status="done").count() == 100


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_calls_at_once_on_one_window_call_one_ticket_and_the_other_is_told_the_window_is_busy(hall):
    from django.db import connection

    from tests.concurrency import at_once

    assert connection.vendor == "postgresql", "a concurrency test: make test runs it on PostgreSQL"
    centre = hall["centre"]
    centre.hours = ALL_DAY
    centre.save(update_fields=["hours"])
    for _ in range(4):
        take(hall, "P")
    actor = actor_for(hall["clerk"])
    window1 = hall["windows"][1]

    def call():
        try:
            return ticket_call_next(actor=actor, window=window1).pk
        except DomainError as exc:
            return exc.code

    answers = at_once(4, call)
    called = [a for a in answers if isinstance(a, int)]
    assert len(called) == 1 and sorted(a for a in answers if isinstance(a, str)) == ["window_busy"] * 3
    assert list(Ticket.objects.filter(window=window1, status="called").values_list("pk", flat=True)) == called
    assert Ticket.objects.filter(status="waiting").count() == 3
    assert TicketEvent.objects.filter(action="call").count() == 1
