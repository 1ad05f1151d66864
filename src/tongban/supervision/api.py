"""Supervision's API (`/api/public/ratings`): each endpoint states who may call it."""

from __future__ import annotations

from datetime import date

from ninja import Field, Query, Router, Schema

from tongban.core.pagination import MAX_LIMIT, MAX_OFFSET
from tongban.core.schemas import responses
from tongban.supervision.access import require_public_ratings_allowed
from tongban.supervision.public import dim_of, period_parse, public_units, units_find

router = Router(tags=["supervision 监督考核"])


class PublicRatingsQuery(Schema):
    kind: str = Field(
        "department", max_length=20, description="department 部门, item 服务事项, centre 政务服务中心"
    )
    period: str = Field(
        "12m",
        max_length=20,
        description="12m (the last 12 months, the default), YYYY (a year) or YYYY-MM (a month)",
    )
    q: str = Field("", max_length=50, description="a part of the name, or its pinyin initials")
    sort: str = Field("count", max_length=10, description="count (the default), stars, good_rate, name")
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="每页条数 items per page (1–200)")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过条数 items to skip")


class PublicPeriodOut(Schema):
    key: str
    start: date
    end: date


class PublicUnitOut(Schema):
    uuid: str
    name: str
    evaluations: int = Field(description="valid evaluations in the period")
    good: int = Field(description="of them 非常满意 or 满意 (4–5 stars)")
    bad: int = Field(description="of them 差评 (1–2 stars)")
    stars: float | None = Field(description="mean level, 1–5, two decimals")
    good_rate: float | None = Field(description="好评率 = good ÷ evaluations, 0–1, four decimals")


class PublicRatingsOut(Schema):
    kind: str
    period: PublicPeriodOut
    count: int
    items: list[PublicUnitOut]


@router.get("/public/ratings", response=responses({200: PublicRatingsOut}, 429), auth=None)
def public_ratings(request, filters: Query[PublicRatingsQuery]):
    """好差评 public results: the departments, items or service centres (``kind``) with a valid evaluation in
    the period, with their counts, stars and 好评率, from the daily roll-ups (cached for
    ``TONGBAN_PUBLIC_RATINGS_CACHE_SECONDS``). Anyone, no login; throttled per address (120 calls in 10
    minutes, then 429 ``throttled``). 422 ``supervision_dimension_invalid`` for another kind, 422
    ``supervision_period_invalid`` for a period that is not ``12m``, a year or a month from 2019 up to now.
    An unknown ``sort`` sorts by count. ``count`` is the number of units matching, ``items`` one page of them
    (``limit``, ``offset``)."""
    require_public_ratings_allowed(request.client_ip)
    dim_of(filters.kind)
    period = period_parse(filters.period)
    units = units_find(public_units(filters.kind, period), query=filters.q, sort=filters.sort)
    page = units[filters.offset : filters.offset + filters.limit]
    return {
        "kind": filters.kind,
        "period": {"key": period.key, "start": period.start, "end": period.end},
        "count": len(units),
        "items": [
            {
                "uuid": u.uuid,
                "name": u.name,
                "evaluations": u.evaluations,
                "good": u.good,
                "bad": u.bad,
                "stars": None if u.stars is None else round(u.stars, 2),
                "good_rate": None if u.good_rate is None else round(u.good_rate, 4),
            }
            for u in page
        ],
    }
