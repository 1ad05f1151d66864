"""Nothing is lost when a process dies: the real server (`tongban serve`) and the real worker (`tongban worker`,
database tasks backend) on a throw-away PostgreSQL database are killed with SIGKILL, alternately, during a
burst of applications over HTTP, each retried with its Idempotency-Key until it gets a 2xx answer. After
restart and `tongban maintenance`: every application exists exactly once, each was notified by exactly one
SMS, no task is left running or waiting, and no material file lacks its row (or a row its file).

Run as ``python -m tests.core.test_crash_recovery setup|settle|report`` the module is also the helper the
test runs against that database (with the same environment as the server)."""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from base64 import b64encode
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

APPLICATIONS = 40
CLIENT_THREADS = 6
KILLS = 6  # alternately the server and the worker
KILL_EVERY = 0.8  # seconds at most between the server's coming back and its next kill
DEADLINE = 120  # seconds at most for the burst, the kills and the settling (a bound, not a target)
ROOT = Path(__file__).resolve().parents[2]
TONGBAN = str(Path(sys.executable).parent / "tongban")

pytestmark = pytest.mark.postgres


# --- the helper, run in a subprocess against the throw-away database ---------------------------------------
class SlowGatewayProvider:
    """The outbox provider with a gateway's latency after it accepted the message: a worker killed in that
    window has sent the SMS without recording it, and the retry must not send it again."""

    def send(self, *, phone: str, text: str, key: str) -> None:
        from tongban.core.messaging import OutboxSmsProvider

        OutboxSmsProvider().send(phone=phone, text=text, key=key)
        time.sleep(0.15)


def _setup(count: int) -> dict:
    from django.conf import settings
    from django.test import Client
    from stdnum.cn import ric

    from tests.cases.conftest import APPLICATION, NAME_FORM
    from tests.catalog.test_versions import good_fields
    from tongban.accounts.constants import AssuranceLevel, OrgKind
    from tongban.accounts.models import Person, PopulationRegisterEntry, User
    from tongban.accounts.services import organisation_create
    from tongban.catalog.services import item_create, version_publish

    region = organisation_create(actor=None, kind=OrgKind.REGION, name="上海市", division_code="310000")
    dept = organisation_create(
        actor=None,
        kind=OrgKind.DEPARTMENT,
        name="上海市市场监督管理局",
        parent=region,
        uscc="11310000MB2F31883R",
    )
    fields = good_fields(
        dept, name="开业登记", form_schema=NAME_FORM, service_objects=["1"], required_assurance_level=1
    )
    draft = item_create(
        actor=None, implementation_code="CRASH-1", basic_code="C1", fields=fields, materials=[APPLICATION]
    )
    version = version_publish(actor=None, version=draft)
    applicants = []
    for i in range(count):
        phone = f"1390000{i:04d}"
        first17 = f"31010119900307{i:03d}"
        id_number = first17 + ric.calc_check_digit(first17 + "0")
        PopulationRegisterEntry.objects.get_or_create(id_number=id_number, defaults={"real_name": "赵六"})
        user = User.objects.create_user(username=phone, password=None, phone=phone, display_name="赵六")
        person = Person.objects.create(
            user=user, real_name="赵六", id_number=id_number, phone=phone, assurance_level=AssuranceLevel.L2
        )
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        applicants.append({"uuid": str(person.uuid), "phone": phone, "user_id": user.pk, "session": session})
    return {"target": str(version.item.uuid), "applicants": applicants}


def _open_work():
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from tongban.core.models import SmsMessage, SmsStatus

    return (
        DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).count(),
        SmsMessage.objects.filter(status__in=[SmsStatus.PENDING, SmsStatus.SENDING]).count(),
    )


def _settle(seconds: float) -> dict:
    """Run maintenance until the worker has done everything (or the time is up)."""
    from tongban.core.maintenance import maintenance_run

    end, runs, totals = time.monotonic() + seconds, 0, {}

    def run():
        for name, count in maintenance_run().items():
            totals[name] = totals.get(name, 0) + count

    while True:
        run()
        runs += 1
        if _open_work() == (0, 0) or time.monotonic() > end:
            break
        time.sleep(0.5)
    run()  # the orphan sweep and retentions once more, with everything done
    return {"runs": runs, **totals}


def _report() -> dict:
    from django.conf import settings
    from django_tasks_db.models import DBTaskResult

    from tongban.cases.models import Case, CaseMaterial
    from tongban.core.models import OutboxMessage, SmsMessage

    media = Path(settings.MEDIA_ROOT)
    on_disk = {str(p.relative_to(media)) for p in (media / "cases").rglob("*") if p.is_file()}
    referenced = set(CaseMaterial.objects.exclude(file="").values_list("file", flat=True))
    return {
        "cases": list(Case.objects.values_list("submitted_by", "idempotency_key")),
        "sms": list(SmsMessage.objects.values_list("user_id", "status")),
        "sms_attempts": sorted(SmsMessage.objects.values_list("attempts", flat=True)),
        "outbox": [(m.recipient, m.key, m.body) for m in OutboxMessage.objects.all()],
        "tasks": list(DBTaskResult.objects.values_list("status", flat=True)),
        "orphan_files": sorted(on_disk - referenced),
        "missing_files": sorted(referenced - on_disk),
    }


def _main(argv: list[str]) -> None:
    import django

    django.setup()
    command = argv[0]
    if command == "setup":
        result = _setup(int(argv[1]))
    elif command == "settle":
        result = _settle(float(argv[1]))
    else:
        result = _report()
    sys.stdout.write(json.dumps(result, ensure_ascii=False))


# --- the test ------------------------------------------------------------------------------------------------
def _postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs DATABASE_URL pointing at PostgreSQL (make test's PostgreSQL pass)")
    return url


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin(url: str):
    import psycopg

    return psycopg.connect(_with_database(url, "postgres"), autocommit=True)


@pytest.fixture
def scratch_db():
    """A fresh database, dropped afterwards whatever happens."""
    url = _postgres_url()
    name = f"tongban_crash_{os.getpid()}_{secrets.token_hex(3)}"
    with _admin(url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(url, name)
    finally:
        with _admin(url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """The server and the worker, each in its own process group (SIGKILL reaches gunicorn's workers too)."""

    def __init__(self, env: dict, port: int, logs: Path):
        self.env, self.port, self.logs = env, port, logs
        self.procs: dict[str, subprocess.Popen] = {}
        self.argv = {
            "server": [
                TONGBAN,
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--no-collectstatic",
            ],
            "worker": [TONGBAN, "worker"],
        }

    def start(self, name: str) -> None:
        path = self.logs / f"{name}.log"
        if name == "worker":
            self.worker_log_start = path.stat().st_size if path.exists() else 0
        log = open(path, "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(
            self.argv[name], env=self.env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
        )
        log.close()

    def wait_for_task(self, stop_at: float) -> None:
        """Until the worker started since its last (re)start has logged the start of a task."""
        log = self.logs / "worker.log"
        while time.monotonic() < stop_at:
            if log.read_bytes()[self.worker_log_start :].count(b"state=RUNNING"):
                return
            time.sleep(0.02)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)


def _helper(env: dict, *argv: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tests.core.test_crash_recovery", *argv],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def _apply(port: int, target: str, applicant: dict, key: str, pdf: str, stop_at: float) -> int:
    """POST /api/cases until a 2xx answer (connection refused or reset while the server is down: retry)."""
    csrf = secrets.token_hex(16)
    body = json.dumps(
        {
            "target_kind": "item",
            "target": target,
            "applicant_kind": "person",
            "applicant": applicant["uuid"],
            "form_data": {"applicant_name": "赵六"},
            "materials": [{"key": "application-form", "filename": "申请书.pdf", "content_base64": pdf}],
        }
    )
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": key,
        "X-CSRFToken": csrf,
        "Cookie": f"sessionid={applicant['session']}; csrftoken={csrf}",
    }
    while time.monotonic() < stop_at:
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", "/api/cases", body=body.encode(), headers=headers)
            status = conn.getresponse().status
            conn.close()
        except OSError:  # refused, reset, timed out: the server is down or was killed mid-request
            time.sleep(0.2)
            continue
        if 200 <= status < 300:
            return status
        if 400 <= status < 500:
            return status  # a refusal is a defect of the test setup: reported, not retried
        time.sleep(0.2)  # 5xx (a worker killed mid-request answers nothing; a 502 would be a proxy's)
    return 0


def _wait_for_server(port: int, stop_at: float) -> None:
    while time.monotonic() < stop_at:
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/health")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


def test_killing_the_server_and_the_worker_loses_and_doubles_nothing(scratch_db, tmp_path):
    from tests.cases.conftest import pdf_bytes

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TONGBAN_", "DJANGO_", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"))
    }
    env.update(
        DATABASE_URL=scratch_db,
        DJANGO_SETTINGS_MODULE="tongban.settings",
        PYTHONPATH=str(ROOT),
        SECRET_KEY="crash-test-secret-key-0123456789abcdef0123456789",
        TONGBAN_VAR_DIR=str(tmp_path / "var"),
        TONGBAN_DEMO="1",
        TONGBAN_TASKS_BACKEND="database",
        TONGBAN_STATIC_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
        # Short lease and re-enqueue delay so that the test settles in seconds.
        TONGBAN_TASK_LEASE_SECONDS="3",
        TONGBAN_SMS_REQUEUE_SECONDS="2",
        TONGBAN_MEDIA_ORPHAN_GRACE_SECONDS="0",
        TONGBAN_SMS_PROVIDER="tests.core.test_crash_recovery.SlowGatewayProvider",
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    subprocess.run([TONGBAN, "migrate", "--verbosity", "0"], env=env, cwd=ROOT, check=True, timeout=300)
    t0 = time.monotonic()
    world = _helper(env, "setup", str(APPLICATIONS))
    t_setup = time.monotonic() - t0
    port = _free_port()
    procs = Processes(env, port, logs)
    start = time.monotonic()
    stop_at = start + DEADLINE
    try:
        procs.start("server")
        procs.start("worker")
        _wait_for_server(port, stop_at)
        pdf = b64encode(pdf_bytes()).decode()
        jobs = [
            (applicant, f"crash-{i:04d}-{uuid.uuid4().hex[:8]}")
            for i, applicant in enumerate(world["applicants"])
        ]
        statuses: dict[str, int] = {}
        lock = threading.Lock()

        def client(share):
            for applicant, key in share:
                status = _apply(port, world["target"], applicant, key, pdf, stop_at)
                with lock:
                    statuses[key] = status

        threads = [
            threading.Thread(target=client, args=(jobs[i::CLIENT_THREADS],)) for i in range(CLIENT_THREADS)
        ]
        for t in threads:
            t.start()
        kills = []
        for n in range(KILLS):
            name = "server" if n % 2 == 0 else "worker"
            if name == "server":  # once it answers again, somewhere in the middle of requests
                _wait_for_server(port, stop_at)
                time.sleep(random.uniform(0.2, KILL_EVERY))
            else:  # once it has started a task (a send takes 0.15 s): often in the middle of one
                procs.wait_for_task(stop_at=min(stop_at, time.monotonic() + 5))
                time.sleep(random.uniform(0.0, 0.15))
            procs.kill(name)
            kills.append(name)
            procs.start(name)
        for t in threads:
            t.join(timeout=max(1.0, stop_at - time.monotonic()))
        assert not any(t.is_alive() for t in threads), "the burst did not finish in time"
        assert sorted(set(statuses.values())) in ([200, 201], [201]), statuses
        assert kills.count("server") >= 3 and kills.count("worker") >= 3
        procs.kill("server", signal.SIGTERM)
        t_burst = time.monotonic() - start
        settled = _helper(env, "settle", str(max(5.0, stop_at - time.monotonic())))
        t_settle = time.monotonic() - start - t_burst
        assert settled["runs"] >= 1
    finally:
        procs.stop_all()

    report = _helper(env, "report")
    by_user = {a["user_id"]: a for a in world["applicants"]}
    keys = {key for _, key in jobs}
    # every application exactly once
    assert sorted(key for _, key in report["cases"]) == sorted(keys)
    assert len(report["cases"]) == APPLICATIONS
    # each notified by exactly one SMS, sent once
    assert sorted(user_id for user_id, _ in report["sms"]) == sorted(by_user)
    assert {status for _, status in report["sms"]} == {"sent"}
    recipients = sorted(recipient for recipient, _, _ in report["outbox"])
    assert recipients == sorted(a["phone"] for a in world["applicants"])
    assert len({key for _, key, _ in report["outbox"]}) == APPLICATIONS
    print(f"setup {t_setup:.1f}s burst {t_burst:.1f}s settle {t_settle:.1f}s kills={kills} settle={settled}")
    # nothing stuck, no orphan or missing file
    assert not [s for s in report["tasks"] if s in ("READY", "RUNNING")], report["tasks"]
    assert report["orphan_files"] == [] and report["missing_files"] == []


if __name__ == "__main__":
    _main(sys.argv[1:])
