"""Shared setup of the ratings tests: ended and open cases of a person, led by a department with staff."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import login_client
from tongban.accounts.constants import Role
from tongban.cases.models import Case, CaseStep

_seq = itertools.count(1)


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
