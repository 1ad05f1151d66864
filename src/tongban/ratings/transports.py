"""Transports of the national 好差评 upload (``RATINGS_UPLOAD_TRANSPORT``, a dotted path to a class with the
``send`` method below). Its protocol and address are not in the sources (ratings.md §8): a deployment
points the setting at its own class; the default appends JSON lines to a file under the var dir."""

from __future__ import annotations

import json
import threading
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class UploadTransport(Protocol):
    def send(self, *, record: dict[str, Any], key: str) -> None:
        """Deliver one record; raise on failure (the row is retried later). ``key`` is the record's
        idempotency key: a receiver that has it already must not count it twice."""


class FileOutboxTransport:
    """Appends ``{"key", "record"}`` as one JSON line to ``<var dir>/ratings-upload/outbox.jsonl`` (for a
    deployment with no national endpoint yet, and for inspection)."""

    _lock = threading.Lock()

    def __init__(self, path: Path | None = None):
        self.path = path or Path(settings.VAR_DIR) / "ratings-upload" / "outbox.jsonl"

    def send(self, *, record: dict[str, Any], key: str) -> None:
        line = json.dumps({"key": key, "record": record}, ensure_ascii=False, sort_keys=True)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")


class MemoryTransport:
    """For tests: keeps what it was sent by key (a second send of a key is counted in ``repeats``); set
    ``MemoryTransport.fail`` to an exception to make every send raise it."""

    sent: dict[str, dict[str, Any]] = {}
    repeats: int = 0
    fail: Exception | None = None

    @classmethod
    def reset(cls) -> None:
        cls.sent, cls.repeats, cls.fail = {}, 0, None

    def send(self, *, record: dict[str, Any], key: str) -> None:
        cls = type(self)
        if cls.fail is not None:
            raise cls.fail
        if key in cls.sent:
            cls.repeats += 1
        cls.sent[key] = record


@cache
def _transport(path: str) -> UploadTransport:
    return import_string(path)()


def upload_transport() -> UploadTransport:
    return _transport(settings.RATINGS_UPLOAD_TRANSPORT)
