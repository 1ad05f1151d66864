"""The read behind 两个免于提交 (a hot path of every application): which of the asked-for licence types the
library keeps, and the holder's newest licence in force of each — one statement, made once per process and
database from the models' metadata (the ORM would compile a FilteredRelation query again for every
submission), its values turned into Python by the fields' own converters.

Its "in force" conditions are those of ``Licence.in_force_on`` / ``in_force_q``; the matrix in
tests/licences/test_in_force.py runs this read against them on both databases."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection

from tongban.licences.constants import LicenceStatus
from tongban.licences.models import Licence, LicenceType

_TYPE_FIELDS = ("code", "name", "face_schema")
_LICENCE_FIELDS = ("id", "uuid", "identifier", "number", "holder_name", "issuer_name", "valid_until", "face")
_statements: dict[tuple[str, int], tuple[str, list]] = {}  # (vendor, number of codes) → (SQL, converters)


def _statement(codes: int) -> tuple[str, list]:
    key = (connection.vendor, codes)
    made = _statements.get(key)
    if made is None:
        quote = connection.ops.quote_name
        typ, lic = quote(LicenceType._meta.db_table), quote(Licence._meta.db_table)

        def column(model, name: str) -> str:
            return quote(model._meta.get_field(name).column)

        columns, converters = [], []
        for model, table, names in ((LicenceType, typ, _TYPE_FIELDS), (Licence, lic, _LICENCE_FIELDS)):
            for name in names:
                field = model._meta.get_field(name)
                col = field.get_col(model._meta.db_table)
                columns.append(f"{table}.{quote(field.column)}")
                converters.append(
                    (col, tuple(connection.ops.get_db_converters(col) + field.get_db_converters(connection)))
                )
        true = "TRUE" if connection.vendor == "postgresql" else "1"
        in_force = (
            f"{lic}.{column(Licence, 'current')} = {true} AND {lic}.{column(Licence, 'status')} = %s "
            f"AND {lic}.{column(Licence, 'valid_from')} <= %s "
            f"AND ({lic}.{column(Licence, 'valid_until')} IS NULL OR {lic}.{column(Licence, 'valid_until')} >= %s)"
        )
        sql = (
            f"SELECT {', '.join(columns)} FROM {typ} LEFT OUTER JOIN {lic} "  # noqa: S608 — names from metadata
            f"ON {lic}.{column(Licence, 'type')} = {typ}.{quote(LicenceType._meta.pk.column)} "
            f"AND {lic}.{column(Licence, 'holder_kind')} = %s AND {lic}.{column(Licence, 'holder_code')} = %s "
            f"AND {in_force} "
            f"WHERE {typ}.{column(LicenceType, 'code')} IN ({', '.join(['%s'] * codes)}) "
            f"ORDER BY {typ}.{column(LicenceType, 'code')} ASC, {lic}.{column(Licence, 'issue_date')} DESC, "
            f"{lic}.{column(Licence, 'id')} DESC"
        )
        made = _statements[key] = (sql, converters)
    return made


def application_licence_rows(
    *, holder_kind: str, holder_code: str, codes: list[str], today: date
) -> list[dict]:
    """Rows of (type code, name, face schema) and the holder's licence in force of that type, newest first
    (its fields None when the holder has none), as ``{"code", "name", "face_schema", "id", "uuid", …}``."""
    sql, converters = _statement(len(codes))
    params: list[Any] = [holder_kind or "-", holder_code or "-", LicenceStatus.VALID, today, today, *codes]
    params = [connection.ops.adapt_datefield_value(p) if isinstance(p, date) else p for p in params]
    names = [*_TYPE_FIELDS, *_LICENCE_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = []
    for row in rows:
        values = {}
        for name, value, (col, column_converters) in zip(names, row, converters, strict=True):
            if value is not None:
                for convert in column_converters:
                    value = convert(value, col, connection)
            values[name] = value
        out.append(values)
    return out
