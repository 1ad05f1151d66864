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
import io
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/licences_verify.py`
    sys.path.insert(0, str(ROOT))

from bench.cases import _aim, _concurrency_list, _table  # noqa: E402
from bench.catalog import _ljust, _width  # noqa: E402
from bench.http_floor import (  # noqa: E402
    REQUEST_TIMEOUT,
    _loadavg,
    _percentile,
    _server_problems,
    _worker_restarts,
    cleanup_env,
    machine_context,
    measure,
    prepare_env,
    print_machine,
    run_guarded,
    start_server,
    stop_server,
)

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
# The signing keys on the kept database are encrypted at rest; every run has a new temporary var dir (so a new
# SECRET_KEY, from which the default key-encryption key is derived): a fixed, bench-only key keeps them usable
# from one run to the next. Not a secret: it protects the keys of a benchmark database only.
BENCH_KEY_ENCRYPTION_KEY = "3mLE5NGk18aYm6VZZlLtFDPuCyR7B3mXIUk9dmOtjqc="


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


def _usable_key(department_uuid, name: str, code: str = "") -> bool:
    """Make sure the department's active signing key can be decrypted with this run's key-encryption key
    (a database made by a run without the fixed key has keys no later run can read): rotated when not.
    True when it was rotated."""
    from tongban.licences import keys

    row = keys.issuer_key(department_uuid, name, code)
    try:
        keys.private_key(row)
        return False
    except RuntimeError:
        keys.issuer_key_rotate(department_uuid)
        return True


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
        if _usable_key(uuid_, name, code)
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


class _SqlTimer:
    """Counts the queries and the time in ``cursor.execute``; keeps the statements when asked."""

    def __init__(self, keep: bool = False):
        self.queries, self.ms, self.keep, self.statements = 0, 0.0, keep, []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - t0) * 1000.0
            self.ms += ms
            self.queries += 1
            if self.keep:
                self.statements.append((sql, ms))


class _CommitTimer:
    """Time spent in the database connection's COMMIT (not seen by execute wrappers)."""

    def __init__(self, connection):
        self.connection, self.ms, self.count = connection, 0.0, 0

    def __enter__(self):
        connection = self.connection
        self.original = connection._commit

        def timed():
            t0 = time.perf_counter()
            try:
                return self.original()
            finally:
                self.ms += (time.perf_counter() - t0) * 1000.0
                self.count += 1

        connection._commit = timed
        return self

    def __exit__(self, *exc):
        del self.connection._commit  # the instance attribute: back to the class's method


_TRIP_LABELS = {
    "_execute_gen": "query",  # with BEGIN before it when a transaction starts
    "_commit_gen": "COMMIT",
    "_set_autocommit_gen": "autocommit switch (no I/O)",
}


class _RoundTrips:
    """Every wait for PostgreSQL (one per round trip: queries, BEGIN, COMMIT, the health check's SELECT 1 that
    Django runs with CONN_HEALTH_CHECKS outside the execute wrappers), with its time."""

    def __init__(self):
        self.trips: list[tuple[str, float]] = []

    def __enter__(self):
        import psycopg

        self.cls = psycopg.Connection
        original = self.original = psycopg.Connection.wait
        trips = self.trips

        def wait(conn, gen, *args, **kwargs):
            frame = getattr(gen, "gi_frame", None)
            local = frame.f_locals if frame is not None else {}
            label = local.get("command") or getattr(gen, "__name__", "?")
            if isinstance(label, bytes):
                label = label.decode(errors="replace")
            label = _TRIP_LABELS.get(label, label)
            t0 = time.perf_counter()
            try:
                return original(conn, gen, *args, **kwargs)
            finally:
                trips.append((str(label)[:60], (time.perf_counter() - t0) * 1000.0))

        psycopg.Connection.wait = wait
        return self

    def __exit__(self, *exc):
        self.cls.wait = self.original


def _wsgi_caller():
    """The project's WSGI application called directly (no socket, no gunicorn): (status, body)."""
    from tongban.wsgi import application

    def call(method: str, path: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, bytes]:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if body:
            environ["CONTENT_TYPE"] = "application/json"
            environ["CONTENT_LENGTH"] = str(len(body))
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        status = []
        result = application(environ, lambda s, h, exc_info=None: status.append(s))
        try:
            content = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()  # request_finished: what gunicorn does after each response
        return int(status[0].split()[0]), content

    return call


def _window(fn, seconds: float, batch: int = 20) -> tuple[float, int]:
    """Calls of ``fn`` per second over about ``seconds`` (checked every ``batch`` calls)."""
    n = 0
    t0 = time.perf_counter()
    deadline = t0 + seconds
    while True:
        for _ in range(batch):
            fn()
        n += batch
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - t0), n


def _rates(samples: list[float]) -> dict:
    return {
        "per_s_median": statistics.median(samples),
        "per_s_min": min(samples),
        "per_s_max": max(samples),
        "us_per_op": 1e6 / statistics.median(samples),
        "windows": samples,
    }


def _trim_profile(text: str, lines: int) -> list[str]:
    rows = text.splitlines()
    start = next((i for i, line in enumerate(rows) if line.strip().startswith("ncalls")), 0)
    return [line.rstrip() for line in rows[start:] if line.strip()][: lines + 1]


# Where a request's time goes, from the profile: (label, [(file suffix, function), …]) — inclusive times.
PROFILE_PARTS = [
    ("whole request (Django's WSGI handler)", [("django/core/handlers/wsgi.py", "__call__")]),
    ("  the view (ninja Operation.run)", [("ninja/operation.py", "run")]),
    ("    authentication (verifier key lookup)", [("ninja/operation.py", "_run_authentication")]),
    ("    request body: parse + validate", [("ninja/operation.py", "_get_values")]),
    ("    verify_shown", [("tongban/licences/verification.py", "verify_shown")]),
    ("      read_show_token", [("tongban/licences/show.py", "read_show_token")]),
    ("      use-log INSERT (QuerySet.create)", [("django/db/models/query.py", "create")]),
    (
        "      transaction.atomic enter + exit (BEGIN is sent with the INSERT; COMMIT)",
        [("django/db/transaction.py", "__enter__"), ("django/db/transaction.py", "__exit__")],
    ),
    ("    response: schema validation + JSON", [("ninja/operation.py", "_result_to_response")]),
    ("across the request: waiting for PostgreSQL (psycopg wait)", [("psycopg/connection.py", "wait")]),
    (
        "across the request: ORM reads (QuerySet.first: verifier, licence)",
        [("django/db/models/query.py", "first")],
    ),
    (
        "across the request: ORM SQL compile (compiler as_sql)",
        [("django/db/models/sql/compiler.py", "as_sql")],
    ),
    ("across the request: connection health check (is_usable)", [("postgresql/base.py", "is_usable")]),
]


def _profile_parts(stats, calls: int) -> list[dict]:
    totals = []
    for label, keys in PROFILE_PARTS:
        seconds = 0.0
        for (filename, _line, function), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
            if any(filename.endswith(suffix) and function == name for suffix, name in keys):
                seconds += ct
        totals.append({"label": label, "ms_per_call": seconds * 1000.0 / calls})
    whole = totals[0]["ms_per_call"] or 1.0
    for part in totals:
        part["share"] = part["ms_per_call"] / whole
    return totals


def _profile(fn, calls: int, lines: int) -> dict:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    out = {"parts": _profile_parts(pstats.Stats(profiler), calls)}
    for order in ("cumulative", "tottime"):
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats(order).print_stats(lines)
        out[order] = _trim_profile(stream.getvalue(), lines)
    return out


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
            samples[name].append(_window(fn, args.window_seconds / 2, batch=10)[0])
    return {name: {"label": parts[name][0], **_rates(values)} for name, values in samples.items()}


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

    call = _wsgi_caller()
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
            samples[name].append(_window(fn, args.window_seconds)[0])
    rates = {name: _rates(values) for name, values in samples.items()}
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
            timer = _SqlTimer()
            with _CommitTimer(connection) as commit, connection.execute_wrapper(timer), _RoundTrips() as rt:
                t0 = time.perf_counter()
                fn()
                latencies.append((time.perf_counter() - t0) * 1000.0)
            queries.append(timer.queries)
            sql_ms.append(timer.ms)
            commit_ms.append(commit.ms)
            trips.append(len(rt.trips))
            wait_ms.append(sum(ms for _l, ms in rt.trips))
        timer = _SqlTimer(keep=True)
        with _CommitTimer(connection) as commit, connection.execute_wrapper(timer), _RoundTrips() as rt:
            fn()
        latencies.sort()
        return {
            "calls": calls,
            "ms_p50": _percentile(latencies, 50),
            "ms_p99": _percentile(latencies, 99),
            "queries_median": statistics.median(queries),
            "sql_ms_median": statistics.median(sql_ms),
            "commit_ms_median": statistics.median(commit_ms),
            "commits": commit.count,
            "round_trips_median": statistics.median(trips),
            "db_wait_ms_median": statistics.median(wait_ms),
            "round_trips": [{"what": label, "ms": round(ms, 3)} for label, ms in rt.trips],
            "statements": [
                {"sql": " ".join(sql.split())[:300], "ms": round(ms, 3)} for sql, ms in timer.statements
            ],
        }

    breakdown = {
        "verify_shown": per_call(verify, args.query_calls),
        "wsgi_verify": per_call(wsgi_verify, args.query_calls),
        "wsgi_health": per_call(wsgi_health, args.query_calls),
    }
    profiles = {
        "verify_shown": _profile(verify, args.profile_calls, args.profile_lines),
        "wsgi_verify": _profile(wsgi_verify, args.profile_calls, args.profile_lines + 15),
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
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    data = child_setup(args) if args.action == "setup" else child_inprocess(args)
    print("RESULT " + json.dumps(data, ensure_ascii=False, default=str), flush=True)
    return 0


def run_child(env: dict, *argv: str) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", *argv]
    child_env = {**env, "DJANGO_SETTINGS_MODULE": "tongban.settings"}
    done = subprocess.run(
        cmd, env=child_env, cwd=ROOT, capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"child step {argv[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return json.loads(lines[-1][len("RESULT ") :])


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


def _verify_worker(host, port, key, tokens, mask, index, next_due, results) -> None:
    """One client thread: a persistent connection (gunicorn's sync workers close it after each answer, and
    http.client reconnects), a new token for every request."""
    headers = {
        "Content-Type": "application/json",
        "Accept-Encoding": "identity",
        "Authorization": f"Bearer {key}",
    }
    latencies, service, problems, errors = [], [], {}, 0
    conn = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
    try:
        while (due := next_due()) is not None:
            token = tokens.take()
            if token is None:
                break
            body = json.dumps({"token": token, "cause": CAUSE}).encode()
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            t0 = time.perf_counter()
            try:
                conn.request("POST", VERIFY_PATH, body=body, headers=headers)
                resp = conn.getresponse()
                content = resp.read()
                end = time.perf_counter()
                # Open loop: from the time the request was due (a queue shows); closed loop: from sending.
                latencies.append((end - (due or t0)) * 1000.0)
                service.append((end - t0) * 1000.0)
                problem = check_answer(resp.status, content, mask)
                if problem:
                    entry = problems.setdefault(problem, [0, content[:300].decode("utf-8", "replace")])
                    entry[0] += 1
                if resp.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                errors += 1
                problems.setdefault(f"socket {exc.__class__.__name__}", [0, str(exc)[:200]])[0] += 1
                conn.close()
                time.sleep(0.01)
    finally:
        conn.close()
        results[index] = (latencies, service, problems, errors, time.perf_counter())


def verify_load(base_url, key, tokens: Tokens, mask, threads, duration, rate=None) -> dict:
    """``POST /api/licences/verify`` load: closed loop (``rate`` None: each thread sends as soon as its last
    answer came) or open loop at ``rate`` requests/s (a fixed schedule shared by the threads; the latency
    counts from the scheduled time, so a server that falls behind shows its queue)."""
    parts = urlsplit(base_url)
    results: list = [([], [], {}, 0, 0.0)] * threads
    lock = threading.Lock()
    go = threading.Event()
    state = {"start": 0.0, "k": 0}

    def next_due_closed():
        go.wait()
        return 0.0 if time.perf_counter() < state["start"] + duration else None

    def next_due_open():
        go.wait()
        with lock:
            k = state["k"]
            state["k"] += 1
        due = state["start"] + k / rate
        return due if due < state["start"] + duration else None

    next_due = next_due_open if rate else next_due_closed
    workers = [
        threading.Thread(
            target=_verify_worker,
            args=(parts.hostname, parts.port, key, tokens, mask, i, next_due, results),
            daemon=True,
        )
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    state["start"] = start = time.perf_counter() + 0.05
    go.set()
    for worker in workers:
        worker.join(timeout=duration + REQUEST_TIMEOUT + 10)
    latencies = sorted(lat for res in results for lat in res[0])
    service = sorted(s for res in results for s in res[1])
    problems: dict[str, list] = {}
    for res in results:
        for why, (count, sample) in res[2].items():
            problems.setdefault(why, [0, sample])[0] += count
    end = max([res[4] for res in results] + [start])
    elapsed = max(end - start, 1e-9)
    socket_errors = sum(res[3] for res in results)
    wrong = sum(count for why, (count, _s) in problems.items() if not why.startswith("socket"))
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": _percentile(latencies, 50),
        "p99_ms": _percentile(latencies, 99),
        "service_p50_ms": _percentile(service, 50),
        "service_p99_ms": _percentile(service, 99),
        "requests": len(latencies),
        "problems": {why: {"count": c, "sample": s} for why, (c, s) in problems.items()},
        "non_2xx": wrong,
        "socket_errors": socket_errors,
        "errors": wrong + socket_errors,
        "tokens_ran_out": tokens.exhausted,
        "generator": "python",
        "target_rate": rate,
    }


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_snapshot(server_pgid: int, dbname: str) -> dict:
    """CPU seconds used so far by the server (its process group: gunicorn master and workers), PostgreSQL's
    backends connected to the bench database, PostgreSQL's shared processes (WAL writer, checkpointer,
    background writer …: their work is partly ours), this process (the load generator), and the whole
    machine (/proc/stat). Other databases' backends (other people's tests) count as the rest of the machine."""
    seconds = {"server": 0.0, "postgresql": 0.0, "postgresql_shared": 0.0, "generator": 0.0}
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                raw = fh.read().decode(errors="replace")
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        pgrp, used = int(fields[2]), (int(fields[11]) + int(fields[12])) / _TICK
        if int(entry.name) == me:
            seconds["generator"] += used
        elif pgrp == server_pgid:
            seconds["server"] += used
        elif comm.startswith("postgres"):
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as fh:
                    title = fh.read().decode(errors="replace")
            except OSError:
                continue
            if f" {dbname} " in title:
                seconds["postgresql"] += used
            elif "(" not in title:  # not a client backend: checkpointer, writers, launchers
                seconds["postgresql_shared"] += used
    try:
        with open("/proc/stat") as fh:
            cpu = [int(x) for x in fh.readline().split()[1:]]
        seconds["machine_busy"] = (sum(cpu) - cpu[3] - (cpu[4] if len(cpu) > 4 else 0)) / _TICK
        seconds["machine_all"] = sum(cpu) / _TICK
    except (OSError, ValueError):
        pass
    return seconds


def _with_cpu(server_pgid: int, dbname: str, load) -> dict:
    """Run ``load()`` (returns a result with ``requests``) and add the CPU milliseconds per request each part
    used: the server, PostgreSQL, the generator, and everything else on the machine (``other``: other
    people's work, and processes that ended meanwhile); ``idle``: the share of the CPUs left unused."""
    before = _cpu_snapshot(server_pgid, dbname)
    res = load()
    after = _cpu_snapshot(server_pgid, dbname)
    delta = {k: after[k] - before[k] for k in before if k in after}
    n = max(res["requests"], 1)
    cpu = {k: delta[k] * 1000.0 / n for k in ("server", "postgresql", "postgresql_shared", "generator")}
    if "machine_busy" in delta:
        cpu["other"] = max(0.0, delta["machine_busy"] * 1000.0 / n - sum(cpu.values()))
        cpu["idle_share"] = 1 - delta["machine_busy"] / delta["machine_all"] if delta["machine_all"] else 0.0
    res["cpu_ms_per_request"] = cpu
    return res


def _cpu_median(runs: list[dict]) -> dict:
    keys = [
        k
        for k in ("server", "postgresql", "postgresql_shared", "generator", "other", "idle_share")
        if k in runs[0]["cpu_ms_per_request"]
    ]
    return {k: statistics.median(r["cpu_ms_per_request"][k] for r in runs) for k in keys}


def _cpu_text(cpu: dict) -> str:
    text = (
        f"server {cpu['server']:.2f}, PostgreSQL {cpu['postgresql']:.2f} (+ shared processes "
        f"{cpu['postgresql_shared']:.2f}), generator {cpu['generator']:.2f}"
    )
    if "other" in cpu:
        text += f", other {cpu['other']:.2f}; CPUs idle {cpu['idle_share']:.0%}"
    return text


def _summ(runs: list[dict]) -> dict:
    rps = [r["rps"] for r in runs]
    problems: dict[str, dict] = {}
    for r in runs:
        for why, p in (r.get("problems") or {}).items():
            problems.setdefault(why, {"count": 0, "sample": p["sample"]})["count"] += p["count"]
    return {
        "rps_median": statistics.median(rps),
        "rps_min": min(rps),
        "rps_max": max(rps),
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "problems": problems,
        "tokens_ran_out": any(r.get("tokens_ran_out") for r in runs),
        "cpu_ms_per_request": _cpu_median(runs) if all("cpu_ms_per_request" in r for r in runs) else None,
        "runs": runs,
    }


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
            res = _with_cpu(
                pgid, dbname, lambda c=c: measure(base_url + HEALTH_PATH, c, args.duration, "python")
            )
            floor_runs.append(res)
            print(
                f"  c={c:<3} GET  {HEALTH_PATH:<20} run {i + 1}/{args.repeats}: {res['rps']:8.1f} req/s  "
                f"p50 {res['p50_ms']:7.2f} ms  p99 {res['p99_ms']:7.2f} ms  errors {res['errors']}",
                flush=True,
            )
            res = _with_cpu(
                pgid, dbname, lambda c=c: verify_load(base_url, key, tokens, mask, c, args.duration)
            )
            verify_runs.append(res)
            print(
                f"  c={c:<3} POST {VERIFY_PATH:<20} run {i + 1}/{args.repeats}: {res['rps']:8.1f} req/s  "
                f"p50 {res['p50_ms']:7.2f} ms  p99 {res['p99_ms']:7.2f} ms  errors {res['errors']}"
                f"{'  TOKENS RAN OUT' if res['tokens_ran_out'] else ''}",
                flush=True,
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
            res = _with_cpu(
                pgid,
                dbname,
                lambda: verify_load(base_url, key, tokens, mask, threads, args.duration, rate=rate),
            )
            half_runs.append(res)
            print(
                f"  half rate     POST {VERIFY_PATH} run {i + 1}/{args.repeats}: {res['rps']:8.1f} req/s  "
                f"p50 {res['p50_ms']:7.2f} ms  p99 {res['p99_ms']:7.2f} ms  (service p99 "
                f"{res['service_p99_ms']:.2f} ms)  errors {res['errors']}"
                f"{'  TOKENS RAN OUT' if res['tokens_ran_out'] else ''}",
                flush=True,
            )
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
            ratio, aim = f"{r['ratio_to_raw']:.3f} of raw", _aim(r["ratio_to_raw"] >= AIM_INPROC_RATIO)
        elif "ratio_to_health" in r:
            ratio, aim = f"{r['ratio_to_health']:.3f} of health", ""
        else:
            ratio, aim = "", ""
        rows.append(
            (
                label,
                f"{r['per_s_median']:,.0f} ({r['per_s_min']:,.0f}–{r['per_s_max']:,.0f})",
                f"{r['us_per_op']:,.0f}",
                ratio,
                aim,
            )
        )
    _table(("operation", "per second", "µs/op", "ratio", "aim"), rows)
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
    _table(("part", "per second", "µs/op", "share"), rows)
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
    width = max(_width(p["label"]) for p in parts)
    for part in parts:
        print(f"    {_ljust(part['label'], width)}  {part['ms_per_call']:7.3f} ms  {part['share']:6.1%}")
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
                _aim(verify["ratio_to_floor"] >= AIM_HTTP_RATIO),
                f"{verify['errors']} verify, {floor['errors']} floor",
            )
        )
        if verify["errors"] or floor["errors"]:
            failed.append(f"c={c}: {verify['errors']} verify and {floor['errors']} floor errors")
        if verify["tokens_ran_out"]:
            failed.append(f"c={c}: the tokens ran out (raise --tokens)")
        for why, p in verify["problems"].items():
            print(f"  c={c}: {p['count']} × {why}: {p['sample'][:200]}")
    _table(
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
                print(f"  c={c:<3} {label:<26} {_cpu_text(part['cpu_ms_per_request'])}")
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
    loadavg = _loadavg()
    url = args.database_url
    if not url.startswith(("postgres://", "postgresql://")):
        raise ValueError("this benchmark needs PostgreSQL (--database-url postgres://…)")
    extra_env = {
        "TONGBAN_SHOW_TOKEN_SECONDS": str(args.token_seconds),
        "TONGBAN_KEY_ENCRYPTION_KEYS": BENCH_KEY_ENCRYPTION_KEY,
        **dict(item.split("=", 1) for item in args.env),
    }
    print(f"preparing an isolated environment ({url}) ...", flush=True)
    for key, value in extra_env.items():
        print(f"environment: {key}={value if key != 'TONGBAN_KEY_ENCRYPTION_KEYS' else '(fixed bench key)'}")
    env = prepare_env(url, extra_env)
    try:
        return _run_in(env, args, loadavg, extra_env)
    finally:
        if args.keep:
            print(f"kept {env['TONGBAN_VAR_DIR']}")
        else:
            cleanup_env(env)


def _run_in(env: dict, args, loadavg, extra_env) -> int:
    context = machine_context(env, args.workers, "python")
    context["loadavg_before"] = loadavg
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
    setup = run_child(
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
    inproc = run_child(
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
    proc, base_url = start_server(env, args.workers)
    try:
        report["http"] = _http_part(base_url, args, setup, tokens, key, context, env, proc.pid)
    finally:
        stop_server(proc)
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
        f"= {s['read_show_token_ratio']:.1%} of raw ({_aim(s['read_show_token_ratio'] >= AIM_INPROC_RATIO)}); "
        f"verify_shown {s['verify_shown_per_s']:,.0f}/s = {s['verify_shown_ratio']:.1%} of raw "
        f"({_aim(s['verify_shown_ratio'] >= AIM_INPROC_RATIO)}); aim ≥ {AIM_INPROC_RATIO:.0%}"
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
        f"({_aim(s['http_ratio'] >= AIM_HTTP_RATIO)}; aim ≥ {AIM_HTTP_RATIO:.0%}){half}"
    )

    problems = _server_problems(env)
    restarts = _worker_restarts(env)
    report["server_log_problems"] = problems[:50]
    report["worker_restarts"] = restarts
    report["loadavg_after"] = _loadavg()
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n")
    print()
    print(f"results written to {out}")
    if restarts:
        print(f"note: gunicorn recycled a worker {restarts} time(s) during the run (--max-requests)")
    if problems:
        print(f"server log: {len(problems)} problem line(s) (--keep keeps server.log), first: {problems[0]}")
    if failed:
        print("FAILED: " + "; ".join(failed))
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_LICENCES_DATABASE_URL", DEFAULT_URL),
        help=f"PostgreSQL database (default $BENCH_LICENCES_DATABASE_URL, else {DEFAULT_URL}); created when "
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
    parser.add_argument(
        "--concurrency", type=_concurrency_list, default=[16], help="clients, comma-separated (default 16)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run (default 10)")
    parser.add_argument("--repeats", type=int, default=3, help="measured runs per concurrency (default 3)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per concurrency (default 2)")
    parser.add_argument("--no-half-rate", action="store_true", help="skip the open-loop run at half the peak")
    parser.add_argument("--windows", type=int, default=5, help="in-process windows per operation (default 5)")
    parser.add_argument("--window-seconds", type=float, default=2.0, help="seconds per window (default 2)")
    parser.add_argument("--query-calls", type=int, default=200, help="calls timed for queries/SQL/COMMIT")
    parser.add_argument("--profile-calls", type=int, default=1000, help="calls profiled (default 1000)")
    parser.add_argument("--profile-lines", type=int, default=15, help="profile lines printed (default 15)")
    parser.add_argument(
        "--json", default=str(RESULTS_PATH), help=f"where to write the JSON (default {RESULTS_PATH})"
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment variable for migrate/demo/server (repeatable)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary var dir (server.log, tokens)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child_main(argv[1:])
    args = build_parser().parse_args(argv)
    if any("=" not in item or not item.split("=", 1)[0] for item in args.env):
        raise SystemExit("--env takes KEY=VALUE")
    if min(args.workers, args.duration, args.repeats, args.licences, args.windows, args.profile_calls) < 1:
        raise SystemExit("workers, duration, repeats, licences, windows and profile calls must be at least 1")
    if args.warmup < 0 or args.window_seconds <= 0 or max(args.concurrency) > 256:
        raise SystemExit("warm-up at least 0, window seconds above 0, at most 256 clients")
    return run_guarded(run, args)


if __name__ == "__main__":
    sys.exit(main())
