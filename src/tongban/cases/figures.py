"""What supervision's daily roll-up counts of cases (docs/domain/supervision.md §2): one day's cases by lead
department and target, in a handful of grouped queries, and which days changed since a moment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from tongban.cases.constants import MaterialMode
from tongban.cases.models import Case, CaseEvent, CaseMaterial, SupervisionEvent

KEY = ("lead_department_uuid", "lead_department_name", "target_kind", "target_uuid", "name")


def _key(row: dict, prefix: str = "") -> tuple:
    return tuple(str(row[prefix + k]) if k.endswith("uuid") else row[prefix + k] for k in KEY)


def case_day_rows(start: datetime, end: datetime) -> list[dict]:
    """The cases family's counters of [start, end) (a local day), one dict per (lead department, target):
    ``department_uuid``, ``department_name``, ``target_kind``, ``target_uuid``, ``target_name`` and the
    counters (submitted, materials_total, materials_exempt, concluded, on_time, promised_sum, legal_sum,
    actual_sum, within_half, refused, supplemented, turned_red)."""
    out: dict[tuple, dict] = {}

    def row(key: tuple) -> dict:
        found = out.get(key)
        if found is None:
            found = out[key] = {
                "department_uuid": key[0],
                "department_name": key[1],
                "target_kind": key[2],
                "target_uuid": key[3],
                "target_name": key[4],
            }
        return found

    submitted = Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    for r in submitted.values(*KEY).annotate(n=Count("id")):
        row(_key(r))["submitted"] = r["n"]
    materials = CaseMaterial.objects.filter(case__submitted_at__gte=start, case__submitted_at__lt=end)
    for r in materials.values(*(f"case__{k}" for k in KEY)).annotate(
        n=Count("id"), exempt=Count("id", filter=~Q(mode=MaterialMode.UPLOADED))
    ):
        found = row(_key(r, "case__"))
        found["materials_total"] = r["n"]
        found["materials_exempt"] = r["exempt"]
    concluded = Case.objects.filter(concluded_at__gte=start, concluded_at__lt=end, actual_days__isnull=False)
    for r in concluded.values(*KEY).annotate(
        n=Count("id"),
        on_time=Count("id", filter=Q(actual_days__lte=F("promised_days"))),
        promised=Sum("promised_days"),
        legal=Sum("legal_days"),
        actual=Sum("actual_days"),
        half=Count("id", filter=Q(actual_days__lte=F("promised_days") / 2.0)),
    ):
        found = row(_key(r))
        found.update(
            concluded=r["n"],
            on_time=r["on_time"],
            promised_sum=r["promised"] or 0,
            legal_sum=r["legal"] or 0,
            actual_sum=r["actual"] or 0,
            within_half=r["half"],
        )
    events = CaseEvent.objects.filter(at__gte=start, at__lt=end, action__in=["refuse", "request_supplement"])
    for r in events.values(*(f"case__{k}" for k in KEY)).annotate(
        refused=Count("id", filter=Q(action="refuse")),
        supplemented=Count("id", filter=Q(action="request_supplement")),
    ):
        found = row(_key(r, "case__"))
        found["refused"] = r["refused"]
        found["supplemented"] = r["supplemented"]
    red = SupervisionEvent.objects.filter(created_at__gte=start, created_at__lt=end, rule="case_overdue")
    for r in red.values(*(f"case__{k}" for k in KEY)).annotate(n=Count("id")):
        row(_key(r, "case__"))["turned_red"] = r["n"]
    return list(out.values())


def _local_dates(qs, field: str) -> set[date]:
    return {d for d in qs.order_by().annotate(d=TruncDate(field)).values_list("d", flat=True).distinct() if d}


def case_days_touched_since(since: datetime) -> set[date]:
    """The local days whose cases-family counters may have changed since ``since``: the days of the events
    and supervision events written since, and the submission and conclusion days of the cases they belong to."""
    events = CaseEvent.objects.filter(at__gte=since)
    days = _local_dates(events, "at")
    days |= _local_dates(SupervisionEvent.objects.filter(created_at__gte=since), "created_at")
    touched = Case.objects.filter(id__in=events.values("case_id"))
    days |= _local_dates(touched, "submitted_at")
    days |= _local_dates(touched.filter(concluded_at__isnull=False), "concluded_at")
    return days


def case_targets(case_uuids: Iterable[str]) -> dict[str, tuple[str, str, str, str, str]]:
    """(target kind, target uuid, target name, lead department uuid, lead department name) of cases, by uuid."""
    found: dict[str, tuple[str, str, str, str, str]] = {}
    uuids = list({str(u) for u in case_uuids})
    for i in range(0, len(uuids), 5_000):
        for u, kind, target, name, dept, dept_name in Case.objects.filter(
            uuid__in=uuids[i : i + 5_000]
        ).values_list(
            "uuid", "target_kind", "target_uuid", "name", "lead_department_uuid", "lead_department_name"
        ):
            found[str(u)] = (kind, str(target), name, str(dept), dept_name)
    return found


def first_day() -> date | None:
    """The local day of the first case submitted (where a rebuild starts)."""
    first = Case.objects.order_by("submitted_at").values_list("submitted_at", flat=True).first()
    return timezone.localdate(first) if first else None
