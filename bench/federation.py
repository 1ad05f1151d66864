"""长三角 federation between two members on loopback (issue 20): messages per second and latency end to end, as
ratios of a bare signed HTTP round trip between the same two servers in the same run; where the time of one
message goes; and the backlog drained after a partner outage.

Two real deployments are started with the cluster harness of the tests (``tests/federation/cluster.py``): 上海
(310000, the coordinator, the sender) and 江苏 (320000, the recipient), each its own PostgreSQL database (made
from one migrated template), its own ``tongban serve`` (gunicorn, 2 sync workers) and its own ``tongban
worker`` (the database task queue), on 127.0.0.1, with the production settings (``tongban.settings``:
``synchronous_commit`` on, the database cache) and ``TONGBAN_FEDERATION_RETRY_MAX_SECONDS`` at its production
default, 60. The region is joined as an operator does (coordinator-init, anchor-add, descriptors, trust-list-sign
--push). The sender's side runs in 上海's own Django (``tongban manage shell -c``): its keys, its HTTP client.

1. **Baseline** (``--baseline-requests``, before and after the exchanges): from 上海's Django, over the keep-alive
   client messages are sent with (``transport``), one request at a time: (a) ``GET /api/health`` of 江苏 (the
   HTTP floor, one ``SELECT 1``); (b) **the bare signed round trip**: a request JWS signed per request with
   上海's messaging key (``keys.sign_compact``, the claims of a signed request, protocol §4) sent to 江苏's
   ``GET /api/federation/log?after=<past the end>`` — 江苏 finds the sender's key in its trust list, verifies
   the signature, checks freshness, audience, method and path, records the ``jti`` once (the database cache),
   runs one empty indexed SELECT and answers 200. That is the least a signed exchange between the two servers
   costs: sign, HTTP, verify, answer — without the outbox, the log, the inbox, the receipt or the tasks.
2. **Throughput**: ``--messages`` ``ping`` messages (no reply) queued at 上海 in one transaction
   (``messages.send``), sent by 上海's worker, received by 江苏's server, processed by 江苏's worker. Messages/s =
   N ÷ (the last ``processed_at`` at 江苏 − the commit at 上海); also 上海's delivered rate (its receipts in) and
   the CPU seconds each process used per message (``/proc``: each server's and worker's process group, and the
   PostgreSQL backends of the two databases).
3. **Latency**: ``--latency-messages`` single messages, each in its own transaction, ``--latency-spacing`` s
   apart: ``processed_at`` at 江苏 − ``created_at`` at 上海 (one machine, one clock), p50/p95/p99, split into
   sent (上海 created → 江苏 received), receipt back (江苏 received → 上海 delivered) and processing (江苏 received
   → processed).
4. **Where the time goes**: the same work with timers, in-process: at 上海 ``--profile-messages`` sends in one
   transaction (signing, the outbox row, the log entry) and one ``drain`` run in the shell instead of the
   worker (the claim, the HTTP POST — which includes 江苏's whole receive —, the receipt check, the delivered
   update with its log entry); at 江苏 ``receive`` and ``process`` of as many messages signed by 上海, in-process
   (the signature check, the receipt signature, the inbox row, the two log entries, the commit; the handler).
5. **Outage** (``--outage-seconds``, default 300; 0 skips it): 江苏 stopped; 上海 sends ``--outage-rate`` messages
   per second (each in its own transaction) for the whole outage; 江苏 started again, and 上海's federation sweep
   run every ``--sweep-seconds`` (60) from then on, as production's minute timer runs ``tongban maintenance``
   (the cluster runs none). Measured: the time from
   江苏 answering again to the last message processed there, the delivery rate once it flows, and checked: no
   message lost (every one sent is processed once at 江苏), none duplicated (distinct ids and ``n`` equal the
   count), none failed at 上海; both logs intact and each side's audit of the other clean.

It prints the figures and ratios (no aim is asserted) and writes ``bench/results/federation.json``. Exit status 1
when a message was lost, duplicated or failed, or a log check failed. PostgreSQL only (``--database-url``: the
server; the members' databases are made and dropped by the harness). Run it under ``flock
/tmp/tongban-bench.lock``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/federation.py`
    sys.path.insert(0, str(ROOT))

from bench.harness import cli  # noqa: E402
from bench.harness.report import loadavg, nproc, stats, table, write_json  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "federation.json"
SH, JS = "310000", "320000"
MARK = "FEDBENCH "
CLK = os.sysconf("SC_CLK_TCK")

# --- what runs inside a member's Django (`tongban manage shell -c`); parameters in $FEDBENCH -------------------
PRELUDE = """
import functools, json, os, time, uuid
from django.conf import settings
from django.db import transaction
P = json.loads(os.environ["FEDBENCH"])
T = {}
ORIGINALS = []
def timed(owner, name, key=None):
    fn = getattr(owner, name)
    ORIGINALS.append((owner, name, fn))
    key = key or name
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            slot = T.setdefault(key, [0.0, 0])
            slot[0] += time.perf_counter() - t0
            slot[1] += 1
    setattr(owner, name, wrapper)
def untime():
    while ORIGINALS:
        owner, name, fn = ORIGINALS.pop()
        setattr(owner, name, fn)
def emit(value):
    print("FEDBENCH " + json.dumps(value))
"""

BASELINE = """
from tongban.federation import keys, transport, trust
from tongban.federation.services import REQUEST_TYP
peer = P["peer"]
base = trust.require_current().member(peer).base_url
row = keys.active_key()
private = keys.private_of(row)
header = {"alg": "ES256", "typ": REQUEST_TYP, "kid": row.kid}
me = settings.TONGBAN_REGION_CODE
path = "/api/federation/log"
def run(kind, n):
    ms, sign_ms = [], []
    start = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        if kind == "health":
            answer = transport.get_json(base + "/api/health")
        else:
            claims = {"iss": me, "aud": peer, "iat": int(time.time()), "jti": str(uuid.uuid4()),
                      "htm": "GET", "htp": path}
            token = keys.sign_compact(private, header, claims)
            sign_ms.append((time.perf_counter() - t0) * 1000)
            answer = transport.get_json(base + path, headers={"Authorization": "TongbanMember " + token},
                                        params={"after": 10**12, "limit": 1})
        ms.append((time.perf_counter() - t0) * 1000)
        assert answer.status == 200 and (kind == "health" or answer.data["entries"] == []), answer
    return {"ms": ms, "sign_ms": sign_ms, "wall": time.perf_counter() - start}
run("health", 50)
run("signed", 50)
emit({"health": run("health", P["n"]), "signed": run("signed", P["n"])})
"""

SEND_BATCH = """
from tongban.federation.messages import send
marks = {}
cpu = time.process_time()
marks["start"] = time.time()
with transaction.atomic():
    transaction.on_commit(lambda: marks.setdefault("commit", time.time()))
    for i in range(P["n"]):
        send(to=P["peer"], type="ping", body={"phase": P["phase"], "n": i})
    marks["sent"] = time.time()
marks["after_commit"] = time.time()
marks["cpu"] = time.process_time() - cpu
emit(marks)
"""

SEND_PACED = """
from tongban.federation.messages import send
rate, seconds = P["rate"], P["seconds"]
start = time.time()
i = 0
while True:
    now = time.time()
    if now - start >= seconds:
        break
    due = start + i / rate
    if due > now:
        time.sleep(due - now)
    send(to=P["peer"], type="ping", body={"phase": P["phase"], "n": i})
    i += 1
emit({"n": i, "start": start, "end": time.time()})
"""

PROFILE_SENDER = """
from tongban.federation import keys, locks, messages
from tongban.federation.models import OutboundMessage
messages._enqueue_drain = lambda peer: None  # the shell drains, not the worker
n, peer = P["n"], P["peer"]
timed(keys, "sign", "sign (message JWS)")
timed(OutboundMessage.objects, "create", "outbox row INSERT")
timed(messages, "log_append", "log_append (out)")
timed(keys, "sign_raw", "  of which: log entry signature")
timed(locks, "lock_log_head", "  of which: lock the log head")
out = {}
t0 = time.perf_counter()
with transaction.atomic():
    for i in range(n):
        messages.send(to=peer, type="ping", body={"phase": P["phase"], "n": i})
    t1 = time.perf_counter()
t2 = time.perf_counter()
out["send"] = {"timers": T, "loop": t1 - t0, "commit": t2 - t1, "n": n}
untime()
T = {}
timed(locks, "claim_due_outbound", "claim a batch (SELECT … FOR UPDATE SKIP LOCKED)")
timed(messages, "_deliver", "deliver one (total)")
timed(messages, "post_json", "  HTTP POST, 江苏 receives and answers")
timed(messages, "receipt_check", "  receipt check (ES256 verify)")
timed(messages, "log_append", "  log_append (receipt_in)")
t0 = time.perf_counter()
result = messages.drain(peer)
out["drain"] = {"timers": T, "wall": time.perf_counter() - t0, "delivered": result.delivered,
                "failed": result.failed, "deferred": result.deferred}
# The recipient's in-process profile receives messages queued here like any other (in the outbox and the log,
# not drained now): the drain that follows it posts them again and takes 409 message_replayed with the receipt.
untime()
with transaction.atomic():
    rows = [messages.send(to=peer, type="ping", body={"phase": P["phase"] + "-b", "n": i}) for i in range(n)]
tokens = [row.token for row in rows]
with open(P["tokens"], "w") as fh:
    json.dump(tokens, fh)
emit(out)
"""

DRAIN = """
from tongban.federation import messages
t0 = time.perf_counter()
result = messages.drain(P["peer"])
emit({"delivered": result.delivered, "failed": result.failed, "deferred": result.deferred,
      "wall": time.perf_counter() - t0})
"""

PROFILE_RECIPIENT = """
from tongban.federation import keys, locks, messages
from tongban.federation.models import InboundMessage
messages._enqueue_process = lambda pk: None  # the shell processes, not the worker
with open(P["tokens"]) as fh:
    tokens = json.load(fh)
timed(messages, "receive", "receive (total)")
timed(messages, "open_signed", "  check: form, trust list, ES256 verify")
timed(keys, "sign", "  receipt signature")
timed(InboundMessage.objects, "create", "  inbox row INSERT")
timed(messages, "log_append", "  log_append (in, receipt_out)")
timed(keys, "sign_raw", "    of which: log entry signatures")
out = {}
pks = []
t0 = time.perf_counter()
for token in tokens:
    receipt, row = messages.receive(token)
    pks.append(row.pk)
out["receive"] = {"timers": T, "wall": time.perf_counter() - t0, "n": len(tokens)}
untime()
T = {}
timed(messages, "process", "process (total)")
timed(locks, "lock_inbound", "  lock the inbox row")
t0 = time.perf_counter()
for pk in pks:
    assert messages.process(pk) == "processed"
out["process"] = {"timers": T, "wall": time.perf_counter() - t0, "n": len(pks)}
emit(out)
"""


def shell(member, code: str, params: dict, timeout: float = 900) -> dict:
    """Run ``code`` in the member's Django; what it emitted (one JSON line)."""
    env = {**member.env(), "FEDBENCH": json.dumps(params)}
    from tests.federation.cluster import BIN

    done = subprocess.run(
        [str(BIN / "tongban"), "manage", "shell", "-c", PRELUDE + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    raise RuntimeError(f"shell on {member.code} failed: {done.stdout[-2000:]}\n{done.stderr[-4000:]}")


# --- CPU per process, from /proc --------------------------------------------------------------------------------
def _proc_stats() -> dict[int, tuple[int, float]]:
    """pid -> (process group, CPU seconds incl. waited-for children)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        rest = text[text.rfind(")") + 2 :].split()
        found[int(entry)] = (int(rest[2]), sum(int(x) for x in rest[11:15]) / CLK)
    return found


def _machine_busy() -> float:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / CLK  # all but idle and iowait


class CpuMeter:
    """CPU seconds used by each member's server and worker (process groups) and by the PostgreSQL backends
    of their databases, between ``start`` and ``stop``."""

    def __init__(self, region):
        self.region = region

    def _pg_backends(self) -> dict[int, str]:
        from tests.federation.cluster import _admin

        names = {m.dbname: code for code, m in self.region.members.items()}
        with _admin() as conn:
            rows = conn.execute(
                "SELECT pid, datname FROM pg_stat_activity WHERE datname = ANY(%s)", (list(names),)
            ).fetchall()
        return {pid: names[db] for pid, db in rows}

    def _sample(self) -> dict:
        procs = _proc_stats()
        groups = {}
        for code, member in self.region.members.items():
            for label, proc in zip(("server", "worker"), member.procs, strict=False):
                groups[proc.pid] = f"{code} {label}"
        per: dict[str, float] = {}
        for _pid, (pgid, cpu) in procs.items():
            if pgid in groups:
                per[groups[pgid]] = per.get(groups[pgid], 0.0) + cpu
        backends = {pid: (code, procs[pid][1]) for pid, code in self._pg_backends().items() if pid in procs}
        return {"groups": per, "backends": backends, "busy": _machine_busy(), "at": time.monotonic()}

    def start(self) -> None:
        self.first = self._sample()

    def stop(self) -> dict:
        last = self._sample()
        out = {k: round(v - self.first["groups"].get(k, 0.0), 3) for k, v in last["groups"].items()}
        for pid, (code, cpu) in last["backends"].items():
            before = self.first["backends"].get(pid, (code, 0.0))[1]
            key = f"{code} PostgreSQL backends"
            out[key] = round(out.get(key, 0.0) + cpu - before, 3)
        wall = last["at"] - self.first["at"]
        return {
            "cpu_s": out,
            "wall_s": round(wall, 3),
            "machine_busy_s": round(last["busy"] - self.first["busy"], 3),
        }


# --- reading the members' databases ----------------------------------------------------------------------------
def ts(value) -> float:
    return value.timestamp()


def processed(member, phase: str) -> tuple[int, float | None]:
    n, last = member.sql(
        "SELECT count(*), max(processed_at) FROM federation_inboundmessage WHERE body->>'phase' = %s "
        "AND status = 'processed'",
        phase,
    )[0]
    return n, (ts(last) if last else None)


def wait_processed(member, phase: str, n: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while True:
        done, last = processed(member, phase)
        if done >= n:
            return last
        if time.monotonic() > deadline:
            raise RuntimeError(f"{phase}: {done} of {n} processed after {timeout:.0f} s")
        time.sleep(0.5)


def ms_stats(values: list[float]) -> dict:
    found = stats(values)
    return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in found.items()}


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


# --- the phases -----------------------------------------------------------------------------------------------
def baseline(region, n: int) -> dict:
    found = shell(region[SH], BASELINE, {"peer": JS, "n": n})
    out = {}
    for kind in ("health", "signed"):
        ms = found[kind]["ms"]
        out[kind] = {"rps": len(ms) / found[kind]["wall"], **ms_stats(ms)}
        if found[kind]["sign_ms"]:
            out[kind]["sign_p50_ms"] = round(statistics.median(found[kind]["sign_ms"]), 3)
        out[kind]["_ms"] = ms
    return out


def throughput(region, n: int) -> dict:
    sh, js = region[SH], region[JS]
    meter = CpuMeter(region)
    meter.start()
    marks = shell(sh, SEND_BATCH, {"peer": JS, "n": n, "phase": "throughput"})
    last = wait_processed(js, "throughput", n, timeout=max(600, n / 5))
    while sh.sql(
        "SELECT count(*) FROM federation_outboundmessage WHERE body->>'phase' = 'throughput' AND status = 'pending'"
    )[0][0]:
        time.sleep(0.5)
    cpu = meter.stop()
    first_d, last_d, failed = sh.sql(
        "SELECT min(delivered_at), max(delivered_at), count(*) FILTER (WHERE status = 'failed') "
        "FROM federation_outboundmessage WHERE body->>'phase' = 'throughput'"
    )[0]
    first_r, last_r = js.sql(
        "SELECT min(received_at), max(received_at) FROM federation_inboundmessage WHERE body->>'phase' = 'throughput'"
    )[0]
    commit = marks["commit"]
    drain_tasks = sh.sql(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE task_path LIKE '%%federation_drain'"
    )[0][0]
    return {
        "n": n,
        "enqueue_s": round(marks["sent"] - marks["start"], 3),
        "commit_callbacks_s": round(marks["after_commit"] - marks["commit"], 3),
        "enqueue_shell_cpu_s": round(marks["cpu"], 3),
        "first_delivered_after_commit_s": round(ts(first_d) - commit, 3),
        "delivered_s": round(ts(last_d) - commit, 3),
        "received_s": round(ts(last_r) - commit, 3),
        "processed_s": round(last - commit, 3),
        "delivered_per_s": n / (ts(last_d) - commit),
        "delivered_per_s_flowing": (n - 1) / max(1e-9, ts(last_d) - ts(first_d)),
        "received_first_to_last_s": round(ts(last_r) - ts(first_r), 3),
        "processed_per_s": n / (last - commit),
        "failed": failed,
        "drain_tasks_enqueued_at_sender": drain_tasks,
        "cpu": cpu,
    }


def latency(region, m: int, spacing: float) -> dict:
    sh, js = region[SH], region[JS]
    shell(sh, SEND_PACED, {"peer": JS, "rate": 1 / spacing, "seconds": m * spacing, "phase": "latency"})
    sent = sh.sql(
        "SELECT uuid, created_at, delivered_at FROM federation_outboundmessage WHERE body->>'phase' = 'latency'"
    )
    count = len(sent)
    wait_processed(js, "latency", count, timeout=300)
    while sh.sql(
        "SELECT count(*) FROM federation_outboundmessage WHERE body->>'phase' = 'latency' AND status = 'pending'"
    )[0][0]:
        time.sleep(0.5)
    sent = {
        u: (ts(c), ts(d))
        for u, c, d in sh.sql(
            "SELECT uuid, created_at, delivered_at FROM federation_outboundmessage WHERE body->>'phase' = 'latency'"
        )
    }
    got = {
        u: (ts(r), ts(p))
        for u, r, p in js.sql(
            "SELECT uuid, received_at, processed_at FROM federation_inboundmessage WHERE body->>'phase' = 'latency'"
        )
    }
    total, out, back, proc = [], [], [], []
    for u, (created, delivered) in sent.items():
        received, done = got[u]
        total.append((done - created) * 1000)
        out.append((received - created) * 1000)
        back.append((delivered - received) * 1000)
        proc.append((done - received) * 1000)
    return {
        "n": count,
        "spacing_s": spacing,
        "end_to_end": ms_stats(total),
        "created_to_received": ms_stats(out),
        "received_to_delivered": ms_stats(back),
        "received_to_processed": ms_stats(proc),
        "_ms": total,
    }


def profile(region, n: int) -> dict:
    path = Path(tempfile.mkdtemp(prefix="fedbench-")) / "tokens.json"
    try:
        sender = shell(
            region[SH], PROFILE_SENDER, {"peer": JS, "n": n, "phase": "profile", "tokens": str(path)}
        )
        recipient = shell(region[JS], PROFILE_RECIPIENT, {"tokens": str(path)})
        replayed = shell(region[SH], DRAIN, {"peer": JS})
    finally:
        path.unlink(missing_ok=True)
        path.parent.rmdir()
    return {"sender": sender, "recipient": recipient, "replayed": replayed}


def wait_with_sweeps(
    sender, recipient, phase: str, n: int, every: float, timeout: float
) -> tuple[float, list]:
    """Wait for ``n`` messages of ``phase`` processed at the recipient while the sender runs the federation sweep
    every ``every`` seconds, as production's minute timer runs `tongban maintenance` (0: never); the last
    ``processed_at`` and what each sweep delivered (seconds after the start, messages)."""
    start = time.monotonic()
    sweeps = []
    while True:
        done, last = processed(recipient, phase)
        if done >= n:
            return last, sweeps
        elapsed = time.monotonic() - start
        if elapsed > timeout:
            raise RuntimeError(f"{phase}: {done} of {n} processed after {timeout:.0f} s")
        if every and elapsed >= every * (len(sweeps) + 1):
            found = json.loads(sender.tongban("federation", "sweep").stdout.strip().splitlines()[-1])
            sweeps.append((round(elapsed, 1), found.get("delivered", 0)))
        time.sleep(0.5)


def outage(region, seconds: float, rate: float, sweep_every: float) -> dict:
    sh, js = region[SH], region[JS]
    tasks_before = sh.sql(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE task_path LIKE '%%federation_drain'"
    )[0][0]
    print(f"outage: 江苏 stopped; 上海 sends {rate:g} messages/s for {seconds:g} s ...", flush=True)
    js.stop()
    produced = shell(
        sh,
        SEND_PACED,
        {"peer": JS, "rate": rate, "seconds": seconds, "phase": "outage"},
        timeout=seconds + 600,
    )
    n = produced["n"]
    pending, max_attempts, due_max = sh.sql(
        "SELECT count(*), max(attempts), extract(epoch FROM max(next_attempt_at) - now()) "
        "FROM federation_outboundmessage WHERE body->>'phase' = 'outage' AND status = 'pending'"
    )[0]
    tasks = sh.sql(
        "SELECT count(*), count(*) FILTER (WHERE status = 'READY') FROM django_tasks_database_dbtaskresult "
        "WHERE task_path LIKE '%%federation_drain'"
    )[0]
    print(f"outage: {n} queued, {pending} pending; 江苏 started again ...", flush=True)
    t_restart = time.time()
    js.start()
    t_up = time.time()
    last, sweeps = wait_with_sweeps(sh, js, "outage", n, sweep_every, timeout=1800)
    while sh.sql(
        "SELECT count(*) FROM federation_outboundmessage WHERE body->>'phase' = 'outage' AND status = 'pending'"
    )[0][0]:
        time.sleep(0.5)
    first_d, last_d, delivered, failed = sh.sql(
        "SELECT min(delivered_at), max(delivered_at), count(*) FILTER (WHERE status = 'delivered'), "
        "count(*) FILTER (WHERE status = 'failed') FROM federation_outboundmessage WHERE body->>'phase' = 'outage'"
    )[0]
    rows, distinct_ids, distinct_n, in_processed = js.sql(
        "SELECT count(*), count(DISTINCT uuid), count(DISTINCT body->>'n'), "
        "count(*) FILTER (WHERE status = 'processed') FROM federation_inboundmessage WHERE body->>'phase' = 'outage'"
    )[0]
    sent_ids = {
        u for (u,) in sh.sql("SELECT uuid FROM federation_outboundmessage WHERE body->>'phase' = 'outage'")
    }
    got_ids = {
        u for (u,) in js.sql("SELECT uuid FROM federation_inboundmessage WHERE body->>'phase' = 'outage'")
    }
    return {
        "seconds": seconds,
        "rate": rate,
        "sent": n,
        "sent_rate": n / (produced["end"] - produced["start"]),
        "pending_at_restart": pending,
        "max_attempts_at_restart": max_attempts,
        "next_attempt_max_s_after_outage": round(float(due_max or 0), 1),
        "drain_tasks_during_outage": tasks[0] - tasks_before,
        "drain_tasks_ready_at_restart": tasks[1],
        "restart_s": round(t_up - t_restart, 2),
        "first_delivered_after_up_s": round(ts(first_d) - t_up, 2),
        "all_delivered_after_up_s": round(ts(last_d) - t_up, 2),
        "all_processed_after_up_s": round(last - t_up, 2),
        "delivery_rate_flowing": (delivered - 1) / max(1e-9, ts(last_d) - ts(first_d)),
        "sweeps": sweeps,
        "delivered_by_sweeps": sum(d for _at, d in sweeps),
        "lost": len(sent_ids - got_ids),
        "unexpected": len(got_ids - sent_ids),
        "duplicated": (rows - distinct_ids) + (rows - distinct_n),
        "processed": in_processed,
        "failed": failed,
    }


def checks(region) -> dict:
    sh, js = region[SH], region[JS]
    out = {}
    for member in (sh, js):
        out[f"{member.code} log-verify"] = member.tongban(
            "federation", "log-verify", check=False
        ).stdout.strip()
    out["310000 audit 320000"] = (
        sh.tongban("federation", "audit", JS, check=False).stdout.strip().splitlines()[0]
    )
    out["320000 audit 310000"] = (
        js.tongban("federation", "audit", SH, check=False).stdout.strip().splitlines()[0]
    )
    return out


# --- printing ---------------------------------------------------------------------------------------------------
def print_profile(found: dict, n: int) -> None:
    def rows(timers: dict, total: float) -> list[tuple]:
        return [
            (name, f"{slot[1]:,}", fmt(slot[0] * 1000 / n, 3), f"{slot[0] / total:.0%}")
            for name, slot in timers.items()
        ]

    s = found["sender"]["send"]
    total = s["loop"] + s["commit"]
    print(f"\n上海 send(): {n} messages in one transaction, {fmt(total * 1000 / n, 3)} ms each")
    table(
        ("part", "calls", "ms/msg", "share"),
        [
            *rows(s["timers"], total),
            ("commit", "1", fmt(s["commit"] * 1000 / n, 3), f"{s['commit'] / total:.0%}"),
        ],
    )
    d = found["sender"]["drain"]
    print(
        f"\n上海 drain() in-process: {d['delivered']} delivered in {fmt(d['wall'], 2)} s = "
        f"{fmt(d['delivered'] / d['wall'])} msg/s, {fmt(d['wall'] * 1000 / n, 3)} ms each"
    )
    table(("part", "calls", "ms/msg", "share"), rows(d["timers"], d["wall"]))
    r = found["recipient"]["receive"]
    print(f"\n江苏 receive() in-process: {fmt(r['wall'] * 1000 / n, 3)} ms each")
    table(("part", "calls", "ms/msg", "share"), rows(r["timers"], r["wall"]))
    rp = found["replayed"]
    print(
        f"\n上海 drain() of {n} messages 江苏 already received (each answered 409 message_replayed with its receipt): "
        f"{rp['delivered']} delivered in {fmt(rp['wall'], 2)} s, {fmt(rp['wall'] * 1000 / n, 3)} ms each"
    )
    p = found["recipient"]["process"]
    print(f"\n江苏 process() in-process: {fmt(p['wall'] * 1000 / n, 3)} ms each")
    table(("part", "calls", "ms/msg", "share"), rows(p["timers"], p["wall"]))


def run(args) -> int:
    os.environ["DATABASE_URL"] = args.database_url
    from tests.federation.cluster import Region

    before = loadavg()
    print(f"machine: {nproc()} CPUs, load average {before}", flush=True)
    env_extra = {
        "DJANGO_SETTINGS_MODULE": args.settings,
        "TONGBAN_FEDERATION_RETRY_MAX_SECONDS": str(args.retry_max_seconds),
        "TONGBAN_FEDERATION_HTTP_TIMEOUT": "10",
        "TONGBAN_SECURE_COOKIES": "0",
        **cli.env_pairs(args.env),
    }
    region = Region([SH, JS], env_extra=env_extra)
    for member in region.members.values():
        member.worker_interval = args.worker_interval
    report: dict = {
        "benchmark": "federation",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {k: v for k, v in vars(args).items() if k != "func"},
        "loadavg_before": before,
    }
    bad = []
    try:
        print("starting 上海 (310000) and 江苏 (320000) and joining them ...", flush=True)
        t0 = time.monotonic()
        region.start()
        region.join()
        print(
            f"region up in {time.monotonic() - t0:.0f} s ({args.settings}, worker interval {args.worker_interval} s)"
        )
        shell(region[SH], SEND_BATCH, {"peer": JS, "n": 20, "phase": "warmup"})
        wait_processed(region[JS], "warmup", 20, timeout=120)

        print(f"\nbaseline 1: {args.baseline_requests} requests of each kind, one at a time ...", flush=True)
        base1 = baseline(region, args.baseline_requests)
        print(f"throughput: {args.messages} pings queued in one transaction ...", flush=True)
        tput = throughput(region, args.messages)
        print(
            f"latency: {args.latency_messages} single pings, {args.latency_spacing} s apart ...", flush=True
        )
        lat = latency(region, args.latency_messages, args.latency_spacing)
        print("baseline 2 ...", flush=True)
        base2 = baseline(region, args.baseline_requests)
        print(f"profile: {args.profile_messages} messages with timers, in-process ...", flush=True)
        prof = profile(region, args.profile_messages)
        out = (
            outage(region, args.outage_seconds, args.outage_rate, args.sweep_seconds)
            if args.outage_seconds > 0
            else None
        )
        print("log-verify and audit on both sides ...", flush=True)
        log_checks = checks(region)
    except BaseException:
        print(region.dump_logs()[-6000:], file=sys.stderr)
        raise
    finally:
        region.close()

    after = loadavg()
    # --- the figures
    pooled = {
        kind: {
            "rps": statistics.mean([base1[kind]["rps"], base2[kind]["rps"]]),
            **ms_stats(base1[kind].pop("_ms") + base2[kind].pop("_ms")),
        }
        for kind in ("health", "signed")
    }
    lat.pop("_ms")
    print(f"\nload average before {before}, after {after}")
    print("\nbaseline: one request at a time over one keep-alive connection, from 上海's Django to 江苏")
    table(
        ("request", "run", "req/s", "p50 ms", "p95 ms", "p99 ms"),
        [
            (
                label,
                run_name,
                fmt(b[kind]["rps"]),
                fmt(b[kind]["p50_ms"], 2),
                fmt(b[kind]["p95_ms"], 2),
                fmt(b[kind]["p99_ms"], 2),
            )
            for kind, label in (("health", "GET /api/health"), ("signed", "bare signed round trip"))
            for run_name, b in (("1", base1), ("2", base2), ("both", pooled))
        ],
        left=2,
    )
    print(f"(signing one request JWS at 上海: p50 {base1['signed']['sign_p50_ms']} ms)")
    signed = pooled["signed"]
    print(f"\nthroughput: {tput['n']:,} pings queued at 上海 in one transaction")
    table(
        ("figure", "value", "÷ bare signed round trip"),
        [
            ("queue (send() loop) s", fmt(tput["enqueue_s"], 2), ""),
            ("on_commit callbacks (drain task enqueues) s", fmt(tput["commit_callbacks_s"], 2), ""),
            ("first delivered after the commit s", fmt(tput["first_delivered_after_commit_s"], 2), ""),
            ("all delivered (receipts in at 上海) s", fmt(tput["delivered_s"], 2), ""),
            ("all processed at 江苏 s", fmt(tput["processed_s"], 2), ""),
            (
                "delivered msg/s (from the commit)",
                fmt(tput["delivered_per_s"]),
                f"{tput['delivered_per_s'] / signed['rps']:.3f}",
            ),
            (
                "delivered msg/s (first to last)",
                fmt(tput["delivered_per_s_flowing"]),
                f"{tput['delivered_per_s_flowing'] / signed['rps']:.3f}",
            ),
            (
                "processed msg/s end to end",
                fmt(tput["processed_per_s"]),
                f"{tput['processed_per_s'] / signed['rps']:.3f}",
            ),
        ],
    )
    print(
        f"failed: {tput['failed']}; drain tasks enqueued at 上海 so far: {tput['drain_tasks_enqueued_at_sender']:,}"
    )
    cpu = tput["cpu"]
    n = tput["n"]
    print(
        f"\nCPU during the throughput phase ({fmt(cpu['wall_s'], 1)} s wall; machine busy {fmt(cpu['machine_busy_s'], 1)} CPU-s of {nproc() * cpu['wall_s']:.0f})"
    )
    table(
        ("process", "CPU s", "ms per message"),
        [(k, fmt(v, 2), fmt(v * 1000 / n, 3)) for k, v in sorted(cpu["cpu_s"].items())]
        + [
            (
                "sum of these",
                fmt(sum(cpu["cpu_s"].values()), 2),
                fmt(sum(cpu["cpu_s"].values()) * 1000 / n, 3),
            )
        ],
    )
    print(f"\nlatency: {lat['n']} single pings {lat['spacing_s']} s apart (上海 created → 江苏 processed)")
    table(
        ("segment", "p50 ms", "p95 ms", "p99 ms", "max ms"),
        [
            (
                label,
                fmt(lat[key]["p50_ms"], 1),
                fmt(lat[key]["p95_ms"], 1),
                fmt(lat[key]["p99_ms"], 1),
                fmt(lat[key]["max_ms"], 1),
            )
            for key, label in (
                ("end_to_end", "end to end"),
                ("created_to_received", "上海 created → 江苏 received"),
                ("received_to_delivered", "江苏 received → receipt in at 上海"),
                ("received_to_processed", "江苏 received → processed"),
            )
        ],
    )
    print(
        f"p99 ÷ bare signed round trip p99: {lat['end_to_end']['p99_ms'] / signed['p99_ms']:.1f}; "
        f"p50 ÷ p50: {lat['end_to_end']['p50_ms'] / signed['p50_ms']:.1f}"
    )
    print_profile(prof, args.profile_messages)
    if out:
        print(
            f"\noutage: 江苏 down {out['seconds']:g} s while 上海 sent {out['sent']:,} messages ({fmt(out['sent_rate'], 2)}/s)"
        )
        table(
            ("figure", "value"),
            [
                ("pending at 上海 when 江苏 came back", f"{out['pending_at_restart']:,}"),
                ("most attempts of one message", str(out["max_attempts_at_restart"])),
                ("latest next attempt, s after the outage", fmt(out["next_attempt_max_s_after_outage"], 1)),
                ("drain tasks run during the outage", f"{out['drain_tasks_during_outage']:,}"),
                ("江苏 restart (start → answering) s", fmt(out["restart_s"], 1)),
                ("first delivered, s after 江苏 answered", fmt(out["first_delivered_after_up_s"], 1)),
                ("all delivered, s after 江苏 answered", fmt(out["all_delivered_after_up_s"], 1)),
                ("all processed, s after 江苏 answered", fmt(out["all_processed_after_up_s"], 1)),
                ("delivery rate while flowing, msg/s", fmt(out["delivery_rate_flowing"])),
                (
                    f"sweeps run (every {args.sweep_seconds:g} s), messages they delivered",
                    f"{len(out['sweeps'])}, {out['delivered_by_sweeps']:,}",
                ),
                ("lost", str(out["lost"])),
                ("duplicated", str(out["duplicated"])),
                ("failed at 上海", str(out["failed"])),
            ],
        )
        if out["lost"] or out["duplicated"] or out["failed"] or out["unexpected"]:
            bad.append("outage: lost, duplicated or failed messages")
    print()
    for name, text in log_checks.items():
        print(f"{name}: {text}")
        if ("log-verify" in name and "intact" not in text) or ("audit" in name and " 0 problems" not in text):
            bad.append(name)
    if tput["failed"]:
        bad.append("throughput: failed messages")
    report.update(
        loadavg_after=after,
        baseline={"run1": base1, "run2": base2, "pooled": pooled},
        throughput=tput,
        latency=lat,
        profile=prof,
        outage=out,
        checks=log_checks,
        ratios={
            "processed_per_s_over_signed_rps": tput["processed_per_s"] / signed["rps"],
            "delivered_per_s_over_signed_rps": tput["delivered_per_s"] / signed["rps"],
            "latency_p99_over_signed_p99": lat["end_to_end"]["p99_ms"] / signed["p99_ms"],
        },
    )
    print(f"\nwrote {write_json(report, args.json)}")
    if bad:
        print(f"FAILED: {', '.join(bad)}")
        return 1
    return 0


def build_parser():
    parser = cli.new_parser(__doc__)
    cli.add_database(
        parser,
        "BENCH_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/tongban",
        "the PostgreSQL server (any database on it; the members' databases are made and dropped)",
    )
    parser.add_argument("--messages", type=int, default=5000, help="pings queued at once (default 5000)")
    parser.add_argument("--latency-messages", type=int, default=300, help="single pings timed (default 300)")
    parser.add_argument(
        "--latency-spacing", type=float, default=0.2, help="seconds between them (default 0.2)"
    )
    parser.add_argument(
        "--baseline-requests", type=int, default=1000, help="requests per baseline kind (default 1000)"
    )
    parser.add_argument(
        "--profile-messages", type=int, default=1000, help="messages timed in-process (default 1000)"
    )
    parser.add_argument(
        "--outage-seconds", type=float, default=300, help="partner outage; 0 skips it (default 300)"
    )
    parser.add_argument(
        "--outage-rate", type=float, default=20, help="messages/s sent during it (default 20)"
    )
    parser.add_argument(
        "--sweep-seconds",
        type=float,
        default=60,
        help="after the outage, run 上海's federation sweep this often, as production's minute timer (0: never)",
    )
    parser.add_argument(
        "--retry-max-seconds", type=int, default=60, help="TONGBAN_FEDERATION_RETRY_MAX_SECONDS (default 60)"
    )
    parser.add_argument(
        "--worker-interval", type=float, default=0.1, help="the workers' poll interval (default 0.1)"
    )
    parser.add_argument(
        "--settings", default="tongban.settings", help="DJANGO_SETTINGS_MODULE of the members"
    )
    cli.add_output_options(parser, RESULTS_PATH, keep=None)
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="extra member environment"
    )
    return parser


def check(args) -> None:
    cli.check_args(
        args,
        positive=("messages", "latency_messages", "baseline_requests", "profile_messages"),
        at_least_zero=("outage_seconds", "sweep_seconds"),
    )


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, build_parser, run, check)


if __name__ == "__main__":
    sys.exit(main())
