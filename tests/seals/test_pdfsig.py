"""Independent validation: poppler's pdfsig (NSS) accepts the sealed PDFs — every signature valid and, with the
test root imported into an NSS database, its certificate trusted — and a byte changed in the signed range makes
pdfsig and verify_pdf both report the signature invalid (pdfsig exits 0 even then: its output is parsed)."""

import re
import shutil
import subprocess

import pytest
from pyhanko_certvalidator import ValidationContext

from tests.seals.pki_testing import as_asn1, licence_pdf, make_pki
from tongban.seals.images import round_seal_png, square_personal_seal_png
from tongban.seals.pades import seal_pdf
from tongban.seals.pdf_verify import verify_pdf
from tongban.seals.tsa import LocalTimeStamper

PDFSIG = shutil.which("pdfsig")
CERTUTIL = shutil.which("certutil")
pytestmark = pytest.mark.skipif(
    not (PDFSIG and CERTUTIL), reason="needs poppler-utils' pdfsig and libnss3-tools"
)


@pytest.fixture(scope="module")
def pki():
    return make_pki("独立验证")


@pytest.fixture(scope="module")
def nssdir(pki, tmp_path_factory):
    """An NSS database that trusts the test root (as a verifier who imported the platform's root would)."""
    d = tmp_path_factory.mktemp("nss")
    (d / "root.pem").write_bytes(pki.root_pem())
    subprocess.run([CERTUTIL, "-N", "-d", f"sql:{d}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        [CERTUTIL, "-A", "-d", f"sql:{d}", "-n", "root", "-t", "CT,C,C", "-i", str(d / "root.pem")],
        check=True,
        capture_output=True,
    )
    return d


@pytest.fixture(scope="module")
def sealed(pki):
    """An application form sealed by the company (B-LT) and its legal representative (B-LTA)."""
    stamper = LocalTimeStamper(key=pki.tsa_key, cert=pki.tsa, chain=pki.chain, policy_oid="1.2.156.9999.1.1")
    person_key, person_cert = pki.issue("张三")

    def vc(*certs):
        return ValidationContext(
            trust_roots=[as_asn1(pki.root)],
            crls=pki.asn1_crls(),
            ocsps=pki.asn1_ocsps(*certs),
            allow_fetching=False,
        )

    first = seal_pdf(
        licence_pdf("设立登记申请书"),
        key=pki.seal_key,
        cert=pki.seal,
        chain=pki.chain,
        image_png=round_seal_png(f"{pki.label}示范科技有限公司", ""),
        box=(380, 560, 499, 679),
        field_name="企业公章",
        timestamper=stamper,
        level="B-LT",
        validation_context=vc(pki.seal, pki.tsa),
    )
    return seal_pdf(
        first,
        key=person_key,
        cert=person_cert,
        chain=pki.chain,
        image_png=square_personal_seal_png("张三"),
        box=(300, 580, 357, 637),
        field_name="法定代表人签名",
        timestamper=stamper,
        level="B-LTA",
        validation_context=vc(person_cert, pki.tsa),
    )


def pdfsig(pdf: bytes, tmp_path, nssdir=None) -> list[dict[str, str]]:
    """pdfsig's answer, one dict per signature (its ``  - Key: value`` lines)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    args = [PDFSIG, "-no-ocsp", str(path)]
    if nssdir:
        args[1:1] = ["-nssdir", f"sql:{nssdir}"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    sigs: list[dict[str, str]] = []
    for line in out.stdout.splitlines():
        if re.match(r"^Signature #\d+:", line):
            sigs.append({})
        elif (m := re.match(r"^\s+- ([^:]+): (.*)$", line)) and sigs:
            sigs[-1][m.group(1).strip()] = m.group(2).strip()
    return sigs


def test_pdfsig_finds_every_signature_valid_and_trusted(sealed, pki, nssdir, tmp_path):
    sigs = pdfsig(sealed, tmp_path, nssdir)
    # The two seals and the document timestamp (B-LTA).
    assert [s.get("Signature Field Name") for s in sigs][:2] == ["企业公章", "法定代表人签名"]
    assert len(sigs) == 3
    for s in sigs[:2]:
        assert s["Signature Validation"] == "Signature is Valid.", s
        assert s["Certificate Validation"] == "Certificate is Trusted.", s
        assert s["Signature Type"] == "ETSI.CAdES.detached"
    # pdfsig (poppler 22.12) lists the document timestamp but does not verify it ("Signature has not yet been
    # verified."); pyHanko does (verify_pdf's B-LTA below needs it trusted).
    assert sigs[2]["Signature Type"] in {"ETSI.RFC3161", "unknown"}  # poppler 22.12 names it "unknown"
    # Without the root imported: still valid signatures, but not trusted.
    untrusted = pdfsig(sealed, tmp_path)
    assert all(s["Signature Validation"] == "Signature is Valid." for s in untrusted[:2])
    assert all(s["Certificate Validation"] != "Certificate is Trusted." for s in untrusted[:2])
    # pyHanko's view through verify_pdf agrees.
    reports = verify_pdf(sealed, trust_roots=[pki.root])
    assert [r.level for r in reports] == ["B-LTA", "B-LTA"]
    assert all(r.ok for r in reports)


def test_a_changed_byte_in_the_signed_range_is_invalid_for_both(sealed, pki, nssdir, tmp_path):
    # A byte of the first page's content stream: inside every signature's first signed range.
    at = sealed.index(b"stream", sealed.index(b"/Contents")) + 30
    forged = sealed[:at] + bytes([sealed[at] ^ 0x20]) + sealed[at + 1 :]
    sigs = pdfsig(forged, tmp_path, nssdir)
    assert len(sigs) == 3
    for s in sigs[:2]:
        assert s["Signature Validation"] != "Signature is Valid.", s
        assert s["Signature Validation"] in {"Digest Mismatch.", "Signature is Invalid."}, s
    reports = verify_pdf(forged, trust_roots=[pki.root])
    assert len(reports) == 2
    for r in reports:
        assert not r.ok and not r.intact and r.reasons[0] == "digest_mismatch"
