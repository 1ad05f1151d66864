"""Periodic work of the cases context, run by `tongban worker` (enqueued by `tongban cases tick`)."""

from django_tasks import task

from tongban.cases.services import cases_deem_accepted
from tongban.cases.supervision import supervision_update


@task(queue_name="default")
def case_decision_seal(case_uuid: str) -> dict:
    """The concluded case's 办结通知书, sealed by its lead department and kept on the case (docs/domain/
    seals.md): made after the conclusion commits, so a case never waits for its seal."""
    from tongban.cases.documents import decision_pdf
    from tongban.cases.models import Case
    from tongban.seals.facade import department_document_seal

    case = Case.objects.filter(uuid=case_uuid).first()
    if case is None or case.concluded_at is None:
        return {"sealed": False}
    sealed = department_document_seal(
        str(case.lead_department_uuid),
        case.lead_department_name,
        decision_pdf(case),
        purpose=f"办结通知书 {case.number}",
        field_name="受理部门印章",
    )
    Case.objects.filter(pk=case.pk).update(decision_document=sealed)
    return {"sealed": True, "bytes": len(sealed)}


@task(queue_name="default")
def cases_tick() -> dict:
    """Deemed acceptance (5 working days without a supplement request), then the supervision lights."""
    return {"deemed_accepted": cases_deem_accepted(), **supervision_update()}
