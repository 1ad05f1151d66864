"""The platform's PKI: the CAs made once, the certificates it issues (their extensions, their chain, their
record), keys encrypted at rest, the software signer, and rotation of the issuing CA."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from tongban.accounts.facade import actor_for
from tongban.core.actors import SYSTEM
from tongban.seals import facade, pki
from tongban.seals.constants import CertPurpose, KeyRole
from tongban.seals.models import IssuedCertificate, PkiKey, Seal

pytestmark = pytest.mark.django_db


def _ext(cert: x509.Certificate, cls):
    return cert.extensions.get_extension_for_class(cls)


def test_the_cas_are_made_once_on_first_use():
    root, issuing = pki.root_ca(), pki.issuing_ca()
    assert pki.root_ca().pk == root.pk and pki.issuing_ca().pk == issuing.pk
    assert PkiKey.objects.filter(role=KeyRole.ROOT).count() == 1
    assert PkiKey.objects.filter(role=KeyRole.ISSUING).count() == 1
    root_cert, issuing_cert = pki.key_certificate(root), pki.key_certificate(issuing)
    root_cert.verify_directly_issued_by(root_cert)
    issuing_cert.verify_directly_issued_by(root_cert)
    assert _ext(root_cert, x509.BasicConstraints).value.ca is True
    assert _ext(issuing_cert, x509.BasicConstraints).value.path_length == 0
    assert _ext(issuing_cert, x509.KeyUsage).value.key_cert_sign
    assert isinstance(root_cert.public_key(), ec.EllipticCurvePublicKey)
    assert root_cert.public_key().curve.name == "secp256r1"
    # Both recorded, the issuing CA under the root.
    assert IssuedCertificate.objects.filter(purpose=CertPurpose.CA, issuer=root).count() == 2


def test_a_seal_certificate_names_its_owner_and_points_at_the_platforms_crl_and_ocsp(active_seal, settings):
    cert = pki.load_certificate(bytes(active_seal.certificate.certificate_der))
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == active_seal.owner_name
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value == active_seal.owner_code
    usage = _ext(cert, x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert _ext(cert, x509.BasicConstraints).value.ca is False
    crl_urls = [dp.full_name[0].value for dp in _ext(cert, x509.CRLDistributionPoints).value]
    issuing = pki.issuing_ca()
    assert crl_urls == [f"{settings.TONGBAN_PUBLIC_BASE_URL}/seals/pki/ca/{issuing.pk}.crl"]
    access = {
        a.access_method._name: a.access_location.value
        for a in _ext(cert, x509.AuthorityInformationAccess).value
    }
    assert access["OCSP"] == f"{settings.TONGBAN_PUBLIC_BASE_URL}/seals/pki/ocsp"
    assert access["caIssuers"].endswith(f"/seals/pki/ca/{issuing.pk}.crt")
    cert.verify_directly_issued_by(pki.key_certificate(issuing))
    row = active_seal.certificate
    assert row.serial == f"{cert.serial_number:x}" and row.issuer_id == issuing.pk
    assert row.not_after == cert.not_valid_after_utc and row.revoked_at is None


def test_the_ocsp_responder_and_tsa_certificates():
    responder = pki.key_certificate(pki.ocsp_key(pki.issuing_ca()))
    eku = _ext(responder, x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.OCSP_SIGNING]
    assert responder.extensions.get_extension_for_oid(ExtensionOID.OCSP_NO_CHECK)
    tsa = facade.tsa_signing_material()
    tsa_eku = _ext(tsa.certificate, x509.ExtendedKeyUsage)
    assert tsa_eku.critical and list(tsa_eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert [c.subject for c in tsa.chain] == [
        pki.key_certificate(pki.issuing_ca()).subject,
        pki.key_certificate(pki.root_ca()).subject,
    ]
    # Made once.
    assert facade.tsa_signing_material().certificate == tsa.certificate
    assert IssuedCertificate.objects.filter(purpose=CertPurpose.TSA).count() == 1


def test_private_keys_are_encrypted_at_rest(active_seal, settings):
    rows = [bytes(active_seal.private_key_encrypted)] + [
        bytes(k.private_key_encrypted) for k in PkiKey.objects.all()
    ]
    material = facade.seal_signing_material(actor_for(_rep(active_seal)), str(active_seal.uuid))
    clear_der = material.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    for stored in rows:
        assert b"PRIVATE KEY" not in stored and clear_der not in stored
        assert stored.startswith(b"gAAAAA")  # a Fernet token
    # Under another key-encryption key the row cannot be read.
    pki.decrypt_private_key.cache_clear()
    settings.TONGBAN_KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(RuntimeError, match="cannot be decrypted"):
        pki.decrypt_private_key(bytes(active_seal.private_key_encrypted))
    pki.decrypt_private_key.cache_clear()


def _rep(seal: Seal):
    from tongban.accounts.models import Enterprise

    return Enterprise.objects.get(uscc=seal.owner_code).legal_representative.user


def test_the_software_signer_signs_what_its_certificate_verifies(active_seal):
    signer = facade.seal_signer(actor_for(_rep(active_seal)), str(active_seal.uuid))
    signature = signer.sign(b"a document", hashes.SHA256())
    public = signer.certificate.public_key()
    public.verify(signature, b"a document", ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        public.verify(signature, b"another document", ec.ECDSA(hashes.SHA256()))
    assert [c.subject for c in signer.chain] == [c.subject for c in facade.ca_certificates()[:1]] + [
        facade.trust_roots()[0].subject
    ]


def test_rotation_keeps_what_the_old_ca_issued_valid(active_seal):
    old = pki.issuing_ca()
    new = pki.pki_rotate_issuing_ca()
    assert new.pk != old.pk and pki.issuing_ca().pk == new.pk
    old.refresh_from_db()
    assert old.active is False and old.retired_at is not None
    root = pki.key_certificate(pki.root_ca())
    pki.key_certificate(new).verify_directly_issued_by(root)
    # The old seal's chain still ends at the root, and both CAs are offered to build chains.
    chain = pki.chain_of(active_seal.certificate)
    assert chain[0] == pki.key_certificate(old) and chain[-1] == root
    assert {c.serial_number for c in facade.ca_certificates()} == {
        pki.key_certificate(old).serial_number,
        pki.key_certificate(new).serial_number,
    }
    # A new seal is issued by the new CA.
    made = facade.department_seal(SYSTEM, "00000000-0000-0000-0000-000000000001", "示范局")
    cert = x509.load_der_x509_certificate(made.certificate_der)
    cert.verify_directly_issued_by(pki.key_certificate(new))


OPENSSL = shutil.which("openssl")


@pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")
def test_openssl_verifies_the_chain(active_seal, tmp_path):
    (tmp_path / "root.pem").write_bytes(facade.root_certificate_pem())
    (tmp_path / "ca.pem").write_bytes(pki.certificate_pem(pki.key_certificate(pki.issuing_ca())))
    seal_cert = pki.load_certificate(bytes(active_seal.certificate.certificate_der))
    (tmp_path / "seal.pem").write_bytes(pki.certificate_pem(seal_cert))
    done = subprocess.run(
        [OPENSSL, "verify", "-CAfile", "root.pem", "-untrusted", "ca.pem", "seal.pem"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "seal.pem: OK" in done.stdout, done.stdout + done.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_uses_at_once_make_one_pki():
    """Two threads ask for the issuing CA of an empty PKI at the same time: one root and one issuing CA."""
    from django.db import connection

    from tests.concurrency import at_once

    assert connection.vendor == "postgresql", "a concurrency test: make test runs it on PostgreSQL"
    found = at_once(2, lambda: pki.issuing_ca().pk)
    assert found[0] == found[1]
    assert PkiKey.objects.filter(role=KeyRole.ROOT).count() == 1
    assert PkiKey.objects.filter(role=KeyRole.ISSUING).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sealing_tasks_of_one_department_at_once_make_one_department_seal():
    """Two licences of one department sealed at the same time by two workers: one 部门章, used twice."""
    from django.db import connection

    from tests.concurrency import at_once
    from tongban.core.actors import SYSTEM
    from tongban.seals.facade import department_seal
    from tongban.seals.models import Seal

    assert connection.vendor == "postgresql", "a concurrency test: make test runs it on PostgreSQL"
    pki.issuing_ca()
    found = at_once(2, lambda: department_seal(SYSTEM, "dept-1", "上海市市场监督管理局").uuid)
    assert found[0] == found[1]
    assert Seal.objects.filter(kind="department").count() == 1
