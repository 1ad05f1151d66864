"""Front desk benchmark: a large centre's day simulated (5,000 tickets, 40 windows, appointments), its raw ticket
events written, then the centre's dashboard figures computed from them (``tongban.frontdesk.figures``) and
printed with the time the computation took.

The day (``simulate_day``, also used by tests/frontdesk/test_figures_day.py with a smaller day): arrivals
spread through the opening hours (8:30–16:30, a morning and an early-afternoon peak), a share of them booked
for half-hour slots (called at their time before walk-ins), a few no-shows; each window calls the next ticket
when free; the time to come to the window, and the service time, are
drawn from a random generator with a fixed seed (service: log-normal, median 2.5 minutes: 5,000 tickets at 40
windows in 8 hours leave under 4 minutes a ticket); each served ticket is a service, about three in four
completed on the spot. The rows are written with their simulated times (``take``, ``call``, ``start``,
``finish`` and ``no_show`` events; tickets; services), in bulk.

It runs on PostgreSQL (``--database-url``, default ``$BENCH_FRONTDESK_DATABASE_URL`` or
postgres://postgres@127.0.0.1:5432/tongban_bench_frontdesk, created when missing; the bench's centre is
removed and made again at every run), or SQLite in a temporary directory when PostgreSQL is unavailable or
``--sqlite`` is given. Run it alone on the machine (``flock /tmp/tongban-bench.lock .venv/bin/python
bench/frontdesk_day.py``): the time is wall-clock.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import math
import random
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/frontdesk_day.py`
    sys.path.insert(0, str(ROOT))

from bench.harness import cli  # noqa: E402
from bench.harness.child import child_entry, run_child  # noqa: E402
from bench.harness.env import is_postgres, isolated_environ, migrate  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tongban_bench_frontdesk"
BENCH_SLUG = "bench-day"
OPEN, CLOSE = (8, 30), (16, 30)
SERVICE_MEDIAN_MINUTES = 2.5  # 5,000 tickets at 40 windows in 8 hours: under 4 minutes a ticket, all told
CLERK_BASE = 9_000_000  # the simulated clerks' user ids (no accounts are made)


# --- the simulation (Django set up) -------------------------------------------------------------------------
@contextlib.contextmanager
def _simulated_times():
    """Write the simulated times: the ``auto_now_add`` fields are set by the simulation while it runs."""
    from tongban.frontdesk.models import Service, Ticket, TicketEvent

    fields = [
        Ticket._meta.get_field("taken_at"),
        TicketEvent._meta.get_field("at"),
        Service._meta.get_field("started_at"),
    ]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


def _arrival_minute(rnd: random.Random, span: int) -> float:
    """Minutes after opening: two peaks (mid-morning, early afternoon) over a uniform base."""
    pick = rnd.random()
    if pick < 0.35:
        value = rnd.gauss(span * 0.25, span * 0.1)
    elif pick < 0.6:
        value = rnd.gauss(span * 0.7, span * 0.1)
    else:
        value = rnd.uniform(0, span)
    return min(max(value, 0.0), span - 1)


def simulate_day(
    *,
    tickets: int,
    windows: int,
    seed: int,
    day: date,
    appointment_share: float = 0.2,
    no_show_share: float = 0.03,
    on_the_spot_share: float = 0.75,
    slug: str = BENCH_SLUG,
) -> dict:
    """Make a centre ``slug`` with ``windows`` comprehensive windows (a clerk each) and simulate ``day`` with
    ``tickets`` tickets; answers the centre and the counts written."""
    from django.db import transaction
    from django.utils import timezone

    from tongban.frontdesk.constants import (
        TicketAction,
        TicketCategory,
        TicketSource,
        TicketStatus,
        WindowKind,
    )
    from tongban.frontdesk.models import (
        Appointment,
        AppointmentSlot,
        PadSession,
        Service,
        ServiceCentre,
        Ticket,
        TicketEvent,
        Window,
        WindowShift,
    )

    rnd = random.Random(seed)
    opening = timezone.make_aware(
        datetime.combine(day, datetime.min.time()).replace(hour=OPEN[0], minute=OPEN[1])
    )
    span = (CLOSE[0] * 60 + CLOSE[1]) - (OPEN[0] * 60 + OPEN[1])
    with transaction.atomic():
        old = ServiceCentre.objects.filter(slug=slug).first()
        if old is not None:
            TicketEvent.objects.filter(ticket__centre=old).delete()
            PadSession.objects.filter(window__centre=old).delete()
            Service.objects.filter(centre=old).delete()
            Ticket.objects.filter(centre=old).delete()
            Appointment.objects.filter(slot__centre=old).delete()
            AppointmentSlot.objects.filter(centre=old).delete()
            WindowShift.objects.filter(window__centre=old).delete()
            Window.objects.filter(centre=old).delete()
            old.delete()
        org = uuid.uuid4()
        centre = ServiceCentre.objects.create(
            org_uuid=org, org_path=f"{org.hex}/", name="模拟大厅（基准）", division_code="310101", slug=slug
        )
        made_windows = Window.objects.bulk_create(
            Window(
                centre=centre,
                org_uuid=uuid.uuid4(),
                number=n,
                name=f"{n}号综合窗口",
                kind=WindowKind.COMPREHENSIVE,
                categories=["G", "E", "P", "C"],
            )
            for n in range(1, windows + 1)
        )
        made_windows = list(Window.objects.filter(centre=centre).order_by("number"))
        clerk_of = {w.pk: CLERK_BASE + w.number for w in made_windows}
        WindowShift.objects.bulk_create(
            WindowShift(window=w, day=day, user_id=clerk_of[w.pk], staff_label=f"工作人员{w.number:02d}")
            for w in made_windows
        )

        # Arrivals: walk-ins, and appointments for half-hour slots (they come a little before their time).
        categories = [TicketCategory.PERSONAL] * 6 + [TicketCategory.ENTERPRISE] * 3 + [TicketCategory.GREEN]
        arrivals = []
        for _ in range(tickets):
            category = rnd.choice(categories)
            if rnd.random() < appointment_share:
                slot_start = rnd.randrange(0, span - 30, 30)
                due = opening + timedelta(minutes=slot_start)
                at = due - timedelta(seconds=rnd.uniform(0, 900))
                arrivals.append((max(at, opening), category, due))
            else:
                at = opening + timedelta(minutes=_arrival_minute(rnd, span), seconds=rnd.uniform(0, 59))
                arrivals.append((at, category, None))
        arrivals.sort(key=lambda a: a[0])
        seqs: dict[str, int] = {}
        ticket_rows = []
        for at, category, due in arrivals:
            seqs[category] = seqs.get(category, 0) + 1
            ticket_rows.append(
                Ticket(
                    centre=centre,
                    day=day,
                    category=category,
                    seq=seqs[category],
                    number=f"{category}{seqs[category]:03d}",
                    source=TicketSource.APPOINTMENT
                    if due
                    else rnd.choice([TicketSource.KIOSK, TicketSource.PHONE]),
                    status=TicketStatus.DONE,
                    due_at=due,
                    taken_at=at,
                )
            )
        with _simulated_times():
            Ticket.objects.bulk_create(ticket_rows, batch_size=2000)
        made = list(Ticket.objects.filter(centre=centre).order_by("taken_at", "id"))

        # The windows call: green first, appointments due first, then walk-ins by arrival.
        free = [(opening, w.number, w) for w in made_windows]
        heapq.heapify(free)
        waiting: list = []  # (rank, key time, id, ticket)
        events, services, updates = [], [], []
        i = 0
        while i < len(made) or waiting:
            now, number, window = heapq.heappop(free)
            while i < len(made) and made[i].taken_at <= now:
                t = made[i]
                rank = 0 if t.category == TicketCategory.GREEN else 1
                heapq.heappush(waiting, (rank, t.due_at or t.taken_at, t.pk, t))
                i += 1
            if not waiting:
                heapq.heappush(free, (made[i].taken_at, number, window))
                continue
            due_now = [w for w in waiting if w[3].due_at is not None and w[3].due_at <= now and w[0] == 1]
            if due_now and waiting[0][0] == 1:
                pick = min(due_now)
                waiting.remove(pick)
                heapq.heapify(waiting)
            else:
                pick = heapq.heappop(waiting)
            ticket = pick[3]
            clerk = clerk_of[window.pk]
            call = now + timedelta(seconds=rnd.uniform(2, 20))
            events.append(TicketEvent(ticket=ticket, action=TicketAction.TAKE, at=ticket.taken_at))
            events.append(
                TicketEvent(
                    ticket=ticket, action=TicketAction.CALL, window=window, actor_user_id=clerk, at=call
                )
            )
            if rnd.random() < no_show_share:
                gone = call + timedelta(seconds=120)
                events.append(
                    TicketEvent(
                        ticket=ticket,
                        action=TicketAction.NO_SHOW,
                        window=window,
                        actor_user_id=clerk,
                        at=gone,
                    )
                )
                ticket.status, ticket.window, ticket.called_at = TicketStatus.NO_SHOW, window, call
                updates.append(ticket)
                heapq.heappush(free, (gone, number, window))
                continue
            start = call + timedelta(seconds=rnd.uniform(10, 60))
            minutes = min(max(rnd.lognormvariate(math.log(SERVICE_MEDIAN_MINUTES), 0.6), 0.5), 60.0)
            finish = start + timedelta(seconds=round(minutes * 60, 3))
            events.append(
                TicketEvent(
                    ticket=ticket, action=TicketAction.START, window=window, actor_user_id=clerk, at=start
                )
            )
            events.append(
                TicketEvent(
                    ticket=ticket, action=TicketAction.FINISH, window=window, actor_user_id=clerk, at=finish
                )
            )
            ticket.window, ticket.called_at, ticket.started_at, ticket.finished_at = (
                window,
                call,
                start,
                finish,
            )
            ticket.served_by_user_id = clerk
            updates.append(ticket)
            services.append(
                Service(
                    centre=centre,
                    window=window,
                    ticket=ticket,
                    clerk_user_id=clerk,
                    clerk_label=f"工作人员{window.number:02d}",
                    on_the_spot=rnd.random() < on_the_spot_share,
                    started_at=start,
                    finished_at=finish,
                )
            )
            heapq.heappush(free, (finish + timedelta(seconds=rnd.uniform(5, 30)), number, window))
        with _simulated_times():
            TicketEvent.objects.bulk_create(events, batch_size=5000)
            Service.objects.bulk_create(services, batch_size=2000)
        Ticket.objects.bulk_update(
            updates,
            ["status", "window", "called_at", "started_at", "finished_at", "served_by_user_id"],
            batch_size=1000,
        )
    return {
        "centre_id": centre.pk,
        "tickets": len(made),
        "events": len(events),
        "services": len(services),
        "windows": len(made_windows),
    }


# --- the child: simulate, then time the figures ---------------------------------------------------------------
def child_day(args) -> dict:
    from django.db import connection
    from django.utils import timezone

    from tongban.frontdesk import figures
    from tongban.frontdesk.models import ServiceCentre

    day = date.fromisoformat(args.day)
    began = time.perf_counter()
    made = simulate_day(tickets=args.tickets, windows=args.windows, seed=args.seed, day=day)
    simulated = time.perf_counter() - began
    centre = ServiceCentre.objects.get(pk=made["centre_id"])
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    end = start + timedelta(days=1)
    timings = []
    for _ in range(args.repeats):
        began = time.perf_counter()
        windows, clerks, total = figures.centre_figures(centre, start, end)
        timings.append(time.perf_counter() - began)

    def row(r) -> dict:
        return {
            "label": r.label,
            "served": r.served,
            "wait_avg_s": r.wait_avg,
            "service_avg_s": r.service_avg,
            "on_the_spot_share": r.on_the_spot_share,
            "services": r.services,
            "accuracy": r.accuracy,
        }

    return {
        **made,
        "database": connection.vendor,
        "simulate_s": simulated,
        "figures_s": timings,
        "total": row(total),
        "window_rows": [row(r) for r in windows],
        "clerks": len(clerks),
    }


def child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="frontdesk_day.py --child")
    parser.add_argument("action", choices=["day"])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--windows", type=int, default=40)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--day", default="2026-06-15")
    parser.add_argument("--repeats", type=int, default=5)
    return child_entry(parser, argv, child_day)


# --- the parent -------------------------------------------------------------------------------------------
def _postgres_up(url: str) -> bool:
    try:
        import psycopg

        parts = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(parts, connect_timeout=3):
            return True
    except Exception:
        return False


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes, tenths = divmod(round(seconds * 10), 600)
    return f"{minutes}:{tenths / 10:04.1f}"


def run(args) -> int:
    with tempfile.TemporaryDirectory(prefix="tongban-bench-frontdesk-") as tmp:
        var_dir = Path(tmp)
        url = args.database_url
        if args.sqlite or not (is_postgres(url) and _postgres_up(url)):
            if not args.sqlite:
                print(f"PostgreSQL unavailable at {url}: SQLite instead")
            url = f"sqlite:///{var_dir / 'day.sqlite3'}"
        env = isolated_environ(url, var_dir, {"TONGBAN_TASKS_BACKEND": "immediate"})
        migrate(env)
        argv = [
            "day",
            "--tickets",
            str(args.tickets),
            "--windows",
            str(args.windows),
            "--seed",
            str(args.seed),
            "--day",
            args.day,
            "--repeats",
            str(args.repeats),
        ]
        data = run_child(__file__, env, *argv, what="the simulated day")
    timings = sorted(data["figures_s"])
    print(
        f"frontdesk day on {data['database']}: {data['tickets']:,} tickets, {data['windows']} windows, "
        f"{data['events']:,} ticket events, {data['services']:,} services (simulated and written in "
        f"{data['simulate_s']:.1f} s; seed {args.seed})"
    )
    print(
        f"dashboard figures (per window, per clerk, centre): median {statistics_median(timings) * 1000:.0f} ms, "
        f"min {timings[0] * 1000:.0f} ms, max {timings[-1] * 1000:.0f} ms over {len(timings)} runs"
    )
    total = data["total"]
    print(
        f"centre: served {total['served']:,}, average wait {_minutes(total['wait_avg_s'])}, average service "
        f"{_minutes(total['service_avg_s'])}, on the spot {total['on_the_spot_share'] * 100:.1f} % "
        f"(reference 75 %)"
    )
    print(f"{'window':<16}{'served':>8}{'wait':>10}{'service':>10}{'on the spot':>13}")
    for w in data["window_rows"][: args.show]:
        share = w["on_the_spot_share"]
        print(
            f"{w['label']:<16}{w['served']:>8}{_minutes(w['wait_avg_s']):>10}{_minutes(w['service_avg_s']):>10}"
            f"{(share * 100 if share is not None else 0):>12.1f}%"
        )
    if len(data["window_rows"]) > args.show:
        print(f"… {len(data['window_rows']) - args.show} more windows")
    return 0


def statistics_median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser(__doc__)
    cli.add_database(
        parser,
        "BENCH_FRONTDESK_DATABASE_URL",
        DEFAULT_URL,
        f"PostgreSQL database (default {DEFAULT_URL}); created when missing; SQLite when unavailable",
    )
    parser.add_argument("--sqlite", action="store_true", help="use SQLite in a temporary directory")
    parser.add_argument("--tickets", type=int, default=5000, help="tickets of the day (default 5,000)")
    parser.add_argument("--windows", type=int, default=40, help="windows (default 40)")
    parser.add_argument("--seed", type=int, default=20261207, help="the random generator's seed")
    parser.add_argument(
        "--day", default="2026-06-15", help="the simulated day (default 2026-06-15, a Monday)"
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed computations of the figures (default 5)"
    )
    parser.add_argument("--show", type=int, default=10, help="windows printed (default 10)")
    return parser


def check(args) -> None:
    cli.check_args(args, positive=("tickets", "windows", "repeats"), at_least_zero=("show",))


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, build_parser, run, check, child_main)


if __name__ == "__main__":
    sys.exit(main())
