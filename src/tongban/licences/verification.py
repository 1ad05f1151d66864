"""用证: verifiers, the verification of a shown licence, and the Token Status Lists for offline verifiers.

Verifiers are registered organisations (hotels, internet cafés, police units, departments, windows) with the
scenes they may use. They call with an API key (``Authorization: Bearer tbv_<key_id>_<secret>``) or with an
OAuth2 access token got by the client-credentials grant from the same key pair. Staff of a window (scene
``window``) and of a department (scene ``department``) verify with their own login.

A verification checks the token (signature, expiry), the verifier's scene permission, the licence's status
and validity dates, and records the use once — the token's id is unique in the use log, so a replayed token is
refused. It answers only the fields of the scene's mask."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid as uuid_module
import zlib
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from tongban.accounts.facade import Role, audit_actor, staff_organisations
from tongban.core.audit import audit_record
from tongban.core.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied
from tongban.core.identifiers import validate_uscc
from tongban.licences.constants import (
    STATUS_LIST_BITS,
    STATUS_LIST_SIZE,
    LicenceStatus,
    Scene,
    UseChannel,
    VerifierKind,
)
from tongban.licences.models import Licence, LicenceType, LicenceUse, Verifier
from tongban.licences.show import TokenRefused, licence_is_valid_today, read_show_token

KEY_PREFIX = "tbv"
ACCESS_TOKEN_SECONDS = 600
_OAUTH_SALT = "tongban.licences.verifier-oauth"
CAUSE_MAX = 200


@dataclass(frozen=True)
class VerifierIdentity:
    """Who is verifying: a registered verifier or a member of staff (for the use log)."""

    uuid: str
    label: str
    scenes: frozenset[str]
    kind: str  # verifier | staff


# --- verifiers ----------------------------------------------------------------------------------------------
def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def verifier_create(
    *, actor, name: str, kind: str, scenes: list[str], uscc: str = "", area_code: str = ""
) -> tuple[Verifier, str]:
    """Register a verifier; returns it with its key (``tbv_<key_id>_<secret>``), shown once."""
    problems = []
    if not (name or "").strip():
        problems.append({"field": "name", "message": str(_("请填写名称"))})
    if kind not in VerifierKind.values:
        problems.append({"field": "kind", "message": str(_("类别无效"))})
    if not scenes or not set(scenes) <= set(Scene.values):
        problems.append({"field": "scenes", "message": str(_("场景无效"))})
    if problems:
        raise InvalidInput("verifier_invalid", _("用证单位信息有误"), problems=problems)
    if uscc:
        uscc = validate_uscc(uscc, field="uscc")
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    verifier = Verifier.objects.create(
        name=name.strip(),
        kind=kind,
        uscc=uscc,
        area_code=area_code,
        scenes=sorted(set(scenes)),
        key_id=key_id,
        secret_hash=_hash(secret),
    )
    audit_record(
        actor=audit_actor(actor),
        action="verifier.create",
        object_type="verifier",
        object_id=verifier.uuid,
        after={"name": verifier.name, "kind": kind, "scenes": verifier.scenes},
    )
    return verifier, f"{KEY_PREFIX}_{key_id}_{secret}"


# Verifiers by key id, kept in each process for a few seconds (saving a query on every verification); the
# secret is checked on every call. A verifier switched off stops working in this process at once (the cache
# is cleared on save) and in the other server processes within VERIFIER_CACHE_SECONDS.
VERIFIER_CACHE_SECONDS = 10.0
_verifiers: dict[str, tuple[Verifier, float]] = {}


def verifiers_cache_clear(**_kwargs) -> None:
    _verifiers.clear()


def _verifier_by_credentials(key_id: str, secret: str) -> Verifier | None:
    import time

    hit = _verifiers.get(key_id)
    if hit is not None and time.monotonic() - hit[1] < VERIFIER_CACHE_SECONDS:
        verifier = hit[0]
    else:
        verifier = Verifier.objects.filter(key_id=key_id, active=True).first()
        if verifier is None:
            _verifiers.pop(key_id, None)
            return None
        if len(_verifiers) > 10_000:
            _verifiers.clear()
        _verifiers[key_id] = (verifier, time.monotonic())
    if not hmac.compare_digest(verifier.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if verifier.last_used_at is None or now - verifier.last_used_at > timedelta(minutes=1):
        verifier.last_used_at = now
        Verifier.objects.filter(pk=verifier.pk).update(last_used_at=now)  # at most once a minute
    return verifier


def verifier_authenticate(key: str) -> Verifier | None:
    """The active verifier of an API key, or of an OAuth2 access token it was given; None otherwise."""
    key = key or ""
    if key.startswith(KEY_PREFIX + "_"):
        parts = key.split("_", 2)
        return _verifier_by_credentials(parts[1], parts[2]) if len(parts) == 3 else None
    try:
        data = signing.loads(key, salt=_OAUTH_SALT, max_age=ACCESS_TOKEN_SECONDS)
    except signing.BadSignature:
        return None
    return (
        Verifier.objects.filter(uuid=data.get("v"), active=True).first() if isinstance(data, dict) else None
    )


def oauth_access_token(client_id: str, client_secret: str) -> str | None:
    """OAuth2 client credentials (RFC 6749 §4.4): an access token for the verifier, or None."""
    verifier = _verifier_by_credentials(client_id or "", client_secret or "")
    if verifier is None:
        return None
    return signing.dumps({"v": str(verifier.uuid)}, salt=_OAUTH_SALT)


def identity_of(caller) -> VerifierIdentity:
    """The verifier behind an authenticated caller: a registered verifier, or staff at a window (scene
    window) or in a department (scene department). Anyone else may not verify."""
    if isinstance(caller, Verifier):
        return VerifierIdentity(str(caller.uuid), caller.name, frozenset(caller.scenes), "verifier")
    scenes, orgs = set(), []
    windows = staff_organisations(caller, {Role.WINDOW_CLERK})
    if windows:
        scenes.add(Scene.WINDOW)
        orgs += windows
    departments = staff_organisations(caller, {Role.REVIEWER, Role.ISSUER})
    if departments:
        scenes.add(Scene.DEPARTMENT)
        orgs += departments
    if not orgs:
        raise PermissionDenied("not_a_verifier", _("您不是登记的用证单位，不能核验亮证码"))
    return VerifierIdentity(orgs[0].uuid, orgs[0].name, frozenset(scenes), "staff")


# --- verification -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verified:
    licence: Licence
    scene: str
    fields: dict
    field_titles: dict
    at: object


def verify_shown(*, who: VerifierIdentity, token, cause: str) -> Verified:
    """Check a shown licence's token and answer the scene's fields; each refusal has its own code and
    discloses nothing. The use is recorded once (a replayed token answers 409 ``token_used``)."""
    cause = (cause or "").strip() if isinstance(cause, str) else ""
    if not cause:
        raise InvalidInput("cause_required", _("请填写用证事由"), field="cause")
    if len(cause) > CAUSE_MAX:
        raise InvalidInput("cause_too_long", _("用证事由不能超过200个字符"), field="cause", max=CAUSE_MAX)
    payload = read_show_token(token)
    scene = payload["scn"]
    if scene not in who.scenes:
        raise PermissionDenied("scene_not_permitted", _("本单位未获准在此场景核验证照"), scene=scene)
    try:
        licence_uuid = uuid_module.UUID(hex=payload["lic"])
    except ValueError:
        raise TokenRefused("token_invalid", _("亮证码无效")) from None
    today = timezone.localdate()
    wanted = [f for f in payload["fld"] if isinstance(f, str)]
    use = _UseRecord(who, scene, cause, wanted, payload["jti"][:32], today)
    if connection.vendor == "postgresql":
        # One statement: the licence read and, only when it is valid today, the use-log insert.
        licence, logged = _read_and_record(licence_uuid, use)
    else:
        licence, logged = _licence_for_verify(licence_uuid), None
    if licence is None:
        raise TokenRefused("token_invalid", _("亮证码无效"))
    if not licence.current or licence.status != LicenceStatus.VALID:
        status = licence.status if licence.current else LicenceStatus.OTHER
        raise Conflict(
            "licence_not_valid",
            _("该证照当前不是有效状态"),
            licence_status=status,
            status_label=str(LicenceStatus(status).label),
        )
    if not licence_is_valid_today(licence, today):
        raise Conflict("licence_out_of_validity", _("该证照不在有效期内"))
    allowed = set((licence.type.scene_fields or {}).get(scene) or ())
    mask = [f for f in wanted if f in allowed]
    if logged is None:  # SQLite: the insert is its own statement
        logged = _record_use(licence, use, mask)
    if not logged:
        raise Conflict("token_used", _("亮证码已被使用，请持证人刷新后重新出示"))
    titles = dict(licence.type.face_fields)
    return Verified(
        licence,
        scene,
        {f: licence.face.get(f) for f in mask},
        {f: titles.get(f, f) for f in mask},
        use.at,
    )


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


def _licence_for_verify(licence_uuid) -> Licence | None:
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
class _UseRecord:
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


def _record_use(licence: Licence, use: _UseRecord, mask: list) -> bool:
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


def _read_and_record(licence_uuid, use: _UseRecord) -> tuple[Licence | None, bool]:
    """PostgreSQL: the licence (or None) and whether its use was recorded, in one round trip."""
    import json

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
    import psycopg

    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


def require_verifier(caller) -> VerifierIdentity:
    if caller is None:
        raise NotAuthenticated("not_authenticated", _("请提供用证单位凭证"))
    return identity_of(caller)


# --- Token Status List (draft-ietf-oauth-status-list) -------------------------------------------------------
STATUS_VALID, STATUS_INVALID, STATUS_SUSPENDED = 0, 1, 2


def new_status_index() -> int:
    """A random, unused index for a new licence (random indices: a list says nothing about issuance order)."""
    return new_status_indices(1)[0]


def new_status_indices(count: int) -> list[int]:
    """``count`` distinct random unused indices, found with one query per round (a batch of imported licences
    gets its indices when it is signed). Refuses when the lists are nearly full: raise
    ``TONGBAN_STATUS_LIST_COUNT``."""
    from django.conf import settings

    capacity = STATUS_LIST_SIZE * max(1, settings.TONGBAN_STATUS_LIST_COUNT)
    chosen: set[int] = set()
    for _round in range(32):
        wanted = count - len(chosen)
        if wanted <= 0:
            break
        # More candidates than wanted, kept in the order drawn (each as random as the next), so that a round
        # seldom comes short when many places are taken.
        drawn = dict.fromkeys(secrets.randbelow(capacity) for _ in range(2 * wanted + 8))
        candidates = [c for c in drawn if c not in chosen]
        taken = set(
            Licence.objects.filter(status_index__in=candidates).values_list("status_index", flat=True)
        )
        chosen.update([c for c in candidates if c not in taken][:wanted])
    if len(chosen) < count:
        raise RuntimeError(
            "the Token Status Lists are nearly full: raise TONGBAN_STATUS_LIST_COUNT (docs/operations.md)"
        )
    return list(chosen)


def status_list_bytes(list_id: int) -> bytes:
    """The list's statuses, 2 bits each (0 valid, 1 invalid, 2 suspended), least significant bits first."""
    low, high = list_id * STATUS_LIST_SIZE, (list_id + 1) * STATUS_LIST_SIZE
    today = timezone.localdate()
    bits = bytearray(STATUS_LIST_SIZE * STATUS_LIST_BITS // 8)
    rows = (
        Licence.objects.filter(status_index__gte=low, status_index__lt=high)
        .exclude(
            current=True,
            status=LicenceStatus.VALID,
            valid_from__lte=today,
            valid_until__gte=today,
        )
        .exclude(current=True, status=LicenceStatus.VALID, valid_from__lte=today, valid_until__isnull=True)
        .values_list("status_index", "status")
    )
    per_byte = 8 // STATUS_LIST_BITS
    for index, status in rows.iterator(chunk_size=5000):
        value = STATUS_SUSPENDED if status == LicenceStatus.SUSPENDED else STATUS_INVALID
        offset = index - low
        bits[offset // per_byte] |= value << ((offset % per_byte) * STATUS_LIST_BITS)
    return bytes(bits)


def status_list_uri(list_id: int) -> str:
    """The list's URI: the ``status.status_list.uri`` of the credentials with an index in it and the token's
    ``sub``, which must be equal (draft-ietf-oauth-status-list). Built from ``TONGBAN_PUBLIC_BASE_URL``, never
    from a request (whose host or query string would change it)."""
    from django.conf import settings
    from django.urls import reverse

    return settings.TONGBAN_PUBLIC_BASE_URL + reverse("api:licence_status_list", kwargs={"list_id": list_id})


def status_list_token(list_id: int, *, ttl: int = 300) -> str:
    """The list as a Status List Token (JWT, ``typ: statuslist+jwt``, ``sub`` the list's URI) signed with the
    platform's key (low ``s``)."""
    import time

    from tongban.licences import keys
    from tongban.licences.show import show_key

    key = show_key()
    now = int(time.time())
    compressed = zlib.compress(status_list_bytes(list_id), 9)
    payload = {
        "sub": status_list_uri(list_id),
        "iat": now,
        "exp": now + 24 * 3600,
        "ttl": ttl,
        "status_list": {
            "bits": STATUS_LIST_BITS,
            "lst": base64.urlsafe_b64encode(compressed).rstrip(b"=").decode(),
        },
    }
    return keys.sign_jwt(payload, key, {"typ": "statuslist+jwt"})


def status_of(status_list: bytes, index: int) -> int:
    """The status at ``index`` of a decompressed list (what an offline verifier does)."""
    per_byte = 8 // STATUS_LIST_BITS
    return (status_list[index // per_byte] >> ((index % per_byte) * STATUS_LIST_BITS)) & (
        (1 << STATUS_LIST_BITS) - 1
    )


class VerifierAuth(HttpBearer):
    """``Authorization: Bearer`` with a verifier's API key or OAuth2 access token."""

    def authenticate(self, request, token):
        return verifier_authenticate(token)


verifier_auth = VerifierAuth()
