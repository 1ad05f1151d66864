"""Periodic assessments (考核) of districts and departments and their rankings
(docs/domain/supervision-assessments.md).

:func:`assess` scores every unit of a month or quarter from the daily roll-ups (figures.unit_figures) with the
weights scheme in force on the period's first day, ranks them within each supervising office, and stores the
results, replacing the period's earlier ones (idempotent). The maintenance sweep runs it for the period just
ended (tasks.maintenance_receiver); ``tongban supervision assess --period 2026-11|2026Q4`` for any ended one."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tongban.core.actors import SYSTEM, Actor
from tongban.core.audit import audit_record
from tongban.supervision.access import Office, offices_all, offices_visible, require_scheme_author
from tongban.supervision.assessment_periods import Period, period_for
from tongban.supervision.constants import CircularStatus, Dim
from tongban.supervision.db import read_db
from tongban.supervision.errors import PeriodFrozen, PeriodNotEnded, SchemeBackdated
from tongban.supervision.figures import UnitFigures, unit_figures
from tongban.supervision.locks import lock_latest_scheme, lock_run
from tongban.supervision.models import (
    Assessment,
    AssessmentReport,
    AssessmentRun,
    AssessmentScheme,
    Circular,
)
from tongban.supervision.months import next_month
from tongban.supervision.scoring import ranks, score_of, weights_clean


# --- schemes ---------------------------------------------------------------------------------------------------
def scheme_in_force(day: date) -> AssessmentScheme:
    """The scheme in force on ``day``: the latest ``effective_from`` on or before it, the highest version on a
    tie. The default scheme (version 1, from 2000-01-01) is made by migration 0100."""
    scheme = (
        AssessmentScheme.objects.filter(effective_from__lte=day)
        .order_by("-effective_from", "-version")
        .first()
    )
    if scheme is None:  # only when someone deleted the default: fall back to its weights, unsaved
        from tongban.supervision.scoring import DEFAULT_WEIGHTS

        return AssessmentScheme(version=1, effective_from=date(2000, 1, 1), weights=dict(DEFAULT_WEIGHTS))
    return scheme


def scheme_of(period: Period, run: AssessmentRun | None = None) -> AssessmentScheme:
    """The scheme a period was scored with (its run's version), or the one in force on its first day."""
    if run is not None and run.scheme_version:
        scheme = AssessmentScheme.objects.filter(version=run.scheme_version).first()
        if scheme is not None:
            return scheme
    return scheme_in_force(period.start)


def schemes_all() -> list[AssessmentScheme]:
    return list(AssessmentScheme.objects.order_by("-version"))


def first_allowed_start(today: date) -> date:
    """The earliest day a new scheme may take effect: the first day of the next month."""
    return next_month(today)


@transaction.atomic
def scheme_add(
    *, actor: Actor, effective_from: date, weights: dict, note: str = "", today: date | None = None
) -> AssessmentScheme:
    """A new version of the weights, in force from the first day of a later month (422
    ``supervision_scheme_backdated`` otherwise: a period that has begun keeps the scheme it began with); 422
    ``supervision_scheme_invalid`` for bad weights; 403 ``supervision_scheme_forbidden`` unless the actor is a
    city supervisor or a platform administrator."""
    require_scheme_author(actor)
    today = today or timezone.localdate()
    if effective_from.day != 1 or effective_from < first_allowed_start(today):
        raise SchemeBackdated(field="effective_from", earliest=first_allowed_start(today).isoformat())
    clean = weights_clean(weights)
    lock_latest_scheme()
    version = (AssessmentScheme.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    scheme = AssessmentScheme.objects.create(
        version=version,
        effective_from=effective_from,
        weights=clean,
        note=(note or "").strip()[:500],
        created_by=actor.user_id,
        created_by_label=actor.label[:200],
    )
    audit_record(
        actor=actor,
        action="supervision.scheme_add",
        object_type="assessment_scheme",
        object_id=version,
        after={"effective_from": effective_from.isoformat(), "weights": clean},
    )
    return scheme


# --- assessing -------------------------------------------------------------------------------------------------
def rankings_figures(period: Period, offices: list[Office]) -> dict[tuple[str, str], list[UnitFigures]]:
    """The units of each ranking of the period, keyed by (office path, dim): a region ranks its districts and
    the departments that belong to no district under it; a district the departments under it."""
    groups: dict[tuple[str, str], list[UnitFigures]] = defaultdict(list)
    districts = [o for o in offices if not o.is_city]
    for region in (o for o in offices if o.is_city):
        scope = [region.path]
        # The roll-up's district rows also hold the city-level units' sums under the region itself (市级):
        # not a district, not ranked among them.
        district_keys = {d.uuid for d in districts}
        groups[(region.path, Dim.DISTRICT)] = [
            u
            for u in unit_figures(scope=scope, dim=Dim.DISTRICT, start=period.start, end=period.end)
            if u.unit_key in district_keys
        ]
        under = [d for d in districts if d.path.startswith(region.path)]
        for unit in unit_figures(scope=scope, dim=Dim.DEPARTMENT, start=period.start, end=period.end):
            owner = max(
                (d for d in under if unit.scope_path.startswith(d.path)),
                key=lambda d: len(d.path),
                default=region,
            )
            groups[(owner.path, Dim.DEPARTMENT)].append(unit)
    return {key: units for key, units in groups.items() if units}


def _ranks_of(period: Period) -> dict[tuple[str, str, str], int | None]:
    rows = Assessment.objects.filter(period_kind=period.kind, period_start=period.start).values_list(
        "dim", "scope_path", "unit_key", "rank"
    )
    return {(dim, path, key): rank for dim, path, key, rank in rows}


def assess(period_kind: str, period_start: date, *, actor: Actor = SYSTEM, today: date | None = None) -> dict:
    """Score and rank every unit of the period and store the results, replacing the period's earlier ones
    (idempotent: the same roll-ups give the same rows). The scheme is the one in force on the period's first
    day. 409 ``supervision_period_not_ended`` before the period's last day has passed; 409
    ``supervision_period_frozen`` once a circular of the period has been issued. The sealed reports are made
    by tasks after commit. Returns counts."""
    period = period_for(period_kind, period_start)
    today = today or timezone.localdate()
    if not period.ended_by(today):
        raise PeriodNotEnded(period=period.key)
    with transaction.atomic():
        run = lock_run(period.kind, period.start, period.end)
        if Circular.objects.filter(
            period_kind=period.kind, period_start=period.start, status=CircularStatus.ISSUED
        ).exists():
            raise PeriodFrozen(period=period.key)
        scheme = scheme_in_force(period.start)
        now = timezone.now()
        offices = offices_all()
        previous = _ranks_of(period.previous())
        rows: list[Assessment] = []
        for (scope_path, dim), units in rankings_figures(period, offices).items():
            scored = {u.unit_key: score_of(u.counts, scheme.weights) for u in units}
            ranked = ranks({key: s.score for key, s in scored.items()})
            for unit in units:
                rows.append(
                    Assessment(
                        period_kind=period.kind,
                        period_start=period.start,
                        period_end=period.end,
                        dim=dim,
                        unit_key=unit.unit_key,
                        unit_label=unit.unit_label[:200],
                        scope_path=scope_path,
                        score=scored[unit.unit_key].score,
                        figures=scored[unit.unit_key].figures,
                        rank=ranked[unit.unit_key],
                        previous_rank=previous.get((dim, scope_path, unit.unit_key)),
                        scheme_version=scheme.version,
                        computed_at=now,
                    )
                )
        Assessment.objects.filter(period_kind=period.kind, period_start=period.start).delete()
        Assessment.objects.bulk_create(rows, batch_size=500)
        _next_period_previous_ranks(period, rows)
        run.period_end, run.scheme_version, run.computed_at = period.end, scheme.version, now
        run.computed_by_label = actor.label[:200]
        run.save(update_fields=["period_end", "scheme_version", "computed_at", "computed_by_label"])
        reports = _reports_replace(period, offices, rows, now)
        audit_record(
            actor=actor,
            action="supervision.assess",
            object_type="assessment_period",
            object_id=period.key,
            after={"scheme_version": scheme.version, "units": len(rows)},
        )
        transaction.on_commit(lambda: _reports_enqueue(reports), robust=True)
    return {
        "period": period.key,
        "scheme_version": scheme.version,
        "rankings": len({(r.scope_path, r.dim) for r in rows}),
        "units": len(rows),
        "ranked": sum(1 for r in rows if r.rank is not None),
    }


def _next_period_previous_ranks(period: Period, rows: list[Assessment]) -> None:
    """The next period, when assessed already, reads its changes against these ranks."""
    now_ranks = {(r.dim, r.scope_path, r.unit_key): r.rank for r in rows}
    following = list(Assessment.objects.filter(period_kind=period.kind, period_start=period.next().start))
    for row in following:
        row.previous_rank = now_ranks.get((row.dim, row.scope_path, row.unit_key))
    Assessment.objects.bulk_update(following, ["previous_rank"], batch_size=500)


def _reports_replace(period: Period, offices: list[Office], rows: list[Assessment], now) -> list[int]:
    """One report row (unsealed) per office with a ranking; the earlier reports of the period go."""
    AssessmentReport.objects.filter(period_kind=period.kind, period_start=period.start).delete()
    with_rows = {r.scope_path for r in rows}
    made = [
        AssessmentReport.objects.create(
            period_kind=period.kind,
            period_start=period.start,
            scope_path=o.path,
            office_uuid=o.uuid,
            computed_at=now,
        )
        for o in offices
        if o.path in with_rows
    ]
    return [r.pk for r in made]


def _reports_enqueue(report_ids: list[int]) -> None:
    from tongban.supervision.tasks import assessment_report_seal

    for pk in report_ids:
        assessment_report_seal.enqueue(report_id=pk)


# --- reading (the pages, the API, the documents) ---------------------------------------------------------------
def runs_recent(limit: int = 36) -> list[AssessmentRun]:
    """The periods assessed, newest first (months and quarters)."""
    return list(
        AssessmentRun.objects.using(read_db())
        .filter(scheme_version__gt=0)
        .order_by("-period_start", "period_kind")[:limit]
    )


def run_of(period: Period) -> AssessmentRun | None:
    return (
        AssessmentRun.objects.using(read_db())
        .filter(period_kind=period.kind, period_start=period.start, scheme_version__gt=0)
        .first()
    )


def ranking(period: Period, scope_path: str, dim: str) -> list[Assessment]:
    """One ranking: ranked units by rank then name, then the units without a score."""
    rows = Assessment.objects.using(read_db()).filter(
        period_kind=period.kind, period_start=period.start, scope_path=scope_path, dim=dim
    )
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.unit_label, r.unit_key))


def rankings_visible(actor: Actor, period: Period) -> list[tuple[Office, str, list[Assessment]]]:
    """Every ranking of the period the actor may read: (office, dim, rows), offices in order."""
    out = []
    for office in offices_visible(actor):
        for dim in office.dims:
            rows = ranking(period, office.path, dim)
            if rows:
                out.append((office, dim, rows))
    return out


def last_units(period: Period, scope_path: str, dim: str) -> set[str]:
    """The units ranked last in one ranking (equal last ones all): none when fewer than two places."""
    found = list(
        Assessment.objects.filter(
            period_kind=period.kind,
            period_start=period.start,
            scope_path=scope_path,
            dim=dim,
            rank__isnull=False,
        ).values_list("unit_key", "rank")
    )
    rows = [(key, rank) for key, rank in found if rank is not None]
    bottom = max((rank for _key, rank in rows), default=0)
    if bottom <= 1:
        return set()
    return {key for key, rank in rows if rank == bottom}


def last_in_a_row(period: Period, scope_path: str, dim: str, count: int) -> set[str]:
    """The units ranked last in this period and in each of the ``count - 1`` periods before it (a period not
    assessed breaks the run)."""
    units = last_units(period, scope_path, dim)
    earlier = period
    for _ in range(max(0, count - 1)):
        if not units:
            break
        earlier = earlier.previous()
        units &= last_units(earlier, scope_path, dim)
    return units
