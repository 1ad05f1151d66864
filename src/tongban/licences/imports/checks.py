"""Checking a row: fast paths for GB/T 36904 identifiers, holder codes and dates (each accepts exactly what
its reference — ``parse_licence_id``, ``services.validate_holder`` — accepts; what a fast path refuses is
checked again by the reference, which names the reason), and the checker that turns a row into the tuple
the writers store, or a rejection."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from operator import mul

from django.db import connection
from django.utils import timezone
from stdnum.cn import ric, uscc

from tongban.accounts.facade import organisation_list
from tongban.core.errors import InvalidInput
from tongban.core.identifiers import EARLIEST_BIRTH, PROVINCE_CODES, organisation_code_check
from tongban.licences.constants import ROOT_CODE, HolderKind, LicenceStatus
from tongban.licences.identifiers import ALPHABET, SERIAL, BadIdentifier, parse_licence_id, valid_type_code
from tongban.licences.imports.report import REQUIRED, TEXT_LIMITS, ImportReport, RejectedRow
from tongban.licences.models import Licence, LicenceType
from tongban.licences.services import validate_holder

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


class Identifiers:
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


class Holders:
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


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")  # Python's reader takes NaN and Infinity; JSON has neither


decode_json = json.JSONDecoder(parse_constant=_not_json).decode
encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def unstorable(text: str) -> bool:
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
        encode_json(decode_json(text)).encode()
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


class Checker:
    """Turns rows (dicts of the file's fields) into the tuples written to the database, or rejections."""

    def __init__(self, report: ImportReport):
        self.report = report
        self.types = {
            t.code: _Type(t.id, t.holder_kind, frozenset((t.face_schema or {}).get("required") or ()))
            for t in LicenceType.objects.only("id", "code", "holder_kind", "face_schema")
        }
        self.issuers = _department_uuids()
        self.identifiers = Identifiers()
        self.holders = Holders(timezone.localdate())
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
                    encode_json(face),
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
