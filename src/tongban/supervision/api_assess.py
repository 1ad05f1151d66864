"""考核排名 (`/api/supervision/assessments`): each endpoint states who may call it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Query, Router, Schema

from tongban.accounts.facade import session_auth
from tongban.core.schemas import responses
from tongban.supervision.assessment_periods import period_parse
from tongban.supervision.assessments import rankings_visible, run_of
from tongban.supervision.errors import AssessmentNotFound, SupervisionDimensionInvalid

router = Router(tags=["supervision 监督考核"])


class AssessmentQuery(Schema):
    period: str = Field(description="2026-11 (a month) or 2026Q4 (a quarter)")
    office: str = Field(default="", description="the uuid of one supervising office (a region or a district)")
    dim: str = Field(default="", description="district | department: one ranking of the office(s)")


class UnitOut(Schema):
    rank: int | None = Field(description="null: no figure in the period, not ranked")
    previous_rank: int | None
    change: str = Field(
        description="up | down | same | new (no rank in the previous period) | '' (not ranked)"
    )
    unit_key: str
    unit_label: str
    score: float | None
    figures: dict[str, Any] = Field(description="figure -> {value, points, num, den, weight}")


class RankingOut(Schema):
    office: str = Field(description="the supervising office's uuid")
    office_name: str
    dim: str
    units: list[UnitOut]


class AssessmentOut(Schema):
    period: str
    period_kind: str
    start: date
    end: date
    scheme_version: int
    computed_at: datetime
    rankings: list[RankingOut]


@router.get(
    "/supervision/assessments",
    response=responses({200: AssessmentOut}, 401, 403, 404),
    auth=session_auth,
)
def assessments(request, query: Query[AssessmentQuery]):
    """The rankings of an assessed period (docs/domain/supervision-assessments.md): each with every unit's
    rank, its change against the previous period, its score and figures. Caller: a supervisor — the rankings
    of the offices inside their subtree (a district's supervisor: their district's departments); anyone else
    403 `permission_denied`. 422 `supervision_assessment_period_invalid`, `supervision_dimension_invalid`;
    404 `supervision_assessment_not_found` before the period is assessed, or when no ranking of it is the
    caller's."""
    period = period_parse(query.period)
    if query.dim and query.dim not in ("district", "department"):
        raise SupervisionDimensionInvalid(field="dim")
    rankings = rankings_visible(request.actor, period)
    run = run_of(period)
    if run is None:
        raise AssessmentNotFound(period=period.key)
    chosen = [
        (office, dim, rows)
        for office, dim, rows in rankings
        if (not query.office or office.uuid == query.office) and (not query.dim or dim == query.dim)
    ]
    if not chosen:
        raise AssessmentNotFound(period=period.key)
    return {
        "period": period.key,
        "period_kind": period.kind,
        "start": period.start,
        "end": period.end,
        "scheme_version": run.scheme_version,
        "computed_at": run.computed_at,
        "rankings": [
            {
                "office": office.uuid,
                "office_name": office.name,
                "dim": dim,
                "units": [
                    {
                        "rank": r.rank,
                        "previous_rank": r.previous_rank,
                        "change": r.change,
                        "unit_key": r.unit_key,
                        "unit_label": r.unit_label,
                        "score": float(r.score) if r.score is not None else None,
                        "figures": r.figures,
                    }
                    for r in rows
                ],
            }
            for office, dim, rows in chosen
        ],
    }
