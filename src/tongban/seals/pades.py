"""Sealing PDFs: PAdES signatures made with pyHanko (issue 16 §3).

``seal_pdf(pdf, key=, cert=, chain=, image_png=, box=, field_name=, timestamper=, level=)`` adds one signature as
an incremental update, so earlier signatures stay valid and several seals (the enterprise's and its legal
representative's) can go on one document:

* **B-T** — the CMS signature (ETSI.CAdES.detached) with a signature timestamp from ``timestamper`` (the
  platform's ``tsa.LocalTimeStamper``, or pyHanko's ``HTTPTimeStamper(url)`` for an external TSA);
* **B-LT** (the default) — and the validation data (the chain, the CRLs and/or OCSP answers of the signer's and
  the TSA's certificates) in the document security store (DSS), gathered by pyHanko through
  ``validation_context``: a ``pyhanko_certvalidator.ValidationContext`` with the trust roots and either the
  revocation data (``crls=``, ``ocsps=``) or permission to fetch it (``allow_fetching=True``, the CRL
  distribution points and OCSP responders named in the certificates);
* **B-LTA** — and a document timestamp over all of it, which a later run of ``seal_pdf`` or an archive job renews
  before the TSA's certificate expires (a licence is valid longer than the certificates that sign it).

The visible stamp is the seal image (``image_png``, e.g. ``images.round_seal_png``) in ``box`` (PDF points,
origin bottom left) on page ``page``; an optional ``stamp_text`` is written over it with the project's CJK font
through pyHanko's OpenType glyph embedding (its standard fonts cannot draw Chinese). Without an image the
signature is invisible unless ``stamp_text`` is given.

The private key goes through ``KeySigner`` (a pyHanko ``Signer``) and a ``RawSigner`` — one method,
``sign(data, hash_algorithm) -> bytes`` — so that a PKCS#11 key (python-pkcs11, an HSM) can replace the software
key without touching this module: pass a ``RawSigner`` as ``key``.
"""

from __future__ import annotations

import asyncio
import functools
import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Literal, Protocol, runtime_checkable

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.stamp import StaticStampStyle, TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tongban.core.documents import FONT

Level = Literal["B-T", "B-LT", "B-LTA"]
LEVELS: tuple[str, ...] = ("B-T", "B-LT", "B-LTA")
DIGEST = "sha256"
_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


@runtime_checkable
class RawSigner(Protocol):
    """Where the private key lives. ``sign`` returns the raw signature over ``data`` (not a digest) with
    ``hash_algorithm`` ("sha256"…): DER ECDSA-Sig-Value for EC keys, PKCS#1 v1.5 for RSA keys. A PKCS#11
    implementation calls ``key.sign(data, mechanism=Mechanism.ECDSA_SHA256)`` and DER-encodes (r, s)."""

    def sign(self, data: bytes, hash_algorithm: str) -> bytes: ...


class SoftwareKey:
    """A ``RawSigner`` over a ``cryptography`` private key (EC or RSA) held in memory."""

    def __init__(self, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise TypeError(f"unsupported key {type(key).__name__}")
        self.key = key

    def sign(self, data: bytes, hash_algorithm: str) -> bytes:
        algorithm = _HASHES[hash_algorithm]()
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            return self.key.sign(data, ec.ECDSA(algorithm))
        return self.key.sign(data, padding.PKCS1v15(), algorithm)


def _asn1(cert: x509.Certificate | asn1_x509.Certificate) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class KeySigner(Signer):
    """pyHanko's ``Signer`` answered by a ``RawSigner``: the signature mechanism follows the certificate's key
    (ECDSA or RSA PKCS#1 v1.5 with SHA-256), the chain goes into the CMS ``certificates``."""

    def __init__(self, raw: RawSigner, cert: x509.Certificate, chain: Sequence[x509.Certificate] = ()):
        super().__init__(
            signing_cert=_asn1(cert),
            cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in chain]),
            embed_roots=True,
        )
        self.raw = raw

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        return self.raw.sign(data, digest_algorithm)


def _raw_signer(key) -> RawSigner:
    if isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        return SoftwareKey(key)
    if isinstance(key, RawSigner):
        return key
    raise TypeError(f"a private key or a RawSigner expected, not {type(key).__name__}")


@lru_cache(maxsize=16)
def _seal_image(image_png: bytes):
    from PIL import Image

    img = Image.open(io.BytesIO(image_png))
    img.load()
    return img


def stamp_style(image_png: bytes | None, stamp_text: str | None = None, *, font_size: int = 9):
    """The visible stamp: the seal image filling the box (kept in proportion, centred, opaque), with
    ``stamp_text`` (``%(signer)s``, ``%(ts)s`` are pyHanko's fields) over it in the CJK font."""
    background = PdfImage(_seal_image(image_png)) if image_png else None
    background_layout = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MID,
        y_align=layout.AxisAlignment.ALIGN_MID,
        margins=layout.Margins.uniform(0),
        inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
    )
    if not stamp_text:
        return StaticStampStyle(
            background=background, background_layout=background_layout, background_opacity=1.0, border_width=0
        )
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

    return TextStampStyle(
        stamp_text=stamp_text,
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(FONT), font_size=font_size)),
        timestamp_format="%Y-%m-%d %H:%M:%S %Z",
        background=background,
        background_layout=background_layout,
        background_opacity=1.0,
        border_width=0,
    )


def outside_event_loop(fn):
    """pyHanko's synchronous calls run their own event loop (``asyncio.run``), which cannot start in a thread
    that already runs one (Playwright's sync API in the browser tests; any caller inside an event loop): there
    the call runs in a short-lived thread of its own. Only for functions that do not touch the database."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return fn(*args, **kwargs)
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(fn, *args, **kwargs).result()

    return call


@outside_event_loop
def seal_pdf(
    pdf: bytes,
    *,
    key,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    image_png: bytes | None = None,
    page: int = 0,
    box: tuple[float, float, float, float] = (400, 60, 519, 179),
    field_name: str = "Seal",
    reason: str | None = None,
    location: str | None = None,
    timestamper: TimeStamper,
    level: Level = "B-LT",
    validation_context: ValidationContext | None = None,
    stamp_text: str | None = None,
    signer_name: str | None = None,
) -> bytes:
    """``pdf`` with one more signature, as an incremental update (see the module's doc).

    ``key`` is a ``cryptography`` private key or a ``RawSigner``; ``cert`` its certificate, ``chain`` the CA
    certificates up to the root; ``box`` ``(x1, y1, x2, y2)`` in points on page ``page`` (0-based; negative
    counts from the end); ``field_name`` the new signature field's name (unique in the document; an existing
    empty field of that name is filled instead). B-LT and B-LTA need ``validation_context``.

    Raises ``ValueError`` for a level it does not know or B-LT without a validation context, and pyHanko's
    errors (``SigningError``, ``PdfReadError``, ``TimestampRequestError``) when the document cannot be read or
    the timestamp cannot be had."""
    if level not in LEVELS:
        raise ValueError(f"unknown PAdES level {level!r}")
    long_term = level in ("B-LT", "B-LTA")
    if long_term and validation_context is None:
        raise ValueError(f"{level} needs a validation_context (trust roots and revocation data)")
    signer = KeySigner(_raw_signer(key), cert, chain)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        name=signer_name,
        md_algorithm=DIGEST,
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=long_term,
        use_pades_lta=level == "B-LTA",
        validation_context=validation_context if long_term else None,
    )
    visible = image_png is not None or bool(stamp_text)
    existing = {name for name, _value, _ref in fields.enumerate_sig_fields(writer)}
    new_field = None
    if field_name not in existing:
        new_field = fields.SigFieldSpec(
            sig_field_name=field_name, on_page=page, box=tuple(box) if visible else None
        )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=timestamper,
        stamp_style=stamp_style(image_png, stamp_text) if visible else None,
        new_field_spec=new_field,
    )
    out = io.BytesIO()
    pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()
