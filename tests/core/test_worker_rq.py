"""With REDIS_URL, tasks go to RQ on Redis and `tongban worker` runs them (django-tasks' Job class, the
cache's connection pool). Runs real processes against the Redis of the test machine."""

import fcntl
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

redis = pytest.importorskip("redis")

REDIS_URL = "redis://127.0.0.1:6379/12"
TONGBAN = str(Path(sys.executable).parent / "tongban")
ENQUEUE = (
    "import django; django.setup();"
    "from django.conf import settings; assert settings.TASKS_BACKEND == 'rq', settings.TASKS_BACKEND;"
    "from tongban.core.messaging import sms_queue;"
    "sms_queue(phone='13800000000', text='验证码 123456')"  # outside a transaction: enqueued at once
)
OUTBOX = (
    "import django, json; django.setup();"
    "from tongban.core.models import OutboxMessage;"
    "print(json.dumps([[m.recipient, m.body] for m in OutboxMessage.objects.all()]))"
)


@pytest.fixture
def redis_db_12():
    """Redis database 12 for this test alone: a lock on the machine, as other test runs on it (other
    checkouts) use the same database and the same queue, and would flush or run each other's tasks."""
    with open(Path(tempfile.gettempdir()) / "tongban-test-redis-12.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture
def rq_env(tmp_path, redis_db_12):
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (scripts/test-deps.sh starts it)")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TONGBAN_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        TONGBAN_VAR_DIR=str(tmp_path),
        TONGBAN_DEMO="1",
        REDIS_URL=REDIS_URL,
        DJANGO_SETTINGS_MODULE="tongban.settings",
    )
    subprocess.run([TONGBAN, "migrate"], env=env, check=True, capture_output=True)
    yield env
    client.flushdb()


def run(env, *argv):
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=True, timeout=120)


def test_a_task_enqueued_on_rq_is_run_by_tongban_worker(rq_env):
    import json

    run(rq_env, sys.executable, "-c", ENQUEUE)
    assert run(rq_env, sys.executable, "-c", OUTBOX).stdout.strip() == "[]"
    worker = run(rq_env, TONGBAN, "worker", "--batch")
    assert "Traceback" not in worker.stderr, worker.stderr
    assert json.loads(run(rq_env, sys.executable, "-c", OUTBOX).stdout) == [["13800000000", "验证码 123456"]]
