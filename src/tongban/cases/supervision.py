# ruff: noqa: S608 — the SQL below is assembled from constants of this module only; every value is a parameter
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


# On PostgreSQL each rule is two statements — INSERT … SELECT … ON CONFLICT DO NOTHING for the events, then
# UPDATE … FROM for the lights — so no row passes through Python. Days overdue come from a VALUES list of
# the distinct due dates (a few hundred), counted with the working-day calendar.
_PG_WHERE = {
    ("step", Light.RED): "s.due_on < %(today)s AND s.light <> 'red'",
    ("step", Light.YELLOW): "s.light = 'green' AND s.yellow_on <= %(today)s AND s.due_on >= %(today)s",
    ("case", Light.RED): "c.due_on < %(today)s AND c.light <> 'red'",
    ("case", Light.YELLOW): "c.light = 'green' AND c.yellow_on <= %(today)s AND c.due_on >= %(today)s",
}


def _turn_pg(*, level: str, light: str, today: date) -> int:
    from django.db import connection

    where = _PG_WHERE[(level, light)]
    params = {"today": today, "rule": RULES[(level, light)], "light": light}
    if level == "step":
        source = (
            "FROM cases_casestep s JOIN cases_case c ON c.id = s.case_id "
            "WHERE s.status IN ('ready', 'claimed') AND c.status = 'in_process' AND c.paused_since IS NULL AND "
            + where
        )
        columns = "s.case_id, s.id, s.department_uuid, s.department_name, s.due_on"
        table, alias = "cases_casestep", "s"
    else:
        source = "FROM cases_case c WHERE c.status = 'in_process' AND c.paused_since IS NULL AND " + where
        columns = "c.id, NULL::bigint, c.lead_department_uuid, c.lead_department_name, c.due_on"
        table, alias = "cases_case", "c"
    with transaction.atomic(), connection.cursor() as cursor:
        overdue = "0"
        if light == Light.RED:
            cursor.execute(f"SELECT DISTINCT {alias}.due_on " + source, params)
            dues = [row[0] for row in cursor.fetchall()]
            if dues:
                values = ", ".join(f"(%(d{i})s::date, {days_overdue(d, today)})" for i, d in enumerate(dues))
                params.update({f"d{i}": d for i, d in enumerate(dues)})
                overdue = (
                    f"(SELECT o.days FROM (VALUES {values}) AS o(due, days) WHERE o.due = {alias}.due_on)"
                )
        cursor.execute(
            "INSERT INTO cases_supervisionevent "
            "(case_id, step_id, department_uuid, department_name, rule, light, days_overdue, created_at) "
            f"SELECT x.case_id, x.step_id, x.dept_uuid, x.dept_name, %(rule)s, %(light)s, x.overdue, now() FROM ("
            f"SELECT {columns.replace(', ' + alias + '.due_on', '')}, {overdue} AS overdue "
            + source
            + ") AS x(case_id, step_id, dept_uuid, dept_name, overdue) ON CONFLICT DO NOTHING",
            params,
        )
        if level == "step":
            cursor.execute(
                f"UPDATE {table} AS s SET light = %(light)s FROM cases_case c WHERE c.id = s.case_id "
                "AND s.status IN ('ready', 'claimed') AND c.status = 'in_process' AND c.paused_since IS NULL AND "
                + where,
                params,
            )
        else:
            cursor.execute(
                f"UPDATE {table} AS c SET light = %(light)s WHERE c.status = 'in_process' "
                "AND c.paused_since IS NULL AND " + where,
                params,
            )
        return cursor.rowcount


def supervision_update(today: date | None = None) -> dict[str, int]:
    """Bring every open light up to date; returns how many turned yellow and red (steps and cases)."""
    from django.db import connection

    today = today or timezone.localdate()
    if connection.vendor == "postgresql":
        return {
            f"{level}_{name}": _turn_pg(level=level, light=light, today=today)
            for level in ("step", "case")
            for name, light in (("red", Light.RED), ("yellow", Light.YELLOW))
        }
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
