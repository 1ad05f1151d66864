"""An evaluation is never changed or deleted (ratings.md §4): on PostgreSQL a trigger refuses an UPDATE or a
DELETE of a row, whatever the code (the model and its QuerySet refuse them too). SQLite, the development
database, relies on the model: its test flush deletes rows."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION ratings_evaluation_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ratings_evaluation is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ratings_evaluation_append_only
    BEFORE UPDATE OR DELETE ON ratings_evaluation
    FOR EACH ROW EXECUTE FUNCTION ratings_evaluation_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS ratings_evaluation_append_only ON ratings_evaluation;
DROP FUNCTION IF EXISTS ratings_evaluation_append_only();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("ratings", "0001_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
