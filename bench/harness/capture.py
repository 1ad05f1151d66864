"""The capture side of a request's bound (a child process with Django set up): the SQL statements of one
Django call, recorded with their parameters, made into the recipe that ``replay.py`` replays (see there what
changes from one replay to the next and why)."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import re
import uuid as uuid_module

_INSERT = re.compile(r'^\s*INSERT INTO "(?P<table>[^"]+)" \((?P<cols>[^)]*)\)\s*(?P<rest>.*)$', re.S)
WRAPPERS = ("Int2", "Int4", "Int8", "IntNumeric", "Float4", "Float8", "Oid")

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
        return ["w", name, int(value)] if name in WRAPPERS else ["c", int(value)]
    if isinstance(value, float):
        return ["w", name, float(value)] if name in WRAPPERS else ["c", float(value)]
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
