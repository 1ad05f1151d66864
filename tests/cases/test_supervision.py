"""The supervision task (电子监察) over many open cases: the lights turn as the rules say whether it runs in
one pass or several (PostgreSQL splits a big run into passes), only open steps of unpaused cases in process
are touched, days overdue are counted in working days per due date, and running it again changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tongban.accounts.facade import actor_for
from tongban.cases.constants import CaseStatus, Light
from tongban.cases.models import Case, CaseStep, SupervisionEvent
from tongban.cases.services import case_accept, case_withdraw, special_start
from tongban.cases.supervision import supervision_update

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 9, 28)  # the licence step of a case accepted that day is due on Tuesday 29 September
TUESDAY = date(2026, 9, 29)
AFTER_HOLIDAY = date(2026, 10, 8)  # 1–7 October is the National Day holiday
NOTHING = dict.fromkeys(["step_red", "step_yellow", "case_red", "case_yellow"], 0)


@pytest.fixture
def accepted(world, submit, monkeypatch):
    """``accepted(day)``: a case of the bundle accepted on ``day`` (its licence step ready, due next day)."""
    import tongban.cases.services as services

    def do(day: date) -> Case:
        case, _ = submit()
        monkeypatch.setattr(services.common, "today", lambda: day)
        case_accept(actor=actor_for(world["clerk"]), case=case)
        case.refresh_from_db()
        return case

    return do


@pytest.fixture
def passes(monkeypatch):
    """Make PostgreSQL turn even a handful of lights in several passes (a pass per 30 % of the open rows)."""
    import tongban.cases.supervision as supervision

    monkeypatch.setattr(supervision, "SHARE_PER_PASS", 0.3)
    monkeypatch.setattr(supervision, "MIN_ROWS_PER_PASS", 1)


def lights(model) -> dict[int, str]:
    return dict(model.objects.values_list("pk", "light"))


def turn_statements(queries) -> int:
    return sum(q["sql"].startswith("WITH turned AS (UPDATE") for q in queries)


def test_many_lights_turn_in_several_passes_as_in_one(accepted, passes):
    cases = [accepted(MONDAY) for _ in range(6)]
    open_steps = CaseStep.objects.filter(case__in=cases, key="licence")
    assert open_steps.count() == 6 and set(open_steps.values_list("light", flat=True)) == {Light.GREEN}

    with CaptureQueriesContext(connection) as queries:
        assert supervision_update(MONDAY) == {**NOTHING, "step_yellow": 6}
    if connection.vendor == "postgresql":
        assert turn_statements(queries.captured_queries) == 4  # 6 of 6 open steps, 30 % a pass
    assert set(open_steps.values_list("light", flat=True)) == {Light.YELLOW}
    assert SupervisionEvent.objects.filter(rule="step_due_soon", light=Light.YELLOW).count() == 6

    with CaptureQueriesContext(connection) as queries:
        assert supervision_update(AFTER_HOLIDAY) == {**NOTHING, "step_red": 6, "case_red": 6}
    if connection.vendor == "postgresql":
        assert turn_statements(queries.captured_queries) == 8
    assert set(open_steps.values_list("light", flat=True)) == {Light.RED}
    assert set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("light", flat=True)) == {
        Light.RED
    }
    assert SupervisionEvent.objects.count() == 6 + 6 + 6


def test_a_second_run_changes_nothing_more(accepted, passes):
    for _ in range(3):
        accepted(MONDAY)
    assert supervision_update(TUESDAY) == {**NOTHING, "step_yellow": 3, "case_yellow": 3}
    steps, cases, events = lights(CaseStep), lights(Case), SupervisionEvent.objects.count()

    with CaptureQueriesContext(connection) as queries:
        assert supervision_update(TUESDAY) == NOTHING
    if connection.vendor == "postgresql":
        assert turn_statements(queries.captured_queries) == 0  # the counting queries found nothing to turn
    assert (lights(CaseStep), lights(Case), SupervisionEvent.objects.count()) == (steps, cases, events)


def test_days_overdue_are_working_days_per_due_date_and_yellow_and_red_turn_in_one_run(accepted, passes):
    early, late = accepted(MONDAY), accepted(TUESDAY)
    assert early.due_on == date(2026, 9, 30) and late.due_on == AFTER_HOLIDAY

    assert supervision_update(AFTER_HOLIDAY) == {**NOTHING, "step_red": 2, "case_red": 1, "case_yellow": 1}

    red_steps = SupervisionEvent.objects.filter(rule="step_overdue", light=Light.RED)
    # Due 29 September: 30 September and 8 October are late; due 30 September: 8 October only.
    assert dict(red_steps.values_list("case_id", "days_overdue")) == {early.pk: 2, late.pk: 1}
    assert red_steps.get(case=early).department_name == "上海市市场监督管理局"
    case_event = SupervisionEvent.objects.get(step__isnull=True, light=Light.RED)
    assert (case_event.case_id, case_event.rule, case_event.days_overdue) == (early.pk, "case_overdue", 1)
    assert case_event.department_uuid == early.lead_department_uuid
    yellow = SupervisionEvent.objects.get(step__isnull=True, light=Light.YELLOW)
    assert (yellow.case_id, yellow.rule, yellow.days_overdue) == (late.pk, "case_due_soon", 0)


def test_only_open_steps_of_unpaused_cases_in_process_turn(world, accepted, passes):
    counted, paused, withdrawn = accepted(MONDAY), accepted(MONDAY), accepted(MONDAY)
    special_start(actor=actor_for(world["clerk"]), case=paused, kind="inspection", reason="现场核查经营场所")
    case_withdraw(actor=actor_for(world["applicant"].user), case=withdrawn)
    assert Case.objects.get(pk=withdrawn.pk).status == CaseStatus.WITHDRAWN
    waiting = CaseStep.objects.filter(case=counted).exclude(key="licence")
    assert waiting.count() == 2  # tax and social wait for the licence: no due date yet

    assert supervision_update(AFTER_HOLIDAY) == {**NOTHING, "step_red": 1, "case_red": 1}

    turned = {(e.case_id, e.step_id) for e in SupervisionEvent.objects.all()}
    licence = CaseStep.objects.get(case=counted, key="licence")
    assert turned == {(counted.pk, licence.pk), (counted.pk, None)}
    assert set(waiting.values_list("light", flat=True)) == {Light.GREEN}
    others = CaseStep.objects.filter(case__in=[paused, withdrawn])
    assert set(others.values_list("light", flat=True)) == {Light.GREEN}
    assert set(Case.objects.filter(pk__in=[paused.pk, withdrawn.pk]).values_list("light", flat=True)) == {
        Light.GREEN
    }


def test_every_event_points_at_its_case_and_that_cases_step_and_goes_with_the_case(accepted, passes):
    # The events have no database foreign-key constraints (cases 0004): the task itself must write only
    # references that exist, each step event to a step of the same case, with that step's department.
    cases = [accepted(MONDAY) for _ in range(3)]
    supervision_update(AFTER_HOLIDAY)
    events = list(SupervisionEvent.objects.values("case_id", "step_id", "department_uuid", "rule"))
    assert len(events) == 6 and {e["rule"] for e in events} == {"step_overdue", "case_overdue"}
    steps = {s.pk: s for s in CaseStep.objects.filter(case__in=cases)}
    for event in events:
        assert event["case_id"] in {c.pk for c in cases}
        if event["step_id"] is not None:
            step = steps[event["step_id"]]
            assert (step.case_id, step.department_uuid) == (event["case_id"], event["department_uuid"])

    cases[0].delete()  # Django cascades in Python: no event is left pointing at nothing
    assert not SupervisionEvent.objects.filter(case_id=cases[0].pk).exists()
    assert SupervisionEvent.objects.count() == 4
