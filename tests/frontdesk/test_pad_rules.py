"""Who may rate what on the evaluation pad (docs/domain/frontdesk.md §7): only the window's current session
(the newest open one; opening a session closes the older ones), within 15 minutes of the service's end,
never staff of the centre, throttled per address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import csrf_headers, login_client
from tongban.frontdesk import access
from tongban.frontdesk.models import PadSession, Service
from tongban.frontdesk.services.handout import pad_current, pad_open

pytestmark = pytest.mark.django_db


def _service(hall, window, *, ended_ago=timedelta(minutes=1)) -> Service:
    return Service.objects.create(
        centre=hall["centre"],
        window=window,
        clerk_user_id=hall["clerk"].pk,
        clerk_label="陈敏",
        finished_at=timezone.now() - ended_ago,
    )


@pytest.fixture
def pad(hall):
    window = hall["windows"][1]
    url = f"/hall/huangpu/pad/{window.uuid}/"
    client = Client()
    return {**hall, "window": window, "url": url, "client": client}


def _rate(client, url, session, score="5"):
    headers = csrf_headers(client) if "csrftoken" in client.cookies else {}
    return client.post(url, {"session": str(session.uuid), "score": score}, **headers)


def test_only_the_windows_current_session_is_rated(pad):
    first = pad_open(pad["window"], _service(pad, pad["window"]))
    second = pad_open(pad["window"], _service(pad, pad["window"]))
    first.refresh_from_db()
    # Opening the second closed the first, unrated: it can no longer be rated.
    assert first.closed_at is not None and first.score is None
    assert pad_current(pad["window"]) == second
    stale = _rate(pad["client"], pad["url"], first, "1")
    assert stale.status_code == 404 and "当前没有待评价的服务" in stale.content.decode()
    assert PadSession.objects.get(pk=first.pk).score is None
    assert _rate(pad["client"], pad["url"], second, "5").status_code == 200
    assert PadSession.objects.get(pk=second.pk).score == 5
    assert _rate(pad["client"], pad["url"], second, "1").status_code == 409


def test_an_older_session_left_open_is_not_rated_either(pad):
    """Sessions opened without pad_open (two left open): only the newest is the current one."""
    older = PadSession.objects.create(window=pad["window"], service=_service(pad, pad["window"]))
    newer = PadSession.objects.create(window=pad["window"], service=_service(pad, pad["window"]))
    assert _rate(pad["client"], pad["url"], older, "1").status_code == 404
    assert PadSession.objects.get(pk=older.pk).closed_at is None
    assert _rate(pad["client"], pad["url"], newer, "4").status_code == 200


def test_another_windows_session_is_not_rated_here(pad):
    other = pad_open(pad["windows"][2], _service(pad, pad["windows"][2]))
    pad_open(pad["window"], _service(pad, pad["window"]))
    assert _rate(pad["client"], pad["url"], other).status_code == 404
    assert PadSession.objects.get(pk=other.pk).closed_at is None


@pytest.mark.parametrize("ended_minutes_ago, status", [(14, 200), (16, 409)])
def test_a_service_is_rated_within_15_minutes_of_its_end(pad, ended_minutes_ago, status):
    session = pad_open(
        pad["window"], _service(pad, pad["window"], ended_ago=timedelta(minutes=ended_minutes_ago))
    )
    page = pad["client"].get(pad["url"]).content.decode()
    assert ("pad-form" in page) is (status == 200)  # past the time the pad waits for the next service
    response = _rate(pad["client"], pad["url"], session, "3")
    assert response.status_code == status
    session.refresh_from_db()
    if status == 409:
        assert "评价已关闭" in response.content.decode()
        assert session.score is None and session.closed_at is None
    else:
        assert session.score == 3


def test_staff_of_the_centre_cannot_rate(pad, make_person):
    session = pad_open(pad["window"], _service(pad, pad["window"]))
    for user in (pad["clerk"], pad["clerk2"]):
        response = _rate(login_client(user), pad["url"], session)
        assert response.status_code == 403
        assert "工作人员不能在评价器上评价" in response.content.decode()
    assert PadSession.objects.get(pk=session.pk).score is None
    # A signed-in citizen (or the anonymous pad) may.
    assert _rate(login_client(make_person().user), pad["url"], session, "5").status_code == 200


def test_the_pads_ratings_are_throttled_per_address(pad, monkeypatch):
    monkeypatch.setattr(access, "PAD_LIMIT", 2)
    session = pad_open(pad["window"], _service(pad, pad["window"]))
    assert _rate(pad["client"], pad["url"], session, "9").status_code == 422
    assert _rate(pad["client"], pad["url"], session, "9").status_code == 422
    refused = _rate(pad["client"], pad["url"], session, "5")
    assert refused.status_code == 429 and "评价过于频繁" in refused.content.decode()
    assert PadSession.objects.get(pk=session.pk).score is None
    # Another address is counted apart.
    assert (
        Client(REMOTE_ADDR="10.0.0.9")
        .post(pad["url"], {"session": str(session.uuid), "score": "5"})
        .status_code
        == 200
    )
