"""PostgreSQL helpers for the data generators: a table's secondary indexes and constraints dropped before a
bulk load and made again after it (a load into a table without them is several times faster)."""

from __future__ import annotations


def secondary(cursor, table: str, kinds: tuple = ("u", "f", "c", "x")) -> tuple[list, list]:
    """The table's indexes that no constraint owns ``[(name, definition)]`` and its constraints of ``kinds``
    (``u`` unique, ``f`` foreign key, ``c`` check, ``x`` exclusion) ``[(name, definition, kind)]``; the
    primary key is neither."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype::text FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype::text = ANY(%s) ORDER BY contype DESC, conname",
        [table, list(kinds)],
    )
    constraints = [tuple(row) for row in cursor.fetchall()]
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY i.relname",
        [table],
    )
    return [tuple(row) for row in cursor.fetchall()], constraints


def drop_secondary(cursor, table: str, kinds: tuple = ("u", "f", "c", "x")) -> tuple[list, list]:
    """Drop the table's constraints of ``kinds``, then its other indexes; return them (see ``secondary``)."""
    indexes, constraints = secondary(cursor, table, kinds)
    for name, _definition, _kind in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return indexes, constraints


def restore_secondary(cursor, dropped: dict) -> None:
    """Make again what ``drop_secondary`` dropped, ``{table: (indexes, constraints)}``: every table's indexes
    and constraints, then the foreign keys (which need the other tables' unique keys)."""
    for table, (indexes, constraints) in dropped.items():
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition, kind in constraints:
            if kind != "f":
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for table, (_indexes, constraints) in dropped.items():
        for name, definition, kind in constraints:
            if kind == "f":
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
