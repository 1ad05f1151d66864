"""SM2 certificates of the seal maker and the GB/T 38540 structures: SESeal made and verified, SES_Signature
made over a document's SM3 digest and verified; tampering, expiry and an untrusted maker each fail with their
reason; OpenSSL (an independent implementation) verifies the certificates and parses the DER."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import core, x509
from PIL import Image

from tongban.seals.gm.certificates import (
    OID_SM2_WITH_SM3,
    CertificateError,
    certificate_public_key,
    certificate_verify,
    maker_certificate_make,
    maker_root_make,
    sm2_certificate_make,
)
from tongban.seals.gm.ses import (
    SESeal,
    SESFailure,
    SESSignature,
    SESVerificationError,
    seal_structure_make,
    seal_structure_verify,
    ses_signature_make,
    ses_signature_verify,
)
from tongban.seals.gm.sm2 import SM2PrivateKey
from tongban.seals.gm.sm3 import sm3

OPENSSL = shutil.which("openssl")
NOW = datetime.now(UTC).replace(microsecond=0)
DOCUMENT = "营业执照 统一社会信用代码 91310000MA1FL0000X".encode() * 20


def _png() -> bytes:
    image = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
    for x in range(20, 140):
        image.putpixel((x, 80), (220, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class Maker:
    """A seal maker: its SM2 root, its signing key and certificate."""

    def __init__(self, name: str) -> None:
        self.root_key = SM2PrivateKey.generate()
        self.root = maker_root_make(
            name=name,
            key=self.root_key,
            not_before=NOW - timedelta(days=60),
            not_after=NOW + timedelta(days=3650),
        )
        self.key = SM2PrivateKey.generate()
        self.cert = maker_certificate_make(
            name=name,
            public_key=self.key.public_key,
            root_key=self.root_key,
            root_cert_der=self.root,
            not_before=NOW - timedelta(days=60),
            not_after=NOW + timedelta(days=1825),
        )


def _signer(maker: Maker, *, not_before=None, not_after=None) -> tuple[SM2PrivateKey, bytes]:
    key = SM2PrivateKey.generate()
    cert = sm2_certificate_make(
        subject={
            "country_name": "CN",
            "organization_name": "示例科技有限公司",
            "common_name": "示例科技有限公司",
        },
        public_key=key.public_key,
        issuer_key=maker.root_key,
        issuer_cert_der=maker.root,
        not_before=not_before or NOW - timedelta(days=60),
        not_after=not_after or NOW + timedelta(days=730),
        ca=False,
    )
    return key, cert


@pytest.fixture(scope="module")
def maker() -> Maker:
    return Maker("通办电子印章制作中心")


@pytest.fixture(scope="module")
def signer(maker) -> tuple[SM2PrivateKey, bytes]:
    return _signer(maker)


def _seal(maker: Maker, signer_cert: bytes, **overrides) -> bytes:
    fields = {
        "es_id": "310000202612070001",
        "seal_type": 1,
        "name": "示例科技有限公司",
        "cert_list": [signer_cert],
        "picture_png": _png(),
        "width_mm": 42,
        "height_mm": 42,
        "valid_start": NOW - timedelta(hours=1),
        "valid_end": NOW + timedelta(days=365),
        "maker_key": maker.key,
        "maker_cert_der": maker.cert,
    }
    return seal_structure_make(**(fields | overrides))


def _flip(der: bytes, needle: bytes) -> bytes:
    at = der.index(needle) + len(needle) // 2
    return der[:at] + bytes([der[at] ^ 0x01]) + der[at + 1 :]


def _openssl(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(OPENSSL), *args], input=stdin, capture_output=True, check=False)


# --- certificates ---------------------------------------------------------------------------------------------


def test_maker_certificates_chain_to_the_maker_root(maker):
    certificate_verify(maker.root, maker.root)  # self-signed
    certificate_verify(maker.cert, maker.root)
    assert certificate_public_key(maker.cert) == maker.key.public_key
    parsed = x509.Certificate.load(maker.cert)
    assert parsed["signature_algorithm"]["algorithm"].dotted == OID_SM2_WITH_SM3
    assert parsed.subject.native["organization_name"] == "通办电子印章制作中心"
    assert not parsed.ca and x509.Certificate.load(maker.root).ca


def test_cryptography_reads_the_certificates_fields(maker):
    """An independent parser: cryptography reads an SM2 certificate (it cannot check its signature)."""
    from cryptography import x509 as cx
    from cryptography.x509.oid import NameOID

    certificate = cx.load_der_x509_certificate(maker.cert)
    assert certificate.signature_algorithm_oid.dotted_string == OID_SM2_WITH_SM3
    assert certificate.issuer == cx.load_der_x509_certificate(maker.root).subject
    assert (
        certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
        == "通办电子印章制作中心"
    )
    assert not certificate.extensions.get_extension_for_class(cx.BasicConstraints).value.ca


def test_a_changed_certificate_or_another_issuer_fails(maker):
    with pytest.raises(CertificateError, match="signature"):
        certificate_verify(_flip(maker.cert, maker.key.public_key.to_bytes()), maker.root)
    other = Maker("另一制章者")
    with pytest.raises(CertificateError):
        certificate_verify(maker.cert, other.root)
    below_a_leaf = sm2_certificate_make(
        subject={"common_name": "x"}, public_key=SM2PrivateKey.generate().public_key, issuer_key=maker.key,
        issuer_cert_der=maker.cert, not_before=NOW, not_after=NOW + timedelta(days=1), ca=False,
    )  # fmt: skip
    with pytest.raises(CertificateError, match="CA"):
        certificate_verify(below_a_leaf, maker.cert)  # a leaf is no issuer


@pytest.mark.skipif(OPENSSL is None, reason="no openssl command")
def test_openssl_verifies_the_sm2_chain(maker, tmp_path):
    def pem(der: bytes) -> bytes:
        return _openssl("x509", "-inform", "DER", stdin=der).stdout

    (tmp_path / "root.pem").write_bytes(pem(maker.root))
    (tmp_path / "maker.pem").write_bytes(pem(maker.cert))

    def verify(anchor: str, leaf: str, distid: str = "1234567812345678") -> subprocess.CompletedProcess:
        # OpenSSL 3.0's verify takes the SM2 ID explicitly (and does not apply it to -check_ss_sig)
        return _openssl(
            "verify", "-vfyopt", f"distid:{distid}", "-CAfile", str(tmp_path / anchor),
            str(tmp_path / leaf),
        )  # fmt: skip

    run = verify("root.pem", "maker.pem")
    assert run.returncode == 0, run.stderr
    assert b"maker.pem: OK" in run.stdout
    # the root's own signature, checked with pkeyutl
    root = x509.Certificate.load(maker.root)
    (tmp_path / "tbs").write_bytes(root["tbs_certificate"].dump())
    (tmp_path / "sig").write_bytes(root["signature_value"].native)
    (tmp_path / "root-key.pem").write_bytes(
        _openssl("x509", "-pubkey", "-noout", stdin=pem(maker.root)).stdout
    )
    run = _openssl(
        "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "root-key.pem"), "-rawin", "-in",
        str(tmp_path / "tbs"), "-sigfile", str(tmp_path / "sig"), "-digest", "sm3", "-pkeyopt",
        "distid:1234567812345678",
    )  # fmt: skip
    assert b"Signature Verified Successfully" in run.stdout, run.stderr
    assert verify("root.pem", "maker.pem", distid="ALICE123@YAHOO.COM").returncode != 0  # the ID is signed
    other = Maker("另一制章者")
    (tmp_path / "other.pem").write_bytes(pem(other.root))
    assert verify("other.pem", "maker.pem").returncode != 0
    text = _openssl("x509", "-inform", "DER", "-noout", "-text", stdin=maker.cert).stdout.decode()
    assert "SM2-with-SM3" in text and "SM2" in text


# --- the seal -----------------------------------------------------------------------------------------------


def test_a_seal_round_trips(maker, signer):
    _, signer_cert = signer
    picture = _png()
    der = _seal(maker, signer_cert, picture_png=picture)
    parsed = seal_structure_verify(der, trusted_maker_certs=[maker.root])
    assert parsed.es_id == "310000202612070001"
    assert parsed.name == "示例科技有限公司" and parsed.seal_type == 1
    assert (parsed.vendor_id, parsed.version) == ("TONGBAN", 4)
    assert parsed.cert_list == (signer_cert,) and parsed.cert_list_type == 1
    assert (parsed.picture_type, parsed.picture, parsed.width_mm, parsed.height_mm) == (
        "PNG",
        picture,
        42,
        42,
    )
    assert parsed.valid_end == NOW + timedelta(days=365)
    assert parsed.maker_cert_der == maker.cert and parsed.maker_trusted
    assert "通办电子印章制作中心" in parsed.maker_subject
    # the maker's own certificate may also be the trust anchor
    assert seal_structure_verify(der, trusted_maker_certs=[maker.cert]).maker_trusted


def test_the_seal_is_the_asn1_of_the_standard(maker, signer):
    der = _seal(maker, signer[1])
    seal = core.Sequence.load(der)  # generic parse: four fields, in the standard's order and types
    assert [type(seal[i]) for i in range(len(seal))] == [
        core.Sequence,
        core.OctetString,
        core.ObjectIdentifier,
        core.BitString,
    ]
    info = SESeal.load(der)["e_seal_info"]
    assert info["header"].native == {"id": "ES", "version": 4, "vid": "TONGBAN"}
    assert isinstance(info["property"]["create_date"], core.GeneralizedTime)
    assert SESeal.load(der).dump(force=True) == der  # DER: re-encoding changes nothing


@pytest.mark.skipif(OPENSSL is None, reason="no openssl command")
def test_openssl_parses_the_seal_and_the_signature(maker, signer):
    key, cert = signer
    seal = _seal(maker, cert)
    signature = ses_signature_make(
        seal_der=seal, data_hash=sm3(DOCUMENT), signer_key=key, signer_cert_der=cert,
        property_info="doc=1;range=all", signed_at=NOW,
    )  # fmt: skip
    for der in (seal, signature):
        run = _openssl("asn1parse", "-inform", "DER", stdin=der)
        assert run.returncode == 0, run.stderr
        out = run.stdout.decode()
        assert ":ES" in out and "GENERALIZEDTIME" in out and ":SM2-with-SM3" in out
    assert ":doc=1;range=all" in _openssl("asn1parse", "-inform", "DER", stdin=signature).stdout.decode()


def test_one_flipped_byte_in_the_seal_fails_with_its_reason(maker, signer):
    picture = _png()
    der = _seal(maker, signer[1], picture_png=picture)
    with pytest.raises(SESVerificationError) as caught:
        seal_structure_verify(_flip(der, picture), trusted_maker_certs=[maker.root])
    assert caught.value.reason is SESFailure.MAKER_SIGNATURE
    with pytest.raises(SESVerificationError) as caught:
        seal_structure_verify(_flip(der, "示例科技".encode()), trusted_maker_certs=[maker.root])
    assert caught.value.reason in {SESFailure.MAKER_SIGNATURE, SESFailure.FORMAT}
    with pytest.raises(SESVerificationError) as caught:
        seal_structure_verify(der[:-3], trusted_maker_certs=[maker.root])
    assert caught.value.reason is SESFailure.FORMAT
    with pytest.raises(SESVerificationError) as caught:
        seal_structure_verify(b"not a seal", trusted_maker_certs=[maker.root])
    assert caught.value.reason is SESFailure.FORMAT


def test_every_single_byte_change_of_the_seal_is_caught(maker, signer):
    der = _seal(maker, signer[1], picture_png=b"\x89PNG\r\n\x1a\n" + b"\x00" * 8)
    accepted = []
    for at in range(0, len(der), 11):
        changed = der[:at] + bytes([der[at] ^ 0x40]) + der[at + 1 :]
        try:
            seal_structure_verify(changed, trusted_maker_certs=[maker.root])
        except SESVerificationError:
            continue
        accepted.append(at)
    assert accepted == []


def test_an_expired_or_not_yet_valid_seal_fails(maker, signer):
    der = _seal(maker, signer[1], valid_start=NOW - timedelta(days=30), valid_end=NOW - timedelta(days=1))
    with pytest.raises(SESVerificationError) as caught:
        seal_structure_verify(der, trusted_maker_certs=[maker.root])
    assert caught.value.reason is SESFailure.SEAL_EXPIRED
    assert seal_structure_verify(der, trusted_maker_certs=[maker.root], at=NOW - timedelta(days=2)).name
    future = _seal(maker, signer[1], valid_start=NOW + timedelta(days=1), valid_end=NOW + timedelta(days=30))
    with pytest.raises(SESVerificationError) as caught:
        seal_structure_verify(future, trusted_maker_certs=[maker.root])
    assert caught.value.reason is SESFailure.SEAL_NOT_YET_VALID


def test_a_seal_of_an_untrusted_maker_fails(maker, signer):
    other = Maker("未备案制章者")
    der = _seal(other, signer[1], maker_key=other.key, maker_cert_der=other.cert)
    with pytest.raises(SESVerificationError) as caught:
        seal_structure_verify(der, trusted_maker_certs=[maker.root])
    assert caught.value.reason is SESFailure.UNTRUSTED_MAKER
    with pytest.raises(SESVerificationError) as caught:
        seal_structure_verify(der, trusted_maker_certs=[])
    assert caught.value.reason is SESFailure.UNTRUSTED_MAKER
    assert seal_structure_verify(der, trusted_maker_certs=[other.root]).maker_trusted


def test_a_seal_checked_outside_the_maker_roots_validity_fails(maker, signer):
    der = _seal(maker, signer[1], valid_start=NOW - timedelta(days=90), valid_end=NOW + timedelta(days=30))
    with pytest.raises(SESVerificationError) as caught:  # the root starts 60 days ago
        seal_structure_verify(der, trusted_maker_certs=[maker.root], at=NOW - timedelta(days=61))
    assert caught.value.reason is SESFailure.MAKER_CERTIFICATE_EXPIRED


def test_a_seal_made_with_a_ca_certificate_fails_on_key_usage(maker, signer):
    der = _seal(maker, signer[1], maker_key=maker.root_key, maker_cert_der=maker.root)
    with pytest.raises(SESVerificationError) as caught:
        seal_structure_verify(der, trusted_maker_certs=[maker.root])
    assert caught.value.reason is SESFailure.KEY_USAGE


def test_a_maker_key_that_is_not_the_certificates_is_refused(maker, signer):
    with pytest.raises(ValueError, match="maker"):
        _seal(maker, signer[1], maker_key=SM2PrivateKey.generate())


# --- the signature ----------------------------------------------------------------------------------------------


def _sign(maker, signer, document=DOCUMENT, **overrides) -> bytes:
    key, cert = signer
    fields = {
        "seal_der": _seal(maker, cert),
        "data_hash": sm3(document),
        "signer_key": key,
        "signer_cert_der": cert,
        "property_info": "licence/3100-0001.pdf;range=whole",
        "signed_at": NOW,
    }
    return ses_signature_make(**(fields | overrides))


def test_a_signature_round_trips(maker, signer):
    der = _sign(maker, signer)
    parsed = ses_signature_verify(der, data=DOCUMENT, trusted_maker_certs=[maker.root])
    assert parsed.signed_at == NOW
    assert parsed.data_hash == sm3(DOCUMENT)
    assert parsed.property_info == "licence/3100-0001.pdf;range=whole"
    assert parsed.signer_cert_der == signer[1] and "示例科技有限公司" in parsed.signer_subject
    assert parsed.seal.maker_trusted and parsed.seal.name == "示例科技有限公司"
    loaded = SESSignature.load(der)
    assert loaded["to_sign"]["version"].native == 4
    assert loaded["signature_alg_id"].dotted == OID_SM2_WITH_SM3
    # without trust anchors the seal is still checked, but its maker is not said to be trusted
    assert not ses_signature_verify(der, data=DOCUMENT).seal.maker_trusted


def test_a_changed_document_fails(maker, signer):
    der = _sign(maker, signer)
    changed = bytearray(DOCUMENT)
    changed[10] ^= 1
    with pytest.raises(SESVerificationError) as caught:
        ses_signature_verify(der, data=bytes(changed), trusted_maker_certs=[maker.root])
    assert caught.value.reason is SESFailure.DATA_HASH
    assert "data_hash" in str(caught.value)


def test_one_flipped_byte_in_the_signature_fails(maker, signer):
    der = _sign(maker, signer)
    for needle, reason in (
        (b"range=whole", SESFailure.SIGNATURE),
        (sm3(DOCUMENT), SESFailure.SIGNATURE),
        (_png(), SESFailure.SIGNATURE),  # the seal inside TBS_Sign is covered by the signer's signature too
    ):
        with pytest.raises(SESVerificationError) as caught:
            ses_signature_verify(_flip(der, needle), data=DOCUMENT, trusted_maker_certs=[maker.root])
        assert caught.value.reason is reason


def test_a_signature_with_an_untrusted_makers_seal_fails(maker, signer):
    other = Maker("未备案制章者")
    key, cert = signer
    seal = _seal(other, cert, maker_key=other.key, maker_cert_der=other.cert)
    der = ses_signature_make(
        seal_der=seal, data_hash=sm3(DOCUMENT), signer_key=key, signer_cert_der=cert,
        property_info="x", signed_at=NOW,
    )  # fmt: skip
    with pytest.raises(SESVerificationError) as caught:
        ses_signature_verify(der, data=DOCUMENT, trusted_maker_certs=[maker.root])
    assert caught.value.reason is SESFailure.UNTRUSTED_MAKER


def test_a_signature_stays_valid_after_the_seal_expires(maker, signer):
    """The seal's validity is checked at the signing time (timeInfo), not at the verification."""
    key, cert = signer
    seal = _seal(maker, cert, valid_start=NOW - timedelta(days=30), valid_end=NOW - timedelta(days=1))
    der = ses_signature_make(
        seal_der=seal, data_hash=sm3(DOCUMENT), signer_key=key, signer_cert_der=cert,
        property_info="x", signed_at=NOW - timedelta(days=2),
    )  # fmt: skip
    assert ses_signature_verify(der, data=DOCUMENT, trusted_maker_certs=[maker.root]).seal.name
    with pytest.raises(ValueError, match="not valid"):  # but an expired seal cannot sign now
        ses_signature_make(
            seal_der=seal, data_hash=sm3(DOCUMENT), signer_key=key, signer_cert_der=cert,
            property_info="x", signed_at=NOW,
        )  # fmt: skip


def test_only_a_signer_the_seal_lists_can_sign(maker, signer):
    outsider_key, outsider_cert = _signer(maker)
    with pytest.raises(ValueError, match="does not list"):
        _sign(maker, signer, signer_key=outsider_key, signer_cert_der=outsider_cert)
    with pytest.raises(ValueError, match="key does not match"):
        _sign(maker, signer, signer_key=outsider_key)


def test_a_signer_certificate_outside_its_validity_cannot_sign(maker):
    expired = _signer(maker, not_before=NOW - timedelta(days=30), not_after=NOW - timedelta(days=1))
    with pytest.raises(ValueError, match="certificate is not valid"):
        _sign(maker, expired, seal_der=_seal(maker, expired[1]))


def test_bad_input_is_refused(maker, signer):
    with pytest.raises(ValueError, match="32 bytes"):
        _sign(maker, signer, data_hash=b"\x00" * 20)
    with pytest.raises(ValueError, match="IA5"):
        _sign(maker, signer, property_info="范围=全部")
    with pytest.raises(ValueError, match="PNG"):
        _seal(maker, signer[1], picture_png=b"GIF89a")
    with pytest.raises(SESVerificationError) as caught:
        ses_signature_verify(b"\x30\x03\x02\x01\x04", data=DOCUMENT)
    assert caught.value.reason is SESFailure.FORMAT


def test_every_sampled_byte_change_of_a_signature_is_caught_with_a_reason(maker, signer):
    der = _sign(
        maker, signer, seal_der=_seal(maker, signer[1], picture_png=b"\x89PNG\r\n\x1a\n" + b"\x00" * 8)
    )
    accepted = []
    for at in range(3, len(der), 23):
        changed = der[:at] + bytes([der[at] ^ 0x08]) + der[at + 1 :]
        try:
            ses_signature_verify(changed, data=DOCUMENT, trusted_maker_certs=[maker.root])
        except SESVerificationError as failure:
            assert failure.reason in set(SESFailure)
            continue
        accepted.append(at)
    assert accepted == []


def test_a_time_stamp_on_the_signature_value_is_carried_outside_what_is_signed(maker, signer):
    """timeStamp [0] (GB/T 20520 token on the signature value) is not under the signature; it parses."""
    signature = SESSignature.load(_sign(maker, signer))
    signature["time_stamp"] = b"\x30\x03\x02\x01\x01"  # a stand-in token: we neither make nor check one
    der = signature.dump(force=True)
    assert SESSignature.load(der)["time_stamp"].native == b"\x30\x03\x02\x01\x01"
    assert der.endswith(bytes.fromhex("a0080306003003020101"))  # [0] EXPLICIT around the BIT STRING
    assert ses_signature_verify(der, data=DOCUMENT, trusted_maker_certs=[maker.root]).property_info
