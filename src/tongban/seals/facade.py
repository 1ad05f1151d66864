"""What other contexts may use of the seals context (ADR 0008): they import this module only.

The PKI: :func:`seal_signing_material` and :func:`seal_signer` (a seal's key, certificate and chain, for
PAdES), :func:`tsa_signing_material` and :func:`tsa_signer` (the time-stamping unit's), :func:`trust_roots`,
:func:`root_certificate_pem`, :func:`ca_certificates`, :func:`crl_der`, :func:`crl_for_certificate` and
:func:`ocsp_respond` (the validation data a B-LT signature embeds, without a round trip over HTTP).

The registry: :func:`seals_make_for_enterprise` (开办企业 公章刻制), :func:`department_seal`,
:func:`seal_use_record`, :func:`seal_info`, :func:`seals_usable_by`, :func:`seal_image_set`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from tongban.core.actors import Actor
from tongban.seals import pki, services
from tongban.seals.access import access_seal, may_use, owner_scope
from tongban.seals.constants import KeyRole, SealKind, SealStatus
from tongban.seals.demo import demo_load_seals
from tongban.seals.errors import SealNotFound
from tongban.seals.models import PkiKey, Seal, SealUse
from tongban.seals.selectors import department_seal_active, seals_authorised
from tongban.seals.signers import Pkcs11Signer, Signer, SoftwareSigner

__all__ = [
    "Pkcs11Signer",
    "SealInfo",
    "SealKind",
    "SealStatus",
    "Signer",
    "SigningMaterial",
    "SoftwareSigner",
    "ca_certificates",
    "crl_der",
    "crl_for_certificate",
    "demo_load_seals",
    "department_document_seal",
    "department_seal",
    "document_verification_page",
    "ocsp_respond",
    "root_certificate_pem",
    "seal_image_set",
    "seal_info",
    "seal_signer",
    "seal_signing_material",
    "seal_use_record",
    "seals_make_for_enterprise",
    "seals_usable_by",
    "trust_roots",
    "tsa_signer",
    "tsa_signing_material",
]


@dataclass(frozen=True)
class SigningMaterial:
    """A private key (decrypted: sign with it now, keep it nowhere), its certificate, and the chain above
    it (the issuing CA, then the root)."""

    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


@dataclass(frozen=True)
class SealInfo:
    uuid: str
    kind: str
    kind_label: str
    owner_kind: str
    owner_code: str
    owner_name: str
    name_text: str
    status: str
    image_png: bytes | None
    width_mm: Decimal | None
    height_mm: Decimal | None
    certificate_der: bytes | None


def _info(seal: Seal) -> SealInfo:
    cert = seal.certificate
    return SealInfo(
        uuid=str(seal.uuid),
        kind=seal.kind,
        kind_label=str(SealKind(seal.kind).label),
        owner_kind=seal.owner_kind,
        owner_code=seal.owner_code,
        owner_name=seal.owner_name,
        name_text=seal.name_text,
        status=seal.status,
        image_png=bytes(seal.image_png) if seal.image_png else None,
        width_mm=seal.width_mm,
        height_mm=seal.height_mm,
        certificate_der=bytes(cert.certificate_der) if cert is not None else None,
    )


# --- the PKI ---------------------------------------------------------------------------------------------------
def material_of(seal: Seal) -> SigningMaterial:
    """A seal's key, certificate and chain (the caller has checked that the actor may use it)."""
    if seal.certificate is None or not seal.private_key_encrypted:
        raise SealNotFound()
    return SigningMaterial(
        pki.decrypt_private_key(bytes(seal.private_key_encrypted)),
        pki.load_certificate(bytes(seal.certificate.certificate_der)),
        tuple(pki.chain_of(seal.certificate)),
    )


def seal_signing_material(actor: Actor, seal_uuid: str) -> SigningMaterial:
    """A seal's key, certificate and chain, for the actor who may use it now: its owner or an authorised
    person (the platform for a department seal) and an active seal; ``SealNotFound`` (404) for anyone who
    may not see it, ``SealsError`` (``seal_use_denied`` 403, ``seal_not_active`` 409) otherwise. Record the
    use with :func:`seal_use_record`."""
    from tongban.seals.access import require_may_use

    seal = access_seal(actor=actor, seal_uuid=seal_uuid)
    require_may_use(actor, seal)
    return material_of(seal)


def seal_signer(actor: Actor, seal_uuid: str) -> Signer:
    """The same, as a :class:`Signer` (``sign(data, hash_algorithm) -> DER signature``)."""
    material = seal_signing_material(actor, seal_uuid)
    return SoftwareSigner(material.private_key, material.certificate, material.chain)


def tsa_signing_material() -> SigningMaterial:
    """The time-stamping unit's key and certificate (id-kp-timeStamping, critical), made on first use."""
    row = pki.tsa_key()
    assert row.issuer is not None
    chain = (pki.key_certificate(row.issuer), *[pki.key_certificate(k) for k in _above(row.issuer)])
    return SigningMaterial(pki.key_private(row), pki.key_certificate(row), chain)


def _above(ca: PkiKey) -> list[PkiKey]:
    found: list[PkiKey] = []
    parent = ca.issuer
    while parent is not None and parent.pk != ca.pk:
        found.append(parent)
        parent = parent.issuer
    return found


def tsa_signer() -> Signer:
    material = tsa_signing_material()
    return SoftwareSigner(material.private_key, material.certificate, material.chain)


def trust_roots() -> list[x509.Certificate]:
    """The platform's root certificates (the trust anchors of every seal)."""
    return pki.trust_roots()


def root_certificate_pem() -> bytes:
    return pki.certificate_pem(pki.key_certificate(pki.root_ca()))


def ca_certificates() -> list[x509.Certificate]:
    """Every issuing CA's certificate, active or retired (to build chains)."""
    return pki.ca_certificates()


def crl_der(issuer: x509.Certificate | None = None) -> bytes:
    """The current CRL (DER) of the issuing CA with this certificate (the active one by default; the root's
    CRL for the root certificate)."""
    if issuer is None:
        return pki.crl_der()
    for row in PkiKey.objects.filter(role__in=[KeyRole.ROOT, KeyRole.ISSUING]):
        if pki.key_certificate(row) == issuer:
            return pki.crl_der(row)
    raise SealNotFound()


def crl_for_certificate(cert: x509.Certificate) -> bytes:
    """The current CRL covering a certificate the platform issued (that of its issuer)."""
    for row in PkiKey.objects.filter(role__in=[KeyRole.ROOT, KeyRole.ISSUING]):
        if pki.key_certificate(row).subject == cert.issuer:
            return pki.crl_der(row)
    raise SealNotFound()


def ocsp_respond(request_der: bytes) -> bytes:
    """The platform's OCSP answer (RFC 6960, DER) to a DER OCSP request."""
    return pki.ocsp_respond(request_der)


# --- the registry ---------------------------------------------------------------------------------------------
def seals_make_for_enterprise(
    actor: Actor, uscc: str, name: str, legal_rep_person_uuid: str, kinds: list[str] | tuple[str, ...] = ()
) -> list[SealInfo]:
    """Make a new enterprise's seals at once (开办企业 公章刻制): the 法定名称章 and the kinds asked for
    (values of :class:`SealKind`), active, owned by the enterprise, its legal representative told.
    Kinds it already holds are not made again."""
    made = services.seals_make_for_enterprise(
        actor=actor, uscc=uscc, name=name, legal_rep_person_uuid=legal_rep_person_uuid, kinds=kinds
    )
    return [_info(s) for s in made]


def department_seal(actor: Actor, org_uuid: str, org_name: str, code: str = "") -> SealInfo:
    """The active department seal of an issuing authority, made on first use (``code``: its USCC)."""
    code = code or org_uuid
    seal = department_seal_active(code)
    if seal is None:
        seal = services.department_seal_make(actor=actor, org_uuid=org_uuid, org_name=org_name, code=code)
    return _info(seal)


def department_document_seal(
    org_uuid: str,
    org_name: str,
    pdf: bytes,
    *,
    purpose: str,
    field_name: str,
    code: str = "",
    box: tuple[float, float, float, float] | None = None,
) -> bytes:
    """``pdf`` sealed (PAdES B-LT, the platform's timestamp) with the department's seal, made on first use:
    what the department issues (a decision, a result document, a licence). ``box``: where the stamp goes on the
    last page, in points from the bottom left (``sealing.SEAL_BOX`` by default). Run it in a task after commit,
    never in the request that triggers it (a seal costs about 0.1 s)."""
    from tongban.core.actors import SYSTEM
    from tongban.seals.sealing import SEAL_BOX, document_seal

    seal = department_seal(SYSTEM, org_uuid, org_name, code)
    return document_seal(
        SYSTEM,
        seal.uuid,
        pdf,
        purpose=purpose,
        field_name=field_name,
        location=org_name,
        box=box or SEAL_BOX,
    )


def document_verification_page(
    request, *, filename: str, pdf: bytes | None, back_url: str, back_label: str, download_url: str
):
    """The page that verifies a file another context keeps and its reader may download (a case's notices and
    decisions, its signed application): the 验章 report of every signature, "being sealed" when ``pdf`` is
    None (seals/verify_views.py ``document_page``)."""
    from tongban.seals.verify_views import document_page

    return document_page(
        request,
        filename=filename,
        pdf=pdf,
        back_url=back_url,
        back_label=back_label,
        download_url=download_url,
    )


def seal_use_record(actor: Actor, seal_uuid: str, document_sha256: str, purpose: str) -> None:
    """Log one use (refused unless the actor may use the seal and it is active)."""
    use: SealUse = services.seal_use_record(
        actor=actor, seal_uuid=seal_uuid, document_sha256=document_sha256, purpose=purpose
    )
    del use


def seal_info(actor: Actor, seal_uuid: str) -> SealInfo:
    """A seal the actor may see (404 otherwise)."""
    return _info(access_seal(actor=actor, seal_uuid=seal_uuid))


def seals_usable_by(actor: Actor) -> list[SealInfo]:
    """The active seals the actor may use now: their own and those authorised to them."""
    owned = Seal.objects.filter(owner_scope(actor), status=SealStatus.ACTIVE).select_related("certificate")
    found = {s.pk: s for s in owned}
    for seal in seals_authorised(actor).filter(status=SealStatus.ACTIVE).select_related("certificate"):
        found.setdefault(seal.pk, seal)
    return [_info(s) for s in found.values() if may_use(actor, s)]


def seal_image_set(actor: Actor, seal_uuid: str, png: bytes, width_mm: float, height_mm: float) -> None:
    """Store a seal's image (seals/images.py draws it)."""
    services.seal_image_set(actor=actor, seal_uuid=seal_uuid, png=png, width_mm=width_mm, height_mm=height_mm)


# --- paperless signing (issue 16 §3: an applicant signs their application in the browser) ------------------
@dataclass(frozen=True)
class SignatureSpot:
    """Where one seal goes on a document: the seal, the new signature field's name, its box (PDF points
    from the bottom left of the last page)."""

    seal_uuid: str
    field_name: str
    box: tuple[float, float, float, float]


def document_sign(actor: Actor, pdf: bytes, spots: list[SignatureSpot], *, purpose: str) -> bytes:
    """``pdf`` sealed with each seal in turn (PAdES B-LT, one incremental update each, so that a later
    signature does not break an earlier one), every use recorded. Every seal is checked before the first is
    applied: ``SealNotFound`` (404) for a seal the actor may not see, ``seal_use_denied`` (403),
    ``seal_not_active`` (409, with the seal's status) — then nothing is sealed and no use recorded.
    A seal costs about 0.2 s: the caller runs it outside its own transaction."""
    from tongban.seals.access import require_may_use
    from tongban.seals.sealing import document_seal

    for spot in spots:
        require_may_use(actor, access_seal(actor=actor, seal_uuid=spot.seal_uuid))
    for spot in spots:
        pdf = document_seal(
            actor, spot.seal_uuid, pdf, purpose=purpose, field_name=spot.field_name, box=spot.box
        )
    return pdf


def personal_signature_make(actor: Actor) -> SealInfo:
    """The signed-in person's own electronic signature (个人签名/名章), made at once at L2+ with a confirmed
    resident ID number — no review (docs/domain/seals.md §3); ``assurance_too_low`` (403) below,
    ``seal_kind_held`` (409) while they hold a live one."""
    return _info(services.personal_signature_make(actor=actor))


__all__ += ["SignatureSpot", "document_sign", "personal_signature_make"]
