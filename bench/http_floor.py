"""HTTP floor benchmark: how fast the production server answers its cheapest request, and the home page.

`make bench` runs this file. It prepares an isolated environment (a temporary var dir, demo data, SQLite
by default or the PostgreSQL database given by --database-url / BENCH_DATABASE_URL), starts
`tongban serve` (gunicorn) on a free 127.0.0.1 port, and loads it with wrk when it is installed, or else
with a pure-Python load generator. It measures ``GET /api/health`` (the floor: one ``SELECT 1``) and
``GET /`` (the Chinese home page) and reports req/s, p50 and p99 latency and the ratio to the floor.

Later benchmarks reuse the helpers::

    from bench.http_floor import prepare_env, start_server, stop_server, measure, cleanup_env

    env = prepare_env()                      # or prepare_env("postgres://postgres@127.0.0.1:5432/x")
    proc, base_url = start_server(env, workers=2)
    try:
        result = measure(base_url + "/api/health", concurrency=32, duration=10)
    finally:
        stop_server(proc)
        cleanup_env(env)
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_PATH = ROOT / "bench" / "results" / "http_floor.json"
LOOPBACK = "127.0.0.1"
REQUEST_TIMEOUT = 10.0  # seconds, for every single request
HEALTH_TIMEOUT = 60.0  # seconds for the server to answer /api/health after start
SETUP_TIMEOUT = 600  # seconds for `tongban migrate` / `tongban demo`
ENDPOINTS = [("/api/health", "floor: one SELECT 1"), ("/", "home page (Chinese HTML)")]

# Variables from the caller's environment that would leak into the isolated one.
_SCRUBBED = {
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
}


def _tongban_bin() -> str:
    for candidate in (ROOT / ".venv" / "bin" / "tongban", Path(sys.executable).parent / "tongban"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("tongban")
    if not found:
        raise RuntimeError("cannot find the `tongban` command; run `make install` first")
    return found


# --- environment ----------------------------------------------------------------------------------------


def _ensure_postgres_database(database_url: str) -> None:
    """Create the database named in a postgres:// URL when it does not exist yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    dbname = parts.path.lstrip("/")
    if not dbname:
        raise ValueError(f"no database name in {database_url!r}")
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    except psycopg.Error as exc:
        raise RuntimeError(f"cannot prepare PostgreSQL database {dbname!r}: {exc}") from exc


def prepare_env(database_url: str | None = None, extra_env: dict | None = None) -> dict:
    """An isolated environment for the `tongban` command, with migrations applied and demo data loaded.

    A fresh temporary var dir (TONGBAN_VAR_DIR), TONGBAN_DEMO=1, and DATABASE_URL: SQLite in the var dir
    unless ``database_url`` is given (a PostgreSQL database is created when missing), then ``extra_env``.
    Remove the var dir with ``cleanup_env(env)``.
    """
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED and not k.startswith("TONGBAN_")}
    if database_url and database_url.startswith(("postgres://", "postgresql://")):
        _ensure_postgres_database(database_url)
    tongban = _tongban_bin()
    var_dir = Path(tempfile.mkdtemp(prefix="tongban-bench-"))
    env["TONGBAN_VAR_DIR"] = str(var_dir)
    env["TONGBAN_DEMO"] = "1"
    # gunicorn >= 25 puts its control socket in $XDG_RUNTIME_DIR (else ~/.gunicorn/gunicorn.ctl, shared by
    # every gunicorn of the user, e.g. a `make run` server): keep ours in the var dir.
    env["XDG_RUNTIME_DIR"] = str(var_dir)
    env["DATABASE_URL"] = database_url or f"sqlite:///{var_dir / 'tongban.sqlite3'}"
    env.update(extra_env or {})
    try:
        for argv in ([tongban, "migrate", "--verbosity", "0"], [tongban, "demo"]):
            done = subprocess.run(
                argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=SETUP_TIMEOUT, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(
                    f"`{' '.join(argv[1:])}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
                )
    except BaseException:
        shutil.rmtree(var_dir, ignore_errors=True)
        raise
    return env


def cleanup_env(env: dict) -> None:
    """Remove the temporary var dir made by prepare_env (the PostgreSQL database is kept)."""
    var_dir = env.get("TONGBAN_VAR_DIR", "")
    if var_dir and Path(var_dir).name.startswith("tongban-bench-"):
        shutil.rmtree(var_dir, ignore_errors=True)


def database_engine(env: dict) -> str:
    """Human description of the database in ``env``, e.g. ``sqlite 3.45.1`` or ``postgresql 16.4``."""
    url = env.get("DATABASE_URL", "")
    if url.startswith("sqlite"):
        import sqlite3

        return f"sqlite {sqlite3.sqlite_version}"
    if url.startswith(("postgres://", "postgresql://")):
        try:
            import psycopg

            with psycopg.connect(url, connect_timeout=10) as conn:
                version = conn.execute("SHOW server_version").fetchone()[0]
            return f"postgresql {version.split()[0]}"
        except Exception as exc:
            return f"postgresql (version unknown: {exc.__class__.__name__})"
    return url.split(":", 1)[0] or "unknown"


# --- server -------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def http_get(base_url: str, path: str, timeout: float = REQUEST_TIMEOUT) -> tuple[int, dict, bytes]:
    """One GET without proxies (urllib would honour http_proxy): (status, headers, body)."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


def server_log_path(env: dict) -> Path:
    return Path(env["TONGBAN_VAR_DIR"]) / "server.log"


def _log_tail(env: dict, lines: int = 40) -> str:
    try:
        return "\n".join(server_log_path(env).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def start_server(env: dict, workers: int = 2) -> tuple[subprocess.Popen, str]:
    """Start `tongban serve` (gunicorn) on a free 127.0.0.1 port in its own process group.

    Waits until ``GET /api/health`` answers 200 (60 s at most). Its output goes to
    ``<TONGBAN_VAR_DIR>/server.log``. Stop it with ``stop_server(proc)``.
    """
    port = _free_port()
    base_url = f"http://{LOOPBACK}:{port}"
    argv = [_tongban_bin(), "serve", "--bind", f"{LOOPBACK}:{port}", "--workers", str(workers)]
    with open(server_log_path(env), "ab") as log:
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + HEALTH_TIMEOUT
        last = "no answer"
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"server exited with {proc.returncode} before answering:\n{_log_tail(env)}"
                )
            try:
                status, _, _ = http_get(base_url, "/api/health", timeout=2)
                if status == 200:
                    return proc, base_url
                last = f"HTTP {status}"
            except OSError as exc:
                last = f"{exc.__class__.__name__}: {exc}"
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"server did not answer /api/health with 200 within {HEALTH_TIMEOUT:.0f} s ({last}):\n"
                    f"{_log_tail(env)}"
                )
            time.sleep(0.2)
    except BaseException:
        stop_server(proc)
        raise


def stop_server(proc: subprocess.Popen, timeout: float = 25.0) -> None:
    """Stop the server's whole process group: SIGTERM, then SIGKILL after ``timeout`` seconds."""
    with _signals_deferred():
        _stop_group(proc, timeout)


@contextlib.contextmanager
def _signals_deferred():
    """A second Ctrl-C while stopping must not leave the server running: hold SIGINT/SIGTERM meanwhile."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _stop_group(proc: subprocess.Popen, timeout: float) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=timeout)
    # Workers may outlive the master; the group id is the master's pid (start_new_session=True).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


# --- load generators ------------------------------------------------------------------------------------

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"unrecognised wrk duration {text!r}")
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


def parse_wrk(output: str) -> dict:
    """Figures from `wrk --latency` output."""
    rps = re.search(r"^Requests/sec:\s*([\d.]+)", output, re.M)
    p50 = re.search(r"^\s*50(?:\.0+)?%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s*99(?:\.0+)?%\s+(\S+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in", output, re.M)
    if not (rps and p50 and p99 and total):
        raise RuntimeError(f"cannot parse wrk output:\n{output}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    socket_errors = sum(int(n) for n in sock.groups()) if sock else 0
    non_2xx = int(non2xx.group(1)) if non2xx else 0
    return {
        "rps": float(rps.group(1)),
        "p50_ms": _wrk_ms(p50.group(1)),
        "p99_ms": _wrk_ms(p99.group(1)),
        "requests": int(total.group(1)),
        "non_2xx": non_2xx,
        "socket_errors": socket_errors,
        "errors": non_2xx + socket_errors,
    }


def _measure_wrk(wrk: str, url: str, concurrency: int, duration: float) -> dict:
    threads = max(1, min(2, concurrency))
    argv = [
        wrk,
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{max(1, round(duration))}s",
        "--latency",
        "--timeout",
        f"{REQUEST_TIMEOUT:.0f}s",
        url,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    result = parse_wrk(done.stdout)
    result["generator"] = "wrk"
    return result


def print_machine(context: dict, base_url: str, workers: int, env: dict, extra: str = "") -> None:
    """The lines every benchmark prints before its figures: the machine, its load, the server."""
    print(
        f"machine: nproc={context['nproc']} cpu={context['cpu']!r} python={context['python']} "
        f"django={context['versions']['django']} gunicorn={context['versions']['gunicorn']}"
    )
    load = context["loadavg_before"]
    busy = load and load[0] > 0.5 * context["nproc"]
    print(
        f"load average before: {load}{'  WARNING: the machine is busy; figures will be noisy' if busy else ''}"
    )
    print(
        f"server:  {base_url}  workers={workers} (sync)  database={context['database']}  "
        f"var={env['TONGBAN_VAR_DIR']}{extra}"
    )


def _percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(q / 100 * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _measure_python(url: str, concurrency: int, duration: float) -> dict:
    """Closed-loop load: ``concurrency`` threads, each with a persistent connection, for ``duration`` s."""
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    timing = {"start": 0.0, "deadline": 0.0}
    go = threading.Event()
    results: list[tuple[list[float], int, int, float]] = [([], 0, 0, 0.0)] * concurrency

    def client(index: int) -> None:
        latencies: list[float] = []
        non_2xx = errors = 0
        conn = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
        go.wait()
        deadline = timing["deadline"]
        try:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    conn.request("GET", path, headers={"Accept-Encoding": "identity"})
                    resp = conn.getresponse()
                    resp.read()
                    latencies.append((time.perf_counter() - t0) * 1000.0)
                    if not 200 <= resp.status < 300:
                        non_2xx += 1
                    if resp.will_close:  # gunicorn sync workers close after every response
                        conn.close()  # http.client reconnects on the next request
                except (OSError, http.client.HTTPException):
                    errors += 1
                    conn.close()
                    # A refused/reset connection must not turn into a hot loop of instant failures.
                    time.sleep(0.01)
        finally:
            conn.close()
            results[index] = (latencies, non_2xx, errors, time.perf_counter())

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    timing["start"] = start = time.perf_counter()
    timing["deadline"] = start + duration
    go.set()
    for thread in threads:
        thread.join(timeout=duration + REQUEST_TIMEOUT + 5)
    latencies = sorted(lat for res in results for lat in res[0])
    end = max(max(res[3] for res in results), start)
    elapsed = max(end - start, 1e-9)
    non_2xx = sum(res[1] for res in results)
    socket_errors = sum(res[2] for res in results)
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": _percentile(latencies, 50),
        "p99_ms": _percentile(latencies, 99),
        "requests": len(latencies),
        "non_2xx": non_2xx,
        "socket_errors": socket_errors,
        "errors": non_2xx + socket_errors,
        "generator": "python",
    }


def load_generator(preference: str = "auto") -> str:
    """``wrk`` when requested or on PATH (for ``auto``), else ``python``."""
    if preference == "python":
        return "python"
    if shutil.which("wrk"):
        return "wrk"
    if preference == "wrk":
        raise RuntimeError("wrk is not on PATH (apt-get install wrk), or use --generator python")
    return "python"


def measure(url: str, concurrency: int = 32, duration: float = 10, generator: str = "auto") -> dict:
    """Load ``url`` (a 127.0.0.1 URL) for ``duration`` seconds with ``concurrency`` connections.

    Returns ``dict(rps, p50_ms, p99_ms, errors, generator, requests, non_2xx, socket_errors)``; ``errors``
    is non-2xx responses (wrk: non-2xx-or-3xx) plus socket errors and timeouts (10 s per request).
    """
    if urlsplit(url).hostname != LOOPBACK:
        raise ValueError(f"only {LOOPBACK} may be loaded, not {url!r}")
    if load_generator(generator) == "wrk":
        return _measure_wrk(shutil.which("wrk"), url, concurrency, duration)
    return _measure_python(url, concurrency, duration)


# --- the benchmark ------------------------------------------------------------------------------------


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("django", "gunicorn", "psycopg"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def machine_context(env: dict, workers: int, generator: str) -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk_version = None
    if generator == "wrk":
        done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=10, check=False)
        wrk_version = (
            (done.stdout or done.stderr).splitlines()[0].strip() if (done.stdout or done.stderr) else None
        )
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "database": database_engine(env),
        "workers": workers,
        "worker_class": "sync",
        "generator": generator,
        "wrk": wrk_version,
        "versions": _versions(),
        "loadavg_before": _loadavg(),
    }


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _summarise(runs: list[dict]) -> dict:
    rps = [run["rps"] for run in runs]
    return {
        "rps_median": statistics.median(rps),
        "rps_min": min(rps),
        "rps_max": max(rps),
        "p50_ms": statistics.median(run["p50_ms"] for run in runs),
        "p99_ms": statistics.median(run["p99_ms"] for run in runs),
        "requests": sum(run["requests"] for run in runs),
        "non_2xx": sum(run["non_2xx"] for run in runs),
        "socket_errors": sum(run["socket_errors"] for run in runs),
        "errors": sum(run["errors"] for run in runs),
        "runs": runs,
    }


def _probe(base_url: str, path: str) -> dict:
    status, headers, body = http_get(base_url, path)
    text = body.decode("utf-8", errors="replace")
    return {
        "status": status,
        "content_type": headers.get("content-type", ""),
        "bytes": len(body),
        "has_chinese": bool(re.search(r"[\u4e00-\u9fff]", text)),
    }


def print_table(results: dict) -> None:
    header = ("endpoint", "req/s median (min–max)", "p50 ms", "p99 ms", "ratio", "errors")
    rows = []
    for path, res in results.items():
        rows.append(
            (
                f"GET {path}",
                f"{res['rps_median']:.0f} ({res['rps_min']:.0f}–{res['rps_max']:.0f})",
                f"{res['p50_ms']:.2f}",
                f"{res['p99_ms']:.2f}",
                f"{res['ratio_to_floor']:.3f}",
                f"{res['non_2xx']} non-2xx, {res['socket_errors']} socket",
            )
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:-1], widths[1:-1], strict=True)]
        print("  ".join([*cells, row[-1]]))


def _server_problems(env: dict) -> list[str]:
    """Lines of the server log that point at trouble (tracebacks, errors, worker timeouts)."""
    try:
        lines = server_log_path(env).read_text(errors="replace").splitlines()
    except OSError:
        return []
    pattern = re.compile(
        r"\bERROR\b|CRITICAL|WORKER TIMEOUT|was sent SIGKILL|failed to boot|exited with code"
        r"|^[\w.]+(?:Error|Exception|Exit): "
    )
    return [line for line in lines if pattern.search(line)]


def _worker_restarts(env: dict) -> int:
    """How often gunicorn recycled a worker (--max-requests) while the benchmark ran."""
    try:
        return server_log_path(env).read_text(errors="replace").count("Autorestarting worker")
    except OSError:
        return 0


def run(args: argparse.Namespace) -> int:
    loadavg = _loadavg()  # before our own setup work adds to it
    generator = load_generator(args.generator)
    database_url = args.database_url or None
    print(f"preparing an isolated environment ({database_url or 'SQLite'}) ...", flush=True)
    extra_env = dict(item.split("=", 1) for item in args.env)
    for key, value in extra_env.items():
        print(f"extra environment: {key}={value}")
    env = prepare_env(database_url, extra_env)
    try:
        return _run_in(env, args, generator, database_url, loadavg)
    finally:
        if args.keep:
            print(f"kept {env['TONGBAN_VAR_DIR']}")
        else:
            cleanup_env(env)


def _run_in(
    env: dict, args: argparse.Namespace, generator: str, database_url: str | None, loadavg: list | None
) -> int:
    context = machine_context(env, args.workers, generator)
    context["loadavg_before"] = loadavg
    print(f"starting `tongban serve` with {args.workers} workers ...", flush=True)
    proc, base_url = start_server(env, args.workers)
    try:
        probes = {path: _probe(base_url, path) for path, _ in ENDPOINTS}
        print()
        print_machine(context, base_url, args.workers, env)
        wrk = f" ({context['wrk']})" if context["wrk"] else ""
        print(
            f"load:    generator={generator}{wrk}  concurrency={args.concurrency}  duration={args.duration}s  "
            f"repeats={args.repeats}  warm-up={args.warmup}s"
        )
        for path, probe in probes.items():
            chinese = " (Chinese text)" if probe["has_chinese"] else ""
            print(
                f"probe:   GET {path} -> {probe['status']} {probe['content_type']} {probe['bytes']} bytes{chinese}"
            )
        print(flush=True)
        results: dict[str, dict] = {}
        for path, _ in ENDPOINTS:
            url = base_url + path
            if args.warmup > 0:
                measure(url, args.concurrency, args.warmup, generator)
            runs = []
            for i in range(args.repeats):
                res = measure(url, args.concurrency, args.duration, generator)
                runs.append(res)
                print(
                    f"  GET {path:<12} run {i + 1}/{args.repeats}: {res['rps']:8.1f} req/s  "
                    f"p50 {res['p50_ms']:7.2f} ms  p99 {res['p99_ms']:7.2f} ms  errors {res['errors']}",
                    flush=True,
                )
            results[path] = _summarise(runs)
    finally:
        stop_server(proc)
    floor = results[ENDPOINTS[0][0]]["rps_median"]
    for res in results.values():
        res["ratio_to_floor"] = res["rps_median"] / floor if floor else float("nan")
    print()
    print_table(results)
    problems = _server_problems(env)
    restarts = _worker_restarts(env)
    report = {
        "benchmark": "http_floor",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": context,
        "config": {
            "workers": args.workers,
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "repeats": args.repeats,
            "warmup_s": args.warmup,
            "generator": generator,
            "database": "postgresql" if database_url else "sqlite (temporary)",
            "extra_env": dict(item.split("=", 1) for item in args.env),
        },
        "probes": probes,
        "results": results,
        "floor_rps": floor,
        "server_log_problems": problems[:50],
        "worker_restarts": restarts,
        "loadavg_after": _loadavg(),
    }
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print()
    print(f"results written to {out}")
    if restarts:
        print(f"note: gunicorn recycled a worker {restarts} time(s) during the run (--max-requests)")
    if problems:
        # Same message, different timestamps and request ids: count them once.
        distinct = Counter(re.sub(r"^\S+ \S+ (\w+) \[\w+\]", r"\1", line).strip() for line in problems)
        print(f"server log: {len(problems)} problem line(s) (--keep keeps server.log):")
        for line, count in distinct.most_common(10):
            print(f"  {count:6d} x {line}")
    total_errors = sum(res["errors"] for res in results.values())
    bad_probes = [path for path, probe in probes.items() if not 200 <= probe["status"] < 300]
    if total_errors or bad_probes:
        print(f"FAILED: {total_errors} errors/non-2xx responses; non-2xx probes: {bad_probes or 'none'}")
        return 1
    return 0


def load_results(path: Path = RESULTS_PATH) -> dict:
    """The last report written by this benchmark (keys: machine, config, probes, results, floor_rps)."""
    return json.loads(Path(path).read_text())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", ""),
        help="database to use (default: BENCH_DATABASE_URL, else SQLite in a temporary dir); "
        "a PostgreSQL database is created when missing",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run (default 10)")
    parser.add_argument("--repeats", type=int, default=3, help="measured runs per endpoint (default 3)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per endpoint (default 2)")
    parser.add_argument(
        "--generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator (auto: wrk if on PATH)",
    )
    parser.add_argument(
        "--json", default=str(RESULTS_PATH), help=f"where to write the JSON (default {RESULTS_PATH})"
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment variable for the server (repeatable), e.g. TONGBAN_LOG_LEVEL=WARNING",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary var dir (server.log, SQLite)")
    return parser


def _interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def run_guarded(run, args) -> int:
    """Run a benchmark so that the server is always stopped: Ctrl-C, kill and hang-up unwind through the
    `finally` blocks that stop it (SIGINT is set explicitly because a shell starting us in the background
    would have it ignored), and errors end in one line with exit status 2. Every benchmark's main uses it."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    try:
        return run(args)
    except KeyboardInterrupt as exc:
        print(f"\ninterrupted ({exc or 'SIGINT'}); server stopped, temporary files removed", file=sys.stderr)
        return 130
    except (RuntimeError, ValueError, OSError, subprocess.SubprocessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if any("=" not in item or not item.split("=", 1)[0] for item in args.env):
        raise SystemExit("--env takes KEY=VALUE")
    if min(args.workers, args.concurrency, args.duration, args.repeats) < 1 or args.warmup < 0:
        raise SystemExit("workers, concurrency, duration and repeats must be at least 1; warm-up at least 0")
    return run_guarded(run, args)


if __name__ == "__main__":
    sys.exit(main())
