"""Periodic work of the cases context, run by `tongban worker` (enqueued by `tongban cases tick`)."""

from django_tasks import task

from tongban.cases.services import cases_deem_accepted
from tongban.cases.supervision import supervision_update


@task(queue_name="default")
def cases_tick() -> dict:
    """Deemed acceptance (5 working days without a supplement request), then the supervision lights."""
    return {"deemed_accepted": cases_deem_accepted(), **supervision_update()}
