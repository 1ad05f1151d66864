"""Electronic supervision (电子监察, docs/domain/cases.md §7): the lights of open cases and steps, and an event for
every light that turns yellow or red (GB/T 39046 表11: rule, kind, time, department, days overdue).

Each light's yellow and red days are stored when its due date is set (deadlines.py), so an update is a
handful of set-based queries however many steps are open. Running it twice changes nothing more: a row that
is already red is not touched, and an event exists once per case or step, rule and light."""

from __future__ import annotations

import math
from datetime import date

from django.db import transaction
from django.utils import timezone

from tongban.cases.constants import OPEN_STEP_STATUSES, CaseStatus, Light
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
        status__in=OPEN_STEP_STATUSES,
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


# On PostgreSQL a level (steps, then cases) is one counting query and then one statement per pass, so no row
# passes through Python: UPDATE … RETURNING the rows whose light turns, and in the same statement INSERT …
# ON CONFLICT DO NOTHING their events (each row is read once, changed once, and gets its event with it).
#
# Why passes: a light update is a HOT update — no index entry written, the new row version on the same page
# — only while the page has room (fillfactor 80, migration 0003; `light` is in no index). A page holds about
# 12 cases or 27 steps, and a first run may turn half of its rows, more than the room; the others would be
# written elsewhere with an entry in every index (11 on cases_case), most of the WAL and of the time. So a
# pass takes the rows with ``id % passes`` equal to its number, about SHARE_PER_PASS of the open rows (a bit
# less than the 20 % of a page left free): every page gets the few that fit. A pass commits, and the next
# one's scan prunes the versions it left behind, which makes room again. A pass also turns at most about
# ROWS_PER_PASS rows, so its transaction is short: the row locks it takes hold up a reviewer's decision on
# that case for seconds only. A pass is complete in itself (lights and their events together): a run
# stopped half-way is finished by the next one. A quiet day (a few thousand lights) is one pass; a day with
# nothing to turn is the two counting queries only. Measured with bench/cases.py:
# docs/performance/supervision.md.
#
# synchronous_commit stays on: a run commits at most 2 × MAX_PASSES times, so not waiting for the WAL flush
# would save milliseconds, while a crash could then take back lights and events already read on the board.
#
# The SQL is assembled from this module's constants only; every value is a parameter.
SHARE_PER_PASS = 0.15
ROWS_PER_PASS = 200_000
MIN_ROWS_PER_PASS = 10_000
MAX_PASSES = 8


def _literal(value: str) -> str:
    """One of our own constants as an SQL literal (the statements below are made once, from constants)."""
    return "'" + str(value).replace("'", "''") + "'"


# The statements name their tables, statuses and lights from the models and cases/constants.py, as the
# ORM path does; they stay literal in the SQL (not parameters) so that the planner sees them.
_STEP, _CASE, _EVENT = CaseStep._meta.db_table, Case._meta.db_table, SupervisionEvent._meta.db_table
_OPEN_STEPS = ", ".join(_literal(status) for status in OPEN_STEP_STATUSES)
_IN_PROCESS = _literal(CaseStatus.IN_PROCESS)
_RED, _YELLOW, _GREEN = _literal(Light.RED), _literal(Light.YELLOW), _literal(Light.GREEN)

# The rows whose light turns: red when overdue and not red yet, yellow when green and in its yellow days.
_TURNING = (
    "(({x}.due_on < %(today)s AND {x}.light <> " + _RED + "{red_also}) "
    "OR ({x}.light = " + _GREEN + " AND {x}.yellow_on <= %(today)s AND {x}.due_on >= %(today)s))"
)
_OPEN_CASE = f"c.status = {_IN_PROCESS} AND c.paused_since IS NULL"
_LEVELS = {
    "step": {
        "open": f"FROM {_STEP} s JOIN {_CASE} c ON c.id = s.case_id WHERE s.status IN ({_OPEN_STEPS}) "
        f"AND {_OPEN_CASE}",
        "update": f"UPDATE {_STEP} s SET light = {{light}} FROM {_CASE} c WHERE c.id = s.case_id AND "  # noqa: S608
        f"s.status IN ({_OPEN_STEPS}) AND {_OPEN_CASE} AND {{turning}} "
        "AND mod(s.id, %(passes)s) = %(pass)s "
        "RETURNING s.case_id, s.id AS step_id, s.department_uuid, s.department_name, s.due_on, s.light",
        "alias": "s",
    },
    "case": {
        "open": f"FROM {_CASE} c WHERE {_OPEN_CASE}",
        "update": f"UPDATE {_CASE} c SET light = {{light}} WHERE {_OPEN_CASE} AND {{turning}} "  # noqa: S608
        "AND mod(c.id, %(passes)s) = %(pass)s "
        "RETURNING c.id AS case_id, NULL::bigint AS step_id, c.lead_department_uuid AS department_uuid, "
        "c.lead_department_name AS department_name, c.due_on, c.light",
        "alias": "c",
    },
}
# A red light's days overdue come from the distinct due dates counted first (a few hundred), with the
# working-day calendar; a row whose due date was not among them (changed since) waits for the next run.
_TURN_SQL = (
    "WITH turned AS ({update}), recorded AS ("  # noqa: S608 — table names and constants; values are parameters
    f"INSERT INTO {_EVENT} "
    "(case_id, step_id, department_uuid, department_name, rule, light, days_overdue, created_at) "
    "SELECT t.case_id, t.step_id, t.department_uuid, t.department_name, "
    f"CASE t.light WHEN {_RED} THEN %(red_rule)s ELSE %(yellow_rule)s END, t.light, COALESCE(o.days, 0), now() "
    "FROM turned t LEFT JOIN unnest(%(dues)s::date[], %(days)s::integer[]) AS o(due, days) "
    f"ON t.light = {_RED} AND o.due = t.due_on "
    "ON CONFLICT DO NOTHING) "
    f"SELECT count(*) FILTER (WHERE light = {_RED}), count(*) FILTER (WHERE light = {_YELLOW}) FROM turned"
)


def _passes(*, turning: int, open_rows: int) -> int:
    """How many passes turn ``turning`` of ``open_rows`` lights (see above)."""
    by_share = math.ceil(turning / open_rows / SHARE_PER_PASS)
    by_rows = math.ceil(turning / ROWS_PER_PASS)
    return max(1, min(MAX_PASSES, max(by_share, by_rows), math.ceil(turning / MIN_ROWS_PER_PASS)))


def _turn_pg(*, level: str, today: date) -> tuple[int, int]:
    """Turn the lights of one level on PostgreSQL; returns how many turned red and yellow."""
    from django.db import connection

    spec = _LEVELS[level]
    x = spec["alias"]
    # The open rows, grouped by whether their light turns and, overdue, by due date.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_TURNING.format(x=x, red_also='')}, CASE WHEN {x}.due_on < %(today)s THEN {x}.due_on END, "
            f"count(*) {spec['open']} GROUP BY 1, 2",
            {"today": today},
        )
        counts = cursor.fetchall()
    turning = sum(n for turns, _due, n in counts if turns)
    if not turning:
        return 0, 0
    dues = sorted(due for turns, due, _n in counts if turns and due is not None)
    passes = _passes(turning=turning, open_rows=sum(n for _turns, _due, n in counts))
    # The red branch only for the due dates counted above, whose days overdue are in the list.
    where = _TURNING.format(x=x, red_also=f" AND {x}.due_on = ANY(%(dues)s::date[])")
    light = f"CASE WHEN {x}.due_on < %(today)s THEN {_RED} ELSE {_YELLOW} END"
    sql = _TURN_SQL.format(update=spec["update"].format(light=light, turning=where))
    params = {
        "today": today,
        "dues": dues,
        "days": [days_overdue(due, today) for due in dues],
        "red_rule": RULES[(level, Light.RED)],
        "yellow_rule": RULES[(level, Light.YELLOW)],
        "passes": passes,
    }
    red = yellow = 0
    for number in range(passes):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, {**params, "pass": number})
            turned_red, turned_yellow = cursor.fetchone()
        red += turned_red
        yellow += turned_yellow
    return red, yellow


def supervision_update(today: date | None = None) -> dict[str, int]:
    """Bring every open light up to date; returns how many turned yellow and red (steps and cases)."""
    from django.db import connection

    today = today or timezone.localdate()
    if connection.vendor == "postgresql":
        out = {}
        for level in ("step", "case"):
            out[f"{level}_red"], out[f"{level}_yellow"] = _turn_pg(level=level, today=today)
        return out
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
