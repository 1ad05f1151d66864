"""Reads of cases: the reviewer's inbox and the supervision board (bounded queries, indexed)."""

from __future__ import annotations

from datetime import datetime, time

from django.db.models import Case as SqlCase
from django.db.models import CharField, Count, Exists, F, OuterRef, Value, When
from django.utils import timezone

from tongban.cases.access import (
    applicant_scope,
    reviewer_department_uuids,
    staff_scope,
    supervised_department_uuids,
)
from tongban.cases.constants import CASE_NUMBER, OPEN_STEP_STATUSES, CaseStatus, Light
from tongban.cases.deadlines import days_overdue, light_now, step_light_q
from tongban.cases.models import ApplicationDraft, Case, CaseEvent, CaseStep
from tongban.core.actors import Actor


def case_list_for_applicant(*, actor: Actor, status: str = ""):
    """The actor's cases and those of the persons and enterprises they act for, newest first (without the
    sealed documents, which a list never shows)."""
    qs = (
        Case.objects.filter(applicant_scope(actor))
        .defer("decision_document", "acceptance_document", "application_document")
        .order_by("-submitted_at", "-id")
    )
    return qs.filter(status=status) if status else qs


def cases_awaiting_intake(*, actor: Actor):
    """Submitted cases the staff member may accept or refuse, oldest first."""
    scope = staff_scope(actor)
    if scope is None:
        return Case.objects.none()
    return Case.objects.filter(scope, status=CaseStatus.SUBMITTED).distinct().order_by("submitted_at")


def draft_get(*, actor: Actor, target_kind: str, target_uuid) -> ApplicationDraft | None:
    return ApplicationDraft.objects.filter(
        user_id=actor.require_user_id(), target_kind=target_kind, target_uuid=target_uuid
    ).first()


def light_today_sql(today):
    """An open step's light of today in SQL, for rows read as values (the rule of deadlines.step_light_q)."""
    return SqlCase(
        When(step_light_q(Light.RED, today), then=Value(Light.RED.value)),
        When(step_light_q(Light.YELLOW, today), then=Value(Light.YELLOW.value)),
        default=Value(Light.GREEN.value),
        output_field=CharField(),
    )


LIGHT_ORDER = {Light.RED: 0, Light.YELLOW: 1, Light.GREEN: 2}


def inbox_steps(*, actor: Actor, light: str = "", status: str = "", mine: bool = False, q: str = ""):
    """Open steps of the reviewer's departments, soonest due first, as rows for the inbox (one query)."""
    departments = reviewer_department_uuids(actor)
    # Open steps belong to cases in process only (returned cases hold theirs, ended ones close them): no
    # join on the case to count them.
    qs = CaseStep.objects.filter(department_uuid__in=departments, status__in=OPEN_STEP_STATUSES)
    if light:  # today's light, as the page shows it (deadlines.step_light_now), not the stored one
        qs = qs.filter(step_light_q(light, timezone.localdate()))
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(claimed_by=actor.id)
    q = q.strip()
    if CASE_NUMBER.fullmatch(q):  # a case number: its unique index, not a scan of names
        qs = qs.filter(case__number=q.upper())
    elif q:
        # Redundant with the open statuses, but it gives the planner the in-process cases to start from when
        # a department holds very many open steps (a name search scans case names: see docs/operations §15).
        qs = qs.filter(case__name__icontains=q, case__status=CaseStatus.IN_PROCESS)
    return (
        qs.annotate(
            case_uuid=F("case__uuid"),
            number=F("case__number"),
            case_name=F("case__name"),
            applicant_name=F("case__applicant_name"),
            light_today=light_today_sql(timezone.localdate()),
        )
        .order_by("due_on", "id")
        .values(
            "case_uuid",
            "number",
            "case_name",
            "applicant_name",
            "key",
            "name",
            "department_name",
            "status",
            "due_on",
            "due_on_provisional",
            "light_today",
            "claimed_by_name",
        )
    )


def supervision_board(
    *, actor: Actor, light: str = "", department: str = "", number: str = "", limit: int = 500
) -> list[dict]:
    """Red and yellow open steps of the departments under the supervisor, by department, red first: their
    lights of today (deadlines.step_light_now), not only those the supervision task has stored yet. Filters:
    ``light`` (red or yellow), ``department`` (a uuid among theirs), ``number`` (part of the case number).
    Each row says whether the case was urged (督办) today."""
    today = timezone.localdate()
    steps = _board_steps(actor, today, light=light, department=department, number=number)
    midnight = timezone.make_aware(datetime.combine(today, time.min))
    urged = CaseEvent.objects.filter(case=OuterRef("case_id"), action="urge", at__gte=midnight)
    rows = (
        steps.annotate(
            number=F("case__number"),
            case_uuid=F("case__uuid"),
            paused_since=F("case__paused_since"),
            urged_today=Exists(urged),
        )
        .order_by("department_name", "due_on")
        .values(
            "department_name",
            "department_uuid",
            "number",
            "case_uuid",
            "name",
            "light",
            "due_on",
            "yellow_on",
            "paused_since",
            "due_on_provisional",
            "urged_today",
        )[:limit]
    )
    out = []
    for row in rows:
        light_today = light_now(
            due=row["due_on"],
            yellow=row["yellow_on"],
            stored=row["light"],
            paused=row["paused_since"] is not None,
            today=today,
        )
        out.append(
            {
                **row,
                "light": light_today,
                "case": row["case_uuid"],
                "step_name": row["name"],
                "days_overdue": days_overdue(row["due_on"], today) if light_today == Light.RED else 0,
            }
        )
    return sorted(out, key=lambda r: (r["department_name"], LIGHT_ORDER[r["light"]], r["due_on"]))


def _board_steps(actor: Actor, today, *, light: str = "", department: str = "", number: str = ""):
    departments = supervised_department_uuids(actor)
    if department:
        departments = [d for d in departments if d == department]
    lights = {Light.RED: step_light_q(Light.RED, today), Light.YELLOW: step_light_q(Light.YELLOW, today)}
    q = lights[light] if light in lights else lights[Light.RED] | lights[Light.YELLOW]
    steps = CaseStep.objects.filter(
        q, department_uuid__in=departments, status__in=OPEN_STEP_STATUSES, case__status=CaseStatus.IN_PROCESS
    )
    if number:
        steps = steps.filter(case__number__icontains=number.strip()[:40])
    return steps


def supervision_board_counts(*, actor: Actor) -> list[dict]:
    """The board's counts of today: red and yellow open steps by department (all of them, not only the rows
    shown), with the department's uuid for the filter; by name."""
    today = timezone.localdate()
    counts: dict[str, dict] = {}
    for light in (Light.RED, Light.YELLOW):
        for row in (
            _board_steps(actor, today, light=light)
            .values("department_uuid", "department_name")
            .annotate(n=Count("id"))
        ):
            found = counts.setdefault(
                str(row["department_uuid"]),
                {"uuid": str(row["department_uuid"]), "name": row["department_name"], "red": 0, "yellow": 0},
            )
            found[light] = row["n"]
    return sorted(counts.values(), key=lambda r: r["name"])
