"""HTTP floor benchmark: how fast the production server answers its cheapest request, and the home page.

`make bench` runs this file. It prepares an isolated environment (a temporary var dir, demo data, SQLite
by default or the PostgreSQL database given by --database-url / BENCH_DATABASE_URL), starts
`tongban serve` (gunicorn) on a free 127.0.0.1 port, and loads it with wrk when it is installed, or else
with a pure-Python load generator. It measures ``GET /api/health`` (the floor: one ``SELECT 1``) and
``GET /`` (the Chinese home page) and reports req/s, p50 and p99 latency and the ratio to the floor.

The helpers it uses are the shared harness of every benchmark, ``bench/harness/``::

    from bench.harness.env import cleanup_env, prepare_env
    from bench.harness.load import measure
    from bench.harness.server import start_server, stop_server

    env = prepare_env()                      # or prepare_env("postgres://postgres@127.0.0.1:5432/x")
    proc, base_url = start_server(env, workers=2)
    try:
        result = measure(base_url + "/api/health", concurrency=32, duration=10)
    finally:
        stop_server(proc)
        cleanup_env(env)
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/http_floor.py`
    sys.path.insert(0, str(ROOT))

from bench.harness import cli  # noqa: E402
from bench.harness.env import cleanup_env, prepare_env  # noqa: E402
from bench.harness.load import load_generator, measure  # noqa: E402
from bench.harness.report import (  # noqa: E402
    add_ratio,
    finish_report,
    ljust,
    loadavg,
    machine_context,
    print_endpoints,
    print_load_line,
    print_machine,
    print_run,
    summarise,
)
from bench.harness.server import probe, running_server  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "http_floor.json"
ENDPOINTS = [("/api/health", "floor: one SELECT 1"), ("/", "home page (Chinese HTML)")]


def measure_endpoints(
    base_url: str, endpoints: list[tuple[str, str]], args, generator: str, width: int = 12
) -> dict:
    """Each endpoint ``(path, label)`` loaded after a warm-up, ``args.repeats`` times, one line per run
    (labels padded to ``width`` columns): ``{label: summary}``. Shared with catalog.py."""
    results: dict[str, dict] = {}
    for path, label in endpoints:
        url = base_url + path
        if args.warmup > 0:
            measure(url, args.concurrency, args.warmup, generator)
        runs = []
        for i in range(args.repeats):
            res = measure(url, args.concurrency, args.duration, generator)
            runs.append(res)
            print_run(f"GET {ljust(label, width)}", i, args.repeats, res)
        results[label] = summarise(runs)
    return results


def run(args) -> int:
    before = loadavg()  # before our own setup work adds to it
    generator = load_generator(args.generator)
    database_url = args.database_url or None
    print(f"preparing an isolated environment ({database_url or 'SQLite'}) ...", flush=True)
    extra_env = cli.env_pairs(args.env)
    for key, value in extra_env.items():
        print(f"extra environment: {key}={value}")
    env = prepare_env(database_url, extra_env)
    try:
        return _run_in(env, args, generator, database_url, before)
    finally:
        if args.keep:
            print(f"kept {env['TONGBAN_VAR_DIR']}")
        else:
            cleanup_env(env)


def _run_in(env: dict, args, generator: str, database_url: str | None, before: list | None) -> int:
    context = machine_context(env, args.workers, generator)
    context["loadavg_before"] = before
    print(f"starting `tongban serve` with {args.workers} workers ...", flush=True)
    with running_server(env, args.workers) as (_proc, base_url):
        probes = {path: probe(base_url, path) for path, _ in ENDPOINTS}
        print()
        print_machine(context, base_url, args.workers, env)
        print_load_line(generator, args, f" ({context['wrk']})" if context["wrk"] else "")
        for path, found in probes.items():
            chinese = " (Chinese text)" if found["has_chinese"] else ""
            print(
                f"probe:   GET {path} -> {found['status']} {found['content_type']} {found['bytes']} bytes{chinese}"
            )
        print(flush=True)
        results = measure_endpoints(base_url, [(path, path) for path, _ in ENDPOINTS], args, generator)
    floor = results[ENDPOINTS[0][0]]["rps_median"]
    add_ratio(results, floor)
    print()
    print_endpoints(results)
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
            "extra_env": cli.env_pairs(args.env),
        },
        "probes": probes,
        "results": results,
        "floor_rps": floor,
    }
    finish_report(report, env, args.json)
    total_errors = sum(res["errors"] for res in results.values())
    bad_probes = [path for path, found in probes.items() if not 200 <= found["status"] < 300]
    if total_errors or bad_probes:
        print(f"FAILED: {total_errors} errors/non-2xx responses; non-2xx probes: {bad_probes or 'none'}")
        return 1
    return 0


def load_results(path: Path = RESULTS_PATH) -> dict:
    """The last report written by this benchmark (keys: machine, config, probes, results, floor_rps)."""
    return json.loads(Path(path).read_text())


def build_parser():
    parser = cli.new_parser(__doc__)
    cli.add_database_or_sqlite(parser)
    cli.add_load_options(parser, 32, generator=True)
    cli.add_output_options(parser, RESULTS_PATH, keep="the temporary var dir (server.log, SQLite)")
    return parser


def check(args) -> None:
    cli.check_args(
        args, positive=("workers", "concurrency", "duration", "repeats"), at_least_zero=("warmup",)
    )


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, build_parser, run, check)


if __name__ == "__main__":
    sys.exit(main())
