"""Queue calls benchmark (issue 17 §6): 20 windows calling concurrently on PostgreSQL until 2,000 waiting
tickets are served — calls per second, p50/p99 of a call, double assignments (must be 0) — as a ratio of bare
psycopg loops in the same run that send the same SQL.

It prepares the isolated environment of http_floor.py (a PostgreSQL database, migrate, demo data), and in a
child process with that environment's settings:

1. opens 黄浦区行政服务中心 (the demo's ``huangpu``) all day and gives it ``--windows`` extra comprehensive windows,
   each with the demo clerk on today's shift (the clerk is no member of them: the shift is looked up);
2. captures, per window, every statement one ``ticket_call_next`` sends (``connection.execute_wrapper``) with
   its parameters: the parameters that are the call's time or the claimed ticket become slots filled per call;
3. per round, writes ``--tickets`` waiting tickets (green, enterprise, personal, cross-region, ``bulk_create``)
   and lets ``--windows`` threads, one database connection each, serve them until none is left, in phases:
   every window calls once at the same moment (**timed**: from the phase's start to its last call's end),
   then finishes the ticket it got (**not timed**), and again. Four sides:
   * **ours** — ``ticket_call_next(actor, window)`` (finished with ``ticket_finish``);
   * **in processes** — the same, each window a forked process with its own connection (its own interpreter
     lock, as gunicorn's sync workers are), to tell what 20 threads sharing one interpreter lock cost;
   * **same SQL** — psycopg alone, per call one transaction (BEGIN … COMMIT) replaying the captured statements
     of this window's call with this call's time and ticket: the floor of the very statements the service
     sends; the ratio ours ÷ this is what Django and the service's Python cost;
   * **claim core** — psycopg alone, per call the claim statement, the ticket's UPDATE to called and the call
     event's INSERT (the first run's bare loop): the floor of the SQL a call cannot do without.
   The bare sides finish a ticket with an UPDATE to done and the finish event. The rounds go ours, in processes,
   same SQL, claim core, ``--repeats`` times; the figures are the medians.

Calls per second: calls that got a ticket ÷ the phases' timed seconds. Double assignments, from the rows:
tickets with more than one call event, plus tickets two threads both claimed (the threads' lists) — 0 on every
side or the exit status is 1. The HTTP floor is not measured here (a call over HTTP is the call plus the
request's cost; see http_floor.py). The aim: ours ≥ 0.7 of the same-SQL loop. Run it on a quiet machine
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
    parser.add_argument("--repeats", type=int, default=3, help="rounds of each side (default 3)")
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


NOW = "<now>"  # slots of a captured statement's parameters, filled per call
TICKET = "<ticket>"
SIDES = (
    ("ours", "ticket_call_next (services)"),
    ("procs", "ticket_call_next, in processes"),
    ("same", "bare psycopg, same statements"),
    ("core", "bare psycopg, claim core"),
)


def _windows(windows):
    from tongban.frontdesk.models import Window

    by_pk = Window.objects.select_related("centre").in_bulk([w.pk for w in windows])
    return [by_pk[w.pk] for w in windows]


def _capture(window, actor) -> tuple[list, int]:
    """The statements one ``ticket_call_next`` sends on this window, in order, with their parameters; the
    call's time (a datetime) and the claimed ticket's id (after the claim) become slots. Answers the template
    and the claim's index (the statement with SKIP LOCKED). The ticket is finished afterwards (not captured)."""
    from datetime import datetime as dt

    from django.db import connection

    from tongban.frontdesk.services.queue import ticket_call_next, ticket_finish

    seen = []

    def record(execute, sql, params, many, context):
        seen.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        ticket = ticket_call_next(actor=actor, window=window)
    ticket_finish(actor=actor, ticket=ticket)
    claim = next(i for i, (sql, _) in enumerate(seen) if "SKIP LOCKED" in sql)
    template = []
    for i, (sql, params) in enumerate(seen):
        slots = []
        for p in params:
            if isinstance(p, dt):
                slots.append(NOW)
            elif i > claim and type(p) is int and p == ticket.pk:
                slots.append(TICKET)
            else:
                slots.append(p)
        template.append((sql, slots))
    return template, claim


class _Flag:
    value = 0


def _serve(workers: list, processes: bool = False) -> tuple:
    """Every worker calls once at the same moment (timed), then finishes what it got (not timed), phase
    after phase until a phase where nobody got a ticket. Answers the timed seconds, the phases, the calls'
    latencies (ms, calls that got a ticket) and the tickets each worker got, and the CPU seconds this process
    spent in the timed phases (threads only: the client's own cost, Python and psycopg). The workers are threads of this
    process (one interpreter lock), or with ``processes`` forked processes (each its own interpreter, as
    gunicorn's workers are)."""
    import queue
    import threading

    n = len(workers)
    if processes:
        import multiprocessing

        from django.db import connections

        connections.close_all()  # each process opens its own
        ctx = multiprocessing.get_context("fork")
        barrier = ctx.Barrier(n + 1, timeout=300)
        got = ctx.Array("q", n)  # the ticket a worker got in the phase, 0 for none
        stop = ctx.Value("b", 0)
        out = ctx.Queue()
        runner = ctx.Process
    else:
        barrier = threading.Barrier(n + 1, timeout=300)
        got = [0] * n
        stop = _Flag()
        out = queue.Queue()
        runner = threading.Thread

    def run(i: int) -> None:
        worker = workers[i]
        latencies: list[float] = []
        claimed: list[int] = []
        error = None
        try:
            worker.open()
            while True:
                barrier.wait()
                if stop.value:
                    break
                t0 = time.perf_counter()
                pk = worker.call()
                took = (time.perf_counter() - t0) * 1000
                got[i] = pk or 0
                if pk is not None:
                    latencies.append(took)
                    claimed.append(pk)
                barrier.wait()
                if pk is not None:
                    worker.finish(pk)
        except threading.BrokenBarrierError:
            pass
        except BaseException as exc:
            error = repr(exc)
            barrier.abort()
        finally:
            worker.close()
            out.put((i, latencies, claimed, error))

    runners = [runner(target=run, args=(i,)) for i in range(n)]
    for r in runners:
        r.start()
    timed, cpu, phases = 0.0, 0.0, 0
    try:
        while True:
            barrier.wait()  # the phase starts (or the workers see stop)
            if stop.value:
                break
            t0, c0 = time.perf_counter(), time.process_time()
            barrier.wait()  # every call of the phase has answered
            t1, c1 = time.perf_counter(), time.process_time()
            if any(got[i] for i in range(n)):
                timed += t1 - t0
                cpu += c1 - c0
                phases += 1
            else:
                stop.value = 1
    except threading.BrokenBarrierError:
        pass
    answers = sorted(out.get(timeout=300) for _ in range(n))
    for r in runners:
        r.join()
    errors = [error for _, _, _, error in answers if error]
    if errors:
        raise RuntimeError(errors[0])
    return timed, (None if processes else cpu), phases, [a[1] for a in answers], [a[2] for a in answers]


class _Ours:
    def __init__(self, window, actor):
        self.window, self.actor = window, actor

    def open(self):
        from django.db import connection

        connection.ensure_connection()

    def call(self):
        from tongban.frontdesk.services.queue import ticket_call_next

        self.ticket = ticket_call_next(actor=self.actor, window=self.window)
        return self.ticket.pk if self.ticket is not None else None

    def finish(self, pk):
        from tongban.frontdesk.services.queue import ticket_finish

        ticket_finish(actor=self.actor, ticket=self.ticket)

    def close(self):
        from django.db import connections

        connections.close_all()


class _Bare:
    """psycopg alone, one connection: ``call`` is one transaction (BEGIN … COMMIT)."""

    def __init__(self, window, actor, dsn):
        self.window, self.actor, self.dsn = window, actor, dsn

    def open(self):
        import psycopg

        self.conn = psycopg.connect(self.dsn, autocommit=False, cursor_factory=psycopg.ClientCursor)
        self.cur = self.conn.cursor()

    def finish(self, pk):
        self.cur.execute(
            "UPDATE frontdesk_ticket SET status = 'done', started_at = called_at, finished_at = now() "
            "WHERE id = %s",
            [pk],
        )
        self.cur.execute(
            "INSERT INTO frontdesk_ticketevent (ticket_id, action, window_id, actor_user_id, at) "
            "VALUES (%s, 'finish', %s, %s, now())",
            [pk, self.window.id, self.actor.user_id],
        )
        self.conn.commit()

    def close(self):
        self.conn.close()


class _Same(_Bare):
    """The captured statements of a ``ticket_call_next`` on this window, this call's time and ticket."""

    def __init__(self, window, actor, dsn, template, claim):
        super().__init__(window, actor, dsn)
        self.template, self.claim = template, claim

    def call(self):
        now = datetime.now(UTC)
        pk = None
        for i, (sql, slots) in enumerate(self.template):
            self.cur.execute(sql, [now if p is NOW else pk if p is TICKET else p for p in slots])
            if i == self.claim:
                row = self.cur.fetchone()
                if row is None:
                    self.conn.commit()
                    return None
                pk = row[0]
            elif self.cur.description is not None:
                self.cur.fetchall()
        self.conn.commit()
        return pk


class _Core(_Bare):
    """The claim statement, the UPDATE to called and the call event's INSERT."""

    def __init__(self, window, actor, dsn, template, claim):
        super().__init__(window, actor, dsn)
        self.sql, self.slots = template[claim]

    def call(self):
        now = datetime.now(UTC)
        self.cur.execute(self.sql, [now if p is NOW else p for p in self.slots])
        row = self.cur.fetchone()
        if row is None:
            self.conn.commit()
            return None
        pk = row[0]
        self.cur.execute(
            "UPDATE frontdesk_ticket SET status = 'called', window_id = %s, called_at = %s, "
            "served_by_user_id = %s WHERE id = %s",
            [self.window.id, now, self.actor.user_id, pk],
        )
        self.cur.execute(
            "INSERT INTO frontdesk_ticketevent (ticket_id, action, window_id, actor_user_id, at) "
            "VALUES (%s, 'call', %s, %s, %s)",
            [pk, self.window.id, self.actor.user_id, now],
        )
        self.conn.commit()
        return pk


def _round(kind, centre, windows, actor, n_tickets, captured, dsn) -> dict:
    from django.db.models import Count

    from tongban.frontdesk.models import Ticket, TicketEvent

    _fill(centre, n_tickets)
    if kind in ("ours", "procs"):
        workers = [_Ours(w, actor) for w in windows]
    else:
        side = _Same if kind == "same" else _Core
        workers = [side(w, actor, dsn, *captured[w.pk]) for w in windows]
    timed, cpu, phases, latencies, claimed = _serve(workers, processes=kind == "procs")
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
        "seconds": timed,
        "phases": phases,
        "client_cpu_ms_per_call": None if cpu is None else cpu * 1000 / len(every),
        "calls_per_s": len(every) / timed,
        "p50_ms": flat[len(flat) // 2],
        "p99_ms": flat[min(len(flat) - 1, int(len(flat) * 0.99))],
    }


def child_dispatch(args) -> dict:
    from django.db import connection

    centre, windows, actor = _setup(args.windows)
    windows = _windows(windows)
    _fill(centre, args.tickets)
    captured = {w.pk: _capture(w, actor) for w in windows}
    settings = connection.settings_dict
    dsn = (
        f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} dbname={settings['NAME']} "
        f"user={settings['USER']}" + (f" password={settings['PASSWORD']}" if settings["PASSWORD"] else "")
    )
    rounds = []
    for i in range(args.repeats):
        for kind, _label in SIDES:
            res = _round(kind, centre, windows, actor, args.tickets, captured, dsn)
            print(
                f"  {i + 1}/{args.repeats} {kind:5}  {res['calls_per_s']:7.1f} calls/s  p50 {res['p50_ms']:.2f} ms  "
                f"p99 {res['p99_ms']:.2f} ms  served {res['served']}  double {res['double_assignments']}",
                file=sys.stderr,
                flush=True,
            )
            rounds.append(res)
    template, claim = captured[windows[0].pk]
    statements = [{"sql": sql, "params": [str(p) for p in slots]} for sql, slots in template]
    return {"statements": statements, "claim_index": claim, "rounds": rounds}


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
    load_before = loadavg()
    try:
        print(
            f"machine: {nproc()} CPUs, load {load_before}, {database_engine(env)}; {args.windows} windows, "
            f"{args.tickets} tickets a round, {args.repeats} rounds of each side",
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
    kinds = [kind for kind, _ in SIDES]
    summary = {
        kind: {
            "calls_per_s": _median(rounds, kind, "calls_per_s"),
            "p50_ms": _median(rounds, kind, "p50_ms"),
            "p99_ms": _median(rounds, kind, "p99_ms"),
            "double_assignments": sum(r["double_assignments"] for r in rounds if r["kind"] == kind),
            "served": min(r["served"] for r in rounds if r["kind"] == kind),
            "client_cpu_ms_per_call": None
            if kind == "procs"
            else _median(rounds, kind, "client_cpu_ms_per_call"),
        }
        for kind in kinds
    }
    ratio_same = summary["ours"]["calls_per_s"] / summary["same"]["calls_per_s"]
    ratio_core = summary["ours"]["calls_per_s"] / summary["core"]["calls_per_s"]
    ratio_procs = summary["procs"]["calls_per_s"] / summary["same"]["calls_per_s"]
    print("statements of one ticket_call_next (replayed by the same-SQL side, one transaction):")
    for i, st in enumerate(result["statements"]):
        mark = "  ← the claim" if i == result["claim_index"] else ""
        print(f"  {i + 1}. {st['sql'][:110]}{'…' if len(st['sql']) > 110 else ''}{mark}")
    for r in rounds:
        print(
            f"  {r['kind']:5}  {r['calls_per_s']:7.1f} calls/s  p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms"
            f"  served {r['served']}  double {r['double_assignments']}"
        )
    print()
    table(
        (
            "side",
            "calls/s (median)",
            "p50 ms",
            "p99 ms",
            "client CPU ms/call",
            "served",
            "double assignments",
        ),
        [
            (
                label,
                f"{summary[kind]['calls_per_s']:.0f}",
                f"{summary[kind]['p50_ms']:.2f}",
                f"{summary[kind]['p99_ms']:.2f}",
                "—" if kind == "procs" else f"{summary[kind]['client_cpu_ms_per_call']:.2f}",
                str(summary[kind]["served"]),
                str(summary[kind]["double_assignments"]),
            )
            for kind, label in SIDES
        ],
    )
    ok_double = all(summary[kind]["double_assignments"] == 0 for kind in kinds)
    print(
        f"\nratio ours ÷ same statements: {ratio_same:.2f} (aim ≥ {AIM_RATIO}: {aim(ratio_same >= AIM_RATIO)}); "
        f"ours ÷ claim core: {ratio_core:.2f}; in processes ÷ same statements: {ratio_procs:.2f}; "
        f"double assignments: {aim(ok_double)}"
    )
    out = write_json(
        {
            "bench": "frontdesk_calls",
            "at": datetime.now(UTC).isoformat(),
            "machine": {
                "nproc": nproc(),
                "loadavg_before": load_before,
                "loadavg_after": loadavg(),
                "database": args.database_url,
            },
            "options": {"windows": args.windows, "tickets": args.tickets, "repeats": args.repeats},
            "summary": summary,
            "ratio_same": ratio_same,
            "ratio_core": ratio_core,
            "ratio_procs_same": ratio_procs,
            "rounds": rounds,
            "statements": result["statements"],
            "claim_index": result["claim_index"],
        },
        args.json,
    )
    print(f"results: {out}")
    return 0 if ok_double else 1


def main(argv=None) -> int:
    return cli.main(argv, build_parser, run, check, child_main)


if __name__ == "__main__":
    sys.exit(main())
