"""What every benchmark reports the same way: the machine, summaries of repeated runs, tables (aligned for
Chinese text), aims, and the JSON results with the notes on the server log."""

from __future__ import annotations

import json
import os
import platform
import statistics
from pathlib import Path

from bench.harness.env import database_engine
from bench.harness.load import percentile, wrk_version
from bench.harness.server import print_server_log, server_problems, worker_restarts


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def nproc() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def versions() -> dict:
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
    return {
        "nproc": nproc(),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "database": database_engine(env),
        "workers": workers,
        "worker_class": "sync",
        "generator": generator,
        "wrk": wrk_version() if generator == "wrk" else None,
        "versions": versions(),
        "loadavg_before": loadavg(),
    }


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


def print_load_line(generator: str, args, note: str = "") -> None:
    print(
        f"load:    generator={generator}{note}  concurrency={args.concurrency}  duration={args.duration}s  "
        f"repeats={args.repeats}  warm-up={args.warmup}s",
        flush=True,
    )


def print_run(label: str, i: int, repeats: int, res: dict, tail: str = "") -> None:
    """One line per measured run."""
    print(
        f"  {label} run {i + 1}/{repeats}: {res['rps']:8.1f} req/s  p50 {res['p50_ms']:7.2f} ms  "
        f"p99 {res['p99_ms']:7.2f} ms  {tail or 'errors ' + str(res['errors'])}",
        flush=True,
    )


# --- summaries ------------------------------------------------------------------------------------------


def summarise(runs: list[dict], **extra) -> dict:
    """Repeated runs of one load: req/s median (min–max), the medians of p50 and p99, the sums of requests
    and errors, then ``extra``, then the runs themselves."""
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
        **extra,
        "runs": runs,
    }


def merge_problems(runs: list[dict]) -> dict:
    """The problems of several runs (``{why: {count, sample}}``) added up."""
    problems: dict[str, dict] = {}
    for run in runs:
        for why, p in (run.get("problems") or {}).items():
            problems.setdefault(why, {"count": 0, "sample": p["sample"]})["count"] += p["count"]
    return problems


def add_ratio(results: dict, floor: float) -> None:
    for res in results.values():
        res["ratio_to_floor"] = res["rps_median"] / floor if floor else float("nan")


def stats(values: list[float]) -> dict:
    values = sorted(values)
    return {
        "n": len(values),
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "p99_ms": percentile(values, 99),
        "max_ms": values[-1] if values else float("nan"),
    }


# --- tables ---------------------------------------------------------------------------------------------


def width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def ljust(text: str, size: int) -> str:
    return text + " " * (size - width(text))


def rjust(text: str, size: int) -> str:
    return " " * (size - width(text)) + text


def table(
    header: tuple, rows: list[tuple], left: int = 1, last_raw: bool = False, header_right: bool = False
) -> None:
    """A table: the first ``left`` columns left-aligned, the others right-aligned (the last one as it is with
    ``last_raw``), a rule under the header (right-aligned with ``header_right``)."""
    widths = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    align = rjust if header_right else ljust
    print("  ".join(align(h, w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        cells = [ljust(c, w) for c, w in zip(row[:left], widths[:left], strict=True)]
        cells += [rjust(c, w) for c, w in zip(row[left:], widths[left:], strict=True)]
        if last_raw and len(row) > left:
            cells[-1] = row[-1]
        print("  ".join(cells))


def aim(ok: bool) -> str:
    return "pass" if ok else "MISS"


def print_endpoints(results: dict) -> None:
    """The throughput table of GET endpoints: req/s, p50, p99, ratio to the floor, errors."""
    header = ("endpoint", "req/s median (min–max)", "p50 ms", "p99 ms", "ratio", "errors")
    rows = [
        (
            f"GET {label}",
            f"{res['rps_median']:.0f} ({res['rps_min']:.0f}–{res['rps_max']:.0f})",
            f"{res['p50_ms']:.2f}",
            f"{res['p99_ms']:.2f}",
            f"{res['ratio_to_floor']:.3f}",
            f"{res['non_2xx']} non-2xx, {res['socket_errors']} socket",
        )
        for label, res in results.items()
    ]
    table(header, rows, last_raw=True)


# --- the results ----------------------------------------------------------------------------------------


def write_json(report: dict, path) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n")
    return out


def finish_report(report: dict, env: dict | None, path) -> None:
    """Add the server log's problems and recycled workers (when a server ran) and the load average after,
    write the JSON, and print where it went and the notes on the server log."""
    problems = server_problems(env) if env else []
    restarts = worker_restarts(env) if env else 0
    if env:
        report["server_log_problems"] = problems[:50]
        report["worker_restarts"] = restarts
    report["loadavg_after"] = loadavg()
    out = write_json(report, path)
    print()
    print(f"results written to {out}")
    print_server_log(problems, restarts)
