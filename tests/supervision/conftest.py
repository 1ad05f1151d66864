"""Fixtures of the supervision tests (the dashboards' world: tests/supervision/dashboard_support.py)."""

from tests.supervision.dashboard_support import world  # noqa: F401
