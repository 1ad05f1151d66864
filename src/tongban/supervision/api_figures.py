"""The supervisors' dashboards as JSON (issue 19 §1): the figures of the units of a dimension over a period,
read from the daily roll-ups on the read database, as the page ``/supervision/figures/`` shows them."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from tongban.accounts.facade import session_auth
from tongban.core.pagination import MAX_LIMIT, MAX_OFFSET
from tongban.core.schemas import responses
from tongban.supervision import dashboard as board
from tongban.supervision.access import supervision_scope
from tongban.supervision.figures import total_figures, unit_figures
from tongban.supervision.periods import dimension_from, period_from

router = Router(tags=["supervision"])


class FiguresQuery(Schema):
    dim: str = Field(
        default="department", description="department, district, item, bundle, centre, window, clerk"
    )
    from_: str = Field(default="", alias="from", description="YYYY-MM-DD, Beijing date, included")
    to: str = Field(
        default="", description="YYYY-MM-DD, Beijing date, included (at most 366 days from `from`)"
    )
    period: str = Field(
        default="", description="month | last_month | quarter | custom; empty: custom when a date is given"
    )
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT, description="units per page (1–200)")
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="units to skip")


class PeriodOut(Schema):
    from_: str = Field(alias="from")
    to: str


class FiguresOf(Schema):
    counts: dict[str, int] = Field(description="the counters summed over the period (docs/api.md)")
    figures: dict[str, float | None] = Field(
        description="ratios from 0 to 1 (null when the denominator is zero); wait_minutes in minutes"
    )


class FiguresUnitOut(FiguresOf):
    key: str = Field(description="an organisation, item or bundle uuid; a clerk's user id")
    label: str
    red: bool = Field(description="需关注: 按期办结率 below 90 % or a case turned red (case dimensions only)")


class FiguresOut(Schema):
    dim: str
    period: PeriodOut
    previous: PeriodOut
    total: FiguresOf
    total_previous: FiguresOf
    count: int = Field(description="units of the dimension with any figure in the period")
    units: list[FiguresUnitOut]


def _period_out(start, end) -> dict[str, Any]:
    return {"from": start.isoformat(), "to": end.isoformat()}


@router.get(
    "/supervision/figures",
    response=responses({200: FiguresOut}, 401, 403),
    auth=session_auth,
    by_alias=True,
)
def figures(request, query: Query[FiguresQuery]):
    """The figures of the caller's scope and of the units of ``dim`` over the period, by unit name. Caller: a
    supervisor — a district's supervisor gets the units under their district only; anyone else 403
    `permission_denied`. 422 `supervision_period_invalid` (a date not `YYYY-MM-DD`, from after to, over 366
    days), `supervision_dimension_invalid`."""
    scope = supervision_scope(request.actor)
    period = period_from(query.period, query.from_, query.to, today=timezone.localdate())
    dim = dimension_from(query.dim)
    units = unit_figures(scope=scope, dim=dim, start=period.start, end=period.end)
    total = total_figures(scope=scope, start=period.start, end=period.end)
    previous = total_figures(scope=scope, start=period.previous[0], end=period.previous[1])
    red = board.has_cases(dim)
    return {
        "dim": dim,
        "period": _period_out(period.start, period.end),
        "previous": _period_out(*period.previous),
        "total": board.figures_json(total),
        "total_previous": board.figures_json(previous),
        "count": len(units),
        "units": [
            {
                "key": u.unit_key,
                "label": u.unit_label,
                "red": red and board.is_red(u),
                **board.figures_json(u),
            }
            for u in units[query.offset : query.offset + query.limit]
        ],
    }
