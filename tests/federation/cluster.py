"""Several Tongban deployments side by side, as a region would run them: each member its own PostgreSQL
database, var dir, web server (gunicorn, on a loopback port) and task worker, started from the installed
``tongban`` command with its own region code and base URL. Tests act on a member through its HTTP API and its
``tongban`` command, and read its database directly (psycopg) to check what it stored.

The databases are made from one migrated template (``CREATE DATABASE … TEMPLATE``), so a member costs a
second to make. A member can be stopped and started again mid-exchange (its database and var dir kept)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_KEK = "bWVtYmVycy1vZi1vbmUtdGVtcGxhdGUtc2hhcmUtaXQ="
DEMO_PASSWORD = "Tongban@2026"
BIN = Path(sys.executable).parent
NAMES = {
    "310000": ("上海市", "Shanghai"),
    "320000": ("江苏省", "Jiangsu"),
    "330000": ("浙江省", "Zhejiang"),
    "340000": ("安徽省", "Anhui"),
}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def pg_url(dbname: str) -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tongban")
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", "", ""))


def _admin():
    return psycopg.connect(pg_url("postgres"), autocommit=True)


def _drop(dbname: str) -> None:
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@dataclass
class Member:
    code: str
    root: Path
    template: str
    env_extra: dict = field(default_factory=dict)
    port: int = 0
    worker_interval: float = 0.1  # seconds between the worker's polls of an empty queue (production: 1)
    procs: list[subprocess.Popen] = field(default_factory=list)
    host: str = "127.0.0.1"

    def __post_init__(self) -> None:
        self.port = self.port or free_port(self.host)
        self.dbname = f"tongban_fed_{self.code}_{os.getpid()}"
        self.var = self.root / self.code
        self.var.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def name(self) -> str:
        return NAMES[self.code][0]

    def env(self) -> dict:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("TONGBAN_", "DJANGO_", "DATABASE_"))}
        name, name_en = NAMES[self.code]
        return {
            **keep,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}",
            "DATABASE_URL": pg_url(self.dbname),
            "TONGBAN_VAR_DIR": str(self.var),
            "TONGBAN_TASKS_BACKEND": "database",
            "TONGBAN_REGION_CODE": self.code,
            "TONGBAN_REGION_NAME": name,
            "TONGBAN_REGION_NAME_EN": name_en,
            "TONGBAN_PUBLIC_BASE_URL": self.url,
            "ALLOWED_HOSTS": f"{self.host},127.0.0.1,localhost",
            "TONGBAN_FEDERATION_REGION": "csj",
            "TONGBAN_FEDERATION_RETRY_MAX_SECONDS": "2",
            "TONGBAN_FEDERATION_HTTP_TIMEOUT": "5",
            "TONGBAN_DEMO": "1",
            "SECRET_KEY": f"federation-test-{self.code}-0123456789abcdef",
            # Every member is made from one template holding the demo's keys (seals, licences): they share the
            # key that encrypts private keys at rest, as restored copies of one backup would.
            "TONGBAN_KEY_ENCRYPTION_KEYS": TEMPLATE_KEK,
            **self.env_extra,
        }

    # --- lifecycle ---------------------------------------------------------------------------------------------
    def create(self) -> None:
        _drop(self.dbname)
        with _admin() as conn:
            conn.execute(f'CREATE DATABASE "{self.dbname}" TEMPLATE "{self.template}"')

    def start(self) -> None:
        env = self.env()
        log = open(self.var / "server.log", "ab")  # noqa: SIM115
        self.procs.append(
            subprocess.Popen(
                [
                    str(BIN / "tongban"),
                    "serve",
                    "--bind",
                    f"{self.host}:{self.port}",
                    "--workers",
                    "2",
                    "--no-collectstatic",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        wlog = open(self.var / "worker.log", "ab")  # noqa: SIM115
        self.procs.append(
            subprocess.Popen(
                [str(BIN / "tongban"), "worker", "--interval", str(self.worker_interval)],
                env=env,
                stdout=wlog,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/health", timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(
            f"member {self.code} did not start: {(self.var / 'server.log').read_text()[-3000:]}"
        )

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs = []

    def destroy(self) -> None:
        self.stop()
        _drop(self.dbname)

    # --- acting on it ------------------------------------------------------------------------------------------
    def tongban(
        self, *args: str, input: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(BIN / "tongban"), *args],
            env=self.env(),
            capture_output=True,
            text=True,
            input=input,
            timeout=180,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"tongban {' '.join(args)} on {self.code}: {done.stdout}\n{done.stderr}")
        return done

    def python(self, code: str) -> str:
        """Run ``code`` in the member's Django (what its operator would do in `tongban manage shell`)."""
        return self.tongban("manage", "shell", "-c", code).stdout

    def sql(self, query: str, *params) -> list[tuple]:
        with psycopg.connect(pg_url(self.dbname), autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def get(self, path: str, **kw) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", timeout=10, **kw)

    def post(self, path: str, data: dict, **kw) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", json=data, timeout=10, **kw)

    def login(self, username: str, password: str = DEMO_PASSWORD) -> httpx.Client:
        """A browser-like session of ``username`` (cookies, CSRF) on the member's pages."""
        session = httpx.Client(base_url=self.url, timeout=30, follow_redirects=False)
        session.get("/accounts/login/")
        answer = session.post(
            "/accounts/login/",
            data={
                "method": "password",
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
        )
        assert answer.status_code == 302, answer.text[:2000]
        return session


def wait_for(predicate, *, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


class Region:
    """A region of members: the first coordinates. ``join`` builds the trust list the way an operator does."""

    def __init__(
        self,
        codes: list[str],
        *,
        env_extra: dict | None = None,
        demo: bool = False,
        own_hosts: bool = False,
    ):
        """``own_hosts``: each member on its own loopback address (127.0.0.1, 127.0.0.2, …) instead of all on
        127.0.0.1: a browser keeps cookies per host, not per port, so a browser going from one member to another
        (single sign-on) would otherwise carry one member's session cookie to the other, as separate
        deployments on their own domains never do."""
        self.demo = demo
        self.root = Path(tempfile.mkdtemp(prefix="tongban-region-"))
        self.template = f"tongban_fedtpl_{os.getpid()}"
        self.members = {
            code: Member(
                code,
                self.root,
                self.template,
                env_extra=dict(env_extra or {}),
                host=f"127.0.0.{i + 1}" if own_hosts else "127.0.0.1",
            )
            for i, code in enumerate(codes)
        }
        self.coordinator = self.members[codes[0]]

    def __getitem__(self, code: str) -> Member:
        return self.members[code]

    def make_template(self) -> None:
        _drop(self.template)
        with _admin() as conn:
            conn.execute(f'CREATE DATABASE "{self.template}"')
        first = self.coordinator
        env = {**first.env(), "DATABASE_URL": pg_url(self.template)}
        done = subprocess.run(
            [str(BIN / "tongban"), "migrate", "--verbosity", "0"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        if self.demo:  # the demo data once, in the template every member is made from
            done = subprocess.run(
                [str(BIN / "tongban"), "demo"], env=env, capture_output=True, text=True, timeout=900
            )
            assert done.returncode == 0, done.stderr
        # Every member has its own 亮证 key (made on first use), as separate deployments do: a partner's 亮证 token
        # is recognised by its key. The demo's departments' keys stay shared, as restored from one backup.
        with psycopg.connect(pg_url(self.template), autocommit=True) as conn:
            conn.execute(
                "DELETE FROM licences_issuerkey WHERE department_uuid = %s",
                ("00000000-0000-5000-8000-000000000001",),
            )

    def start(self) -> None:
        self.make_template()
        for member in self.members.values():
            member.create()
        for member in self.members.values():
            member.start()

    def join(self) -> None:
        """Coordinator init; every other member trusts its anchor and hands in its descriptor; the coordinator
        signs version 1 and pushes it."""
        anchor = self.root / "anchor.json"
        self.coordinator.tongban("federation", "coordinator-init", "--out", str(anchor))
        paths = []
        for member in self.members.values():
            if member is self.coordinator:
                continue
            member.tongban("federation", "anchor-add", str(anchor))
            path = self.root / f"{member.code}.jws"
            path.write_text(member.get("/api/federation/descriptor").json()["descriptor"])
            paths.append(path)
        args = ["federation", "trust-list-sign", "--region", "csj", "--name", "长三角", "--push"]
        for path in paths:
            args += ["--add", str(path)]
        out = self.coordinator.tongban(*args).stdout
        assert "push" in out or len(self.members) == 1, out

    def close(self) -> None:
        for member in self.members.values():
            member.destroy()
        _drop(self.template)
        shutil.rmtree(self.root, ignore_errors=True)

    def dump_logs(self) -> str:
        out = []
        for member in self.members.values():
            for name in ("server.log", "worker.log"):
                path = member.var / name
                if path.exists():
                    out.append(f"--- {member.code} {name}\n{path.read_text()[-4000:]}")
        return "\n".join(out)


COUNT_QUERIES = {
    "inboundmessage": "SELECT status, count(*) FROM federation_inboundmessage GROUP BY status",
    "outboundmessage": "SELECT status, count(*) FROM federation_outboundmessage GROUP BY status",
}


def counts(member: Member, table: str) -> dict[str, int]:
    return dict(member.sql(COUNT_QUERIES[table]))


def as_json(text: str) -> dict:
    return json.loads(text)


@contextmanager
def running_region(codes: list[str], **kw):
    """A region started and joined for the block (a module's fixture), its members' logs printed when it
    fails to start or a test under it raises, and everything removed afterwards."""
    region = Region(codes, **kw)
    try:
        region.start()
        region.join()
        yield region
    except BaseException:
        print(region.dump_logs())
        raise
    finally:
        region.close()
