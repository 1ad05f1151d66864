"""Deadlines over a year with no State Council notice yet (docs/domain/working-days.md): counted with the
statutory holidays and flagged; shown as provisional to the applicant, the staff and the API; recomputed, and
the flag cleared, when the notice is entered — open cases only."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from tongban.accounts.facade import actor_for
from tongban.cases.constants import CaseStatus, Light
from tongban.cases.deadlines import deadlines_recompute, provisional_calendar_warning
from tongban.cases.models import Case, CaseEvent, CaseStep
from tongban.cases.services import case_accept, case_withdraw, step_claim, step_decide
from tongban.cli import main
from tongban.core.models import AuditEvent, WorkCalendarDay
from tongban.core.workdays import calendar_year_set_from_notice, invalidate_calendar_cache

pytestmark = pytest.mark.django_db
LAST_DAY = date(2026, 12, 31)  # Thursday; 1 Jan 2027 (元旦) rests even without the notice
# A notice for 2027 as the State Council might publish it: 元旦 with Saturday 2 January made a working day.
NOTICE = {
    "year": 2027,
    "source_notice": "国务院办公厅关于2027年部分节假日安排的通知（测试）",
    "holidays": {"2027-01-01": "元旦"},
    "makeup_workdays": ["2027-01-02"],
}


@pytest.fixture(autouse=True)
def no_2027(db):
    WorkCalendarDay.objects.filter(date__year__gte=2027).delete()
    invalidate_calendar_cache()
    yield
    invalidate_calendar_cache()


@pytest.fixture
def accepted(world, submit, monkeypatch):
    import tongban.cases.services as services

    def do(day: date) -> Case:
        case, _ = submit()
        monkeypatch.setattr(services.common, "today", lambda: day)
        case_accept(actor=actor_for(world["clerk"]), case=case)
        case.refresh_from_db()
        return case

    return do


def steps(case) -> dict[str, CaseStep]:
    return {s.key: s for s in case.steps.all()}


def enter_notice():
    return calendar_year_set_from_notice(
        year=NOTICE["year"],
        holidays={date.fromisoformat(k): v for k, v in NOTICE["holidays"].items()},
        makeup_workdays=[date.fromisoformat(d) for d in NOTICE["makeup_workdays"]],
        source_notice=NOTICE["source_notice"],
    )


def test_a_case_accepted_in_late_december_is_due_after_new_year_and_flagged(world, accepted):
    case = accepted(LAST_DAY)
    licence = steps(case)["licence"]
    # 1 working day after 31 Dec: not Friday 1 January (元旦), but Monday 4 January.
    assert licence.due_on == date(2027, 1, 4) and licence.due_on_provisional is True
    assert case.due_on.year == 2027 and case.due_on_provisional is True
    # A case accepted and due within 2026 is not flagged.
    early = accepted(date(2026, 12, 1))
    assert early.due_on.year == 2026 and early.due_on_provisional is False
    assert steps(early)["licence"].due_on_provisional is False


def test_entering_the_notice_recomputes_open_cases_and_leaves_closed_ones_alone(world, accepted, monkeypatch):
    import tongban.cases.services as services

    open_case = accepted(LAST_DAY)
    due_before = open_case.due_on
    done = accepted(LAST_DAY)
    monkeypatch.setattr(services.common, "today", lambda: LAST_DAY)
    for key in ("licence", "tax", "social"):
        step = steps(done)[key]
        reviewer = world["reviewers"][{"licence": "market", "tax": "tax", "social": "hr"}[key]]
        step_claim(actor=actor_for(reviewer), step=step)
        step_decide(actor=actor_for(reviewer), step=step, decision="pass", opinion="")
    done.refresh_from_db()
    assert done.status == CaseStatus.CONCLUDED and done.due_on_provisional is True
    withdrawn = accepted(LAST_DAY)
    case_withdraw(actor=actor_for(world["applicant"].user), case=withdrawn)
    closed_before = {
        c.pk: (c.due_on, c.yellow_on, c.due_on_provisional)
        for c in Case.objects.filter(pk__in=[done.pk, withdrawn.pk])
    }

    loaded = enter_notice()

    assert loaded.cases_recomputed == 1
    open_case.refresh_from_db()
    licence = steps(open_case)["licence"]
    assert licence.due_on == date(2027, 1, 2) and licence.due_on_provisional is False  # the make-up Saturday
    assert open_case.due_on < due_before and open_case.due_on_provisional is False
    event = CaseEvent.objects.get(case=open_case, action="deadline_recomputed")
    assert event.actor_label == "系统" and event.detail["was"] == str(due_before)
    assert event.detail["due_on"] == str(open_case.due_on) and event.detail["years"] == [2027]
    audit = AuditEvent.objects.get(action="cases.deadlines_recompute")
    assert audit.actor_kind == "system" and audit.after["changed"] == 1
    after = {
        c.pk: (c.due_on, c.yellow_on, c.due_on_provisional)
        for c in Case.objects.filter(pk__in=[done.pk, withdrawn.pk])
    }
    assert after == closed_before
    assert not CaseEvent.objects.filter(case__in=[done, withdrawn], action="deadline_recomputed").exists()


def test_the_recomputed_dates_are_what_accepting_under_the_notice_gives(world, accepted):
    before = accepted(LAST_DAY)
    enter_notice()
    before.refresh_from_db()
    fresh = accepted(LAST_DAY)  # accepted once the notice is in
    assert (before.due_on, before.yellow_on, before.due_on_provisional) == (
        fresh.due_on,
        fresh.yellow_on,
        fresh.due_on_provisional,
    )
    assert [(s.due_on, s.yellow_on) for s in before.steps.order_by("order")] == [
        (s.due_on, s.yellow_on) for s in fresh.steps.order_by("order")
    ]


def test_recomputing_counts_the_days_a_special_procedure_paused(world, accepted, monkeypatch):
    import tongban.cases.services as services
    from tongban.cases.services import special_end, special_start

    case = accepted(date(2026, 12, 28))
    special_start(actor=actor_for(world["clerk"]), case=case, kind="inspection", reason="现场核查")
    monkeypatch.setattr(services.common, "today", lambda: date(2026, 12, 30))  # paused 29, 30 Dec
    special_end(actor=actor_for(world["clerk"]), case=case, result="核查通过")
    case.refresh_from_db()
    assert case.paused_days == 2 and case.due_on_provisional is True
    enter_notice()
    case.refresh_from_db()
    fresh = accepted(date(2026, 12, 28))
    from tongban.cases.deadlines import due_after

    assert case.due_on == due_after(date(2026, 12, 28), fresh.promised_days, 2)
    assert steps(case)["licence"].due_on == due_after(date(2026, 12, 28), 1, 2)
    assert case.due_on_provisional is False


def test_a_light_turned_on_by_provisional_dates_is_turned_back(world, accepted):
    case = accepted(LAST_DAY)
    licence = steps(case)["licence"]
    CaseStep.objects.filter(pk=licence.pk).update(light=Light.RED)
    Case.objects.filter(pk=case.pk).update(light=Light.YELLOW)
    result = deadlines_recompute(years=[2027], today=LAST_DAY)
    assert result["cases"] == 1
    licence.refresh_from_db()
    case.refresh_from_db()
    assert licence.light == Light.YELLOW  # due 4 Jan: yellow from 31 Dec, not overdue
    assert case.light == Light.GREEN  # due 5 Jan, yellow from 4 Jan


def test_the_cli_prints_how_many_cases_were_recomputed(world, accepted, tmp_path, capsys):
    accepted(LAST_DAY)
    path = tmp_path / "notice.json"
    path.write_text(json.dumps(NOTICE, ensure_ascii=False), encoding="utf-8")
    assert main(["calendar", "notice", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 open cases' deadlines recomputed" in out
    assert not Case.objects.filter(due_on_provisional=True).exists()


def test_the_flag_is_on_the_pages_and_in_the_api(world, accepted, client):
    case = accepted(LAST_DAY)
    client.force_login(world["applicant"].user)
    page = client.get(f"/cases/{case.uuid}/").content.decode()
    assert 'id="due-provisional"' in page and "暂按法定节假日推算" in page
    body = client.get(f"/api/cases/{case.uuid}").json()
    assert body["due_on_provisional"] is True
    assert {s["key"]: s["due_on_provisional"] for s in body["steps"]}["licence"] is True
    reviewer = Client()
    reviewer.force_login(world["reviewers"]["market"])
    inbox = reviewer.get("/staff/inbox/")
    text = inbox.content.decode()
    assert 'id="provisional-calendar"' in text and "2027" in text and "暂定" in text
    rows = reviewer.get("/api/staff/inbox").json()
    assert [r["due_on_provisional"] for r in rows["items"]] == [True]
    staff_page = reviewer.get(f"/staff/cases/{case.uuid}/").content.decode()
    assert 'id="due-provisional"' in staff_page and "暂定" in staff_page
    enter_notice()
    assert client.get(f"/api/cases/{case.uuid}").json()["due_on_provisional"] is False
    assert 'id="due-provisional"' not in client.get(f"/cases/{case.uuid}/").content.decode()


def test_staff_are_warned_when_next_year_is_near_or_a_deadline_is_provisional(world, accepted):
    assert provisional_calendar_warning(date(2026, 12, 2)) == {"years": "2027", "deadlines": False}
    assert provisional_calendar_warning(date(2026, 9, 1)) is None  # four months ahead, nothing due in 2027
    accepted(LAST_DAY)
    assert provisional_calendar_warning(date(2026, 9, 1)) == {"years": "2027", "deadlines": True}
    enter_notice()
    assert provisional_calendar_warning(date(2026, 12, 2)) is None


def test_an_admin_edit_of_a_day_recomputes_the_open_deadlines_over_it(world, accepted, admin_client):
    case = accepted(date(2026, 12, 29))
    licence = steps(case)["licence"]
    assert licence.due_on == date(2026, 12, 30)
    response = admin_client.post(
        "/admin/core/workcalendarday/2026-12-30/change/",
        {"date": "2026-12-30", "kind": "holiday", "name": "地方调整", "source_notice": "测试"},
    )
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.due_on == date(2026, 12, 31) and licence.due_on_provisional is False
    assert CaseEvent.objects.filter(case=case, action="deadline_recomputed").count() == 1


def test_the_board_marks_provisional_deadlines(world, accepted, make_staff, client):
    from tongban.accounts.constants import Role

    case = accepted(LAST_DAY)
    # Yellow from today (the board computes today's light from the dates, not only the stored one).
    CaseStep.objects.filter(case=case, key="licence").update(
        light=Light.YELLOW, yellow_on=timezone.localdate()
    )
    supervisor = make_staff(world["depts"]["market"], Role.SUPERVISOR)
    client.force_login(supervisor)
    rows = client.get("/api/supervision/board").json()
    assert [(r["number"], r["due_on_provisional"]) for r in rows] == [(case.number, True)]
    page = client.get("/supervision/").content.decode()
    assert 'id="provisional-calendar"' in page and "暂定" in page
