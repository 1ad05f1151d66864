"""Background work of the seals context: seals past their end of validity are marked expired (by the
maintenance sweep, `tongban maintenance`, and as a task); licences' PDFs are sealed by their issuing
departments after the licence is written (never in the request that writes it)."""

from __future__ import annotations

from django_tasks import task

from tongban.core.actors import SYSTEM


def seals_expire_due(now=None) -> int:
    from tongban.seals.services import seals_expire

    return seals_expire(actor=SYSTEM, now=now)


def maintenance_receiver(sender, now=None, **kwargs) -> dict:
    """``tongban.core.signals.maintenance_sweep`` receiver (connected in SealsConfig.ready)."""
    return {"seals_expired": seals_expire_due(now)}


@task(queue_name="default")
def seals_expire_task() -> int:
    """Mark expired the seals past their end of validity; answers how many."""
    return seals_expire_due()


def licence_document_receiver(sender, licence_uuid: str, **kwargs) -> None:
    """``licences.facade.licence_document_wanted`` receiver (connected in SealsConfig.ready; the licence
    library sends it after commit): the sealing is queued, never done in the request."""
    licence_seal.enqueue(licence_uuid=str(licence_uuid))


def licence_seal_now(licence_uuid: str) -> dict:
    """Seal the licence's PDF with its issuing department's seal (made on first use) at the licence's seal
    area, and hand it back to the licence library. Nothing to do when its sealed file already shows it as it
    is; a licence that changed while it was being sealed is not stored (the change asked for another)."""
    from tongban.licences.facade import licence_document_source, licence_document_store
    from tongban.seals.facade import department_document_seal

    source = licence_document_source(licence_uuid)
    if source is None:
        return {"sealed": False}
    org_key = source.issuer_uuid or source.issuer_code
    sealed = department_document_seal(
        org_key,
        source.issuer_name,
        source.pdf,
        purpose=f"电子证照 {source.type_name} {source.number}",
        field_name="颁发机构印章",
        code="" if source.issuer_uuid else source.issuer_code,
        box=source.box,
    )
    return {"sealed": licence_document_store(source, sealed), "bytes": len(sealed)}


@task(queue_name="default")
def licence_seal(licence_uuid: str) -> dict:
    """:func:`licence_seal_now` as a task (enqueued after a licence is issued, changed or downloaded unsealed)."""
    return licence_seal_now(licence_uuid)
