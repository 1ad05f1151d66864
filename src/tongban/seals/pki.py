"""The platform's PKI: a root CA, an issuing CA, the OCSP responder and the time-stamping unit's
certificates, the seals' certificates, the CRLs and the OCSP answers (RFC 5280, RFC 6960).

Every key is ECDSA on P-256 with SHA-256 (docs/domain/seals.md says why), but the SM2 seal maker's (制章者:
its self-signed SM2 root and its signing key, GB/T 38540, ADR 0010), which sign the seals' ``SESeal``
structures and certify the seal holders' SM2 keys (seals/seseal.py). The keys are made on first use,
idempotently, under the lock of the active keys of their role, and stored with their private half encrypted
under the platform's key-encryption keys (``tongban.core.crypto.key_encryption``). Every certificate issued
is recorded in :class:`~tongban.seals.models.IssuedCertificate` with its revocation.

Rotation (:func:`pki_rotate_issuing_ca`) makes a new issuing CA beside the old one, which is retired: it
issues nothing more but keeps its CRL, its OCSP responder and its place in :func:`ca_certificates`, so that
what it issued still validates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from tongban.core.crypto import key_encryption
from tongban.seals.constants import (
    CRL_HOURS,
    ISSUING_DAYS,
    OCSP_DAYS,
    ROOT_DAYS,
    SEAL_DAYS,
    SERVICE_RENEW_DAYS,
    SM2_MAKER_DAYS,
    SM2_ROOT_DAYS,
    TSA_DAYS,
    CertPurpose,
    KeyRole,
    OwnerKind,
    RevocationReason,
    SealKind,
)
from tongban.seals.gm import certificates as gm_certificates
from tongban.seals.gm.sm2 import SM2PrivateKey, SM2PublicKey
from tongban.seals.locks import lock_active_key, lock_key
from tongban.seals.models import IssuedCertificate, PkiKey

HASH = hashes.SHA256
CURVE = ec.SECP256R1
_SKEW = dt.timedelta(minutes=5)  # certificates start a little before now: clocks differ
_REASONS = {r.value: x509.ReasonFlags[r.value] for r in RevocationReason}

PrivateKey = ec.EllipticCurvePrivateKey


# --- keys at rest ---------------------------------------------------------------------------------------
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning, RFC 9336


def generate_key() -> PrivateKey:
    return ec.generate_private_key(CURVE())


def encrypt_private_key(private: PrivateKey) -> bytes:
    """The key as encrypted PKCS#8 DER (a Fernet token): what a row stores."""
    der = private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_encryption().encrypt(der)


@lru_cache(maxsize=512)
def decrypt_private_key(encrypted: bytes) -> PrivateKey:
    """The private key of a row (never stored or logged in the clear)."""
    try:
        der = key_encryption().decrypt(encrypted)
    except InvalidToken as exc:
        raise RuntimeError(
            "a seals private key cannot be decrypted: TONGBAN_KEY_ENCRYPTION_KEYS lacks the key it was "
            "encrypted with"
        ) from exc
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise RuntimeError("a seals private key is not an EC key")
    return key


@lru_cache(maxsize=512)
def load_certificate(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def key_certificate(row: PkiKey) -> x509.Certificate:
    return load_certificate(bytes(row.certificate_der))


def key_private(row: PkiKey) -> PrivateKey:
    return decrypt_private_key(bytes(row.private_key_encrypted))


# --- URLs ---------------------------------------------------------------------------------------------------
def public_url(path: str) -> str:
    return f"{settings.TONGBAN_PUBLIC_BASE_URL}{path}"


def ca_crl_url(ca: PkiKey) -> str:
    return public_url("/seals/pki/root.crl" if ca.role == KeyRole.ROOT else f"/seals/pki/ca/{ca.pk}.crl")


def ca_cert_url(ca: PkiKey) -> str:
    return public_url("/seals/pki/root.crt" if ca.role == KeyRole.ROOT else f"/seals/pki/ca/{ca.pk}.crt")


def ocsp_url() -> str:
    return public_url("/seals/pki/ocsp")


# --- names and extensions -------------------------------------------------------------------------------------
def subject_name(
    common_name: str, *, organisation: str = "", uscc: str = "", id_number: str = "", unit: str = ""
) -> x509.Name:
    """A subject: C=CN, the organisation (with its USCC as organizationIdentifier, 2.5.4.97), the unit, the
    common name, and a person's ID number as serialNumber."""
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]))
    if uscc:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, uscc))
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit[:64]))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    if id_number:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, id_number))
    return x509.Name(attrs)


def _platform_org() -> str:
    return str(settings.TONGBAN_SITE_NAME)


def _key_usage(*, signing: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing or ca,
        content_commitment=signing,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _issue(
    *,
    issuer: PkiKey | None,
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    not_before: dt.datetime,
    not_after: dt.datetime,
    purpose: str,
    extensions: list[tuple[x509.ExtensionType, bool]],
    self_signing_key: PrivateKey | None = None,
) -> tuple[x509.Certificate, IssuedCertificate | None]:
    """Build, sign and (when ``issuer`` exists) record one certificate. A root signs itself: the caller
    records it once its PkiKey row exists."""
    if issuer is not None:
        issuer_cert = key_certificate(issuer)
        signing_key = key_private(issuer)
        issuer_name = issuer_cert.subject
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key())
    else:
        assert self_signing_key is not None
        signing_key = self_signing_key
        issuer_name = subject
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(aki, critical=False)
    )
    for ext, critical in extensions:
        builder = builder.add_extension(ext, critical=critical)
    cert = builder.sign(signing_key, HASH())
    row = _record(cert, issuer, purpose) if issuer is not None else None
    return cert, row


def _record(cert: x509.Certificate, issuer: PkiKey | None, purpose: str) -> IssuedCertificate:
    return IssuedCertificate.objects.create(
        serial=f"{cert.serial_number:x}",
        issuer=issuer,
        purpose=purpose,
        subject=cert.subject.rfc4514_string()[:500],
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        certificate_der=cert.public_bytes(serialization.Encoding.DER),
    )


def _revocation_pointers(issuer: PkiKey, *, ocsp: bool = True) -> list[tuple[x509.ExtensionType, bool]]:
    """Where a relying party finds the status of a certificate that ``issuer`` signed: its CRL and, for an
    issuing CA, the OCSP responder; and the issuer's certificate."""
    crl = x509.CRLDistributionPoints(
        [x509.DistributionPoint([x509.UniformResourceIdentifier(ca_crl_url(issuer))], None, None, None)]
    )
    access = [
        x509.AccessDescription(
            x509.AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(ca_cert_url(issuer))
        )
    ]
    if ocsp:
        access.insert(
            0,
            x509.AccessDescription(
                x509.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url())
            ),
        )
    return [(crl, False), (x509.AuthorityInformationAccess(access), False)]


def certificate_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


# --- the CAs, made on first use -------------------------------------------------------------------------------
def _make_root() -> PkiKey:
    key = generate_key()
    now = timezone.now()
    subject = subject_name(f"{_platform_org()} 电子印章根CA", organisation=_platform_org())
    cert, _row = _issue(
        issuer=None,
        subject=subject,
        public_key=key.public_key(),
        not_before=now - _SKEW,
        not_after=now + dt.timedelta(days=ROOT_DAYS),
        purpose=CertPurpose.CA,
        extensions=[
            (x509.BasicConstraints(ca=True, path_length=1), True),
            (_key_usage(ca=True), True),
        ],
        self_signing_key=key,
    )
    root = PkiKey.objects.create(
        role=KeyRole.ROOT,
        label=subject.rfc4514_string()[:200],
        certificate_der=certificate_der(cert),
        private_key_encrypted=encrypt_private_key(key),
    )
    _record(cert, root, CertPurpose.CA)
    return root


def _make_issuing(root: PkiKey) -> PkiKey:
    key = generate_key()
    now = timezone.now()
    root_end = key_certificate(root).not_valid_after_utc
    number = PkiKey.objects.filter(role=KeyRole.ISSUING).count() + 1
    subject = subject_name(f"{_platform_org()} 电子印章签发CA {number}", organisation=_platform_org())
    cert, _row = _issue(
        issuer=root,
        subject=subject,
        public_key=key.public_key(),
        not_before=now - _SKEW,
        not_after=min(now + dt.timedelta(days=ISSUING_DAYS), root_end),
        purpose=CertPurpose.CA,
        extensions=[
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (_key_usage(ca=True), True),
            *_revocation_pointers(root, ocsp=False),
        ],
    )
    return PkiKey.objects.create(
        role=KeyRole.ISSUING,
        label=subject.rfc4514_string()[:200],
        issuer=root,
        certificate_der=certificate_der(cert),
        private_key_encrypted=encrypt_private_key(key),
    )


def _ensure(role: str, make, issuer: PkiKey | None = None) -> PkiKey:
    """The active key of ``role`` (under ``issuer``), made when there is none. Two first uses at once: the
    lock serialises them where a row exists, the unique constraint where none does yet."""
    with transaction.atomic():
        found = lock_active_key(role, issuer)
        if found is not None:
            return found
        try:
            with transaction.atomic():
                return make()
        except IntegrityError:
            pass
    found = PkiKey.objects.filter(role=role, active=True).order_by("-created_at").first()
    if found is None:  # pragma: no cover - the constraint failed for another reason
        raise RuntimeError(f"the PKI's {role} key could not be made")
    return found


def root_ca() -> PkiKey:
    return _ensure(KeyRole.ROOT, _make_root)


def issuing_ca() -> PkiKey:
    """The active issuing CA (made with the root on first use)."""
    found = PkiKey.objects.filter(role=KeyRole.ISSUING, active=True).order_by("-created_at").first()
    if found is not None:
        return found
    root = root_ca()
    return _ensure(KeyRole.ISSUING, lambda: _make_issuing(root))


def _service_key(role: str, ca: PkiKey) -> PkiKey:
    """The OCSP responder of ``ca`` or the time-stamping unit (under the active issuing CA), made on first
    use and replaced when its certificate nears its end."""
    now = timezone.now()
    found = PkiKey.objects.filter(role=role, active=True, issuer=ca).order_by("-created_at").first()
    if found is not None and key_certificate(found).not_valid_after_utc - now > dt.timedelta(
        days=SERVICE_RENEW_DAYS
    ):
        return found
    with transaction.atomic():
        lock_key(ca.pk)
        found = lock_active_key(role, ca)
        if found is not None and key_certificate(found).not_valid_after_utc - now > dt.timedelta(
            days=SERVICE_RENEW_DAYS
        ):
            return found
        if found is not None:
            found.active = False
            found.retired_at = now
            found.save(update_fields=["active", "retired_at"])
        return _make_service(role, ca)


def _make_service(role: str, ca: PkiKey) -> PkiKey:
    key = generate_key()
    now = timezone.now()
    ca_end = key_certificate(ca).not_valid_after_utc
    if role == KeyRole.OCSP:
        name = subject_name(f"{_platform_org()} OCSP 响应者 {ca.pk}", organisation=_platform_org())
        days, purpose = OCSP_DAYS, CertPurpose.OCSP
        extensions: list[tuple[x509.ExtensionType, bool]] = [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_key_usage(signing=True), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False),
            (x509.OCSPNoCheck(), False),
        ]
    else:
        name = subject_name(f"{_platform_org()} 时间戳服务", organisation=_platform_org())
        days, purpose = TSA_DAYS, CertPurpose.TSA
        extensions = [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_key_usage(signing=True), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
            *_revocation_pointers(ca),
        ]
    cert, _row = _issue(
        issuer=ca,
        subject=name,
        public_key=key.public_key(),
        not_before=now - _SKEW,
        not_after=min(now + dt.timedelta(days=days), ca_end),
        purpose=purpose,
        extensions=extensions,
    )
    return PkiKey.objects.create(
        role=role,
        label=name.rfc4514_string()[:200],
        issuer=ca,
        certificate_der=certificate_der(cert),
        private_key_encrypted=encrypt_private_key(key),
    )


def pki_rotate_issuing_ca() -> PkiKey:
    """A new issuing CA beside the old one, which is retired: it issues nothing more, but its CRL, its OCSP
    answers and its certificate stay, so that what it issued still validates until it expires."""
    root = root_ca()
    with transaction.atomic():
        old = lock_active_key(KeyRole.ISSUING)
        if old is not None:
            old.active = False
            old.retired_at = timezone.now()
            old.save(update_fields=["active", "retired_at"])
        return _make_issuing(root)


def pki_rotate_root() -> PkiKey:
    """A new root beside the old one, and a new issuing CA under it. The old root and its issuing CAs are
    retired: they certify nothing more, but stay trusted (:func:`trust_roots` answers every root) and keep
    publishing their certificates, CRLs and OCSP answers, so that every seal they certified still validates.
    Relying parties add the new root to their trust stores (``/seals/pki/root.crt`` serves it at once)."""
    root_ca()
    with transaction.atomic():
        now = timezone.now()
        old = lock_active_key(KeyRole.ROOT)
        if old is not None:
            old.active, old.retired_at = False, now
            old.save(update_fields=["active", "retired_at"])
        root = _make_root()
        issuing = lock_active_key(KeyRole.ISSUING)
        if issuing is not None:
            issuing.active, issuing.retired_at = False, now
            issuing.save(update_fields=["active", "retired_at"])
        _make_issuing(root)
        return root


# --- certificates for others ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SealSubject:
    """Whom a seal certificate names: the organisation (with its USCC) or the person (with their ID
    number), and the seal's name as the common name."""

    common_name: str
    organisation: str = ""
    uscc: str = ""
    id_number: str = ""
    unit: str = ""


def seal_subject(kind: str, owner_kind: str, owner_code: str, owner_name: str, name_text: str) -> SealSubject:
    """Whom a seal's certificates (its PAdES and its SM2 one) name."""
    with translation.override("zh-hans"):
        label = str(SealKind(kind).label)
    if owner_kind == OwnerKind.PERSON:
        return SealSubject(common_name=owner_name, id_number=owner_code)
    if kind == SealKind.LEGAL_REP:
        return SealSubject(common_name=name_text, organisation=owner_name, uscc=owner_code, unit=label)
    return SealSubject(
        common_name=f"{owner_name} {label}", organisation=owner_name, uscc=owner_code, unit=label
    )


def seal_certificate_issue(
    public_key: ec.EllipticCurvePublicKey,
    subject: SealSubject,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    purpose: str = CertPurpose.SEAL,
) -> tuple[x509.Certificate, IssuedCertificate]:
    """A signing certificate for a seal's key (made here, or kept in a PKCS#11 token) from the active
    issuing CA: keyUsage digitalSignature and nonRepudiation, the CRL and OCSP of the platform."""
    ca = issuing_ca()
    ca_end = key_certificate(ca).not_valid_after_utc
    name = subject_name(
        subject.common_name,
        organisation=subject.organisation,
        uscc=subject.uscc,
        id_number=subject.id_number,
        unit=subject.unit,
    )
    cert, row = _issue(
        issuer=ca,
        subject=name,
        public_key=public_key,
        not_before=not_before,
        not_after=min(not_after, ca_end),
        purpose=purpose,
        extensions=[
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_key_usage(signing=True), True),
            # Document signing (RFC 9336) and emailProtection, not critical: poppler's pdfsig (NSS) reports
            # "Unknown issue with Certificate" for a signing certificate without a usage NSS knows.
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]), False),
            *_revocation_pointers(ca),
        ],
    )
    assert row is not None
    return cert, row


def chain_of(row: IssuedCertificate) -> list[x509.Certificate]:
    """The CA certificates above a certificate the platform issued: its issuing CA, then the root."""
    chain: list[x509.Certificate] = []
    ca = row.issuer
    while ca is not None:
        chain.append(key_certificate(ca))
        ca = ca.issuer
    return chain


def tsa_key() -> PkiKey:
    return _service_key(KeyRole.TSA, issuing_ca())


def ocsp_key(ca: PkiKey) -> PkiKey:
    return _service_key(KeyRole.OCSP, ca)


def trust_roots() -> list[x509.Certificate]:
    """The platform's root certificates (the active one and any earlier still in validity)."""
    root_ca()
    return [key_certificate(k) for k in PkiKey.objects.filter(role=KeyRole.ROOT).order_by("-created_at")]


def ca_certificates() -> list[x509.Certificate]:
    """Every issuing CA's certificate, active or retired (to build chains)."""
    issuing_ca()
    return [key_certificate(k) for k in PkiKey.objects.filter(role=KeyRole.ISSUING).order_by("-created_at")]


def certificate_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


# --- revocation ------------------------------------------------------------------------------------------------
def certificate_revoke(
    row: IssuedCertificate, reason: str = RevocationReason.UNSPECIFIED, *, replace_hold: bool = False
) -> None:
    """Mark the certificate revoked and make its CA's CRL again (in the caller's transaction). A
    certificate on hold (``certificate_hold``: a suspended seal) is revoked for good with ``replace_hold``."""
    if row.revoked_at is not None and not (
        replace_hold and row.revocation_reason == RevocationReason.CERTIFICATE_HOLD
    ):
        return
    row.revoked_at = timezone.now()
    row.revocation_reason = reason
    row.save(update_fields=["revoked_at", "revocation_reason"])
    if row.issuer_id is not None:
        crl_refresh(lock_key(row.issuer_id))


def certificate_release(row: IssuedCertificate) -> None:
    """Take a certificate off hold (a resumed seal): it leaves the CRL, OCSP answers good again."""
    if row.revoked_at is None or row.revocation_reason != RevocationReason.CERTIFICATE_HOLD:
        return
    row.revoked_at = None
    row.revocation_reason = ""
    row.save(update_fields=["revoked_at", "revocation_reason"])
    if row.issuer_id is not None:
        crl_refresh(lock_key(row.issuer_id))


def crl_refresh(ca: PkiKey) -> bytes:
    """Make the CA's CRL now (its number one more than the last), store it and answer its DER."""
    now = timezone.now()
    ca_cert = key_certificate(ca)
    ca.crl_number += 1
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        .next_update(now + dt.timedelta(hours=CRL_HOURS))
        .add_extension(x509.CRLNumber(ca.crl_number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key_private(ca).public_key()), False
        )
    )
    revoked = IssuedCertificate.objects.filter(issuer=ca, revoked_at__isnull=False)
    for cert_row in revoked.order_by("revoked_at"):
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(int(cert_row.serial, 16))
            .revocation_date(cert_row.revoked_at)
        )
        reason = _REASONS.get(cert_row.revocation_reason or "")
        if reason is not None and reason != x509.ReasonFlags.unspecified:
            entry = entry.add_extension(x509.CRLReason(reason), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    crl = builder.sign(key_private(ca), HASH())
    der = crl.public_bytes(serialization.Encoding.DER)
    ca.crl_der = der
    ca.crl_next_update = now + dt.timedelta(hours=CRL_HOURS)
    ca.save(update_fields=["crl_number", "crl_der", "crl_next_update"])
    return der


def crl_der(ca: PkiKey | None = None) -> bytes:
    """The current CRL of a CA (the active issuing CA by default): the stored one while more than half its
    time is left, else made again."""
    ca = ca or issuing_ca()
    now = timezone.now()
    if ca.crl_der and ca.crl_next_update and ca.crl_next_update - now > dt.timedelta(hours=CRL_HOURS / 2):
        return bytes(ca.crl_der)
    with transaction.atomic():
        locked = lock_key(ca.pk)
        if (
            locked.crl_der
            and locked.crl_next_update
            and locked.crl_next_update - now > dt.timedelta(hours=CRL_HOURS / 2)
        ):
            return bytes(locked.crl_der)
        return crl_refresh(locked)


# --- OCSP (RFC 6960) ---------------------------------------------------------------------------------------------
_OCSP_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def _issuer_hashes(ca: PkiKey, algorithm: str) -> tuple[bytes, bytes]:
    cert = asn1_x509.Certificate.load(bytes(ca.certificate_der))
    name_hash = getattr(cert.subject, algorithm)
    key_hash = getattr(cert.public_key, algorithm)
    return name_hash, key_hash


def _find_ca(name_hash: bytes, key_hash: bytes, algorithm: str) -> PkiKey | None:
    for ca in PkiKey.objects.filter(role__in=[KeyRole.ROOT, KeyRole.ISSUING]).select_related("issuer"):
        if _issuer_hashes(ca, algorithm) == (name_hash, key_hash):
            return ca
    return None


def ocsp_respond(request_der: bytes) -> bytes:
    """The DER OCSP response to a DER OCSP request: good, revoked (with its time and reason) or unknown for
    a certificate of one of the platform's CAs, signed by that CA's OCSP responder (the root answers for
    its issuing CAs itself); malformedRequest for bytes that are not a request, unauthorized for another
    CA's certificate. The request's nonce is echoed."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        algorithm = request.hash_algorithm.name
        name_hash, key_hash, serial = request.issuer_name_hash, request.issuer_key_hash, request.serial_number
    except (ValueError, TypeError):
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    if algorithm not in _OCSP_HASHES:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    ca = _find_ca(name_hash, key_hash, algorithm)
    if ca is None:
        return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    row = IssuedCertificate.objects.filter(issuer=ca, serial=f"{serial:x}").first()
    now = timezone.now()
    status, revoked_at, reason = ocsp.OCSPCertStatus.UNKNOWN, None, None
    if row is not None and row.revoked_at is not None:
        status, revoked_at = ocsp.OCSPCertStatus.REVOKED, row.revoked_at
        reason = _REASONS.get(row.revocation_reason or "")
    elif row is not None:
        status = ocsp.OCSPCertStatus.GOOD
    if ca.role == KeyRole.ROOT:
        responder_cert, responder_key, extra = key_certificate(ca), key_private(ca), []
    else:
        responder = ocsp_key(ca)
        responder_cert, responder_key = key_certificate(responder), key_private(responder)
        extra = [responder_cert]
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=name_hash,
            issuer_key_hash=key_hash,
            serial_number=serial,
            algorithm=_OCSP_HASHES[algorithm](),
            cert_status=status,
            this_update=now,
            next_update=now + dt.timedelta(hours=CRL_HOURS),
            revocation_time=revoked_at,
            revocation_reason=reason,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, responder_cert)
    )
    if extra:
        builder = builder.certificates(extra)
    try:
        nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value
        builder = builder.add_extension(nonce, critical=False)
    except x509.ExtensionNotFound:
        pass
    response = builder.sign(responder_key, HASH())
    return response.public_bytes(serialization.Encoding.DER)


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)


def ca_by_id(pk: int) -> PkiKey | None:
    """A CA of the PAdES PKI (the root or an issuing CA; never an SM2 key) by its id."""
    return PkiKey.objects.filter(pk=pk, role__in=[KeyRole.ROOT, KeyRole.ISSUING]).first()


# --- the SM2 seal maker (制章者, GB/T 38540; docs/domain/seals-gbt38540.md) ------------------------------------
# An SM2 root (self-signed CA, path length 0) and the maker's signing certificate it issues; the root also
# certifies each seal holder's SM2 key. None of these is in IssuedCertificate: they have no CRL or OCSP (a
# seal's SM2 certificate stands and falls with the seal's status in the registry).
def encrypt_sm2_private_key(private: SM2PrivateKey) -> bytes:
    """An SM2 key's 32 raw bytes as a Fernet token under the platform's key-encryption keys."""
    return key_encryption().encrypt(private.to_bytes())


@lru_cache(maxsize=512)
def decrypt_sm2_private_key(encrypted: bytes) -> SM2PrivateKey:
    try:
        raw = key_encryption().decrypt(encrypted)
    except InvalidToken as exc:
        raise RuntimeError(
            "an SM2 private key cannot be decrypted: TONGBAN_KEY_ENCRYPTION_KEYS lacks the key it was "
            "encrypted with"
        ) from exc
    return SM2PrivateKey.from_bytes(raw)


def sm2_key_private(row: PkiKey) -> SM2PrivateKey:
    return decrypt_sm2_private_key(bytes(row.private_key_encrypted))


def _sm2_label(der: bytes) -> str:
    return str(asn1_x509.Certificate.load(der).subject.human_friendly)[:200]


def _sm2_not_after(row: PkiKey) -> dt.datetime:
    return gm_certificates.certificate_validity(bytes(row.certificate_der))[1]


def _make_sm2_root() -> PkiKey:
    key = SM2PrivateKey.generate()
    now = timezone.now()
    der = gm_certificates.maker_root_make(
        name=_platform_org(),
        key=key,
        not_before=now - _SKEW,
        not_after=now + dt.timedelta(days=SM2_ROOT_DAYS),
    )
    return PkiKey.objects.create(
        role=KeyRole.SM2_ROOT,
        label=_sm2_label(der),
        certificate_der=der,
        private_key_encrypted=encrypt_sm2_private_key(key),
    )


def _make_sm2_maker(root: PkiKey) -> PkiKey:
    key = SM2PrivateKey.generate()
    now = timezone.now()
    der = gm_certificates.maker_certificate_make(
        name=_platform_org(),
        public_key=key.public_key,
        root_key=sm2_key_private(root),
        root_cert_der=bytes(root.certificate_der),
        not_before=now - _SKEW,
        not_after=min(now + dt.timedelta(days=SM2_MAKER_DAYS), _sm2_not_after(root)),
    )
    return PkiKey.objects.create(
        role=KeyRole.SM2_MAKER,
        label=_sm2_label(der),
        issuer=root,
        certificate_der=der,
        private_key_encrypted=encrypt_sm2_private_key(key),
    )


def sm2_root() -> PkiKey:
    """The active SM2 maker root, made on first use (race-safe as the PAdES root)."""
    found = PkiKey.objects.filter(role=KeyRole.SM2_ROOT, active=True).order_by("-created_at").first()
    return found if found is not None else _ensure(KeyRole.SM2_ROOT, _make_sm2_root)


def _maker_fresh(row: PkiKey | None, now: dt.datetime) -> bool:
    """A maker certificate that outlasts any seal made now (SEAL_DAYS): a seal's SESeal must verify until
    the seal's end, and the check includes the maker certificate's validity."""
    return row is not None and _sm2_not_after(row) - now > dt.timedelta(days=SEAL_DAYS + 1)


def sm2_maker() -> PkiKey:
    """The active SM2 seal maker (its key signs every SESeal), made on first use under the lock of its root;
    replaced (the old one retired) when its certificate would end before a seal made now."""
    now = timezone.now()
    root = sm2_root()
    found = PkiKey.objects.filter(role=KeyRole.SM2_MAKER, active=True, issuer=root).first()
    if _maker_fresh(found, now):
        assert found is not None
        return found
    with transaction.atomic():
        lock_key(root.pk)
        found = lock_active_key(KeyRole.SM2_MAKER)
        if found is not None and found.issuer_id == root.pk and _maker_fresh(found, now):
            return found
        if found is not None:
            found.active = False
            found.retired_at = now
            found.save(update_fields=["active", "retired_at"])
        return _make_sm2_maker(root)


def sm2_trusted_makers() -> list[bytes]:
    """The DER certificates a GB/T 38540 seal of the platform chains to: every SM2 maker root, the active
    one first (a retired one still answers for the seals made under it)."""
    sm2_root()
    rows = PkiKey.objects.filter(role=KeyRole.SM2_ROOT).order_by("-created_at")
    return [bytes(r.certificate_der) for r in rows]


def sm2_subject(subject: SealSubject) -> dict[str, str]:
    """A seal's subject (as its PAdES certificate names it) in asn1crypto's name keys."""
    name = {"country_name": "CN"}
    if subject.organisation:
        name["organization_name"] = subject.organisation[:64]
    if subject.uscc:
        name["organization_identifier"] = subject.uscc
    if subject.unit:
        name["organizational_unit_name"] = subject.unit[:64]
    name["common_name"] = subject.common_name[:64]
    if subject.id_number:
        name["serial_number"] = subject.id_number
    return name


def sm2_certificate_issue(
    public_key: SM2PublicKey, subject: SealSubject, *, not_before: dt.datetime, not_after: dt.datetime
) -> bytes:
    """A seal holder's SM2 signing certificate (DER; digitalSignature and nonRepudiation) from the active SM2
    maker root, within the root's validity."""
    root = sm2_root()
    return gm_certificates.sm2_certificate_make(
        subject=sm2_subject(subject),
        public_key=public_key,
        issuer_key=sm2_key_private(root),
        issuer_cert_der=bytes(root.certificate_der),
        not_before=not_before,
        not_after=min(not_after, _sm2_not_after(root)),
        ca=False,
    )
