"""The load generators: wrk when it is installed, else a Python generator of one thread and one persistent
connection per client, in a closed loop (each client sends as soon as its last answer came) or an open loop
(a fixed schedule of ``rate`` requests/s shared by the threads; the latency counts from the time a request
was due, so a server that falls behind shows its queue). Only loopback addresses are loaded."""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.harness.server import LOOPBACK, REQUEST_TIMEOUT


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(q / 100 * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


# --- wrk ------------------------------------------------------------------------------------------------

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


def wrk_version() -> str | None:
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=10, check=False)
    text = done.stdout or done.stderr
    return text.splitlines()[0].strip() if text else None


def load_generator(preference: str = "auto") -> str:
    """``wrk`` when requested or on PATH (for ``auto``), else ``python``."""
    if preference == "python":
        return "python"
    if shutil.which("wrk"):
        return "wrk"
    if preference == "wrk":
        raise RuntimeError("wrk is not on PATH (apt-get install wrk), or use --generator python")
    return "python"


# --- the Python generator ------------------------------------------------------------------------------


class Schedule:
    """When the clients' requests are due: closed loop (``rate`` None: now, until ``duration`` is over) or
    open loop (request k at ``start + k / rate``). The clients wait for ``begin()``."""

    def __init__(self, duration: float, rate: float | None = None):
        self.duration, self.rate = duration, rate
        self.start = self.deadline = 0.0
        self._go = threading.Event()
        self._lock = threading.Lock()
        self._k = 0

    def begin(self, delay: float = 0.0) -> float:
        self.start = time.perf_counter() + delay
        self.deadline = self.start + self.duration
        self._go.set()
        return self.start

    def wait(self) -> None:
        self._go.wait()

    def next_due(self) -> float | None:
        """The time the next request is due (0.0 in a closed loop: now), or None when the run is over."""
        if self.rate is None:
            return 0.0 if time.perf_counter() < self.deadline else None
        with self._lock:
            k = self._k
            self._k += 1
        due = self.start + k / self.rate
        return due if due < self.deadline else None


@dataclass
class ClientResult:
    """What one client thread saw: latencies (open loop: from the time due), service times (from sending),
    answers by status, problems by kind ([count, a sample]), socket errors and timeouts, when it ended."""

    latencies: list = field(default_factory=list)
    service: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    problems: dict = field(default_factory=dict)
    errors: int = 0
    ran_out: bool = False
    end: float = 0.0

    def problem(self, why: str, sample: str) -> None:
        self.problems.setdefault(why, [0, sample])[0] += 1


def run_clients(threads: int, schedule: Schedule, client, delay: float = 0.05) -> tuple[list, float]:
    """Start ``threads`` threads running ``client(index, schedule) -> ClientResult``, begin the schedule
    ``delay`` seconds later, wait for them: (their results, the start time)."""
    results: list = [ClientResult() for _ in range(threads)]

    def run(index: int) -> None:
        try:
            results[index] = client(index, schedule)
        finally:
            results[index].end = results[index].end or time.perf_counter()

    workers = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    start = schedule.begin(delay)
    for worker in workers:
        worker.join(timeout=schedule.duration + delay + REQUEST_TIMEOUT + 10)
    return results, start


def aggregate(results: list, start: float) -> dict:
    """The figures of a run over all its clients. ``non_2xx``: answers with a problem (not socket errors)."""
    latencies = sorted(lat for res in results for lat in res.latencies)
    service = sorted(s for res in results for s in res.service)
    statuses: dict[int, int] = {}
    problems: dict[str, list] = {}
    for res in results:
        for code, count in res.statuses.items():
            statuses[code] = statuses.get(code, 0) + count
        for why, (count, sample) in res.problems.items():
            problems.setdefault(why, [0, sample])[0] += count
    end = max([res.end for res in results] + [start])
    elapsed = max(end - start, 1e-9)
    socket_errors = sum(res.errors for res in results)
    wrong = sum(count for why, (count, _s) in problems.items() if not why.startswith("socket"))
    return {
        "rps": len(latencies) / elapsed,
        "elapsed": elapsed,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "service_p50_ms": percentile(service, 50),
        "service_p99_ms": percentile(service, 99),
        "requests": len(latencies),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "problems": {why: {"count": c, "sample": s} for why, (c, s) in problems.items()},
        "non_2xx": wrong,
        "socket_errors": socket_errors,
        "errors": wrong + socket_errors,
        "ran_out": any(res.ran_out for res in results),
        "generator": "python",
    }


def _two_hundred(status: int, _body: bytes) -> str | None:
    return None if 200 <= status < 300 else str(status)


def http_client(base_url: str, next_request, check=_two_hundred, keep_samples: bool = False):
    """A client for ``run_clients``: one persistent connection (gunicorn's sync workers close it after every
    answer, and http.client reconnects), ``next_request(index) -> (method, path, body, headers)`` or None when
    there is no more work, each answer judged by ``check(status, body) -> problem or None``."""
    parts = urlsplit(base_url)
    if parts.hostname != LOOPBACK:
        raise ValueError(f"only {LOOPBACK} may be loaded, not {base_url!r}")
    host, port = parts.hostname, parts.port or 80

    def client(index: int, schedule: Schedule) -> ClientResult:
        out = ClientResult()
        latencies, service, statuses = out.latencies, out.service, out.statuses
        conn = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
        schedule.wait()
        try:
            while (due := schedule.next_due()) is not None:
                request = next_request(index)
                if request is None:
                    out.ran_out = True
                    break
                method, path, body, headers = request
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                t0 = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=headers)
                    resp = conn.getresponse()
                    content = resp.read()
                    end = time.perf_counter()
                    # Open loop: from the time the request was due (a queue shows); closed loop: from sending.
                    latencies.append((end - (due or t0)) * 1000.0)
                    service.append((end - t0) * 1000.0)
                    statuses[resp.status] = statuses.get(resp.status, 0) + 1
                    problem = check(resp.status, content)
                    if problem:
                        out.problem(problem, content[:300].decode("utf-8", "replace") if keep_samples else "")
                    if resp.will_close:  # gunicorn sync workers close after every response
                        conn.close()  # http.client reconnects on the next request
                except (OSError, http.client.HTTPException) as exc:
                    out.errors += 1
                    if keep_samples:
                        out.problem(f"socket {exc.__class__.__name__}", str(exc)[:200])
                    conn.close()
                    # A refused/reset connection must not turn into a hot loop of instant failures.
                    time.sleep(0.01)
        finally:
            conn.close()
            out.end = time.perf_counter()
        return out

    return client


def python_load(
    base_url: str, threads: int, duration: float, next_request, check=_two_hundred, rate=None, **kw
) -> dict:
    """HTTP load with the Python generator (see ``http_client``): closed loop, or open loop at ``rate``."""
    schedule = Schedule(duration, rate)
    results, start = run_clients(threads, schedule, http_client(base_url, next_request, check, **kw))
    return {**aggregate(results, start), "target_rate": rate}


def _measure_python(url: str, concurrency: int, duration: float) -> dict:
    """Closed-loop GET load: ``concurrency`` threads, each with a persistent connection."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = ("GET", path, None, {"Accept-Encoding": "identity"})
    schedule = Schedule(duration)
    client = http_client(f"{parts.scheme}://{parts.netloc}", lambda _i: request)
    res = aggregate(*run_clients(concurrency, schedule, client, delay=0.0))
    keys = ("rps", "p50_ms", "p99_ms", "requests", "non_2xx", "socket_errors", "errors", "generator")
    return {k: res[k] for k in keys}


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
