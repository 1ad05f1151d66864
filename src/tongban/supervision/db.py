"""The database the dashboards read: the read replica when ``DATABASE_REPLICA_URL`` is set
(docs/operations.md), else the primary. Writes (the roll-ups themselves) always go to the primary."""

from __future__ import annotations

from django.conf import settings


def read_db() -> str:
    return "replica" if "replica" in settings.DATABASES else "default"
