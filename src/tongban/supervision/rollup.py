"""The daily roll-ups (docs/domain/supervision.md §5): each family's counters of a day, counted from the raw
rows of that day through the owning contexts' facades, written as FigureDay rows.

Incremental: every run asks each context which days changed since the family's watermark (their events,
marks and timestamps), and counts those days again, whole. A day is always recounted from its raw rows, so a
roll-up rebuilt from scratch (:func:`rollup_rebuild`) equals the incremental one (tests/supervision/
test_rollup.py). The tickets family also depends on the date of the count (a limit running today is not yet
due), so the days from the previous run's date to yesterday are counted again on the first run of a new day."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from tongban.accounts.facade import organisations_info
from tongban.cases.facade import case_day_rows, case_days_touched_since, cases_first_day
from tongban.catalog.facade import target_access_facts
from tongban.frontdesk.facade import centre_day_rows, window_days_touched_since, window_org_uuids
from tongban.ratings.facade import (
    evaluation_day_rows,
    evaluation_days_touched_since,
    evaluations_first_day,
    ticket_day_rows,
    ticket_days_touched_since,
)
from tongban.supervision.constants import ALL_COUNTERS, COUNTERS, Dim, Family
from tongban.supervision.models import FigureDay, FigureMonth, RollupDirty, RollupState
from tongban.supervision.months import month_start, next_month

logger = logging.getLogger(__name__)

# Events written by a transaction that commits after a run read its sources carry a time before the run's
# start: the next run reads again from this much before the previous start (counting a day twice is harmless).
SAFETY_MARGIN = timedelta(minutes=10)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a local (Asia/Shanghai) day as aware datetimes."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


@dataclass(frozen=True)
class Org:
    uuid: str
    kind: str
    name: str
    path: str
    district_uuid: str
    district_name: str
    district_path: str
    parent_uuid: str


class Orgs:
    """Organisation facts for one run, fetched in batches: path, kind, parent and district (the nearest
    ancestor of kind district, else the region: a city-level unit counts under its region, "市级")."""

    def __init__(self) -> None:
        self._known: dict[str, Org | None] = {}

    def load(self, uuids) -> None:
        wanted = {str(u) for u in uuids if u} - set(self._known)
        if not wanted:
            return
        infos = organisations_info(wanted)
        ancestors = {p for info in infos.values() for p in info.path.rstrip("/").split("/")[:-1] if p}
        above = {UUID(u).hex: i for u, i in organisations_info(str(UUID(hex=p)) for p in ancestors).items()}
        for u in wanted:
            info = infos.get(u)
            if info is None:
                self._known[u] = None
                continue
            parts = [p for p in info.path.rstrip("/").split("/") if p]
            chain = [above[p] for p in parts[:-1] if p in above]
            district = next((a for a in reversed(chain) if a.kind == "district"), None)
            if district is None and info.kind == "district":
                district = info
            if district is None:
                district = chain[0] if chain else info
            self._known[u] = Org(
                info.uuid,
                info.kind,
                info.name,
                info.path,
                district.uuid,
                district.name,
                district.path,
                chain[-1].uuid if chain else "",
            )

    def get(self, uuid) -> Org | None:
        self.load([uuid])
        return self._known.get(str(uuid))


@dataclass
class Rows:
    """The FigureDay rows of one family and day being counted."""

    family: str
    day: date
    rows: dict[tuple[str, str, str], dict] = field(default_factory=dict)

    def add(self, dim: str, key: str, label: str, scope_path: str, counts: dict) -> None:
        row = self.rows.setdefault((dim, str(key), scope_path), {"label": label})
        for name in COUNTERS[self.family]:
            row[name] = row.get(name, 0) + int(counts.get(name) or 0)
        if label and not row["label"]:
            row["label"] = label

    def add_org(self, dim: str, org: Org, counts: dict) -> None:
        """The unit's own row and its district's."""
        self.add(dim, org.uuid, org.name, org.path, counts)
        self.add(Dim.DISTRICT, org.district_uuid, org.district_name, org.district_path, counts)

    def objects(self) -> list[FigureDay]:
        return [
            FigureDay(
                day=self.day,
                family=self.family,
                dim=dim,
                unit_key=key,
                unit_label=row.pop("label")[:200],
                scope_path=scope,
                **row,
            )
            for (dim, key, scope), row in self.rows.items()
            if any(row.get(c) for c in COUNTERS[self.family])
        ]


def _unit_dim(org: Org) -> str | None:
    return {"department": Dim.DEPARTMENT, "service_centre": Dim.CENTRE, "window": Dim.WINDOW}.get(org.kind)


def count_cases(day: date, today: date, orgs: Orgs) -> Rows:
    out = Rows(Family.CASES, day)
    rows = case_day_rows(*day_bounds(day))
    orgs.load(r["department_uuid"] for r in rows)
    facts = target_access_facts((r["target_kind"], r["target_uuid"]) for r in rows)
    for r in rows:
        visits, online = facts.get((r["target_kind"], r["target_uuid"]), (None, False))
        counts = {
            **r,
            "zero_visit": r.get("submitted", 0) if visits == 0 else 0,
            "fully_online": r.get("submitted", 0) if online else 0,
        }
        org = orgs.get(r["department_uuid"])
        if org is None:
            continue
        out.add_org(Dim.DEPARTMENT, org, counts)
        dim = Dim.BUNDLE if r["target_kind"] == "bundle" else Dim.ITEM
        out.add(dim, r["target_uuid"], r["target_name"], org.path, counts)
    return out


def count_evaluations(day: date, today: date, orgs: Orgs) -> Rows:
    out = Rows(Family.EVALUATIONS, day)
    units, targets = evaluation_day_rows(*day_bounds(day))
    # A pad's 一次一评 names the front desk's window (Window.uuid), not its organisation: map it.
    windows = window_org_uuids(r["unit_uuid"] for r in units if r["unit_kind"] == "window")
    units = [{**r, "unit_uuid": windows.get(r["unit_uuid"], r["unit_uuid"])} for r in units]
    orgs.load([r["unit_uuid"] for r in units] + [r["department_uuid"] for r in targets])
    for r in units:
        org = orgs.get(r["unit_uuid"])
        dim = _unit_dim(org) if org is not None else None
        if org is None or dim is None:
            continue
        out.add_org(dim, org, r)
        if dim == Dim.WINDOW and org.parent_uuid:
            centre = orgs.get(org.parent_uuid)
            if centre is not None:
                out.add(Dim.CENTRE, centre.uuid, centre.name, centre.path, r)
    for r in targets:
        org = orgs.get(r["department_uuid"])
        if org is None:
            continue
        dim = Dim.BUNDLE if r["target_kind"] == "bundle" else Dim.ITEM
        out.add(dim, r["target_uuid"], r["target_name"], org.path, r)
    return out


def count_tickets(day: date, today: date, orgs: Orgs) -> Rows:
    out = Rows(Family.TICKETS, day)
    rows = ticket_day_rows(day, today)
    orgs.load(r["unit_uuid"] for r in rows)
    for r in rows:
        org = orgs.get(r["unit_uuid"])
        dim = _unit_dim(org) if org is not None else None
        if org is None or dim is None:
            continue
        out.add_org(dim, org, r)
    return out


def count_windows(day: date, today: date, orgs: Orgs) -> Rows:
    out = Rows(Family.WINDOWS, day)
    centres = centre_day_rows(*day_bounds(day))
    orgs.load(
        [c["centre_org_uuid"] for c in centres] + [w["org_uuid"] for c in centres for w in c["windows"]]
    )
    for c in centres:
        centre = orgs.get(c["centre_org_uuid"])
        if centre is None:
            continue
        out.add_org(Dim.CENTRE, centre, c["total"])
        for w in c["windows"]:
            org = orgs.get(w["org_uuid"])
            if org is not None and org.kind == "window":
                out.add(Dim.WINDOW, org.uuid, w["label"] or org.name, org.path, w)
        for clerk in c["clerks"]:
            out.add(Dim.CLERK, clerk["user_id"], clerk["label"], centre.path, clerk)
    return out


COUNT: dict[str, Callable[[date, date, Orgs], Rows]] = {
    Family.CASES: count_cases,
    Family.EVALUATIONS: count_evaluations,
    Family.TICKETS: count_tickets,
    Family.WINDOWS: count_windows,
}
TOUCHED: dict[str, Callable[[datetime], set[date]]] = {
    Family.CASES: case_days_touched_since,
    Family.EVALUATIONS: evaluation_days_touched_since,
    Family.TICKETS: ticket_days_touched_since,
    Family.WINDOWS: window_days_touched_since,
}


def recount(family: str, day: date, today: date, orgs: Orgs | None = None) -> int:
    """Count one family's day again from its raw rows and replace its FigureDay rows; the number written."""
    rows = COUNT[family](day, today, orgs or Orgs()).objects()
    with transaction.atomic():
        FigureDay.objects.filter(family=family, day=day).delete()
        FigureDay.objects.bulk_create(rows, batch_size=2_000)
    return len(rows)


def refresh_months(days) -> int:
    """Sum again the months of ``days`` from their FigureDay rows into FigureMonth (each month replaced in
    its own transaction); the number of months."""
    months = sorted({month_start(d) for d in days})
    for month in months:
        following = next_month(month)
        sums = (
            FigureDay.objects.filter(day__gte=month, day__lt=following)
            .values("dim", "unit_key", "scope_path")
            .annotate(label=Max("unit_label"), **{c: Sum(c) for c in ALL_COUNTERS})
        )
        rows = [
            FigureMonth(
                month=month,
                dim=r["dim"],
                unit_key=r["unit_key"],
                scope_path=r["scope_path"],
                unit_label=r["label"] or "",
                **{c: r[c] or 0 for c in ALL_COUNTERS},
            )
            for r in sums.iterator(chunk_size=5_000)
        ]
        with transaction.atomic():
            FigureMonth.objects.filter(month=month).delete()
            FigureMonth.objects.bulk_create(rows, batch_size=2_000)
    return len(months)


def rollup_run(now: datetime | None = None) -> dict[str, int]:
    """Bring every family up to date: count again the days touched since its watermark (and those marked
    dirty); the number of days counted by family."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    orgs = Orgs()
    done: dict[str, int] = {}
    counted: set[date] = set()
    for family in Family.values:
        state = RollupState.objects.filter(family=family).first()
        since = state.watermark if state is not None else datetime(2000, 1, 1, tzinfo=UTC)
        days = {d for d in TOUCHED[family](since) if d <= today}
        dirty = list(RollupDirty.objects.filter(family=family).values_list("id", "day"))
        days |= {d for _, d in dirty}
        if family == Family.TICKETS and state is not None:
            last = timezone.localdate(state.watermark + SAFETY_MARGIN)
            d = last
            while d < today:
                days.add(d)
                d += timedelta(days=1)
        for day in sorted(days):
            recount(family, day, today, orgs)
        counted |= days
        RollupDirty.objects.filter(id__in=[i for i, _ in dirty]).delete()
        RollupState.objects.update_or_create(family=family, defaults={"watermark": now - SAFETY_MARGIN})
        done[family] = len(days)
    done["months"] = refresh_months(counted)
    return done


def rollup_rebuild(start: date | None = None, end: date | None = None, now: datetime | None = None) -> int:
    """Count every day of [start, end] again from scratch (by default from the first case or evaluation to
    today), every family; the number of days."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if start is None:
        firsts = [d for d in (cases_first_day(), evaluations_first_day()) if d]
        start = min(firsts) if firsts else today
    end = min(end or today, today)
    orgs = Orgs()
    n = 0
    with transaction.atomic():
        FigureDay.objects.filter(day__gte=start, day__lte=end).delete()
    day = start
    while day <= end:
        for family in Family.values:
            recount(family, day, today, orgs)
        day += timedelta(days=1)
        n += 1
    refresh_months([start + timedelta(days=i) for i in range((end - start).days + 1)])
    for family in Family.values:
        RollupState.objects.update_or_create(family=family, defaults={"watermark": now - SAFETY_MARGIN})
    RollupDirty.objects.all().delete()
    return n
