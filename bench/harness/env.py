"""The isolated environment a benchmark runs the ``tongban`` command in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent.parent
SETUP_TIMEOUT = 600  # seconds for `tongban migrate` / `tongban demo`
VAR_PREFIX = "tongban-bench-"

# The signing keys kept on a benchmark's database are encrypted at rest; every run has a new temporary var dir
# (so a new SECRET_KEY, from which the default key-encryption key is derived): a fixed, bench-only key keeps
# them usable from one run to the next. Not a secret: it protects the keys of a benchmark database only.
BENCH_KEY_ENCRYPTION_KEY = "3mLE5NGk18aYm6VZZlLtFDPuCyR7B3mXIUk9dmOtjqc="

# Variables from the caller's environment that would leak into the isolated one.
SCRUBBED = {
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
}


def tongban_bin() -> str:
    for candidate in (ROOT / ".venv" / "bin" / "tongban", Path(sys.executable).parent / "tongban"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("tongban")
    if not found:
        raise RuntimeError("cannot find the `tongban` command; run `make install` first")
    return found


def is_postgres(url: str | None) -> bool:
    return bool(url) and url.startswith(("postgres://", "postgresql://"))


def with_suffix(url: str, suffix: str) -> str:
    """The database URL with ``suffix`` appended to the database name."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + suffix, parts.query, ""))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def ensure_postgres_database(database_url: str) -> None:
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


def isolated_environ(database_url: str, var_dir: Path, extra_env: dict | None = None) -> dict:
    """The caller's environment without the variables that would leak in (``SCRUBBED``, every ``TONGBAN_*``),
    with the database, the var dir and ``extra_env``."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED and not k.startswith("TONGBAN_")}
    env["TONGBAN_VAR_DIR"] = str(var_dir)
    env["DATABASE_URL"] = database_url
    env.update(extra_env or {})
    return env


def tongban(env: dict, *argv: str, timeout: float = SETUP_TIMEOUT) -> None:
    """Run ``tongban ARGV`` in ``env``; an error names the command and shows its output."""
    done = subprocess.run(
        [tongban_bin(), *argv],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def migrate(env: dict) -> None:
    """``tongban migrate`` on the environment's database (a PostgreSQL database is created when missing)."""
    if is_postgres(env.get("DATABASE_URL")):
        ensure_postgres_database(env["DATABASE_URL"])
    tongban(env, "migrate", "--verbosity", "0")


def prepare_env(database_url: str | None = None, extra_env: dict | None = None) -> dict:
    """An isolated environment for the `tongban` command, with migrations applied and demo data loaded.

    A fresh temporary var dir (TONGBAN_VAR_DIR), TONGBAN_DEMO=1, and DATABASE_URL: SQLite in the var dir
    unless ``database_url`` is given (a PostgreSQL database is created when missing), then ``extra_env``.
    Remove the var dir with ``cleanup_env(env)``.
    """
    if is_postgres(database_url):
        ensure_postgres_database(database_url)
    tongban_bin()
    var_dir = Path(tempfile.mkdtemp(prefix=VAR_PREFIX))
    # gunicorn >= 25 puts its control socket in $XDG_RUNTIME_DIR (else ~/.gunicorn/gunicorn.ctl, shared by
    # every gunicorn of the user, e.g. a `make run` server): keep ours in the var dir.
    base = {"TONGBAN_DEMO": "1", "XDG_RUNTIME_DIR": str(var_dir)}
    env = isolated_environ(database_url or f"sqlite:///{var_dir / 'tongban.sqlite3'}", var_dir, base)
    env.update(extra_env or {})
    try:
        tongban(env, "migrate", "--verbosity", "0")
        tongban(env, "demo")
    except BaseException:
        shutil.rmtree(var_dir, ignore_errors=True)
        raise
    return env


def cleanup_env(env: dict) -> None:
    """Remove the temporary var dir made by prepare_env (the PostgreSQL database is kept)."""
    var_dir = env.get("TONGBAN_VAR_DIR", "")
    if var_dir and Path(var_dir).name.startswith(VAR_PREFIX):
        shutil.rmtree(var_dir, ignore_errors=True)


def database_engine(env: dict) -> str:
    """Human description of the database in ``env``, e.g. ``sqlite 3.45.1`` or ``postgresql 16.4``."""
    url = env.get("DATABASE_URL", "")
    if url.startswith("sqlite"):
        import sqlite3

        return f"sqlite {sqlite3.sqlite_version}"
    if is_postgres(url):
        try:
            import psycopg

            with psycopg.connect(url, connect_timeout=10) as conn:
                version = conn.execute("SHOW server_version").fetchone()[0]
            return f"postgresql {version.split()[0]}"
        except Exception as exc:
            return f"postgresql (version unknown: {exc.__class__.__name__})"
    return url.split(":", 1)[0] or "unknown"
