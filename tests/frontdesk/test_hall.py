"""The hall's pages, the board's catch-up, the voice, the clerk's API and queue panel."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import csrf_headers, login_client
from tongban.accounts.facade import actor_for
from tongban.frontdesk import voice
from tongban.frontdesk.constants import TicketSource
from tongban.frontdesk.models import Ticket, TicketEvent
from tongban.frontdesk.services.queue import ticket_call_next, ticket_finish, ticket_take

ALL_DAY = {"workday": [["00:00", "24:00"]], "restday": [["00:00", "24:00"]]}


def post(client, url, data=None, **extra):
    return client.post(url, data or {}, **csrf_headers(client), **extra)


@pytest.fixture
def open_hall(hall, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    for centre in (hall["centre"], hall["other_centre"]):
        centre.hours = ALL_DAY
        centre.save(update_fields=["hours"])
    return hall


def test_the_kiosk_takes_a_ticket_and_shows_its_page_with_the_qr(client, open_hall):
    page = client.get("/hall/huangpu/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "绿色通道" in html and "<svg" in html and 'class="qr-code"' in html
    answer = client.post("/hall/huangpu/", {"category": "P"})
    ticket = Ticket.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/hall/huangpu/tickets/{ticket.uuid}/"
    assert ticket.number == "P001" and ticket.source == TicketSource.KIOSK and ticket.user_id is None
    client.post("/hall/huangpu/", {"category": "P"})
    second = Ticket.objects.get(number="P002")
    html = client.get(f"/hall/huangpu/tickets/{second.uuid}/").content.decode()
    assert "P002" in html and "前面还有 <strong>1</strong> 位" in html and "预计等候约 3 分钟" in html
    assert 'hx-trigger="every 5s"' in html
    assert client.get("/hall/nowhere/").status_code == 404


def test_the_kiosk_refuses_a_ticket_when_closed_saying_todays_hours(client, hall):
    hall["centre"].hours = {"workday": [], "restday": []}
    hall["centre"].save(update_fields=["hours"])
    answer = client.post("/hall/huangpu/", {"category": "P"})
    assert answer.status_code == 409
    assert "全天不开放" in answer.content.decode()
    assert Ticket.objects.count() == 0


def test_the_phone_take_keeps_the_signed_in_user_and_the_ticket_page_says_the_window(open_hall, make_person):
    person = make_person().user
    client = login_client(person)
    post(client, "/hall/huangpu/take/", {"category": "E"})
    ticket = Ticket.objects.get()
    assert ticket.source == TicketSource.PHONE and ticket.user_id == person.id
    ticket_call_next(actor=actor_for(open_hall["clerk"]), window=open_hall["windows"][1])
    status = client.get(f"/hall/huangpu/tickets/{ticket.uuid}/", HTTP_HX_REQUEST="true").content.decode()
    assert "请到 1 号窗口" in status


def _events(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-event="(\d+)"', html)]


def _since(html: str) -> int:
    return int(re.search(r'data-since="(\d+)"', html).group(1))


def test_a_board_that_missed_polls_catches_up_with_every_call_in_order_once(client, open_hall, monkeypatch):
    monkeypatch.setattr(voice, "engine", lambda: None)  # text only here
    clerk = actor_for(open_hall["clerk"])
    clerk2 = actor_for(open_hall["clerk2"])
    for _ in range(4):
        ticket_take(open_hall["centre"], "P", TicketSource.KIOSK)
    board = client.get("/hall/huangpu/board/").content.decode()
    since = _since(board)
    assert "等候人数" in board and 'hx-trigger="every 2s"' in board
    # The network blinks: three calls are made while the board does not poll.
    first = ticket_call_next(actor=clerk, window=open_hall["windows"][1])
    second = ticket_call_next(actor=clerk2, window=open_hall["windows"][2])
    ticket_finish(actor=clerk, ticket=first)
    third = ticket_call_next(actor=clerk, window=open_hall["windows"][1])
    calls = TicketEvent.objects.filter(action="call").order_by("id")
    html = client.get(f"/hall/huangpu/board/calls?since={since}").content.decode()
    # Inserted at the top of the list newest first: reversed, they are the calls in order.
    assert list(reversed(_events(html.split('id="waiting-counts"')[0]))) == [e.id for e in calls]
    assert [first.number, second.number, third.number] == ["P001", "P002", "P003"]
    assert html.index("P003") < html.index("P002") < html.index("P001")
    assert "3 号窗口" not in html and "1 号窗口" in html and "2 号窗口" in html
    assert _since(html) == calls.last().id
    again = client.get(f"/hall/huangpu/board/calls?since={_since(html)}").content.decode()
    assert _events(again) == []  # each call once
    assert re.search(r"<dt>个人服务</dt><dd>1</dd>", again)


@pytest.mark.skipif(not voice.engine(), reason="espeak-ng is not installed (scripts/test-deps.sh)")
def test_each_call_is_said_by_espeak_once_per_phrase_and_served_as_a_wav(client, open_hall, monkeypatch):
    runs = []
    real_run = subprocess.run

    def counting_run(cmd, *args, **kwargs):
        runs.append(cmd)
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting_run)
    text = voice.phrase("G003", 3)
    assert text == "请 G003 号到 3 号窗口"
    key = voice.synthesise(text)
    path = voice.voice_path(key)
    assert path.read_bytes()[:4] == b"RIFF" and path.parent == Path(open_hall and voice.voice_dir())
    assert runs == [voice.espeak_command(text, Path(runs[0][-2]), runs[0][0])]
    assert runs[0][1:3] == ["-v", "cmn"] and runs[0][-1] == "请 G003 号到 3 号窗口"
    assert voice.synthesise(text) == key and len(runs) == 1  # cached: espeak-ng is not run again
    assert voice.voice_key(voice.phrase("G003", 4)) != key
    answer = client.get(f"/hall/huangpu/voice/{key}.wav")
    assert answer.status_code == 200 and answer["Content-Type"] == "audio/wav"
    assert b"".join(answer.streaming_content)[:4] == b"RIFF"
    assert client.get("/hall/huangpu/voice/../../secret_key.wav").status_code == 404
    assert client.get(f"/hall/huangpu/voice/{'0' * 32}.wav").status_code == 404
    # A fresh call on the board carries its phrase's audio.
    ticket_take(open_hall["centre"], "G", TicketSource.KIOSK)
    ticket_call_next(actor=actor_for(open_hall["clerk"]), window=open_hall["windows"][1])
    html = client.get("/hall/huangpu/board/calls?since=0").content.decode()
    assert f'data-voice="/hall/huangpu/voice/{voice.voice_key("请 G001 号到 1 号窗口")}.wav"' in html


def test_without_espeak_the_board_shows_text_only_and_warns_once(client, open_hall, monkeypatch, caplog):
    monkeypatch.setattr(voice, "engine", lambda: None)
    monkeypatch.setattr(voice, "_warned", False)
    ticket_take(open_hall["centre"], "P", TicketSource.KIOSK)
    ticket_take(open_hall["centre"], "P", TicketSource.KIOSK)
    ticket_call_next(actor=actor_for(open_hall["clerk"]), window=open_hall["windows"][1])
    ticket_call_next(actor=actor_for(open_hall["clerk2"]), window=open_hall["windows"][2])
    with caplog.at_level("WARNING", logger="tongban.frontdesk.voice"):
        html = client.get("/hall/huangpu/board/calls?since=0").content.decode()
    assert "data-voice" not in html and "请 P001 号到 1 号窗口" in html
    assert [r.message for r in caplog.records].count(
        "voice: espeak-ng is not installed (apt-get install espeak-ng); the hall's board shows calls as text only"
    ) == 1


def test_the_clerks_api_calls_and_acts_and_another_centres_clerk_gets_404(open_hall, make_staff):
    clerk = login_client(open_hall["clerk"])
    ticket_take(open_hall["centre"], "P", TicketSource.KIOSK)
    ticket_take(open_hall["centre"], "E", TicketSource.KIOSK)
    w1 = open_hall["windows"][1]
    answer = post(clerk, f"/api/frontdesk/windows/{w1.uuid}/call-next")
    assert answer.status_code == 200, answer.content
    called = answer.json()["ticket"]
    assert called["number"] == "P001" and called["window_number"] == 1 and called["status"] == "called"
    busy = post(clerk, f"/api/frontdesk/windows/{w1.uuid}/call-next")
    assert busy.status_code == 409 and busy.json()["code"] == "window_busy"
    assert post(clerk, f"/api/frontdesk/tickets/{called['uuid']}/recall").json()["recalls"] == 1
    assert post(clerk, f"/api/frontdesk/tickets/{called['uuid']}/start").json()["status"] == "serving"
    moved = post(
        clerk,
        f"/api/frontdesk/tickets/{called['uuid']}/transfer",
        {"category": "E"},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["number"] == "E002"
    queue = clerk.get(f"/api/frontdesk/centres/{open_hall['centre'].uuid}/queue").json()
    assert queue["waiting"]["E"] == 2 and queue["waiting"]["P"] == 0
    # Not on window 2's shift: 403; another centre's clerk: 404 for the window, the ticket and the centre.
    refused = post(clerk, f"/api/frontdesk/windows/{open_hall['windows'][2].uuid}/call-next")
    assert refused.status_code == 403 and refused.json()["code"] == "window_not_on_shift"
    xuhui_window = open_hall["other_centre"].windows.first()
    from tongban.accounts.models import Organisation

    outsider = make_staff(Organisation.objects.get(uuid=xuhui_window.org_uuid), role="window_clerk")
    other = login_client(outsider)
    assert post(other, f"/api/frontdesk/windows/{w1.uuid}/call-next").status_code == 404
    assert post(other, f"/api/frontdesk/tickets/{moved.json()['uuid']}/no-show").status_code == 404
    assert other.get(f"/api/frontdesk/centres/{open_hall['centre'].uuid}/queue").status_code == 404
    assert other.get(f"/counter/{w1.uuid}/queue/").status_code == 404
    assert Ticket.objects.get(uuid=moved.json()["uuid"]).status == "waiting"


def test_the_queue_panel_calls_and_finishes_for_the_counter_console(open_hall):
    clerk = login_client(open_hall["clerk"])
    ticket_take(open_hall["centre"], "G", TicketSource.KIOSK)
    ticket_take(open_hall["centre"], "P", TicketSource.KIOSK)
    w1 = open_hall["windows"][1]
    html = clerk.get(f"/counter/{w1.uuid}/queue/", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="queue-panel"' in html and "G001" in html and "P001" in html and "<html" not in html
    html = post(
        clerk, f"/counter/{w1.uuid}/queue/", {"action": "call"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert Ticket.objects.get(number="G001").status == "called"
    assert "已叫号" in html
    post(clerk, f"/counter/{w1.uuid}/queue/", {"action": "finish"}, HTTP_HX_REQUEST="true")
    assert Ticket.objects.get(number="G001").status == "done"
    page = clerk.get(f"/counter/{open_hall['windows'][2].uuid}/queue/").content.decode()
    assert "您今天不在该窗口值班" in page


def test_appointments_page_books_and_cancels_the_next_seven_days(open_hall, make_person):
    from tongban.core.maintenance import maintenance_run
    from tongban.frontdesk.models import Appointment, AppointmentSlot

    person = make_person().user
    client = login_client(person)
    AppointmentSlot.objects.all().delete()
    assert client.get("/hall/huangpu/appointments/").status_code == 200
    assert not AppointmentSlot.objects.exists()  # a page read writes nothing
    maintenance_run()  # `tongban maintenance` offers the week's slots
    assert AppointmentSlot.objects.filter(centre=open_hall["centre"]).exists()

    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    slot = (
        AppointmentSlot.objects.filter(centre=open_hall["centre"], day=tomorrow, category="E")
        .order_by("start")
        .first()
    )
    assert slot is not None and slot.capacity == 4
    assert post(client, "/hall/huangpu/appointments/", {"slot": slot.pk}).status_code == 302
    again = post(client, "/hall/huangpu/appointments/", {"slot": slot.pk})
    assert again.status_code == 409 and "您已预约该时段" in again.content.decode()
    appointment = Appointment.objects.get(user_id=person.id)
    post(client, "/hall/huangpu/appointments/", {"appointment": appointment.uuid, "action": "cancel"})
    appointment.refresh_from_db()
    slot.refresh_from_db()
    assert appointment.status == "cancelled" and slot.booked == 0
    assert client.get("/hall/huangpu/appointments/").status_code == 200
    from django.test import Client

    assert Client().get("/hall/huangpu/appointments/").status_code == 302  # sign in first


def test_the_estimated_wait_is_shared_by_the_windows_that_call_the_category(open_hall):
    from tongban.frontdesk.selectors import estimated_wait_minutes
    from tongban.frontdesk.services.queue import ticket_take

    ticket = ticket_take(open_hall["centre"], "P", "kiosk")
    # The demo's 黄浦 centre: windows 1 and 2 call personal tickets (5 min each before any is finished).
    assert estimated_wait_minutes(ticket, 4) == 10
    open_hall["windows"][2].categories = ["E"]
    open_hall["windows"][2].save(update_fields=["categories"])
    assert estimated_wait_minutes(ticket, 4) == 20
