"""What the services of every stage share: today's date (one function, so that tests can move the clock)
and the state check every transition makes."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from tongban.cases.errors import InvalidTransition
from tongban.cases.models import Case


def today() -> date:
    return timezone.localdate()


def require_status(case: Case, action: str, *allowed: str) -> None:
    """409 ``invalid_transition`` unless the case is in one of the ``allowed`` statuses."""
    if case.status not in allowed:
        raise InvalidTransition(action, case.status)
