"""A centre's opening hours (docs/domain/frontdesk.md §1): ``ServiceCentre.hours`` gives the opening spans of a
working day and of a rest day, and which kind a date is comes from the platform's working-day calendar
(``core.workdays.is_working_day``: holidays and 调休 included)."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.workdays import is_working_day
from tongban.frontdesk.errors import CentreClosed

logger = logging.getLogger(__name__)

HOURS_KEYS = ("workday", "restday")
_HHMM = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")
_warned: set[tuple[str, str]] = set()  # (centre, span) pairs already logged: a malformed span warns once


def _parse(value: str) -> time:
    if not isinstance(value, str) or not _HHMM.fullmatch(value):
        raise ValueError(f"not HH:MM: {value!r}")
    if value == "24:00":
        return time.max
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def parse_span(span) -> tuple[time, time]:
    """One opening span ``["08:30", "16:30"]`` (``"24:00"`` allowed as an end) with start < end; ValueError
    otherwise."""
    if not isinstance(span, (list, tuple)) or len(span) != 2:
        raise ValueError(f"not a pair: {span!r}")
    start, end = _parse(span[0]), _parse(span[1])
    if span[0] == "24:00" or not start < end:
        raise ValueError(f"start not before end: {span!r}")
    return start, end


def validate_hours(value) -> None:
    """``ServiceCentre.hours`` as the admin's form takes it (``ServiceCentre.clean``): a mapping of
    ``workday`` and ``restday`` to lists of "HH:MM" pairs whose start is before their end."""
    if not isinstance(value, dict) or set(value) - set(HOURS_KEYS):
        raise ValidationError(
            _('开放时间须为 {"workday": [["08:30", "16:30"]], "restday": [...]} 的格式'),
            code="invalid",
        )
    for key in HOURS_KEYS:
        spans = value.get(key) or []
        if not isinstance(spans, list):
            raise ValidationError(_("开放时间的每一项须为时段列表"), code="invalid")
        for span in spans:
            try:
                parse_span(span)
            except ValueError as exc:
                raise ValidationError(
                    _('开放时段 %(span)s 无效：须为 "HH:MM" 格式的开始和结束时间，且开始早于结束'),
                    code="invalid",
                    params={"span": span},
                ) from exc


def spans_for(centre, day: date) -> list[tuple[time, time]]:
    """The opening spans of the centre on ``day`` (an empty list: closed all day). A malformed stored span
    (the admin's form refuses one; an older row or a direct write may hold one) counts as closed and is
    logged once."""
    key = "workday" if is_working_day(day) else "restday"
    hours = centre.hours if isinstance(centre.hours, dict) else {}
    spans = hours.get(key) or []
    if not isinstance(spans, list):
        spans = [spans]
    result = []
    for span in spans:
        try:
            result.append(parse_span(span))
        except ValueError:
            mark = (str(getattr(centre, "uuid", "")), repr(span))
            if mark not in _warned:
                _warned.add(mark)
                logger.warning("frontdesk: centre %s has a malformed opening span %r (closed)", mark[0], span)
    return result


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
