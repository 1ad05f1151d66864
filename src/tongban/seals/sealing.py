"""The platform seals and verifies documents with its own PKI: a seal's key and certificate (``pki``), the
seal's image as the visible stamp (``images``), a timestamp from the platform's own time-stamping unit
answered in this process (``tsa.LocalTimeStamper``) and, for B-LT (the default), the validation data — the
chain, the CRLs and OCSP answers of the seal's and the time-stamping unit's certificates — made here and
embedded in the document security store (``pades.seal_pdf``), so the seal can still be checked after its
certificate has expired (a licence outlives its signing certificate). Verification trusts the platform's
roots only (``pdf_verify.verify_pdf``).

Another TSA: replace :func:`platform_timestamper` by pyHanko's ``HTTPTimeStamper(url)`` (docs/domain/seals.md,
"Time stamps")."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Sequence

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from pyhanko_certvalidator import ValidationContext

from tongban.core.actors import Actor
from tongban.seals import facade
from tongban.seals.access import access_seal, require_may_use
from tongban.seals.pades import Level, seal_pdf
from tongban.seals.pdf_verify import DEFAULT_MAX_BYTES, SignatureReport, verify_pdf
from tongban.seals.tsa import LocalTimeStamper, TsaIdentity

# The platform's time-stamping policy (RFC 3161 TSAPolicyId): an OID under 2.25 (ITU-T X.667, an OID made
# from a UUID, which needs no registration), the UUID5 of https://tongban.example/tsa-policy/1.
TSA_POLICY_OID = "2.25.229990532041469301768364723979495007455"

# Where a document's seal goes unless the caller says: bottom right of an A4 page, 42 mm wide (points).
SEAL_BOX = (400.0, 60.0, 519.0, 179.0)


def tsa_identity() -> TsaIdentity:
    """The platform's time-stamping unit (its key, certificate with the critical timeStamping EKU, chain)."""
    m = facade.tsa_signing_material()
    return TsaIdentity(key=m.private_key, cert=m.certificate, chain=m.chain, policy_oid=TSA_POLICY_OID)


def platform_timestamper(tsa: facade.SigningMaterial | None = None) -> LocalTimeStamper:
    """The platform's time-stamping unit answering in this process (``tsa``: its material, when the caller
    already holds it)."""
    m = tsa or facade.tsa_signing_material()
    return LocalTimeStamper(key=m.private_key, cert=m.certificate, chain=m.chain, policy_oid=TSA_POLICY_OID)


def _ocsp_answer(cert: x509.Certificate, issuer: x509.Certificate) -> bytes:
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build()
    return facade.ocsp_respond(request.public_bytes(serialization.Encoding.DER))


def validation_context(
    paths: Iterable[tuple[x509.Certificate, Sequence[x509.Certificate]]],
) -> ValidationContext:
    """The platform's roots as the only trust anchors, and the revocation data of every certificate on the
    given paths (a leaf and its chain up to the root): the CRL of each issuer and an OCSP answer for each
    leaf, made in this process (no fetching)."""
    crls: dict[bytes, bytes] = {}
    ocsps: list[bytes] = []
    for leaf, chain in paths:
        certs = [leaf, *chain]
        for cert, issuer in itertools.pairwise(certs):
            der = facade.crl_for_certificate(cert)
            crls[hashlib.sha256(der).digest()] = der
            if cert is leaf:
                ocsps.append(_ocsp_answer(cert, issuer))
    return ValidationContext(
        trust_roots=[
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
            for c in facade.trust_roots()
        ],
        crls=[asn1_crl.CertificateList.load(der) for der in crls.values()],
        ocsps=[asn1_ocsp.OCSPResponse.load(der) for der in ocsps],
        allow_fetching=False,
    )


def document_seal(
    actor: Actor,
    seal_uuid: str,
    pdf: bytes,
    *,
    purpose: str,
    field_name: str,
    box: tuple[float, float, float, float] = SEAL_BOX,
    page: int = -1,
    level: Level = "B-LT",
    reason: str | None = None,
    location: str | None = None,
) -> bytes:
    """``pdf`` sealed with the seal (refused unless ``actor`` may use it now and it is active), its image the
    visible stamp on ``page`` (the last by default); the use recorded with the sealed document's SHA-256."""
    seal = access_seal(actor=actor, seal_uuid=seal_uuid)
    require_may_use(actor, seal)
    material, tsa = facade.material_of(seal), facade.tsa_signing_material()
    sealed = seal_pdf(
        pdf,
        key=material.private_key,
        cert=material.certificate,
        chain=material.chain,
        image_png=bytes(seal.image_png) if seal.image_png else None,
        page=page,
        box=box,
        field_name=field_name,
        reason=reason or purpose,
        location=location,
        timestamper=platform_timestamper(tsa),
        level=level,
        validation_context=(
            validation_context([(material.certificate, material.chain), (tsa.certificate, tsa.chain)])
            if level != "B-T"
            else None
        ),
        signer_name=seal.owner_name,
    )
    facade.seal_use_record(actor, seal_uuid, hashlib.sha256(sealed).hexdigest(), purpose)
    return sealed


def document_verify(pdf: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[SignatureReport]:
    """Every signature of ``pdf`` checked against the platform's roots (never raises for a bad file)."""
    return verify_pdf(pdf, trust_roots=facade.trust_roots(), max_bytes=max_bytes)
