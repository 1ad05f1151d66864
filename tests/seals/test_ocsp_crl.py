"""The CRL and the OCSP responder (RFC 6960) as the platform serves them: read with cryptography's loaders
and, as the independent tool, with ``openssl crl`` and ``openssl ocsp``."""

from __future__ import annotations

import base64
import shutil
import subprocess
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from django.test import Client
from django.utils import timezone

from tongban.accounts.facade import actor_for
from tongban.seals import pki, services

pytestmark = pytest.mark.django_db
OPENSSL = shutil.which("openssl")


def _cert(seal) -> x509.Certificate:
    return pki.load_certificate(bytes(seal.certificate.certificate_der))


def _issuing() -> x509.Certificate:
    return pki.key_certificate(pki.issuing_ca())


def _ocsp_request(cert, issuer, *, nonce: bytes | None = None, algorithm=hashes.SHA1) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, algorithm())
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def _post(client: Client, der: bytes) -> ocsp.OCSPResponse:
    answer = client.post("/seals/pki/ocsp", data=der, content_type="application/ocsp-request")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/ocsp-response"
    return ocsp.load_der_ocsp_response(answer.content)


def _check_signed(response: ocsp.OCSPResponse, issuer: x509.Certificate) -> None:
    """The response is signed by a responder certificate that the CA issued for OCSP signing."""
    (responder,) = response.certificates
    responder.verify_directly_issued_by(issuer)
    eku = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING in eku
    responder.public_key().verify(
        response.signature, response.tbs_response_bytes, ec.ECDSA(response.signature_hash_algorithm)
    )


def test_the_certificates_and_the_crl_are_served(active_seal):
    client = Client()
    root = client.get("/seals/pki/root.crt")
    issuing = client.get("/seals/pki/issuing.crt")
    assert root["Content-Type"] == issuing["Content-Type"] == "application/pkix-cert"
    root_cert = x509.load_der_x509_certificate(root.content)
    issuing_cert = x509.load_der_x509_certificate(issuing.content)
    issuing_cert.verify_directly_issued_by(root_cert)
    answer = client.get("/seals/pki/issuing.crl")
    assert answer["Content-Type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(answer.content)
    assert crl.is_signature_valid(issuing_cert.public_key())
    assert crl.next_update_utc > timezone.now() > crl.last_update_utc
    assert crl.get_revoked_certificate_by_serial_number(_cert(active_seal).serial_number) is None
    ca_id = pki.issuing_ca().pk
    assert client.get(f"/seals/pki/ca/{ca_id}.crl").content == answer.content
    assert client.get(f"/seals/pki/ca/{ca_id}.crt").content == issuing.content
    root_crl = x509.load_der_x509_crl(client.get("/seals/pki/root.crl").content)
    assert root_crl.is_signature_valid(root_cert.public_key())
    assert client.get("/seals/pki/ca/99999.crl").status_code == 404


def test_ocsp_answers_good_then_revoked_and_the_crl_lists_the_revocation(active_seal, seal_world):
    client = Client()
    cert, issuer = _cert(active_seal), _issuing()
    good = _post(client, _ocsp_request(cert, issuer, nonce=b"0123456789abcdef"))
    assert good.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert good.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert good.serial_number == cert.serial_number
    assert good.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"0123456789abcdef"
    _check_signed(good, issuer)
    number_before = x509.load_der_x509_crl(client.get("/seals/pki/issuing.crl").content).extensions
    services.seal_revoke(
        actor=actor_for(seal_world["rep"].user), seal_uuid=active_seal.uuid, reason="印章遗失"
    )
    revoked = _post(client, _ocsp_request(cert, issuer, algorithm=hashes.SHA256))
    assert revoked.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert revoked.revocation_reason == x509.ReasonFlags.cessation_of_operation
    assert revoked.revocation_time_utc <= timezone.now()
    _check_signed(revoked, issuer)
    crl = x509.load_der_x509_crl(client.get("/seals/pki/issuing.crl").content)
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    assert entry is not None
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number > (
        number_before.get_extension_for_class(x509.CRLNumber).value.crl_number
    )


def test_a_suspended_seal_is_on_hold_and_leaves_the_crl_when_resumed(active_seal, seal_world):
    client, rep = Client(), actor_for(seal_world["rep"].user)
    cert, issuer = _cert(active_seal), _issuing()
    services.seal_suspend(actor=rep, seal_uuid=active_seal.uuid, reason="核查中")
    held = _post(client, _ocsp_request(cert, issuer))
    assert held.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert held.revocation_reason == x509.ReasonFlags.certificate_hold
    services.seal_resume(actor=rep, seal_uuid=active_seal.uuid)
    assert _post(client, _ocsp_request(cert, issuer)).certificate_status == ocsp.OCSPCertStatus.GOOD
    crl = x509.load_der_x509_crl(client.get("/seals/pki/issuing.crl").content)
    assert crl.get_revoked_certificate_by_serial_number(cert.serial_number) is None


def test_ocsp_get_with_base64_in_the_path(active_seal):
    der = _ocsp_request(_cert(active_seal), _issuing())
    encoded = quote(base64.b64encode(der).decode(), safe="")
    answer = Client().get(f"/seals/pki/ocsp/{encoded}")
    assert answer.status_code == 200
    assert ocsp.load_der_ocsp_response(answer.content).certificate_status == ocsp.OCSPCertStatus.GOOD


def test_ocsp_unknown_serial_malformed_request_and_another_ca(active_seal):
    client = Client()
    issuer = _issuing()
    # A certificate signed with the issuing CA's name and key hashes but a serial it never issued.
    key = ec.generate_private_key(ec.SECP256R1())
    now = timezone.now()
    stray = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "stray")]))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timezone.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    unknown = _post(client, _ocsp_request(stray, issuer))
    assert unknown.certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    assert _post(client, b"not an OCSP request").response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    assert _post(client, b"").response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    # A body larger than any request (16 KiB) is not read as one.
    padded = _ocsp_request(_cert(active_seal), issuer) + b"\0" * 20_000
    assert _post(client, padded).response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    # Another CA's certificate: the platform is not authoritative for it.
    other = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "other CA")]))
        .issuer_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "other CA")]))
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timezone.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    refused = _post(client, _ocsp_request(stray, other))
    assert refused.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED
    garbage = Client().get("/seals/pki/ocsp/%%%notbase64")
    assert garbage.status_code == 200
    assert ocsp.load_der_ocsp_response(garbage.content).response_status == (
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )


def test_the_root_answers_ocsp_for_the_issuing_ca():
    issuing, root = _issuing(), pki.key_certificate(pki.root_ca())
    response = _post(Client(), _ocsp_request(issuing, root))
    assert response.certificate_status == ocsp.OCSPCertStatus.GOOD
    root.public_key().verify(
        response.signature, response.tbs_response_bytes, ec.ECDSA(response.signature_hash_algorithm)
    )


def test_the_old_ca_still_answers_after_rotation(active_seal):
    old_issuer = _issuing()
    pki.pki_rotate_issuing_ca()
    response = _post(Client(), _ocsp_request(_cert(active_seal), old_issuer))
    assert response.certificate_status == ocsp.OCSPCertStatus.GOOD
    _check_signed(response, old_issuer)


# --- openssl, the independent tool ---------------------------------------------------------------------------
def _openssl(*args, cwd) -> subprocess.CompletedProcess:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True, text=True, check=False)


@pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")
def test_openssl_reads_the_crl_and_checks_a_seal_against_it(active_seal, seal_world, tmp_path):
    client = Client()
    for name in ("root", "issuing"):
        served = x509.load_der_x509_certificate(client.get(f"/seals/pki/{name}.crt").content)
        (tmp_path / f"{name}.pem").write_bytes(pki.certificate_pem(served))
    (tmp_path / "seal.pem").write_bytes(pki.certificate_pem(_cert(active_seal)))
    (tmp_path / "root.crl").write_bytes(client.get("/seals/pki/root.crl").content)

    def verify_with_crl() -> subprocess.CompletedProcess:
        (tmp_path / "issuing.crl").write_bytes(client.get("/seals/pki/issuing.crl").content)
        for name in ("issuing", "root"):
            _openssl("crl", "-inform", "DER", "-in", f"{name}.crl", "-out", f"{name}.crl.pem", cwd=tmp_path)
        (tmp_path / "bundle.pem").write_text(
            (tmp_path / "root.pem").read_text() + (tmp_path / "issuing.pem").read_text()
        )
        return _openssl(
            "verify",
            "-crl_check_all",
            "-CAfile",
            "bundle.pem",
            "-CRLfile",
            "issuing.crl.pem",
            "-CRLfile",
            "root.crl.pem",
            "seal.pem",
            cwd=tmp_path,
        )

    first = verify_with_crl()
    assert first.returncode == 0 and "seal.pem: OK" in first.stdout, first.stdout + first.stderr
    crl_text = _openssl("crl", "-in", "issuing.crl.pem", "-noout", "-text", cwd=tmp_path)
    assert "Next Update" in crl_text.stdout
    services.seal_revoke(actor=actor_for(seal_world["rep"].user), seal_uuid=active_seal.uuid, reason="注销")
    second = verify_with_crl()
    assert second.returncode != 0 and "certificate revoked" in (second.stdout + second.stderr)


@pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")
def test_openssl_ocsp_reads_and_verifies_the_answers(active_seal, seal_world, tmp_path):
    client = Client()
    (tmp_path / "root.pem").write_bytes(facade_root_pem())
    (tmp_path / "issuing.pem").write_bytes(pki.certificate_pem(_issuing()))
    (tmp_path / "seal.pem").write_bytes(pki.certificate_pem(_cert(active_seal)))
    _openssl(
        "ocsp", "-issuer", "issuing.pem", "-cert", "seal.pem", "-reqout", "req.der", "-no_nonce", cwd=tmp_path
    )

    def status() -> str:
        answer = client.post(
            "/seals/pki/ocsp",
            data=(tmp_path / "req.der").read_bytes(),
            content_type="application/ocsp-request",
        )
        (tmp_path / "resp.der").write_bytes(answer.content)
        done = _openssl(
            "ocsp",
            "-respin",
            "resp.der",
            "-issuer",
            "issuing.pem",
            "-cert",
            "seal.pem",
            "-CAfile",
            "root.pem",
            "-verify_other",
            "issuing.pem",
            cwd=tmp_path,
        )
        assert "Response verify OK" in done.stderr + done.stdout, done.stdout + done.stderr
        return done.stdout

    assert "seal.pem: good" in status()
    services.seal_revoke(actor=actor_for(seal_world["rep"].user), seal_uuid=active_seal.uuid, reason="注销")
    assert "seal.pem: revoked" in status()


def facade_root_pem() -> bytes:
    from tongban.seals.facade import root_certificate_pem

    return root_certificate_pem()


def test_pyhanko_s_validator_accepts_the_chain_with_our_crls_and_ocsp_answers(active_seal, seal_world):
    """pyHanko's certificate validator (what PAdES B-LT validation uses), offline and hard-fail on
    revocation: the seal's chain, the CRLs and the OCSP answer the platform serves are enough to validate a
    good certificate, and the same data refuse a revoked one."""
    import asyncio

    from asn1crypto import crl as asn1_crl
    from asn1crypto import ocsp as asn1_ocsp
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import RevokedError

    client = Client()
    cert, issuer = _cert(active_seal), _issuing()

    def validate():
        der = lambda c: c.public_bytes(serialization.Encoding.DER)  # noqa: E731
        ocsp_der = client.post(
            "/seals/pki/ocsp", data=_ocsp_request(cert, issuer), content_type="application/ocsp-request"
        ).content
        context = ValidationContext(
            trust_roots=[asn1_x509.Certificate.load(der(pki.key_certificate(pki.root_ca())))],
            crls=[
                asn1_crl.CertificateList.load(client.get("/seals/pki/issuing.crl").content),
                asn1_crl.CertificateList.load(client.get("/seals/pki/root.crl").content),
            ],
            ocsps=[asn1_ocsp.OCSPResponse.load(ocsp_der)],
            allow_fetching=False,
            revocation_mode="hard-fail",
        )
        validator = CertificateValidator(
            asn1_x509.Certificate.load(der(cert)),
            intermediate_certs=[asn1_x509.Certificate.load(der(issuer))],
            validation_context=context,
        )
        return asyncio.run(validator.async_validate_usage({"digital_signature", "non_repudiation"}))

    path = validate()
    assert len(path) == 3
    services.seal_revoke(actor=actor_for(seal_world["rep"].user), seal_uuid=active_seal.uuid, reason="注销")
    with pytest.raises(RevokedError):
        validate()
