"""A refused application keeps the files that passed their checks with the draft: the form comes back
listing them (with a way to remove or replace each), and the fixed application is submitted without
uploading them again. The kept files go with the draft once the case is made."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from tests.cases.conftest import GOOD_FORM, Upload, pdf_bytes
from tests.cases.test_pages import apply_url, form_post, text
from tests.conftest import login_client
from tongban.cases.models import ApplicationDraftFile, Case, CaseMaterial

pytestmark = pytest.mark.django_db

FORM = {f"f_{k}": str(v) for k, v in GOOD_FORM.items()} | {"delivery_method": "online"}


def test_one_bad_file_does_not_lose_the_good_one(world):
    client = login_client(world["applicant"].user)
    url = apply_url(world)
    data = {**FORM, "form_token": "k" * 32, "applicant": str(world["applicant"].uuid)}
    good = pdf_bytes("签字的申请书")
    refused = form_post(
        client,
        url,
        data,
        {
            "m_application-form": Upload(good, "申请书.pdf"),
            "m_bank-account": Upload(b"MZ\x90\x00", "bank.exe"),
        },
    )
    assert refused.status_code == 422 and not Case.objects.exists()
    html = refused.content.decode()
    assert "已上传：申请书.pdf" in text(refused) and 'name="remove_file" value="application-form"' in html
    assert 'id="m_bank-account-error"' in html and 'id="m_application-form-error"' not in html
    kept = ApplicationDraftFile.objects.get()
    assert kept.key == "application-form" and default_storage.exists(kept.file.name)
    # Coming back later shows it too.
    assert "已上传：申请书.pdf" in text(client.get(url))
    # Only the bad file is chosen again.
    done = form_post(client, url, data, {"m_bank-account": Upload(pdf_bytes("银行"), "bank.pdf")})
    case = Case.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/cases/{case.uuid}/"
    stored = CaseMaterial.objects.get(case=case, key="application-form")
    assert stored.file.read() == good
    assert CaseMaterial.objects.filter(case=case, key="bank-account", mode="uploaded").exists()
    assert not ApplicationDraftFile.objects.exists() and not default_storage.exists(kept.file.name)


def test_a_kept_file_can_be_removed_and_then_is_missing_again(world):
    client = login_client(world["applicant"].user)
    url = apply_url(world)
    data = {"form_token": "r" * 32, "applicant": str(world["applicant"].uuid), "f_applicant_name": "赵六"}
    form_post(client, url, data, {"m_application-form": Upload(pdf_bytes(), "申请书.pdf")})  # refused: 票种
    kept = ApplicationDraftFile.objects.get()
    removed = form_post(client, url, {**data, "remove_file": "application-form"})
    assert removed.status_code == 200 and "已上传：" not in text(removed)
    assert 'value="赵六"' in removed.content.decode()  # the form as typed stays
    assert not ApplicationDraftFile.objects.exists() and not default_storage.exists(kept.file.name)
    again = form_post(client, url, {**FORM, **data})
    assert again.status_code == 422 and "「申请书」：缺少必需的材料" in text(again)


def test_files_of_a_forgotten_draft_and_orphans_under_drafts_are_swept(world, settings, tmp_path):
    import os
    import time
    from datetime import timedelta
    from pathlib import Path

    from django.utils import timezone

    from tongban.cases.models import ApplicationDraft
    from tongban.core.maintenance import maintenance_run

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TONGBAN_DRAFT_FILE_DAYS = 30
    client = login_client(world["applicant"].user)
    data = {"form_token": "s" * 32, "applicant": str(world["applicant"].uuid)}
    form_post(client, apply_url(world), data, {"m_application-form": Upload(pdf_bytes(), "申请书.pdf")})
    kept = ApplicationDraftFile.objects.get()
    path = Path(settings.MEDIA_ROOT) / kept.file.name
    orphan = Path(settings.MEDIA_ROOT) / default_storage.save("drafts/2026/12/lost.pdf", Upload(pdf_bytes()))
    old = time.time() - 7200
    os.utime(orphan, (old, old))
    swept = maintenance_run()
    assert swept["orphan_files_deleted"] == 1 and swept["draft_files_expired"] == 0
    assert path.exists() and not orphan.exists()  # the kept file has its row
    ApplicationDraft.objects.update(updated_at=timezone.now() - timedelta(days=31))
    assert maintenance_run()["draft_files_expired"] == 1
    assert not ApplicationDraftFile.objects.exists() and not path.exists()
