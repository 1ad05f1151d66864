"""申诉复核 (docs/domain/ratings.md §6): the evaluated unit appeals a 差评 as mistaken or malicious, with evidence,
within 5 working days of its ticket's receipt and before the answer; a supervisor of the unit's region or above
who is not a member of the unit decides. Upheld: the evaluation is kept, marked and excluded from every figure,
its ticket closed as 申诉成立. Rejected: the mark says so and the loop goes on, the answer limit shifted by the
working days it waited. Also here: a supervisor clearing or confirming an evaluation flagged as a burst (§4)."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.cases.facade import check_upload
from tongban.core.actors import SYSTEM, Actor
from tongban.core.audit import audit_record
from tongban.core.workdays import working_days_after, working_days_between
from tongban.ratings.constants import (
    EVIDENCE_MAX_FILES,
    AppealReason,
    AppealStatus,
    MarkKind,
    TicketKind,
    TicketStatus,
)
from tongban.ratings.errors import (
    AppealClosed,
    AppealExists,
    RatingError,
    RatingInvalid,
    TicketState,
)
from tongban.ratings.locks import lock_appeal, lock_evaluation, lock_ticket
from tongban.ratings.models import Appeal, Evaluation, EvaluationMark, Ticket
from tongban.ratings.tickets import _event, _tell, limits
from tongban.ratings.uploads import upload_status_update


def appeal_file(*, actor: Actor, ticket: Ticket, reason: Any, text: Any, files=()) -> Appeal:
    """The unit's handler appeals the 差评 behind ``ticket`` (from access.access_ticket_for_staff)."""
    if reason not in AppealReason.values:
        raise RatingInvalid(RatingError.APPEAL_REASON_INVALID, _("请选择申诉理由"), field="reason")
    text = str(text or "").strip()
    if not text:
        raise RatingInvalid(RatingError.TICKET_TEXT_REQUIRED, _("请填写申诉说明"), field="text")
    if len(text) > 2000:
        raise RatingInvalid(RatingError.TICKET_TEXT_TOO_LONG, _("内容过长"), field="text", limit=2000)
    files = list(files or [])
    if len(files) > EVIDENCE_MAX_FILES:
        raise RatingInvalid(RatingError.APPEAL_EVIDENCE_INVALID, _("证据材料最多 3 个文件"), field="evidence")
    checked = [(upload, check_upload(upload, field="evidence")) for upload in files]
    with transaction.atomic():
        ticket = lock_ticket(ticket.pk)
        if ticket.kind != TicketKind.BAD_REVIEW:
            raise TicketState(current=ticket.kind)
        if Appeal.objects.filter(ticket=ticket).exists():
            raise AppealExists()
        today = timezone.localdate()
        if ticket.status not in (TicketStatus.RECEIVED, TicketStatus.VERIFYING) or today > working_days_after(
            ticket.received_on, limits()["appeal_file"]
        ):
            raise AppealClosed()
        evidence = []
        for upload, file in checked:
            name = f"ratings/appeals/{ticket.uuid}/{file.sha256}.{file.extension}"
            stored = default_storage.save(name, _content(file.content))
            evidence.append(
                {
                    "name": str(getattr(upload, "name", "") or "")[:100],
                    "path": stored,
                    "sha256": file.sha256,
                    "size": file.size,
                    "type": file.content_type,
                }
            )
        try:
            appeal = Appeal.objects.create(
                ticket=ticket,
                reason=reason,
                text=text,
                evidence=evidence,
                filed_by=actor.require_user_id(),
                filed_label=actor.label[:200],
            )
        except IntegrityError as exc:
            raise AppealExists() from exc
        ticket.paused_since = today
        ticket.save(update_fields=["paused_since", "updated_at"])
        _event(ticket, "appeal_filed", actor, text, reason=reason, files=len(evidence))
        audit_record(
            actor=actor,
            action="ratings.appeal_file",
            object_type="appeal",
            object_id=appeal.uuid,
            after={"ticket": str(ticket.uuid), "reason": reason},
            org_path=ticket.unit_path,
        )
    return appeal


def _content(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)


def appeal_decide(*, actor: Actor, appeal: Appeal, upheld: bool, text: Any) -> Appeal:
    """A supervisor decides (``appeal`` from access.access_appeal_to_decide, which refuses the unit's own)."""
    text = str(text or "").strip()
    if not text:
        raise RatingInvalid(RatingError.TICKET_TEXT_REQUIRED, _("请填写复核意见"), field="text")
    if len(text) > 2000:
        raise RatingInvalid(RatingError.TICKET_TEXT_TOO_LONG, _("内容过长"), field="text", limit=2000)
    with transaction.atomic():
        appeal = lock_appeal(appeal.pk)
        if appeal.status != AppealStatus.PENDING:
            raise TicketState(current=appeal.status)
        ticket = lock_ticket(appeal.ticket_id)
        now = timezone.now()
        appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
        appeal.decision_text = text
        appeal.decided_by = actor.require_user_id()
        appeal.decided_label = actor.label[:200]
        appeal.decided_at = now
        appeal.save()
        EvaluationMark.objects.create(
            evaluation_id=ticket.evaluation_id,
            kind=MarkKind.APPEAL_UPHELD if upheld else MarkKind.APPEAL_REJECTED,
            reason=text[:500],
            actor_user_id=actor.id,
            actor_label=actor.label[:200],
        )
        paused = working_days_between(ticket.paused_since, timezone.localdate()) if ticket.paused_since else 0
        fields = ["paused_since", "updated_at"]
        if upheld:
            upload_status_update(
                ticket.evaluation, "excluded"
            )  # the national system is told, not asked to delete
            ticket.status = TicketStatus.CLOSED_EXCLUDED
            ticket.closed_at = now
            fields += ["status", "closed_at"]
        elif ticket.answer_due is not None:
            ticket.answer_due = working_days_after(ticket.answer_due, max(0, paused))
            fields.append("answer_due")
        ticket.paused_since = None
        ticket.save(update_fields=fields)
        _event(ticket, "appeal_decided", actor, text, upheld=upheld, paused_days=paused)
        _tell(
            ticket,
            _("申诉复核结果"),
            _("对工单 %(number)s 所涉评价的申诉已复核：成立，该评价保留但不计入统计。")
            if upheld
            else _("对工单 %(number)s 所涉评价的申诉已复核：不成立，整改继续。"),
            sms=False,
        )
        audit_record(
            actor=actor,
            action="ratings.appeal_decide",
            object_type="appeal",
            object_id=appeal.uuid,
            after={"upheld": upheld},
            org_path=ticket.unit_path,
        )
    return appeal


def evaluation_mark(*, actor: Actor, evaluation: Evaluation, kind: str, reason: Any) -> EvaluationMark:
    """A supervisor clears a suspect evaluation (it then counts) or confirms it as 刷评 (excluded); also the
    burst rule's own flag (``actor`` SYSTEM)."""
    if kind not in (MarkKind.SUSPECT, MarkKind.CLEARED, MarkKind.FRAUD_CONFIRMED):
        raise RatingInvalid(RatingError.MARK_INVALID, _("标记无效"), field="kind")
    reason = str(reason or "").strip()[:500]
    if kind != MarkKind.SUSPECT and not reason:
        raise RatingInvalid(RatingError.TICKET_TEXT_REQUIRED, _("请填写理由"), field="reason")
    with transaction.atomic():
        lock_evaluation(evaluation.pk)
        last = evaluation.marks.filter(
            kind__in=[MarkKind.SUSPECT, MarkKind.CLEARED, MarkKind.FRAUD_CONFIRMED]
        ).last()
        if kind != MarkKind.SUSPECT and (last is None or last.kind != MarkKind.SUSPECT):
            raise TicketState(current=last.kind if last else "not_suspect")
        if kind == MarkKind.FRAUD_CONFIRMED:
            upload_status_update(evaluation, "fraud")
        mark = EvaluationMark.objects.create(
            evaluation=evaluation,
            kind=kind,
            reason=reason,
            actor_user_id=actor.id,
            actor_label=(actor or SYSTEM).label[:200],
        )
        audit_record(
            actor=actor,
            action="ratings.mark",
            object_type="evaluation",
            object_id=evaluation.uuid,
            after={"mark": kind},
        )
    return mark
