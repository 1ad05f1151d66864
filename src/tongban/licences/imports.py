"""Bulk collection (归集) of e-licences issued by departments' own systems: a JSON Lines or CSV file, one
licence a row, checked row by row and written in one transaction.

A row: ``identifier`` (GB/T 36904, check character verified, its type a known ``LicenceType``), ``number``,
``holder_code`` (checked for the type's holder kind: resident ID number or USCC), ``holder_name``,
``issuer_name``, ``issue_date``, ``valid_from`` (default: the issue date), ``valid_until`` (optional, not
before the issue date), ``status`` (default ``01``) and ``face`` (a JSON object; in CSV a column holding
JSON). Dates are ``YYYY-MM-DD``. The issuer's code, the serial and the version come from the identifier.

Rows that fail a check are listed in the report with their line and reason codes (``REASONS``), the others
are written: a new identifier is inserted, a known one updated when a field changed (an update of the signed
data clears the signature), left alone otherwise — running the same file again changes nothing. The load is
one transaction: a database error leaves the library as it was.

Imported licences are not signed during the load (an ES256 signature per row would cap the rate); the
``licences_sign_imported`` task signs them afterwards with their issuing department's key, found by the
issuer's USCC (``licences_sign_unsigned``).

How: the file is parsed and checked in a child process while the database writes the previous chunk. PostgreSQL:
each chunk is COPYed into a temporary table, then one ``INSERT … SELECT … ORDER BY identifier ON CONFLICT
(identifier) DO UPDATE … WHERE (changed)``. SQLite: ``executemany`` of the same upsert per chunk, with a
256 MiB page cache for the load. The checks are fast paths (MOD 37,36 continued from a cached state per
type and issuer, the resident ID's check digit with its birth date cached) that accept exactly
what ``parse_licence_id`` and ``services.validate_holder`` accept; a row they refuse is checked again by
those two, which name the reason.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import multiprocessing
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from operator import mul
from pathlib import Path

from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc

from tongban.accounts.facade import audit_actor, organisation_list, organisations_by_uscc
from tongban.core.audit import audit_record
from tongban.core.errors import InvalidInput
from tongban.core.identifiers import EARLIEST_BIRTH, PROVINCE_CODES, organisation_code_check
from tongban.licences.constants import ROOT_CODE, HolderKind, LicenceStatus
from tongban.licences.identifiers import ALPHABET, SERIAL, BadIdentifier, parse_licence_id, valid_type_code
from tongban.licences.models import Licence, LicenceType
from tongban.licences.services import validate_holder

FORMATS = ("jsonl", "csv")
FIELDS = (
    "identifier",
    "number",
    "holder_code",
    "holder_name",
    "issuer_name",
    "issue_date",
    "valid_from",
    "valid_until",
    "status",
    "face",
)
REQUIRED = ("identifier", "number", "holder_code", "holder_name", "issuer_name", "issue_date")
TEXT_LIMITS = {"number": 64, "holder_name": 200, "issuer_name": 200}
CHUNK_ROWS = 50_000
SQLITE_CACHE_KIB = 262_144  # the page cache while loading (limits.md §4: 256 MiB nearly doubles the rate)

# Why a row was refused (stable codes, in the report and the rejected-rows CSV).
REASONS = {
    "invalid_json": _("不是有效的 JSON 对象"),
    "invalid_encoding": _("不是有效的 UTF-8 文本"),
    "missing_field": _("缺少必填字段"),
    "invalid_value": _("字段应为文本"),
    "too_long": _("字段超长"),
    "invalid_character": _("含有不允许的字符（NUL）"),
    "identifier_root": _("证照标识的根代码不是 1.2.156.3005.2"),
    "identifier_structure": _("证照标识结构有误"),
    "identifier_type_code": _("证照标识中的证照类型代码无效"),
    "identifier_issuer_code": _("证照标识中的颁发机构代码无效"),
    "identifier_serial": _("证照标识中的流水号无效"),
    "identifier_version": _("证照标识中的版本号无效"),
    "identifier_check_character": _("证照标识校验位错误"),
    "unknown_licence_type": _("证照类型不存在"),
    "invalid_id_number": _("持证主体身份证号码无效"),
    "invalid_uscc": _("持证主体统一社会信用代码无效"),
    "invalid_date": _("日期无效（应为 YYYY-MM-DD）"),
    "invalid_validity": _("有效期截止日早于颁证日期或起始日期"),
    "invalid_status": _("证照状态代码无效"),
    "face_not_object": _("照面信息不是 JSON 对象"),
    "face_missing_fields": _("照面信息缺少必填项"),
    "duplicate_identifier": _("证照标识与文件中前面的行重复"),
}


class ImportFileError(Exception):
    """The file cannot be read as a licence file (not found, unknown format, no header…): nothing imported."""


@dataclass
class RejectedRow:
    line: int
    identifier: str
    reasons: list[tuple[str, str]]  # (code, detail: the field, or the line of the first duplicate)

    @property
    def codes(self) -> list[str]:
        return [code for code, _detail in self.reasons]

    def messages(self) -> list[str]:
        return [
            str(REASONS.get(code, code)) + (f"（{detail}）" if detail else "")
            for code, detail in self.reasons
        ]


@dataclass
class ImportReport:
    source: str
    format: str
    rows: int = 0  # data rows read (blank lines are skipped)
    imported: int = 0  # new licences
    updated: int = 0  # known identifiers with a changed field
    unchanged: int = 0
    awaiting_signature: int = 0  # this file's licences without a signature after the load
    rejected: list[RejectedRow] = field(default_factory=list)
    seconds: float = 0.0
    database: str = ""
    signing_task_id: str | None = None

    @property
    def rejected_count(self) -> int:
        return len(self.rejected)

    @property
    def valid(self) -> int:
        return self.imported + self.updated + self.unchanged

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def counts(self) -> dict:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected_count,
            "awaiting_signature": self.awaiting_signature,
        }

    def write_rejected_csv(self, target) -> None:
        """The rejected rows as CSV (UTF-8 with BOM, for spreadsheet programs): line, identifier, codes,
        reasons in Chinese. ``target`` is a path or a text file."""
        if isinstance(target, str | os.PathLike):
            with open(target, "w", encoding="utf-8-sig", newline="") as fh:
                self.write_rejected_csv(fh)
            return
        writer = csv.writer(target)
        writer.writerow(["line", "identifier", "codes", "reasons"])
        for row in self.rejected:
            codes = ";".join(f"{c}({d})" if d else c for c, d in row.reasons)
            writer.writerow([row.line, row.identifier, codes, "；".join(row.messages())])


# --- fast checks (each accepts exactly what its reference accepts) -----------------------------------------
_PREFIX = ROOT_CODE + "."
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_ALNUM = frozenset(ALPHABET)
# ISO/IEC 7064 MOD 37,36: the state after one more character, by state (1–36) and character value.
_STEP = [[((((p + v) % 36) or 36) * 2) % 37 for v in range(36)] for p in range(37)]
_VERSIONS = frozenset(f"{n:03d}" for n in range(1, 1000))
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_INDEX = {ch: i for i, ch in enumerate(_USCC_ALPHABET)}
_USCC_CHARS = frozenset(_USCC_ALPHABET)
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_DIGITS = frozenset("0123456789")


def mod_37_36_state(text: str, state: int = 36) -> int:
    """The MOD 37,36 state after ``text`` (characters 0–9 and A–Z), to continue from a shared prefix."""
    step = _STEP
    for value in map(_INDEX.__getitem__, text):
        state = step[state][value]
    return state


def mod_37_36_check(state: int) -> str:
    """The check character that closes a MOD 37,36 computation in ``state``."""
    return ALPHABET[(37 - state) % 36]


class _Identifiers:
    """GB/T 36904 identifiers: the MOD 37,36 state after type code + issuer code is computed once per pair,
    so a row costs its serial and version. Anything the fast path does not accept goes to
    ``parse_licence_id``, which accepts or names the reason."""

    def __init__(self):
        self._prefix_state: dict[tuple[str, str], int] = {}

    def parse(self, identifier: str) -> tuple[str, str, str, str] | str:
        """(type code, issuer code, serial, version) or a reason code."""
        if identifier.startswith(_PREFIX):
            parts = identifier[15:].split(".")
            if len(parts) == 5:
                type_code, issuer_code, serial, version, check = parts
                state = self._prefix_state.get((type_code, issuer_code))
                if state is None:
                    state = self._prefix(type_code, issuer_code)
                if (
                    state
                    and version in _VERSIONS
                    and SERIAL.match(serial)
                    and len(check) == 1
                    and mod_37_36_check(mod_37_36_state(serial + version, state)) == check
                ):
                    return type_code, issuer_code, serial, version
        try:
            parts = parse_licence_id(identifier)
        except BadIdentifier as exc:
            return f"identifier_{exc}"
        except (
            ValueError
        ):  # an issuer code stdnum accepts once upper-cased, outside the identifier's alphabet
            return "identifier_issuer_code"
        return parts["type_code"], parts["issuer_code"], parts["serial"], f"{parts['version']:03d}"

    def _prefix(self, type_code: str, issuer_code: str) -> int:
        ok = valid_type_code(type_code) and _ALNUM.issuperset(issuer_code) and uscc.is_valid(issuer_code)
        state = mod_37_36_state(type_code + issuer_code) if ok else 0
        if len(self._prefix_state) < 100_000:
            self._prefix_state[(type_code, issuer_code)] = state
        return state


class _Holders:
    """Holder codes as ``services.validate_holder`` checks them, with its normalised value. A resident ID
    number: 18 characters, the check digit (stdnum's), a province-level division code and a birth date from
    1890 to today (cached); the county is not looked up (docs/domain/identifiers.md). A USCC: stdnum's
    alphabet and check character, and the GB 11714 check character of the organisation code (characters
    9–17). A code the fast path does not accept goes to ``validate_holder``, which names the reason."""

    def __init__(self, today: date):
        self.today = today
        self._births: dict[str, bool] = {}

    def check(self, kind: str, code: str) -> tuple[str, str]:
        """(normalised code, "") or ("", reason code)."""
        if len(code) == 18 and code.isascii():
            if kind == HolderKind.RESIDENT_ID and code[:17].isdigit() and self._resident_ok(code):
                return code, ""
            if kind == HolderKind.USCC and self._uscc_ok(code):
                return code, ""
        try:
            return validate_holder(kind, code), ""
        except InvalidInput as exc:
            return "", exc.code

    def _resident_ok(self, code: str) -> bool:
        if ric.calc_check_digit(code) != code[17] or code[:2] not in PROVINCE_CODES:
            return False
        birth = code[6:14]
        ok = self._births.get(birth)
        if ok is None:
            try:
                day = date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
                ok = EARLIEST_BIRTH <= day <= self.today
            except ValueError:
                ok = False
            self._births[birth] = ok
        return ok

    @staticmethod
    def _uscc_ok(code: str) -> bool:
        if not (_DIGITS.issuperset(code[:8]) and _USCC_CHARS.issuperset(code[8:])):
            return False
        total = sum(map(mul, map(_USCC_INDEX.__getitem__, code[:17]), _USCC_WEIGHTS))
        return (
            _USCC_ALPHABET[(31 - total) % 31] == code[17] and organisation_code_check(code[8:16]) == code[16]
        )


class _Dates:
    """``YYYY-MM-DD`` strings, each checked once (a file holds a few thousand distinct days)."""

    def __init__(self):
        self._seen: dict[str, bool] = {}

    def ok(self, text: str) -> bool:
        ok = self._seen.get(text)
        if ok is None:
            try:
                ok = len(text) == 10 and text[4] == "-" and bool(date.fromisoformat(text))
            except ValueError:
                ok = False
            if len(self._seen) < 200_000:
                self._seen[text] = ok
        return ok


# --- reading and checking ---------------------------------------------------------------------------------
def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")  # Python's reader takes NaN and Infinity; JSON has neither


_decode_json = json.JSONDecoder(parse_constant=_not_json).decode
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _unstorable(text: str) -> bool:
    """JSON text whose escapes stand for what the database cannot store: NUL, or half a surrogate pair
    (which no UTF-8 text can carry). Only text with escapes is looked at twice."""
    if "\\u" not in text:
        return False
    lowered = text.lower()
    if "\\u0000" in lowered:
        return True
    if "\\ud" not in lowered:
        return False
    try:
        _encode_json(_decode_json(text)).encode()
    except UnicodeEncodeError:
        return True
    except ValueError:
        return False  # not JSON: refused as such
    return False


@dataclass(frozen=True)
class _Type:
    id: int
    holder_kind: str
    required_face: frozenset[str]


class _Checker:
    """Turns rows (dicts of the file's fields) into the tuples written to the database, or rejections."""

    def __init__(self, report: ImportReport):
        self.report = report
        self.types = {
            t.code: _Type(t.id, t.holder_kind, frozenset((t.face_schema or {}).get("required") or ()))
            for t in LicenceType.objects.only("id", "code", "holder_kind", "face_schema")
        }
        self.issuers = _department_uuids()
        self.identifiers = _Identifiers()
        self.holders = _Holders(timezone.localdate())
        self.dates = _Dates()
        self.seen: dict[str, int] = {}  # identifier → its first line
        self.statuses = frozenset(LicenceStatus.values)

    def reject(self, line: int, identifier, reasons: list[tuple[str, str]]) -> None:
        shown = identifier if isinstance(identifier, str) else ""
        self.report.rejected.append(RejectedRow(line, shown[:200], reasons))

    def check(self, row: dict, line: int):
        """The row to write (a tuple in ROW_COLUMNS order), or None when it is rejected. Text fields must
        be strings (the readers have refused NUL characters)."""
        get = row.get
        identifier, number, holder_code = get("identifier"), get("number"), get("holder_code")
        holder_name, issuer_name = get("holder_name"), get("issuer_name")
        if not (
            type(identifier) is str
            and type(number) is str
            and type(holder_code) is str
            and type(holder_name) is str
            and type(issuer_name) is str
            and type(get("issue_date")) is str
        ):
            return self.reject(line, identifier, self._not_text(get))
        reasons = []
        number, holder_name, issuer_name = number.strip(), holder_name.strip(), issuer_name.strip()
        if not (
            identifier
            and holder_code
            and 0 < len(number) <= 64
            and 0 < len(holder_name) <= 200
            and 0 < len(issuer_name) <= 200
        ):
            texts = {"identifier": identifier, "holder_code": holder_code, "number": number}
            texts.update(holder_name=holder_name, issuer_name=issuer_name)
            for name, value in texts.items():
                if not value:
                    reasons.append(("missing_field", name))
                elif len(value) > TEXT_LIMITS.get(name, 200):
                    reasons.append(("too_long", name))
        licence_type = None
        parsed = self.identifiers.parse(identifier) if identifier else "identifier_structure"
        if type(parsed) is str:
            if identifier:
                reasons.append((parsed, ""))
        else:
            type_code, issuer_code, serial, version = parsed
            licence_type = self.types.get(type_code)
            if licence_type is None:
                reasons.append(("unknown_licence_type", type_code))
            elif holder_code:
                holder_code, problem = self.holders.check(licence_type.holder_kind, holder_code)
                if problem:
                    reasons.append((problem, "holder_code"))
        issue_date, valid_from, valid_until = self._dates(get, reasons)
        status = get("status") or "01"
        if status not in self.statuses:
            reasons.append(("invalid_status", str(status)[:10]))
        face = get("face")
        if face is None:
            face = {}
        if type(face) is not dict:
            reasons.append(("face_not_object", ""))
        elif licence_type is not None and not licence_type.required_face <= face.keys():
            missing = ",".join(sorted(licence_type.required_face - face.keys()))
            reasons.append(("face_missing_fields", missing))
        if not reasons:
            first = self.seen.setdefault(identifier, line)
            if first == line:
                return (
                    identifier,
                    licence_type.id,
                    number,
                    licence_type.holder_kind,
                    holder_code,
                    holder_name,
                    self.issuers.get(issuer_code),
                    issuer_name,
                    issuer_code,
                    issue_date,
                    valid_from,
                    valid_until,
                    status,
                    int(version),
                    serial,
                    _encode_json(face),
                )
            reasons.append(("duplicate_identifier", str(first)))
        return self.reject(line, identifier, reasons)

    @staticmethod
    def _not_text(get) -> list[tuple[str, str]]:
        reasons = []
        for name in REQUIRED:
            value = get(name)
            if value is None or value == "":
                reasons.append(("missing_field", name))
            elif type(value) is not str:
                reasons.append(("invalid_value", name))
        return reasons

    def _dates(self, get, reasons: list) -> tuple[str | None, str | None, str | None]:
        """Issue date, start and end of validity as checked ISO strings (which compare as dates)."""
        ok = self.dates.ok
        issue_date = get("issue_date")
        if not issue_date:
            reasons.append(("missing_field", "issue_date"))
            issue_date = None
        elif not ok(issue_date):
            reasons.append(("invalid_date", "issue_date"))
            issue_date = None
        valid_from = get("valid_from") or issue_date
        if valid_from is not issue_date and (type(valid_from) is not str or not ok(valid_from)):
            reasons.append(("invalid_date", "valid_from"))
            valid_from = None
        valid_until = get("valid_until") or None
        if valid_until is not None:
            if type(valid_until) is not str or not ok(valid_until):
                reasons.append(("invalid_date", "valid_until"))
                valid_until = None
            elif (issue_date and valid_until < issue_date) or (valid_from and valid_until < valid_from):
                reasons.append(("invalid_validity", "valid_until"))
        return issue_date, valid_from, valid_until


def _department_uuids() -> dict[str, object]:
    """The department of each USCC held by exactly one department (the issuer of an imported licence), as
    the database stores a uuid."""
    found: dict[str, list[str]] = {}
    for org in organisation_list(kind="department"):
        if org.uscc:
            found.setdefault(org.uscc, []).append(org.uuid)
    field = Licence._meta.get_field("issuer_uuid")
    return {
        code: field.get_db_prep_value(uuid.UUID(uuids[0]), connection)
        for code, uuids in found.items()
        if len(uuids) == 1
    }


def _jsonl_rows(fh, checker: _Checker) -> Iterator[tuple | None]:
    decode, check = _decode_json, checker.check
    for line, raw in enumerate(fh, 1):
        if line == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        try:
            text = raw.decode()
            row = decode(text)
        except UnicodeDecodeError:
            checker.reject(line, "", [("invalid_encoding", "")])
            yield None
            continue
        except ValueError:
            if raw.strip():
                checker.reject(line, "", [("invalid_json", "")])
                yield None
            continue  # a blank line
        if type(row) is not dict:
            checker.reject(line, "", [("invalid_json", "")])
        elif b"\x00" in raw or _unstorable(text):
            checker.reject(line, row.get("identifier"), [("invalid_character", "")])
        else:
            yield check(row, line)
            continue
        yield None


def _csv_rows(fh, checker: _Checker) -> Iterator[tuple | None]:
    stream = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
    reader = csv.reader(stream)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportFileError(str(_("无法读取 CSV 表头：%(error)s") % {"error": exc})) from exc
    if not header:
        raise ImportFileError(str(_("CSV 文件为空")))
    names = [h.strip().lower() for h in header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise ImportFileError(str(_("CSV 表头缺少列：%(columns)s") % {"columns": ", ".join(missing)}))
    width = len(names)
    known = set(FIELDS)
    positions = [(i, name) for i, name in enumerate(names) if name in known and name != "face"]
    face_at = names.index("face") if "face" in names else None
    check, decode = checker.check, _decode_json
    line = 1
    try:
        for values in reader:
            start, line = line + 1, reader.line_num
            if not values or (len(values) == 1 and not values[0].strip()):
                continue
            if len(values) < width:
                values = values + [""] * (width - len(values))
            if any("\x00" in value for value in values):
                checker.reject(start, "", [("invalid_character", "")])
                yield None
                continue
            row = {name: values[i] for i, name in positions}
            if face_at is not None:
                text = values[face_at].strip()
                if _unstorable(text):
                    checker.reject(start, row.get("identifier"), [("invalid_character", "")])
                    yield None
                    continue
                if text:
                    try:
                        row["face"] = decode(text)
                    except ValueError:
                        row["face"] = text  # not JSON: refused as not an object
            yield check(row, start)
    except UnicodeDecodeError as exc:
        raise ImportFileError(str(_("第 %(line)s 行附近不是有效的 UTF-8 文本") % {"line": line + 1})) from exc
    except csv.Error as exc:
        raise ImportFileError(
            str(_("CSV 格式错误（第 %(line)s 行）：%(error)s") % {"line": line, "error": exc})
        ) from exc
    finally:
        stream.detach()


def _chunks(rows: Iterator[tuple | None], size: int) -> Iterator[tuple[list[tuple], int]]:
    """Lists of rows to write, each with the number of file rows it stands for: small at first (the
    database starts while the rest is read), then ``size``."""
    chunk: list[tuple] = []
    read, limit = 0, min(size, 2_000)
    for row in rows:
        read += 1
        if row is not None:
            chunk.append(row)
        if read >= limit:
            yield chunk, read
            chunk, read, limit = [], 0, min(size, limit * 4)
    if read:
        yield chunk, read


def _in_process(items: Iterator, rejected: list) -> Iterator:
    """Iterate ``items`` in a forked child process, a chunk ahead of the consumer: the file is read, checked
    and formatted on one core while this process and the database write on the other (in a thread, both
    would need the GIL for every row and take turns). The rows the child rejects (appended to its copy of
    ``rejected``) come with each chunk and are appended here. An exception in the child is raised here; the
    child is killed when the consumer stops early. Without ``fork`` (not Linux), the items are read here."""
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        yield from items
        return
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_read_chunks, args=(items, send, rejected), name="licence-import-reader", daemon=True
    )
    child.start()
    send.close()
    try:
        while True:
            kind, payload, refused = receive.recv()
            rejected.extend(refused)
            if kind == "done":
                return
            if kind == "error":
                raise payload
            yield payload
    except EOFError:
        raise ImportFileError(f"licence import: the reading process stopped ({child.exitcode})") from None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()


def _read_chunks(items: Iterator, send, rejected: list) -> None:
    """The child's side of ``_in_process``. It never touches the database connection it inherited, and it
    leaves through ``os._exit`` (multiprocessing's fork), which closes nothing of the parent's."""
    reported = 0

    def refused() -> list:
        nonlocal reported
        new, reported = rejected[reported:], len(rejected)
        return new

    try:
        for item in items:
            send.send(("chunk", item, refused()))
        send.send(("done", None, refused()))
    except (BrokenPipeError, KeyboardInterrupt):
        return  # the consumer stopped
    except BaseException as exc:  # handed to the consumer
        try:
            send.send(("error", exc, refused()))
        except Exception:  # an exception that does not pickle
            send.send(("error", ImportFileError(f"licence import: {exc!r}"), []))


# --- writing ----------------------------------------------------------------------------------------------
# The columns a row tuple fills, in its order (see _Checker.check).
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


def _writer():
    if connection.vendor == "postgresql":
        return _PostgresWriter()
    if connection.vendor == "sqlite":
        return _SqliteWriter()
    raise ImportFileError(f"licence import: no writer for {connection.vendor}")


# --- the import -------------------------------------------------------------------------------------------
def _format_of(name: str, fmt: str | None) -> str:
    if fmt:
        fmt = fmt.lower().lstrip(".")
        fmt = "jsonl" if fmt in ("json", "ndjson") else fmt
    else:
        suffix = Path(name).suffix.lower()
        fmt = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}.get(suffix)
    if fmt not in FORMATS:
        raise ImportFileError(str(_("无法识别文件格式：请使用 .jsonl 或 .csv 文件（或指定格式）")))
    return fmt


def import_licences(
    path_or_file,
    *,
    fmt: str | None = None,
    name: str | None = None,
    progress: Callable[[int], None] | None = None,
    actor=None,
    chunk_rows: int = CHUNK_ROWS,
    enqueue_signing: bool = True,
) -> ImportReport:
    """Import a JSON Lines or CSV file of licences (see the module's docstring): a path, or a binary file.
    ``fmt`` is ``jsonl`` or ``csv`` (default: from the extension of ``name``, by default the file's name);
    ``progress`` is called with the number of rows done after each chunk; ``actor`` is recorded in the
    audit trail (None: the system). After commit the signing task is enqueued when licences await signing
    (``enqueue_signing``). Raises ImportFileError when the file cannot be read (nothing is imported), and
    database errors as they come (the transaction is rolled back: nothing is imported either)."""
    if name is None:
        name = str(getattr(path_or_file, "name", path_or_file) or "")
    fmt = _format_of(name, fmt)
    if isinstance(path_or_file, str | os.PathLike):
        try:
            fh = open(path_or_file, "rb")  # noqa: SIM115 — closed below
        except OSError as exc:
            raise ImportFileError(str(_("无法打开文件：%(error)s") % {"error": exc.strerror or exc})) from exc
        close = True
    else:
        fh = path_or_file
        if isinstance(fh, io.TextIOBase):
            fh = fh.buffer if hasattr(fh, "buffer") else io.BytesIO(fh.read().encode())
        close = False
    report = ImportReport(source=Path(name).name if name else "", format=fmt, database=connection.vendor)
    started = time.perf_counter()
    try:
        with transaction.atomic():
            checker = _Checker(report)
            rows = _jsonl_rows(fh, checker) if fmt == "jsonl" else _csv_rows(fh, checker)
            writer = _writer()
            with connection.cursor() as cursor:
                writer.start(cursor)
                try:
                    prepared = ((writer.prepare(c), len(c), read) for c, read in _chunks(rows, chunk_rows))
                    with closing(_in_process(prepared, report.rejected)) as chunks:
                        for chunk, count, read in chunks:
                            report.rows += read
                            if count:
                                writer.write(cursor, chunk, count, report)
                            if progress is not None:
                                progress(read)
                    writer.finish(cursor, report)
                finally:
                    writer.close()
            report.rejected.sort(key=lambda r: r.line)
            audit_record(
                actor=audit_actor(actor),
                action="licence.import",
                object_type="licence_import",
                object_id=report.source,
                after={"format": fmt, **report.counts()},
            )
            if enqueue_signing and report.awaiting_signature:
                transaction.on_commit(lambda: _enqueue_signing(report), robust=True)
    finally:
        if close:
            fh.close()
    report.seconds = time.perf_counter() - started
    return report


def _enqueue_signing(report: ImportReport) -> None:
    from tongban.licences.tasks import licences_sign_imported

    report.signing_task_id = str(licences_sign_imported.enqueue().id)


# --- signing what was imported ----------------------------------------------------------------------------
SIGN_BATCH = 2000
SIGN_WINDOW = 50_000  # primary-key span read per query


def licences_sign_unsigned(*, batch_size: int = SIGN_BATCH, limit: int | None = None) -> dict:
    """Sign licences that have no signature (imported ones), in batches of one transaction each, with the
    active key of the issuing department: the licence's ``issuer_uuid``, else the one department whose USCC
    is the issuer code (then recorded as the issuer). A licence whose issuer is not known, or not among the
    departments its type names as issuers, is left unsigned and counted. Rows being written by an import are
    skipped (and signed by the next run)."""
    from tongban.licences.keys import issuer_key, sign_licence
    from tongban.licences.verification import new_status_indices

    signed = no_issuer = not_an_issuer = 0
    departments: dict[str, object] = {}  # issuer code → OrganisationInfo | None
    keys: dict[str, object] = {}  # department uuid → IssuerKey
    last_id = 0
    # Walk the primary key in windows: the plan stays an index range scan whatever the statistics say.
    max_id = Licence.objects.aggregate(top=Max("id"))["top"] or 0
    while last_id < max_id and (limit is None or signed + no_issuer + not_an_issuer < limit):
        size = batch_size if limit is None else min(batch_size, limit - signed - no_issuer - not_an_issuer)
        with transaction.atomic():
            batch = list(
                Licence.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("type", "previous")
                .filter(signature="", id__gt=last_id, id__lte=last_id + SIGN_WINDOW)
                .order_by("id")[:size]
            )
            last_id = batch[-1].id if len(batch) == size else last_id + SIGN_WINDOW
            if not batch:
                continue
            codes = {lic.issuer_code for lic in batch if lic.issuer_uuid is None} - departments.keys()
            if codes:
                found = organisations_by_uscc(codes, kind="department")
                for code in codes:
                    infos = found.get(code) or []
                    departments[code] = infos[0] if len(infos) == 1 else None
            done = []
            for licence in batch:
                if licence.issuer_uuid is not None:
                    dept_uuid, dept_name, dept_code = (
                        str(licence.issuer_uuid),
                        licence.issuer_name,
                        licence.issuer_code,
                    )
                else:
                    info = departments.get(licence.issuer_code)
                    if info is None:
                        no_issuer += 1
                        continue
                    dept_uuid, dept_name, dept_code = info.uuid, info.name, info.uscc
                allowed = licence.type.issuer_department_uuids
                if allowed and dept_uuid not in allowed:
                    not_an_issuer += 1
                    continue
                key = keys.get(dept_uuid)
                if key is None:
                    key = keys[dept_uuid] = issuer_key(dept_uuid, dept_name, dept_code)
                licence.issuer_uuid = dept_uuid
                sign_licence(licence, key)
                done.append(licence)
            if done:
                # An imported licence gets its random place in the Token Status Lists as it is signed.
                indices = iter(new_status_indices(sum(x.status_index is None for x in done)))
                for x in done:
                    if x.status_index is None:
                        x.status_index = next(indices)
                prep = Licence._meta.get_field("issuer_uuid").get_db_prep_value
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"UPDATE {Licence._meta.db_table} SET issuer_uuid = %s, kid = %s, signature = %s, "  # noqa: S608
                        "status_index = %s WHERE id = %s",
                        [
                            (
                                prep(uuid.UUID(str(x.issuer_uuid)), connection),
                                x.kid,
                                x.signature,
                                x.status_index,
                                x.id,
                            )
                            for x in done
                        ],
                    )
            signed += len(done)
    result = {"signed": signed, "no_issuer": no_issuer, "not_an_issuer": not_an_issuer}
    if signed or no_issuer or not_an_issuer:
        audit_record(
            actor=audit_actor(None), action="licence.sign_imported", object_type="licence", after=result
        )
    return result
