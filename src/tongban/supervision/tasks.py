"""Supervision's periodic work: the maintenance sweep brings the daily roll-ups up to date (rollup.py)."""

from __future__ import annotations

import logging

from tongban.supervision.rollup import rollup_run

logger = logging.getLogger(__name__)


def maintenance_receiver(sender=None, now=None, **kwargs) -> dict:
    done = rollup_run(now)
    return {f"supervision_rollup_{family}": n for family, n in done.items()}
