"""The platform's RFC 3161 time-stamping service (时间戳服务, issue 16 §3).

``tsa_respond(request_der, key=, cert=, chain=, policy_oid=)`` answers a DER ``TimeStampReq`` with a DER
``TimeStampResp``: a ``TSTInfo`` (the request's message imprint, the TSA's policy, a unique serial number, the
time, the request's nonce echoed) signed as CMS ``SignedData`` by the TSA's key, with the ESS
``signing-certificate-v2`` attribute (RFC 5816) and, when the request asks for it (``certReq``), the TSA's
certificate and its chain. A request it cannot honour — not DER, an unknown hash algorithm, a digest of the
wrong length, another policy, an extension — is answered with a ``rejection`` status and its failure info,
never an exception. The TSA certificate must carry the critical extended key usage ``timeStamping``.

``LocalTimeStamper`` is a pyHanko ``TimeStamper`` that calls ``tsa_respond`` in-process: the platform seals
its own documents without an HTTP round trip to itself. ``views_tsa.tsa_view`` serves the same answer over
HTTP (``POST`` ``application/timestamp-query``) to anyone else.

An external TSA instead of the platform's own: pass pyHanko's ``HTTPTimeStamper`` to ``seal_pdf``::

    from pyhanko.sign.timestamps import HTTPTimeStamper
    timestamper = HTTPTimeStamper("https://tsa.example.cn/tsa", timeout=10)
    # with credentials: HTTPTimeStamper(url, auth=("user", "secret")) or headers={...}

and put the external TSA's root in the verifiers' trust roots (``verify_pdf(trust_roots=...)``).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.timestamps.api import TimeStamper

# Hash algorithms accepted in a request's message imprint, with their digest lengths.
DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64, "sha3_256": 32, "sha3_384": 48, "sha3_512": 64}
SIGNING_DIGEST = "sha256"  # the digest of the TSA's own signature
MAX_REQUEST_BYTES = 4096  # a TimeStampReq is a few hundred bytes

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _asn1_cert(cert: x509.Certificate | asn1_x509.Certificate) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class TimeStampResp(core.Sequence):
    """RFC 3161's TimeStampResp, its token OPTIONAL (asn1crypto's makes it mandatory: a rejection carries none)."""

    _fields = [("status", tsp.PKIStatusInfo), ("time_stamp_token", cms.ContentInfo, {"optional": True})]


def _rejection(fail: str, text: str) -> bytes:
    status = tsp.PKIStatusInfo(
        {
            "status": tsp.PKIStatus("rejection"),
            "status_string": tsp.PKIFreeText([text]),
            "fail_info": tsp.PKIFailureInfo({fail}),
        }
    )
    return TimeStampResp({"status": status}).dump()


def _serial() -> int:
    """Unique per answer: the time in nanoseconds, then 64 random bits (no two answers share one)."""
    return (time.time_ns() << 64) | secrets.randbits(64)


def _sign(key: PrivateKey, data: bytes) -> tuple[bytes, str]:
    """The signature over ``data`` and its CMS signature algorithm name."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256())), "sha256_ecdsa"
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256()), "sha256_rsa"
    raise TypeError(f"unsupported TSA key {type(key).__name__}")


def _check(request_der: bytes, policy_oid: str) -> tuple[tsp.TimeStampReq | None, bytes | None]:
    """The parsed request, or the rejection to send instead."""
    if len(request_der) > MAX_REQUEST_BYTES:
        return None, _rejection("bad_request", "request too large")
    try:
        req = tsp.TimeStampReq.load(request_der, strict=True)
        version = req["version"].native
        imprint = req["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        digest = imprint["hashed_message"].native
        nonce = req["nonce"].native
        req_policy = req["req_policy"].native
        has_extensions = req["extensions"].native is not None
        req["cert_req"].native  # noqa: B018 — parse it now, not while answering
    except (ValueError, TypeError, KeyError) as exc:
        return None, _rejection("bad_data_format", f"not a TimeStampReq: {exc}"[:200])
    if version != "v1":
        return None, _rejection("bad_request", "unsupported version")
    if algorithm not in DIGEST_SIZES:
        return None, _rejection("bad_alg", f"unsupported hash algorithm {algorithm}")
    if not isinstance(digest, bytes) or len(digest) != DIGEST_SIZES[algorithm]:
        return None, _rejection(
            "bad_data_format", "the message imprint's length does not match its algorithm"
        )
    if req_policy is not None and req_policy != policy_oid:
        return None, _rejection("unaccepted_policy", f"policy {req_policy} not accepted")
    if has_extensions:
        return None, _rejection("unaccepted_extensions", "extensions are not supported")
    if nonce is not None and nonce < 0:
        return None, _rejection("bad_request", "negative nonce")
    return req, None


def tsa_respond(
    request_der: bytes,
    *,
    key: PrivateKey,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    policy_oid: str,
    clock: Callable[[], datetime] | None = None,
) -> bytes:
    """Answer an RFC 3161 ``TimeStampReq`` (DER) with a ``TimeStampResp`` (DER), granted or rejected.

    ``key`` signs (EC or RSA, a ``cryptography`` key); ``cert`` is its certificate (EKU timeStamping),
    ``chain`` the CA certificates sent along when the request sets ``certReq``; ``policy_oid`` the TSA's
    policy; ``clock`` returns the time to stamp (aware; default: now, UTC)."""
    req, rejection = _check(request_der, policy_oid)
    if rejection is not None:
        return rejection
    assert req is not None
    tsa_cert = _asn1_cert(cert)
    gen_time = (clock or (lambda: datetime.now(UTC)))().astimezone(UTC)
    tst = {
        "version": "v1",
        "policy": policy_oid,
        "message_imprint": req["message_imprint"],
        "serial_number": _serial(),
        "gen_time": gen_time.replace(microsecond=gen_time.microsecond // 1000 * 1000),
        "accuracy": {"seconds": 1},
        "tsa": asn1_x509.GeneralName(name="directory_name", value=tsa_cert.subject),
    }
    if req["nonce"].native is not None:
        tst["nonce"] = req["nonce"]
    tst_der = tsp.TSTInfo(tst).dump()

    digest = hashes.Hash(hashes.SHA256())
    digest.update(tst_der)
    signed_attrs = cms.CMSAttributes(
        [
            simple_cms_attribute("content_type", "tst_info"),
            simple_cms_attribute(
                "signing_time", cms.Time({"utc_time": core.UTCTime(gen_time.replace(microsecond=0))})
            ),
            simple_cms_attribute(
                "signing_certificate_v2", as_signing_certificate_v2(tsa_cert, SIGNING_DIGEST)
            ),
            simple_cms_attribute("message_digest", digest.finalize()),
        ]
    )
    signature, signature_algorithm = _sign(key, signed_attrs.dump())
    digest_algorithm = algos.DigestAlgorithm({"algorithm": SIGNING_DIGEST})
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": tsa_cert.issuer, "serial_number": tsa_cert.serial_number}
                    )
                }
            ),
            "digest_algorithm": digest_algorithm,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": signature_algorithm}),
            "signed_attrs": signed_attrs,
            "signature": signature,
        }
    )
    signed_data = {
        "version": "v3",
        "digest_algorithms": cms.DigestAlgorithms([digest_algorithm]),
        "encap_content_info": cms.EncapsulatedContentInfo(
            {"content_type": "tst_info", "content": cms.ParsableOctetString(tst_der)}
        ),
        "signer_infos": [signer_info],
    }
    if req["cert_req"].native:
        signed_data["certificates"] = [tsa_cert, *(_asn1_cert(c) for c in chain)]
    token = cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)})
    return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()


@dataclass(frozen=True)
class TsaIdentity:
    """What the TSA signs with: its key, certificate (EKU timeStamping), chain and policy."""

    key: PrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    policy_oid: str

    def respond(self, request_der: bytes, *, clock: Callable[[], datetime] | None = None) -> bytes:
        return tsa_respond(
            request_der,
            key=self.key,
            cert=self.cert,
            chain=self.chain,
            policy_oid=self.policy_oid,
            clock=clock,
        )


class LocalTimeStamper(TimeStamper):
    """pyHanko's ``TimeStamper`` answered by ``tsa_respond`` in this process (no HTTP)."""

    def __init__(
        self,
        *,
        key: PrivateKey,
        cert: x509.Certificate,
        chain: Sequence[x509.Certificate] = (),
        policy_oid: str,
        clock: Callable[[], datetime] | None = None,
        include_nonce: bool = True,
    ):
        super().__init__(include_nonce=include_nonce)
        self.key, self.cert, self.chain = key, cert, tuple(chain)
        self.policy_oid, self.clock = policy_oid, clock

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        answer = tsa_respond(
            req.dump(),
            key=self.key,
            cert=self.cert,
            chain=self.chain,
            policy_oid=self.policy_oid,
            clock=self.clock,
        )
        return TimeStampResp.load(answer)  # type: ignore[return-value]  # the same fields, its token optional
