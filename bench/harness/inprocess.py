"""Instruments for a child process with Django set up: the queries and the time in ``cursor.execute``,
COMMIT, every round trip to PostgreSQL, the WSGI application called without a socket, windows of calls per
second, and cProfile summaries."""

from __future__ import annotations

import io
import statistics
import sys
import time


class SqlTimer:
    """A ``connection.execute_wrapper``: counts the queries and the time in ``cursor.execute``; keeps the
    statements ``(sql, params, ms)`` when asked."""

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
                self.statements.append((sql, params, ms))


class CommitTimer:
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


class RoundTrips:
    """Every wait for PostgreSQL (one per round trip: queries, BEGIN, COMMIT, the health check's SELECT 1 that
    Django runs with CONN_HEALTH_CHECKS outside the execute wrappers), with its time."""

    def __init__(self):
        self.trips: list[tuple[str, float]] = []
        self.begins = 0  # BEGINs psycopg sent in the same wait as the query after them (a round trip each)

    def __enter__(self):
        import psycopg
        from psycopg.pq import TransactionStatus

        self.cls = psycopg.Connection
        original = self.original = psycopg.Connection.wait
        trips = self.trips
        idle = TransactionStatus.IDLE

        def wait(conn, gen, *args, **kwargs):
            frame = getattr(gen, "gi_frame", None)
            local = frame.f_locals if frame is not None else {}
            label = local.get("command") or getattr(gen, "__name__", "?")
            if isinstance(label, bytes):
                label = label.decode(errors="replace")
            label = _TRIP_LABELS.get(label, label)
            was_idle = conn.pgconn.transaction_status == idle and not conn.autocommit
            t0 = time.perf_counter()
            try:
                return original(conn, gen, *args, **kwargs)
            finally:
                trips.append((str(label)[:60], (time.perf_counter() - t0) * 1000.0))
                if label == "query" and was_idle and conn.pgconn.transaction_status != idle:
                    self.begins += 1

        psycopg.Connection.wait = wait
        return self

    def __exit__(self, *exc):
        self.cls.wait = self.original

    @property
    def count(self) -> int:
        """Round trips to the server: the waits (an autocommit switch sends nothing) and the BEGINs."""
        return sum(not label.startswith("autocommit") for label, _ms in self.trips) + self.begins


def wsgi_caller():
    """The project's WSGI application called directly (no socket, no gunicorn):
    ``call(method, path, body, headers) -> (status, body)``; ``call.last_headers``: the last answer's."""
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
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
        status = []

        def start_response(line, headers, exc_info=None):
            status.append(line)
            call.last_headers = headers

        result = application(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()  # request_finished: what gunicorn does after each response
        return int(status[0].split()[0]), content

    call.last_headers = []
    return call


def window(fn, seconds: float, batch: int = 20) -> tuple[float, int]:
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


def rates(samples: list[float]) -> dict:
    return {
        "per_s_median": statistics.median(samples),
        "per_s_min": min(samples),
        "per_s_max": max(samples),
        "us_per_op": 1e6 / statistics.median(samples),
        "windows": samples,
    }


def trim_profile(text: str, lines: int | None = None) -> list[str]:
    """The rows of a pstats listing from its header on."""
    rows = text.splitlines()
    start = next((i for i, line in enumerate(rows) if line.strip().startswith("ncalls")), 0)
    kept = [line.rstrip() for line in rows[start:] if line.strip()]
    return kept if lines is None else kept[: lines + 1]


# Parts of a profile that every API request has, for ``profile`` (``(label, [(file path part, function)])``).
WHOLE_REQUEST = ("whole request (Django's WSGI handler)", [("django/core/handlers/wsgi.py", "__call__")])
NINJA_VIEW = ("  the view (ninja Operation.run)", [("ninja/operation.py", "run")])
NINJA_AUTH = ("    authentication", [("ninja/operation.py", "_run_authentication")])
NINJA_BODY = ("    request body: parse + validate", [("ninja/operation.py", "_get_values")])
NINJA_RESPONSE = ("    response: schema validation + JSON", [("ninja/operation.py", "_result_to_response")])
DB_WAIT = ("across the request: waiting for PostgreSQL (psycopg wait)", [("psycopg/connection.py", "wait")])
ORM_CREATE = (
    "across the request: ORM single-row INSERTs (QuerySet.create)",
    [("django/db/models/query.py", "create")],
)
SQL_COMPILE = (
    "across the request: ORM SQL compile (compiler as_sql)",
    [("django/db/models/sql/compiler.py", "as_sql")],
)


def profile_parts(stats, calls: int, parts: list) -> list[dict]:
    """Inclusive time per call of each part ``(label, [(file path part, function name), …])`` of a profile,
    how often its functions ran per call (``None``: no function matched, e.g. renamed), and its share of the
    first part (the whole)."""
    totals = []
    for label, keys in parts:
        seconds, count, found = 0.0, 0, False
        for (filename, _line, function), (_cc, nc, _tt, ct, _callers) in stats.stats.items():
            if any(part in filename and function == name for part, name in keys):
                seconds += ct
                count += nc
                found = True
        totals.append(
            {
                "label": label,
                "ms_per_call": seconds * 1000.0 / calls,
                "calls_per_call": count / calls if found else None,
            }
        )
    whole = totals[0]["ms_per_call"] or 1.0
    for part in totals:
        part["share"] = part["ms_per_call"] / whole
    return totals


def _package(filename: str) -> str:
    """Who a profiled function belongs to: a site package, a context of the project, the standard library."""
    if filename.startswith(("~", "<")):
        return "built-in functions (C)"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/tongban/" in filename:
        return "tongban." + filename.split("/tongban/", 1)[1].split("/", 1)[0].removesuffix(".py")
    return "standard library"


def own_time_by_package(stats, calls: int, top: int = 14) -> list[dict]:
    """The profile's own time (not inclusive) summed by package, per call, most first, with its share."""
    totals: dict[str, float] = {}
    for (filename, _line, _function), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        key = _package(filename)
        totals[key] = totals.get(key, 0.0) + tt
    whole = sum(totals.values()) or 1.0
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])[:top]
    return [{"package": k, "ms_per_call": v * 1000.0 / calls, "share": v / whole} for k, v in ranked]


def profile(fn, calls: int, lines: int, parts: list | None = None, restrict: str | None = None) -> dict:
    """cProfile of ``calls`` calls of ``fn``: the parts (see ``profile_parts``), and the top ``lines`` rows
    by cumulative and by own time (the cumulative ones limited to files matching ``restrict``)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler)
    out = {
        "parts": profile_parts(stats, calls, parts) if parts else [],
        "by_package": own_time_by_package(stats, calls),
    }
    for order in ("cumulative", "tottime"):
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream).sort_stats(order)
        if restrict and order == "cumulative":
            stats.print_stats(restrict, lines)
        else:
            stats.print_stats(lines)
        out[order] = trim_profile(stream.getvalue(), lines)
    return out


def usable_signing_key(department_uuid, name: str, code: str = "") -> bool:
    """Make sure the department's active signing key can be decrypted with this run's key-encryption key (a
    database made by a run without ``BENCH_KEY_ENCRYPTION_KEY`` has keys no later run can read): rotated when
    not. True when it was rotated."""
    from tongban.licences import keys

    row = keys.issuer_key(department_uuid, name, code)
    try:
        keys.private_key(row)
        return False
    except RuntimeError:
        keys.issuer_key_rotate(department_uuid)
        return True
