"""Licence verification benchmark (用证核验): ``verify_shown`` in-process against a raw ES256 verify, and
``POST /api/licences/verify`` over HTTP against the ``GET /api/health`` floor on the same server in the same run.

It prepares the isolated environment of http_floor.py (migrate, demo data) on PostgreSQL, with
``TONGBAN_SHOW_TOKEN_SECONDS`` raised (3600 s by default: the tokens are made before the run and must outlive
it). In a child process with that environment's settings it

1. issues ``--licences`` bench licences of a demo licence type shown in the hotel scene (职业资格证书, kept on
   the database; their ``item_code`` is ``BENCH-LICENCES-VERIFY``), registers a bench verifier (a hotel) with a
   fresh key — removing the bench verifiers of earlier runs and their use log —, and makes the 亮证 tokens with
   ``make_show_token``: ``--inproc-tokens`` for the in-process part and ``--tokens`` for HTTP (each token is used
   once), written to a JSON file in the temporary var dir;
2. times, in interleaved windows, a raw ES256 verify with ``cryptography`` (the platform's show key, a real
   token's signing input and signature: exactly the ECDSA call inside the check), ``read_show_token`` (split,
   base64, JSON, verify, expiry; no database), ``verify_shown`` (the token, the scene, the licence read, the
   use-log insert and its commit), and the whole Django stack without a socket (the WSGI application called
   directly) for ``POST /api/licences/verify`` and ``GET /api/health``; counts the queries and the time in SQL
   and in COMMIT, and keeps a cProfile of ``verify_shown`` and of the WSGI verify.

Then it starts ``tongban serve`` (gunicorn, sync workers) and loads, with a Python generator of one thread and
one connection per client (each verify request takes a new token), ``GET /api/health`` and
``POST /api/licences/verify`` at each concurrency, then the verify paced at half the peak rate (open loop). Every
verify answer must be 200 with ``result: valid`` and the scene's fields; anything else fails the run.

The aims (issue 5): in-process verifications ≥ 50 % of raw signature verifications; HTTP verify ≥ 40 % of the
floor's req/s; p99 reported.
"""

from __future__ import annotations

import argparse
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
if str(ROOT) not in sys.path:  # run as `python bench/licences_verify.py`
    sys.path.insert(0, str(ROOT))

from bench.harness import cli  # noqa: E402
from bench.harness import inprocess as ip  # noqa: E402
from bench.harness.child import child_entry, run_child  # noqa: E402
from bench.harness.cpu import cpu_median, cpu_text, with_cpu  # noqa: E402
from bench.harness.env import BENCH_KEY_ENCRYPTION_KEY, cleanup_env, prepare_env  # noqa: E402
from bench.harness.load import measure, percentile, python_load  # noqa: E402
from bench.harness.report import (  # noqa: E402
    aim,
    finish_report,
    ljust,
    loadavg,
    machine_context,
    merge_problems,
    print_machine,
    print_run,
    summarise,
    table,
    width,
)
from bench.harness.server import REQUEST_TIMEOUT, running_server  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "licences_verify.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tongban_bench_licences"
AIM_INPROC_RATIO = 0.50
AIM_HTTP_RATIO = 0.40
CHILD_TIMEOUT = 1800
VERIFY_PATH = "/api/licences/verify"
HEALTH_PATH = "/api/health"
SCENE = "hotel"
BENCH_ITEM_CODE = "BENCH-LICENCES-VERIFY"  # tags the bench licences (kept on the database, reused)
BENCH_VERIFIER = "压测酒店（licences_verify）"
CAUSE = "旅馆住宿登记（压测）"
PREFERRED_TYPE = "111000007178000872010"  # 职业资格证书 (demo): several per holder, shown in the hotel scene


# --- child side (runs with Django set up) -----------------------------------------------------------------


def _bench_type_and_template():
    """A licence type shown in the hotel scene that allows several licences per holder, and a current valid
    licence of it to copy the holder and issuer from (the demo's)."""
    from tongban.licences.constants import LicenceStatus
    from tongban.licences.models import Licence, LicenceType

    types = sorted(
        (t for t in LicenceType.objects.all() if SCENE in (t.scene_fields or {}) and t.multiple_per_holder),
        key=lambda t: (t.code != PREFERRED_TYPE, t.code),
    )
    for licence_type in types:
        template = (
            Licence.objects.filter(type=licence_type, current=True, status=LicenceStatus.VALID)
            .filter(issuer_uuid__in=licence_type.issuer_department_uuids or [])
            .exclude(item_code=BENCH_ITEM_CODE)
            .order_by("id")
            .first()
        )
        if template is not None:
            return licence_type, template
    raise RuntimeError("no demo licence of a type shown in the hotel scene: did `tongban demo` run?")


def child_setup(args) -> dict:
    from django.conf import settings

    from tongban.licences import show
    from tongban.licences.constants import LicenceStatus, VerifierKind
    from tongban.licences.models import Licence, LicenceUse, Verifier
    from tongban.licences.services import licence_issue
    from tongban.licences.verifiers import verifier_create

    licence_type, template = _bench_type_and_template()
    rotated = [
        label
        for label, uuid_, name, code in (
            ("show key", show.PLATFORM_UUID, show.PLATFORM_NAME, ""),
            ("issuer key", template.issuer_uuid, template.issuer_name, template.issuer_code),
        )
        if ip.usable_signing_key(uuid_, name, code)
    ]
    ours = Licence.objects.filter(item_code=BENCH_ITEM_CODE, current=True, status=LicenceStatus.VALID)
    have = ours.count()
    for _ in range(max(0, args.licences - have)):
        licence_issue(
            actor=None,
            type_code=licence_type.code,
            holder_code=template.holder_code,
            holder_name=template.holder_name,
            issuer_uuid=template.issuer_uuid,
            issuer_name=template.issuer_name,
            issuer_code=template.issuer_code,
            face=dict(template.face),
            item_code=BENCH_ITEM_CODE,
        )
    licences = list(ours.select_related("type").order_by("id")[: args.licences])
    old = list(Verifier.objects.filter(name=BENCH_VERIFIER).values_list("uuid", flat=True))
    removed_uses, _ = LicenceUse.objects.filter(user_uuid__in=old).delete()
    Verifier.objects.filter(name=BENCH_VERIFIER).delete()
    verifier, key = verifier_create(actor=None, name=BENCH_VERIFIER, kind=VerifierKind.HOTEL, scenes=[SCENE])

    # The show key is read from the database on every make_show_token; the tokens are the same with it read
    # once (token making is not what is measured).
    key_row = show.show_key()
    real_show_key = show.show_key
    show.show_key = lambda: key_row
    try:
        t0 = time.perf_counter()
        total = args.tokens + args.inproc_tokens
        made = [show.make_show_token(licences[i % len(licences)], SCENE).token for i in range(total)]
        seconds = time.perf_counter() - t0
    finally:
        show.show_key = real_show_key
    Path(args.out).write_text(
        json.dumps({"key": key, "http": made[: args.tokens], "inproc": made[args.tokens :]})
    )
    mask = (licence_type.scene_fields or {}).get(SCENE) or []
    return {
        "licence_type": {"code": licence_type.code, "name": licence_type.name},
        "rotated_keys": rotated,
        "licences": [str(lic.uuid) for lic in licences],
        "licences_made": max(0, args.licences - have),
        "scene": SCENE,
        "mask": list(mask),
        "verifier": {"uuid": str(verifier.uuid), "name": verifier.name, "key_id": verifier.key_id},
        "removed_earlier_verifiers": len(old),
        "removed_earlier_uses": removed_uses,
        "tokens": {"http": args.tokens, "inproc": args.inproc_tokens},
        "token_seconds": settings.TONGBAN_SHOW_TOKEN_SECONDS,
        "token_bytes": len(made[0]),
        "signing_input_bytes": len(made[0].rsplit(".", 1)[0]),
        "token_make_per_s": total / seconds if seconds else 0.0,
        "licence_uses_in_db": LicenceUse.objects.count(),
        "licences_in_db": Licence.objects.count(),
    }


# Where a request's time goes, from the profile: (label, [(file suffix, function), …]) — inclusive times.
PROFILE_PARTS = [
    ip.WHOLE_REQUEST,
    ip.NINJA_VIEW,
    ip.NINJA_AUTH,
    ip.NINJA_BODY,
    ("    verify_shown", [("tongban/licences/verification.py", "verify_shown")]),
    ("      read_show_token", [("tongban/licences/show.py", "read_show_token")]),
    ("      use-log INSERT (QuerySet.create)", [("django/db/models/query.py", "create")]),
    (
        "      transaction.atomic enter + exit (BEGIN is sent with the INSERT; COMMIT)",
        [("django/db/transaction.py", "__enter__"), ("django/db/transaction.py", "__exit__")],
    ),
    ip.NINJA_RESPONSE,
    ip.DB_WAIT,
    (
        "across the request: ORM reads (QuerySet.first: verifier, licence)",
        [("django/db/models/query.py", "first")],
    ),
    ip.SQL_COMPILE,
    ("across the request: connection health check (is_usable)", [("postgresql/base.py", "is_usable")]),
]


def _components(args, who, key: str, payload_b64: str) -> dict:
    """The parts of a verification timed one by one (what costs what): a bare round trip, the verifier's
    key lookup, the licence read (ORM; its SQL alone; the ORM's compile alone), the use-log INSERT in a
    transaction (BEGIN, INSERT, COMMIT: as verify_shown does it) and in autocommit (one round trip); and leaner
    alternatives ("alt:"), to show what a change could save."""
    import hashlib
    import hmac
    import uuid as uuid_module

    from django.db import connection, transaction
    from django.utils import timezone

    from tongban.licences import show
    from tongban.licences.constants import LicenceStatus
    from tongban.licences.models import Licence, LicenceUse, Verifier
    from tongban.licences.verifiers import _verifier_by_credentials

    key_id, secret = key.split("_", 2)[1:]
    licence_uuid = uuid_module.UUID(hex=json.loads(show._unb64(payload_b64))["lic"])
    licence = Licence.objects.select_related("type").get(uuid=licence_uuid)

    def first_query():  # what .first() runs
        queryset = Licence.objects.select_related("type").filter(uuid=licence_uuid)
        return (queryset if queryset.ordered else queryset.order_by("pk"))[:1].query.sql_with_params()

    sql, params = first_query()
    row = {
        "licence": licence,
        "user_label": who.label[:200],
        "user_uuid": who.uuid,
        "channel": "verify",
        "scene": SCENE,
        "cause": CAUSE,
        "fields": ["name"],
    }

    def round_trip():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    def verifier_lookup():
        if _verifier_by_credentials(key_id, secret) is None:
            raise RuntimeError("the bench verifier's key was refused")

    def licence_read():
        Licence.objects.select_related("type").filter(uuid=licence_uuid).first()

    def licence_sql():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchone()

    def licence_compile():
        first_query()

    def insert_atomic():
        with transaction.atomic():
            LicenceUse.objects.create(**row, token_id=uuid_module.uuid4().hex)

    def insert_autocommit():
        LicenceUse.objects.create(**row, token_id=uuid_module.uuid4().hex)

    # Leaner variants, to show what could be saved (none of them is the application's code).
    def verifier_lean():
        found = list(
            Verifier.objects.filter(key_id=key_id, active=True)
            .order_by()
            .values_list("uuid", "name", "scenes", "secret_hash", "last_used_at")[:1]
        )
        if not found or not hmac.compare_digest(found[0][3], hashlib.sha256(secret.encode()).hexdigest()):
            raise RuntimeError("the bench verifier's key was refused")

    lean_columns = ("id", "current", "status", "valid_from", "valid_until", "face")
    lean_columns += ("type__code", "type__name", "type__scene_fields", "type__face_schema")

    def licence_lean():
        if not list(Licence.objects.filter(uuid=licence_uuid).order_by().values_list(*lean_columns)[:1]):
            raise RuntimeError("no licence")

    use_table, licence_table = LicenceUse._meta.db_table, Licence._meta.db_table
    type_table = Licence._meta.get_field("type").related_model._meta.db_table
    insert_columns = "licence_id, at, user_label, user_uuid, channel, scene, cause, fields, token_id"
    insert_sql = (
        f"INSERT INTO {use_table} ({insert_columns}) VALUES (%s, now(), %s, %s, 'verify', %s, %s, %s::jsonb, %s) "
        "ON CONFLICT (token_id) DO NOTHING RETURNING at"
    )
    # The whole verification's database work in one statement: read the licence and its type, insert the
    # use when the licence is valid today (ON CONFLICT: a used token inserts nothing), answer both.
    cte_sql = f"""
        WITH l AS (
            SELECT l.id, l.current, l.status, l.valid_from, l.valid_until, l.face,
                   t.code, t.name, t.scene_fields, t.face_schema
            FROM {licence_table} l JOIN {type_table} t ON t.id = l.type_id WHERE l.uuid = %s
        ), u AS (
            INSERT INTO {use_table} ({insert_columns})
            SELECT l.id, now(), %s, %s, 'verify', %s, %s, %s::jsonb, %s FROM l
            WHERE l.current AND l.status = %s AND l.valid_from <= %s
              AND (l.valid_until IS NULL OR l.valid_until >= %s)
            ON CONFLICT (token_id) DO NOTHING
            RETURNING at
        )
        SELECT l.*, (SELECT at FROM u) FROM l"""
    who_uuid, who_label, fields_json = str(who.uuid), who.label[:200], json.dumps(["name"])

    def insert_raw():
        with connection.cursor() as cursor:
            cursor.execute(
                insert_sql,
                [licence.id, who_label, who_uuid, SCENE, CAUSE, fields_json, uuid_module.uuid4().hex],
            )
            if cursor.fetchone() is None:
                raise RuntimeError("nothing inserted")

    def read_and_insert():
        today = timezone.localdate()
        with connection.cursor() as cursor:
            cursor.execute(
                cte_sql,
                [
                    licence_uuid,
                    who_label,
                    who_uuid,
                    SCENE,
                    CAUSE,
                    fields_json,
                    uuid_module.uuid4().hex,
                    LicenceStatus.VALID,
                    today,
                    today,
                ],
            )
            found = cursor.fetchone()
            if found is None or found[-1] is None:
                raise RuntimeError("the one-statement verification inserted nothing")

    parts = {
        "round_trip": ("SELECT 1 on a raw cursor (one round trip)", round_trip),
        "verifier_lookup": ("verifier lookup by key (_verifier_by_credentials)", verifier_lookup),
        "licence_read": ("licence read, ORM (select_related type, .first())", licence_read),
        "licence_sql": ("  its SQL alone, raw cursor", licence_sql),
        "licence_compile": ("  its ORM query build + compile alone (no DB)", licence_compile),
        "insert_atomic": ("use-log INSERT in atomic (BEGIN, INSERT, COMMIT)", insert_atomic),
        "insert_autocommit": ("use-log INSERT in autocommit (one round trip)", insert_autocommit),
        "verifier_lean": ("alt: verifier lookup, values_list, no ORDER BY", verifier_lean),
        "licence_lean": ("alt: licence read, 10 columns, values_list, no ORDER BY", licence_lean),
        "insert_raw": ("alt: INSERT … ON CONFLICT DO NOTHING RETURNING, raw, autocommit", insert_raw),
        "read_and_insert": ("alt: licence read + INSERT in one statement (CTE), raw", read_and_insert),
    }
    for _label, fn in parts.values():
        for _ in range(20):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in parts}
    for _ in range(args.windows):
        for name, (_label, fn) in parts.items():
            samples[name].append(ip.window(fn, args.window_seconds / 2, batch=10)[0])
    return {name: {"label": parts[name][0], **ip.rates(values)} for name, values in samples.items()}


def child_inprocess(args) -> dict:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from django.db import connection

    from tongban.licences import show
    from tongban.licences.models import Verifier
    from tongban.licences.verification import verify_shown
    from tongban.licences.verifiers import identity_of

    data = json.loads(Path(args.tokens_file).read_text())
    tokens = iter(data["inproc"])
    pool = data["inproc"][: min(2000, len(data["inproc"]))]  # read_show_token: stateless, tokens reused
    key = data["key"]
    verifier = Verifier.objects.get(key_id=key.split("_", 2)[1])
    who = identity_of(verifier)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('synchronous_commit'), current_setting('fsync')")
        pg_version, synchronous_commit, fsync = cursor.fetchone()

    # Raw ES256: the platform's show key, a real token's signing input and its signature.
    header_b64, payload_b64, signature_b64 = pool[0].split(".")
    public = show._show_public_key(json.loads(show._unb64(header_b64))["kid"])
    signature = show._unb64(signature_b64)
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    message = f"{header_b64}.{payload_b64}".encode()
    algorithm = ec.ECDSA(hashes.SHA256())

    def raw():
        public.verify(der, message, algorithm)

    cycle = {"i": 0}

    def read():
        i = cycle["i"] = (cycle["i"] + 1) % len(pool)
        show.read_show_token(pool[i])

    def next_token() -> str:
        token = next(tokens, None)
        if token is None:
            raise RuntimeError("the in-process tokens ran out: raise --inproc-tokens")
        return token

    def verify():
        done = verify_shown(who=who, token=next_token(), cause=CAUSE)
        if not done.fields:
            raise RuntimeError("verify_shown answered no fields")

    call = ip.wsgi_caller()
    auth = {"Authorization": f"Bearer {key}"}

    def wsgi_verify():
        body = json.dumps({"token": next_token(), "cause": CAUSE}).encode()
        status, content = call("POST", VERIFY_PATH, body, auth)
        if status != 200:
            raise RuntimeError(f"POST {VERIFY_PATH} (WSGI) answered {status}: {content[:300]!r}")

    def wsgi_health():
        status, content = call("GET", HEALTH_PATH)
        if status != 200:
            raise RuntimeError(f"GET {HEALTH_PATH} (WSGI) answered {status}: {content[:300]!r}")

    paths = {
        "raw_es256_verify": raw,
        "read_show_token": read,
        "verify_shown": verify,
        "wsgi_verify": wsgi_verify,
        "wsgi_health": wsgi_health,
    }
    for fn in paths.values():  # warm-up: connection, caches, the public key, imports
        for _ in range(50):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(args.windows):  # interleaved, so that a busy moment of the machine hits all alike
        for name, fn in paths.items():
            samples[name].append(ip.window(fn, args.window_seconds)[0])
    rates = {name: ip.rates(values) for name, values in samples.items()}
    raw_rate = rates["raw_es256_verify"]["per_s_median"]
    for name in ("read_show_token", "verify_shown"):
        rates[name]["ratio_to_raw"] = rates[name]["per_s_median"] / raw_rate
    rates["wsgi_verify"]["ratio_to_health"] = (
        rates["wsgi_verify"]["per_s_median"] / rates["wsgi_health"]["per_s_median"]
    )

    components = _components(args, who, key, payload_b64)

    # Queries, SQL time and COMMIT time per call (median over the calls), and one call's statements.
    def per_call(fn, calls: int) -> dict:
        latencies, queries, sql_ms, commit_ms, trips, wait_ms = [], [], [], [], [], []
        for _ in range(calls):
            timer = ip.SqlTimer()
            with (
                ip.CommitTimer(connection) as commit,
                connection.execute_wrapper(timer),
                ip.RoundTrips() as rt,
            ):
                t0 = time.perf_counter()
                fn()
                latencies.append((time.perf_counter() - t0) * 1000.0)
            queries.append(timer.queries)
            sql_ms.append(timer.ms)
            commit_ms.append(commit.ms)
            trips.append(len(rt.trips))
            wait_ms.append(sum(ms for _l, ms in rt.trips))
        timer = ip.SqlTimer(keep=True)
        with ip.CommitTimer(connection) as commit, connection.execute_wrapper(timer), ip.RoundTrips() as rt:
            fn()
        latencies.sort()
        return {
            "calls": calls,
            "ms_p50": percentile(latencies, 50),
            "ms_p99": percentile(latencies, 99),
            "queries_median": statistics.median(queries),
            "sql_ms_median": statistics.median(sql_ms),
            "commit_ms_median": statistics.median(commit_ms),
            "commits": commit.count,
            "round_trips_median": statistics.median(trips),
            "db_wait_ms_median": statistics.median(wait_ms),
            "round_trips": [{"what": label, "ms": round(ms, 3)} for label, ms in rt.trips],
            "statements": [
                {"sql": " ".join(sql.split())[:300], "ms": round(ms, 3)} for sql, _p, ms in timer.statements
            ],
        }

    breakdown = {
        "verify_shown": per_call(verify, args.query_calls),
        "wsgi_verify": per_call(wsgi_verify, args.query_calls),
        "wsgi_health": per_call(wsgi_health, args.query_calls),
    }
    profiles = {
        "verify_shown": ip.profile(verify, args.profile_calls, args.profile_lines, PROFILE_PARTS),
        "wsgi_verify": ip.profile(wsgi_verify, args.profile_calls, args.profile_lines + 15, PROFILE_PARTS),
    }
    left = sum(1 for _ in tokens)
    return {
        "postgresql": pg_version.split(",")[0],
        "synchronous_commit": synchronous_commit,
        "fsync": fsync,
        "window_seconds": args.window_seconds,
        "windows": args.windows,
        "signing_input_bytes": len(message),
        "rates": rates,
        "components": components,
        "breakdown": breakdown,
        "profiles": profiles,
        "profile_calls": args.profile_calls,
        "inproc_tokens_left": left,
    }


def child_main(argv: list[str]) -> int:
    """``licences_verify.py --child <setup|inprocess> …``: runs with the environment of prepare_env(); prints
    one ``RESULT <json>`` line."""
    parser = argparse.ArgumentParser(prog="licences_verify.py --child")
    parser.add_argument("action", choices=["setup", "inprocess"])
    parser.add_argument("--licences", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=60000)
    parser.add_argument("--inproc-tokens", type=int, default=40000)
    parser.add_argument("--out", default="")
    parser.add_argument("--tokens-file", default="")
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--window-seconds", type=float, default=2.0)
    parser.add_argument("--query-calls", type=int, default=200)
    parser.add_argument("--profile-calls", type=int, default=1000)
    parser.add_argument("--profile-lines", type=int, default=15)
    return child_entry(parser, argv, lambda a: child_setup(a) if a.action == "setup" else child_inprocess(a))


def child(env: dict, *argv: str) -> dict:
    return run_child(__file__, env, *argv, timeout=CHILD_TIMEOUT)


# --- parent side: HTTP ------------------------------------------------------------------------------------


class Tokens:
    """The HTTP tokens, each handed out once to whichever client thread asks (thread-safe)."""

    def __init__(self, tokens: list[str]):
        self._tokens, self._next, self._lock = tokens, 0, threading.Lock()
        self.exhausted = False

    def take(self) -> str | None:
        with self._lock:
            if self._next >= len(self._tokens):
                self.exhausted = True
                return None
            self._next += 1
            return self._tokens[self._next - 1]

    @property
    def used(self) -> int:
        return self._next

    @property
    def left(self) -> int:
        return len(self._tokens) - self._next


def check_answer(status: int, body: bytes, mask: list[str]) -> str | None:
    """None for a correct verification (200, ``result: valid``, exactly the scene's fields); else why not."""
    if status != 200:
        try:
            code = json.loads(body).get("code", "")
        except (ValueError, AttributeError):
            code = ""
        return f"{status} {code}".strip()
    try:
        answer = json.loads(body)
    except ValueError:
        return "200 not JSON"
    if answer.get("result") != "valid" or answer.get("scene") != SCENE:
        return f"200 result={answer.get('result')!r} scene={answer.get('scene')!r}"
    if sorted(answer.get("fields") or {}) != sorted(mask) or not all((answer.get("fields") or {}).values()):
        return f"200 fields {sorted(answer.get('fields') or {})} (want {sorted(mask)})"
    return None


def verify_load(base_url, key, tokens: Tokens, mask, threads, duration, rate=None) -> dict:
    """``POST /api/licences/verify`` load with the Python generator (a new token for every request): closed
    loop (``rate`` None) or open loop at ``rate`` requests/s; every answer checked."""
    headers = {
        "Content-Type": "application/json",
        "Accept-Encoding": "identity",
        "Authorization": f"Bearer {key}",
    }

    def next_request(_index):
        token = tokens.take()
        if token is None:
            return None
        return "POST", VERIFY_PATH, json.dumps({"token": token, "cause": CAUSE}).encode(), headers

    res = python_load(
        base_url,
        threads,
        duration,
        next_request,
        lambda s, b: check_answer(s, b, mask),
        rate,
        keep_samples=True,
    )
    keys = ("rps", "p50_ms", "p99_ms", "service_p50_ms", "service_p99_ms", "requests", "problems", "non_2xx")
    return {
        **{k: res[k] for k in keys},
        "socket_errors": res["socket_errors"],
        "errors": res["errors"],
        "tokens_ran_out": tokens.exhausted,
        "generator": "python",
        "target_rate": rate,
    }


def _summ(runs: list[dict]) -> dict:
    return summarise(
        runs,
        problems=merge_problems(runs),
        tokens_ran_out=any(r.get("tokens_ran_out") for r in runs),
        cpu_ms_per_request=cpu_median(runs),
    )


def _http_part(
    base_url: str, args, setup: dict, tokens: Tokens, key: str, context: dict, env: dict, pgid: int
) -> dict:
    mask = setup["mask"]
    dbname = urlsplit(args.database_url).path.lstrip("/")
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request(
            "POST",
            VERIFY_PATH,
            body=json.dumps({"token": tokens.take(), "cause": CAUSE}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        )
        resp = conn.getresponse()
        content = resp.read()
    finally:
        conn.close()
    problem = check_answer(resp.status, content, mask)
    if problem:
        raise RuntimeError(f"POST {VERIFY_PATH} probe: {problem}: {content[:500]!r}")
    probe = {"status": resp.status, "bytes": len(content), "answer": json.loads(content)}
    print()
    print_machine(
        context, base_url, args.workers, env, extra=f"  TONGBAN_SHOW_TOKEN_SECONDS={setup['token_seconds']}"
    )
    print(
        f"load:    generator=python (each verify takes a new single-use token; the floor is loaded with the "
        f"same generator)  concurrency={args.concurrency}  duration={args.duration}s  repeats={args.repeats}  "
        f"warm-up={args.warmup}s"
    )
    print(
        f"verify:  {setup['licence_type']['name']} ×{len(setup['licences'])} licences, scene {SCENE} "
        f"(fields {mask}), {tokens.left:,} tokens; probe -> {resp.status} {json.dumps(probe['answer']['fields'], ensure_ascii=False)}"
    )
    print(flush=True)
    per_concurrency = {}
    for c in args.concurrency:
        floor_runs, verify_runs, warm = [], [], None
        if args.warmup > 0:
            measure(base_url + HEALTH_PATH, c, args.warmup, "python")
            warm = verify_load(base_url, key, tokens, mask, c, args.warmup)
        for i in range(args.repeats):
            res = with_cpu(
                pgid, dbname, lambda c=c: measure(base_url + HEALTH_PATH, c, args.duration, "python")
            )
            floor_runs.append(res)
            print_run(f"c={c:<3} GET  {HEALTH_PATH:<20}", i, args.repeats, res)
            res = with_cpu(
                pgid, dbname, lambda c=c: verify_load(base_url, key, tokens, mask, c, args.duration)
            )
            verify_runs.append(res)
            out = "  TOKENS RAN OUT" if res["tokens_ran_out"] else ""
            print_run(
                f"c={c:<3} POST {VERIFY_PATH:<20}", i, args.repeats, res, f"errors {res['errors']}{out}"
            )
        floor = _summ(floor_runs)
        verify = _summ(verify_runs)
        if warm is not None and warm["errors"]:  # every answer must be right, the warm-up's too
            verify["errors"] += warm["errors"]
            verify["warmup_problems"] = warm["problems"]
            for why, p in warm["problems"].items():
                verify["problems"].setdefault(why, {"count": 0, "sample": p["sample"]})["count"] += p["count"]
        verify["ratio_to_floor"] = verify["rps_median"] / floor["rps_median"] if floor["rps_median"] else 0.0
        per_concurrency[str(c)] = {"floor": floor, "verify": verify}
    peak_c, peak = max(per_concurrency.items(), key=lambda kv: kv[1]["verify"]["rps_median"])
    rate = peak["verify"]["rps_median"] / 2
    threads = max(args.concurrency)
    half = None
    if not args.no_half_rate:
        print(
            f"  verify paced at half the peak ({rate:.1f} req/s, open loop, {threads} threads) ...",
            flush=True,
        )
        half_runs = []
        for i in range(args.repeats):
            res = with_cpu(
                pgid,
                dbname,
                lambda: verify_load(base_url, key, tokens, mask, threads, args.duration, rate=rate),
            )
            half_runs.append(res)
            out = "  TOKENS RAN OUT" if res["tokens_ran_out"] else ""
            tail = f"(service p99 {res['service_p99_ms']:.2f} ms)  errors {res['errors']}{out}"
            print_run(f"half rate     POST {VERIFY_PATH}", i, args.repeats, res, tail)
        half = _summ(half_runs)
        half["target_rate"] = rate
    return {
        "verify_probe": probe,
        "throughput": per_concurrency,
        "peak": {"concurrency": int(peak_c), "rps": peak["verify"]["rps_median"]},
        "half_rate": half,
        "http_tokens_used": tokens.used,
        "http_tokens_left": tokens.left,
    }


# --- printing ---------------------------------------------------------------------------------------------


def _limits(inproc: dict) -> dict:
    """What a verification costs at the least: the token check plus one round trip to the database, bare
    (no write at all) or as the durable single-use INSERT; as a ratio to raw, and how near verify_shown is."""
    rates, parts = inproc["rates"], inproc["components"]
    token_us, raw_us = rates["read_show_token"]["us_per_op"], rates["raw_es256_verify"]["us_per_op"]
    verify_us = rates["verify_shown"]["us_per_op"]
    out = {}
    for key, label in (
        ("round_trip", "a bare round trip (SELECT 1)"),
        ("insert_raw", "the durable INSERT … ON CONFLICT alone"),
    ):
        us = token_us + parts[key]["us_per_op"]
        out[key] = {
            "label": label,
            "token_us": token_us,
            "db_us": parts[key]["us_per_op"],
            "us": us,
            "ratio_to_raw": raw_us / us,
            "verify_shown_share": us / verify_us,
        }
    return out


def _print_inprocess(inproc: dict, setup: dict, args) -> None:
    rates = inproc["rates"]
    print()
    print(
        f"in-process (one child process; {inproc['postgresql']}, synchronous_commit={inproc['synchronous_commit']}, "
        f"fsync={inproc['fsync']}): median of {inproc['windows']} interleaved windows of "
        f"{inproc['window_seconds']:g} s (min–max); aim: verification ≥ {AIM_INPROC_RATIO:.0%} of raw"
    )
    labels = {
        "raw_es256_verify": f"raw ES256 verify (cryptography, P-256/SHA-256, {inproc['signing_input_bytes']} B)",
        "read_show_token": "read_show_token (split, base64, JSON, verify, expiry; no DB)",
        "verify_shown": "verify_shown (+ scene, licence read, use-log INSERT, COMMIT)",
        "wsgi_verify": f"WSGI POST {VERIFY_PATH} (whole Django stack, no socket)",
        "wsgi_health": f"WSGI GET {HEALTH_PATH}",
    }
    rows = []
    for name, label in labels.items():
        r = rates[name]
        if "ratio_to_raw" in r:
            ratio, verdict = f"{r['ratio_to_raw']:.3f} of raw", aim(r["ratio_to_raw"] >= AIM_INPROC_RATIO)
        elif "ratio_to_health" in r:
            ratio, verdict = f"{r['ratio_to_health']:.3f} of health", ""
        else:
            ratio, verdict = "", ""
        rows.append(
            (
                label,
                f"{r['per_s_median']:,.0f} ({r['per_s_min']:,.0f}–{r['per_s_max']:,.0f})",
                f"{r['us_per_op']:,.0f}",
                ratio,
                verdict,
            )
        )
    table(("operation", "per second", "µs/op", "ratio", "aim"), rows)
    print()
    verify_us = rates["verify_shown"]["us_per_op"]
    print(
        f"the parts, one by one (median of {inproc['windows']} windows of {inproc['window_seconds'] / 2:g} s; "
        f"share: of one verify_shown, {verify_us:,.0f} µs):"
    )
    rows = []
    for part in inproc["components"].values():
        rows.append(
            (
                part["label"],
                f"{part['per_s_median']:,.0f} ({part['per_s_min']:,.0f}–{part['per_s_max']:,.0f})",
                f"{part['us_per_op']:,.0f}",
                f"{part['us_per_op'] / verify_us:.0%}",
            )
        )
    table(("part", "per second", "µs/op", "share"), rows)
    print()
    print("the limit of a verification that records its use (single use: a shared, durable record) —")
    for limit in _limits(inproc).values():
        print(
            f"  read_show_token {limit['token_us']:,.0f} µs + {limit['label']} {limit['db_us']:,.0f} µs = "
            f"{limit['us']:,.0f} µs: {limit['ratio_to_raw']:.3f} of raw; verify_shown is at "
            f"{limit['verify_shown_share']:.2f} of this limit"
        )
    print()
    print("per call (median over the calls; SQL = time in cursor.execute, COMMIT apart):")
    for name, b in inproc["breakdown"].items():
        print(
            f"  {name:<13} p50 {b['ms_p50']:6.3f} ms  p99 {b['ms_p99']:6.3f} ms  {b['queries_median']:g} queries "
            f"{b['sql_ms_median']:.3f} ms  + COMMIT {b['commit_ms_median']:.3f} ms ({b['commits']} per call);  "
            f"{b['round_trips_median']:g} round trips, {b['db_wait_ms_median']:.3f} ms waiting for PostgreSQL"
        )
        for st in b["statements"]:
            print(f"      {st['ms']:7.3f} ms  {st['sql'][:150]}")
        trips = ", ".join(f"{t['what']} {t['ms']:.3f}" for t in b["round_trips"])
        print(f"      round trips (ms): {trips}")
    print()
    print(
        f"cProfile of {inproc['profile_calls']} × verify_shown, top {args.profile_lines} by cumulative time:"
    )
    for line in inproc["profiles"]["verify_shown"]["cumulative"][: args.profile_lines + 1]:
        print(f"    {line[:170]}")
    print()
    print(
        f"where a WSGI POST {VERIFY_PATH} spends its time (cProfile of {inproc['profile_calls']} requests; "
        "inclusive ms per request under the profiler, which inflates Python more than waits; share of the whole):"
    )
    parts = inproc["profiles"]["wsgi_verify"]["parts"]
    size = max(width(p["label"]) for p in parts)
    for part in parts:
        print(f"    {ljust(part['label'], size)}  {part['ms_per_call']:7.3f} ms  {part['share']:6.1%}")
    print()
    print(f"cProfile of {inproc['profile_calls']} × verify_shown, top {args.profile_lines} by own time:")
    for line in inproc["profiles"]["verify_shown"]["tottime"][: args.profile_lines + 1]:
        print(f"    {line[:170]}")


def _print_http(http: dict) -> list[str]:
    failed = []
    print()
    print(
        f"HTTP (gunicorn sync workers, same server, same run); aim: verify ≥ {AIM_HTTP_RATIO:.0%} of the floor"
    )
    rows = []
    for c, data in http["throughput"].items():
        floor, verify = data["floor"], data["verify"]
        rows.append(
            (
                c,
                f"{floor['rps_median']:.0f} ({floor['rps_min']:.0f}–{floor['rps_max']:.0f})",
                f"{floor['p50_ms']:.1f}/{floor['p99_ms']:.1f}",
                f"{verify['rps_median']:.0f} ({verify['rps_min']:.0f}–{verify['rps_max']:.0f})",
                f"{verify['p50_ms']:.1f}",
                f"{verify['p99_ms']:.1f}",
                f"{verify['ratio_to_floor']:.3f}",
                aim(verify["ratio_to_floor"] >= AIM_HTTP_RATIO),
                f"{verify['errors']} verify, {floor['errors']} floor",
            )
        )
        if verify["errors"] or floor["errors"]:
            failed.append(f"c={c}: {verify['errors']} verify and {floor['errors']} floor errors")
        if verify["tokens_ran_out"]:
            failed.append(f"c={c}: the tokens ran out (raise --tokens)")
        for why, p in verify["problems"].items():
            print(f"  c={c}: {p['count']} × {why}: {p['sample'][:200]}")
    table(
        (
            "clients",
            "floor req/s (min–max)",
            "floor p50/p99 ms",
            "verify req/s (min–max)",
            "p50 ms",
            "p99 ms",
            "ratio",
            "aim",
            "errors",
        ),
        rows,
    )
    print()
    print(
        "CPU time per request, ms (median of the runs; from /proc: the server's process group, the PostgreSQL "
        "backends of the bench database"
    )
    print(
        "and PostgreSQL's shared processes, this load generator, the rest of the machine — other people's work):"
    )
    for c, data in http["throughput"].items():
        for label, part in (("GET  " + HEALTH_PATH, data["floor"]), ("POST " + VERIFY_PATH, data["verify"])):
            if part.get("cpu_ms_per_request"):
                print(f"  c={c:<3} {label:<26} {cpu_text(part['cpu_ms_per_request'])}")
    half, peak = http["half_rate"], http["peak"]
    print()
    if half is None:
        print(f"peak {peak['rps']:.1f} req/s at {peak['concurrency']} clients (half rate not measured)")
    else:
        print(
            f"peak {peak['rps']:.1f} req/s at {peak['concurrency']} clients; at half the peak "
            f"({half['target_rate']:.1f} req/s offered, {half['rps_median']:.1f} served, open loop): p50 "
            f"{half['p50_ms']:.1f} ms  p99 {half['p99_ms']:.1f} ms  ({half['errors']} errors)"
        )
        if half["errors"]:
            failed.append(f"half rate: {half['errors']} errors")
        if half["tokens_ran_out"]:
            failed.append("half rate: the tokens ran out (raise --tokens)")
        for why, p in half["problems"].items():
            print(f"  half rate: {p['count']} × {why}: {p['sample'][:200]}")
    print(f"tokens: {http['http_tokens_used']:,} used over HTTP, {http['http_tokens_left']:,} left")
    return failed


# --- the benchmark ----------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    before = loadavg()
    url = args.database_url
    if not url.startswith(("postgres://", "postgresql://")):
        raise ValueError("this benchmark needs PostgreSQL (--database-url postgres://…)")
    extra_env = {
        "TONGBAN_SHOW_TOKEN_SECONDS": str(args.token_seconds),
        "TONGBAN_KEY_ENCRYPTION_KEYS": BENCH_KEY_ENCRYPTION_KEY,
        **cli.env_pairs(args.env),
    }
    print(f"preparing an isolated environment ({url}) ...", flush=True)
    for key, value in extra_env.items():
        print(f"environment: {key}={value if key != 'TONGBAN_KEY_ENCRYPTION_KEYS' else '(fixed bench key)'}")
    env = prepare_env(url, extra_env)
    try:
        return _run_in(env, args, before, extra_env)
    finally:
        if args.keep:
            print(f"kept {env['TONGBAN_VAR_DIR']}")
        else:
            cleanup_env(env)


def _run_in(env: dict, args, before, extra_env) -> int:
    context = machine_context(env, args.workers, "python")
    context["loadavg_before"] = before
    report: dict = {
        "benchmark": "licences_verify",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": context,
        "config": {
            "database_url": args.database_url,
            "workers": args.workers,
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "repeats": args.repeats,
            "warmup_s": args.warmup,
            "licences": args.licences,
            "tokens": args.tokens,
            "inproc_tokens": args.inproc_tokens,
            "windows": args.windows,
            "window_seconds": args.window_seconds,
            "generator": "python",
            "extra_env": extra_env,
        },
        "aims": {"inproc_ratio_to_raw": AIM_INPROC_RATIO, "http_ratio_to_floor": AIM_HTTP_RATIO},
    }
    tokens_file = Path(env["TONGBAN_VAR_DIR"]) / "tokens.json"
    print(
        f"data: {args.licences} bench licences, a bench verifier, {args.tokens:,} + {args.inproc_tokens:,} "
        f"tokens (TONGBAN_SHOW_TOKEN_SECONDS={args.token_seconds}) ...",
        flush=True,
    )
    setup = child(
        env,
        "setup",
        "--licences",
        str(args.licences),
        "--tokens",
        str(args.tokens),
        "--inproc-tokens",
        str(args.inproc_tokens),
        "--out",
        str(tokens_file),
    )
    report["setup"] = setup
    print(
        f"  {setup['licence_type']['name']} ({setup['licence_type']['code']}): {len(setup['licences'])} licences "
        f"({setup['licences_made']} made now); verifier {setup['verifier']['name']} (scene {SCENE}, fields "
        f"{setup['mask']}); removed {setup['removed_earlier_verifiers']} earlier bench verifier(s) and "
        f"{setup['removed_earlier_uses']:,} use-log rows; tokens of {setup['token_bytes']} bytes made at "
        f"{setup['token_make_per_s']:,.0f}/s; {setup['licences_in_db']:,} licences and "
        f"{setup['licence_uses_in_db']:,} use-log rows in the database"
    )
    if setup["rotated_keys"]:
        print(
            f"  rotated ({', '.join(setup['rotated_keys'])}): the database's active key could not be decrypted "
            "(made before the bench had a fixed key-encryption key)"
        )
    print(
        f"in-process: {args.windows} × {args.window_seconds:g} s windows per operation, then queries and a "
        f"cProfile ...",
        flush=True,
    )
    inproc = child(
        env,
        "inprocess",
        "--tokens-file",
        str(tokens_file),
        "--windows",
        str(args.windows),
        "--window-seconds",
        str(args.window_seconds),
        "--profile-calls",
        str(args.profile_calls),
        "--profile-lines",
        str(args.profile_lines),
        "--query-calls",
        str(args.query_calls),
    )
    report["in_process"] = inproc
    _print_inprocess(inproc, setup, args)

    data = json.loads(tokens_file.read_text())
    tokens, key = Tokens(data["http"]), data["key"]
    del data
    print()
    print(f"starting `tongban serve` with {args.workers} workers ...", flush=True)
    with running_server(env, args.workers) as (proc, base_url):
        report["http"] = _http_part(base_url, args, setup, tokens, key, context, env, proc.pid)
    failed = _print_http(report["http"])

    rates = inproc["rates"]
    best = max(report["http"]["throughput"].values(), key=lambda d: d["verify"]["rps_median"])
    limits = _limits(inproc)
    report["summary"] = {
        "raw_es256_per_s": rates["raw_es256_verify"]["per_s_median"],
        "read_show_token_per_s": rates["read_show_token"]["per_s_median"],
        "read_show_token_ratio": rates["read_show_token"]["ratio_to_raw"],
        "verify_shown_per_s": rates["verify_shown"]["per_s_median"],
        "verify_shown_ratio": rates["verify_shown"]["ratio_to_raw"],
        "limit_bare_round_trip_ratio": limits["round_trip"]["ratio_to_raw"],
        "limit_durable_insert_ratio": limits["insert_raw"]["ratio_to_raw"],
        "verify_shown_share_of_limit": limits["insert_raw"]["verify_shown_share"],
        "http_floor_rps": best["floor"]["rps_median"],
        "http_verify_rps": best["verify"]["rps_median"],
        "http_verify_p99_ms": best["verify"]["p99_ms"],
        "http_ratio": best["verify"]["ratio_to_floor"],
        "half_rate_p99_ms": (report["http"]["half_rate"] or {}).get("p99_ms"),
    }
    s = report["summary"]
    print()
    print("summary:")
    print(
        f"  in-process: raw ES256 {s['raw_es256_per_s']:,.0f}/s; read_show_token {s['read_show_token_per_s']:,.0f}/s "
        f"= {s['read_show_token_ratio']:.1%} of raw ({aim(s['read_show_token_ratio'] >= AIM_INPROC_RATIO)}); "
        f"verify_shown {s['verify_shown_per_s']:,.0f}/s = {s['verify_shown_ratio']:.1%} of raw "
        f"({aim(s['verify_shown_ratio'] >= AIM_INPROC_RATIO)}); aim ≥ {AIM_INPROC_RATIO:.0%}"
    )
    print(
        f"  limit: token check + one bare round trip = {s['limit_bare_round_trip_ratio']:.1%} of raw, + the "
        f"durable single-use INSERT = {s['limit_durable_insert_ratio']:.1%}; verify_shown is at "
        f"{s['verify_shown_share_of_limit']:.2f} of the latter"
    )
    half = (
        f"; p99 at half the peak {s['half_rate_p99_ms']:.1f} ms" if s["half_rate_p99_ms"] is not None else ""
    )
    print(
        f"  HTTP: verify {s['http_verify_rps']:,.0f} req/s (p99 {s['http_verify_p99_ms']:.1f} ms) = "
        f"{s['http_ratio']:.1%} of the floor {s['http_floor_rps']:,.0f} req/s "
        f"({aim(s['http_ratio'] >= AIM_HTTP_RATIO)}; aim ≥ {AIM_HTTP_RATIO:.0%}){half}"
    )

    finish_report(report, env, args.json)
    if failed:
        print("FAILED: " + "; ".join(failed))
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = cli.new_parser(__doc__)
    cli.add_database(
        parser,
        "BENCH_LICENCES_DATABASE_URL",
        DEFAULT_URL,
        f"PostgreSQL database (default $BENCH_LICENCES_DATABASE_URL, else {DEFAULT_URL}); created when "
        "missing and kept",
    )
    parser.add_argument("--licences", type=int, default=8, help="bench licences the tokens show (default 8)")
    parser.add_argument("--tokens", type=int, default=60000, help="tokens for HTTP, one per request (60000)")
    parser.add_argument(
        "--inproc-tokens", type=int, default=40000, help="tokens for the in-process part (default 40000)"
    )
    parser.add_argument(
        "--token-seconds",
        type=int,
        default=3600,
        help="TONGBAN_SHOW_TOKEN_SECONDS for the run (default 3600: the tokens are made before the run)",
    )
    cli.add_load_options(parser, [16], per="concurrency")
    parser.add_argument("--no-half-rate", action="store_true", help="skip the open-loop run at half the peak")
    parser.add_argument("--windows", type=int, default=5, help="in-process windows per operation (default 5)")
    parser.add_argument("--window-seconds", type=float, default=2.0, help="seconds per window (default 2)")
    parser.add_argument("--query-calls", type=int, default=200, help="calls timed for queries/SQL/COMMIT")
    parser.add_argument("--profile-calls", type=int, default=1000, help="calls profiled (default 1000)")
    parser.add_argument("--profile-lines", type=int, default=15, help="profile lines printed (default 15)")
    cli.add_output_options(parser, RESULTS_PATH, keep="the temporary var dir (server.log, tokens)")
    return parser


def check(args) -> None:
    cli.check_args(
        args,
        positive=("workers", "duration", "repeats", "licences", "windows", "profile_calls"),
        at_least_zero=("warmup",),
    )
    if args.window_seconds <= 0 or max(args.concurrency) > 256:
        raise SystemExit("window seconds above 0, at most 256 clients")


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, build_parser, run, check, child_main)


if __name__ == "__main__":
    sys.exit(main())
