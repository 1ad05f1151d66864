"""The RFC 3161 time-stamping service: granted answers that pyHanko and OpenSSL accept, the nonce echoed, unique
serials, rejections (never exceptions) for requests it cannot honour, and the HTTP view."""

import asyncio
import hashlib
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from asn1crypto import algos, core, tsp
from cryptography.hazmat.primitives import serialization
from django.test import RequestFactory
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

from tests.seals.pki_testing import as_asn1, make_pki
from tongban.seals.tsa import LocalTimeStamper, TimeStampResp, TsaIdentity, tsa_respond
from tongban.seals.views_tsa import REPLY_TYPE, TimeStampView

POLICY = "1.2.156.9999.1.1"
DATA = "营业执照 91110000MA01ABCDE0".encode()


@pytest.fixture(scope="module")
def pki():
    return make_pki("时间戳测试")


def _request(digest=None, *, alg="sha256", nonce=12345, policy=None, cert_req=True, extensions=None) -> bytes:
    req = {
        "version": "v1",
        "message_imprint": {
            "hash_algorithm": algos.DigestAlgorithm({"algorithm": alg}),
            "hashed_message": digest if digest is not None else hashlib.sha256(DATA).digest(),
        },
        "cert_req": cert_req,
    }
    if nonce is not None:
        req["nonce"] = nonce
    if policy:
        req["req_policy"] = policy
    if extensions:
        req["extensions"] = extensions
    return tsp.TimeStampReq(req).dump()


def _respond(pki, der, **kw):
    return TimeStampResp.load(
        tsa_respond(der, key=pki.tsa_key, cert=pki.tsa, chain=pki.chain, policy_oid=POLICY, **kw)
    )


def test_a_granted_token_carries_the_imprint_the_nonce_and_the_time(pki):
    at = datetime(2026, 12, 7, 8, 0, 0, 250000, tzinfo=UTC)
    resp = _respond(pki, _request(nonce=987654321), clock=lambda: at)
    assert resp["status"]["status"].native == "granted"
    signed = resp["time_stamp_token"]["content"]
    info = signed["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == hashlib.sha256(DATA).digest()
    assert info["nonce"].native == 987654321
    assert info["policy"].native == POLICY
    assert info["gen_time"].native == at
    assert as_asn1(pki.tsa).dump() in {
        c.chosen.dump() for c in signed["certificates"]
    }  # certReq: certificates sent

    # pyHanko validates the token: signature, ESS signing certificate, chain to the root, EKU timeStamping.
    vc = ValidationContext(trust_roots=[as_asn1(pki.root)], crls=pki.asn1_crls(), allow_fetching=False)
    status = asyncio.run(validate_tst_signed_data(signed, vc, lambda _alg: hashlib.sha256(DATA).digest()))
    assert status["intact"] and status["valid"]
    assert status["trust_problem_indic"] is None and status["validation_path"] is not None
    assert status["timestamp"] == at
    # Against another CA's root the same token is not trusted.
    other = ValidationContext(trust_roots=[as_asn1(make_pki("别的CA").root)], allow_fetching=False)
    untrusted = asyncio.run(
        validate_tst_signed_data(signed, other, lambda _alg: hashlib.sha256(DATA).digest())
    )
    assert untrusted["trust_problem_indic"] is not None


def test_openssl_accepts_the_answer(pki, tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    (tmp_path / "data").write_bytes(DATA)
    (tmp_path / "resp.der").write_bytes(
        tsa_respond(_request(), key=pki.tsa_key, cert=pki.tsa, chain=pki.chain, policy_oid=POLICY)
    )
    (tmp_path / "root.pem").write_bytes(pki.root_pem())
    (tmp_path / "chain.pem").write_bytes(pki.issuing.public_bytes(serialization.Encoding.PEM))
    args = [
        "openssl",
        "ts",
        "-verify",
        "-in",
        str(tmp_path / "resp.der"),
        "-CAfile",
        str(tmp_path / "root.pem"),
        "-untrusted",
        str(tmp_path / "chain.pem"),
    ]
    ok = subprocess.run([*args, "-data", str(tmp_path / "data")], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "Verification: OK" in ok.stdout, ok.stdout + ok.stderr
    (tmp_path / "other").write_bytes(DATA + b".")
    bad = subprocess.run(
        [*args, "-data", str(tmp_path / "other")], capture_output=True, text=True, check=False
    )
    assert bad.returncode != 0


def test_serials_are_unique_and_certificates_only_on_request(pki):
    serials = set()
    for _ in range(50):
        resp = _respond(pki, _request())
        serials.add(
            resp["time_stamp_token"]["content"]["encap_content_info"]["content"]
            .parsed["serial_number"]
            .native
        )
    assert len(serials) == 50
    no_certs = _respond(pki, _request(cert_req=False, nonce=None))
    assert no_certs["status"]["status"].native == "granted"
    signed = no_certs["time_stamp_token"]["content"]
    assert not signed["certificates"].native
    assert signed["encap_content_info"]["content"].parsed["nonce"].native is None


@pytest.mark.parametrize(
    ("request_der", "fail"),
    [
        (b"", "bad_data_format"),
        (b"\x30\x03\x02\x01", "bad_data_format"),  # truncated DER
        (b"not a request at all", "bad_data_format"),
        (b"\x30" + b"\x82\x20\x00" + b"\x00" * 0x2000, "bad_request"),  # too large
        (_request(hashlib.md5(DATA).digest(), alg="md5"), "bad_alg"),  # noqa: S324
        (_request(b"\x01" * 20), "bad_data_format"),  # sha256 imprint of 20 bytes
        (_request(policy="1.2.3.4"), "unaccepted_policy"),
        (
            _request(
                extensions=[
                    {"extn_id": "2.5.29.99", "critical": False, "extn_value": core.OctetString(b"x").dump()}
                ]
            ),
            "unaccepted_extensions",
        ),
    ],
)
def test_a_request_it_cannot_honour_is_rejected_not_raised(pki, request_der, fail):
    resp = _respond(pki, request_der)
    assert resp["status"]["status"].native == "rejection"
    assert fail in resp["status"]["fail_info"].native
    assert resp.native.get("time_stamp_token") is None
    # The request that names the TSA's own policy is granted.
    assert _respond(pki, _request(policy=POLICY))["status"]["status"].native == "granted"


def test_local_timestamper_gives_pyhanko_a_token_and_checks_the_nonce(pki):
    stamper = LocalTimeStamper(key=pki.tsa_key, cert=pki.tsa, chain=pki.chain, policy_oid=POLICY)
    digest = hashlib.sha256(DATA).digest()
    token = asyncio.run(stamper.async_timestamp(digest, "sha256"))
    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
    # A TSA with another policy than the one asked for: pyHanko raises on the rejection it gets.
    other = LocalTimeStamper(key=pki.tsa_key, cert=pki.tsa, chain=pki.chain, policy_oid="1.2.3")
    other.request_cms = lambda d, a: (1, tsp.TimeStampReq.load(_request(d, alg=a, nonce=1, policy=POLICY)))
    with pytest.raises(TimestampRequestError):
        asyncio.run(other.async_timestamp(digest, "sha256"))


def test_the_http_view(pki):
    identity = TsaIdentity(pki.tsa_key, pki.tsa, tuple(pki.chain), POLICY)
    view = TimeStampView.as_view(identity=lambda: identity)
    rf = RequestFactory()
    ok = view(rf.post("/tsa", data=_request(), content_type="application/timestamp-query"))
    assert ok.status_code == 200 and ok["Content-Type"] == REPLY_TYPE
    assert tsp.TimeStampResp.load(ok.content)["status"]["status"].native == "granted"
    garbage = view(rf.post("/tsa", data=b"garbage", content_type="application/timestamp-query"))
    assert garbage.status_code == 200
    assert TimeStampResp.load(garbage.content)["status"]["status"].native == "rejection"
    assert view(rf.post("/tsa", data=_request(), content_type="application/json")).status_code == 415
    assert view(rf.get("/tsa")).status_code == 405
