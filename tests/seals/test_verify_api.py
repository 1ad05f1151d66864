"""验章 for anyone: `POST /api/seals/verify-pdf` and the page `/seals/verify/` report each signature of an
uploaded PDF (a sealed one valid, a changed one invalid with its reason, a file that is no PDF a report, not
an error); an empty or too large file is refused with its code; the address is throttled. The platform's
time-stamping service answers RFC 3161 queries over HTTP."""

from __future__ import annotations

import base64
import hashlib

import pytest
from asn1crypto import algos, tsp
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.seals.pki_testing import licence_pdf
from tongban.accounts.facade import actor_for
from tongban.seals import access, verify_views
from tongban.seals.sealing import TSA_POLICY_OID, document_seal


@pytest.fixture
def sealed(seal_world, active_seal):
    return document_seal(
        actor_for(seal_world["rep"].user),
        str(active_seal.uuid),
        licence_pdf("营业执照"),
        purpose="营业执照",
        field_name="企业公章",
    )


def _forged(pdf: bytes) -> bytes:
    at = pdf.index(b"stream", 1000) + 20  # inside the first content stream, signed
    return pdf[:at] + bytes([pdf[at] ^ 1]) + pdf[at + 1 :]


def _post(client, content: bytes, name="doc.pdf", url="/api/seals/verify-pdf"):
    if url.startswith("/api/"):
        return client.post(
            url, {"content_base64": base64.b64encode(content).decode()}, content_type="application/json"
        )
    return client.post(url, {"file": SimpleUploadedFile(name, content, content_type="application/pdf")})


def test_the_api_reports_a_sealed_pdf_valid_and_a_changed_one_invalid(client, sealed, seal_world):
    answer = _post(client, sealed)
    assert answer.status_code == 200
    [report] = answer.json()
    assert report["ok"] and report["intact"] and report["trusted"] and report["level"] == "B-LT"
    assert report["revocation"] == "good" and report["signing_time"]
    assert seal_world["company"].name in report["signer"]

    [bad] = _post(client, _forged(sealed)).json()
    assert not bad["ok"] and not bad["intact"] and "digest_mismatch" in bad["reasons"]
    assert bad["messages"] and all("\u4e00" <= m[0] <= "\u9fff" for m in bad["messages"])  # in Chinese

    [junk] = _post(client, b"%PDF-1.7\n" + b"\x00" * 100).json()
    assert not junk["ok"] and junk["reasons"] == ["not_a_pdf"]
    assert _post(client, licence_pdf()).json() == []  # no signature at all


def test_an_empty_or_too_large_file_is_refused_and_the_address_is_throttled(client, monkeypatch, sealed):
    empty = _post(client, b"")
    assert empty.status_code == 422 and empty.json()["code"] == "document_required"
    garbled = client.post(
        "/api/seals/verify-pdf", {"content_base64": "不是base64"}, content_type="application/json"
    )
    assert garbled.status_code == 422 and garbled.json()["code"] == "invalid_base64"
    monkeypatch.setattr(verify_views, "VERIFY_MAX_BYTES", len(sealed) - 1)
    large = _post(client, sealed)
    assert large.status_code == 413 and large.json()["code"] == "document_too_large"
    monkeypatch.setattr(verify_views, "VERIFY_MAX_BYTES", 20 * 1024 * 1024)
    monkeypatch.setattr(access, "VERIFY_LIMIT", 1)
    assert _post(client, sealed).status_code == 429  # the three before count too
    page = _post(client, sealed, url="/seals/verify/")
    assert page.status_code == 429 and "操作过于频繁" in page.content.decode()


def test_the_page_says_in_words_which_seal_holds_and_which_does_not(client, sealed):
    blank = client.get("/seals/verify/")
    assert blank.status_code == 200 and 'type="file"' in blank.content.decode()
    good = _post(client, sealed, name="执照.pdf", url="/seals/verify/").content.decode()
    assert "印章有效" in good and "执照.pdf" in good and "B-LT" in good and "由本平台根证书签发" in good
    bad = _post(client, _forged(sealed), url="/seals/verify/").content.decode()
    assert "印章无效" in bad and "签名后文档内容被篡改" in bad
    nothing = client.post("/seals/verify/", {}).content.decode()
    assert "请选择要验证的 PDF 文件" in nothing


def test_the_time_stamping_service_answers_over_http(client, db):
    digest = hashlib.sha256(b"a document").digest()
    query = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "hashed_message": digest,
            },
            "nonce": 12345,
            "cert_req": True,
        }
    ).dump()
    answer = client.post("/seals/tsa", data=query, content_type="application/timestamp-query")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/timestamp-reply"
    response = tsp.TimeStampResp.load(answer.content)
    assert response["status"]["status"].native == "granted"
    info = response["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    assert info["nonce"].native == 12345 and info["policy"].dotted == TSA_POLICY_OID
    assert info["message_imprint"]["hashed_message"].native == digest
    wrong = client.post("/seals/tsa", data=query, content_type="application/octet-stream")
    assert wrong.status_code == 415
