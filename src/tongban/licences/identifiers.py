"""Licence identifiers (GB/T 36904): ``1.2.156.3005.2.<type code>.<issuer USCC>.<serial>.<version>.<check>``.

The type code is the defining authority's USCC and three digits; the version three digits; the check
character is ISO/IEC 7064 MOD 37,36 (GB/T 17710) over type code + issuer code + serial + version, without the
root and the dots (docs/domain/licences.md §3; python-stdnum computes it)."""

from __future__ import annotations

import re

from stdnum.cn import uscc
from stdnum.iso7064 import mod_37_36

from tongban.licences.constants import ROOT_CODE

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TYPE_CODE = re.compile(r"^[0-9A-Z]{18}[0-9]{3}$")
SERIAL = re.compile(r"^[0-9A-Z]{1,40}$")
ISSUER = re.compile(r"^[0-9A-Z]{18}$")  # upper case only: stdnum accepts lower case, the standard does not


def _valid_issuer(code) -> bool:
    return isinstance(code, str) and bool(ISSUER.match(code)) and uscc.is_valid(code)


class BadIdentifier(ValueError):
    """Why an identifier or one of its parts is not valid (the message is a reason code)."""


def check_char(body: str) -> str:
    return mod_37_36.calc_check_digit(body, alphabet=ALPHABET)


def valid_type_code(code: str) -> bool:
    return bool(TYPE_CODE.match(code or "")) and uscc.is_valid(code[:18])


def make_licence_id(type_code: str, issuer_code: str, serial: str, version: int) -> str:
    if not valid_type_code(type_code):
        raise BadIdentifier("type_code")
    if not _valid_issuer(issuer_code):
        raise BadIdentifier("issuer_code")
    if not SERIAL.match(serial or ""):
        raise BadIdentifier("serial")
    if not 1 <= version <= 999:
        raise BadIdentifier("version")
    body = f"{type_code}{issuer_code}{serial}{version:03d}"
    return f"{ROOT_CODE}.{type_code}.{issuer_code}.{serial}.{version:03d}.{check_char(body)}"


def parse_licence_id(identifier: str) -> dict:
    """The parts of a well-formed identifier whose check character matches; BadIdentifier otherwise.
    Lower case is refused (the standard's character set is 0–9 and A–Z)."""
    prefix = ROOT_CODE + "."
    if not isinstance(identifier, str) or not identifier.startswith(prefix):
        raise BadIdentifier("root")
    parts = identifier[len(prefix) :].split(".")
    if len(parts) != 5:
        raise BadIdentifier("structure")
    type_code, issuer_code, serial, version, check = parts
    if not valid_type_code(type_code):
        raise BadIdentifier("type_code")
    if not _valid_issuer(issuer_code):
        raise BadIdentifier("issuer_code")
    if not SERIAL.match(serial):
        raise BadIdentifier("serial")
    if not re.fullmatch(r"[0-9]{3}", version) or version == "000":
        raise BadIdentifier("version")
    if len(check) != 1 or check != check_char(f"{type_code}{issuer_code}{serial}{version}"):
        raise BadIdentifier("check_character")
    return {
        "type_code": type_code,
        "issuer_code": issuer_code,
        "serial": serial,
        "version": int(version),
        "check": check,
    }


def verify_licence_id(identifier: str) -> bool:
    try:
        parse_licence_id(identifier)
    except BadIdentifier:
        return False
    return True
