"""Demo cases for `tongban demo`: the supervision board at work. 张三 applied for four items; the window
accepted them some working days ago, so that a step of each is now in its yellow days (预警) or past its due
date (超期). Two are the 黄浦区 housing office's (the district supervisor ``supervisor`` sees them), two the
city's tax and social-security departments' (only the city supervisor ``supervisor_city`` sees them with the
others). Made through the services (submission, acceptance, the supervision task's events), then their dates
moved back to today's; safe to run again: a case is found by its idempotency key, and its open steps' dates are
set again relative to today (the board looks the same whichever day the demo is loaded)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tongban.accounts.facade import ZHANG_ID_NUMBER, actor_for, demo_principal_uuids, demo_users
from tongban.cases.constants import OPEN_STEP_STATUSES, CaseStatus, Light
from tongban.cases.deadlines import due_after, due_is_provisional, light_on, yellow_from
from tongban.cases.models import Case, CaseStep
from tongban.catalog.facade import application_target, item_search
from tongban.core.workdays import previous_working_day


@dataclass(frozen=True)
class DemoCase:
    key: str  # the idempotency key: the case's identity in the demo
    department: str  # the demo department's name, without the region's (or a district's full name)
    item: str
    form: dict
    light: str  # the light its step shows today


LIFT = {
    "building_address": "黄浦区南京东路100弄3号",
    "floors": 6,
    "applicant_name": "张三",
    "contact_phone": "13800000001",
}
ZHANG = {"applicant_name": "张三", "id_number": ZHANG_ID_NUMBER}
DEMO_CASES = (
    DemoCase(
        "demo-supervision-lift-plan",
        "黄浦区住房保障和房屋管理局",
        "既有多层住宅加装电梯初步方案备案",
        LIFT,
        Light.RED,
    ),
    DemoCase(
        "demo-supervision-lift-safety",
        "黄浦区住房保障和房屋管理局",
        "既有多层住宅加装电梯房屋安全性评估备案",
        LIFT,
        Light.YELLOW,
    ),
    DemoCase(
        "demo-supervision-tax-record",
        "税务局",
        "个人所得税纳税记录开具",
        {**ZHANG, "start_date": "2026-01-01", "reason": "购房资格审核"},
        Light.RED,
    ),
    DemoCase(
        "demo-supervision-social-card",
        "人力资源和社会保障局",
        "社会保障卡申领",
        {**ZHANG, "contact_phone": "13800000001", "address": "黄浦区南京东路100弄3号"},
        Light.YELLOW,
    ),
)


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "演示材料"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class _Upload(io.BytesIO):
    """A demo file as an upload arrives (a name, a size, read())."""

    def __init__(self, content: bytes, name: str):
        super().__init__(content)
        self.name, self.size = name, len(content)


def _start_for(light: str, budget: int, today: date) -> date:
    """The latest working day a step started on for its light to be ``light`` today (red: a day overdue)."""
    start = previous_working_day(today)
    for _ in range(400):
        due = due_after(start, budget)
        if light_on(today, due=due, yellow=yellow_from(start, due, budget)) == light:
            return start
        start = previous_working_day(start)
    return start


@transaction.atomic
def demo_load_cases() -> int:
    """Make the demo cases that are missing and set their open steps' dates for today; returns how many
    cases were made. Needs the identity, catalog and licence demos loaded first."""
    from tongban.cases.services import case_accept, case_submit
    from tongban.cases.supervision import supervision_update

    zhang = demo_principal_uuids().get("张三")
    users = demo_users("13800000001", "clerk")
    applicant, clerk = users.get("13800000001"), users.get("clerk")
    if zhang is None or applicant is None or clerk is None:
        return 0
    today = timezone.localdate()
    made = 0
    pdf = _pdf()
    for demo in DEMO_CASES:
        case = Case.objects.filter(submitted_by=applicant.pk, idempotency_key=demo.key).first()
        if case is None:
            department = demo.department
            if not department.startswith("黄浦区"):
                department = settings.TONGBAN_REGION_NAME + department
            hit = next(
                (
                    h
                    for h in item_search(demo.item)
                    if h.name == demo.item and h.department_name == department
                ),
                None,
            )
            target = application_target("item", hit.uuid) if hit else None
            if target is None:
                continue
            files = {
                m.key: _Upload(pdf, f"{m.key}.pdf")
                for m in target.materials
                if m.source == "upload" and m.required
            }
            case, _created = case_submit(
                actor=actor_for(applicant),
                target_kind="item",
                target_uuid=target.uuid,
                applicant_kind="person",
                applicant_uuid=zhang,
                form_data=demo.form,
                idempotency_key=demo.key,
                files=files,
            )
            case = case_accept(actor=actor_for(clerk), case=case)
            made += 1
        if case.status != CaseStatus.IN_PROCESS:
            continue
        # As if accepted some working days ago: the case and its open steps counted from then.
        for step in CaseStep.objects.filter(case=case, status__in=OPEN_STEP_STATUSES):
            start = _start_for(demo.light, step.budget_days, today)
            step.started_on = start
            step.due_on = due_after(start, step.budget_days)
            step.yellow_on = yellow_from(start, step.due_on, step.budget_days)
            step.due_on_provisional = due_is_provisional(start, step.due_on)
            step.light = Light.GREEN  # the supervision task below turns it, with its event
            step.save(update_fields=["started_on", "due_on", "yellow_on", "due_on_provisional", "light"])
        start = _start_for(demo.light, case.promised_days, today)
        case.accepted_on = start
        case.due_on = due_after(start, case.promised_days)
        case.yellow_on = yellow_from(start, case.due_on, case.promised_days)
        case.due_on_provisional = due_is_provisional(start, case.due_on)
        case.save(update_fields=["accepted_on", "due_on", "yellow_on", "due_on_provisional"])
    supervision_update(today)
    return made
