"""Signals the licence library sends (other contexts connect to them through the facade)."""

from __future__ import annotations

from django.dispatch import Signal

# A licence's sealed PDF is wanted: the licence was issued, got a new version or changed status, or its file
# was asked for and none shows it as it is. Sent after commit with ``licence_uuid`` (str). The seals
# context connects a receiver that enqueues the sealing task (licences is left of seals: it cannot seal).
licence_document_wanted = Signal()
