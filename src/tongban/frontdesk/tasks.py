"""Periodic work of the front desk, run by the maintenance sweep (`tongban maintenance`)."""

from __future__ import annotations

from django.utils import timezone


def maintenance_receiver(sender, now=None, **kwargs) -> dict:
    """``tongban.core.signals.maintenance_sweep`` receiver: every active centre offers its default
    appointment slots for the week ahead (days that have slots are left as they are)."""
    from tongban.frontdesk.models import ServiceCentre
    from tongban.frontdesk.services.queue import slots_ensure

    today = timezone.localdate(now)
    made = sum(slots_ensure(centre, today) for centre in ServiceCentre.objects.filter(active=True))
    return {"appointment_slots_made": made}
