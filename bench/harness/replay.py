"""The bound of a request: the SQL statements one Django call executes, captured with their parameters, then
replayed straight through psycopg (no Django) in one transaction per replay.

A replay must write new rows as the request does, so the recipe marks what changes from one replay to the
next (found when the statements are captured, with Django's models and the database's unique indexes):

- the rows' own identities: every value in a column of a unique index of an inserted row (a case number, an
  Idempotency-Key, a uuid) is replaced by a new value of the same shape, wherever it appears (also inside
  other strings and JSON: the number in a message, the uuid in a link);
- uuids the call made with ``uuid.uuid4`` (a request id): new ones too;
- the strings and uuids that differ between two calls at the same place of the same statement (what the two
  rules above cannot see, e.g. a statement that inserts into several tables at once);
- values an earlier statement returned (``INSERT … RETURNING id``) and a later one uses (a foreign key to
  that table): the value the replay's own statement returned.

A unique index one of whose columns already changes (a step's ``(case_id, key)``) needs nothing more.
The parameters are sent as Django sends them: with psycopg's client-side binding cursor (``ClientCursor``).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import secrets
import time
import uuid as uuid_module

from bench.harness.capture import WRAPPERS
from bench.harness.load import ClientResult, Schedule, aggregate, run_clients
from bench.harness.server import REQUEST_TIMEOUT

# --- replay (no Django) -----------------------------------------------------------------------------------


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _new_like(old: str) -> str:
    """A new value of the same length and alphabet as ``old`` (its last 8 characters random)."""
    n = min(8, len(old))
    tail = old[-n:]
    if all(c in "0123456789abcdef" for c in tail):
        alphabet = "0123456789abcdef"
    elif all(c in _CROCKFORD for c in tail):
        alphabet = _CROCKFORD
    else:
        alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    return old[:-n] + "".join(secrets.choice(alphabet) for _ in range(n))


class Replay:
    """A recipe ready to run: ``run(conn)`` writes one new request's rows in one transaction."""

    def __init__(self, recipe: dict):
        from psycopg.types import numeric

        self.replace = recipe["replace"]
        self.fresh_uuids = recipe["fresh_uuids"]
        self.fresh_strings = recipe["fresh_strings"]
        self._wrappers = {name: getattr(numeric, name) for name in WRAPPERS if hasattr(numeric, name)}
        # The parameters that are the same in every replay are made once ("k" nodes).
        self.statements = [
            {**st, "params": None if st["params"] is None else [self._compile(p) for p in st["params"]]}
            for st in recipe["statements"]
        ]

    def _compile(self, node):
        kind = node[0]
        if kind == "list":
            items = [self._compile(n) for n in node[1]]
            if all(n[0] == "k" for n in items):
                return ["k", [n[1] for n in items]]
            return ["list", items]
        if kind in ("s", "ref", "u") or (kind in ("jsonb", "json") and node[2]):
            return node
        return ["k", self._value(node, {}, [])]

    def _mapping(self) -> dict:
        """Old value -> this replay's new one (a uuid in its text and hex forms)."""
        mapping = {}
        for old in self.fresh_uuids:
            new = uuid_module.uuid4()
            mapping[old] = str(new)
            mapping[uuid_module.UUID(old).hex] = new.hex
        for old in self.fresh_strings:
            mapping.setdefault(old, _new_like(old))
        return mapping

    def _value(self, node, mapping, results):
        from psycopg.types.json import Json, Jsonb

        kind = node[0]
        if kind in ("c", "k"):
            return node[1]
        if kind == "s":
            text = node[1]
            for old in self.replace:
                if old in text:
                    text = text.replace(old, mapping[old])
            return text
        if kind == "list":
            return [self._value(n, mapping, results) for n in node[1]]
        if kind == "ref":
            return results[node[1]][node[2]][node[3]]
        if kind == "u":
            return uuid_module.UUID(mapping[node[1]])
        if kind == "uuid":
            return uuid_module.UUID(node[1])
        if kind == "w":
            return self._wrappers[node[1]](node[2])
        if kind in ("jsonb", "json"):
            text = node[1]
            if node[2]:
                for old in self.replace:
                    if old in text:
                        text = text.replace(old, mapping[old])
            return (Jsonb if kind == "jsonb" else Json)(json.loads(text))
        if kind == "dt":
            return dt.datetime.fromisoformat(node[1])
        if kind == "d":
            return dt.date.fromisoformat(node[1])
        if kind == "t":
            return dt.time.fromisoformat(node[1])
        if kind == "td":
            return dt.timedelta(seconds=node[1])
        if kind == "dec":
            return decimal.Decimal(node[1])
        if kind == "b":
            return base64.b64decode(node[1])
        raise ValueError(f"unknown template node {kind!r}")

    def run(self, conn) -> list:
        """One replay in one transaction, as Django runs one (the connection not in autocommit: psycopg sends
        BEGIN with the first statement; then COMMIT); returns the rows each statement returned."""
        mapping = self._mapping()
        results: list = []
        try:
            with conn.cursor() as cursor:
                for st in self.statements:
                    params = st["params"]
                    if st["many"]:
                        cursor.executemany(st["sql"], [self._value(p, mapping, results) for p in params])
                        results.append(None)
                        continue
                    values = None if params is None else [self._value(p, mapping, results) for p in params]
                    cursor.execute(st["sql"], values)
                    results.append(cursor.fetchall() if cursor.description is not None else None)
            conn.commit()
        except BaseException:
            if not conn.closed:
                conn.rollback()
            raise
        return results


def connect(url: str):
    """A connection as Django makes one: client-side binding (``ClientCursor``), not autocommit."""
    import psycopg

    return psycopg.connect(url, cursor_factory=psycopg.ClientCursor, connect_timeout=10)


def check(url: str, recipe: dict, times: int = 2) -> None:
    """Replay ``times`` times; every statement that returned rows when captured must return rows again."""
    replay = Replay(recipe)
    with connect(url) as conn:
        for _ in range(times):
            results = replay.run(conn)
            for st, rows in zip(recipe["statements"], results, strict=True):
                if st["returns"] and not rows:
                    raise RuntimeError(f"the replayed statement returned nothing: {st['sql'][:200]}")


def connections(url: str, count: int) -> list:
    """``count`` connections for ``bound_load`` (opened before a run, so that their backends' CPU time is seen
    by ``cpu.with_cpu``, and kept open as Django keeps its own)."""
    out = []
    try:
        for _ in range(count):
            conn = connect(url)
            with conn.cursor() as cursor:
                cursor.execute("SET statement_timeout = %s", [int(REQUEST_TIMEOUT * 1000)])
            conn.commit()
            out.append(conn)
    except BaseException:
        close(out)
        raise
    return out


def close(conns: list) -> None:
    for conn in conns:
        conn.close()


def replay_client(url: str, recipe: dict, conns: list):
    """A client for ``run_clients``: connection ``index`` of ``conns``, one replay (one transaction) per
    request; a failed replay counts as a problem (a broken connection is opened again)."""

    def client(index: int, schedule: Schedule) -> ClientResult:
        import psycopg

        out = ClientResult()
        replay = Replay(recipe)
        conn = conns[index]
        schedule.wait()
        while (due := schedule.next_due()) is not None:
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            t0 = time.perf_counter()
            try:
                replay.run(conn)
            except psycopg.Error as exc:
                out.problem(f"{exc.__class__.__name__}", str(exc)[:200])
                if conn.broken or conn.closed:
                    conn = conns[index] = connections(url, 1)[0]
                time.sleep(0.01)
                continue
            end = time.perf_counter()
            out.latencies.append((end - (due or t0)) * 1000.0)
            out.service.append((end - t0) * 1000.0)
        out.end = time.perf_counter()
        return out

    return client


def bound_load(url: str, recipe: dict, conns: list, duration: float, rate: float | None = None) -> dict:
    """The recipe replayed by one client per connection of ``conns`` for ``duration`` seconds: closed loop,
    or open loop at ``rate`` replays/s; the figures of ``load.aggregate``."""
    schedule = Schedule(duration, rate)
    results, start = run_clients(len(conns), schedule, replay_client(url, recipe, conns))
    return {**aggregate(results, start), "generator": "python (psycopg)", "target_rate": rate}
