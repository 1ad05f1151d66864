"""The outbox of the national 好差评 upload (ratings.md §8): every new evaluation writes its records in the
provincial interface format of the "default" profile (one per case of a pad evaluation), in its own
transaction; ``ratings.tasks.upload_send`` hands due rows to the configured transport, retried with growing
delays (1 min, 5 min, 30 min, 2 h, 12 h; then failed and visible in the admin), idempotent on (projectNo,
assessNumber, userId). A later change of an evaluation's status (an upheld appeal, a confirmed fraud) is a
new row of kind ``status`` for the same key, never a deletion."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tongban.ratings.exports import province_records_of
from tongban.ratings.locks import lock_upload
from tongban.ratings.models import Evaluation, RatingUpload, UploadKind, UploadStatus
from tongban.ratings.transports import upload_transport

logger = logging.getLogger(__name__)

# The waits after the 1st … 5th failed attempt; the 6th failure marks the row failed.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


def _key_fields(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "project_no": record["projectNo"],
        "assess_number": int(record["assessNumber"]),
        "user_id": record["userId"],
    }


def _insert(evaluation: Evaluation, payload: dict[str, Any], kind: str, status: str = "") -> bool:
    """One outbox row; False when its key is there already (written once, whoever tries)."""
    try:
        with transaction.atomic():
            RatingUpload.objects.create(
                evaluation_uuid=evaluation.uuid,
                kind=kind,
                update_status=status,
                payload=payload,
                **_key_fields(payload),
            )
    except IntegrityError:
        return False
    return True


def _after_commit_send() -> None:
    from tongban.ratings.tasks import upload_send_enqueue

    transaction.on_commit(upload_send_enqueue, robust=True)


def upload_enqueue(evaluation: Evaluation) -> int:
    """Write the evaluation's upload rows (call it in the transaction that writes the evaluation) and have
    the task send them after the commit. An evaluation with no record (a pad service without a case) writes
    none; a second call writes nothing. Returns the rows written."""
    records, report = province_records_of(evaluation)
    for left in report.left_out:  # uuids and reason codes only: never the evaluator
        logger.info("rating upload: evaluation %s not sent (%s)", left["evaluation"], left["reason"])
    written = sum(_insert(evaluation, record, UploadKind.RECORD) for record in records)
    if written:
        _after_commit_send()
    return written


def upload_status_update(evaluation: Evaluation, status: str) -> int:
    """Send a change of the evaluation's status (e.g. ``excluded`` after an upheld appeal, ``fraud``) as a
    record of kind ``status`` for each of its keys: the record's key fields, the status and its time."""
    rows = RatingUpload.objects.filter(evaluation_uuid=evaluation.uuid, kind=UploadKind.RECORD)
    written = 0
    for row in rows:
        payload = {
            "projectNo": row.project_no,
            "assessNumber": str(row.assess_number),
            "userId": row.user_id,
            "status": str(status),
            "statusTime": timezone.localtime(timezone.now()).strftime("%Y-%m-%d %H:%M:%S"),
        }
        written += _insert(evaluation, payload, UploadKind.STATUS, str(status))
    if written:
        _after_commit_send()
    return written


def upload_due(now: datetime | None = None):
    """The rows waiting to be sent whose time has come."""
    now = now or timezone.now()
    return RatingUpload.objects.filter(status=UploadStatus.PENDING, next_attempt_at__lte=now)


def upload_send_one(upload_id: int, now: datetime | None = None) -> str:
    """Send one due row once: "sent", "retry" (failed, tried again later), "failed" (after the last
    attempt), or "skipped" (not due, done, or held by another worker)."""
    now = now or timezone.now()
    with transaction.atomic():
        row = lock_upload(upload_id)
        if row is None or row.status != UploadStatus.PENDING or row.next_attempt_at > now:
            return "skipped"
        try:
            upload_transport().send(record=row.payload, key=row.key)
        except Exception as exc:  # any failure of the transport: retried later
            attempts = row.attempts + 1
            fields: dict[str, Any] = {"attempts": attempts, "last_error": type(exc).__name__[:200]}
            if attempts >= MAX_ATTEMPTS:
                fields["status"] = UploadStatus.FAILED
            else:
                fields["next_attempt_at"] = now + RETRY_DELAYS[attempts - 1]
            RatingUpload.objects.filter(pk=row.pk).update(**fields)
            logger.warning(
                "rating upload %s not sent (attempt %s): %s", row.uuid, attempts, type(exc).__name__
            )
            return "failed" if attempts >= MAX_ATTEMPTS else "retry"
        RatingUpload.objects.filter(pk=row.pk).update(
            status=UploadStatus.SENT, attempts=row.attempts + 1, sent_at=now, last_error=""
        )
    return "sent"


def upload_send_due(now: datetime | None = None) -> dict[str, int]:
    """Send every due row once; counts by outcome."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    for pk in list(upload_due(now).order_by("next_attempt_at", "id").values_list("pk", flat=True)):
        counts[upload_send_one(pk, now)] += 1
    return counts
