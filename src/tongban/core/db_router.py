"""Database routing: everything reads and writes the primary ("default"); only code that asks for the read
replica by name (``.using("replica")``, supervision's dashboards) reads it. Nothing is migrated or written on
the replica: it is a PostgreSQL streaming replica of the primary (docs/operations.md §19)."""

from __future__ import annotations


class PrimaryRouter:
    def db_for_read(self, model, **hints):
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
