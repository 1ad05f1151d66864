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

The package: ``report`` (fields, reason codes, the report), ``checks`` (fast checks and the row checker),
``reading`` (JSON Lines and CSV rows, chunks), ``pipeline`` (the forked reading process and its database
guard), ``writers`` (PostgreSQL and SQLite) and ``load`` (:func:`import_licences`). Signing is
``tongban.licences.signing``.
"""

from tongban.licences.imports.load import CHUNK_ROWS, import_licences
from tongban.licences.imports.report import (
    FIELDS,
    FORMATS,
    REASONS,
    ImportFileError,
    ImportReport,
    RejectedRow,
)

__all__ = [
    "CHUNK_ROWS",
    "FIELDS",
    "FORMATS",
    "REASONS",
    "ImportFileError",
    "ImportReport",
    "RejectedRow",
    "import_licences",
]
