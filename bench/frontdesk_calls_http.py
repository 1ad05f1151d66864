"""Queue calls over HTTP (issue 17 §6): 20 windows calling ``POST /api/frontdesk/windows/{uuid}/call-next``
concurrently through ``tongban serve`` (gunicorn) on PostgreSQL until 2,000 waiting tickets are served —
calls per second, p50/p99 of a call, double assignments (must be 0) — as a ratio of the HTTP floor
(``GET /api/health``, one ``SELECT 1``) measured on the same server in the same run with the same concurrency.

It prepares the isolated environment of http_floor.py (a PostgreSQL database, migrate, demo data) and, in a
child process with that environment's settings (``--child setup``), makes — once, kept in the database —
a centre of its own under 黄浦区, 压测叫号中心 (slug ``bench-calls-http``), open all day, with ``--windows``
comprehensive windows (organisations of kind window, categories ``["P"]``) and as many clerks
(``bench_calls_clerk_NN``, the demo password), each a ``window_clerk`` member of one window. Then it starts
the server (``--workers``, 2), logs every clerk in over HTTP (``POST /api/auth/login``: the session cookie and
the CSRF cookie, sent back with ``X-CSRFToken`` on every POST as a browser does) and runs ``--repeats`` rounds.
Each round:

1. ``--child fill``: the centre's tickets and events of an earlier round deleted, ``--tickets`` waiting
   tickets of category P written (``bulk_create``, kiosk tickets: no near-turn SMS), ``ANALYZE``;
2. **the floor**: ``GET /api/health`` with ``--windows`` clients (the harness's ``measure``, the Python
   generator by default — the same client as the calls —) for ``--floor-duration`` seconds after a warm-up;
3. **the calls**: one thread per window, each its own clerk's session and its own persistent connection, in
   phases: every window POSTs call-next at the same moment (**timed**: from the phase's start to its last
   answer), then POSTs finish for the ticket it got (**not timed**), and again, until a phase where nobody got
   a ticket. Calls per second: calls that got a ticket ÷ the phases' timed seconds (so the finishes' cost is
   left out); p50/p99 over those calls, each from its send to its answer;
4. ``--child check``: double assignments from the rows — tickets of the centre with more than one call
   event — plus tickets two clients were both given (the clients' lists), and the tickets left waiting.

The figures are the medians of the rounds; the ratio is calls/s ÷ floor req/s of each round, then the median.
Every answer must be 200 (a call: a ticket or ``null``); any other answer, a socket error, a ticket left
waiting or a double assignment makes the exit status 1. Run it on a quiet machine
(``flock /tmp/tongban-bench.lock .venv/bin/python bench/frontdesk_calls_http.py``): the figures are
wall-clock rates on CPUs shared by the server, PostgreSQL and the client threads.
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/frontdesk_calls_http.py`
    sys.path.insert(0, str(ROOT))

from bench.harness import cli  # noqa: E402
from bench.harness.child import child_entry, run_child  # noqa: E402
from bench.harness.env import cleanup_env, prepare_env  # noqa: E402
from bench.harness.load import load_generator, measure, percentile  # noqa: E402
from bench.harness.report import (  # noqa: E402
    finish_report,
    loadavg,
    machine_context,
    print_machine,
    table,
)
from bench.harness.server import REQUEST_TIMEOUT, running_server  # noqa: E402
from bench.harness.session import http_sender, session_login, wsgi_sender  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "frontdesk_calls_http.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tongban_bench_calls"
PASSWORD = "Tongban@2026"  # the demo password
CENTRE_NAME = "压测叫号中心"
CENTRE_SLUG = "bench-calls-http"
CLERK_PREFIX = "bench_calls_clerk_"
CATEGORY = "P"
INPROC_CALLS = 200  # calls timed in process, one client (median)
HOURS = {"workday": [["00:00", "23:59"]], "restday": [["00:00", "23:59"]]}
# The login throttle allows 60 attempts per address per hour; every clerk logs in from 127.0.0.1 and the
# counts live in the kept database.
SERVER_ENV = {"TONGBAN_LOGIN_IP_PER_HOUR": "100000"}


def build_parser():
    parser = cli.new_parser(__doc__)
    cli.add_database(parser, "BENCH_DATABASE_URL", DEFAULT_URL, "PostgreSQL database (created when missing)")
    parser.add_argument("--windows", type=int, default=20, help="windows (and clients) calling at once (20)")
    parser.add_argument("--tickets", type=int, default=2000, help="waiting tickets per round (default 2000)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds: floor, then calls (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--floor-duration", type=int, default=10, help="seconds of the floor per round (10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds of the floor (default 2)")
    parser.add_argument(
        "--warmup-tickets", type=int, default=200, help="tickets called in a warm-up round, not counted (200)"
    )
    parser.add_argument(
        "--generator",
        choices=["auto", "wrk", "python"],
        default="python",
        help="the floor's load generator (default python: the same client as the calls)",
    )
    cli.add_output_options(parser, RESULTS_PATH)
    return parser


def check(args) -> None:
    cli.check_args(
        args,
        positive=("windows", "tickets", "repeats", "workers", "floor_duration"),
        at_least_zero=("warmup", "warmup_tickets"),
    )
    if not args.database_url.startswith("postgres"):
        raise SystemExit("this benchmark needs PostgreSQL (SKIP LOCKED): --database-url postgres://…")


# --- the child: Django set up -----------------------------------------------------------------------------


def _setup(n_windows: int) -> dict:
    """The centre, its windows and their clerks (made when missing); answers the windows' uuids and the
    clerks' usernames, in the same order."""
    from django.db import transaction

    from tongban.accounts.constants import OrgKind, Role
    from tongban.accounts.models import Organisation, StaffMembership, User
    from tongban.accounts.services import organisation_create
    from tongban.frontdesk.constants import CentreKind, WindowKind
    from tongban.frontdesk.models import ServiceCentre, Window

    with transaction.atomic():
        district = Organisation.objects.get(kind=OrgKind.DISTRICT, name="黄浦区")
        org = Organisation.objects.filter(kind=OrgKind.SERVICE_CENTRE, name=CENTRE_NAME).first()
        if org is None:
            org = organisation_create(
                actor=None, kind=OrgKind.SERVICE_CENTRE, name=CENTRE_NAME, parent=district
            )
        centre, _ = ServiceCentre.objects.get_or_create(
            org_uuid=org.uuid,
            defaults={
                "org_path": org.path,
                "name": org.name,
                "kind": CentreKind.DISTRICT,
                "division_code": district.division_code or "",
                "slug": CENTRE_SLUG,
            },
        )
        centre.hours = HOURS
        centre.active = True
        centre.save(update_fields=["hours", "active"])
        windows, clerks = [], []
        for i in range(1, n_windows + 1):
            name = f"{i}号综合窗口"
            window_org = Organisation.objects.filter(kind=OrgKind.WINDOW, name=name, parent=org).first()
            if window_org is None:
                window_org = organisation_create(actor=None, kind=OrgKind.WINDOW, name=name, parent=org)
            window, _ = Window.objects.get_or_create(
                org_uuid=window_org.uuid,
                defaults={"centre": centre, "number": i, "name": name, "kind": WindowKind.COMPREHENSIVE},
            )
            window.kind, window.categories, window.active = WindowKind.COMPREHENSIVE, [CATEGORY], True
            window.save(update_fields=["kind", "categories", "active"])
            username = f"{CLERK_PREFIX}{i:02d}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username, password=PASSWORD, display_name=f"窗口人员 压测{i:02d}"
                )
            StaffMembership.objects.filter(user=user).exclude(organisation=window_org).delete()
            StaffMembership.objects.get_or_create(user=user, organisation=window_org, role=Role.WINDOW_CLERK)
            windows.append(str(window.uuid))
            clerks.append(username)
    return {"centre": str(centre.uuid), "windows": windows, "clerks": clerks}


def _centre():
    from tongban.frontdesk.models import ServiceCentre

    return ServiceCentre.objects.get(slug=CENTRE_SLUG)


def _fill(n: int) -> dict:
    """The centre's earlier tickets gone; ``n`` waiting kiosk tickets of category P today."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tongban.frontdesk.models import Service, Ticket, TicketCounter, TicketEvent

    centre = _centre()
    today = timezone.localdate()
    with transaction.atomic():
        Service.objects.filter(centre=centre).delete()
        TicketEvent.objects.filter(ticket__centre=centre).delete()
        Ticket.objects.filter(centre=centre).update(transferred_from=None)
        Ticket.objects.filter(centre=centre).delete()
        TicketCounter.objects.filter(centre=centre).delete()
        rows = [
            Ticket(
                centre=centre,
                day=today,
                category=CATEGORY,
                seq=seq,
                number=f"{CATEGORY}{seq:04d}",
                source="kiosk",
            )
            for seq in range(1, n + 1)
        ]
        Ticket.objects.bulk_create(rows, batch_size=1000)
        TicketCounter.objects.create(centre=centre, day=today, category=CATEGORY, last=n)
    with connection.cursor() as cur:
        cur.execute("ANALYZE frontdesk_ticket")
        cur.execute("ANALYZE frontdesk_ticketevent")
    return {"tickets": Ticket.objects.filter(centre=centre, status="waiting").count()}


def _check() -> dict:
    """Double assignments from the rows: tickets with more than one call event; the tickets' statuses."""
    from django.db.models import Count

    from tongban.frontdesk.models import Ticket, TicketEvent

    centre = _centre()
    calls = (
        TicketEvent.objects.filter(ticket__centre=centre, action="call")
        .values("ticket_id")
        .annotate(n=Count("id"))
    )
    double = sum(1 for row in calls if row["n"] > 1)
    statuses = dict(
        Ticket.objects.filter(centre=centre).values_list("status").annotate(n=Count("id")).order_by()
    )
    return {"double_by_events": double, "call_events": sum(row["n"] for row in calls), "statuses": statuses}


def _statements() -> dict:
    """The statements of one ``POST call-next`` and of one ``GET /api/health``, in process (the WSGI
    application without a socket, a real login's session and CSRF token): what one request of each sends."""
    from django.db import connection

    from bench.harness.inprocess import wsgi_caller

    _fill(2)
    call = wsgi_caller()
    headers, _answer = session_login(wsgi_sender(call), f"{CLERK_PREFIX}01", PASSWORD)
    from tongban.frontdesk.models import Window

    window = Window.objects.get(centre=_centre(), number=1)
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    def captured(method, path, hdrs=None):
        seen.clear()
        with connection.execute_wrapper(record):
            status, content = call(method, path, b"", hdrs)
        if status != 200:
            raise RuntimeError(f"in-process {method} {path} answered {status}: {content[:300]!r}")
        return list(seen), content

    health, _ = captured("GET", "/api/health")
    calls, content = captured("POST", f"/api/frontdesk/windows/{window.uuid}/call-next", headers)
    ticket = json.loads(content)["ticket"]["uuid"]
    finish, _ = captured("POST", f"/api/frontdesk/tickets/{ticket}/finish", headers)
    # One client, in process: the CPU of a request without the socket, gunicorn or other clients.
    _fill(INPROC_CALLS + 10)
    call_ms, health_ms = [], []
    for i in range(INPROC_CALLS + 10):
        t0 = time.perf_counter()
        _status, content = call("POST", f"/api/frontdesk/windows/{window.uuid}/call-next", b"", headers)
        t1 = time.perf_counter()
        ticket = json.loads(content)["ticket"]["uuid"]
        call("POST", f"/api/frontdesk/tickets/{ticket}/finish", b"", headers)
        t2 = time.perf_counter()
        call("GET", "/api/health")
        t3 = time.perf_counter()
        if i >= 10:  # the first ones warm up
            call_ms.append((t1 - t0) * 1000.0)
            health_ms.append((t3 - t2) * 1000.0)
    return {
        "call": calls,
        "finish": finish,
        "health": health,
        "inprocess_call_ms": statistics.median(call_ms),
        "inprocess_health_ms": statistics.median(health_ms),
    }


def child_dispatch(args) -> dict:
    if args.action == "setup":
        return _setup(args.windows)
    if args.action == "statements":
        return _statements()
    if args.action == "fill":
        return _fill(args.tickets)
    return _check()


def child_main(argv) -> int:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["setup", "statements", "fill", "check"])
    parser.add_argument("--windows", type=int, default=0)
    parser.add_argument("--tickets", type=int, default=0)
    return child_entry(parser, argv, child_dispatch)


# --- the parent: HTTP -------------------------------------------------------------------------------------


def login(base_url: str, username: str) -> dict:
    """A session as a browser gets it (harness ``session_login``): the headers every POST of this clerk sends."""
    headers, _answer = session_login(http_sender(base_url), username, PASSWORD)
    return {**headers, "Content-Type": "application/json", "Accept-Encoding": "identity"}


class Clerk:
    """One window's client: its clerk's session and one persistent connection (gunicorn's sync workers close
    it after every answer; it is opened again for the next request)."""

    def __init__(self, base_url: str, window_uuid: str, headers: dict):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.window, self.headers = window_uuid, headers
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
        self.latencies: list[float] = []
        self.claimed: list[str] = []
        self.problems: dict[str, list] = {}  # why: [count, sample]
        self.finish_ms: list[float] = []

    def _post(self, path: str) -> tuple[int, bytes]:
        try:
            self.conn.request("POST", path, body=b"", headers=self.headers)
            resp = self.conn.getresponse()
            content = resp.read()
            if resp.will_close:
                self.conn.close()
            return resp.status, content
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            return 0, f"{exc.__class__.__name__}: {exc}".encode()

    def _problem(self, why: str, content: bytes) -> None:
        entry = self.problems.setdefault(why, [0, content[:300].decode("utf-8", "replace")])
        entry[0] += 1

    def call(self) -> str | None:
        """POST call-next (timed): the ticket's uuid, or None when nobody waits (or on a wrong answer)."""
        t0 = time.perf_counter()
        status, content = self._post(f"/api/frontdesk/windows/{self.window}/call-next")
        took = (time.perf_counter() - t0) * 1000.0
        if status != 200:
            self._problem(f"call {status or 'socket'}", content)
            return None
        ticket = json.loads(content).get("ticket")
        if ticket is None:
            return None
        self.latencies.append(took)
        self.claimed.append(ticket["uuid"])
        return ticket["uuid"]

    def finish(self, ticket_uuid: str) -> None:
        t0 = time.perf_counter()
        status, content = self._post(f"/api/frontdesk/tickets/{ticket_uuid}/finish")
        self.finish_ms.append((time.perf_counter() - t0) * 1000.0)
        if status != 200:
            self._problem(f"finish {status or 'socket'}", content)

    def close(self) -> None:
        self.conn.close()


def serve_round(clerks: list[Clerk]) -> dict:
    """Every window calls at the same moment (timed: the phase's start to its last answer), then finishes
    what it got (not timed), phase after phase until a phase where nobody got a ticket."""
    n = len(clerks)
    barrier = threading.Barrier(n + 1, timeout=300)
    got: list[str | None] = [None] * n
    stop = threading.Event()
    errors: list[str] = []

    def run(i: int) -> None:
        clerk = clerks[i]
        try:
            while True:
                barrier.wait()
                if stop.is_set():
                    break
                got[i] = clerk.call()
                barrier.wait()
                if got[i] is not None:
                    clerk.finish(got[i])
        except threading.BrokenBarrierError:
            pass
        except BaseException as exc:
            errors.append(repr(exc))
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    timed, phases = 0.0, 0
    start = time.perf_counter()
    try:
        while True:
            barrier.wait()  # the phase starts (or the clients see stop)
            if stop.is_set():
                break
            t0 = time.perf_counter()
            barrier.wait()  # every call of the phase has answered
            t1 = time.perf_counter()
            if any(got):
                timed += t1 - t0
                phases += 1
            else:
                stop.set()
    except threading.BrokenBarrierError:
        pass
    wall = time.perf_counter() - start
    for t in threads:
        t.join(timeout=60)
    if errors:
        raise RuntimeError(errors[0])
    latencies = sorted(lat for c in clerks for lat in c.latencies)
    finishes = sorted(ms for c in clerks for ms in c.finish_ms)
    claimed = [u for c in clerks for u in c.claimed]
    problems: dict[str, dict] = {}
    for c in clerks:
        for why, (count, sample) in c.problems.items():
            problems.setdefault(why, {"count": 0, "sample": sample})["count"] += count
    calls = len(latencies)
    return {
        "calls": calls,
        "phases": phases,
        "timed_s": timed,
        "wall_s": wall,
        "calls_per_s": calls / timed if timed else 0.0,
        "pairs_per_s_wall": calls / wall if wall else 0.0,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": latencies[-1] if latencies else float("nan"),
        "finish_p50_ms": percentile(finishes, 50),
        "double_by_clients": len(claimed) - len(set(claimed)),
        "problems": problems,
    }


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


def _run_in(env: dict, args, generator: str, before) -> int:
    made = run_child(__file__, env, "setup", f"--windows={args.windows}", what="the setup")
    statements = run_child(__file__, env, "statements", what="the statements")
    context = machine_context(env, args.workers, generator)
    context["loadavg_before"] = before
    print(f"starting `tongban serve` with {args.workers} workers …", flush=True)
    rounds = []
    with running_server(env, args.workers) as (_proc, base_url):
        print()
        print_machine(context, base_url, args.workers, env)
        print(
            f"load:    {args.windows} windows (one client thread and session each), {args.tickets} tickets a "
            f"round, {args.repeats} rounds; floor: GET /api/health, concurrency {args.windows}, "
            f"{args.floor_duration}s, generator={generator}",
            flush=True,
        )
        sessions = [login(base_url, username) for username in made["clerks"]]
        if args.warmup:
            measure(base_url + "/api/health", args.windows, args.warmup, generator)
        if args.warmup_tickets:  # the workers' first calls (imports, caches, connections), not counted
            run_child(__file__, env, "fill", f"--tickets={args.warmup_tickets}", what="the warm-up fill")
            clerks = [Clerk(base_url, w, h) for w, h in zip(made["windows"], sessions, strict=True)]
            try:
                warm = serve_round(clerks)
            finally:
                for c in clerks:
                    c.close()
            print(f"  warm-up: {warm['calls']} calls, {warm['calls_per_s']:.1f}/s (not counted)", flush=True)
        for i in range(args.repeats):
            filled = run_child(__file__, env, "fill", f"--tickets={args.tickets}", what="the fill")
            floor = measure(base_url + "/api/health", args.windows, args.floor_duration, generator)
            clerks = [Clerk(base_url, w, h) for w, h in zip(made["windows"], sessions, strict=True)]
            try:
                res = serve_round(clerks)
            finally:
                for c in clerks:
                    c.close()
            found = run_child(__file__, env, "check", what="the check")
            res.update(
                {
                    "tickets": filled["tickets"],
                    "floor": floor,
                    "ratio_to_floor": res["calls_per_s"] / floor["rps"] if floor["rps"] else float("nan"),
                    "double_by_events": found["double_by_events"],
                    "call_events": found["call_events"],
                    "statuses": found["statuses"],
                    "left_waiting": found["statuses"].get("waiting", 0),
                }
            )
            res["double_assignments"] = res["double_by_events"] + res["double_by_clients"]
            rounds.append(res)
            print(
                f"  round {i + 1}/{args.repeats}: floor {floor['rps']:7.1f} req/s (p50 {floor['p50_ms']:.2f} p99 "
                f"{floor['p99_ms']:.2f} ms, errors {floor['errors']})  calls {res['calls_per_s']:6.1f}/s "
                f"(p50 {res['p50_ms']:.2f} p99 {res['p99_ms']:.2f} ms)  ratio {res['ratio_to_floor']:.3f}  "
                f"served {res['calls']}  double {res['double_assignments']}  left {res['left_waiting']}  "
                f"problems {sum(p['count'] for p in res['problems'].values())}",
                flush=True,
            )

    def med(key, sub=None):
        return statistics.median((r[sub][key] if sub else r[key]) for r in rounds)

    summary = {
        "calls_per_s": med("calls_per_s"),
        "calls_per_s_min": min(r["calls_per_s"] for r in rounds),
        "calls_per_s_max": max(r["calls_per_s"] for r in rounds),
        "p50_ms": med("p50_ms"),
        "p99_ms": med("p99_ms"),
        "finish_p50_ms": med("finish_p50_ms"),
        "pairs_per_s_wall": med("pairs_per_s_wall"),
        "floor_rps": med("rps", "floor"),
        "floor_p50_ms": med("p50_ms", "floor"),
        "floor_p99_ms": med("p99_ms", "floor"),
        "ratio_to_floor": med("ratio_to_floor"),
        "double_assignments": sum(r["double_assignments"] for r in rounds),
        "served_min": min(r["calls"] for r in rounds),
        "left_waiting": sum(r["left_waiting"] for r in rounds),
        "problems": sum(sum(p["count"] for p in r["problems"].values()) for r in rounds),
        "floor_errors": sum(r["floor"]["errors"] for r in rounds),
    }
    print()
    for name in ("call", "health"):
        sql = statements[name]
        print(f"statements of one {'POST call-next' if name == 'call' else 'GET /api/health'} ({len(sql)}):")
        for i, text in enumerate(sql):
            print(f"  {i + 1}. {text[:120]}{'…' if len(text) > 120 else ''}")
    print(f"(and {len(statements['finish'])} for one POST finish, not timed)")
    print(
        f"in process, one client, no socket (WSGI called directly, median of {INPROC_CALLS}): POST call-next "
        f"{statements['inprocess_call_ms']:.2f} ms, GET /api/health {statements['inprocess_health_ms']:.2f} ms "
        f"(ratio {statements['inprocess_health_ms'] / statements['inprocess_call_ms']:.3f})"
    )
    print()
    table(
        ("", "req/s (median)", "min–max", "p50 ms", "p99 ms"),
        [
            (
                f"GET /api/health (floor, {args.windows} clients)",
                f"{summary['floor_rps']:.0f}",
                f"{min(r['floor']['rps'] for r in rounds):.0f}–{max(r['floor']['rps'] for r in rounds):.0f}",
                f"{summary['floor_p50_ms']:.2f}",
                f"{summary['floor_p99_ms']:.2f}",
            ),
            (
                f"POST call-next ({args.windows} windows at once)",
                f"{summary['calls_per_s']:.0f}",
                f"{summary['calls_per_s_min']:.0f}–{summary['calls_per_s_max']:.0f}",
                f"{summary['p50_ms']:.2f}",
                f"{summary['p99_ms']:.2f}",
            ),
        ],
    )
    print(
        f"\nratio to the floor (calls/s ÷ floor req/s, median of the rounds): {summary['ratio_to_floor']:.3f}; "
        f"call + finish pairs per wall-clock second: {summary['pairs_per_s_wall']:.0f} (finish p50 "
        f"{summary['finish_p50_ms']:.2f} ms)\n"
        f"double assignments: {summary['double_assignments']}; served at least {summary['served_min']} of "
        f"{args.tickets} a round; left waiting: {summary['left_waiting']}; wrong answers: {summary['problems']}; "
        f"floor errors: {summary['floor_errors']}"
    )
    for r in rounds:
        for why, p in r["problems"].items():
            print(f"  {why}: {p['count']} × {p['sample'][:200]}")
    report = {
        "benchmark": "frontdesk_calls_http",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": context,
        "config": {
            "windows": args.windows,
            "tickets": args.tickets,
            "repeats": args.repeats,
            "workers": args.workers,
            "floor_duration_s": args.floor_duration,
            "warmup_s": args.warmup,
            "generator": generator,
            "database": args.database_url,
        },
        "summary": summary,
        "statements": statements,
        "rounds": rounds,
    }
    finish_report(report, env, args.json)
    ok = (
        summary["double_assignments"] == 0
        and summary["left_waiting"] == 0
        and summary["problems"] == 0
        and summary["floor_errors"] == 0
        and summary["served_min"] == args.tickets
    )
    if not ok:
        print("FAILED: a double assignment, a ticket left waiting, or a wrong answer (see above)")
    return 0 if ok else 1


def main(argv=None) -> int:
    return cli.main(argv, build_parser, run, check, child_main)


if __name__ == "__main__":
    sys.exit(main())
