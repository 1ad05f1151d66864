from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tongban.core.models import WorkCalendarDay
from tongban.core.workdays import invalidate_calendar_cache


@receiver([post_save, post_delete], sender=WorkCalendarDay)
def _calendar_changed(**kwargs) -> None:
    # Now (this process must not use a stale day) and again after commit (a reload in between could
    # have read the rows before the change was committed).
    invalidate_calendar_cache()
    transaction.on_commit(invalidate_calendar_cache)
