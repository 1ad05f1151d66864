"""Logging filters: a request id on every record, and no personal identifiers in any log line."""

from __future__ import annotations

import logging
import re

from tongban.core.request_context import current_request_id

# 18-character resident ID numbers, 11-digit mainland mobile numbers, passports / permits.
# Boundaries are "not a letter or digit", so hex request ids are not mistaken for phone numbers.
_PATTERNS = [
    (re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])"), "[ID]"),
    (re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])"), "[PHONE]"),
    # passports (E12345678, EA1234567, G…), Hong Kong/Macao permits (H/M + 8 or 10 digits)
    (
        re.compile(
            r"(?<![0-9A-Za-z])(?:[EGDSP][0-9A-Z]?[0-9]{7,8}|[HM][0-9]{8}(?:[0-9]{2})?)(?![0-9A-Za-z])"
        ),
        "[DOC]",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactPersonalDataFilter(logging.Filter):
    """Defence in depth: services never log identifiers, and this filter scrubs any that slip through."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not break logging
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


class RedactingFormatter(logging.Formatter):
    """Scrubs the final line, tracebacks included (a database error can quote the row it refused)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True
