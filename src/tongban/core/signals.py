from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from tongban.core.models import WorkCalendarDay
from tongban.core.workdays import invalidate_calendar_cache


@receiver([post_save, post_delete], sender=WorkCalendarDay)
def _calendar_changed(**kwargs) -> None:
    # Now (this process must not use a stale day) and again after commit (a reload in between could
    # have read the rows before the change was committed).
    invalidate_calendar_cache()
    transaction.on_commit(invalidate_calendar_cache)


# Sent by `tongban maintenance` (tongban.core.maintenance.maintenance_run) with ``now``; each receiver runs its
# context's periodic sweep and returns a dict of counts (e.g. cases: orphan material files).
maintenance_sweep = Signal()

# Sent (tongban.core.workdays.calendar_changed_send) when working-day calendar years were entered or edited — a
# State Council notice, a seed from chinesecalendar, an admin's edit — with ``years`` (sorted ints), inside the
# transaction that wrote them. Receivers recompute what they computed from those years (cases: the open cases'
# deadlines) and return a dict of counts, ``{"cases": n, ...}``; one that raises rolls the change back.
calendar_changed = Signal()
