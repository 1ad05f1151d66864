"""Material files on disk: readable by the server's user only (they are personal data), and those without a
database row (a server killed between storing a file and committing) are swept by `tongban maintenance` /
`tongban media sweep` after a grace period; referenced files are kept."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from tongban.cases.files import orphan_files_sweep
from tongban.cases.models import CaseMaterial
from tongban.cli import main
from tongban.core.maintenance import maintenance_run


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TONGBAN_MEDIA_ORPHAN_GRACE_SECONDS = 3600
    return Path(settings.MEDIA_ROOT)


def test_a_stored_material_is_readable_by_the_servers_user_only_whatever_the_umask(media, submit):
    old = os.umask(0o022)  # the usual umask, under which Django would write 0644 files and 0755 directories
    try:
        case, _ = submit()
    finally:
        os.umask(old)
    path = media / CaseMaterial.objects.get(case=case, key="application-form").file.name
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def _age(path: Path, seconds: int) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_orphans_older_than_the_grace_are_deleted_and_referenced_files_kept(media, submit):
    case, _ = submit()
    kept = media / CaseMaterial.objects.get(case=case, key="application-form").file.name
    orphan = media / default_storage.save("cases/2026/12/TB-crashed-application-form.pdf", _pdf())
    fresh = media / default_storage.save("cases/2026/12/TB-in-progress-application-form.pdf", _pdf())
    for path in (kept, orphan):
        _age(path, 7200)
    assert kept.exists() and orphan.exists() and fresh.exists()
    assert orphan_files_sweep(dry_run=True) == [str(orphan.relative_to(media))]
    assert orphan.exists()
    assert maintenance_run()["orphan_files_deleted"] == 1
    assert kept.exists() and fresh.exists() and not orphan.exists()
    # the fresh one goes once the grace has passed (a submission still in progress would have committed)
    assert orphan_files_sweep(now=timezone.now() + timedelta(hours=2)) == [str(fresh.relative_to(media))]
    assert kept.exists()


def test_the_media_sweep_command(media, submit, capsys):
    orphan = media / default_storage.save("cases/2026/11/lost.pdf", _pdf())
    _age(orphan, 7200)
    assert main(["media", "sweep", "--dry-run"]) == 0
    assert "1 orphan files found" in capsys.readouterr().out and orphan.exists()
    assert main(["media", "sweep"]) == 0
    assert "1 orphan files deleted" in capsys.readouterr().out and not orphan.exists()


def _pdf():
    from django.core.files.base import ContentFile

    from tests.cases.conftest import pdf_bytes

    return ContentFile(pdf_bytes())
