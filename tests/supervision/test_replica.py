"""The dashboards read the daily roll-ups from the read replica when ``DATABASE_REPLICA_URL`` is set
(docs/operations.md §19), and from the primary otherwise; writes stay on the primary. Run in a child process
with two real databases (two SQLite files standing for the primary and its replica)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.nodb

SCRIPT = """
from datetime import date
import django
django.setup()
from django.db import connections
from tongban.supervision.models import FigureDay, FigureMonth
for alias in connections:
    with connections[alias].schema_editor() as editor:
        editor.create_model(FigureDay)
        editor.create_model(FigureMonth)
target = "replica" if "replica" in connections else "default"
FigureDay.objects.using(target).create(
    day=date(2026, 11, 2), family="evaluations", dim="district", unit_key="d", unit_label="黄浦区",
    scope_path="", evaluations=7, good=6, level_sum=33,
)
from tongban.supervision.db import read_db
from tongban.supervision.figures import total_figures
total = total_figures(scope=None, start=date(2026, 11, 1), end=date(2026, 11, 20))
primary = FigureDay.objects.count()  # the router sends the ORM's own reads to the primary
print(read_db(), total.evaluations, total.good, primary)
"""


def _run(tmp_path, replica: bool) -> list[str]:
    tmp_path.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tongban.settings",
        "TONGBAN_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'primary.sqlite3'}",
    }
    env.pop("DATABASE_REPLICA_URL", None)
    if replica:
        env["DATABASE_REPLICA_URL"] = f"sqlite:///{tmp_path / 'replica.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_dashboards_read_the_replica_when_one_is_configured(tmp_path):
    # The row exists only on the replica: the figures show it, the primary has none.
    assert _run(tmp_path / "with", replica=True) == ["replica", "7", "6", "0"]


def test_without_a_replica_the_dashboards_read_the_primary(tmp_path):
    assert _run(tmp_path / "without", replica=False) == ["default", "7", "6", "1"]
