"""``tongban serve`` (gunicorn) started on a free loopback port and always stopped; one HTTP request; the
server log."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from bench.harness.env import ROOT, tongban_bin

LOOPBACK = "127.0.0.1"
REQUEST_TIMEOUT = 10.0  # seconds, for every single request
HEALTH_TIMEOUT = 60.0  # seconds for the server to answer /api/health after start


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def http_request(
    base_url: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict | None = None,
    timeout: float = REQUEST_TIMEOUT,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request on a new connection, without proxies (urllib would honour http_proxy):
    (status, headers as sent, body)."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def http_get(base_url: str, path: str, timeout: float = REQUEST_TIMEOUT) -> tuple[int, dict, bytes]:
    """One GET: (status, headers by lower-case name, body)."""
    status, headers, body = http_request(base_url, "GET", path, timeout=timeout)
    return status, {k.lower(): v for k, v in headers}, body


def probe(base_url: str, path: str) -> dict:
    """Status, content type, size and whether a GET answers Chinese text."""
    status, headers, body = http_get(base_url, path)
    text = body.decode("utf-8", errors="replace")
    return {
        "status": status,
        "content_type": headers.get("content-type", ""),
        "bytes": len(body),
        "has_chinese": bool(re.search(r"[\u4e00-\u9fff]", text)),
    }


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
    port = free_port()
    base_url = f"http://{LOOPBACK}:{port}"
    argv = [tongban_bin(), "serve", "--bind", f"{LOOPBACK}:{port}", "--workers", str(workers)]
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


@contextlib.contextmanager
def running_server(env: dict, workers: int):
    """``with running_server(env, workers) as (proc, base_url):`` — stopped on the way out, whatever happens."""
    proc, base_url = start_server(env, workers)
    try:
        yield proc, base_url
    finally:
        stop_server(proc)


def server_problems(env: dict) -> list[str]:
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


def worker_restarts(env: dict) -> int:
    """How often gunicorn recycled a worker (--max-requests) while the benchmark ran."""
    try:
        return server_log_path(env).read_text(errors="replace").count("Autorestarting worker")
    except OSError:
        return 0


def print_server_log(problems: list[str], restarts: int) -> None:
    """The notes on the server log every benchmark ends with: recycled workers and problem lines (the same
    message with other timestamps and request ids counted once)."""
    if restarts:
        print(f"note: gunicorn recycled a worker {restarts} time(s) during the run (--max-requests)")
    if problems:
        distinct = Counter(re.sub(r"^\S+ \S+ (\w+) \[\w+\]", r"\1", line).strip() for line in problems)
        print(f"server log: {len(problems)} problem line(s) (--keep keeps server.log):")
        for line, count in distinct.most_common(10):
            print(f"  {count:6d} x {line}")
