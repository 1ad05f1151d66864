"""Evaluations per second over HTTP (issue 18 §6): many applicants, each signed in with their own session, rate
their ended cases with ``POST /api/ratings/cases/{uuid}`` (JSON, CSRF) through ``tongban serve`` (gunicorn) on
PostgreSQL — a mix of good and bad levels, every 差评 opening its ticket in the evaluation's transaction —:
evaluations/s, p50/p99, and the ratio to the HTTP floor (``GET /api/health``, one ``SELECT 1``) measured on
the same server in the same run with the same concurrency.

It prepares the isolated environment of http_floor.py (a PostgreSQL database, migrate, demo data), with
``TONGBAN_LOGIN_IP_PER_HOUR=100000`` (every applicant logs in from 127.0.0.1) and
``TONGBAN_RATINGS_IP_PER_HOUR=10000000`` (the bench-only raise of ratings.md §4's 60 evaluations an hour per
address: every client is 127.0.0.1). The limit of 20 evaluations an hour per **account** is kept: each
applicant rates at most ``--per-applicant`` (≤ 20) cases a round, and their counts are cleared before each
round (the bench's own accounts only). Then, in a child process with the environment's settings:

1. ``--child setup``: ``--applicants`` bench applicants (``bench_rater_NNN``, persons at real-name level 2, the
   demo password), made once and kept;
2. ``--child statements``: one applicant signed in through the WSGI application without a socket rates a good
   and a bad case: the statements each sends, and the in-process median times of a good evaluation, a bad one
   and ``GET /api/health`` with one client;
3. the server started, every applicant logged in over HTTP (``POST /api/auth/login``: the session and CSRF
   cookies, sent back with ``X-CSRFToken`` on every POST as a browser does), a warm-up round (not counted);
4. ``--repeats`` rounds, each: ``--child fill`` (``--per-applicant`` new concluded cases per applicant, led by
   the demo departments in turn, and the applicants' rating counts cleared); the floor (``measure``, the Python
   generator by default — the same client as the evaluations —, ``--concurrency`` clients, ``--floor-duration``
   s); the evaluations: ``--concurrency`` client threads, each with a persistent connection, take the round's
   evaluations from one shared list (applicants interleaved, so concurrent requests are of different
   applicants) until it is empty — evaluations/s = evaluations answered 201 ÷ the time from the first send
   to the last answer; p50/p99 from send to answer —; ``--child check``: every evaluation written, a ticket
   for every 差评 and none for the others.

The levels cycle through ``--bad-share`` 差评 (level 2 or 1, with an indicator and a text, as the page sends
them) and good ones (5, 4, 3). The figures are the medians of the rounds; the ratio is evaluations/s ÷ the
floor's req/s of each round, then the median. Every evaluation must answer 201 and every check must hold, or
the exit status is 1. Run it on a quiet machine (``flock /tmp/tongban-bench.lock .venv/bin/python
bench/ratings_http.py``): the figures are wall-clock rates on CPUs shared by the server, PostgreSQL and the
client threads.
"""

from __future__ import annotations

import itertools
import json
import statistics
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/ratings_http.py`
    sys.path.insert(0, str(ROOT))

from bench.harness import cli  # noqa: E402
from bench.harness.child import child_entry, run_child  # noqa: E402
from bench.harness.env import cleanup_env, prepare_env  # noqa: E402
from bench.harness.load import load_generator, measure, python_load  # noqa: E402
from bench.harness.report import finish_report, loadavg, machine_context, print_machine, table  # noqa: E402
from bench.harness.session import http_sender, session_login, wsgi_sender  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "ratings_http.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tongban_bench_ratings"
PASSWORD = "Tongban@2026"  # the demo password
APPLICANT_PREFIX = "bench_rater_"
CASE_PREFIX = "RB"  # bench case numbers: TB<day>RB<round><n>
INPROC_CALLS = 60  # evaluations of each kind timed in process, one client (median)
ACCOUNT_LIMIT = 20  # ratings.md §4: evaluations an hour per account (kept)
SERVER_ENV = {"TONGBAN_LOGIN_IP_PER_HOUR": "100000", "TONGBAN_RATINGS_IP_PER_HOUR": "10000000"}
GOOD_LEVELS = (5, 4, 5, 3, 5, 4)
BAD_BODY = {"indicators": ["online.efficiency"], "text": "办理时间比承诺的长，材料被退回了两次，说明不清楚。"}


def build_parser():
    parser = cli.new_parser(__doc__)
    cli.add_database(parser, "BENCH_DATABASE_URL", DEFAULT_URL, "PostgreSQL database (created when missing)")
    parser.add_argument(
        "--applicants", type=int, default=200, help="bench applicants, one session each (200)"
    )
    parser.add_argument(
        "--per-applicant",
        type=int,
        default=15,
        help=f"cases each rates a round (default 15, ≤ {ACCOUNT_LIMIT})",
    )
    parser.add_argument(
        "--bad-share", type=float, default=0.2, help="share of 差评 (level 2 or 1; default 0.2)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="client threads (and floor clients; 16)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds: floor, then evaluations (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--floor-duration", type=int, default=10, help="seconds of the floor per round (10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds of the floor (default 2)")
    parser.add_argument(
        "--generator",
        choices=["auto", "wrk", "python"],
        default="python",
        help="the floor's load generator (default python: the same client as the evaluations)",
    )
    cli.add_output_options(parser, RESULTS_PATH)
    return parser


def check(args) -> None:
    cli.check_args(args, positive=("applicants", "per_applicant", "concurrency", "repeats", "workers"))
    if args.per_applicant > ACCOUNT_LIMIT:
        raise SystemExit(f"--per-applicant must be at most {ACCOUNT_LIMIT} (the hourly limit per account)")
    if not 0.0 <= args.bad_share <= 1.0:
        raise SystemExit("--bad-share is a share between 0 and 1")
    if not args.database_url.startswith("postgres"):
        raise SystemExit("this benchmark runs on PostgreSQL: --database-url postgres://…")


# --- the child: Django set up -----------------------------------------------------------------------------


def _applicants(count: int) -> list:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from tongban.accounts.demo import demo_resident_id
    from tongban.accounts.models import Person, User

    names = [f"{APPLICANT_PREFIX}{i:03d}" for i in range(count)]
    have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    hashed = make_password(PASSWORD) if len(have) < count else ""
    for i, username in enumerate(names):
        if username in have:
            continue
        phone = f"137{i:08d}"
        user = User.objects.create(
            username=username, password=hashed, phone=phone, display_name=f"压测评价人{i:03d}"
        )
        Person.objects.create(
            user=user,
            real_name=f"压测评价人{i:03d}",
            id_number=demo_resident_id("310102", "19900101", i),
            phone=phone,
            assurance_level=2,
            register_matched_at=timezone.now(),
        )
    persons = {
        p.user.username: p for p in Person.objects.filter(user__username__in=names).select_related("user")
    }
    return [persons[name] for name in names]


def _departments() -> list:
    from tongban.accounts.constants import OrgKind
    from tongban.accounts.models import Organisation

    departments = list(Organisation.objects.filter(kind=OrgKind.DEPARTMENT).order_by("path")[:12])
    if not departments:
        raise RuntimeError("the demo data has no department")
    return departments


def _setup(count: int) -> dict:
    persons = _applicants(count)
    return {"applicants": [p.user.username for p in persons], "departments": len(_departments())}


def _clear_counts(user_ids: list[int]) -> None:
    """The bench applicants' rating counts (their hourly limit), and the loopback address's."""
    from tongban.accounts.throttle import throttle_clear
    from tongban.ratings.constants import RATE_LIMIT_WINDOW

    for user_id in user_ids:
        throttle_clear("ratings_account", str(user_id), window=RATE_LIMIT_WINDOW)
    throttle_clear("ratings_address", "127.0.0.1", window=RATE_LIMIT_WINDOW)


def _make_cases(persons: list, per_person: int, tag: str) -> list[list]:
    """``per_person`` new concluded cases of each person, led by the demo departments in turn: [[applicant
    index, case uuid], …] interleaved (the first case of every applicant, then the second …)."""
    import uuid
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from tongban.cases.models import Case

    departments = _departments()
    now = timezone.now()
    rows, jobs = [], []
    serial = itertools.count()
    for k in range(per_person):
        for i, person in enumerate(persons):
            n = next(serial)
            dept = departments[n % len(departments)]
            case = Case(
                number=f"TB{now:%Y%m%d}{CASE_PREFIX}{tag}{n:06d}",
                target_kind="item",
                target_uuid=uuid.uuid4(),
                name="房屋租赁登记备案",
                lead_department_uuid=dept.uuid,
                lead_department_name=dept.name,
                applicant_kind="person",
                applicant_uuid=person.uuid,
                applicant_name=person.real_name,
                submitted_by=person.user_id,
                idempotency_key=f"bench-rate-{tag}-{n}",
                status="concluded",
                outcome="approved",
                promised_days=5,
                legal_days=20,
                submitted_at=now - timedelta(days=3),
                concluded_at=now - timedelta(hours=2),
            )
            rows.append(case)
            jobs.append([i, str(case.uuid), k])
    with transaction.atomic():
        Case.objects.bulk_create(rows, batch_size=2000)
    return jobs


def _tag() -> str:
    import secrets

    return secrets.token_hex(3).upper()


def _fill(count: int, per_person: int) -> dict:
    from django.db import connection

    persons = _applicants(count)
    jobs = _make_cases(persons, per_person, _tag())
    _clear_counts([p.user_id for p in persons])
    with connection.cursor() as cur:
        for table_name in ("cases_case", "ratings_evaluation", "ratings_ticket", "ratings_ticketevent"):
            cur.execute(f"ANALYZE {table_name}")
    return {"jobs": jobs}


def _check(case_uuids: list[str]) -> dict:
    """What the round wrote: evaluations of its cases, by level, and the tickets they opened."""
    from django.db.models import Count

    from tongban.ratings.constants import BAD_LEVELS
    from tongban.ratings.models import Evaluation, Ticket

    written = Evaluation.objects.filter(subject_uuid__in=case_uuids)
    by_level = dict(written.values_list("level").annotate(n=Count("id")).order_by())
    bad = written.filter(level__in=BAD_LEVELS)
    tickets = Ticket.objects.filter(evaluation__in=written)
    return {
        "evaluations": sum(by_level.values()),
        "by_level": {str(k): v for k, v in sorted(by_level.items())},
        "bad": bad.count(),
        "tickets": tickets.count(),
        "bad_without_ticket": bad.filter(ticket__isnull=True).count(),
        "good_with_ticket": tickets.exclude(evaluation__level__in=BAD_LEVELS).count(),
    }


def _body(level: int) -> bytes:
    payload = {"round": 1, "level": level, **(BAD_BODY if level <= 2 else {})}
    return json.dumps(payload, ensure_ascii=False).encode()


def levels_for(n: int, bad_share: float) -> list[int]:
    """``n`` levels with ``bad_share`` of them 差评 spread evenly (2 and 1 in turn), the rest 5/4/3."""
    out, owed, bad_seen = [], 0.0, 0
    good = itertools.cycle(GOOD_LEVELS)
    for _ in range(n):
        owed += bad_share
        if owed >= 1.0 - 1e-9:
            owed -= 1.0
            out.append(2 if bad_seen % 2 == 0 else 1)
            bad_seen += 1
        else:
            out.append(next(good))
    return out


def _statements() -> dict:
    """The statements of one good and one bad evaluation and of ``GET /api/health``, in process (the WSGI
    application without a socket, a real login's session and CSRF token); then their medians, one client."""
    import time

    from django.db import connection

    from bench.harness.inprocess import wsgi_caller

    persons = _applicants(1)
    person = persons[0]
    jobs = _make_cases(persons, 2 + 2 * (INPROC_CALLS + 5), _tag())
    call = wsgi_caller()
    headers, _answer = session_login(wsgi_sender(call), person.user.username, PASSWORD)
    headers = {**headers, "Content-Type": "application/json"}
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    def rate(case_uuid: str, level: int) -> None:
        status, content = call("POST", f"/api/ratings/cases/{case_uuid}", _body(level), headers)
        if status != 201:
            raise RuntimeError(f"in-process evaluation answered {status}: {content[:300]!r}")

    def captured(fn, *a):
        seen.clear()
        with connection.execute_wrapper(record):
            fn(*a)
        return list(seen)

    _clear_counts([person.user_id])
    cases = iter(job[1] for job in jobs)
    good = captured(rate, next(cases), 5)
    bad = captured(rate, next(cases), 1)
    health = captured(lambda: call("GET", "/api/health"))
    times: dict[str, list[float]] = {"good": [], "bad": [], "health": []}
    for i in range(INPROC_CALLS + 5):
        for kind, level in (("good", 4), ("bad", 2)):
            _clear_counts([person.user_id])  # the account's hourly limit: not timed
            case_uuid = next(cases)
            t0 = time.perf_counter()
            rate(case_uuid, level)
            took = (time.perf_counter() - t0) * 1000.0
            if i >= 5:
                times[kind].append(took)
        t0 = time.perf_counter()
        call("GET", "/api/health")
        if i >= 5:
            times["health"].append((time.perf_counter() - t0) * 1000.0)
    return {
        "good": good,
        "bad": bad,
        "health": health,
        "inprocess_ms": {k: statistics.median(v) for k, v in times.items()},
    }


def child_dispatch(args) -> dict:
    if args.action == "setup":
        return _setup(args.applicants)
    if args.action == "statements":
        return _statements()
    if args.action == "fill":
        return _fill(args.applicants, args.per_applicant)
    return _check(json.loads(Path(args.cases).read_text()))


def child_main(argv) -> int:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["setup", "statements", "fill", "check"])
    parser.add_argument("--applicants", type=int, default=0)
    parser.add_argument("--per-applicant", type=int, default=0)
    parser.add_argument("--cases", default="", help="a JSON file of the case uuids to check")
    return child_entry(parser, argv, child_dispatch)


# --- the parent: HTTP -------------------------------------------------------------------------------------


def login(base_url: str, username: str) -> dict:
    """A session as a browser gets it (harness ``session_login``): the headers every POST of this applicant
    sends."""
    headers, _answer = session_login(http_sender(base_url), username, PASSWORD)
    return {**headers, "Content-Type": "application/json", "Accept-Encoding": "identity"}


def _created(status: int, _body: bytes) -> str | None:
    return None if status == 201 else str(status)


def evaluate_round(
    base_url: str, sessions: list[dict], jobs: list, bad_share: float, concurrency: int
) -> dict:
    """The round's evaluations, taken by ``concurrency`` client threads from one shared list until it is
    empty (the harness's Python generator, closed loop)."""
    levels = levels_for(len(jobs), bad_share)
    requests = [
        ("POST", f"/api/ratings/cases/{case_uuid}", _body(level), sessions[who])
        for (who, case_uuid, _k), level in zip(jobs, levels, strict=True)
    ]
    lock = threading.Lock()
    feed = iter(requests)

    def next_request(_index: int):
        with lock:
            return next(feed, None)

    res = python_load(base_url, concurrency, 3600, next_request, check=_created, keep_samples=True)
    res["bad"] = sum(1 for level in levels if level <= 2)
    res["evaluations_per_s"] = res["rps"]
    return res


def run(args) -> int:
    before = loadavg()
    generator = load_generator(args.generator)
    extra_env = {**SERVER_ENV, **cli.env_pairs(args.env)}
    print(f"preparing {args.database_url} (migrate, demo) …", flush=True)
    env = prepare_env(args.database_url, extra_env)
    try:
        return _run_in(env, args, generator, before)
    finally:
        if args.keep:
            print(f"kept {env['TONGBAN_VAR_DIR']}")
        else:
            cleanup_env(env)


def _fill_round(env: dict, args, per_applicant: int) -> list:
    made = run_child(
        __file__,
        env,
        "fill",
        f"--applicants={args.applicants}",
        f"--per-applicant={per_applicant}",
        what="the fill",
    )
    return made["jobs"]


def _check_round(env: dict, jobs: list) -> dict:
    path = Path(env["TONGBAN_VAR_DIR"]) / "ratings_http_cases.json"
    path.write_text(json.dumps([job[1] for job in jobs]))
    return run_child(__file__, env, "check", f"--cases={path}", what="the check")


def _run_in(env: dict, args, generator: str, before) -> int:
    from bench.harness.server import running_server

    made = run_child(__file__, env, "setup", f"--applicants={args.applicants}", what="the setup")
    statements = run_child(__file__, env, "statements", what="the statements")
    context = machine_context(env, args.workers, generator)
    context["loadavg_before"] = before
    print(f"starting `tongban serve` with {args.workers} workers …", flush=True)
    rounds = []
    with running_server(env, args.workers) as (_proc, base_url):
        print()
        print_machine(context, base_url, args.workers, env)
        print(
            f"load:    {args.applicants} applicants (one session each) × {args.per_applicant} cases a round = "
            f"{args.applicants * args.per_applicant} evaluations, {args.bad_share:.0%} 差评; {args.concurrency} "
            f"client threads; {args.repeats} rounds; floor: GET /api/health, concurrency {args.concurrency}, "
            f"{args.floor_duration}s, generator={generator}",
            flush=True,
        )
        sessions = [login(base_url, username) for username in made["applicants"]]
        if args.warmup:
            measure(base_url + "/api/health", args.concurrency, args.warmup, generator)
        warm_jobs = _fill_round(env, args, 1)  # the workers' first evaluations (imports, caches), not counted
        warm = evaluate_round(base_url, sessions, warm_jobs, args.bad_share, args.concurrency)
        print(f"  warm-up: {warm['requests']} evaluations, {warm['rps']:.1f}/s (not counted)", flush=True)
        for i in range(args.repeats):
            jobs = _fill_round(env, args, args.per_applicant)
            floor = measure(base_url + "/api/health", args.concurrency, args.floor_duration, generator)
            res = evaluate_round(base_url, sessions, jobs, args.bad_share, args.concurrency)
            found = _check_round(env, jobs)
            res.update(
                {
                    "floor": floor,
                    "ratio_to_floor": res["rps"] / floor["rps"] if floor["rps"] else float("nan"),
                    "check": found,
                    "planned": len(jobs),
                }
            )
            rounds.append(res)
            print(
                f"  round {i + 1}/{args.repeats}: floor {floor['rps']:7.1f} req/s (p50 {floor['p50_ms']:.2f} p99 "
                f"{floor['p99_ms']:.2f} ms, errors {floor['errors']})  evaluations {res['rps']:6.1f}/s "
                f"(p50 {res['p50_ms']:.2f} p99 {res['p99_ms']:.2f} ms, {res['elapsed']:.1f} s)  ratio "
                f"{res['ratio_to_floor']:.3f}  written {found['evaluations']}/{len(jobs)} (差评 {found['bad']}, "
                f"tickets {found['tickets']})  errors {res['errors']}",
                flush=True,
            )

    def med(key, sub=None):
        return statistics.median((r[sub][key] if sub else r[key]) for r in rounds)

    summary = {
        "evaluations_per_s": med("rps"),
        "evaluations_per_s_min": min(r["rps"] for r in rounds),
        "evaluations_per_s_max": max(r["rps"] for r in rounds),
        "p50_ms": med("p50_ms"),
        "p99_ms": med("p99_ms"),
        "floor_rps": med("rps", "floor"),
        "floor_p50_ms": med("p50_ms", "floor"),
        "floor_p99_ms": med("p99_ms", "floor"),
        "ratio_to_floor": med("ratio_to_floor"),
        "errors": sum(r["errors"] for r in rounds),
        "floor_errors": sum(r["floor"]["errors"] for r in rounds),
        "not_written": sum(r["planned"] - r["check"]["evaluations"] for r in rounds),
        "bad_without_ticket": sum(r["check"]["bad_without_ticket"] for r in rounds),
        "good_with_ticket": sum(r["check"]["good_with_ticket"] for r in rounds),
        "tickets_vs_bad": sum(r["check"]["tickets"] - r["check"]["bad"] for r in rounds),
    }
    print()
    labels = {"good": "a good evaluation (level 5)", "bad": "a 差评 (level 1)", "health": "GET /api/health"}
    for name in ("good", "bad", "health"):
        sql = statements[name]
        print(f"statements of {labels[name]} ({len(sql)}):")
        for j, text in enumerate(sql):
            print(f"  {j + 1}. {text[:120]}{'…' if len(text) > 120 else ''}")
    ms = statements["inprocess_ms"]
    print(
        f"in process, one client, no socket (WSGI called directly, median of {INPROC_CALLS}): a good evaluation "
        f"{ms['good']:.2f} ms, a 差评 with its ticket {ms['bad']:.2f} ms, GET /api/health {ms['health']:.2f} ms"
    )
    print()
    table(
        ("", "req/s (median)", "min–max", "p50 ms", "p99 ms"),
        [
            (
                f"GET /api/health (floor, {args.concurrency} clients)",
                f"{summary['floor_rps']:.0f}",
                f"{min(r['floor']['rps'] for r in rounds):.0f}–{max(r['floor']['rps'] for r in rounds):.0f}",
                f"{summary['floor_p50_ms']:.2f}",
                f"{summary['floor_p99_ms']:.2f}",
            ),
            (
                f"POST /api/ratings/cases/{{uuid}} ({args.bad_share:.0%} 差评)",
                f"{summary['evaluations_per_s']:.0f}",
                f"{summary['evaluations_per_s_min']:.0f}–{summary['evaluations_per_s_max']:.0f}",
                f"{summary['p50_ms']:.2f}",
                f"{summary['p99_ms']:.2f}",
            ),
        ],
    )
    print(
        f"\nratio to the floor (evaluations/s ÷ floor req/s, median of the rounds): {summary['ratio_to_floor']:.3f}\n"
        f"wrong answers: {summary['errors']}; floor errors: {summary['floor_errors']}; evaluations not written: "
        f"{summary['not_written']}; 差评 without a ticket: {summary['bad_without_ticket']}; good ones with a "
        f"ticket: {summary['good_with_ticket']}"
    )
    for r in rounds:
        for why, p in r["problems"].items():
            print(f"  {why}: {p['count']} × {p['sample'][:200]}")
    report = {
        "benchmark": "ratings_http",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": context,
        "config": {
            "applicants": args.applicants,
            "per_applicant": args.per_applicant,
            "bad_share": args.bad_share,
            "concurrency": args.concurrency,
            "repeats": args.repeats,
            "workers": args.workers,
            "floor_duration_s": args.floor_duration,
            "generator": generator,
            "database": args.database_url,
        },
        "summary": summary,
        "statements": statements,
        "rounds": rounds,
    }
    finish_report(report, env, args.json)
    ok = all(
        summary[k] == 0
        for k in (
            "errors",
            "floor_errors",
            "not_written",
            "bad_without_ticket",
            "good_with_ticket",
            "tickets_vs_bad",
        )
    )
    if not ok:
        print("FAILED: a wrong answer, an evaluation not written, or a ticket missing or extra (see above)")
    return 0 if ok else 1


def main(argv=None) -> int:
    return cli.main(argv, build_parser, run, check, child_main)


if __name__ == "__main__":
    sys.exit(main())
