"""The statements of a verification, made once per process from the models' metadata (its hot path: the
ORM would compile the same query again for every request): the licence with its type, the use-log insert,
and on PostgreSQL both in one statement sent through a server-binding cursor (prepared once per connection).
The conditions under which a use is recorded are those of ``Licence.in_force_on``; a test runs the two
against each other on both databases (tests/licences/test_in_force.py)."""

from __future__ import annotations

import json
import uuid as uuid_module
from dataclasses import dataclass

import psycopg
from django.db import connection
from django.utils import timezone

from tongban.licences.constants import LicenceStatus, UseChannel
from tongban.licences.models import Licence, LicenceType, LicenceUse
from tongban.licences.verifiers import VerifierIdentity


def _in_model_order(model, names: set[str]) -> tuple[str, ...]:
    # Model.from_db takes the values of a subset of fields in the order of the model's concrete fields.
    return tuple(f.name for f in model._meta.concrete_fields if f.name in names)


_VERIFY_FIELDS = _in_model_order(
    Licence, {"id", "uuid", "current", "status", "valid_from", "valid_until", "face", "type"}
)
_VERIFY_TYPE_FIELDS = _in_model_order(LicenceType, {"id", "code", "name", "scene_fields", "face_schema"})
_verify_query: dict[str, tuple] = {}  # per database vendor: the SQL and each column's converters


def _verify_statement() -> tuple:
    """The licence and its type in one statement, made once per process from the models' metadata (a
    verification's hot path: the ORM would compile the same query again for every request)."""
    made = _verify_query.get(connection.vendor)
    if made is None:
        quote = connection.ops.quote_name
        columns, converters = [], []
        for model, names in ((Licence, _VERIFY_FIELDS), (LicenceType, _VERIFY_TYPE_FIELDS)):
            table = model._meta.db_table
            for name in names:
                field = model._meta.get_field(name)
                col = field.get_col(table)
                columns.append(f"{quote(table)}.{quote(field.column)}")
                converters.append(
                    (col, tuple(connection.ops.get_db_converters(col) + field.get_db_converters(connection)))
                )
        lic, typ = quote(Licence._meta.db_table), quote(LicenceType._meta.db_table)
        type_fk = quote(Licence._meta.get_field("type").column)
        uuid_column = quote(Licence._meta.get_field("uuid").column)
        tail = (
            f"FROM {lic} INNER JOIN {typ} ON {lic}.{type_fk} = {typ}.{quote(LicenceType._meta.pk.column)} "
            f"WHERE {lic}.{uuid_column} = %s LIMIT 1"
        )
        sql = f"SELECT {', '.join(columns)} {tail}"  # names from the models' metadata
        made = _verify_query[connection.vendor] = (sql, converters, columns, tail)
    return made


def licence_for_verify(licence_uuid) -> Licence | None:
    """The licence (only the fields a verification reads) with its type attached, or None."""
    sql, *_rest = _verify_statement()
    uuid_param = Licence._meta.get_field("uuid").get_db_prep_value(licence_uuid, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [uuid_param])
        row = cursor.fetchone()
    return None if row is None else _licence_from_row(row)


def _licence_from_row(row) -> Licence:
    converters = _verify_statement()[1]
    values = []
    for value, (col, column_converters) in zip(row, converters, strict=True):
        for convert in column_converters:
            value = convert(value, col, connection)
        values.append(value)
    n = len(_VERIFY_FIELDS)
    licence = Licence.from_db(connection.alias, [_attname(Licence, f) for f in _VERIFY_FIELDS], values[:n])
    licence_type = LicenceType.from_db(
        connection.alias, [_attname(LicenceType, f) for f in _VERIFY_TYPE_FIELDS], values[n:]
    )
    Licence._meta.get_field("type").set_cached_value(licence, licence_type)
    return licence


def _attname(model, name: str) -> str:
    return model._meta.get_field(name).attname


_USE_COLUMNS = ("licence", "at", "user_label", "user_uuid", "channel", "scene", "cause", "fields", "token_id")


@dataclass
class UseRecord:
    """What the use log records of a verification (the fields asked for; the scene's mask narrows them)."""

    who: VerifierIdentity
    scene: str
    cause: str
    wanted: list
    token_id: str
    today: object
    at: object = None

    def __post_init__(self):
        self.at = timezone.now()

    def params(self, mask) -> dict:
        return {
            "licence": None,
            "at": self.at,
            "user_label": self.who.label[:200],
            "user_uuid": uuid_module.UUID(str(self.who.uuid)),
            "channel": UseChannel.VERIFY,
            "scene": self.scene,
            "cause": self.cause,
            "fields": mask,
            "token_id": self.token_id,
        }


def _use_columns() -> tuple[list, str]:
    meta = LicenceUse._meta
    fields = [meta.get_field(name) for name in _USE_COLUMNS]
    return fields, ", ".join(connection.ops.quote_name(field.column) for field in fields)


def record_use(licence: Licence, use: UseRecord, mask: list) -> bool:
    """Log the verification once: one ``INSERT … ON CONFLICT (token_id) DO NOTHING`` (its own commit, no
    BEGIN/COMMIT round trips, no savepoint). False when the token was used before."""
    values = {**use.params(mask), "licence": licence.pk}
    fields, columns = _use_columns()
    params = [field.get_db_prep_save(values[field.name], connection) for field in fields]
    placeholders = ", ".join(
        "%s::jsonb" if connection.vendor == "postgresql" and field.name == "fields" else "%s"
        for field in fields
    )
    meta = LicenceUse._meta
    table, key, pk = (connection.ops.quote_name(n) for n in (meta.db_table, "token_id", "id"))
    # Names come from the model's metadata, values go as parameters.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT ({key}) DO NOTHING RETURNING {pk}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


_read_and_record_sql: list[str] = []


def _read_and_record_statement() -> str:
    """PostgreSQL: read the licence with its type and, in the same statement, insert the use when the licence
    is current, valid (status 01) and within its dates on the given day, with the asked-for fields that the
    scene's mask allows — the same rules verify_shown applies to the row it reads, so a row that was read as
    valid but not inserted is a token used before."""
    if not _read_and_record_sql:
        _sql, _converters, columns, tail = _verify_statement()
        aliased = ", ".join(f"{c} AS c{i}" for i, c in enumerate(columns))
        quote = connection.ops.quote_name
        n = len(_VERIFY_FIELDS)
        col = {name: f"c{i}" for i, name in enumerate(_VERIFY_FIELDS)}
        col.update({f"type.{name}": f"c{n + i}" for i, name in enumerate(_VERIFY_TYPE_FIELDS)})
        fields, use_columns = _use_columns()
        values = []
        for field in fields:
            if field.name == "licence":
                values.append(f"lic.{col['id']}")
            elif field.name == "fields":
                # Names from the models' metadata, values as parameters.
                values.append(
                    "COALESCE((SELECT jsonb_agg(w.f ORDER BY w.n) FROM jsonb_array_elements_text("  # noqa: S608
                    "%(wanted)s::jsonb) WITH ORDINALITY AS w(f, n) "
                    f"WHERE jsonb_exists(lic.{col['type.scene_fields']} -> %(scene)s::text, w.f)), '[]'::jsonb)"
                )
            elif field.name == "scene":  # also read as text below: one type for the parameter
                values.append("%(scene)s::text")
            else:
                values.append(f"%({field.name})s")
        use_table = quote(LicenceUse._meta.db_table)
        statement = (
            f"WITH lic AS (SELECT {aliased} {tail}), "  # noqa: S608
            f"ins AS (INSERT INTO {use_table} ({use_columns}) SELECT {', '.join(values)} FROM lic "
            f"WHERE lic.{col['current']} AND lic.{col['status']} = %(valid)s "
            f"AND lic.{col['valid_from']} <= %(today)s "
            f"AND (lic.{col['valid_until']} IS NULL OR lic.{col['valid_until']} >= %(today)s) "
            f"ON CONFLICT ({quote('token_id')}) DO NOTHING RETURNING {quote('id')}) "
            "SELECT lic.*, (SELECT count(*) FROM ins) FROM lic"
        )
        _read_and_record_sql.append(statement.replace("%s", "%(uuid)s", 1))
    return _read_and_record_sql[0]


def read_and_record(licence_uuid, use: UseRecord) -> tuple[Licence | None, bool]:
    """PostgreSQL: the licence (or None) and whether its use was recorded, in one round trip."""
    sql = _read_and_record_statement()
    params = {k: v for k, v in use.params(None).items() if k not in ("licence", "fields")}
    params.update(
        uuid=licence_uuid,
        wanted=json.dumps(use.wanted, ensure_ascii=False),
        valid=LicenceStatus.VALID,
        today=use.today,
    )
    with _server_binding_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None, False
    return _licence_from_row(row[:-1]), bool(row[-1])


def _server_binding_cursor():
    """A cursor that sends the parameters apart from the statement, so that PostgreSQL parses and plans the
    statement once per connection (prepared: settings TONGBAN_DB_PREPARED_STATEMENTS), wrapped as Django's
    own cursors are (error translation, query logging in tests)."""
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
