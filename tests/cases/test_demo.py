"""The demo shows the supervision board at work (issue 15): `tongban demo` makes cases whose steps are in
预警 and 超期 today, for the city supervisor across departments and for the district supervisor in their
district only; loading it again adds nothing. (A test of the demo itself: it loads the demo on purpose.)"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from tests.conftest import login_client
from tongban.accounts.facade import demo_users
from tongban.cases.models import Case, CaseEvent, SupervisionEvent

pytestmark = pytest.mark.django_db


def board(username: str) -> dict[str, set[str]]:
    """The board as the supervisor reads it: per department, the lights its rows show."""
    client = login_client(demo_users(username)[username])
    html = client.get("/supervision/").content.decode()
    sections = re.findall(r'<h2 id="d-\d+">([^<]+)</h2>(.*?)</section>', html, re.S)
    return {dept: set(re.findall(r'<span class="light \w+">([^<]+)</span>', body)) for dept, body in sections}


def test_the_demo_puts_yellow_and_red_steps_on_both_supervisors_boards_and_loads_again_unchanged(capsys):
    call_command("demo")
    assert "办件 cases: 4 new demo cases" in capsys.readouterr().out
    city = board("supervisor_city")
    assert city["黄浦区住房保障和房屋管理局"] == {"超期", "预警"}
    assert city["上海市税务局"] == {"超期"} and city["上海市人力资源和社会保障局"] == {"预警"}
    assert board("supervisor") == {"黄浦区住房保障和房屋管理局": {"超期", "预警"}}
    # The supervision task has recorded the lights (GB/T 39046 表11), once.
    assert {e.light for e in SupervisionEvent.objects.all()} == {"red", "yellow"}

    counts = (Case.objects.count(), CaseEvent.objects.count(), SupervisionEvent.objects.count())
    call_command("demo")
    assert "办件 cases: 0 new demo cases" in capsys.readouterr().out
    assert (Case.objects.count(), CaseEvent.objects.count(), SupervisionEvent.objects.count()) == counts
    assert board("supervisor") == {"黄浦区住房保障和房屋管理局": {"超期", "预警"}}
