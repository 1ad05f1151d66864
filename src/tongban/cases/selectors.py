"""Reads of cases: the reviewer's inbox and the supervision board (bounded queries, indexed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import CharField, Count, Exists, F, OuterRef, QuerySet, Value, When
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
from tongban.core.pagination import MappedRows


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
    red, yellow = step_light_q(Light.RED, today), step_light_q(Light.YELLOW, today)
    q = red if light == Light.RED else yellow if light == Light.YELLOW else red | yellow
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


# --- the cases behind a figure of supervision's dashboards (docs/domain/supervision.md §2) ------------------
SUPERVISION_FIGURES = ("turned_red", "concluded_late", "refused", "supplemented")
# Rows a drill-down lists at most (a figure beyond it: narrow the period).
SUPERVISION_LIST_CAP = 1000


def supervision_cases(
    *,
    actor: Actor,
    figure: str,
    start: date,
    end: date,
    department_uuids: list[str] | None = None,
    target_kind: str | None = None,
    target_uuid: str | None = None,
    using: str = "default",
    limit: int = SUPERVISION_LIST_CAP,
):
    """The rows a cases-family counter of the daily roll-up counted over the local days [start, end], for
    cases led by a department the supervisor oversees (``supervised_department_uuids``: 403 for anyone
    else), narrowed to the lead departments ``department_uuids`` and/or to one target (item or bundle), read
    from the database ``using`` (supervision's read replica). One row per counted event, as the counter
    counts it, the latest first:

    - ``turned_red``: the supervision events of rule ``case_overdue`` written in the period;
    - ``concluded_late``: cases concluded in the period in more working days than promised (the concluded
      ones that are not ``on_time``);
    - ``refused`` / ``supplemented``: the timeline's ``refuse`` / ``request_supplement`` events of the period.

    A sliceable sequence of :class:`SupervisedCase` (at most ``limit``: a paginator takes it);
    ``ValueError`` for another figure."""
    from tongban.cases.models import CaseEvent, SupervisionEvent

    departments = set(supervised_department_uuids(actor))
    if department_uuids is not None:
        departments &= {str(u) for u in department_uuids}
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    qs: QuerySet[Any]
    if figure == "turned_red":
        qs = SupervisionEvent.objects.using(using).filter(
            rule="case_overdue", created_at__gte=since, created_at__lt=until
        )
        at = "created_at"
    elif figure in ("refused", "supplemented"):
        action = "refuse" if figure == "refused" else "request_supplement"
        qs = CaseEvent.objects.using(using).filter(action=action, at__gte=since, at__lt=until)
        at = "at"
    elif figure == "concluded_late":
        qs = Case.objects.using(using).filter(
            concluded_at__gte=since,
            concluded_at__lt=until,
            actual_days__isnull=False,
            actual_days__gt=F("promised_days"),
        )
        at = "concluded_at"
    else:
        raise ValueError(figure)
    case = "" if figure == "concluded_late" else "case__"
    qs = qs.filter(**{f"{case}lead_department_uuid__in": sorted(departments)})
    if target_kind is not None:
        qs = qs.filter(**{f"{case}target_kind": target_kind, f"{case}target_uuid": target_uuid})
    values = qs.annotate(
        row_at=F(at),
        row_uuid=F(f"{case}uuid"),
        row_number=F(f"{case}number"),
        row_name=F(f"{case}name"),
        row_department=F(f"{case}lead_department_name"),
        row_light=F(f"{case}light"),
        row_due_on=F(f"{case}due_on"),
    ).values("row_at", "row_uuid", "row_number", "row_name", "row_department", "row_light", "row_due_on")
    return MappedRows(values.order_by("-row_at", "-row_number")[:limit], _supervised_case)


@dataclass(frozen=True)
class SupervisedCase:
    """A case behind a supervision figure, as its drill-down lists it (no applicant's data)."""

    uuid: str
    number: str
    name: str
    department: str
    light: str
    light_label: str
    due_on: date | None
    at: datetime


def _supervised_case(r: dict) -> SupervisedCase:
    return SupervisedCase(
        uuid=str(r["row_uuid"]),
        number=r["row_number"],
        name=r["row_name"],
        department=r["row_department"],
        light=r["row_light"],
        light_label=str(Light(r["row_light"]).label) if r["row_light"] in Light.values else "",
        due_on=r["row_due_on"],
        at=r["row_at"],
    )


def case_urged_today(case: Case) -> bool:
    """Whether the case was urged (督办) today."""
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    return case.events.filter(action="urge", at__gte=midnight).exists()
