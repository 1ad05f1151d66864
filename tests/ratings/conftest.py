"""Shared setup of the ratings tests: ended and open cases of a person, led by a department with staff."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.conftest import csrf_headers, login_client
from tongban.accounts.constants import Role
from tongban.cases.models import Case, CaseStep
from tongban.ratings import tickets as loop
from tongban.ratings.models import Ticket

_seq = itertools.count(1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def make_case(person, department, *, status="concluded", submitted_by=None):
    now = timezone.now()
    n = next(_seq)
    case = Case.objects.create(
        number=f"TB20261207RT{n:06d}",
        target_kind="item",
        target_uuid=uuid.uuid4(),
        name="房屋租赁登记备案",
        lead_department_uuid=department.uuid,
        lead_department_name=department.name,
        applicant_kind="person",
        applicant_uuid=person.uuid,
        applicant_name=person.real_name,
        submitted_by=submitted_by or person.user_id,
        idempotency_key=f"rt-{n}",
        status=status,
        outcome="approved" if status == "concluded" else "",
        promised_days=5,
        legal_days=20,
        submitted_at=now - timedelta(days=3),
        concluded_at=now - timedelta(hours=2) if status == "concluded" else None,
    )
    CaseStep.objects.create(
        case=case,
        key="review",
        name="审核",
        department_uuid=department.uuid,
        department_name=department.name,
        implementation_code="RT-1",
        version_number=1,
        budget_days=5,
        status="passed" if status == "concluded" else "ready",
    )
    return case


@pytest.fixture
def rating_world(org_tree, make_person, make_staff):
    applicant = make_person("李秀英")
    department = org_tree["hp_housing"]
    return {
        **org_tree,
        "applicant": applicant,
        "stranger": make_person("王强"),
        "department": department,
        "reviewer": make_staff(department, Role.REVIEWER),
        "other_reviewer": make_staff(org_tree["xh_housing"], Role.REVIEWER),
        "clerk": make_staff(org_tree["window"], Role.WINDOW_CLERK),
        "case": make_case(applicant, department),
        "client": login_client(applicant.user),
    }


def _rate(client, case, level=2, **body):
    payload = {
        "round": 1,
        "level": level,
        "indicators": ["online.efficiency"],
        "text": "窗口让我跑了三次",
        **body,
    }
    return client.post(
        f"/api/ratings/cases/{case.uuid}", payload, content_type="application/json", **csrf_headers(client)
    )


@pytest.fixture
def loop_world(rating_world, make_staff):
    return {
        **rating_world,
        "handler": make_staff(rating_world["department"], Role.RATING_HANDLER),
        "supervisor": make_staff(rating_world["huangpu"], Role.SUPERVISOR),
        "other_handler": make_staff(rating_world["xh_housing"], Role.RATING_HANDLER),
    }


def _actor(user):
    from tongban.accounts.facade import actor_for

    return actor_for(user)


def _on(monkeypatch, day: date):
    """Run the loop's steps as if today were ``day`` (at 10:00 Shanghai)."""
    monkeypatch.setattr(loop, "_today", lambda: day)
    moment = datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
    monkeypatch.setattr(loop.timezone, "now", lambda: moment)
    monkeypatch.setattr(
        loop.timezone, "localdate", lambda value=None: (value or moment).astimezone(SHANGHAI).date()
    )


def _bad_ticket(loop_world) -> Ticket:
    assert _rate(loop_world["client"], loop_world["case"], level=1).status_code == 201
    return Ticket.objects.get()
