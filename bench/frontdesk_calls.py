"""Queue calls benchmark (issue 17 §6): 20 windows calling concurrently on PostgreSQL until 2,000 waiting
tickets are served — calls per second, p50/p99 of a call, double assignments (must be 0) — as a ratio of a
bare psycopg loop that claims the same tickets with the same SQL in the same run.

It prepares the isolated environment of http_floor.py (a PostgreSQL database, migrate, demo data), and in a
child process with that environment's settings:

1. opens 黄浦区行政服务中心 (the demo's ``huangpu``) all day and gives it ``--windows`` extra comprehensive windows,
   each with the demo clerk on today's shift;
2. captures the statement Django's ORM sends to claim the next ticket (``locks.lock_next_ticket``:
   ``SELECT … ORDER BY <queue rank>, due_at, id LIMIT 1 FOR UPDATE OF "frontdesk_ticket" SKIP LOCKED``) with its
   parameters;
3. per round, writes ``--tickets`` waiting tickets (green, enterprise, personal, cross-region, by COPY-like
   ``bulk_create``) and lets ``--windows`` threads, one database connection each, serve them until none is
   left:
   * **ours** — ``ticket_call_next(actor, window)`` then ``ticket_finish(actor, ticket)``: the services with
     their checks (the clerk's centre and shift, the window not busy, the near-turn SMS's look-up, the events);
   * **bare** — psycopg alone, the same work at the SQL's core: one transaction with the captured claim
     statement, the ticket's UPDATE to called and the call event's INSERT; a second with the ticket's row lock,
     the UPDATE to done and the finish event's INSERT.
   The rounds alternate (ours, bare, …; ``--repeats`` pairs); the figures are the medians.

Double assignments: tickets called more than once (call events per ticket) and tickets two threads both
claimed (the threads' lists) — 0 on both sides or the exit status is 1. The HTTP floor is not measured here
(a call over HTTP is the call plus the page's cost; see http_floor.py). The aim: ours ≥ 0.7 of the bare loop's
calls per second. Run it on a quiet machine
(``flock /tmp/tongban-bench.lock .venv/bin/python bench/frontdesk_calls.py``): the figures are wall-clock
rates.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/frontdesk_calls.py`
    sys.path.insert(0, str(ROOT))

from bench.harness import cli  # noqa: E402
from bench.harness.child import child_entry, run_child  # noqa: E402
from bench.harness.env import cleanup_env, database_engine, prepare_env  # noqa: E402
from bench.harness.report import aim, loadavg, nproc, table, write_json  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "frontdesk_calls.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tongban_bench_frontdesk"
AIM_RATIO = 0.7
CATEGORIES = "GEPC"


def build_parser():
    parser = cli.new_parser(__doc__)
    cli.add_database(parser, "BENCH_DATABASE_URL", DEFAULT_URL, "PostgreSQL database (created when missing)")
    parser.add_argument("--windows", type=int, default=20, help="windows calling at once (default 20)")
    parser.add_argument("--tickets", type=int, default=2000, help="waiting tickets per round (default 2000)")
    parser.add_argument("--repeats", type=int, default=3, help="round pairs (ours, bare) (default 3)")
    cli.add_output_options(parser, RESULTS_PATH, keep=None)
    return parser


def check(args) -> None:
    cli.check_args(args, positive=("windows", "tickets", "repeats"))
    if not args.database_url.startswith("postgres"):
        raise SystemExit("this benchmark needs PostgreSQL (SKIP LOCKED): --database-url postgres://…")


# --- the child: Django set up -----------------------------------------------------------------------------


def _setup(n_windows: int):
    from django.utils import timezone

    from tongban.accounts.facade import actor_for
    from tongban.accounts.models import User
    from tongban.frontdesk.models import ServiceCentre, Window, WindowShift

    centre = ServiceCentre.objects.get(slug="huangpu")
    centre.hours = {"workday": [["00:00", "24:00"]], "restday": [["00:00", "24:00"]]}
    centre.save(update_fields=["hours"])
    clerk = User.objects.get(username="clerk")
    today = timezone.localdate()
    windows = []
    for i in range(n_windows):
        window, _ = Window.objects.get_or_create(
            centre=centre,
            number=200 + i,
            defaults={"name": f"{200 + i}号窗口", "kind": "comprehensive", "categories": list(CATEGORIES)},
        )
        WindowShift.objects.get_or_create(
            window=window, day=today, user_id=clerk.id, defaults={"staff_label": "c"}
        )
        windows.append(window)
    return centre, windows, actor_for(clerk)


def _fill(centre, n: int) -> None:
    from django.utils import timezone

    from tongban.frontdesk.models import Ticket, TicketCounter, TicketEvent

    today = timezone.localdate()
    TicketEvent.objects.filter(ticket__centre=centre).delete()
    Ticket.objects.filter(centre=centre).update(transferred_from=None)
    Ticket.objects.filter(centre=centre).delete()
    TicketCounter.objects.filter(centre=centre).delete()
    rows = []
    for i in range(n):
        category = CATEGORIES[i % len(CATEGORIES)] if i % 10 == 0 else "EPC"[i % 3]
        seq = i + 1
        rows.append(
            Ticket(
                centre=centre,
                day=today,
                category=category,
                seq=seq,
                number=f"{category}{seq:04d}",
                source="kiosk",
            )
        )
    Ticket.objects.bulk_create(rows, batch_size=1000)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE frontdesk_ticket")


def _capture(centre, window):
    """The claim statement Django's ORM sends, with its parameters."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tongban.frontdesk import locks

    seen = []

    def record(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    now = timezone.now()
    with transaction.atomic(), connection.execute_wrapper(record):
        locks.lock_next_ticket(centre, timezone.localdate(), window.categories, now, window)
        transaction.set_rollback(True)
    sql, params = next((s, p) for s, p in seen if "SKIP LOCKED" in s)
    return sql, list(params)


def _serve(workers: list, n_threads: int) -> tuple[float, list[list[float]], list[list[int]]]:
    import threading

    from django.db import connections

    barrier = threading.Barrier(n_threads + 1)
    latencies: list[list[float]] = [[] for _ in range(n_threads)]
    claimed: list[list[int]] = [[] for _ in range(n_threads)]
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            workers[i](latencies[i], claimed[i])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return elapsed, latencies, claimed


def _ours(windows, actor):
    from tongban.frontdesk.services.queue import ticket_call_next, ticket_finish

    def make(window):
        def work(lat: list, got: list) -> None:
            while True:
                t0 = time.perf_counter()
                ticket = ticket_call_next(actor=actor, window=window)
                lat.append((time.perf_counter() - t0) * 1000)
                if ticket is None:
                    return
                got.append(ticket.pk)
                ticket_finish(actor=actor, ticket=ticket)

        return work

    return [make(w) for w in windows]


def _bare(windows, actor, sql: str, params: list, dsn: str):
    import psycopg

    def make(window):
        def work(lat: list, got: list) -> None:
            with psycopg.connect(dsn, autocommit=False, cursor_factory=psycopg.ClientCursor) as conn:
                cur = conn.cursor()
                while True:
                    t0 = time.perf_counter()
                    cur.execute(sql, params)
                    row = cur.fetchone()
                    if row is None:
                        conn.commit()
                        lat.append((time.perf_counter() - t0) * 1000)
                        return
                    pk = row[0]
                    cur.execute(
                        "UPDATE frontdesk_ticket SET status = 'called', window_id = %s, called_at = now(), "
                        "served_by_user_id = %s WHERE id = %s",
                        [window.id, actor.user_id, pk],
                    )
                    cur.execute(
                        "INSERT INTO frontdesk_ticketevent (ticket_id, action, window_id, actor_user_id, at) "
                        "VALUES (%s, 'call', %s, %s, now())",
                        [pk, window.id, actor.user_id],
                    )
                    conn.commit()
                    lat.append((time.perf_counter() - t0) * 1000)
                    got.append(pk)
                    cur.execute("SELECT id FROM frontdesk_ticket WHERE id = %s FOR UPDATE", [pk])
                    cur.execute(
                        "UPDATE frontdesk_ticket SET status = 'done', started_at = called_at, finished_at = now() "
                        "WHERE id = %s",
                        [pk],
                    )
                    cur.execute(
                        "INSERT INTO frontdesk_ticketevent (ticket_id, action, window_id, actor_user_id, at) "
                        "VALUES (%s, 'finish', %s, %s, now())",
                        [pk, window.id, actor.user_id],
                    )
                    conn.commit()

        return work

    return [make(w) for w in windows]


def _round(kind, centre, windows, actor, n_tickets, sql, params, dsn) -> dict:
    from django.db.models import Count

    from tongban.frontdesk.models import Ticket, TicketEvent

    _fill(centre, n_tickets)
    workers = _ours(windows, actor) if kind == "ours" else _bare(windows, actor, sql, params, dsn)
    elapsed, latencies, claimed = _serve(workers, len(windows))
    every = [pk for got in claimed for pk in got]
    twice = (
        TicketEvent.objects.filter(ticket__centre=centre, action="call")
        .values("ticket_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    flat = sorted(x for lat in latencies for x in lat)
    served = Ticket.objects.filter(centre=centre, status="done").count()
    return {
        "kind": kind,
        "served": served,
        "claimed": len(every),
        "double_assignments": (len(every) - len(set(every))) + twice,
        "seconds": elapsed,
        "calls_per_s": len(every) / elapsed,
        "p50_ms": flat[len(flat) // 2],
        "p99_ms": flat[min(len(flat) - 1, int(len(flat) * 0.99))],
    }


def child_dispatch(args) -> dict:
    from django.db import connection

    centre, windows, actor = _setup(args.windows)
    _fill(centre, args.tickets)
    sql, params = _capture(centre, windows[0])
    settings = connection.settings_dict
    dsn = (
        f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} dbname={settings['NAME']} "
        f"user={settings['USER']}" + (f" password={settings['PASSWORD']}" if settings["PASSWORD"] else "")
    )
    rounds = []
    for i in range(args.repeats):
        for kind in ("ours", "bare"):
            res = _round(kind, centre, windows, actor, args.tickets, sql, params, dsn)
            print(
                f"  {i + 1}/{args.repeats} {kind:4}  {res['calls_per_s']:7.1f} calls/s  p50 {res['p50_ms']:.2f} ms  "
                f"p99 {res['p99_ms']:.2f} ms  served {res['served']}  double {res['double_assignments']}",
                file=sys.stderr,
                flush=True,
            )
            rounds.append(res)
    return {"sql": sql, "params": [str(p) for p in params], "rounds": rounds}


def child_main(argv) -> int:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["calls"])
    parser.add_argument("--windows", type=int)
    parser.add_argument("--tickets", type=int)
    parser.add_argument("--repeats", type=int)
    return child_entry(parser, argv, child_dispatch)


# --- the parent ---------------------------------------------------------------------------------------------


def _median(rounds, kind, key):
    return statistics.median(r[key] for r in rounds if r["kind"] == kind)


def run(args) -> int:
    print(f"preparing {args.database_url} (migrate, demo) …", flush=True)
    env = prepare_env(args.database_url)
    try:
        print(
            f"machine: {nproc()} CPUs, load {loadavg()}, {database_engine(env)}; {args.windows} windows, "
            f"{args.tickets} tickets a round, {args.repeats} round pairs",
            flush=True,
        )
        child_args = [
            "calls",
            f"--windows={args.windows}",
            f"--tickets={args.tickets}",
            f"--repeats={args.repeats}",
        ]
        result = run_child(__file__, env, *child_args, what="the calls")
    finally:
        cleanup_env(env)
    rounds = result["rounds"]
    summary = {
        kind: {
            "calls_per_s": _median(rounds, kind, "calls_per_s"),
            "p50_ms": _median(rounds, kind, "p50_ms"),
            "p99_ms": _median(rounds, kind, "p99_ms"),
            "double_assignments": sum(r["double_assignments"] for r in rounds if r["kind"] == kind),
            "served": min(r["served"] for r in rounds if r["kind"] == kind),
        }
        for kind in ("ours", "bare")
    }
    ratio = summary["ours"]["calls_per_s"] / summary["bare"]["calls_per_s"]
    for r in rounds:
        print(
            f"  {r['kind']:4}  {r['calls_per_s']:7.1f} calls/s  p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms"
            f"  served {r['served']}  double {r['double_assignments']}"
        )
    print()
    table(
        ("side", "calls/s (median)", "p50 ms", "p99 ms", "served", "double assignments"),
        [
            (
                label,
                f"{summary[kind]['calls_per_s']:.0f}",
                f"{summary[kind]['p50_ms']:.2f}",
                f"{summary[kind]['p99_ms']:.2f}",
                str(summary[kind]["served"]),
                str(summary[kind]["double_assignments"]),
            )
            for kind, label in (("ours", "ticket_call_next + finish"), ("bare", "bare psycopg, same SQL"))
        ],
    )
    ok_double = summary["ours"]["double_assignments"] == 0 and summary["bare"]["double_assignments"] == 0
    print(
        f"\nratio ours ÷ bare: {ratio:.2f} (aim ≥ {AIM_RATIO}: {aim(ratio >= AIM_RATIO)}); "
        f"double assignments: {aim(ok_double)}"
    )
    print(f"claim statement: {result['sql']}")
    out = write_json(
        {
            "bench": "frontdesk_calls",
            "at": datetime.now(UTC).isoformat(),
            "machine": {"nproc": nproc(), "loadavg_after": loadavg(), "database": args.database_url},
            "options": {"windows": args.windows, "tickets": args.tickets, "repeats": args.repeats},
            "summary": summary,
            "ratio": ratio,
            "rounds": rounds,
            "claim_sql": result["sql"],
        },
        args.json,
    )
    print(f"results: {out}")
    return 0 if ok_double else 1


def main(argv=None) -> int:
    return cli.main(argv, build_parser, run, check, child_main)


if __name__ == "__main__":
    sys.exit(main())
