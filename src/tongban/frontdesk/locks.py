"""Every row lock of the front desk, in one place. Order: a centre's day counter before its tickets; a ticket
before its service; an appointment slot before its appointments. Calling the next ticket locks one waiting
ticket and skips those another window is locking (``SKIP LOCKED``): two windows never get the same ticket and
never wait on each other."""

from __future__ import annotations


# --- hand-out, paper tracking, the evaluation pad (services/handout.py, services/papers.py) ---------------
def lock_paper(*, centre_id: int, case_uuid):
    """The paper file of a case a centre collected, locked (None when there is none)."""
    from tongban.frontdesk.models import PaperFile

    return (
        PaperFile.objects.select_for_update()
        .filter(collecting_centre_id=centre_id, case_uuid=case_uuid)
        .first()
    )


def lock_pad_session(*, window_id: int, session_uuid):
    """A pad session of a window, locked (None when there is none): rated once only."""
    from tongban.frontdesk.models import PadSession

    return PadSession.objects.select_for_update().filter(window_id=window_id, uuid=session_uuid).first()
