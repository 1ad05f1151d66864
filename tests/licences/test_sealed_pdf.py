"""A licence's PDF sealed by its issuing department: the seal is made after the licence commits (a task, never
in the request), stamped over the issuer's name at the licence's seal area, and the holder's download is the
sealed file while it shows the licence as it is; a status change asks for a new one, and until it is made the
holder gets the unsealed rendering (which also asks for it)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.conftest import login_client
from tests.licences.test_pdf import pdf_text
from tongban.accounts.facade import actor_for
from tongban.licences.constants import LicenceStatus
from tongban.licences.models import LicenceDocument
from tongban.licences.pdf import SEAL_AREA, seal_box_points
from tongban.licences.services import licence_change_status
from tongban.seals.models import Seal, SealUse
from tongban.seals.sealing import document_verify
from tongban.seals.tasks import licence_seal_now

pytestmark = pytest.mark.django_db


def red_share(pdf: bytes, area_mm: tuple[float, float, float, float]) -> float:
    """The share of clearly red pixels in an area (mm from the top left) of the last page rendered at 72 dpi."""
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "poppler-utils is missing: run scripts/test-deps.sh"
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [pdftoppm, "-r", "72", "-png", "-f", str(pages), "-l", str(pages), "-", str(Path(tmp) / "p")],
            input=pdf,
            check=True,
        )
        (page,) = Path(tmp).glob("p*.png")
        with Image.open(page) as image:
            x, y, w, h = (round(v * 72 / 25.4) for v in area_mm)
            raw = image.convert("RGB").crop((x, y, x + w, y + h)).tobytes()
    pixels = [tuple(raw[i : i + 3]) for i in range(0, len(raw), 3)]
    return sum(1 for r, g, b in pixels if r > 150 and g < 110 and b < 110) / len(pixels)


def test_an_issued_licence_is_sealed_by_its_department_after_commit_and_downloaded_sealed(
    lib, issue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        licence = issue("business")
    assert callbacks  # asked for after the commit (the test settings run the task at once)
    document = LicenceDocument.objects.get(licence=licence)
    holder = login_client(lib["holder"].user)
    response = holder.get(f"/licences/{licence.uuid}/pdf")
    assert response.status_code == 200 and response["X-Tongban-Sealed"] == "true"
    assert response.content == bytes(document.pdf)
    [report] = document_verify(response.content)
    assert report.ok and report.level == "B-LT", report.as_dict()
    assert report.signer == f"{lib['market'].name} 部门章"
    # The department's own seal, made on first use, and the use recorded with the sealed file's digest.
    seal = Seal.objects.get(kind="department", owner_uuid=str(lib["market"].uuid))
    use = SealUse.objects.get(seal=seal)
    assert use.document_sha256 == document.sha256 and licence.number in use.purpose
    # The stamp is where the licence keeps its place for it, over the issuer's name; the text is unchanged.
    reader = PdfReader(io.BytesIO(response.content))
    [widget] = [a.get_object() for a in reader.pages[-1]["/Annots"] if a.get_object().get("/FT") == "/Sig"]
    assert [round(float(v), 1) for v in widget["/Rect"]] == [round(v, 1) for v in seal_box_points()]
    assert red_share(response.content, SEAL_AREA) > 0.05
    assert red_share(licence_pdf_unsealed(holder, licence), SEAL_AREA) < 0.01
    text = pdf_text(response.content)
    assert "营业执照" in text and lib["market"].name in text and licence.number in text


def licence_pdf_unsealed(client, licence) -> bytes:
    """The unsealed rendering of the same licence (its sealed file set aside for a moment)."""
    LicenceDocument.objects.filter(licence=licence).update(status="99")
    try:
        response = client.get(f"/licences/{licence.uuid}/pdf")
        assert response["X-Tongban-Sealed"] == "false"
        return response.content
    finally:
        LicenceDocument.objects.filter(licence=licence).update(status=licence.status)


def test_a_status_change_seals_the_file_again_and_until_then_the_download_is_unsealed(
    lib, issue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        licence = issue("business")
    holder = login_client(lib["holder"].user)
    first = LicenceDocument.objects.get(licence=licence).sha256
    # Changed, the sealing not yet run: the unsealed rendering, which shows the new status and asks for a seal.
    with django_capture_on_commit_callbacks(execute=False) as asked:
        licence_change_status(
            actor=actor_for(lib["market_issuer"]), licence=licence, action="suspend", reason="检查"
        )
    assert asked
    with django_capture_on_commit_callbacks(execute=False) as asked_again:
        response = holder.get(f"/licences/{licence.uuid}/pdf")
    assert response["X-Tongban-Sealed"] == "false" and "暂扣" in pdf_text(response.content)
    assert not document_verify(response.content)  # no signature at all
    assert asked_again  # the download asks for the sealed file too
    for callback in asked:
        callback()
    document = LicenceDocument.objects.get(licence=licence)
    assert document.sha256 != first and document.status == LicenceStatus.SUSPENDED
    response = holder.get(f"/licences/{licence.uuid}/pdf")
    assert response["X-Tongban-Sealed"] == "true" and "暂扣" in pdf_text(response.content)
    # Asked again once it is sealed: nothing to do, and no second use of the seal.
    uses = SealUse.objects.count()
    assert licence_seal_now(str(licence.uuid)) == {"sealed": False}
    assert SealUse.objects.count() == uses


def test_a_file_sealed_before_a_change_it_did_not_see_is_not_kept(lib, issue, monkeypatch):
    """The licence changes while its file is being sealed: the old file is dropped (the change asked anew)."""
    from tongban.licences import facade

    licence = issue("business")
    real_store = facade.licence_document_store

    def change_then_store(source, pdf):
        licence_change_status(
            actor=actor_for(lib["market_issuer"]), licence=licence, action="suspend", reason="检查"
        )
        return real_store(source, pdf)

    monkeypatch.setattr(facade, "licence_document_store", change_then_store)
    assert licence_seal_now(str(licence.uuid))["sealed"] is False
    assert not LicenceDocument.objects.exists()


def test_one_department_seal_serves_its_licences_and_another_department_gets_its_own(
    lib, issue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issue("business")
        issue("vocational")
        issue("vocational", face={"name": "张三", "occupation": "焊工", "grade": "四级"})
    owners = sorted(Seal.objects.filter(kind="department").values_list("owner_name", flat=True))
    assert owners == sorted([lib["market"].name, lib["hr"].name])
    assert LicenceDocument.objects.count() == 3


def test_the_licence_page_links_the_verification_of_its_sealed_file_for_the_holder_only(
    lib, issue, django_capture_on_commit_callbacks
):
    licence = issue("business")  # its sealing not run yet (the test's transaction never commits)
    holder = login_client(lib["holder"].user)
    page = holder.get(f"/licences/{licence.uuid}/").content.decode()
    assert "颁发机构电子印章加盖中" in page and "/seals/verify/licences/" not in page
    assert "/seals/verify/licences/" not in holder.get(f"/licences/{licence.uuid}/show/").content.decode()
    waiting = holder.get(f"/seals/verify/licences/{licence.uuid}/").content.decode()
    assert "文件正在加盖电子印章" in waiting
    with django_capture_on_commit_callbacks(execute=True) as asked:
        holder.get(f"/licences/{licence.uuid}/")  # the page asks for the sealed file
    assert asked and LicenceDocument.objects.filter(licence=licence).exists()
    page = holder.get(f"/licences/{licence.uuid}/").content.decode()
    assert f'href="/seals/verify/licences/{licence.uuid}/"' in page and "已加盖颁发机构电子印章" in page
    shown = holder.get(f"/licences/{licence.uuid}/show/").content.decode()  # the 亮证 page links it too
    assert f'href="/seals/verify/licences/{licence.uuid}/"' in shown
    verified = holder.get(f"/seals/verify/licences/{licence.uuid}/")
    text = verified.content.decode()
    assert verified.status_code == 200 and "✔ 印章有效" in text and "✘" not in text
    assert f"{lib['market'].name} 部门章" in text and "B-LT" in text
    stranger = login_client(lib["stranger"].user)
    assert stranger.get(f"/seals/verify/licences/{licence.uuid}/").status_code == 404
    assert holder.get("/seals/verify/licences/00000000-0000-0000-0000-000000000000/").status_code == 404
