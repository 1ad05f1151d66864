"""Electronic supervision (电子监察, DOMAIN.md §7.3): the lights of open cases and steps, and an event for
every light that turns yellow or red (GB/T 39046 表11: rule, kind, time, department, days overdue).

Each light's yellow and red days are stored when its due date is set (deadlines.py), so an update is a
handful of set-based queries however many steps are open. Running it twice changes nothing more: a row that
is already red is not touched, and an event exists once per case or step, rule and light."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from tongban.cases.constants import CaseStatus, Light, StepStatus
from tongban.cases.deadlines import days_overdue
from tongban.cases.models import Case, CaseStep, SupervisionEvent

CHUNK = 5_000
RULES = {
    ("step", Light.YELLOW): "step_due_soon",
    ("step", Light.RED): "step_overdue",
    ("case", Light.YELLOW): "case_due_soon",
    ("case", Light.RED): "case_overdue",
}


def _open_steps():
    return CaseStep.objects.filter(
        status__in=[StepStatus.READY, StepStatus.CLAIMED],
        case__status=CaseStatus.IN_PROCESS,
        case__paused_since__isnull=True,
    )


def _open_cases():
    return Case.objects.filter(status=CaseStatus.IN_PROCESS, paused_since__isnull=True)


def _turn(qs, *, level: str, light: str, today: date) -> int:
    """Record an event for every row of ``qs`` and set their light, in chunks, in one transaction."""
    overdue_by_due: dict[date, int] = {}
    changed = 0
    is_step = level == "step"
    if is_step:
        rows = qs.values_list("id", "case_id", "department_uuid", "department_name", "due_on")
    else:
        rows = qs.values_list("id", "lead_department_uuid", "lead_department_name", "due_on")
    rule = RULES[(level, light)]
    with transaction.atomic():
        batch = []
        for row in rows.iterator(chunk_size=CHUNK):
            row_id, case_id, dept_uuid, dept_name, due = row if is_step else (row[0], *row)
            if light == Light.RED and due not in overdue_by_due:
                overdue_by_due[due] = days_overdue(due, today)
            batch.append(
                SupervisionEvent(
                    case_id=case_id,
                    step_id=row_id if is_step else None,
                    rule=rule,
                    light=light,
                    department_uuid=dept_uuid,
                    department_name=dept_name,
                    days_overdue=overdue_by_due.get(due, 0),
                )
            )
            if len(batch) >= CHUNK:
                SupervisionEvent.objects.bulk_create(batch, ignore_conflicts=True)
                changed += len(batch)
                batch = []
        if batch:
            SupervisionEvent.objects.bulk_create(batch, ignore_conflicts=True)
            changed += len(batch)
        qs.update(light=light)
    return changed


def supervision_update(today: date | None = None) -> dict[str, int]:
    """Bring every open light up to date; returns how many turned yellow and red (steps and cases)."""
    today = today or timezone.localdate()
    out = {}
    for level, base in (("step", _open_steps()), ("case", _open_cases())):
        out[f"{level}_red"] = _turn(
            base.filter(due_on__lt=today).exclude(light=Light.RED), level=level, light=Light.RED, today=today
        )
        out[f"{level}_yellow"] = _turn(
            base.filter(light=Light.GREEN, yellow_on__lte=today, due_on__gte=today),
            level=level,
            light=Light.YELLOW,
            today=today,
        )
    return out
