"""Writing checked rows: PostgreSQL COPYs each chunk into a temporary table and upserts it in one sorted
statement; SQLite runs the same upsert with ``executemany``. New identifiers are inserted, known ones
updated when a field changed (a change of the signed data clears the signature), left alone otherwise."""

from __future__ import annotations

import json

from django.db import connection, models

from tongban.licences.imports.report import FIELDS, ImportFileError, ImportReport
from tongban.licences.models import Licence

SQLITE_CACHE_KIB = 262_144  # 256 MiB: the load runs nearly twice as fast (docs/performance/limits.md §4)

# The columns a row tuple fills, in its order (see Checker.check).
ROW_COLUMNS = (
    "identifier",
    "type_id",
    "number",
    "holder_kind",
    "holder_code",
    "holder_name",
    "issuer_uuid",
    "issuer_name",
    "issuer_code",
    "issue_date",
    "valid_from",
    "valid_until",
    "status",
    "version",
    "serial",
    "face",
)
# Fields compared to tell an update from an unchanged row (every field of a row but the key); those in the
# signature (keys.canonical_data).
COMPARED = tuple(f for f in FIELDS if f != "identifier")
SIGNED = tuple(c for c in COMPARED if c != "status")


def _literal(value) -> str:
    """A column default as an SQL literal (only the simple values model defaults are)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict | list):
        value = json.dumps(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


def _other_columns(uuid_sql: str, now_sql: str) -> list[tuple[str, str]]:
    """(column, SQL value) for every Licence column a row does not fill: its default."""
    out = []
    for f in Licence._meta.concrete_fields:
        if f.column in ROW_COLUMNS or f.primary_key:
            continue
        if f.name == "uuid":
            out.append((f.column, uuid_sql))
        elif getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
            out.append((f.column, now_sql))
        elif f.null and not f.has_default():
            out.append((f.column, "NULL"))
        else:
            default = f.get_default()  # "" for a text field without one
            if default is None:  # a column added without a default: this module must learn to fill it
                raise RuntimeError(f"licence import: no value for the column {f.column}")
            if isinstance(f, models.BooleanField) and connection.vendor == "sqlite":
                default = int(default)
            out.append((f.column, _literal(default)))
    return out


def _upsert_tail(table_alias: str, excluded: str, now_sql: str, distinct: str) -> str:
    """ON CONFLICT … DO UPDATE of the compared fields, when one differs (PostgreSQL ``IS DISTINCT FROM``,
    SQLite ``IS NOT``). A change of the signed data clears the signature; a status change is dated."""
    t, e = table_alias, excluded
    mine = ", ".join(f"{t}.{c}" for c in COMPARED)
    theirs = ", ".join(f"{e}.{c}" for c in COMPARED)
    signed_mine = ", ".join(f"{t}.{c}" for c in SIGNED)
    signed_theirs = ", ".join(f"{e}.{c}" for c in SIGNED)
    signed_changed = f"({signed_mine}) {distinct} ({signed_theirs})"
    sets = [f"{c} = {e}.{c}" for c in COMPARED]
    sets += [
        f"status_changed_at = CASE WHEN {t}.status <> {e}.status THEN {now_sql} ELSE {t}.status_changed_at END",
        f"signature = CASE WHEN {signed_changed} THEN '' ELSE {t}.signature END",
        f"kid = CASE WHEN {signed_changed} THEN '' ELSE {t}.kid END",
        f"issuer_uuid = COALESCE({t}.issuer_uuid, {e}.issuer_uuid)",
    ]
    return f"ON CONFLICT (identifier) DO UPDATE SET {', '.join(sets)} WHERE ({mine}) {distinct} ({theirs})"


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(rows: list[tuple]) -> bytes:
    """Rows in COPY's text format: NULL as ``\\N``, backslash, tab, newline and carriage return escaped
    (the values are text, numbers, uuids and ISO dates; the readers have refused NUL)."""
    if not rows:
        return b""
    tabs = len(rows[0]) - 1
    lines = []
    for row in rows:
        line = "\t".join(["\\N" if v is None else str(v) for v in row])
        if line.count("\t") != tabs or "\\" in line or "\n" in line or "\r" in line:
            line = "\t".join(["\\N" if v is None else str(v).translate(_COPY_ESCAPES) for v in row])
        lines.append(line)
    lines.append("")
    return "\n".join(lines).encode()


class _PostgresWriter:
    """COPY each chunk into a temporary table, then one sorted upsert into the licence table."""

    STAGE = "licence_import_stage"

    def __init__(self):
        self.table = table = Licence._meta.db_table
        others = _other_columns("gen_random_uuid()", "now()")
        columns = ", ".join([*ROW_COLUMNS, *(c for c, _v in others)])
        values = ", ".join([*ROW_COLUMNS, *(v for _c, v in others)])
        self.insert = (
            f"WITH up AS (INSERT INTO {table} AS l ({columns}) "  # noqa: S608 — our own names and literals
            f"SELECT {values} FROM {self.STAGE} ORDER BY identifier "
            f"{_upsert_tail('l', 'EXCLUDED', 'now()', 'IS DISTINCT FROM')} "
            "RETURNING (xmax = 0) AS inserted, signature = '' AS unsigned) "
            "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), "
            "count(*) FILTER (WHERE unsigned) FROM up"
        )
        self.unsigned = (
            f"SELECT count(*) FROM {self.STAGE} s JOIN {table} l ON l.identifier = s.identifier "  # noqa: S608
            "WHERE l.signature = ''"
        )

    def start(self, cursor) -> None:
        cursor.execute("SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = %s::regclass", [self.table])
        self.rows_before = cursor.fetchone()[0]
        cursor.execute("SET LOCAL work_mem = '128MB'")  # the chunk's sort in memory
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{self.STAGE}")
        cursor.execute(
            f"CREATE TEMP TABLE {self.STAGE} (identifier text, type_id bigint, number text, holder_kind text, "
            "holder_code text, holder_name text, issuer_uuid uuid, issuer_name text, issuer_code text, "
            "issue_date date, valid_from date, valid_until date, status text, version smallint, serial text, "
            "face jsonb) ON COMMIT DROP"
        )

    @staticmethod
    def prepare(rows: list[tuple]) -> bytes:
        """The chunk as COPY text, made by the reading process: this one then sends it in one call."""
        return _copy_text(rows)

    def write(self, cursor, data: bytes, count: int, report: ImportReport) -> None:
        raw = cursor.cursor  # psycopg's cursor under Django's wrapper
        with raw.copy(f"COPY {self.STAGE} ({', '.join(ROW_COLUMNS)}) FROM STDIN") as copy:
            copy.write(data)
        cursor.execute(self.insert)
        inserted, updated, unsigned = cursor.fetchone()
        unchanged = count - inserted - updated
        if unchanged:  # were those left alone signed already?
            cursor.execute(self.unsigned)
            unsigned = cursor.fetchone()[0]
        report.imported += inserted
        report.updated += updated
        report.unchanged += unchanged
        report.awaiting_signature += unsigned
        cursor.execute(f"TRUNCATE {self.STAGE}")

    def finish(self, cursor, report: ImportReport) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{self.STAGE}")
        if report.imported >= 10_000 and report.imported >= self.rows_before / 10:
            # Fresh statistics for what runs next (the signing task), as autovacuum would after a 10 % change.
            cursor.execute(f"ANALYZE {self.table}")

    def close(self) -> None:
        """After the load or a failure (a rollback drops the temporary table)."""


class _SqliteWriter:
    """``executemany`` of the upsert per chunk, with a large page cache for the load."""

    # A version-4 UUID in Django's SQLite form (32 hex digits).
    UUID4 = (
        "lower(hex(randomblob(6)) || '4' || substr(hex(randomblob(2)), 2) || "
        "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(8)), 2))"
    )
    NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"

    def __init__(self):
        table = Licence._meta.db_table
        others = _other_columns(self.UUID4, self.NOW)
        columns = ", ".join([*ROW_COLUMNS, *(c for c, _v in others)])
        values = ", ".join(["?"] * len(ROW_COLUMNS) + [v for _c, v in others])
        self.table = table
        self.insert = (
            f"INSERT INTO {table} AS l ({columns}) VALUES ({values}) "  # noqa: S608 — our own names and literals
            + _upsert_tail("l", "excluded", self.NOW, "IS NOT")
        )
        self.unsigned = (
            f"SELECT count(*) FROM {table} WHERE signature = '' "  # noqa: S608
            "AND identifier IN (SELECT value FROM json_each(?))"
        )

    def start(self, cursor) -> None:
        self.db = connection.connection  # sqlite3's connection under Django's, in its transaction
        self.cache = self.db.execute("PRAGMA cache_size").fetchone()[0]
        self.db.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")

    @staticmethod
    def prepare(rows: list[tuple]) -> list[tuple]:
        return rows

    def write(self, cursor, rows: list[tuple], count: int, report: ImportReport) -> None:
        db = self.db
        before = db.total_changes
        max_id = db.execute(f"SELECT coalesce(max(id), 0) FROM {self.table}").fetchone()[0]  # noqa: S608
        db.executemany(self.insert, rows)
        written = db.total_changes - before
        inserted = db.execute(f"SELECT count(*) FROM {self.table} WHERE id > ?", (max_id,)).fetchone()[0]  # noqa: S608
        updated = written - inserted
        unchanged = len(rows) - written
        unsigned = written  # a new row has no signature; an updated one may keep it (status change)
        if inserted != len(rows):
            identifiers = json.dumps([row[0] for row in rows])
            unsigned = db.execute(self.unsigned, (identifiers,)).fetchone()[0]
        report.imported += inserted
        report.updated += updated
        report.unchanged += unchanged
        report.awaiting_signature += unsigned

    def finish(self, cursor, report: ImportReport) -> None:
        pass

    def close(self) -> None:
        """After the load or a failure: the connection's own page cache size again."""
        self.db.execute(f"PRAGMA cache_size = {int(self.cache)}")


def writer_for_connection():
    if connection.vendor == "postgresql":
        return _PostgresWriter()
    if connection.vendor == "sqlite":
        return _SqliteWriter()
    raise ImportFileError(f"licence import: no writer for {connection.vendor}")
