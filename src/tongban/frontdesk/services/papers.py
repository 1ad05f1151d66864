"""Paper tracking (收受分离, docs/domain/frontdesk.md §6): the paper materials a collecting centre keeps move
collected → sent (with the courier's number) → received → archived, one step at a time, each step a
history entry with who and when. Any other step answers 409 ``paper_step_not_allowed``."""

from __future__ import annotations

import re
import uuid as uuid_module

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.actors import Actor
from tongban.core.audit import audit_record
from tongban.core.errors import InvalidInput
from tongban.frontdesk.access import access_centre
from tongban.frontdesk.constants import PaperStatus
from tongban.frontdesk.errors import FrontdeskError, PaperNotFound, PaperStepNotAllowed
from tongban.frontdesk.locks import lock_paper
from tongban.frontdesk.models import PaperFile, ServiceCentre

NEXT_STEP: dict[str, str] = {
    PaperStatus.COLLECTED: PaperStatus.SENT,
    PaperStatus.SENT: PaperStatus.RECEIVED,
    PaperStatus.RECEIVED: PaperStatus.ARCHIVED,
}
COURIER_NUMBER = re.compile(r"^[A-Za-z0-9-]{6,40}$")
NOTE_MAX = 200


def papers_of(centre: ServiceCentre) -> QuerySet[PaperFile]:
    """The paper files a centre collected, those still moving first, then by the last change."""
    return PaperFile.objects.filter(collecting_centre=centre).order_by("status", "-updated_at")


@transaction.atomic
def paper_advance(
    *, actor: Actor, centre: ServiceCentre, case_uuid, to: str, courier_number: str = "", note: str = ""
) -> PaperFile:
    """Move a paper file of ``centre`` to its next status ``to`` (409 for any other); sending needs the
    courier's number."""
    centre = access_centre(actor=actor, centre_uuid=centre.uuid)
    try:
        key = uuid_module.UUID(str(case_uuid))
    except ValueError as exc:
        raise PaperNotFound() from exc
    paper = lock_paper(centre_id=centre.pk, case_uuid=key)
    if paper is None:
        raise PaperNotFound()
    if NEXT_STEP.get(paper.status) != to:
        raise PaperStepNotAllowed(current=paper.status, to=to)
    courier_number = (courier_number or "").strip()
    if to == PaperStatus.SENT and not COURIER_NUMBER.match(courier_number):
        raise InvalidInput(
            FrontdeskError.TRACKING_NUMBER_REQUIRED,
            _("寄送须填写快递单号（6–40 位字母、数字或连字符）"),
            field="courier_number",
        )
    entry = {
        "status": to,
        "at": timezone.now().isoformat(),
        "by": actor.label,
        "by_id": actor.id,
        "note": (note or "").strip()[:NOTE_MAX],
    }
    if to == PaperStatus.SENT:
        entry["courier_number"] = courier_number
    before = paper.status
    paper.status = to
    paper.history = [*paper.history, entry]
    paper.save(update_fields=["status", "history", "updated_at"])
    audit_record(
        actor=actor,
        action="frontdesk.paper_step",
        object_type="case",
        object_id=paper.case_uuid,
        before={"status": before},
        after={"status": to, "case_number": paper.case_number, "courier_number": courier_number},
        org_path=centre.org_path,
    )
    return paper
