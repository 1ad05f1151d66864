"""The centre's dashboard: who may open it, what it shows (the reference lines, the numbers in text), and the
figures that need the cases — 收件准确率 from the acceptances and later returns — and the comparison with
before."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tests.conftest import login_client
from tests.frontdesk.handout_support import concluded_case
from tongban.accounts.models import User
from tongban.cases.models import CaseEvent
from tongban.frontdesk import figures
from tongban.frontdesk.models import Service, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def _served(centre, window, clerk, taken, wait, service):
    """A ticket taken at ``taken``, called after ``wait`` seconds, served for ``service`` seconds."""
    ticket = Ticket.objects.create(
        centre=centre,
        day=taken.date(),
        category="P",
        seq=Ticket.objects.count() + 1,
        number="P",
        source="kiosk",
    )
    call = taken + timedelta(seconds=wait)
    finish = call + timedelta(seconds=service)
    for action, at in (("take", taken), ("call", call), ("start", call), ("finish", finish)):
        event = TicketEvent.objects.create(
            ticket=ticket, action=action, window=window, actor_user_id=clerk.pk
        )
        TicketEvent.objects.filter(pk=event.pk).update(at=at)
    return ticket


def test_the_dashboard_opens_for_the_centre_s_clerks_and_supervisors_only(hall):
    url = f"/centres/{hall['centre'].uuid}/dashboard/"
    for user in (hall["clerk"], hall["handout"], User.objects.get(username="supervisor")):
        page = login_client(user).get(url, {"period": "week"})
        assert page.status_code == 200, user
        text = page.content.decode()
        assert "收件准确率 90% 以上" in text and "当场办结率 75%" in text
    other = f"/centres/{hall['other_centre'].uuid}/dashboard/"
    assert login_client(hall["clerk"]).get(other).status_code == 404
    assert login_client(User.objects.get(username="reviewer")).get(url).status_code == 404
    assert login_client(User.objects.get(username="supervisor_city")).get(other).status_code == 200


def test_accuracy_on_the_spot_and_the_waiting_time_against_before(hall, make_person):
    centre, window, clerk = hall["centre"], hall["windows"][1], hall["clerk"]
    cases = [concluded_case(make_person(), centre=centre, window=window, clerk=clerk) for _ in range(4)]
    for case in cases:
        CaseEvent.objects.create(case=case, action="accept", actor_label="x")
    CaseEvent.objects.create(
        case=cases[0], action="step_return", actor_label="y"
    )  # returned after acceptance
    Service.objects.filter(case_uuids=[str(cases[1].uuid)]).update(on_the_spot=True)
    start = timezone.make_aware(datetime.combine(timezone.localdate(), datetime.min.time()))
    _served(centre, window, clerk, start + timedelta(hours=10), wait=300, service=120)
    _served(centre, window, clerk, start - timedelta(hours=14), wait=600, service=60)  # yesterday
    board = figures.centre_dashboard(centre, "today")
    assert board.compare_kind == "previous" and board.compare_start == start - timedelta(days=1)
    row = next(w for w in board.windows if w.key == str(window.uuid))
    assert (row.accepted, row.accurate, row.accuracy) == (4, 3, 0.75)
    assert (row.services, row.on_the_spot, row.on_the_spot_share) == (4, 1, 0.25)
    assert (row.served, row.wait_avg, row.service_avg) == (1, 300.0, 120.0)
    assert row.wait_before_avg == 600.0 and row.wait_change == -0.5
    assert board.total.accuracy == 0.75

    page = login_client(clerk).get(f"/centres/{centre.uuid}/dashboard/")
    text = page.content.decode()
    assert "75.0 %" in text and "25.0 %" in text and "-50.0 %" in text and "5:00" in text
    assert 'class="figure-bar"' in text and 'class="ref"' in text
