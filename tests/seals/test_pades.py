"""Sealing PDFs with pyHanko: B-T, B-LT, B-LTA, several seals on one document, the visible stamp (the seal image
and Chinese text drawn on the page), the signer adapter — checked with pyHanko's own validator and with
verify_pdf, which must also report every way a document can be wrong without raising."""

import io
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from tests.seals.pki_testing import as_asn1, licence_pdf, make_pki
from tongban.seals.images import round_seal_png, square_personal_seal_png
from tongban.seals.pades import SoftwareKey, seal_pdf
from tongban.seals.pdf_verify import verify_pdf
from tongban.seals.tsa import LocalTimeStamper

POLICY = "1.2.156.9999.1.1"
SEAL_BOX = (380, 560, 499, 679)  # 119 pt: a 42 mm seal
PERSONAL_BOX = (300, 580, 357, 637)  # 57 pt: 20 mm


@pytest.fixture(scope="module")
def pki():
    return make_pki("盖章测试")


@pytest.fixture(scope="module")
def stamper(pki):
    return LocalTimeStamper(key=pki.tsa_key, cert=pki.tsa, chain=pki.chain, policy_oid=POLICY)


@pytest.fixture(scope="module")
def seal_image(pki):
    return round_seal_png(f"{pki.label}示范科技有限公司", "合同专用章")


def revinfo_context(pki, **kw):
    """Trust root and revocation data handed over directly (no network)."""
    return ValidationContext(
        trust_roots=[as_asn1(pki.root)],
        crls=pki.asn1_crls(),
        ocsps=pki.asn1_ocsps(pki.seal, pki.tsa),
        allow_fetching=False,
        **kw,
    )


def seal(pki, stamper, doc, *, level="B-LT", key=None, cert=None, **kw):
    kw.setdefault("field_name", "企业公章")
    kw.setdefault("box", SEAL_BOX)
    return seal_pdf(
        doc,
        key=key or pki.seal_key,
        cert=cert or pki.seal,
        chain=pki.chain,
        timestamper=stamper,
        level=level,
        validation_context=revinfo_context(pki) if level != "B-T" else None,
        reason="核发",
        location="北京",
        **kw,
    )


@pytest.fixture(scope="module")
def bt_pdf(pki, stamper, seal_image):
    return seal(pki, stamper, licence_pdf(), level="B-T", image_png=seal_image)


@pytest.fixture(scope="module")
def two_seals(pki, stamper, seal_image):
    """The enterprise's seal (B-LT) and then its legal representative's (B-LT) on one application form."""
    person_key, person_cert = pki.issue("张三")
    first = seal(pki, stamper, licence_pdf("设立登记申请书"), image_png=seal_image)
    vc = ValidationContext(
        trust_roots=[as_asn1(pki.root)],
        crls=pki.asn1_crls(),
        ocsps=pki.asn1_ocsps(person_cert, pki.tsa),
        allow_fetching=False,
    )
    second = seal_pdf(
        first,
        key=person_key,
        cert=person_cert,
        chain=pki.chain,
        image_png=square_personal_seal_png("张三"),
        box=PERSONAL_BOX,
        field_name="法定代表人签名",
        timestamper=stamper,
        level="B-LT",
        validation_context=vc,
        stamp_text="法定代表人 %(signer)s",
    )
    return first, second


def pyhanko_status(pdf, pki, index=0, **vc_kwargs):
    emb = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[index]
    vc_kwargs.setdefault("crls", pki.asn1_crls())
    vc_kwargs.setdefault("ocsps", pki.asn1_ocsps(pki.seal, pki.tsa))
    return validate_pdf_signature(
        emb, ValidationContext(trust_roots=[as_asn1(pki.root)], allow_fetching=False, **vc_kwargs)
    )


def test_b_t_is_valid_for_pyhanko_and_timestamped(pki, bt_pdf):
    status = pyhanko_status(bt_pdf, pki)
    assert status.bottom_line, status.pretty_print_details()
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert abs(status.timestamp_validity.timestamp - datetime.now(UTC)) < timedelta(minutes=5)
    emb = PdfFileReader(io.BytesIO(bt_pdf)).embedded_signatures[0]
    assert emb.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert emb.field_name == "企业公章"
    # No validation data in the document at B-T.
    with pytest.raises(Exception, match="DSS"):
        DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(bt_pdf)))

    [report] = verify_pdf(bt_pdf, trust_roots=[pki.root], crls=pki.asn1_crls())
    assert report.ok, report
    assert report.level == "B-T"
    assert report.signer == f"{pki.label}示范科技有限公司"
    assert report.revocation == "good"
    assert report.modified_after == "none" and report.coverage == "entire_file"
    # Without any revocation data (none in the document, none given) its revocation cannot be decided.
    [bare] = verify_pdf(bt_pdf, trust_roots=[pki.root])
    assert bare.intact and bare.valid and not bare.trusted
    assert "revocation_unknown" in bare.reasons and bare.revocation == "unknown"


def test_b_lt_carries_its_validation_data(pki, two_seals):
    first, _second = two_seals
    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(first)))
    assert dss.crls and dss.ocsps
    dss_certs = {c.dump() for c in dss.load_certs()}
    assert {as_asn1(c).dump() for c in (pki.seal, pki.issuing, pki.tsa)} <= dss_certs
    # Validated from the document alone: no CRL or OCSP given, no fetching, revocation required.
    vc = dss.as_validation_context(
        {"trust_roots": [as_asn1(pki.root)], "allow_fetching": False, "revocation_mode": "hard-fail"}
    )
    emb = PdfFileReader(io.BytesIO(first)).embedded_signatures[0]
    assert validate_pdf_signature(emb, vc).bottom_line
    [report] = verify_pdf(first, trust_roots=[pki.root])
    assert report.ok and report.level == "B-LT" and report.revocation == "good"
    assert report.signing_time is not None


def test_two_seals_keep_the_first_valid(pki, two_seals):
    _first, second = two_seals
    reports = verify_pdf(second, trust_roots=[pki.root])
    assert [r.field_name for r in reports] == ["企业公章", "法定代表人签名"]
    assert all(r.ok for r in reports), [(r.field_name, r.reasons, r.detail) for r in reports]
    assert [r.signer for r in reports] == [f"{pki.label}示范科技有限公司", "张三"]
    assert reports[0].coverage == "entire_revision" and reports[0].modified_after == "allowed"
    assert reports[1].level == "B-LT"
    assert pyhanko_status(second, pki, 0, ocsps=[]).bottom_line


def test_b_lta_adds_a_document_timestamp(pki, stamper, seal_image):
    pdf = seal(pki, stamper, licence_pdf(), level="B-LTA", image_png=seal_image)
    sigs = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert [s.sig_object_type for s in sigs] == ["/Sig", "/DocTimeStamp"]
    [report] = verify_pdf(pdf, trust_roots=[pki.root])
    assert report.ok and report.level == "B-LTA"


def test_levels_and_arguments_are_checked(pki, stamper):
    with pytest.raises(ValueError, match="validation_context"):
        seal_pdf(
            licence_pdf(), key=pki.seal_key, cert=pki.seal, chain=pki.chain, timestamper=stamper, level="B-LT"
        )
    with pytest.raises(ValueError, match="level"):
        seal_pdf(licence_pdf(), key=pki.seal_key, cert=pki.seal, timestamper=stamper, level="B-X")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        seal_pdf(licence_pdf(), key="not a key", cert=pki.seal, timestamper=stamper, level="B-T")


class CountingRsaKey:
    """Another RawSigner (as a PKCS#11 key would be): an RSA key of its own, counting its signatures."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.signed = 0

    def sign(self, data: bytes, hash_algorithm: str) -> bytes:
        self.signed += 1
        return SoftwareKey(self.key).sign(data, hash_algorithm)


def test_the_signer_adapter_takes_another_raw_signer(pki, stamper):
    raw = CountingRsaKey()
    _key, cert = pki.issue("RSA印章", raw.key)
    pdf = seal(pki, stamper, licence_pdf(), level="B-T", key=raw, cert=cert, image_png=None, field_name="RSA")
    assert raw.signed >= 1
    [report] = verify_pdf(pdf, trust_roots=[pki.root], crls=pki.asn1_crls())
    assert report.ok and report.signer == "RSA印章", report


def _render(pdf: bytes, tmp_path, dpi=72) -> Image.Image:
    (tmp_path / "in.pdf").write_bytes(pdf)
    subprocess.run(
        [
            shutil.which("pdftoppm") or "pdftoppm",
            "-r",
            str(dpi),
            "-png",
            "-singlefile",
            str(tmp_path / "in.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    return Image.open(tmp_path / "page.png").convert("RGB")


def _red_pixels(img: Image.Image, box, page_height=842) -> int:
    x1, y1, x2, y2 = box  # PDF points, origin bottom left; at 72 dpi one point is one pixel
    crop = img.crop((x1, page_height - y2, x2, page_height - y1))
    return sum(1 for r, g, b in crop.get_flattened_data() if r > 170 and g < 110 and b < 110)


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")
def test_the_stamps_are_drawn_on_the_page(pki, two_seals, tmp_path):
    _first, second = two_seals
    page = _render(second, tmp_path)
    before = _render(licence_pdf("设立登记申请书"), tmp_path)
    assert _red_pixels(before, SEAL_BOX) == 0
    assert _red_pixels(page, SEAL_BOX) > 1500  # the round seal: ring, name, star
    assert _red_pixels(page, PERSONAL_BOX) > 300  # the personal seal
    # The stamp's Chinese text is drawn from the embedded CJK font (not pyHanko's Courier, which cannot).
    reader = PdfFileReader(io.BytesIO(second))
    field = next(s for s in reader.embedded_signatures if s.field_name == "法定代表人签名").sig_field
    ap = field["/AP"]["/N"]
    fonts = ap["/Resources"]["/Font"]
    names = [str(f.get_object()["/BaseFont"]) for f in fonts.values()]
    assert any("NotoSansCJK" in n for n in names), names
    dark = sum(
        1
        for r, g, b in _render(second, tmp_path, dpi=288)
        .crop(
            (
                PERSONAL_BOX[0] * 4,
                (842 - PERSONAL_BOX[3]) * 4,
                PERSONAL_BOX[2] * 4,
                (842 - PERSONAL_BOX[1]) * 4,
            )
        )
        .get_flattened_data()
        if r < 80 and g < 80 and b < 80
    )
    assert dark > 50  # the black text over the red seal


# --- verify_pdf on documents that are wrong ---


def _flip(pdf: bytes, at: int) -> bytes:
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]


def test_a_changed_byte_in_the_signed_range_is_reported(pki, bt_pdf):
    stream_at = bt_pdf.index(b"stream", 1000) + 20  # inside the first content stream, signed
    for pos in {stream_at, 800}:
        [report] = verify_pdf(_flip(bt_pdf, pos), trust_roots=[pki.root], crls=pki.asn1_crls())
        assert not report.ok
        assert report.reasons[0] in {"digest_mismatch", "unreadable_signature"}, report


def test_another_ca_and_revoked_certificates_are_reported(pki, stamper, bt_pdf):
    other = make_pki("别的机构")
    [report] = verify_pdf(bt_pdf, trust_roots=[other.root], crls=pki.asn1_crls())
    assert report.intact and report.valid and not report.ok
    assert report.reasons[0] == "untrusted" and report.level == "B-B"
    # A seal whose certificate is revoked before it signs.
    key, cert = pki.issue("吊销的印章")
    pki.revoke(cert, datetime.now(UTC) - timedelta(hours=1))
    pdf = seal(pki, stamper, licence_pdf(), level="B-T", key=key, cert=cert, image_png=None, field_name="X")
    [revoked] = verify_pdf(pdf, trust_roots=[pki.root], crls=pki.asn1_crls())
    assert revoked.revocation == "revoked" and "revoked" in revoked.reasons
    # Revoked after it signed: good at the signing time.
    key2, cert2 = pki.issue("后来吊销的印章")
    pdf2 = seal(
        pki, stamper, licence_pdf(), level="B-T", key=key2, cert=cert2, image_png=None, field_name="Y"
    )
    pki.revoke(cert2, datetime.now(UTC) + timedelta(seconds=1))
    [later] = verify_pdf(pdf2, trust_roots=[pki.root], crls=pki.asn1_crls())
    assert later.revocation == "good" and later.ok, later


def test_a_signature_without_timestamp_is_b_b_and_reported(pki):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from tongban.seals.pades import KeySigner

    out = io.BytesIO()
    signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name="无时间戳", subfilter=fields.SigSeedSubFilter.PADES),
        KeySigner(SoftwareKey(pki.seal_key), pki.seal, pki.chain),
    ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(licence_pdf())), output=out)
    [report] = verify_pdf(out.getvalue(), trust_roots=[pki.root], crls=pki.asn1_crls())
    assert report.intact and report.valid and report.trusted
    assert report.level == "B-B" and report.signing_time is None
    assert report.reasons == ["no_timestamp"] and not report.ok


def test_an_incremental_update_after_signing_is_reported(pki, bt_pdf):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(bt_pdf))
    page = w.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (forged) Tj ET")
    contents = page["/Contents"]
    old = list(contents) if isinstance(contents, generic.ArrayObject) else [contents]
    page["/Contents"] = generic.ArrayObject([*old, w.add_object(stream)])
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    [report] = verify_pdf(out.getvalue(), trust_roots=[pki.root], crls=pki.asn1_crls())
    assert report.intact and report.valid  # the signed revision itself is untouched
    assert report.modified_after == "disallowed" and "modified_after_signing" in report.reasons
    assert not report.ok


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda pdf: pdf[: len(pdf) // 2], None),  # truncated
        (lambda pdf: b"GIF89a" + pdf[6:], "not_a_pdf"),
        (lambda pdf: b"", "not_a_pdf"),
        (lambda pdf: b"%PDF-1.7\n%%EOF", "not_a_pdf"),
    ],
)
def test_broken_files_are_reported_not_raised(pki, bt_pdf, mangle, reason):
    reports = verify_pdf(mangle(bt_pdf), trust_roots=[pki.root])
    assert reports, "a broken file is reported"
    assert not any(r.ok for r in reports)
    if reason:
        assert reports[0].reasons == [reason]


def test_size_limit_and_unsigned_documents(pki, bt_pdf):
    [report] = verify_pdf(bt_pdf, trust_roots=[pki.root], max_bytes=1000)
    assert report.reasons == ["too_large"] and report.field_name is None
    assert verify_pdf(licence_pdf(), trust_roots=[pki.root]) == []
    assert report.as_dict()["messages"] == ["文件超过大小限制"]
