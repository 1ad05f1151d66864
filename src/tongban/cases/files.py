"""Material files with no database row: a request killed between storing a file and committing its
CaseMaterial row (or a rolled-back submission) leaves one behind. The sweep deletes files under
``cases/`` older than ``TONGBAN_MEDIA_ORPHAN_GRACE_SECONDS`` (the grace lets a submission in progress
commit) that no CaseMaterial references, and likewise files under ``drafts/`` that no ApplicationDraftFile
references. Files kept with a draft nobody has touched for ``TONGBAN_DRAFT_FILE_DAYS`` days go too. Run by
``tongban maintenance`` (and the orphans alone by ``tongban media sweep``)."""

from __future__ import annotations

import logging
import posixpath
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from tongban.cases.models import ApplicationDraftFile, CaseMaterial

logger = logging.getLogger(__name__)

ROOT = "cases"
DRAFTS = "drafts"


def _walk(storage, directory: str):
    try:
        dirs, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    if files:
        yield directory, files
    for sub in dirs:
        yield from _walk(storage, posixpath.join(directory, sub))


def orphan_files_sweep(*, now: datetime | None = None, dry_run: bool = False) -> list[str]:
    """Delete (or, with ``dry_run``, only list) the orphan material files; returns their names."""
    storage = CaseMaterial._meta.get_field("file").storage
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TONGBAN_MEDIA_ORPHAN_GRACE_SECONDS)
    orphans = []
    for root, model in ((ROOT, CaseMaterial), (DRAFTS, ApplicationDraftFile)):
        for directory, files in _walk(storage, root):
            names = [posixpath.join(directory, f) for f in files]
            known = set(model.objects.filter(file__in=names).values_list("file", flat=True))
            for name in names:
                if name in known:
                    continue
                try:
                    if storage.get_modified_time(name) >= cutoff:
                        continue
                except FileNotFoundError:
                    continue
                # Checked again just before deleting: a row committed since the first look keeps its file.
                if model.objects.filter(file=name).exists():
                    continue
                orphans.append(name)
                if not dry_run:
                    storage.delete(name)
    if orphans and not dry_run:
        logger.info("deleted %d orphan material files", len(orphans))
    return orphans


def draft_files_expire(*, now: datetime | None = None) -> int:
    """Delete the files kept with drafts untouched for ``TONGBAN_DRAFT_FILE_DAYS`` days; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.TONGBAN_DRAFT_FILE_DAYS)
    stale = list(ApplicationDraftFile.objects.filter(draft__updated_at__lt=cutoff))
    ApplicationDraftFile.objects.filter(pk__in=[row.pk for row in stale]).delete()
    for row in stale:
        row.file.delete(save=False)
    return len(stale)


def maintenance_receiver(sender, now=None, **kwargs) -> dict:
    """``tongban.core.signals.maintenance_sweep`` receiver (connected in CasesConfig.ready)."""
    return {
        "draft_files_expired": draft_files_expire(now=now),
        "orphan_files_deleted": len(orphan_files_sweep(now=now)),
    }
