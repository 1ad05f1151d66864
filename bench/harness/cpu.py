"""CPU time per request, read from /proc around a loaded run: the server (its process group), the PostgreSQL
backends of the bench database and PostgreSQL's shared processes, the load generator (this process), and the
rest of the machine (other people's work: the figure that says a run was disturbed)."""

from __future__ import annotations

import os
import statistics

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PARTS = ("server", "postgresql", "postgresql_shared", "generator")


def cpu_snapshot(server_pgid: int | None, dbname: str) -> dict:
    """CPU seconds used so far by the server (its process group: gunicorn master and workers), PostgreSQL's
    backends connected to the bench database, PostgreSQL's shared processes (WAL writer, checkpointer,
    background writer …: their work is partly ours), this process (the load generator), and the whole
    machine (/proc/stat). Other databases' backends (other people's tests) count as the rest of the machine."""
    seconds = dict.fromkeys(PARTS, 0.0)
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                raw = fh.read().decode(errors="replace")
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        pgrp, used = int(fields[2]), (int(fields[11]) + int(fields[12])) / _TICK
        if int(entry.name) == me:
            seconds["generator"] += used
        elif server_pgid is not None and pgrp == server_pgid:
            seconds["server"] += used
        elif comm.startswith("postgres"):
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as fh:
                    title = fh.read().decode(errors="replace")
            except OSError:
                continue
            if f" {dbname} " in title:
                seconds["postgresql"] += used
            elif "(" not in title:  # not a client backend: checkpointer, writers, launchers
                seconds["postgresql_shared"] += used
    try:
        with open("/proc/stat") as fh:
            cpu = [int(x) for x in fh.readline().split()[1:]]
        seconds["machine_busy"] = (sum(cpu) - cpu[3] - (cpu[4] if len(cpu) > 4 else 0)) / _TICK
        seconds["machine_all"] = sum(cpu) / _TICK
    except (OSError, ValueError):
        pass
    return seconds


def with_cpu(server_pgid: int | None, dbname: str, load) -> dict:
    """Run ``load()`` (returns a result with ``requests``) and add the CPU milliseconds per request each part
    used: the server, PostgreSQL, the generator, and everything else on the machine (``other``: other
    people's work, and processes that ended meanwhile); ``idle``: the share of the CPUs left unused."""
    before = cpu_snapshot(server_pgid, dbname)
    res = load()
    after = cpu_snapshot(server_pgid, dbname)
    delta = {k: after[k] - before[k] for k in before if k in after}
    n = max(res["requests"], 1)
    cpu = {k: delta[k] * 1000.0 / n for k in PARTS}
    if "machine_busy" in delta:
        cpu["other"] = max(0.0, delta["machine_busy"] * 1000.0 / n - sum(cpu.values()))
        cpu["idle_share"] = 1 - delta["machine_busy"] / delta["machine_all"] if delta["machine_all"] else 0.0
    res["cpu_ms_per_request"] = cpu
    return res


def cpu_median(runs: list[dict]) -> dict | None:
    """The median of each part over runs measured with ``with_cpu`` (None when one was not)."""
    if not runs or not all("cpu_ms_per_request" in r for r in runs):
        return None
    keys = [k for k in (*PARTS, "other", "idle_share") if k in runs[0]["cpu_ms_per_request"]]
    return {k: statistics.median(r["cpu_ms_per_request"][k] for r in runs) for k in keys}


def cpu_text(cpu: dict, server: bool = True) -> str:
    text = (
        f"{'server ' + format(cpu['server'], '.2f') + ', ' if server else ''}PostgreSQL {cpu['postgresql']:.2f} "
        f"(+ shared processes {cpu['postgresql_shared']:.2f}), generator {cpu['generator']:.2f}"
    )
    if "other" in cpu:
        text += f", other {cpu['other']:.2f}; CPUs idle {cpu['idle_share']:.0%}"
    return text
