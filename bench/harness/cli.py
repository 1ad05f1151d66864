"""The command line every benchmark shares: its options, the checks of their values, and ``main``, which runs
a benchmark so that its server is always stopped."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys


def new_parser(doc: str) -> argparse.ArgumentParser:
    """A parser described by the first paragraph of the benchmark's docstring."""
    return argparse.ArgumentParser(description=doc.split("\n\n")[0])


def add_database(parser, env_var: str, default: str, help_text: str) -> None:
    """``--database-url``, defaulting to ``$env_var``, else ``default``."""
    parser.add_argument("--database-url", default=os.environ.get(env_var, default), help=help_text)


def add_database_or_sqlite(parser, note: str = "") -> None:
    """``--database-url``: ``$BENCH_DATABASE_URL``, else SQLite in the temporary var dir."""
    add_database(
        parser,
        "BENCH_DATABASE_URL",
        "",
        "database to use (default: BENCH_DATABASE_URL, else SQLite in a temporary dir); "
        f"a PostgreSQL database is created when missing{note}",
    )


def concurrency_list(text: str) -> list[int]:
    values = [int(x) for x in text.split(",") if x.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive numbers, e.g. 8,16,32")
    return values


def add_load_options(parser, concurrency, per: str = "endpoint", generator: bool = False) -> None:
    """``--workers``, ``--concurrency`` (a number, or a comma-separated list when ``concurrency`` is a
    list), ``--duration``, ``--repeats`` (runs per ``per``), ``--warmup``; ``--generator`` when asked."""
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    if isinstance(concurrency, list):
        text = ",".join(str(c) for c in concurrency)
        parser.add_argument(
            "--concurrency",
            type=concurrency_list,
            default=concurrency,
            help=f"clients, comma-separated (default {text})",
        )
    else:
        parser.add_argument(
            "--concurrency",
            type=int,
            default=concurrency,
            help=f"concurrent connections (default {concurrency})",
        )
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run (default 10)")
    parser.add_argument("--repeats", type=int, default=3, help=f"measured runs per {per} (default 3)")
    parser.add_argument("--warmup", type=int, default=2, help=f"warm-up seconds per {per} (default 2)")
    if generator:
        parser.add_argument(
            "--generator",
            choices=["auto", "wrk", "python"],
            default="auto",
            help="load generator (auto: wrk if on PATH)",
        )


def add_output_options(parser, results_path, keep: str | None = "the temporary var dir (server.log)") -> None:
    """``--json`` (default ``results_path``), and with a server, ``--env KEY=VALUE`` and ``--keep``."""
    parser.add_argument(
        "--json", default=str(results_path), help=f"where to write the JSON (default {results_path})"
    )
    if keep is None:
        return
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment variable for migrate/demo/server (repeatable), e.g. TONGBAN_LOG_LEVEL=WARNING",
    )
    parser.add_argument("--keep", action="store_true", help=f"keep {keep}")


def env_pairs(items: list[str]) -> dict:
    """``--env`` items as a dict (checked by ``check_args``)."""
    return dict(item.split("=", 1) for item in items)


def check_args(args, positive: tuple = (), at_least_zero: tuple = ()) -> None:
    """Exit with a message when an ``--env`` item is not KEY=VALUE, or a named option is out of range."""
    if any("=" not in item or not item.split("=", 1)[0] for item in getattr(args, "env", [])):
        raise SystemExit("--env takes KEY=VALUE")
    values = {name: getattr(args, name) for name in positive}
    values = {k: min(v) if isinstance(v, list) else v for k, v in values.items()}
    if any(v < 1 for v in values.values()):
        raise SystemExit(f"{', '.join(n.replace('_', '-') for n in positive)} must be at least 1")
    if any(getattr(args, name) < 0 for name in at_least_zero):
        raise SystemExit(f"{', '.join(n.replace('_', '-') for n in at_least_zero)} must be at least 0")


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


def main(argv, build_parser, run, check=None, child_main=None) -> int:
    """A benchmark's ``main``: ``--child …`` goes to ``child_main``; else the options are parsed, checked by
    ``check(args)`` (which raises SystemExit), and ``run(args)`` runs guarded."""
    argv = sys.argv[1:] if argv is None else argv
    if child_main is not None and argv[:1] == ["--child"]:
        return child_main(argv[1:])
    args = build_parser().parse_args(argv)
    if check is not None:
        check(args)
    return run_guarded(run, args)
