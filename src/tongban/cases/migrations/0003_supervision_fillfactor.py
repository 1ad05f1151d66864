"""Room on every page of the case and step tables for the supervision task's light updates.

The task changes ``light`` (in no index) on many rows at once. With free room on the page PostgreSQL keeps
the new row version there and writes no index entry (a HOT update); without it, every update writes an entry
in each index (11 on cases_case) and several times the WAL. Only pages written from now on keep the room:
see docs/operations.md to rewrite an existing table. PostgreSQL only; SQLite has no fillfactor."""

from django.db import migrations

FILLFACTOR = 80
TABLES = ("Case", "CaseStep")


def _alter(apps, schema_editor, setting: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TABLES:
        table = schema_editor.quote_name(apps.get_model("cases", name)._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} {setting}")


def set_fillfactor(apps, schema_editor) -> None:
    _alter(apps, schema_editor, f"SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor) -> None:
    _alter(apps, schema_editor, "RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_material_licence"),
    ]

    operations = [
        migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False),
    ]
