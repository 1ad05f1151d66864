"""The front desk's signals, for contexts to its right (re-exported by the facade; the front desk imports none
of them)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after the commit of a pad rating (一次一评, services/handout.pad_rate), with keyword arguments
# ``session_uuid``, ``service_uuid``, ``window_uuid``, ``window_name``, ``centre_uuid``, ``centre_name``,
# ``score`` (5 非常满意 … 1 非常不满意), ``comment`` and ``rated_at``. The ratings context writes the evaluation.
pad_rated = Signal()
