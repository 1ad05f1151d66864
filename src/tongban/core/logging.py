"""Logging filters: a request id on every record, and no personal identifiers in any log line — Django's
and the worker's (settings.LOGGING) and gunicorn's error and access logs (:class:`GunicornRedactingLogger`,
which ``tongban serve`` passes to gunicorn)."""

from __future__ import annotations

import logging
import re

from gunicorn import glogging

from tongban.core.request_context import current_request_id

# Boundaries are "not a letter or digit" (so hex request ids are not mistaken for phone numbers), or a
# percent-escape just before (a query string's ``q=%20139…``).
_START = r"(?:(?<![0-9A-Za-z])|(?<=%[0-9A-Fa-f]{2}))"
_END = r"(?![0-9A-Za-z])"
# Between digit groups: a space, a dash, and in a query string a "+" or "%20" (both an encoded space).
_SEP = r"(?:[ \-]|\+|%20)?"
_PATTERNS = [
    # 18-character resident ID numbers (X or x), whole or spaced 6-8-4
    (re.compile(_START + r"[0-9]{6}" + _SEP + r"[0-9]{8}" + _SEP + r"[0-9]{3}[0-9Xx]" + _END), "[ID]"),
    # mainland mobile numbers: 13912345678, 139-1234-5678, 139 1234 5678, with or without a country code
    # (86, +86, 0086, %2B86 — the "+" URL-encoded — followed or not by a separator)
    (
        re.compile(
            _START
            + r"(?:(?:\+|%2[Bb]|00)?86"
            + _SEP
            + r")?1[3-9][0-9]"
            + _SEP
            + r"[0-9]{4}"
            + _SEP
            + r"[0-9]{4}"
            + _END
        ),
        "[PHONE]",
    ),
    # passports (E12345678, EA1234567, G…), Hong Kong/Macao permits (H/M + 8 or 10 digits)
    (
        re.compile(_START + r"(?:[EGDSP][0-9A-Z]?[0-9]{7,8}|[HM][0-9]{8}(?:[0-9]{2})?)" + _END),
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


class _RedactedFormatter(logging.Formatter):
    """Wraps another formatter and scrubs what it writes."""

    def __init__(self, inner: logging.Formatter | None):
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


class GunicornRedactingLogger(glogging.Logger):
    """gunicorn's logger with every line of its error and access logs scrubbed: the access log writes the
    request line with its query string (``GET /?q=13912345678``), the referrer and the user agent in clear.
    Whatever handlers gunicorn sets up (stream, file, syslog, on a reload too) get a redacting formatter."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not isinstance(handler.formatter, _RedactedFormatter):
                    handler.setFormatter(_RedactedFormatter(handler.formatter))
