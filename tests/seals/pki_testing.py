"""A throwaway PKI for the sealing tests, made with ``cryptography`` (not the platform's PKI): a root CA, an
issuing CA, a seal certificate with a CRL distribution point, a TSA certificate (critical EKU timeStamping),
and the CRLs and OCSP answers a validator needs — handed to pyHanko directly, never fetched over a network.

``make_pki("名")`` makes one; two calls make two unrelated CAs (a certificate "from another CA")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ONE_DAY = timedelta(days=1)
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning (RFC 9336)


def _name(cn: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@dataclass
class TestPKI:
    label: str
    now: datetime
    root_key: ec.EllipticCurvePrivateKey
    root: x509.Certificate
    issuing_key: ec.EllipticCurvePrivateKey
    issuing: x509.Certificate
    seal_key: ec.EllipticCurvePrivateKey
    seal: x509.Certificate
    tsa_key: ec.EllipticCurvePrivateKey
    tsa: x509.Certificate
    revoked: dict[int, datetime] = field(default_factory=dict)  # serial → revocation time (issuing CA's)

    __test__ = False  # not a pytest class

    # --- more certificates ---
    def issue(self, cn: str, key=None, *, org: str | None = None, serial: int | None = None) -> tuple:
        """Another end-entity certificate from the issuing CA (e.g. the legal representative's)."""
        key = key or _key()
        cert = _leaf(self, _name(cn, org or self.label), key.public_key(), serial=serial)
        return key, cert

    def revoke(self, cert: x509.Certificate, when: datetime | None = None) -> None:
        self.revoked[cert.serial_number] = when or datetime.now(UTC) - timedelta(minutes=1)

    # --- revocation data ---
    def crl(self, of: str = "issuing") -> x509.CertificateRevocationList:
        """The CRL of the issuing CA (``of="issuing"``) or of the root (``of="root"``), fresh now."""
        key, cert = (self.issuing_key, self.issuing) if of == "issuing" else (self.root_key, self.root)
        now = datetime.now(UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(cert.subject)
            .last_update(now - timedelta(minutes=5))
            .next_update(now + timedelta(days=7))
            .add_extension(x509.CRLNumber(1), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
            )
        )
        if of == "issuing":
            for serial, when in self.revoked.items():
                builder = builder.add_revoked_certificate(
                    x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
                )
        return builder.sign(key, hashes.SHA256())

    def ocsp_response(self, cert: x509.Certificate) -> ocsp.OCSPResponse:
        """The issuing CA's OCSP answer about ``cert`` (signed by the CA itself)."""
        now = datetime.now(UTC)
        revoked_at = self.revoked.get(cert.serial_number)
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=cert,
            issuer=self.issuing,
            algorithm=hashes.SHA256(),
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked_at else ocsp.OCSPCertStatus.GOOD,
            this_update=now - timedelta(minutes=1),
            next_update=now + timedelta(days=1),
            revocation_time=revoked_at,
            revocation_reason=x509.ReasonFlags.key_compromise if revoked_at else None,
        )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, self.issuing)
        return builder.sign(self.issuing_key, hashes.SHA256())

    # --- in the forms pyHanko takes ---
    def asn1_crls(self) -> list[asn1_crl.CertificateList]:
        return [
            asn1_crl.CertificateList.load(c.public_bytes(serialization.Encoding.DER))
            for c in (self.crl("issuing"), self.crl("root"))
        ]

    def asn1_ocsps(self, *certs: x509.Certificate) -> list[asn1_ocsp.OCSPResponse]:
        return [
            asn1_ocsp.OCSPResponse.load(self.ocsp_response(c).public_bytes(serialization.Encoding.DER))
            for c in certs
        ]

    @property
    def chain(self) -> list[x509.Certificate]:
        """What a signer sends along with its certificate: the issuing CA and the root."""
        return [self.issuing, self.root]

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)


def as_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _ca(subject, issuer, public_key, signing_key, issuer_key, *, now, path_length, crl_url=None):
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - ONE_DAY)
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key), critical=False)
    )
    if crl_url:
        builder = builder.add_extension(_crl_dp(crl_url), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def _crl_dp(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)]
    )


def _leaf(pki: TestPKI, subject, public_key, *, eku=None, serial=None) -> x509.Certificate:
    slug = pki.label.encode().hex()[:16]
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(pki.issuing.subject)
        .public_key(public_key)
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(pki.now - ONE_DAY)
        .not_valid_after(pki.now + timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=eku is None,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(pki.issuing_key.public_key()), critical=False
        )
        .add_extension(_crl_dp(f"http://ca-{slug}.test/issuing.crl"), critical=False)
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        x509.oid.AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(f"http://ca-{slug}.test/ocsp"),
                    )
                ]
            ),
            critical=False,
        )
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    else:
        # A signing certificate says what it signs: documents (RFC 9336) and, for NSS — poppler's pdfsig validates
        # signers for the "email signer" usage and, in poppler 22.12, reports a certificate without an extended key
        # usage as "Unknown issue" —, emailProtection.
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]), critical=False
        )
    return builder.sign(pki.issuing_key, hashes.SHA256())


def make_pki(label: str = "通办测试") -> TestPKI:
    now = datetime.now(UTC)
    slug = label.encode().hex()[:16]
    root_key, issuing_key = _key(), _key()
    root_name = _name(f"{label}根CA", label)
    root = _ca(
        root_name, root_name, root_key.public_key(), root_key, root_key.public_key(), now=now, path_length=1
    )
    issuing = _ca(
        _name(f"{label}签发CA", label),
        root_name,
        issuing_key.public_key(),
        root_key,
        root_key.public_key(),
        now=now,
        path_length=0,
        crl_url=f"http://ca-{slug}.test/root.crl",
    )
    pki = TestPKI(label, now, root_key, root, issuing_key, issuing, None, None, None, None)  # type: ignore[arg-type]
    pki.seal_key = _key()
    pki.seal = _leaf(pki, _name(f"{label}示范科技有限公司", label), pki.seal_key.public_key())
    pki.tsa_key = _key()
    pki.tsa = _leaf(
        pki,
        _name(f"{label}时间戳服务", label),
        pki.tsa_key.public_key(),
        eku=[ExtendedKeyUsageOID.TIME_STAMPING],
    )
    return pki


def licence_pdf(title: str = "营业执照", holder: str = "通办示范科技有限公司") -> bytes:
    """A one-page licence-like PDF (A4, Chinese text in the project's font) to seal."""
    from fpdf import FPDF

    from tongban.core.documents import add_cjk_fonts

    lines = [
        ("统一社会信用代码", "91110105MA01ABCD2X"),
        ("名称", holder),
        ("类型", "有限责任公司（自然人投资或控股）"),
        ("法定代表人", "张三"),
        ("经营范围", "技术开发、技术咨询、技术服务；软件开发；数据处理。"),
        ("注册资本", "壹佰万元整"),
        ("成立日期", "2026年12月7日"),
        ("住所", "北京市朝阳区示范路1号"),
    ]
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(2026, 12, 7, tzinfo=UTC))
    add_cjk_fonts(pdf, [title, *(v for _k, v in lines)])
    pdf.add_page()
    pdf.set_font("cjk", size=28)
    pdf.cell(0, 20, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=12)
    for label, value in lines:
        pdf.cell(45, 10, label)
        pdf.multi_cell(0, 10, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.cell(0, 10, "登记机关（盖章）", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
