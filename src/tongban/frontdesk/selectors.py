"""Reads of the front desk that pages and the API share."""

from __future__ import annotations
