"""Rules of the house that a linter does not check: row locks are taken in each context's ``locks.py`` only
(one module, one order), and views and APIs leave authorisation to ``access.py``."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "tongban"


def _sources():
    for path in SRC.rglob("*.py"):
        if "migrations" not in path.parts:
            yield path, path.read_text()


def test_row_locks_are_taken_in_locks_modules_only():
    outside = [
        f"{path.relative_to(SRC)}:{text[: m.start()].count(chr(10)) + 1}"
        for path, text in _sources()
        if path.name != "locks.py"
        for m in re.finditer(r"\.select_for_update\(", text)
    ]
    assert outside == []


def test_views_and_apis_do_not_check_roles_themselves():
    """A role test in a view or an endpoint is an authorisation rule outside access.py."""
    found = [
        f"{path.relative_to(SRC)}:{text[: m.start()].count(chr(10)) + 1}"
        for path, text in _sources()
        if path.name.startswith(("views", "api")) and path.suffix == ".py"
        for m in re.finditer(
            r"\bRole\.[A-Z_]+ (?:not )?in\b|\.has_role\(|\.is_platform_admin\b|\.roles\b", text
        )
    ]
    assert found == []
