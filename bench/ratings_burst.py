"""Opening the loop's tickets for a burst of 10,000 差评 (issue 18 §6): ``tickets.tickets_open_for_evaluations``
on 10,000 bad evaluations, against the one-by-one path (``ticket_open_for_evaluation``, what every evaluation
request runs) and against its bound — the same rows written into ``ratings_ticket`` and
``ratings_ticketevent`` through psycopg alone — on PostgreSQL.

It prepares the isolated environment of http_floor.py (``--database-url``, default
``postgres://postgres@127.0.0.1:5432/tongban_bench_ratings_burst``, created when missing and kept; migrate,
demo data) and runs everything in one child process with that environment's settings. Each of ``--repeats``
rounds:

1. **the burst written**: ``--burst`` (10,000) 差评 (levels 2 and 1 in turn, an indicator and a text), 90 %
   一事一评 of the demo departments in turn and 10 % 一次一评 of the demo windows (whose tickets go to the
   window's centre), each with its own evaluator id, written with one ``bulk_create`` (timed too, for
   scale). Their ``subject_label`` starts with ``BURST-``: evaluations are append-only (a trigger refuses a
   DELETE), so they stay; the tickets of earlier rounds are deleted and both ticket tables
   ``VACUUM (ANALYZE)``-ed before every measurement, so that each starts from the same tables.
2. **bulk**: ``tickets_open_for_evaluations(evaluations)`` — one transaction — timed; the queries it sends and
   the time spent in ``cursor.execute`` (and, with ``--profile``, a cProfile summary).
3. **the bound**, on the same evaluations (their tickets deleted again): the rows the bulk path writes — made
   before the timer by the same code (``_bad_review_ticket``: the same unit look-ups, limits and numbers) and
   turned into column values by Django's own field preparation — sent by psycopg alone, one transaction each:
   (a) **the same INSERTs**: the bulk path's own statements, captured with their parameters (Django 5.2 writes
   a PostgreSQL bulk_create as ``INSERT … SELECT * FROM UNNEST(%s::type[], …) RETURNING id``, one array per
   column, 2,000 tickets and 5,000 events a statement), sent again with client-side binding as Django's
   connection does, the events' ticket ids replaced by the new ones; (b) ``executemany`` of one-row
   ``INSERT … VALUES`` statements (pipelined by psycopg, server-side binding); (c) ``COPY`` of both tables,
   the tickets' ids taken from their sequence first (timed). The bound is the fastest of the three.
4. **one by one**: ``ticket_open_for_evaluation`` on ``--sample`` of the evaluations, each in its own
   transaction as in an evaluation request (its ticket, its ``received`` event and the evaluator's in-app
   message), after 5 not timed (the process's first calls load catalogs and URLs); the mean scaled to the
   burst, and the median.

It prints seconds and tickets/s of each, and the ratios: bulk ÷ bound, bulk ÷ one by one. The figures are
the medians of the rounds. The exit status is 1 when a path opened a number of tickets other than the
evaluations it was given.
"""

from __future__ import annotations

import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/ratings_burst.py`
    sys.path.insert(0, str(ROOT))

from bench.harness import cli  # noqa: E402
from bench.harness.child import child_entry, run_child  # noqa: E402
from bench.harness.env import cleanup_env, prepare_env  # noqa: E402
from bench.harness.report import loadavg, machine_context, table, write_json  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "ratings_burst.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tongban_bench_ratings_burst"
LABEL_PREFIX = "BURST-"
EVALUATOR_BASE = 9_000_000_000  # evaluator ids of the burst (no account: ids are not foreign keys)
TICKET_BATCH, EVENT_BATCH = 2000, 5000  # as tickets_open_for_evaluations' bulk_create
WINDOW_SHARE = 10  # one evaluation in ten is a window's 一次一评
WARM_ONE_BY_ONE = 5  # tickets opened one by one before the timed sample (the first calls of the process)


def build_parser():
    parser = cli.new_parser(__doc__)
    cli.add_database(parser, "BENCH_DATABASE_URL", DEFAULT_URL, "PostgreSQL database (created when missing)")
    parser.add_argument("--burst", type=int, default=10_000, help="差评 in the burst (default 10000)")
    parser.add_argument("--sample", type=int, default=500, help="evaluations opened one by one (default 500)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--profile", action="store_true", help="a cProfile summary of the bulk path")
    cli.add_output_options(parser, RESULTS_PATH)
    return parser


def check(args) -> None:
    cli.check_args(args, positive=("burst", "sample", "repeats"))
    if args.sample + WARM_ONE_BY_ONE > args.burst:
        raise SystemExit(f"--sample must be at most --burst minus {WARM_ONE_BY_ONE}")
    if not args.database_url.startswith("postgres"):
        raise SystemExit("this benchmark runs on PostgreSQL: --database-url postgres://…")


# --- the child: Django set up -----------------------------------------------------------------------------


def _units() -> tuple[list, list]:
    from tongban.accounts.constants import OrgKind
    from tongban.accounts.models import Organisation

    departments = list(Organisation.objects.filter(kind=OrgKind.DEPARTMENT).order_by("path")[:12])
    windows = list(Organisation.objects.filter(kind=OrgKind.WINDOW).order_by("path")[:6])
    if not departments:
        raise RuntimeError("the demo data has no department")
    return departments, windows


def _write_burst(n: int, tag: str) -> tuple[list, float]:
    """``n`` 差评, written with one bulk_create: (the evaluations, seconds)."""
    import time
    import uuid

    from django.db import transaction
    from django.utils import timezone

    from tongban.ratings.constants import TEMPLATE_VERSION, Channel, EvaluationKind, UnitKind
    from tongban.ratings.models import Evaluation

    departments, windows = _units()
    now = timezone.now()
    rows = []
    for i in range(n):
        on_window = windows and i % WINDOW_SHARE == WINDOW_SHARE - 1
        if on_window:
            unit = windows[i % len(windows)]
            kind, channel, unit_kind, indicators = (
                EvaluationKind.SERVICE,
                Channel.HALL_TABLET,
                UnitKind.WINDOW,
                ["offline.attitude"],
            )
        else:
            unit = departments[i % len(departments)]
            kind, channel, unit_kind, indicators = (
                EvaluationKind.CASE,
                Channel.PC,
                UnitKind.DEPARTMENT,
                ["online.efficiency"],
            )
        rows.append(
            Evaluation(
                kind=kind,
                subject_uuid=uuid.uuid4(),
                subject_label=f"{LABEL_PREFIX}{tag}-{i:05d}",
                channel=channel,
                evaluator_user_id=EVALUATOR_BASE + i,
                evaluator_label="压**",
                round=1,
                level=2 if i % 2 == 0 else 1,
                template_version=TEMPLATE_VERSION,
                indicators=indicators,
                text="办理时间比承诺的长，材料被退回了两次。",
                unit_kind=unit_kind,
                unit_uuid=unit.uuid,
                unit_name=unit.name,
                created_at=now,
            )
        )
    t0 = time.perf_counter()
    with transaction.atomic():
        Evaluation.objects.bulk_create(rows, batch_size=2000)
    return rows, time.perf_counter() - t0


def _clean() -> None:
    """The burst's tickets and their events gone; both ticket tables vacuumed and analysed."""
    from django.db import connection

    with connection.cursor() as cur:
        burst = f"SELECT id FROM ratings_ticket WHERE subject_label LIKE '{LABEL_PREFIX}%%'"
        cur.execute(f"DELETE FROM ratings_ticketevent WHERE ticket_id IN ({burst})")
        cur.execute(f"DELETE FROM ratings_ticket WHERE subject_label LIKE '{LABEL_PREFIX}%%'")
        cur.execute(f"DELETE FROM notifications_message WHERE user_id >= {EVALUATOR_BASE}")
        cur.execute("VACUUM (ANALYZE) ratings_ticket")
        cur.execute("VACUUM (ANALYZE) ratings_ticketevent")
        cur.execute("ANALYZE ratings_evaluation")


def _opened(evaluations: list) -> int:
    from tongban.ratings.models import Ticket

    return Ticket.objects.filter(evaluation__in=[e.pk for e in evaluations]).count()


def _bulk(evaluations: list, profile: bool) -> dict:
    import time

    from django.db import connection

    from bench.harness.inprocess import SqlTimer, trim_profile
    from tongban.ratings.tickets import tickets_open_for_evaluations

    timer = SqlTimer(keep=True)
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    t0 = time.perf_counter()
    with connection.execute_wrapper(timer):
        made = tickets_open_for_evaluations(evaluations)
    seconds = time.perf_counter() - t0
    out = {
        "seconds": seconds,
        "made": made,
        "opened": _opened(evaluations),
        "queries": timer.queries,
        "sql_s": timer.ms / 1000.0,
        "statements": [
            {"sql": sql[:140], "ms": ms, "params": len(params or ())} for sql, params, ms in timer.statements
        ],
    }
    out["_raw"] = [(sql, params) for sql, params, _ms in timer.statements if sql.startswith("INSERT INTO")]
    if prof is not None:
        import io
        import pstats

        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(30)
        out["profile"] = trim_profile(buf.getvalue(), 40)
    return out


def _rows(evaluations: list) -> tuple[list[str], list[tuple], list[str], list[tuple]]:
    """The rows tickets_open_for_evaluations writes for ``evaluations``, made by its own code, as column
    values prepared by Django's fields: (ticket columns, ticket rows, event columns, one event row per
    ticket without its ticket id)."""
    from django.db import connection
    from django.utils import timezone

    from tongban.core.actors import SYSTEM
    from tongban.ratings import tickets as loop
    from tongban.ratings.constants import TicketKind
    from tongban.ratings.models import Ticket, TicketEvent

    units: dict = {}
    days: dict = {}
    made = []
    for evaluation in evaluations:
        received = timezone.localdate(evaluation.created_at)
        if received not in days:
            days[received] = loop._limits_for(TicketKind.BAD_REVIEW, False, received)
        contact, answer = days[received]
        made.append(
            loop._bad_review_ticket(evaluation, loop._unit_of(evaluation, units), received, contact, answer)
        )
    fields = [f for f in Ticket._meta.concrete_fields if not f.primary_key]
    ticket_rows = [tuple(f.get_db_prep_save(f.pre_save(t, True), connection) for f in fields) for t in made]
    event = TicketEvent(ticket_id=0, kind="received", actor_label=SYSTEM.label)
    event_fields = [f for f in TicketEvent._meta.concrete_fields if not f.primary_key and f.name != "ticket"]
    event_row = tuple(f.get_db_prep_save(f.pre_save(event, True), connection) for f in event_fields)
    return (
        [f.column for f in fields],
        ticket_rows,
        ["ticket_id", *[f.column for f in event_fields]],
        [event_row],
    )


def _bound(evaluations: list, method: str) -> dict:
    """The same rows through psycopg alone, one transaction (the rows made before the timer)."""
    import os
    import time

    import psycopg
    from psycopg.types.json import Jsonb

    from bench.harness.replay import connect

    t_cols, t_rows, e_cols, (event_row,) = _rows(evaluations)
    url = os.environ["DATABASE_URL"]

    def event_values(ticket_id: int) -> tuple:
        return (ticket_id, *[Jsonb(v.obj) if isinstance(v, Jsonb) else v for v in event_row])

    t_list, e_list = ", ".join(t_cols), ", ".join(e_cols)
    with connect(url) as conn:
        t0 = time.perf_counter()
        if method == "executemany":  # one-row statements, pipelined, server-side binding
            with psycopg.Cursor(conn) as cur:
                marks = ", ".join(["%s"] * len(t_cols))
                cur.executemany(
                    f"INSERT INTO ratings_ticket ({t_list}) VALUES ({marks}) RETURNING id",
                    t_rows,
                    returning=True,
                )
                ids = []
                while True:
                    ids.append(cur.fetchone()[0])
                    if not cur.nextset():
                        break
                marks = ", ".join(["%s"] * len(e_cols))
                cur.executemany(
                    f"INSERT INTO ratings_ticketevent ({e_list}) VALUES ({marks})",
                    [event_values(pk) for pk in ids],
                )
        else:  # COPY, the ids from the sequence first
            with psycopg.Cursor(conn) as cur:
                cur.execute(
                    "SELECT nextval(pg_get_serial_sequence('ratings_ticket', 'id')) FROM generate_series(1, %s)",
                    [len(t_rows)],
                )
                ids = [r[0] for r in cur.fetchall()]
                with cur.copy(f"COPY ratings_ticket (id, {t_list}) FROM STDIN") as copy:
                    for pk, row in zip(ids, t_rows, strict=True):
                        copy.write_row((pk, *row))
                plain = tuple(v.obj if isinstance(v, Jsonb) else v for v in event_row)
                import json

                plain = tuple(json.dumps(v) if isinstance(v, dict | list) else v for v in plain)
                with cur.copy(f"COPY ratings_ticketevent ({e_list}) FROM STDIN") as copy:
                    for pk in ids:
                        copy.write_row((pk, *plain))
        conn.commit()
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "opened": _opened(evaluations)}


def _replay(evaluations: list, inserts: list) -> dict:
    """Bound (a): the bulk path's own INSERT statements (``INSERT … SELECT * FROM UNNEST(…) RETURNING id``, as
    Django 5.2 writes a bulk_create on PostgreSQL), with their parameters, sent again through psycopg alone
    with client-side binding as Django's connection does; the events' ticket ids are the new ones."""
    import os
    import time

    from bench.harness.replay import connect

    with connect(os.environ["DATABASE_URL"]) as conn:
        t0 = time.perf_counter()
        ids: list[int] = []
        with conn.cursor() as cur:
            for sql, params in inserts:
                if sql.startswith('INSERT INTO "ratings_ticket" '):
                    cur.execute(sql, params)
                    ids.extend(row[0] for row in cur.fetchall())
            offset = 0
            for sql, params in inserts:
                if sql.startswith('INSERT INTO "ratings_ticketevent" '):
                    count = len(params[0])
                    cur.execute(sql, [ids[offset : offset + count], *params[1:]])
                    offset += count
        conn.commit()
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "opened": _opened(evaluations)}


def _one_by_one(evaluations: list) -> dict:
    import time

    from django.db import transaction

    from tongban.ratings.tickets import ticket_open_for_evaluation

    took = []
    for evaluation in evaluations[:WARM_ONE_BY_ONE]:  # the process's first ones (catalogs, URLs): not counted
        with transaction.atomic():
            ticket_open_for_evaluation(evaluation)
    for evaluation in evaluations[WARM_ONE_BY_ONE:]:
        t0 = time.perf_counter()
        with transaction.atomic():
            ticket_open_for_evaluation(evaluation)
        took.append(time.perf_counter() - t0)
    return {
        "seconds": sum(took),
        "per_ticket_ms": statistics.mean(took) * 1000.0,
        "p50_ms": statistics.median(took) * 1000.0,
        "opened": _opened(evaluations[WARM_ONE_BY_ONE:]),
    }


def _round(burst: int, sample: int, profile: bool) -> dict:
    import secrets

    tag = secrets.token_hex(3).upper()
    _clean()
    evaluations, write_s = _write_burst(burst, tag)
    out: dict = {"burst": burst, "write_s": write_s}
    _clean()
    out["bulk"] = _bulk(evaluations, profile)
    inserts = out["bulk"].pop("_raw")
    _clean()
    out["bound_insert"] = _replay(evaluations, inserts)
    for method in ("executemany", "copy"):
        _clean()
        out[f"bound_{method}"] = _bound(evaluations, method)
    _clean()
    out["one_by_one"] = _one_by_one(evaluations[: WARM_ONE_BY_ONE + sample])
    out["one_by_one"]["sample"] = sample
    _clean()
    return out


def child_dispatch(args) -> dict:
    return _round(args.burst, args.sample, args.profile)


def child_main(argv) -> int:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["round"])
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    return child_entry(parser, argv, child_dispatch)


# --- the parent ----------------------------------------------------------------------------------------------


def run(args) -> int:
    before = loadavg()
    print(f"preparing {args.database_url} (migrate, demo) …", flush=True)
    env = prepare_env(args.database_url, cli.env_pairs(args.env))
    try:
        return _run_in(env, args, before)
    finally:
        if args.keep:
            print(f"kept {env['TONGBAN_VAR_DIR']}")
        else:
            cleanup_env(env)


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else float("nan")


def _run_in(env: dict, args, before) -> int:
    context = machine_context(env, 0, "none")
    context["loadavg_before"] = before
    print(
        f"machine: {context['nproc']} CPUs, {context['cpu']}, load {before}; Python {context['python']}; "
        f"{context['database']}\nburst:   {args.burst} 差评 a round ({100 // WINDOW_SHARE} % of windows), "
        f"one by one on {args.sample}, {args.repeats} rounds",
        flush=True,
    )
    rounds = []
    for i in range(args.repeats):
        extra = ["--profile"] if args.profile and i == 0 else []
        res = run_child(
            __file__,
            env,
            "round",
            f"--burst={args.burst}",
            f"--sample={args.sample}",
            *extra,
            what="the round",
        )
        n = res["burst"]
        res["bulk_tps"] = _rate(n, res["bulk"]["seconds"])
        for method in ("insert", "executemany", "copy"):
            res[f"bound_{method}"]["tps"] = _rate(n, res[f"bound_{method}"]["seconds"])
        res["bound_s"] = min(res[f"bound_{m}"]["seconds"] for m in ("insert", "executemany", "copy"))
        res["one_by_one"]["scaled_s"] = res["one_by_one"]["per_ticket_ms"] * n / 1000.0
        res["one_by_one"]["tps"] = _rate(res["one_by_one"]["sample"], res["one_by_one"]["seconds"])
        res["ratio_bulk_to_bound"] = res["bound_s"] / res["bulk"]["seconds"]
        res["speedup_bulk_over_one"] = res["one_by_one"]["scaled_s"] / res["bulk"]["seconds"]
        res["loadavg"] = loadavg()
        rounds.append(res)
        print(
            f"  round {i + 1}/{args.repeats}: write {res['write_s']:.2f} s; bulk {res['bulk']['seconds']:.2f} s "
            f"({res['bulk_tps']:.0f}/s, {res['bulk']['queries']} queries, {res['bulk']['sql_s']:.2f} s in SQL); "
            f"bound insert {res['bound_insert']['seconds']:.2f} s, executemany "
            f"{res['bound_executemany']['seconds']:.2f} s, copy {res['bound_copy']['seconds']:.2f} s; one by one "
            f"{res['one_by_one']['per_ticket_ms']:.2f} ms each, p50 {res['one_by_one']['p50_ms']:.2f} "
            f"(→ {res['one_by_one']['scaled_s']:.1f} s); "
            f"load {res['loadavg']}",
            flush=True,
        )
        if res["bulk"].get("profile"):
            print("\n".join("    " + line for line in res["bulk"]["profile"]))

    def med(path):
        values = []
        for r in rounds:
            v = r
            for key in path.split("."):
                v = v[key]
            values.append(v)
        return statistics.median(values), min(values), max(values)

    n = args.burst
    rows = []
    for label, key, count in (
        (f"writing the {n:,} 差评 (bulk_create, for scale)", "write_s", n),
        ("tickets_open_for_evaluations (bulk)", "bulk.seconds", n),
        ("bound (a): the same INSERTs (UNNEST), psycopg", "bound_insert.seconds", n),
        ("bound (b): executemany, psycopg", "bound_executemany.seconds", n),
        ("bound (c): COPY, psycopg", "bound_copy.seconds", n),
        (f"ticket_open_for_evaluation one by one (×{args.sample}, scaled)", "one_by_one.scaled_s", n),
    ):
        mid, lo, hi = med(key)
        rows.append((label, f"{mid:.2f}", f"{lo:.2f}–{hi:.2f}", f"{_rate(count, mid):,.0f}"))
    print()
    table(("", "seconds (median)", "min–max", "tickets/s"), rows)
    bulk_q = rounds[0]["bulk"]
    summary = {
        "bulk_s": med("bulk.seconds")[0],
        "bulk_tps": med("bulk_tps")[0],
        "bound_s": med("bound_s")[0],
        "bound_insert_s": med("bound_insert.seconds")[0],
        "bound_executemany_s": med("bound_executemany.seconds")[0],
        "bound_copy_s": med("bound_copy.seconds")[0],
        "one_by_one_ms": med("one_by_one.per_ticket_ms")[0],
        "one_by_one_scaled_s": med("one_by_one.scaled_s")[0],
        "ratio_bulk_to_bound": med("ratio_bulk_to_bound")[0],
        "speedup_bulk_over_one": med("speedup_bulk_over_one")[0],
        "write_s": med("write_s")[0],
        "bulk_queries": bulk_q["queries"],
    }
    print(
        f"\nbulk ÷ bound (bound seconds ÷ bulk seconds, median of the rounds): {summary['ratio_bulk_to_bound']:.3f}; "
        f"the bulk path is {summary['speedup_bulk_over_one']:.1f}× the one-by-one path "
        f"({summary['one_by_one_ms']:.2f} ms a ticket)\n"
        f"the bulk path's {bulk_q['queries']} queries (first round):"
    )
    for st in bulk_q["statements"]:
        print(f"  {st['ms']:8.1f} ms  {st['params']:6d} params  {st['sql'][:100]}")
    wrong = [
        (i, what, r[what]["opened"], expected)
        for i, r in enumerate(rounds)
        for what, expected in (
            ("bulk", n),
            ("bound_insert", n),
            ("bound_executemany", n),
            ("bound_copy", n),
            ("one_by_one", args.sample),
        )
        if r[what]["opened"] != expected
    ]
    report = {
        "benchmark": "ratings_burst",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": context,
        "config": {
            "burst": n,
            "sample": args.sample,
            "repeats": args.repeats,
            "database": args.database_url,
        },
        "summary": summary,
        "rounds": rounds,
        "loadavg_after": loadavg(),
        "wrong_counts": wrong,
    }
    out = write_json(report, args.json)
    print(f"\nresults written to {out}")
    for i, what, got, expected in wrong:
        print(f"FAILED: round {i + 1}: {what} opened {got} tickets, not {expected}")
    return 1 if wrong else 0


def main(argv=None) -> int:
    return cli.main(argv, build_parser, run, check, child_main)


if __name__ == "__main__":
    sys.exit(main())
