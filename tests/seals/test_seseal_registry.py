"""Every seal of the registry is also a GB/T 38540 ``SESeal`` signed by the platform's SM2 seal maker: made
with the seal (its holder's SM2 key and certificate listed), made again with a new picture, made on first
need for a seal made before; downloaded by whoever sees the seal. ``ses-sign`` makes a ``SES_Signature`` of a
document's hash for whoever may use the seal now (recorded as a use), and ``ses-verify`` (public) checks
one: valid, or the reason it is not — never a 5xx."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import shutil
import subprocess

import pytest
from django.utils import timezone

from tests.conftest import csrf_headers, login_client
from tongban.accounts.facade import actor_for
from tongban.core.actors import SYSTEM
from tongban.core.models import AuditEvent
from tongban.seals import access, facade, pki, services, seseal
from tongban.seals.constants import KeyRole, SealKind, SealStatus
from tongban.seals.gm.certificates import (
    certificate_public_key,
    certificate_verify,
    maker_certificate_make,
    maker_root_make,
)
from tongban.seals.gm.ses import seal_structure_make, seal_structure_verify, ses_signature_make
from tongban.seals.gm.sm2 import SM2PrivateKey
from tongban.seals.images import seal_image_for
from tongban.seals.models import PkiKey, Seal, SealUse

pytestmark = pytest.mark.django_db
DOC = hashlib.sha256(b"a contract").hexdigest()


def _post(client, url, body):
    headers = csrf_headers(client) if "csrftoken" in client.cookies else {}
    return client.post(url, body, content_type="application/json", **headers)


def _sign(client, seal, digest=DOC, purpose="签订合同"):
    return _post(client, f"/api/seals/{seal.uuid}/ses-sign", {"document_sha256": digest, "purpose": purpose})


def _verify(client, signature_base64, digest=DOC):
    return _post(
        client, "/api/seals/ses-verify", {"signature_base64": signature_base64, "document_sha256": digest}
    )


def _maker_der() -> bytes:
    return bytes(PkiKey.objects.get(role=KeyRole.SM2_MAKER, active=True).certificate_der)


# --- the SESeal of a seal ----------------------------------------------------------------------------------------
def test_a_seal_made_by_the_registry_holds_its_seseal(active_seal):
    seal = Seal.objects.get(pk=active_seal.pk)
    maker = _maker_der()
    parsed = seal_structure_verify(bytes(seal.seseal_der), trusted_maker_certs=[maker])
    assert parsed.maker_trusted and parsed.es_id == str(seal.uuid) and parsed.seal_type == 1
    assert parsed.name == f"{seal.owner_name} 法定名称章" and parsed.vendor_id == "TONGBAN"
    assert parsed.picture == bytes(seal.image_png) and parsed.picture_type == "PNG"
    assert (parsed.width_mm, parsed.height_mm) == (round(seal.width_mm), round(seal.height_mm))
    assert parsed.valid_start == seal.valid_from.replace(microsecond=0)
    assert parsed.valid_end == seal.valid_until.replace(microsecond=0)
    assert parsed.cert_list == (bytes(seal.sm2_certificate_der),)
    # The holder's SM2 certificate comes from the maker root and holds the seal's key, kept encrypted.
    root = bytes(PkiKey.objects.get(role=KeyRole.SM2_ROOT, active=True).certificate_der)
    holder = certificate_verify(bytes(seal.sm2_certificate_der), root)
    assert seal.owner_code in holder.subject.human_friendly
    key = pki.decrypt_sm2_private_key(bytes(seal.sm2_private_key_encrypted))
    assert key.public_key == certificate_public_key(bytes(seal.sm2_certificate_der))
    assert key.to_bytes() not in bytes(seal.sm2_private_key_encrypted)
    certificate_verify(maker, root)
    # The root is a trust anchor as well; another maker's root is not.
    assert seal_structure_verify(bytes(seal.seseal_der), trusted_maker_certs=pki.sm2_trusted_makers())
    other = SM2PrivateKey.generate()
    now = timezone.now()
    foreign = maker_root_make(name="别处", key=other, not_before=now, not_after=now + dt.timedelta(days=9))
    with pytest.raises(Exception, match="trusted seal maker"):
        seal_structure_verify(bytes(seal.seseal_der), trusted_maker_certs=[foreign])


def test_a_new_picture_makes_a_new_seseal_with_the_same_key(active_seal, seal_world):
    before = Seal.objects.get(pk=active_seal.pk)
    png, _w, _h = seal_image_for(Seal.objects.get(owner_code=before.owner_code, kind=SealKind.CONTRACT))
    facade.seal_image_set(actor_for(seal_world["authority"]), str(before.uuid), png, 38.4, 40)
    after = Seal.objects.get(pk=before.pk)
    parsed = seal_structure_verify(bytes(after.seseal_der), trusted_maker_certs=[_maker_der()])
    assert parsed.picture == png == bytes(after.image_png) and (parsed.width_mm, parsed.height_mm) == (38, 40)
    assert bytes(after.seseal_der) != bytes(before.seseal_der)
    assert bytes(after.sm2_certificate_der) == bytes(before.sm2_certificate_der)
    assert bytes(after.sm2_private_key_encrypted) == bytes(before.sm2_private_key_encrypted)
    assert AuditEvent.objects.filter(action="seal.seseal_make", object_id=str(before.uuid)).count() == 1


def test_a_department_seal_has_one_too_and_the_maker_is_made_once(db):
    made = facade.department_seal(SYSTEM, "00000000-0000-0000-0000-000000000042", "示范局")
    seal = Seal.objects.get(uuid=made.uuid)
    assert seal_structure_verify(bytes(seal.seseal_der), trusted_maker_certs=pki.sm2_trusted_makers())
    first, second = pki.sm2_maker(), pki.sm2_maker()
    assert first.pk == second.pk and first.issuer_id == pki.sm2_root().pk
    assert PkiKey.objects.filter(role=KeyRole.SM2_MAKER).count() == 1
    assert PkiKey.objects.filter(role=KeyRole.SM2_ROOT).count() == 1
    assert pki.sm2_key_private(first).public_key == certificate_public_key(bytes(first.certificate_der))


def test_a_maker_near_its_end_is_replaced_and_old_seals_still_verify(active_seal, monkeypatch):
    old = pki.sm2_maker()
    monkeypatch.setattr(pki, "SEAL_DAYS", 20 * 365)  # no maker certificate is fresh enough now
    new = pki.sm2_maker()
    old.refresh_from_db()
    assert new.pk != old.pk and not old.active and old.retired_at is not None and new.active
    assert PkiKey.objects.filter(role=KeyRole.SM2_MAKER, active=True).count() == 1
    seal = Seal.objects.get(pk=active_seal.pk)
    assert seal_structure_verify(bytes(seal.seseal_der), trusted_maker_certs=pki.sm2_trusted_makers())


def test_a_seal_made_before_gets_its_seseal_on_first_need(active_seal, seal_world, client):
    Seal.objects.filter(pk=active_seal.pk).update(
        seseal_der=None, sm2_certificate_der=None, sm2_private_key_encrypted=None
    )
    rep_client = login_client(seal_world["rep"].user)
    answer = rep_client.get(f"/api/seals/{active_seal.uuid}/seseal")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/octet-stream"
    assert answer["Content-Disposition"] == f'attachment; filename="seal-{active_seal.uuid}.esl"'
    seal = Seal.objects.get(pk=active_seal.pk)
    assert answer.content == bytes(seal.seseal_der)
    assert seal_structure_verify(answer.content, trusted_maker_certs=[_maker_der()]).picture == bytes(
        seal.image_png
    )
    assert AuditEvent.objects.filter(action="seal.seseal_make", object_id=str(seal.uuid)).exists()
    # Asked again: the same bytes (made once). The page's link gives them too; a stranger gets 404.
    assert rep_client.get(f"/api/seals/{seal.uuid}/seseal").content == answer.content
    assert rep_client.get(f"/seals/{seal.uuid}/seseal.esl").content == answer.content
    stranger = login_client(seal_world["stranger"].user)
    missing = stranger.get(f"/api/seals/{seal.uuid}/seseal")
    assert missing.status_code == 404 and missing.json()["code"] == "seal_not_found"
    assert stranger.get(f"/seals/{seal.uuid}/seseal.esl").status_code == 404
    assert client.get(f"/api/seals/{seal.uuid}/seseal").status_code == 401
    # A revoked seal without one gets none.
    services.seal_revoke(actor=actor_for(seal_world["authority"]), seal_uuid=seal.uuid, reason="注销")
    Seal.objects.filter(pk=seal.pk).update(seseal_der=None)
    gone = rep_client.get(f"/api/seals/{seal.uuid}/seseal")
    assert gone.status_code == 409 and gone.json()["code"] == "seal_not_active"


def test_the_seal_page_links_the_seseal_and_the_maker_certificate(active_seal, seal_world, client):
    page = login_client(seal_world["rep"].user).get(f"/seals/{active_seal.uuid}/").content.decode()
    assert "下载 GB/T 38540 印章数据 (SESeal)" in page and f"/seals/{active_seal.uuid}/seseal.esl" in page
    assert "/seals/pki/sm2-maker.crt" in page
    maker = client.get("/seals/pki/sm2-maker.crt")
    assert maker.status_code == 200 and maker["Content-Type"] == "application/pkix-cert"
    assert maker.content == _maker_der()
    root = client.get("/seals/pki/sm2-root.crt").content
    certificate_verify(maker.content, root)


# --- SES_Signature: signing and verifying ------------------------------------------------------------------------
def test_sign_then_verify_and_a_changed_document_is_invalid(active_seal, seal_world, client):
    rep_client = login_client(seal_world["rep"].user)
    signed = _sign(rep_client, active_seal)
    assert signed.status_code == 201, signed.content
    body = signed.json()
    assert body["seal_uuid"] == str(active_seal.uuid) and body["document_sha256"] == DOC
    use = SealUse.objects.get(seal=active_seal)
    assert use.purpose == "签订合同" and use.document_sha256 == DOC
    assert AuditEvent.objects.filter(action="seal.ses_sign", object_id=str(active_seal.uuid)).count() == 1
    report = _verify(client, body["signature_base64"])
    assert report.status_code == 200
    answer = report.json()
    assert answer["valid"] is True and answer["reason"] is None and answer["maker_trusted"] is True
    assert answer["recorded"] is True
    assert answer["seal_uuid"] == str(active_seal.uuid) and answer["seal_status"] == "active"
    assert answer["seal_type"] == 1 and active_seal.owner_name in answer["seal_name"]
    assert active_seal.owner_name in answer["signer"] and answer["property_info"] == f"tongban:sha256={DOC}"
    assert dt.datetime.fromisoformat(answer["signed_at"]) == use.at.replace(microsecond=0)
    # One flipped bit in the document's hash: invalid, with the reason.
    flipped = f"{int(DOC[0], 16) ^ 1:x}" + DOC[1:]
    changed = _verify(client, body["signature_base64"], flipped).json()
    assert changed["valid"] is False and changed["reason"] == "data_hash" and "修改" in changed["message"]
    # Revoked afterwards: a signature made while it was in use stays valid; the report says it is revoked.
    services.seal_revoke(actor=actor_for(seal_world["rep"].user), seal_uuid=active_seal.uuid, reason="注销")
    later = _verify(client, body["signature_base64"]).json()
    assert later["valid"] is True and later["seal_status"] == "revoked" and later["recorded"] is True


def test_who_may_sign_and_with_what(active_seal, seal_world):
    rep, authority = seal_world["rep"], seal_world["authority"]
    stranger = _sign(login_client(seal_world["stranger"].user), active_seal)
    assert stranger.status_code == 404 and stranger.json()["code"] == "seal_not_found"
    denied = _sign(login_client(authority), active_seal)
    assert denied.status_code == 403 and denied.json()["code"] == "seal_use_denied"
    rep_client = login_client(rep.user)
    bad = _sign(rep_client, active_seal, digest="xyz")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_document_hash"
    assert _sign(rep_client, active_seal, purpose=" ").json()["code"] == "purpose_required"
    services.seal_suspend(actor=actor_for(rep.user), seal_uuid=active_seal.uuid, reason="核查")
    suspended = _sign(rep_client, active_seal)
    assert suspended.status_code == 409 and suspended.json()["code"] == "seal_not_active"
    services.seal_revoke(actor=actor_for(authority), seal_uuid=active_seal.uuid, reason="注销")
    revoked = _sign(rep_client, active_seal)
    assert revoked.status_code == 409 and revoked.json()["code"] == "seal_not_active"
    assert not SealUse.objects.filter(seal=active_seal).exists()


def test_a_signature_made_with_the_key_after_revocation_is_invalid(active_seal, seal_world, client):
    """A leaked key cannot outlive the seal: the registry's status at the signing time decides."""
    services.seal_revoke(
        actor=actor_for(seal_world["rep"].user), seal_uuid=active_seal.uuid, reason="密钥泄露"
    )
    seal = Seal.objects.get(pk=active_seal.pk)
    der = ses_signature_make(
        seal_der=bytes(seal.seseal_der),
        data_hash=seseal.data_hash(DOC),
        signer_key=pki.decrypt_sm2_private_key(bytes(seal.sm2_private_key_encrypted)),
        signer_cert_der=bytes(seal.sm2_certificate_der),
        property_info="x",
        signed_at=timezone.now() + dt.timedelta(seconds=2),
    )
    report = _verify(client, base64.b64encode(der).decode()).json()
    assert report["valid"] is False and report["reason"] == "seal_not_active"


def test_garbage_truncated_and_foreign_signatures_are_reports_not_errors(
    active_seal, seal_world, client, monkeypatch
):
    signed = _sign(login_client(seal_world["rep"].user), active_seal).json()["signature_base64"]
    der = base64.b64decode(signed)
    for junk in (b"\x30\x03\x02\x01\x04", b"not asn.1 at all", der[: len(der) // 2], der + b"\x00"):
        report = _verify(client, base64.b64encode(junk).decode())
        assert report.status_code == 200
        assert report.json()["valid"] is False and report.json()["reason"] == "format"
    # A seal made by another maker, signed by its holder: the signature holds, the maker is not trusted.
    now = timezone.now()
    root_key, maker_key, holder_key = (SM2PrivateKey.generate() for _ in range(3))
    root = maker_root_make(name="别处", key=root_key, not_before=now, not_after=now + dt.timedelta(days=9))
    maker = maker_certificate_make(
        name="别处",
        public_key=maker_key.public_key,
        root_key=root_key,
        root_cert_der=root,
        not_before=now,
        not_after=now + dt.timedelta(days=9),
    )
    holder = maker_certificate_make(
        name="某人",
        public_key=holder_key.public_key,
        root_key=root_key,
        root_cert_der=root,
        not_before=now - dt.timedelta(minutes=1),
        not_after=now + dt.timedelta(days=9),
    )
    foreign_seal = seal_structure_make(
        es_id=str(active_seal.uuid),  # even claiming one of ours
        seal_type=1,
        name="仿冒",
        cert_list=[holder],
        picture_png=bytes(Seal.objects.get(pk=active_seal.pk).image_png),
        width_mm=40,
        height_mm=40,
        valid_start=now - dt.timedelta(minutes=1),
        valid_end=now + dt.timedelta(days=9),
        maker_key=maker_key,
        maker_cert_der=maker,
    )
    forged = ses_signature_make(
        seal_der=foreign_seal,
        data_hash=seseal.data_hash(DOC),
        signer_key=holder_key,
        signer_cert_der=holder,
        property_info="x",
        signed_at=now,
    )
    report = _verify(client, base64.b64encode(forged).decode()).json()
    assert report["valid"] is False and report["reason"] == "untrusted_maker" and report["seal_uuid"] is None
    # Not Base64, no signature, a hash that is not SHA-256: refused with their codes; then throttled.
    not_b64 = _verify(client, "不是base64")
    assert not_b64.status_code == 422 and not_b64.json()["code"] == "invalid_base64"
    assert _verify(client, "").json()["code"] == "document_required"
    bad_hash = _verify(client, signed, "abc")
    assert bad_hash.status_code == 422 and bad_hash.json()["code"] == "invalid_document_hash"
    monkeypatch.setattr(access, "VERIFY_LIMIT", 1)
    assert _verify(client, signed).status_code == 429


def test_the_api_refuses_a_too_large_signature(client, db, monkeypatch):
    from tongban.seals import api

    monkeypatch.setattr(api, "SES_MAX_BYTES", 8)
    large = _verify(client, base64.b64encode(b"\x00" * 64).decode())
    assert large.status_code == 413 and large.json()["code"] == "document_too_large"


def test_status_at_follows_the_history(active_seal, seal_world):
    rep = actor_for(seal_world["rep"].user)
    services.seal_suspend(actor=rep, seal_uuid=active_seal.uuid, reason="核查")
    seal = Seal.objects.get(pk=active_seal.pk)
    assert seal.status == SealStatus.SUSPENDED
    later = timezone.now() + dt.timedelta(seconds=2)
    earlier = seal.created_at.replace(microsecond=0) - dt.timedelta(seconds=1)
    assert seseal._status_at(seal, later) == SealStatus.SUSPENDED
    assert seseal._status_at(seal, earlier) == ""


OPENSSL = shutil.which("openssl")
PEMS = ("maker.pem", "holder.pem")


@pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")
def test_openssl_verifies_the_maker_and_the_holder_certificates(active_seal, tmp_path):
    def pem(der: bytes) -> bytes:
        body = base64.encodebytes(der).decode().replace("\n", "")
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        return ("-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n").encode()

    seal = Seal.objects.get(pk=active_seal.pk)
    (tmp_path / "root.pem").write_bytes(pem(pki.sm2_trusted_makers()[0]))
    (tmp_path / "maker.pem").write_bytes(pem(_maker_der()))
    (tmp_path / "holder.pem").write_bytes(pem(bytes(seal.sm2_certificate_der)))
    done = subprocess.run(
        [OPENSSL, "verify", "-vfyopt", "distid:1234567812345678", "-CAfile", "root.pem", *PEMS],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "maker.pem: OK" in done.stdout and "holder.pem: OK" in done.stdout


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_uses_at_once_make_one_sm2_maker():
    """Two threads ask for the SM2 seal maker of an empty PKI at once: one root, one maker."""
    from django.db import connection

    from tests.concurrency import at_once

    assert connection.vendor == "postgresql", "a concurrency test: make test runs it on PostgreSQL"
    found = at_once(2, lambda: pki.sm2_maker().pk)
    assert found[0] == found[1]
    assert PkiKey.objects.filter(role=KeyRole.SM2_ROOT).count() == 1
    assert PkiKey.objects.filter(role=KeyRole.SM2_MAKER).count() == 1


def test_one_seal_signs_a_bounded_number_of_documents_an_hour(active_seal, seal_world, monkeypatch):
    """ADR 0010: the in-request SM2 signer's timing is bounded in samples: past the limit, 429, no use."""
    from tongban.seals import access

    monkeypatch.setattr(access, "SES_SIGN_LIMIT", 2)
    rep_client = login_client(seal_world["rep"].user)
    assert [_sign(rep_client, active_seal).status_code for _ in range(3)] == [201, 201, 429]
    assert SealUse.objects.filter(seal=active_seal).count() == 2
