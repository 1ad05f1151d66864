"""The signals cases sends, for contexts to its right (re-exported by the facade), and the receivers of other
contexts' signals that cases acts on."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after the commit of a case reaching an end (concluded, delivered, refused at intake, withdrawn:
# access.ENDED_STATUSES; events.case_ended_after_commit), with keyword arguments ``case_uuid`` (str),
# ``number``, ``name``, ``status``, ``user_id`` (who hears about the case: events.applicant_user_id — for a
# window case the person the clerk identified, never the clerk; None when nobody was identified) and
# ``ended_at``. The ratings context invites the applicant to rate the case (docs/domain/ratings.md §3).
# A case may end twice (concluded, then delivered): receivers are idempotent.
case_ended = Signal()

# Sent inside the transaction of every timeline event of a case another member of the region sent here
# (``Case.origin_member`` set; never for the others, which cost nothing), with ``case`` (the Case) and ``event``
# (the CaseEvent). The federation sends the event back to that member in the same transaction.
case_event_recorded = Signal()


def calendar_changed_receiver(sender, years, **kwargs) -> dict[str, int]:
    """Working-day calendar years were entered or edited (core.signals.calendar_changed): the open cases'
    deadlines over them are counted again (deadlines.deadlines_recompute)."""
    from tongban.cases.deadlines import deadlines_recompute

    return deadlines_recompute(years=list(years))
