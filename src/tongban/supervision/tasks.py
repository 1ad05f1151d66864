"""Supervision's periodic work. The maintenance sweep (every minute) brings the daily roll-ups up to date
(rollup.py) once ``TONGBAN_SUPERVISION_ROLLUP_MINUTES`` have passed since the last run, then assesses the month
and the quarter just ended, once (docs/domain/supervision-assessments.md §5), and seals what a failed task left
unsealed; the tasks seal an assessment report (after its assessment commits) and an issued circular (after its
issue commits) with the supervising office's seal — a seal costs about 0.2 s, never spent in a request."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone, translation
from django_tasks import task

from tongban.supervision.constants import (
    ASSESS_DELAY_DAYS,
    SEAL_RETRY_BATCH,
    SEAL_RETRY_MINUTES,
    CircularStatus,
    PeriodKind,
)
from tongban.supervision.models import RollupState
from tongban.supervision.rollup import SAFETY_MARGIN, rollup_run

logger = logging.getLogger(__name__)


def maintenance_receiver(sender=None, now=None, **kwargs) -> dict:
    now = now or timezone.now()
    last = RollupState.objects.aggregate(last=Max("watermark"))["last"]
    interval = timedelta(minutes=settings.TONGBAN_SUPERVISION_ROLLUP_MINUTES)
    if (
        last is not None
        and last + SAFETY_MARGIN + interval > now
        and timezone.localdate(last + SAFETY_MARGIN) == timezone.localdate(now)
    ):
        return {}
    done = rollup_run(now)
    return {f"supervision_rollup_{family}": n for family, n in done.items()}


# --- service blind spots (blindspots.py) ---------------------------------------------------------------------
def blind_spots_receiver(sender=None, now=None, **kwargs) -> dict:
    """``maintenance_sweep`` receiver: compute the months due (blindspots.months_due: the previous month until
    it was computed after it ended, the current one every ``TONGBAN_BLIND_SPOTS_MINUTES``); nothing
    otherwise. Like the roll-ups, in the sweep itself: a month of texts is segmented in seconds, once an
    hour (docs/operations.md §20)."""
    from tongban.supervision.blindspots import compute_month, months_due

    done = 0
    for month in months_due(now):
        compute_month(month, now=now)
        done += 1
    return {"blind_spot_months": done} if done else {}


def office_seal(
    office_uuid: str, office_name: str, code: str, pdf: bytes, *, purpose: str, field_name: str, box
):
    """``pdf`` sealed with the supervising office's 部门章 (made on first use, keyed by the organisation's USCC or
    its uuid, named 〈organisation〉政务服务管理办公室)."""
    from tongban.seals.facade import department_document_seal

    return department_document_seal(
        office_uuid, office_name, pdf, purpose=purpose, field_name=field_name, code=code, box=box
    )


def _office_by_uuid(office_uuid: str):
    from tongban.supervision.access import offices_all

    return next((o for o in offices_all() if o.uuid == str(office_uuid)), None)


def report_seal_now(report_id: int) -> dict:
    """Make the report's PDF from the stored results and seal it; nothing when the report is gone (the period
    was assessed again: its new report has its own task) or already sealed."""
    from tongban.supervision.assessment_periods import Period
    from tongban.supervision.documents import REPORT_FIELD, report_pdf, report_title
    from tongban.supervision.models import AssessmentReport

    report = AssessmentReport.objects.filter(pk=report_id).first()
    if report is None or report.document:
        return {"sealed": False}
    office = _office_by_uuid(report.office_uuid)
    if office is None:
        return {"sealed": False}
    period = Period(report.period_kind, report.period_start)
    with translation.override(settings.LANGUAGE_CODE):
        document = report_pdf(period, office)
        sealed = office_seal(
            office.uuid,
            office.name,
            office.code or office.uuid,
            document.pdf,
            purpose=f"{report_title(period)} {office.name}",
            field_name=REPORT_FIELD,
            box=document.seal_box,
        )
    # Stored only if it still is the report of the same computation (a recomputation replaces the row).
    stored = AssessmentReport.objects.filter(pk=report.pk, computed_at=report.computed_at).update(
        document=sealed, sealed_at=timezone.now()
    )
    return {"sealed": bool(stored), "bytes": len(sealed)}


@task(queue_name="default")
def assessment_report_seal(report_id: int) -> dict:
    """Seal one office's assessment report of a period (enqueued after the assessment commits)."""
    return report_seal_now(report_id)


def circular_seal_now(circular_uuid: str) -> dict:
    """The issued circular's PDF, sealed with its office's seal, kept on the circular (once)."""
    from tongban.supervision.documents import CIRCULAR_FIELD, circular_pdf
    from tongban.supervision.models import Circular

    circular = Circular.objects.filter(uuid=circular_uuid).first()
    if circular is None or not circular.is_issued or circular.document:
        return {"sealed": False}
    office = _office_by_uuid(circular.office_uuid)
    code = (office.code or office.uuid) if office else circular.office_uuid
    document = circular_pdf(circular)
    sealed = office_seal(
        circular.office_uuid,
        circular.office_name,
        code,
        document.pdf,
        purpose=circular.title,
        field_name=CIRCULAR_FIELD,
        box=document.seal_box,
    )
    Circular.objects.filter(pk=circular.pk, document__isnull=True).update(
        document=sealed, sealed_at=timezone.now()
    )
    return {"sealed": True, "bytes": len(sealed)}


@task(queue_name="default")
def circular_seal(circular_uuid: str) -> dict:
    """Seal an issued circular (enqueued after the issue commits)."""
    return circular_seal_now(circular_uuid)


def documents_seal_missing(now=None, limit: int = SEAL_RETRY_BATCH) -> int:
    """Reports and issued circulars still unsealed SEAL_RETRY_MINUTES after they were made (a failed task),
    sealed now, a few a sweep, oldest first."""
    from tongban.supervision.models import AssessmentReport, Circular

    before = (now or timezone.now()) - timedelta(minutes=SEAL_RETRY_MINUTES)
    done = 0
    reports = AssessmentReport.objects.filter(Q(document__isnull=True), computed_at__lt=before).order_by("id")
    for pk in list(reports.values_list("pk", flat=True)[:limit]):
        try:
            done += bool(report_seal_now(pk).get("sealed"))
        except Exception:  # one failing leaves the others, and the sweep, to run
            logger.exception("sealing assessment report %s failed", pk)
    circulars = Circular.objects.filter(
        status=CircularStatus.ISSUED, document__isnull=True, issued_at__lt=before
    ).order_by("id")
    for uuid in list(circulars.values_list("uuid", flat=True)[:limit]):
        try:
            done += bool(circular_seal_now(str(uuid)).get("sealed"))
        except Exception:
            logger.exception("sealing circular %s failed", uuid)
    return done


def assess_due(now=None) -> int:
    """Assess the month and the quarter that ended before yesterday, when not yet assessed (once: a period
    assessed is recomputed only by ``tongban supervision assess``). Returns how many periods it assessed."""
    from tongban.supervision.assessment_periods import last_ended
    from tongban.supervision.assessments import assess
    from tongban.supervision.models import AssessmentRun

    today = timezone.localdate(now) if now is not None else timezone.localdate()
    made = 0
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER):
        period = last_ended(kind, today)
        if (today - period.end).days <= ASSESS_DELAY_DAYS:
            continue
        if AssessmentRun.objects.filter(period_kind=kind, period_start=period.start).exists():
            continue
        assess(kind, period.start, today=today)
        made += 1
    return made


def assessments_maintenance_receiver(sender=None, now=None, **kwargs) -> dict:
    """``tongban.core.signals.maintenance_sweep`` receiver (connected in SupervisionConfig.ready, after the
    roll-up's)."""
    return {"assessments_made": assess_due(now), "assessment_documents_sealed": documents_seal_missing(now)}
