"""A centre's opening hours (docs/domain/frontdesk.md §1): ``ServiceCentre.hours`` gives the opening spans of a
working day and of a rest day, and which kind a date is comes from the platform's working-day calendar
(``core.workdays.is_working_day``: holidays and 调休 included)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.workdays import is_working_day
from tongban.frontdesk.errors import CentreClosed


def _parse(value: str) -> time:
    if value == "24:00":
        return time.max
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def spans_for(centre, day: date) -> list[tuple[time, time]]:
    """The opening spans of the centre on ``day`` (an empty list: closed all day)."""
    key = "workday" if is_working_day(day) else "restday"
    spans = (centre.hours or {}).get(key) or []
    return [(_parse(start), _parse(end)) for start, end in spans]


def hours_text(centre, day: date) -> str:
    """How the day's hours are written: "08:30–16:30", "08:30–11:30、13:30–16:30" or "全天不开放"."""
    spans = spans_for(centre, day)
    if not spans:
        return _("全天不开放")
    return "、".join(
        f"{start:%H:%M}–{'24:00' if end == time.max else f'{end:%H:%M}'}" for start, end in spans
    )


def is_open(centre, at: datetime) -> bool:
    """Whether the centre is open at ``at`` (aware; read in the platform's time zone): start ≤ t < end."""
    local = timezone.localtime(at)
    moment = local.time()
    return any(start <= moment < end for start, end in spans_for(centre, local.date()))


def require_open(centre, at: datetime) -> None:
    """Refuse (409 ``centre_closed``) outside opening hours, saying today's hours."""
    if not is_open(centre, at):
        today = timezone.localtime(at).date()
        text = hours_text(centre, today)
        raise CentreClosed(
            message=_("%(centre)s现在不在开放时间，今天的开放时间：%(hours)s")
            % {"centre": centre.name, "hours": text},
            hours=text,
        )
