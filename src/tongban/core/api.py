"""Public calendar endpoints: other systems count working days the same way we do."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from pydantic import Field

from tongban.core.errors import CoreError, InvalidInput
from tongban.core.schemas import responses
from tongban.core.workdays import (
    calendar_known_years,
    is_provisional_year,
    is_working_day,
    range_is_provisional,
    working_days_after,
    working_days_between,
)

router = Router(tags=["calendar"])

MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)


PROVISIONAL = (
    "true when a year counted is not yet in the calendar (no State Council notice entered): it is counted "
    "provisionally with the statutory holidays of the 放假办法 and no 调休, and may change once the notice is in"
)


class DayOut(Schema):
    date: date
    is_working_day: bool
    year_known: bool
    provisional: bool = Field(description=PROVISIONAL)


class AfterIn(Schema):
    start: date
    n: int = Field(ge=0, le=2000)


class AfterOut(Schema):
    start: date
    n: int
    due: date
    year_known: bool
    provisional: bool = Field(description=PROVISIONAL)


class BetweenIn(Schema):
    start: date
    end: date


class BetweenOut(Schema):
    start: date
    end: date
    working_days: int
    provisional: bool = Field(description=PROVISIONAL)


def _check_range(*days: date) -> None:
    for d in days:
        if not MIN_DATE <= d <= MAX_DATE:
            raise InvalidInput(
                CoreError.DATE_OUT_OF_RANGE, _("日期超出支持范围（2000–2100年）"), field="date"
            )


@router.get("/calendar/days/{day}", response=responses({200: DayOut}), auth=None)
def calendar_day(request, day: date):
    """Whether a date is a working day (调休 included). Public."""
    _check_range(day)
    return {
        "date": day,
        "is_working_day": is_working_day(day),
        "year_known": day.year in calendar_known_years(),
        "provisional": is_provisional_year(day.year),
    }


@router.get("/calendar/working-days-after", response=responses({200: AfterOut}), auth=None)
def calendar_after(request, params: Query[AfterIn]):
    """The n-th working day after `start` (the start day is not counted). Public."""
    _check_range(params.start)
    due = working_days_after(params.start, params.n)
    _check_range(due)
    return {
        "start": params.start,
        "n": params.n,
        "due": due,
        "year_known": due.year in calendar_known_years(),
        "provisional": range_is_provisional(params.start, due),
    }


@router.get("/calendar/working-days-between", response=responses({200: BetweenOut}), auth=None)
def calendar_between(request, params: Query[BetweenIn]):
    """Working days in (start, end]. Public."""
    _check_range(params.start, params.end)
    if abs((params.end - params.start).days) > 3660:
        raise InvalidInput(CoreError.RANGE_TOO_LONG, _("日期区间不能超过10年"), field="end")
    return {
        "start": params.start,
        "end": params.end,
        "working_days": working_days_between(params.start, params.end),
        "provisional": range_is_provisional(params.start, params.end),
    }
