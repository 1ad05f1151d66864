"""Verifying the signatures of a PDF (issue 16 §3 verification, §6 bad input): pyHanko's validator, read into
one ``SignatureReport`` per signature.

``verify_pdf(pdf, trust_roots=[root certificates])`` never raises for what is in the document: a file that is
not a PDF, is truncated or too large, a forged signature, a certificate from another CA, a change after
signing — each becomes a report with ``ok = False`` and its reasons (``REASONS``: codes, each with its Chinese
message). Per signature it answers:

* ``intact`` — the signed bytes hash to the digest in the signature; ``valid`` — the signature over it verifies;
* ``trusted`` — the signer's certificate chains to one of ``trust_roots`` and is fit to sign (key usage);
* ``revocation`` — ``good`` / ``revoked`` / ``unknown`` at the signing time, from the revocation data in the
  document's security store (DSS) plus ``crls``/``ocsps`` given, fetched online only with ``allow_fetching``;
* ``signing_time`` — from the signature timestamp (``timestamp_trusted``: its TSA chains to a trust root),
  else ``None`` (the signer's own claimed time is ``claimed_time``, not evidence);
* ``level`` — the PAdES baseline level the signature reaches: ``B-B`` (a CAdES-detached signature), ``B-T``
  (and a trusted signature timestamp), ``B-LT`` (and the validation data in the DSS, enough to decide its
  revocation without going online), ``B-LTA`` (and a trusted document timestamp after it);
* ``coverage`` — ``entire_file`` (the signature covers the whole file) or ``entire_revision`` (later
  incremental updates follow); ``modified_after`` — ``none``, ``allowed`` (only more signatures, form filling,
  the DSS and document timestamps) or ``disallowed`` (anything else: the signed content was changed).

Document timestamps (B-LTA) are not reported as signatures of their own; they raise the level of the
signatures before them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from asn1crypto import cms, tsp
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from tongban.seals.pades import outside_event_loop

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
PADES_SUBFILTER = "/ETSI.CAdES.detached"

REVOCATION_UNKNOWN = {
    "CERTIFICATE_CHAIN_GENERAL_FAILURE",
    "TRY_LATER",
    "REVOKED_NO_POE",
    "REVOCATION_OUT_OF_BOUNDS_NO_POE",
}
Revocation = Literal["good", "revoked", "unknown"]

REASONS = {
    "too_large": _("文件超过大小限制"),
    "not_a_pdf": _("不是有效的PDF文件，或文件已损坏、被截断"),
    "unreadable_signature": _("签名无法读取"),
    "digest_mismatch": _("签名后文档内容被篡改（摘要不符）"),
    "signature_invalid": _("签名值验证失败"),
    "untrusted": _("签名证书不能链接到受信任的根证书"),
    "revoked": _("签名证书在签署时已被吊销"),
    "revocation_unknown": _("无法确定签名证书在签署时的吊销状态"),
    "no_timestamp": _("签名没有时间戳"),
    "timestamp_invalid": _("签名时间戳无效或不受信任"),
    "modified_after_signing": _("签署后文档被修改（不允许的增量更新）"),
    "not_pades": _("不是PAdES签名"),
}


@dataclass
class SignatureReport:
    field_name: str | None
    signer: str | None = None  # the certificate's common name
    signer_subject: str | None = None
    serial_number: str | None = None  # the signer certificate's, hex
    issuer: str | None = None
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    revocation: Revocation = "unknown"
    revocation_date: datetime | None = None
    signing_time: datetime | None = None  # from the signature timestamp
    timestamp_trusted: bool = False
    claimed_time: datetime | None = None  # the signer's own /M or signing-time attribute
    level: str | None = None  # B-B, B-T, B-LT, B-LTA
    coverage: str | None = None  # entire_file, entire_revision, partial
    modified_after: str | None = None  # none, allowed, disallowed
    reasons: list[str] = field(default_factory=list)
    detail: str | None = None  # the validator's own words when it failed

    @property
    def ok(self) -> bool:
        """Intact, valid, trusted, not revoked, timestamped, not changed after signing."""
        return not self.reasons

    @property
    def messages(self) -> list[str]:
        return [str(REASONS[r]) for r in self.reasons]

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items()}
        for key in ("revocation_date", "signing_time", "claimed_time"):
            out[key] = out[key].isoformat() if out[key] else None
        out["ok"] = self.ok
        out["messages"] = self.messages
        return out


def _asn1_cert(cert) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_crl(c) -> asn1_crl.CertificateList:
    if isinstance(c, asn1_crl.CertificateList):
        return c
    return asn1_crl.CertificateList.load(c.public_bytes(serialization.Encoding.DER))


def _asn1_ocsp(o) -> asn1_ocsp.OCSPResponse:
    if isinstance(o, asn1_ocsp.OCSPResponse):
        return o
    return asn1_ocsp.OCSPResponse.load(o.public_bytes(serialization.Encoding.DER))


def _document_failure(reason: str, detail: str | None = None) -> list[SignatureReport]:
    return [SignatureReport(field_name=None, reasons=[reason], detail=detail)]


def _timestamp_time(emb) -> datetime | None:
    """The signature timestamp's time, read from the token without validating it (the validation moment)."""
    try:
        attrs = emb.signer_info["unsigned_attrs"]
        if not attrs:
            return None
        for attr in attrs:
            if attr["type"].native == "signature_time_stamp_token":
                token: cms.ContentInfo = attr["values"][0]
                info: tsp.TSTInfo = token["content"]["encap_content_info"]["content"].parsed
                return info["gen_time"].native
    except (KeyError, ValueError, TypeError, IndexError):
        return None
    return None


def _coverage(level: SignatureCoverageLevel | None) -> str | None:
    if level is None:
        return None
    return {
        SignatureCoverageLevel.ENTIRE_FILE: "entire_file",
        SignatureCoverageLevel.ENTIRE_REVISION: "entire_revision",
    }.get(level, "partial")


def _modified(status) -> str | None:
    level = status.modification_level
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return "none"
    if level is None:
        return None
    if level == ModificationLevel.NONE:
        return "none"
    if level in (ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING) and status.docmdp_ok:
        return "allowed"
    return "disallowed"


def _common_name(cert: asn1_x509.Certificate) -> str | None:
    try:
        return cert.subject.native.get("common_name")
    except (ValueError, AttributeError):
        return None


@outside_event_loop
def verify_pdf(
    pdf: bytes,
    *,
    trust_roots: list[x509.Certificate],
    max_bytes: int = DEFAULT_MAX_BYTES,
    crls: Sequence = (),
    ocsps: Sequence = (),
    allow_fetching: bool = False,
) -> list[SignatureReport]:
    """One report per signature of ``pdf`` (not the document timestamps), in signing order; an empty list for
    a PDF without signatures; one report with ``field_name=None`` when the file itself cannot be read or is
    larger than ``max_bytes``. ``crls``/``ocsps`` (``cryptography`` or asn1crypto objects) add revocation data
    to what the document carries."""
    if len(pdf) > max_bytes:
        return _document_failure("too_large", f"{len(pdf)} > {max_bytes} bytes")
    if not pdf.lstrip(b"\x00\t\n\f\r ").startswith(b"%PDF-"):
        return _document_failure("not_a_pdf", "no %PDF- header")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as exc:
        return _document_failure("not_a_pdf", repr(exc)[:300])

    roots = [_asn1_cert(c) for c in trust_roots]
    extra_crls = [_asn1_crl(c) for c in crls]
    extra_ocsps = [_asn1_ocsp(o) for o in ocsps]
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:
        dss = None

    def context(moment: datetime | None, *, dss_only: bool = False) -> ValidationContext:
        kwargs = {
            "trust_roots": roots,
            "crls": [] if dss_only else extra_crls,
            "ocsps": [] if dss_only else extra_ocsps,
            "allow_fetching": allow_fetching and not dss_only,
            "revocation_mode": "hard-fail",
            "retroactive_revinfo": True,  # revocation data issued after the signing time still speaks of it
            "moment": moment,
        }
        return dss.as_validation_context(kwargs) if dss is not None else ValidationContext(**kwargs)

    # Whether the main validation used the DSS only (then it decides B-LT by itself).
    dss_only_context = None
    if extra_crls or extra_ocsps or allow_fetching:
        dss_only_context = lambda moment: context(moment, dss_only=True)  # noqa: E731

    # Document timestamps: (revision, trusted)
    doc_timestamps: list[tuple[int, bool]] = []
    for emb in signatures:
        if emb.sig_object_type != "/DocTimeStamp":
            continue
        try:
            ts_status = validate_pdf_timestamp(emb, validation_context=context(None))
            doc_timestamps.append(
                (emb.signed_revision, bool(ts_status.intact and ts_status.valid and ts_status.trusted))
            )
        except Exception:
            doc_timestamps.append((emb.signed_revision, False))

    reports = []
    for emb in signatures:
        if emb.sig_object_type == "/DocTimeStamp":
            continue
        reports.append(_report(emb, context, dss, doc_timestamps, dss_only_context))
    return reports


def _report(emb, context, dss, doc_timestamps, dss_only_context) -> SignatureReport:
    try:
        report = SignatureReport(field_name=emb.field_name)
    except Exception:
        report = SignatureReport(field_name=None)
    try:
        cert = emb.signer_cert
        report.signer = _common_name(cert)
        report.signer_subject = cert.subject.human_friendly
        report.issuer = cert.issuer.human_friendly
        report.serial_number = format(cert.serial_number, "x")
        subfilter = emb.sig_object.get("/SubFilter")
    except Exception as exc:
        report.reasons.append("unreadable_signature")
        report.detail = repr(exc)[:300]
        return report

    ts_time = _timestamp_time(emb)
    try:
        status = validate_pdf_signature(emb, signer_validation_context=context(ts_time))
    except Exception as exc:
        report.reasons.append("unreadable_signature")
        report.detail = repr(exc)[:300]
        return report

    report.intact = bool(status.intact)
    report.valid = bool(status.valid)
    report.trusted = bool(status.trusted)
    report.claimed_time = status.signer_reported_dt
    report.coverage = _coverage(status.coverage)
    report.modified_after = _modified(status)
    if status.revocation_details is not None:
        report.revocation = "revoked"
        report.revocation_date = status.revocation_details.revocation_date
    elif status.trusted:
        report.revocation = "good"  # hard-fail: trusted means its revocation was checked and found good
    ts = status.timestamp_validity
    if ts is not None:
        report.timestamp_trusted = bool(ts.intact and ts.valid and ts.trusted)
        report.signing_time = ts.timestamp if report.timestamp_trusted else None

    # The PAdES level reached.
    if subfilter == PADES_SUBFILTER and report.intact and report.valid:
        report.level = "B-B"
        if report.timestamp_trusted:
            report.level = "B-T"
            long_term = dss is not None and report.trusted and report.revocation == "good"
            if long_term and dss_only_context is not None:
                long_term = _lt_from_dss(emb, dss, dss_only_context)
            if long_term:
                report.level = "B-LT"
                if any(rev > emb.signed_revision and ok for rev, ok in doc_timestamps):
                    report.level = "B-LTA"

    if not report.intact:
        report.reasons.append("digest_mismatch")
    elif not report.valid:
        report.reasons.append("signature_invalid")
    else:
        if report.revocation == "revoked":
            report.reasons.append("revoked")
        elif not report.trusted:
            indic = status.trust_problem_indic
            # A chain that was built but could not be checked for revocation (no CRL/OCSP answer to hand).
            if status.validation_path is not None and getattr(indic, "name", "") in REVOCATION_UNKNOWN:
                report.reasons.append("revocation_unknown")
            else:
                report.reasons.append("untrusted")
        if ts is None:
            report.reasons.append("no_timestamp")
        elif not report.timestamp_trusted:
            report.reasons.append("timestamp_invalid")
        if subfilter != PADES_SUBFILTER:
            report.reasons.append("not_pades")
    if report.modified_after == "disallowed" or (report.intact and report.coverage == "partial"):
        report.reasons.append("modified_after_signing")
    if report.reasons and not status.bottom_line:
        report.detail = status.summary()
    return report


def _lt_from_dss(emb, dss: DocumentSecurityStore, dss_only_context) -> bool:
    """B-LT: the DSS alone (no data given by the caller, no fetching) decides the signer's revocation. Called
    only when the main validation had more than the DSS."""
    if not (dss.crls or dss.ocsps):
        return False
    try:
        status = validate_pdf_signature(
            emb, signer_validation_context=dss_only_context(_timestamp_time(emb)), skip_diff=True
        )
    except Exception:
        return False
    return bool(status.trusted)
