"""The queue's limits and its refusals of bad input (docs/domain/frontdesk.md §1, §4): tickets throttled per
address and at most two open per signed-in person, centre and day; at most two live bookings per person,
centre and day; a check-in only from 30 minutes before the slot to its end (missed after); malformed uuids,
a window without categories and malformed opening hours answer 4xx, never 500."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tests.conftest import csrf_headers, login_client
from tongban.accounts.facade import actor_for
from tongban.core.errors import DomainError
from tongban.frontdesk import access, hours
from tongban.frontdesk.constants import AppointmentStatus, TicketSource, TicketStatus
from tongban.frontdesk.errors import CentreClosed
from tongban.frontdesk.models import Appointment, AppointmentSlot, ServiceCentre, Ticket, Window
from tongban.frontdesk.services import queue

ALL_DAY = {"workday": [["00:00", "24:00"]], "restday": [["00:00", "24:00"]]}
pytestmark = pytest.mark.django_db


@pytest.fixture
def open_hall(hall):
    for centre in (hall["centre"], hall["other_centre"]):
        centre.hours = ALL_DAY
        centre.save(update_fields=["hours"])
    return hall


def _post(client, url, data=None, **extra):
    headers = csrf_headers(client) if "csrftoken" in client.cookies else {}
    return client.post(url, data or {}, **headers, **extra)


# --- taking a number ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, source, limit", [("", "KIOSK", "TAKE_KIOSK_LIMIT"), ("take/", "PHONE", "TAKE_PHONE_LIMIT")]
)
def test_taking_numbers_is_throttled_per_address(open_hall, monkeypatch, path, source, limit):
    monkeypatch.setattr(access, limit, 3)
    client = Client()
    for _ in range(3):
        assert _post(client, f"/hall/huangpu/{path}", {"category": "P"}).status_code == 302
    refused = _post(client, f"/hall/huangpu/{path}", {"category": "P"})
    assert refused.status_code == 429 and "取号过于频繁" in refused.content.decode()
    assert Ticket.objects.filter(source=getattr(TicketSource, source)).count() == 3
    # Another address still takes one.
    assert (
        _post(Client(REMOTE_ADDR="10.0.0.7"), f"/hall/huangpu/{path}", {"category": "P"}).status_code == 302
    )


def test_a_signed_in_person_holds_at_most_two_open_tickets_a_day(open_hall, make_person):
    user = make_person().user
    client = login_client(user)
    for _ in range(2):
        assert _post(client, "/hall/huangpu/take/", {"category": "P"}).status_code == 302
    refused = _post(client, "/hall/huangpu/take/", {"category": "E"})
    assert refused.status_code == 409 and "未办完的号" in refused.content.decode()
    with pytest.raises(DomainError) as exc:
        queue.ticket_take(open_hall["centre"], "G", TicketSource.PHONE, user.pk)
    assert exc.value.code == "too_many_tickets"
    assert Ticket.objects.filter(user_id=user.pk).count() == 2
    # Another centre is counted apart; a ticket no longer open frees a place.
    queue.ticket_take(open_hall["other_centre"], "P", TicketSource.PHONE, user.pk)
    Ticket.objects.filter(user_id=user.pk, centre=open_hall["centre"], category="P").update(
        status=TicketStatus.NO_SHOW
    )
    assert queue.ticket_take(open_hall["centre"], "P", TicketSource.PHONE, user.pk).user_id == user.pk


# --- appointments ------------------------------------------------------------------------------------------


def _slot(hall, day, start: time, end: time, category="P") -> AppointmentSlot:
    return AppointmentSlot.objects.create(
        centre=hall["centre"], day=day, start=start, end=end, category=category, capacity=4
    )


def test_at_most_two_live_bookings_per_person_centre_and_day(open_hall, make_person):
    actor = actor_for(make_person().user)
    day = timezone.localdate() + timedelta(days=2)
    slots = [_slot(open_hall, day, time(9 + i), time(10 + i)) for i in range(3)]
    first = queue.appointment_book(actor=actor, slot=slots[0])
    queue.appointment_book(actor=actor, slot=slots[1])
    with pytest.raises(DomainError) as exc:
        queue.appointment_book(actor=actor, slot=slots[2])
    assert exc.value.code == "too_many_appointments" and exc.value.status == 409
    slots[2].refresh_from_db()
    assert slots[2].booked == 0  # nothing half-written
    # Another day is counted apart; a cancelled booking frees a place.
    queue.appointment_book(actor=actor, slot=_slot(open_hall, day + timedelta(days=1), time(9), time(10)))
    queue.appointment_cancel(actor=actor, appointment=first)
    assert queue.appointment_book(actor=actor, slot=slots[2]).status == AppointmentStatus.BOOKED


@pytest.fixture
def booked(open_hall, make_person):
    user = make_person().user
    day = timezone.localdate() + timedelta(days=1)
    slot = _slot(open_hall, day, time(10), time(11))
    appointment = Appointment.objects.create(slot=slot, user_id=user.pk, person_label="张*")
    AppointmentSlot.objects.filter(pk=slot.pk).update(booked=1)
    start = timezone.make_aware(datetime.combine(day, time(10)))
    return {"actor": actor_for(user), "appointment": appointment, "start": start, "hall": open_hall}


@pytest.mark.parametrize("minutes_before", [31, 60])
def test_a_check_in_more_than_30_minutes_early_is_refused(booked, minutes_before):
    with pytest.raises(DomainError) as exc:
        queue.appointment_check_in(
            actor=booked["actor"],
            appointment=booked["appointment"],
            at=booked["start"] - timedelta(minutes=minutes_before),
        )
    assert exc.value.code == "appointment_too_early" and exc.value.status == 409
    booked["appointment"].refresh_from_db()
    assert booked["appointment"].status == AppointmentStatus.BOOKED and not Ticket.objects.exists()


@pytest.mark.parametrize("at_minutes", [-30, 0, 60])
def test_a_check_in_from_30_minutes_before_to_the_slots_end_gives_a_ticket(booked, at_minutes):
    ticket = queue.appointment_check_in(
        actor=booked["actor"],
        appointment=booked["appointment"],
        at=booked["start"] + timedelta(minutes=at_minutes),
    )
    assert ticket.source == TicketSource.APPOINTMENT and ticket.due_at == booked["start"]


def test_a_check_in_after_the_slots_end_marks_it_missed_and_does_not_jump_the_queue(booked):
    late = booked["start"] + timedelta(minutes=61)
    for _ in range(2):  # refused again, with the same answer
        with pytest.raises(DomainError) as exc:
            queue.appointment_check_in(actor=booked["actor"], appointment=booked["appointment"], at=late)
        assert exc.value.code == "appointment_missed" and "普通号" in str(exc.value.message)
    booked["appointment"].refresh_from_db()
    assert booked["appointment"].status == AppointmentStatus.MISSED
    assert not Ticket.objects.exists()


def test_a_late_check_in_on_the_appointments_page_is_409(open_hall, make_person):
    user = make_person().user
    slot = _slot(open_hall, timezone.localdate(), time(0), time(0, 1))  # ended today by noon
    appointment = Appointment.objects.create(slot=slot, user_id=user.pk, person_label="张*")
    noon = timezone.make_aware(datetime.combine(timezone.localdate(), time(12)))
    # whatever the hour the test runs: signed in at noon too (a session idle since the real hour would have
    # expired by noon when the test runs after midnight)
    with mock.patch("django.utils.timezone.now", return_value=noon):
        client = login_client(user)
        response = _post(
            client,
            "/hall/huangpu/appointments/",
            {"appointment": str(appointment.uuid), "action": "check_in"},
        )
    assert response.status_code == 409 and "已记为失约" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.MISSED


# --- bad input -----------------------------------------------------------------------------------------------


def test_a_malformed_appointment_uuid_is_404(open_hall, make_person):
    client = login_client(make_person().user)
    client.raise_request_exception = False
    for value in ("nope", "", "w:1"):
        response = _post(client, "/hall/huangpu/appointments/", {"appointment": value, "action": "cancel"})
        assert response.status_code == 404 and "预约不存在" in response.content.decode()


def test_the_panel_refuses_a_malformed_target_window(open_hall):
    w1 = open_hall["windows"][1]
    queue.ticket_take(open_hall["centre"], "P", TicketSource.KIOSK)
    ticket = queue.ticket_call_next(actor=actor_for(open_hall["clerk"]), window=w1)
    client = login_client(open_hall["clerk"])
    client.raise_request_exception = False
    for target in ("w:nope", "w:", f"w:{open_hall['other_centre'].windows.get().uuid}"):
        response = _post(client, f"/counter/{w1.uuid}/queue/", {"action": "transfer", "target": target})
        assert response.status_code == 404 and "窗口不存在" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.CALLED


def test_a_transfer_to_a_window_without_categories_is_409(open_hall):
    w1, w2 = open_hall["windows"][1], open_hall["windows"][2]
    Window.objects.filter(pk=w2.pk).update(categories=[])
    queue.ticket_take(open_hall["centre"], "P", TicketSource.KIOSK)
    ticket = queue.ticket_call_next(actor=actor_for(open_hall["clerk"]), window=w1)
    client = login_client(open_hall["clerk"])
    client.raise_request_exception = False
    response = client.post(
        f"/api/frontdesk/tickets/{ticket.uuid}/transfer",
        {"window": str(w2.uuid)},
        content_type="application/json",
        **csrf_headers(client),
    )
    assert response.status_code == 409 and response.json()["code"] == "window_no_categories"
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.CALLED
    assert Ticket.objects.count() == 1


# --- opening hours ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        {"workday": [["8:30", "16:30"]]},
        {"workday": [["16:30", "08:30"]]},
        {"workday": [["08:30", "08:30"]]},
        {"workday": [["08:30"]]},
        {"workday": [["25:00", "26:00"]]},
        {"workday": [["24:00", "24:00"]]},
        {"workday": "08:30-16:30"},
        {"weekday": [["08:30", "16:30"]]},
        ["08:30", "16:30"],
    ],
)
def test_the_admin_refuses_malformed_hours(hall, value):
    centre = hall["centre"]
    centre.hours = value
    with pytest.raises(ValidationError) as exc:
        centre.clean()
    assert "hours" in exc.value.message_dict


def test_the_admin_takes_well_formed_hours(hall):
    centre = hall["centre"]
    for value in (ALL_DAY, {"workday": [["08:30", "11:30"], ["13:30", "16:30"]], "restday": []}):
        centre.hours = value
        centre.clean()


def test_a_malformed_stored_span_counts_as_closed_and_warns_once(hall, caplog, client):
    centre = hall["centre"]
    bad = {"workday": [["00:00", "nope"], ["00:00", "24:00"]], "restday": [["x"], ["00:00", "24:00"]]}
    ServiceCentre.objects.filter(pk=centre.pk).update(hours=bad)
    centre.refresh_from_db()
    hours._warned.clear()
    with caplog.at_level(logging.WARNING, logger="tongban.frontdesk.hours"):
        day = timezone.localdate()
        assert hours.spans_for(centre, day) == [(time(0), time.max)]
        hours.spans_for(centre, day)
    assert len([r for r in caplog.records if "malformed opening span" in r.getMessage()]) == 1
    ServiceCentre.objects.filter(pk=centre.pk).update(hours={"workday": [["a", "b"]], "restday": 7})
    centre.refresh_from_db()
    with pytest.raises(CentreClosed):
        hours.require_open(centre, timezone.now())
    assert client.get("/hall/huangpu/").status_code == 200
    assert _post(client, "/hall/huangpu/", {"category": "P"}).status_code == 409
