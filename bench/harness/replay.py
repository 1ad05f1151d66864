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
import re
import secrets
import time
import uuid as uuid_module

from bench.harness.load import ClientResult, Schedule, aggregate, run_clients
from bench.harness.server import REQUEST_TIMEOUT

_INSERT = re.compile(r'^\s*INSERT INTO "(?P<table>[^"]+)" \((?P<cols>[^)]*)\)\s*(?P<rest>.*)$', re.S)
_WRAPPERS = ("Int2", "Int4", "Int8", "IntNumeric", "Float4", "Float8", "Oid")

# --- capture (child side: Django set up) ------------------------------------------------------------------


class Recorder:
    """A ``connection.execute_wrapper`` that keeps every statement with its parameters and the rows it
    returned (read from the client-side result and rewound, so Django still reads them)."""

    def __init__(self):
        self.statements: list[dict] = []

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        cursor = getattr(context["cursor"], "cursor", context["cursor"])
        rows = None
        if not many and cursor.description is not None:
            rows = [list(row) for row in cursor.fetchall()]
            cursor.scroll(0, mode="absolute")
        self.statements.append({"sql": sql, "params": params, "many": many, "rows": rows})
        return result


def capture(call) -> tuple[list[dict], set]:
    """Run ``call()`` twice, recording the statements of the second call, the uuids made with ``uuid.uuid4``
    meanwhile, and the strings and uuids that differ between the two calls."""
    from django.db import connection

    made: set = set()
    original = uuid_module.uuid4

    def recording_uuid4():
        value = original()
        made.add(value)
        return value

    recorders = [Recorder(), Recorder()]
    uuid_module.uuid4 = recording_uuid4
    try:
        for recorder in recorders:
            with connection.execute_wrapper(recorder):
                call()
    finally:
        uuid_module.uuid4 = original
    first, second = (r.statements for r in recorders)
    return second, made | _differing(first, second)


def _flat(value):
    if isinstance(value, list | tuple):
        for item in value:
            yield from _flat(item)
    else:
        yield value


def _differing(first: list[dict], second: list[dict]) -> set:
    """The strings and uuids of the second call's parameters that differ from the first's at the same place
    (nothing when the two calls did not run the same statements)."""
    if [st["sql"] for st in first] != [st["sql"] for st in second]:
        return set()
    found = set()
    for a, b in zip(first, second, strict=True):
        values_a, values_b = list(_flat(a["params"] or [])), list(_flat(b["params"] or []))
        if len(values_a) != len(values_b):
            continue
        for x, y in zip(values_a, values_b, strict=True):
            if isinstance(y, uuid_module.UUID | str) and x != y and (not isinstance(y, str) or len(y) >= 8):
                found.add(y)
    return found


def _unique_columns(cursor, table: str) -> list[set]:
    """The column sets of the table's unique indexes (primary key excepted; expression columns included)."""
    cursor.execute(
        "SELECT pg_get_indexdef(x.indexrelid), "
        "ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = x.indrelid "
        "AND a.attnum = ANY(x.indkey)) FROM pg_index x WHERE x.indrelid = %s::regclass "
        "AND x.indisunique AND NOT x.indisprimary",
        [table],
    )
    rows = cursor.fetchall()
    found = []
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [table],
    )
    names = [r[0] for r in cursor.fetchall()]
    for definition, columns in rows:
        keyed = definition.split(" USING ", 1)[-1].split(" WHERE ", 1)[0]
        named = {n for n in names if re.search(rf'(?<![\w"]){re.escape(n)}(?![\w"])|"{re.escape(n)}"', keyed)}
        columns = set(columns) | named
        found.append(columns)
    return found


def _foreign_keys() -> dict:
    """``{(table, column): referenced table}`` for every many-to-one field of the installed models (also those
    without a database constraint)."""
    from django.apps import apps

    out = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is not None and getattr(field, "column", None):
                out[(model._meta.db_table, field.column)] = field.related_model._meta.db_table
    return out


def _rows_of(insert: dict, params) -> list[dict]:
    """The rows an INSERT writes: ``{column: value}`` (VALUES of one or more rows, or UNNEST of arrays)."""
    columns = insert["columns"]
    if insert["unnest"]:
        return [dict(zip(columns, values, strict=True)) for values in zip(*params, strict=True)]
    width = len(columns)
    return [dict(zip(columns, params[i : i + width], strict=True)) for i in range(0, len(params), width)]


def _shape(value) -> str:
    if isinstance(value, uuid_module.UUID):
        return "uuid"
    return "str" if isinstance(value, str) else ""


def build_recipe(statements: list[dict], made: set) -> dict:
    """The recipe of a replay (JSON): the statements with their parameters as templates, the values that change
    and the dependencies (a later statement's parameter that an earlier statement returned)."""
    from django.db import connection

    foreign = _foreign_keys()
    unique_cache: dict[str, list[set]] = {}
    returned: dict[tuple, tuple] = {}  # (table, value) -> (statement, row, column)
    fresh_uuids = {str(u) for u in made if isinstance(u, uuid_module.UUID)}
    # A differing string that holds another changing value (a message with the case number, a link with the
    # case's uuid) changes by the replacement of that value; the others are replaced whole.
    forms = fresh_uuids | {uuid_module.UUID(u).hex for u in fresh_uuids}
    strings = {str.__str__(v) for v in made if isinstance(v, str)}
    fresh_strings: set[str] = {
        v for v in strings if v not in forms and not any(o != v and o in v for o in strings | forms)
    }
    refs: dict[int, dict] = {}  # statement index -> {column: (statement, row, col)}
    dependencies = []
    for index, st in enumerate(statements):
        match = _INSERT.match(st["sql"])
        st["insert"] = None
        if not match or st["many"]:
            continue
        table = match["table"]
        insert = {
            "table": table,
            "columns": re.findall(r'"([^"]+)"', match["cols"]),
            "unnest": match["rest"].lstrip().upper().startswith("SELECT * FROM UNNEST"),
        }
        st["insert"] = insert
        if table not in unique_cache:
            with connection.cursor() as cursor:
                unique_cache[table] = _unique_columns(cursor, table)
        rows = _rows_of(insert, list(st["params"] or []))
        changing = set()
        column_refs = {}
        for column in insert["columns"]:
            target = foreign.get((table, column))
            if target is None:
                continue
            values = [row[column] for row in rows]
            found = [returned.get((target, int(v))) if isinstance(v, int) else None for v in values]
            if values and all(found):
                column_refs[column] = target
                changing.add(column)
                dependencies.append(
                    {"statement": index, "column": column, "from": found[0][0], "table": target}
                )
        refs[index] = column_refs
        for columns in unique_cache[table]:
            if not columns <= set(insert["columns"]) or columns & changing:
                continue
            for row in rows:
                for column in columns:
                    value = row[column]
                    if _shape(value) == "uuid":
                        fresh_uuids.add(str(value))
                    elif _shape(value) == "str" and value:
                        fresh_strings.add(str.__str__(value))
        returning = re.search(r"RETURNING (.*)$", st["sql"], re.S)
        if returning and st["rows"]:
            returned_columns = [c.split(".")[-1].strip('" ') for c in returning.group(1).split(",")]
            for r, row in enumerate(st["rows"]):
                for c, value in enumerate(row):
                    if returned_columns[c] == "id" and isinstance(value, int):
                        returned[(table, value)] = (index, r, c)
    # Replaced in every string: the longer first (no old value is part of another, but be safe).
    replace = sorted(fresh_uuids | fresh_strings | {uuid_module.UUID(u).hex for u in fresh_uuids}, key=len)
    replace.reverse()
    out = []
    for index, st in enumerate(statements):
        lookup = {}
        if st["insert"] is not None:
            for column, target in refs.get(index, {}).items():
                lookup[column] = target
        params = st["params"]
        template = _template_params(st, params, lookup, returned, fresh_uuids, replace)
        out.append(
            {
                "sql": st["sql"],
                "many": bool(st["many"]),
                "params": template,
                "returns": st["rows"] is not None,
            }
        )
    return {
        "statements": out,
        "replace": replace,
        "fresh_uuids": sorted(fresh_uuids),
        "fresh_strings": sorted(fresh_strings),
        "dependencies": dependencies,
    }


def _template_params(st, params, lookup, returned, fresh_uuids, replace):
    if params is None:
        return None
    if st["many"]:
        return [_encode_list(p, None, returned, fresh_uuids, replace) for p in params]
    insert = st["insert"]
    columns = insert["columns"] if insert else None
    out = []
    for i, value in enumerate(params):
        column = None
        if columns:
            column = columns[i] if insert["unnest"] else columns[i % len(columns)]
        target = lookup.get(column)
        out.append(_encode(value, target, returned, fresh_uuids, replace))
    return out


def _encode_list(values, target, returned, fresh_uuids, replace):
    return ["list", [_encode(v, target, returned, fresh_uuids, replace) for v in values]]


def _encode(value, target, returned, fresh_uuids, replace):
    """A parameter as a template node: ``[kind, …]``."""
    from psycopg.types.json import Json, Jsonb

    if value is None or isinstance(value, bool):
        return ["c", value]
    name = type(value).__name__
    if isinstance(value, int):
        if target is not None and (target, int(value)) in returned:
            return ["ref", *returned[(target, int(value))]]
        return ["w", name, int(value)] if name in _WRAPPERS else ["c", int(value)]
    if isinstance(value, float):
        return ["w", name, float(value)] if name in _WRAPPERS else ["c", float(value)]
    if isinstance(value, str):
        text = str.__str__(value)
        return ["s", text] if any(old in text for old in replace) else ["c", text]
    if isinstance(value, uuid_module.UUID):
        return ["u", str(value)] if str(value) in fresh_uuids else ["uuid", str(value)]
    if isinstance(value, Json | Jsonb):
        text = json.dumps(value.obj, ensure_ascii=False, default=str)
        kind = "jsonb" if isinstance(value, Jsonb) else "json"
        return [kind, text, any(old in text for old in replace)]
    if isinstance(value, list | tuple):
        return _encode_list(value, target, returned, fresh_uuids, replace)
    if isinstance(value, dt.datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    if isinstance(value, dt.time):
        return ["t", value.isoformat()]
    if isinstance(value, dt.timedelta):
        return ["td", value.total_seconds()]
    if isinstance(value, decimal.Decimal):
        return ["dec", str(value)]
    if isinstance(value, bytes | bytearray | memoryview):
        return ["b", base64.b64encode(bytes(value)).decode()]
    raise TypeError(f"cannot replay a parameter of type {type(value).__name__}: {value!r}")


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
        self._wrappers = {name: getattr(numeric, name) for name in _WRAPPERS if hasattr(numeric, name)}
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
