"""Sealing with the platform's own PKI (seals/sealing.py): a registry seal — made with its image — seals a PDF
at B-LT with the platform's time-stamping unit and embedded revocation data; the platform's verification, the
command `tongban seals verify` and poppler's pdfsig (with the platform root trusted in an NSS database) all
accept it; only the owner or an authorised person may seal, and only with an active seal; a seal revoked
after the document was sealed leaves that document valid (revocation is judged at the signing time)."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from django.test import Client
from PIL import Image

from tests.seals.pki_testing import licence_pdf
from tests.seals.test_pdfsig import pdfsig
from tongban.accounts.facade import actor_for
from tongban.cli import main
from tongban.core.errors import DomainError
from tongban.seals import facade, services
from tongban.seals.sealing import document_seal, document_verify

PDFSIG, CERTUTIL = shutil.which("pdfsig"), shutil.which("certutil")


@pytest.fixture
def sealed(seal_world, active_seal):
    rep = seal_world["rep"]
    return document_seal(
        actor_for(rep.user),
        str(active_seal.uuid),
        licence_pdf("设立登记申请书"),
        purpose="设立登记申请书",
        field_name="企业公章",
    )


def test_a_registry_seal_has_its_image_drawn_when_it_is_made(active_seal):
    image = Image.open(io.BytesIO(bytes(active_seal.image_png)))
    assert image.mode == "RGBA" and image.width == image.height > 300
    assert float(active_seal.width_mm) == float(active_seal.height_mm) == 42
    red = sum(1 for r, g, b, a in image.get_flattened_data() if a > 200 and r > 180 and g < 90)
    assert red > image.width * image.height * 0.05  # a red seal, not an empty square


def test_the_sealed_pdf_is_valid_b_lt_for_the_platform_and_the_use_is_logged(seal_world, active_seal, sealed):
    [report] = document_verify(sealed)
    assert report.ok, report.as_dict()
    assert report.level == "B-LT" and report.trusted and report.revocation == "good"
    assert report.signing_time is not None and report.modified_after == "allowed"  # the DSS update only
    assert seal_world["company"].name in (report.signer or "")
    assert [u.purpose for u in active_seal.uses.all()] == ["设立登记申请书"]


@pytest.mark.skipif(
    not (PDFSIG and CERTUTIL), reason="poppler-utils and libnss3-tools (scripts/test-deps.sh)"
)
def test_pdfsig_finds_the_platform_s_seal_valid_and_trusted(sealed, tmp_path):
    nss = tmp_path / "nss"
    nss.mkdir()
    (nss / "root.pem").write_bytes(facade.root_certificate_pem())
    subprocess.run([CERTUTIL, "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        [CERTUTIL, "-A", "-d", f"sql:{nss}", "-n", "root", "-t", "CT,C,C", "-i", str(nss / "root.pem")],
        check=True,
        capture_output=True,
    )
    [sig] = pdfsig(sealed, tmp_path, nss)
    assert sig["Signature Validation"] == "Signature is Valid."
    assert sig["Certificate Validation"] == "Certificate is Trusted."
    [untrusted] = pdfsig(sealed, tmp_path)  # without the platform root
    assert untrusted["Signature Validation"] == "Signature is Valid."
    assert untrusted["Certificate Validation"] != "Certificate is Trusted."


def test_only_the_owner_or_an_authorised_person_seals_and_only_with_an_active_seal(seal_world, active_seal):
    rep, employee = seal_world["rep"], seal_world["employee"]
    seal_uuid, doc = str(active_seal.uuid), licence_pdf("合同")
    with pytest.raises(DomainError) as refused:
        document_seal(actor_for(employee.user), seal_uuid, doc, purpose="合同", field_name="企业公章")
    assert refused.value.status in (403, 404)
    services.seal_authorise(
        actor=actor_for(rep.user),
        seal_uuid=seal_uuid,
        grantee=services.Grantee(real_name=employee.real_name, id_number=employee.id_number),
    )
    assert document_verify(
        document_seal(actor_for(employee.user), seal_uuid, doc, purpose="合同", field_name="企业公章")
    )[0].ok
    services.seal_suspend(actor=actor_for(rep.user), seal_uuid=seal_uuid, reason="遗失密钥介质，暂停使用")
    with pytest.raises(DomainError) as suspended:
        document_seal(actor_for(rep.user), seal_uuid, doc, purpose="合同", field_name="企业公章")
    assert suspended.value.status == 409


def test_a_seal_revoked_after_sealing_leaves_the_document_valid_and_the_cli_says_so(
    seal_world, active_seal, sealed, tmp_path, capsys
):
    services.seal_revoke(
        actor=actor_for(seal_world["rep"].user), seal_uuid=active_seal.uuid, reason="企业注销"
    )
    [report] = document_verify(sealed)
    assert report.ok and report.revocation == "good", report.as_dict()
    forged = bytearray(sealed)
    forged[sealed.index(b"stream", 1000) + 20] ^= 0x01  # inside the first content stream, signed
    [bad] = document_verify(bytes(forged))
    assert not bad.ok and not bad.intact

    (tmp_path / "good.pdf").write_bytes(sealed)
    (tmp_path / "bad.pdf").write_bytes(bytes(forged))
    assert main(["seals", "verify", str(tmp_path / "good.pdf")]) == 0
    assert "VALID / 有效" in capsys.readouterr().out
    assert main(["seals", "verify", str(tmp_path / "bad.pdf")]) == 1
    assert "INVALID / 无效" in capsys.readouterr().out


def test_rotating_the_root_keeps_documents_sealed_before_valid_and_new_seals_chain_to_the_new_root(
    sealed, seal_world, capsys
):
    from cryptography import x509

    from tongban.core.actors import SYSTEM
    from tongban.seals import pki

    old_root = pki.key_certificate(pki.root_ca())
    assert main(["seals", "rotate-root"]) == 0
    out = capsys.readouterr().out
    assert "new root" in out and "active issuing CA" in out
    new_root = pki.key_certificate(pki.root_ca())
    assert new_root != old_root and facade.trust_roots() == [new_root, old_root]
    assert x509.load_der_x509_certificate(Client().get("/seals/pki/root.crt").content) == new_root
    # The document sealed under the old root still verifies (the old root is still trusted).
    [report] = document_verify(sealed)
    assert report.ok, report.as_dict()
    # A seal made now is certified by the new issuing CA under the new root, and seals valid documents.
    made = facade.department_seal(SYSTEM, "00000000-0000-0000-0000-000000000002", "示范局")
    cert = x509.load_der_x509_certificate(made.certificate_der)
    cert.verify_directly_issued_by(pki.key_certificate(pki.issuing_ca()))
    pki.key_certificate(pki.issuing_ca()).verify_directly_issued_by(new_root)
    [after] = document_verify(
        facade.department_document_seal("x", "示范局", sealed, purpose="t", field_name="局章")
    )[1:]
    assert after.ok and after.signer == "示范局 部门章", after.as_dict()
    # rotate-ca then retires only the issuing CA.
    assert main(["seals", "rotate-ca"]) == 0
    assert pki.key_certificate(pki.root_ca()) == new_root
