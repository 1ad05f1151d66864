"""The case pages tell the truth as a person meets them (issue 15): the applicant's timeline names
departments and windows (never a login, never an internal claim) and the applicant by their own name; a
step before acceptance reads 待受理; the lights are those of today, computed when the page is drawn, and
agree between the case header, its steps, the inbox and the board, before the supervision task has run."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import login_client
from tongban.accounts.constants import Role
from tongban.accounts.facade import actor_for
from tongban.cases.models import CaseStep
from tongban.cases.services import case_accept, step_claim, step_decide

pytestmark = pytest.mark.django_db


def text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def timeline(response) -> str:
    html = response.content.decode()
    return re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('class="timeline"', 1)[1].split("</ol>")[0])
    )


def lights(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<span class="light (\w+)">([^<]+)</span>', html)


def test_the_applicant_timeline_names_departments_and_windows_not_logins_nor_claims(world, submit):
    case, _ = submit()
    clerk, reviewer = world["clerk"], world["reviewers"]["market"]
    case_accept(actor=actor_for(clerk), case=case)
    step = step_claim(actor=actor_for(reviewer), step=case.steps.get(key="licence"))
    step_decide(actor=actor_for(reviewer), step=step, decision="pass", opinion="材料齐全")
    step_claim(actor=actor_for(world["reviewers"]["tax"]), step=case.steps.get(key="tax"))

    mine = login_client(world["applicant"].user).get(f"/cases/{case.uuid}/")
    said = timeline(mine)
    assert "1号综合窗口" in said and "上海市市场监督管理局" in said and "材料齐全" in said
    for login in (clerk.username, reviewer.username, world["reviewers"]["tax"].username):
        assert login not in mine.content.decode()
    assert "认领" not in said  # a reviewer taking a step is the department's business
    # The applicant's own submission carries their own name, unmasked (masking is for other eyes).
    assert "赵六" in said and "赵*" not in said
    # The steps table says the tax step is being handled, not by whom.
    tax_step = case.steps.get(key="tax")
    assert tax_step.claimed_by_name and tax_step.claimed_by_name not in text(mine)
    assert "办理中" in text(mine)

    staff = login_client(clerk).get(f"/staff/cases/{case.uuid}/")
    staff_said = timeline(staff)
    assert "认领" in staff_said and reviewer.username in staff_said  # staff keep who did what


def test_before_acceptance_a_step_is_waiting_for_acceptance(world, submit):
    case, _ = submit()
    page = text(login_client(world["applicant"].user).get(f"/cases/{case.uuid}/"))
    assert "待受理" in page and "等待前置环节" not in page
    case_accept(actor=actor_for(world["clerk"]), case=case)
    page = text(login_client(world["applicant"].user).get(f"/cases/{case.uuid}/"))
    assert "等待前置环节" in page  # after acceptance, the steps after the licence wait for it


@pytest.fixture
def due_soon(world, submit):
    """An accepted case whose licence step entered its yellow days yesterday, the supervision task not
    run since (its stored light is still green)."""
    case, _ = submit()
    case = case_accept(actor=actor_for(world["clerk"]), case=case)
    today = timezone.localdate()
    CaseStep.objects.filter(case=case, key="licence").update(
        due_on=today + timedelta(days=3), yellow_on=today - timedelta(days=1)
    )
    assert CaseStep.objects.get(case=case, key="licence").light == "green"
    return case


def test_the_lights_are_today_s_on_every_page_and_agree(world, due_soon, make_staff):
    case = due_soon
    applicant = login_client(world["applicant"].user).get(f"/cases/{case.uuid}/").content.decode()
    assert lights(applicant) == [("yellow", "预警"), ("yellow", "预警")]  # the header, the licence step

    reviewer = login_client(world["reviewers"]["market"])
    staff = reviewer.get(f"/staff/cases/{case.uuid}/").content.decode()
    assert set(lights(staff)) == {("yellow", "预警")}  # header, the step to decide and the steps table

    inbox = reviewer.get("/staff/inbox/").content.decode()
    assert lights(inbox) == [("yellow", "预警")]
    assert lights(reviewer.get("/staff/inbox/?light=yellow").content.decode()) == [("yellow", "预警")]
    assert lights(reviewer.get("/staff/inbox/?light=green").content.decode()) == []
    api = reviewer.get("/api/staff/inbox").json()["items"]
    assert [row["light"] for row in api] == ["yellow"]

    detail = login_client(world["applicant"].user).get(f"/api/cases/{case.uuid}").json()
    assert {s["key"]: s["light"] for s in detail["steps"]}["licence"] == "yellow"

    supervisor = login_client(make_staff(world["depts"]["market"], Role.SUPERVISOR))
    assert lights(supervisor.get("/supervision/").content.decode()) == [("yellow", "预警")]

    CaseStep.objects.filter(case=case, key="licence").update(due_on=timezone.localdate() - timedelta(days=1))
    assert lights(reviewer.get("/staff/inbox/?light=red").content.decode()) == [("red", "超期")]
