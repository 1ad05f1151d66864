"""The figures a centre is judged by (issue 17 §4; docs/domain/frontdesk.md §3), per window, per clerk and for
the centre, over a period, recomputed from the raw rows every time:

- **served**: tickets whose ``finish`` event falls in the period, counted for the window and the clerk of
  that event (the last ``finish`` when there are several);
- **average waiting time**: over the served tickets with a ``call`` event, first ``call`` − ``take`` (the
  ticket's ``taken_at`` when it has no ``take`` event);
- **average service time**: over the served tickets with a ``start`` event before the ``finish``, ``finish``
  − the last such ``start``;
  (averages: the sum of the durations in whole microseconds divided by their number, in seconds);
- **收件准确率**: of the cases named by the services given in the period that a clerk accepted, the share
  not later returned to the applicant by a back office (``cases.facade.case_acceptance_facts``);
- **当场办结率**: services in the period marked ``on_the_spot`` ÷ services in the period;
- **waiting time against before**: the same average over the same period one year earlier, or — when the
  centre served nobody then — over the period just before; the change is (now − before) ÷ before.

The seed's reference lines: 收件准确率 > 90 %, 当场办结 75 %, waiting time −⅓ (Xuhui)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef
from django.db.models.functions import TruncDate
from django.utils import timezone

from tongban.cases.facade import case_acceptance_facts
from tongban.frontdesk.constants import TicketAction
from tongban.frontdesk.models import Service, ServiceCentre, Ticket, TicketEvent, Window, WindowShift

ACCURACY_REFERENCE = 0.90
ON_THE_SPOT_REFERENCE = 0.75
WAIT_CHANGE_REFERENCE = -1 / 3
PERIODS = ("today", "week", "month")
US = 1_000_000


def _us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def _avg(total_us: int, n: int) -> float | None:
    return total_us / n / US if n else None


@dataclass
class Row:
    """One line of the dashboard: a window, a clerk, or the centre."""

    key: str
    label: str
    served: int = 0
    wait_us: int = 0
    wait_n: int = 0
    service_us: int = 0
    service_n: int = 0
    services: int = 0
    on_the_spot: int = 0
    accepted: int = 0
    accurate: int = 0
    wait_before_us: int = 0
    wait_before_n: int = 0

    @property
    def wait_avg(self) -> float | None:
        return _avg(self.wait_us, self.wait_n)

    @property
    def service_avg(self) -> float | None:
        return _avg(self.service_us, self.service_n)

    @property
    def wait_before_avg(self) -> float | None:
        return _avg(self.wait_before_us, self.wait_before_n)

    @property
    def accuracy(self) -> float | None:
        return self.accurate / self.accepted if self.accepted else None

    @property
    def on_the_spot_share(self) -> float | None:
        return self.on_the_spot / self.services if self.services else None

    @property
    def wait_change(self) -> float | None:
        now, before = self.wait_avg, self.wait_before_avg
        if now is None or not before:
            return None
        return (now - before) / before


@dataclass
class Dashboard:
    centre: ServiceCentre
    period: str
    start: datetime
    end: datetime
    compare_start: datetime
    compare_end: datetime
    compare_kind: str  # "year" (the same period a year before) or "previous" (the period just before)
    windows: list[Row] = field(default_factory=list)
    clerks: list[Row] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row("centre", ""))


@dataclass
class _Ticket:
    take: datetime | None = None
    call: datetime | None = None
    starts: list[datetime] = field(default_factory=list)
    finish: datetime | None = None
    finish_window: int | None = None
    finish_clerk: int | None = None


def _tickets(centre: ServiceCentre, start: datetime, end: datetime) -> dict[int, _Ticket]:
    """The tickets of ``centre`` served in [start, end) with their events: two queries (the finished tickets
    as a subquery of one, no per-ticket query)."""
    served = TicketEvent.objects.filter(
        ticket__centre=centre, action=TicketAction.FINISH, at__gte=start, at__lt=end
    ).values("ticket_id")
    rows = (
        TicketEvent.objects.filter(ticket_id__in=served)
        .order_by("at", "id")
        .values_list("ticket_id", "action", "at", "window_id", "actor_user_id", "ticket__taken_at")
    )
    tickets: dict[int, _Ticket] = {}
    for ticket_id, action, at, window_id, user_id, taken_at in rows.iterator(chunk_size=5000):
        t = tickets.get(ticket_id)
        if t is None:
            t = tickets[ticket_id] = _Ticket(take=taken_at)
        if action == TicketAction.TAKE:
            t.take = at
        elif action == TicketAction.CALL:
            if t.call is None:
                t.call = at
        elif action == TicketAction.START:
            t.starts.append(at)
        elif action == TicketAction.FINISH and start <= at < end:
            t.finish, t.finish_window, t.finish_clerk = at, window_id, user_id
    return {k: t for k, t in tickets.items() if t.finish is not None}


def _waits(tickets: dict[int, _Ticket]):
    for t in tickets.values():
        if t.call is not None and t.take is not None:
            yield t, _us(t.call - t.take)


def _period(period: str, today: date) -> tuple[date, date]:
    if period == "week":
        first = today - timedelta(days=today.weekday())
        return first, first + timedelta(days=7)
    if period == "month":
        first = today.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        return first, nxt
    return today, today + timedelta(days=1)


def _previous(period: str, first: date, last: date) -> tuple[date, date]:
    if period == "month":
        prev_last = first
        prev_first = (first - timedelta(days=1)).replace(day=1)
        return prev_first, prev_last
    span = last - first
    return first - span, first


def _year_before(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def _aware(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


def _window_label(window: Window) -> str:
    prefix = f"{window.number}号"
    return window.name if window.name.startswith(prefix) else f"{prefix} {window.name}"


def centre_figures(
    centre: ServiceCentre,
    start: datetime,
    end: datetime,
    compare: tuple[datetime, datetime] | None = None,
) -> tuple[list[Row], list[Row], Row]:
    """The rows per window (by number), per clerk (by label) and the centre's total for [start, end)."""
    windows = {w.pk: w for w in Window.objects.filter(centre=centre)}
    by_window: dict[int, Row] = {
        pk: Row(str(w.uuid), _window_label(w)) for pk, w in sorted(windows.items(), key=lambda i: i[1].number)
    }
    clerk_labels: dict[int, str] = dict(
        WindowShift.objects.filter(window__centre=centre).values_list("user_id", "staff_label")
    )
    by_clerk: dict[int, Row] = {}
    total = Row("centre", centre.name)

    def clerk_row(user_id: int | None) -> Row | None:
        if user_id is None:
            return None
        row = by_clerk.get(user_id)
        if row is None:
            row = by_clerk[user_id] = Row(str(user_id), clerk_labels.get(user_id) or f"#{user_id}")
        return row

    def rows_for(window_id: int | None, user_id: int | None) -> list[Row]:
        found = [total]
        if window_id in by_window:
            found.append(by_window[window_id])
        clerk = clerk_row(user_id)
        if clerk is not None:
            found.append(clerk)
        return found

    services = list(
        Service.objects.filter(centre=centre, started_at__gte=start, started_at__lt=end).values_list(
            "window_id", "clerk_user_id", "clerk_label", "on_the_spot", "case_uuids"
        )
    )
    for _w, user_id, label, _s, _u in services:
        clerk_labels.setdefault(user_id, label)
    tickets = _tickets(centre, start, end)
    for t in tickets.values():
        for row in rows_for(t.finish_window, t.finish_clerk):
            row.served += 1
        assert t.finish is not None
        begun = [s for s in t.starts if s <= t.finish]
        if begun:
            for row in rows_for(t.finish_window, t.finish_clerk):
                row.service_us += _us(t.finish - begun[-1])
                row.service_n += 1
    for t, wait in _waits(tickets):
        for row in rows_for(t.finish_window, t.finish_clerk):
            row.wait_us += wait
            row.wait_n += 1

    facts = case_acceptance_facts(u for *_rest, uuids in services for u in uuids or [])
    for window_id, user_id, _label, on_the_spot, uuids in services:
        for row in rows_for(window_id, user_id):
            row.services += 1
            row.on_the_spot += bool(on_the_spot)
            for u in uuids or []:
                fact = facts.get(str(u))
                if fact is not None and fact.accepted:
                    row.accepted += 1
                    row.accurate += not fact.returned

    if compare is not None:
        for t, wait in _waits(_tickets(centre, *compare)):
            for row in rows_for(t.finish_window, t.finish_clerk):
                row.wait_before_us += wait
                row.wait_before_n += 1
    clerks = sorted(by_clerk.values(), key=lambda r: (r.label, r.key))
    return list(by_window.values()), clerks, total


def centre_dashboard(centre: ServiceCentre, period: str = "today", *, today: date | None = None) -> Dashboard:
    """The dashboard of ``centre`` for today, this week or this month (calendar week from Monday, calendar
    month), compared with the same period a year before, or the period before when the centre served nobody
    a year before."""
    period = period if period in PERIODS else "today"
    today = today or timezone.localdate()
    first, last = _period(period, today)
    year_first, year_last = _year_before(first), _year_before(last)
    compare_kind = "year"
    if not TicketEvent.objects.filter(
        ticket__centre=centre,
        action=TicketAction.FINISH,
        at__gte=_aware(year_first),
        at__lt=_aware(year_last),
    ).exists():
        compare_kind = "previous"
        year_first, year_last = _previous(period, first, last)
    start, end = _aware(first), _aware(last)
    compare = (_aware(year_first), _aware(year_last))
    windows, clerks, total = centre_figures(centre, start, end, compare)
    return Dashboard(
        centre=centre,
        period=period,
        start=start,
        end=end,
        compare_start=compare[0],
        compare_end=compare[1],
        compare_kind=compare_kind,
        windows=windows,
        clerks=clerks,
        total=total,
    )


# --- supervision's daily roll-ups (docs/domain/supervision.md §2) ------------------------------------------
ROW_COUNTERS = (
    "served",
    "wait_us",
    "wait_n",
    "service_us",
    "service_n",
    "services",
    "on_the_spot",
    "accepted",
    "accurate",
)


def _counters(row: Row) -> dict[str, int]:
    return {c: getattr(row, c) for c in ROW_COUNTERS}


def centre_day_rows(start: datetime, end: datetime) -> list[dict]:
    """Every centre's figures of [start, end) (a local day), for supervision: ``centre_org_uuid``,
    ``centre_name``, ``total`` (counters), ``windows`` [{``org_uuid``, ``label``, counters}] and ``clerks``
    [{``user_id``, ``label``, counters}]; rows with nothing counted are left out."""
    # Only the centres with a ticket or a service that day (a day's figures of a quiet centre are zeros).
    active = ServiceCentre.objects.filter(
        Exists(Ticket.objects.filter(centre=OuterRef("pk"), taken_at__gte=start, taken_at__lt=end))
        | Exists(Service.objects.filter(centre=OuterRef("pk"), started_at__gte=start, started_at__lt=end))
    )
    out = []
    for centre in active.order_by("id"):
        windows, clerks, total = centre_figures(centre, start, end)
        if not any(_counters(total).values()):
            continue
        org_of = {
            str(w.uuid): str(w.org_uuid or centre.org_uuid) for w in Window.objects.filter(centre=centre)
        }
        out.append(
            {
                "centre_org_uuid": str(centre.org_uuid),
                "centre_name": centre.name,
                "total": _counters(total),
                "windows": [
                    {"org_uuid": org_of.get(r.key, str(centre.org_uuid)), "label": r.label, **_counters(r)}
                    for r in windows
                    if any(_counters(r).values())
                ],
                "clerks": [
                    {"user_id": r.key, "label": r.label, **_counters(r)}
                    for r in clerks
                    if any(_counters(r).values())
                ],
            }
        )
    return out


def window_days_touched_since(since: datetime) -> set[date]:
    """Days of the queue tickets and window services written or changed since ``since`` (by their events)."""
    days: set[date] = set()
    for qs, column in (
        (TicketEvent.objects.filter(at__gte=since), "at"),
        (Service.objects.filter(started_at__gte=since), "started_at"),
        (Service.objects.filter(finished_at__gte=since), "started_at"),
    ):
        days |= {
            d for d in qs.order_by().annotate(d=TruncDate(column)).values_list("d", flat=True).distinct() if d
        }
    return days
