"""No personal identifier in any log line the platform writes: the redaction itself (every written form of a
mainland mobile number and an ID number, URL-encoded ones included), Django's and the worker's loggers,
and gunicorn's error and access logs — the last through a real `tongban serve --access-log`."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from http.client import HTTPConnection
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from tongban.core.logging import GunicornRedactingLogger, RedactingFormatter, redact

ROOT = Path(__file__).resolve().parents[2]
TONGBAN = str(Path(sys.executable).parent / "tongban")
ID = "11010519491231002X"

PHONES = [
    "13912345678",
    "8613912345678",
    "+8613912345678",
    "008613912345678",
    "+86 139 1234 5678",
    "+86-139-1234-5678",
    "0086 139 1234 5678",
    "139-1234-5678",
    "139 1234 5678",
    "%2B8613912345678",  # "+86…" in a query string
    "%2B86%20139%201234%205678",
    "139+1234+5678",  # spaces form-encoded
    "86 13912345678",
]
IDS = [ID, ID.lower(), "110105 19491231 002x", "110105-19491231-002X"]
# What must never appear in a log: the digits of any form above.
LEAKS = ("3912345678", "1234 5678", "1234-5678", "1234+5678", "1234%205678", "19491231")


@pytest.mark.parametrize("number", PHONES)
@pytest.mark.parametrize(
    "around", ["{}", "GET /?q={} HTTP/1.1", "GET /?a=1&q={}&b=2", "手机{}已验证", "q=%20{}"]
)
def test_every_written_form_of_a_phone_number_is_redacted(number, around):
    line = redact(around.format(number))
    assert line == around.format("[PHONE]")


@pytest.mark.parametrize("number", IDS)
@pytest.mark.parametrize("around", ["{}", "GET /?q={} HTTP/1.1", "id={}&x=1", "身份证{}", "q=%20{}"])
def test_id_numbers_are_redacted_with_either_x(number, around):
    assert redact(around.format(number)) == around.format("[ID]")


@pytest.mark.parametrize(
    "line",
    [
        "[3f2a13912345678ab] ok",  # a hex request id with eleven digits inside
        "2026-12-02 21:50:16,123 INFO",
        'GET /api/health HTTP/1.1" 200 13912 "-" "curl/8.5.0"',
        "case 2026120200001 accepted",  # 13 digits, not a 86-prefixed mobile
        "1391234567",  # ten digits
        "23912345678",  # not a mobile prefix
    ],
)
def test_what_is_not_an_identifier_is_left_alone(line):
    assert redact(line) == line


def _gunicorn_logger(tmp_path, **settings) -> GunicornRedactingLogger:
    cfg = Config()
    cfg.set("errorlog", str(tmp_path / "error.log"))
    cfg.set("accesslog", str(tmp_path / "access.log"))
    for key, value in settings.items():
        cfg.set(key, value)
    return GunicornRedactingLogger(cfg)


def test_gunicorn_error_and_access_lines_are_redacted(tmp_path):
    log = _gunicorn_logger(tmp_path)
    try:
        log.error("worker failed for 13912345678 / %s", ID)
        try:
            raise ValueError("row 139-1234-5678")
        except ValueError:
            log.exception("boom")
        request = SimpleNamespace(
            method="GET",
            path="/",
            query="q=%2B8613912345678",
            uri="/?q=%2B8613912345678",
            version=(1, 1),
            headers=[("REFERER", f"https://example.cn/?id={ID.lower()}"), ("USER-AGENT", "curl")],
        )
        response = SimpleNamespace(status="200 OK", headers=[], sent=10, response_length=10)
        environ = {
            "REMOTE_ADDR": "127.0.0.1",
            "REQUEST_METHOD": "GET",
            "RAW_URI": "/?q=%2B8613912345678",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_REFERER": f"https://example.cn/?id={ID.lower()}",
        }
        log.access(response, request, environ, timedelta(seconds=0.01))
        log.setup(log.cfg)  # a configuration reload (SIGHUP) sets the handlers up again
        log.error("after reload 8613912345678")
    finally:
        for handler in log.error_log.handlers + log.access_log.handlers:
            handler.close()
    error = (tmp_path / "error.log").read_text()
    access = (tmp_path / "access.log").read_text()
    assert "worker failed for [PHONE] / [ID]" in error and "ValueError: row [PHONE]" in error
    assert "after reload [PHONE]" in error
    assert "GET /?q=[PHONE]" in access and "id=[ID]" in access
    assert not [leak for leak in LEAKS if leak in error + access]


def _env(tmp_path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TONGBAN_", "DJANGO_", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"))
    }
    (tmp_path / "var").mkdir(exist_ok=True)
    env.update(
        DJANGO_SETTINGS_MODULE="tongban.settings",
        PYTHONPATH=str(ROOT),
        SECRET_KEY="logging-test-secret-key-0123456789abcdef0123456789",
        TONGBAN_VAR_DIR=str(tmp_path / "var"),
        TONGBAN_TASKS_BACKEND="database",
        TONGBAN_STATIC_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    return env


def test_django_and_worker_loggers_only_write_redacted_lines(tmp_path):
    """Django's defaults put unredacted handlers on "django" (with DEBUG) and "django.server"."""
    script = (
        "import django, logging; django.setup()\n"
        "for name in ('django.server', 'django.request', 'django', 'tongban.cases', 'rq.worker', 'gunicorn'):\n"
        "    logging.getLogger(name).warning('%s: GET /?q=+86 139 1234 5678&id=" + ID.lower() + "', name)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env={**_env(tmp_path), "DEBUG": "1"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = [line for line in (out.stdout + out.stderr).splitlines() if "GET /" in line]
    assert len(lines) == 6, lines  # one line each: none written twice by a second handler
    assert all("q=[PHONE]&id=[ID]" in line for line in lines), lines


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, stop_at: float) -> int:
    """GET ``path`` once the server listens. Only a refused connection is tried again: a request the server
    received but answered slowly (a loaded machine) is not sent twice, which would log it twice."""
    while True:
        conn = HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request("GET", path)
            return conn.getresponse().status
        except ConnectionRefusedError:
            if time.monotonic() > stop_at:
                raise
            time.sleep(0.2)
        finally:
            conn.close()


def test_tongban_serve_access_log_writes_no_phone_or_id_number(tmp_path):
    env = _env(tmp_path)
    subprocess.run([TONGBAN, "migrate", "--verbosity", "0"], env=env, cwd=ROOT, check=True, timeout=300)
    port = _free_port()
    log_path = tmp_path / "serve.log"
    queries = [f"/?q={p}" for p in PHONES] + [f"/?q={n.replace(' ', '+')}" for n in IDS]
    queries.append("/no-such-page-13912345678")  # Django also logs the 404, with the path
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [
                TONGBAN,
                "serve",
                "--access-log",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--no-collectstatic",
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        stop_at = time.monotonic() + 60
        statuses = [_get(port, path.replace(" ", "%20"), stop_at) for path in queries]
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log_path.read_text()
    assert statuses[-1] == 404 and all(s == 200 for s in statuses[:-1]), statuses
    access = [line for line in text.splitlines() if '"GET /' in line]
    assert len(access) == len(queries), text
    assert sum("q=[PHONE]" in line for line in access) == len(PHONES), text
    assert sum("q=[ID]" in line for line in access) == len(IDS), text
    assert "GET /no-such-page-[PHONE]" in text and "Not Found: /no-such-page-[PHONE]" in text
    assert not [leak for leak in LEAKS if leak in text], text


def test_log_lines_are_redacted_down_to_the_traceback(caplog):
    logger = logging.getLogger("tongban.test")
    try:
        raise ValueError("Key (id_kind, id_number)=(111, 110101199003071233) phone 13800000001")
    except ValueError:
        with caplog.at_level(logging.ERROR, logger="tongban.test"):
            logger.exception("insert failed")
    line = RedactingFormatter("%(message)s").format(caplog.records[-1])
    assert "110101199003071233" not in line and "13800000001" not in line and "[ID]" in line


def test_redaction_catches_permits_and_spares_request_ids():
    assert redact("permit H1234567890 and EA1234567 and M12345678") == "permit [DOC] and [DOC] and [DOC]"
    request_id = "a13800000001b2c3d4e5f60718293a4b"
    assert redact(f"[{request_id}] ok") == f"[{request_id}] ok"
    assert redact("手机13800000001已验证") == "手机[PHONE]已验证"
