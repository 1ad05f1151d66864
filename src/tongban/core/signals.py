from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tongban.core.models import WorkCalendarDay
from tongban.core.workdays import invalidate_calendar_cache


@receiver([post_save, post_delete], sender=WorkCalendarDay)
def _calendar_changed(**kwargs) -> None:
    invalidate_calendar_cache()
