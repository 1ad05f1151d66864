"""From a unit's figure to the cases and 差评 tickets behind it (issue 19 §1): each list holds the rows the
daily roll-up counts for that unit and period — not a case of another department, outside the period or of
another rule, not a ticket answered in time, of another unit or merged — and each row opens for the
supervisor on the existing staff page."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.conftest import login_client
from tests.supervision.dashboard_support import (
    END,
    ITEM,
    START,
    at,
    case_event,
    make_case,
    make_ticket,
    period,
    turned_red,
)
from tests.supervision.html import parse

pytestmark = pytest.mark.django_db
IN, BEFORE, AFTER = START + timedelta(days=3), START - timedelta(days=5), END + timedelta(days=1)


def listed(response) -> list[str]:
    """The numbers listed (the first column), and each links to a page."""
    assert response.status_code == 200, response.content[:500]
    table = parse(response.content).by_id("drill-rows")
    if table is None:
        return []
    return sorted(row[0] for row in table.table_rows()[1:])


def links(response) -> dict[str, str]:
    table = parse(response.content).by_id("drill-rows")
    return {a.text(): a.attrs["href"] for a in table.find_all("a")}


def drill(client, dim: str, key, family: str, figure: str):
    return client.get(f"/supervision/units/{dim}/{key}/{family}/", period(figure=figure))


@pytest.fixture
def cases(world):
    hp, xh = world["hp_housing"], world["xh_housing"]
    made = {
        "red": make_case(hp, number="TB2026DB000RED"),
        "red_xh": make_case(xh, number="TB2026DB00REDX"),
        "red_before": make_case(hp, number="TB2026DB00REDB"),
        "yellow": make_case(hp, number="TB2026DB00YELL", light="yellow"),
        "other_item": make_case(hp, number="TB2026DB00ITEM", target=uuid.UUID(int=7)),
        "late": make_case(
            hp, number="TB2026DB00LATE", status="concluded", concluded_at=at(IN, 15), actual_days=7
        ),
        "on_time": make_case(
            hp, number="TB2026DB0ONTIM", status="concluded", concluded_at=at(IN, 15), actual_days=5
        ),
        "late_after": make_case(
            hp, number="TB2026DB0LATEA", status="concluded", concluded_at=at(AFTER, 15), actual_days=9
        ),
        "refused": make_case(hp, number="TB2026DB0REFUS", status="refused"),
        "refused_xh": make_case(xh, number="TB2026DB0REFXH", status="refused"),
        "supplement": make_case(hp, number="TB2026DB0SUPPL", status="supplement"),
    }
    turned_red(made["red"], IN)
    turned_red(made["red_xh"], IN)
    turned_red(made["red_before"], BEFORE)
    turned_red(made["yellow"], IN, rule="case_due_soon")
    turned_red(made["other_item"], IN)
    case_event(made["refused"], "refuse", IN)
    case_event(made["refused_xh"], "refuse", IN)
    case_event(made["supplement"], "request_supplement", IN)
    case_event(made["supplement"], "refuse", AFTER)
    return made


@pytest.mark.parametrize(
    ("figure", "expected"),
    [
        ("turned_red", ["TB2026DB000RED", "TB2026DB00ITEM"]),
        ("concluded_late", ["TB2026DB00LATE"]),
        ("refused", ["TB2026DB0REFUS"]),
        ("supplemented", ["TB2026DB0SUPPL"]),
    ],
)
def test_a_department_lists_only_its_cases_of_the_period(world, cases, figure, expected):
    client = login_client(world["hp_supervisor"])
    response = drill(client, "department", world["hp_housing"].uuid, "cases", figure)
    assert listed(response) == expected


def test_the_item_and_the_district_list_their_own_cases(world, cases):
    city = login_client(world["city"])
    assert listed(drill(city, "item", ITEM, "cases", "turned_red")) == ["TB2026DB000RED", "TB2026DB00REDX"]
    hp_supervisor = login_client(world["hp_supervisor"])
    assert listed(drill(hp_supervisor, "item", ITEM, "cases", "turned_red")) == ["TB2026DB000RED"]
    huangpu, xuhui = world["huangpu"].uuid, world["xuhui"].uuid
    assert listed(drill(city, "district", huangpu, "cases", "turned_red")) == [
        "TB2026DB000RED",
        "TB2026DB00ITEM",
    ]
    assert listed(drill(city, "district", xuhui, "cases", "turned_red")) == ["TB2026DB00REDX"]
    assert drill(hp_supervisor, "district", xuhui, "cases", "turned_red").status_code == 404


def test_each_case_opens_for_the_supervisor_on_the_staff_page(world, cases):
    client = login_client(world["hp_supervisor"])
    response = drill(client, "department", world["hp_housing"].uuid, "cases", "turned_red")
    href = links(response)["TB2026DB000RED"]
    assert href == f"/staff/cases/{cases['red'].uuid}/"
    page = client.get(href)
    assert page.status_code == 200
    assert "TB2026DB000RED" in page.content.decode()
    assert "受理" not in {
        b.text() for b in parse(page.content).find_all("button")
    }  # reads only, acts on nothing
    assert login_client(world["city"]).get(href).status_code == 200
    assert login_client(world["xh_supervisor"]).get(href).status_code == 404  # not their department
    assert login_client(world["reviewer"]).get(f"/staff/cases/{cases['red_xh'].uuid}/").status_code == 404


def test_the_list_says_what_the_roll_up_counted(world, cases):
    client = login_client(world["hp_supervisor"])
    page = parse(drill(client, "department", world["hp_housing"].uuid, "cases", "concluded_late").content)
    said = page.by_id("drill-count").text()
    assert said.startswith("共 1 件")
    assert "每日汇总计为 2" in said  # the hand-made roll-up rows say 10 concluded, 8 on time


@pytest.fixture
def tickets(world):
    hp, xh = world["hp_housing"], world["xh_housing"]
    due = START + timedelta(days=3)
    return {
        "late": make_ticket(
            hp, number="GD-LATE", received=START, answer_due=due, answered=due + timedelta(days=2)
        ),
        "in_time": make_ticket(
            hp, number="GD-INTIME", received=START, answer_due=due, answered=due - timedelta(days=1)
        ),
        "unanswered": make_ticket(hp, number="GD-OPEN", received=START, answer_due=due),
        "other_unit": make_ticket(xh, number="GD-XH", received=START, answer_due=due),
        "before": make_ticket(hp, number="GD-BEFORE", received=BEFORE, answer_due=BEFORE + timedelta(days=1)),
        "merged": make_ticket(hp, number="GD-MERGED", received=START, answer_due=due, status="merged"),
        "not_revisited": make_ticket(
            hp,
            number="GD-NOREVISIT",
            received=START,
            answer_due=due,
            answered=due - timedelta(days=1),
            revisit_due=due + timedelta(days=3),
        ),
        "revisited": make_ticket(
            hp,
            number="GD-REVISITED",
            received=START,
            answer_due=due,
            answered=due - timedelta(days=1),
            revisit_due=due + timedelta(days=3),
            revisited_at=at(due + timedelta(days=1)),
            status="closed",
        ),
        "anonymous_caller": make_ticket(
            hp,
            number="GD-NONAME",
            received=START,
            answer_due=due,
            answered=due - timedelta(days=1),
            revisit_due=due + timedelta(days=3),
            person_user_id=None,
        ),
    }


def test_a_department_lists_only_its_unfixed_and_not_revisited_tickets(world, tickets):
    client = login_client(world["hp_supervisor"])
    hp = world["hp_housing"].uuid
    assert listed(drill(client, "department", hp, "tickets", "bad_due_unfixed")) == ["GD-LATE", "GD-OPEN"]
    assert listed(drill(client, "department", hp, "tickets", "not_revisited")) == ["GD-NOREVISIT"]
    city = login_client(world["city"])
    assert listed(drill(city, "district", world["xuhui"].uuid, "tickets", "bad_due_unfixed")) == ["GD-XH"]


def test_each_ticket_opens_for_the_supervisor_on_the_staff_page(world, tickets):
    client = login_client(world["hp_supervisor"])
    response = drill(client, "department", world["hp_housing"].uuid, "tickets", "bad_due_unfixed")
    href = links(response)["GD-LATE"]
    assert href == f"/ratings/handling/{tickets['late'].uuid}/"
    assert client.get(href).status_code == 200
    assert login_client(world["xh_supervisor"]).get(href).status_code == 404


def test_a_figure_the_unit_does_not_have_is_refused(world, tickets):
    client = login_client(world["city"])
    hp = world["hp_housing"].uuid
    response = client.get(f"/supervision/units/department/{hp}/cases/", period(figure="not_revisited"))
    assert response.status_code == 422
    assert parse(response.content).by_id("form-error").text() == "请选择要查看的指标"
    bad_period = client.get(
        f"/supervision/units/department/{hp}/tickets/", {"figure": "not_revisited", "from": "2026-13-01"}
    )
    assert bad_period.status_code == 422
    centre = world["centre"].uuid
    assert (
        client.get(f"/supervision/units/centre/{centre}/cases/", period(figure="turned_red")).status_code
        == 404
    )
    assert (
        client.get(f"/supervision/units/centre/{centre}/tickets/", period(figure="not_revisited")).status_code
        == 200
    )


def test_every_list_holds_as_many_rows_as_the_roll_up_counts(world, cases, tickets):
    """The roll-up (rollup.py) counted again from the raw rows made here: each unit's list is as long as the
    shortfall its figures show."""
    from tongban.accounts.facade import actor_for
    from tongban.supervision.access import access_unit
    from tongban.supervision.drilldown import (
        CASE_FIGURES,
        TICKET_FIGURES,
        cases_behind,
        shortfall,
        tickets_behind,
    )
    from tongban.supervision.figures import one_unit
    from tongban.supervision.rollup import rollup_rebuild

    rollup_rebuild(START - timedelta(days=10), END + timedelta(days=2))
    actor = actor_for(world["city"])
    today = END + timedelta(days=10)
    checked = 0
    for dim, key in [
        ("department", world["hp_housing"].uuid),
        ("department", world["xh_housing"].uuid),
        ("district", world["huangpu"].uuid),
        ("district", world["xuhui"].uuid),
        ("item", ITEM),
    ]:
        unit = access_unit(actor=actor, dim=dim, unit_key=str(key))
        figures = one_unit(scope=unit.scope, dim=dim, unit_key=unit.key, start=START, end=END)
        for name in CASE_FIGURES:
            rows = cases_behind(actor=actor, unit=unit, figure=name, start=START, end=END)
            assert rows.count() == shortfall(figures, name), (dim, name)
            checked += rows.count()
        if dim == "item":
            continue
        for name in TICKET_FIGURES:
            rows = tickets_behind(actor=actor, unit=unit, figure=name, start=START, end=END, today=today)
            assert rows.count() == shortfall(figures, name), (dim, name)
            checked += rows.count()
    assert checked > 10
