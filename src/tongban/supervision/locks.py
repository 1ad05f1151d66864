"""Row locks of the supervision context. Order: a period's assessment run before a circular; the latest scheme
alone.

- An assessment of a period holds its :class:`AssessmentRun` row while it replaces the period's results, so two
  runs of the same period (the sweep and the command) take turns and the second replaces the first's rows.
- A circular is locked while it is edited, redrafted or issued: two supervisors acting at once take turns, and
  the second finds it issued (409 ``supervision_circular_issued``).
- A new scheme locks the latest one while it numbers itself, so two new schemes never take the same version."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from tongban.supervision.models import AssessmentRun, AssessmentScheme, Circular


def lock_run(period_kind: str, period_start: date, period_end: date) -> AssessmentRun:
    """The period's run row, locked (made, with placeholder values the caller overwrites, on first use)."""
    run = (
        AssessmentRun.objects.select_for_update()
        .filter(period_kind=period_kind, period_start=period_start)
        .first()
    )
    if run is not None:
        return run
    try:
        with transaction.atomic():
            AssessmentRun.objects.create(
                period_kind=period_kind,
                period_start=period_start,
                period_end=period_end,
                scheme_version=0,
                computed_at=timezone.now(),
            )
    except IntegrityError:  # another run made it meanwhile: wait for it below
        pass
    return AssessmentRun.objects.select_for_update().get(period_kind=period_kind, period_start=period_start)


def lock_circular(pk: int) -> Circular:
    return Circular.objects.select_for_update().get(pk=pk)


def lock_latest_scheme() -> None:
    """The scheme with the highest version, locked (nothing when there is none yet)."""
    AssessmentScheme.objects.select_for_update().order_by("-version").values_list("pk", flat=True).first()


__all__ = ["lock_circular", "lock_latest_scheme", "lock_run"]
