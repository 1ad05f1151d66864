"""The licence as an SD-JWT VC, checked by an implementation that is not ours: the OpenWallet Foundation's
``sd-jwt`` package (holder and verifier, on jwcrypto). The holder discloses one face field and hides the
others; the verifier checks the issuer's signature with the key from the issuer's JWT VC Issuer Metadata
(found from ``iss`` by the SD-JWT VC draft's rule, not by our code) and the key-binding JWT."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from jwcrypto.jwk import JWK
from jwcrypto.jws import InvalidJWSSignature
from sd_jwt.holder import SDJWTHolder
from sd_jwt.verifier import SDJWTVerifier

from tests.conftest import csrf_headers, login_client
from tongban.accounts.facade import actor_for
from tongban.core.models import AuditEvent
from tongban.licences.services import licence_change_status

pytestmark = pytest.mark.django_db

AUD, NONCE = "https://hotel.example", "n-0S6_WzA2Mj"


def b64json(part: str):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def export(client, licence, holder_jwk=None):
    return client.post(
        f"/api/licences/{licence.uuid}/sd-jwt",
        {"holder_jwk": holder_jwk},
        content_type="application/json",
        **csrf_headers(client),
    )


class UnknownIssuerKey(LookupError):
    pass


def metadata_path(issuer: str) -> str:
    """SD-JWT VC draft §3.1: ``/.well-known/jwt-vc-issuer`` between the host and the path of ``iss`` (its
    terminating ``/`` removed); the test client is given the path."""
    parts = urlsplit(issuer)
    assert parts.scheme in ("https", "http") and parts.netloc and not parts.query and not parts.fragment
    return "/.well-known/jwt-vc-issuer" + parts.path.rstrip("/")


def issuer_keys(client):
    """The verifier's key look-up: the issuer's JWT VC Issuer Metadata, whose ``issuer`` must be ``iss``
    (§3.3), and in it — only in it — the key by ``kid``."""

    def look_up(issuer: str, header: dict) -> JWK:
        answer = client.get(metadata_path(issuer))
        if answer.status_code != 200:
            raise UnknownIssuerKey(f"no metadata for {issuer}: {answer.status_code}")
        assert answer["Content-Type"] == "application/json"
        metadata = answer.json()
        if metadata["issuer"] != issuer:
            raise UnknownIssuerKey(f"metadata of {metadata['issuer']}, not {issuer}")
        for key in metadata["jwks"]["keys"]:
            if key["kid"] == header.get("kid"):
                return JWK(**key)
        raise UnknownIssuerKey(f"{header.get('kid')} is not a key of {issuer}")

    return look_up


@pytest.fixture(autouse=True)
def public_base_url(settings):
    settings.TONGBAN_PUBLIC_BASE_URL = "https://tongban.example.gov.cn"


@pytest.fixture
def wallet_key():
    return JWK.generate(kty="EC", crv="P-256")


def test_one_face_field_disclosed_with_key_binding_is_verified_and_the_others_stay_hidden(
    lib, issue, wallet_key
):
    licence = issue()
    holder = login_client(lib["holder"].user)
    response = export(holder, licence, json.loads(wallet_key.export_public()))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/dc+sd-jwt"
    assert response["Cache-Control"] == "no-store"
    credential = response.content.decode()
    issuer_jwt, *disclosures, last = credential.split("~")
    assert last == "" and len(disclosures) == 3 + 6  # three face fields, six licence claims
    header, claims = b64json(issuer_jwt.split(".")[0]), b64json(issuer_jwt.split(".")[1])
    assert header["typ"] == "dc+sd-jwt" and header["alg"] == "ES256" and header["kid"] == licence.kid
    assert claims["vct"] == f"urn:tongban:licence:{licence.type.code}"
    assert claims["iss"] == f"https://tongban.example.gov.cn/issuers/{lib['hr'].uuid}"
    assert claims["_sd_alg"] == "sha-256"
    assert claims["cnf"]["jwk"] == {
        k: json.loads(wallet_key.export_public())[k] for k in ("kty", "crv", "x", "y")
    }
    assert "exp" not in claims  # valid without limit
    assert claims["status"]["status_list"]["uri"].startswith(
        "https://tongban.example.gov.cn/api/licences/status-lists/"
    )
    assert isinstance(claims["status"]["status_list"]["idx"], int)
    # Nothing personal in the clear: names, the number and the face values are only in the disclosures.
    assert "电工" not in json.dumps(claims, ensure_ascii=False) and licence.number not in issuer_jwt
    salts = {b64json(d)[0] for d in disclosures}
    assert len(salts) == len(disclosures)  # a fresh salt for each claim

    wallet = SDJWTHolder(credential)
    wallet.create_presentation(
        {"face": {"occupation": True}}, nonce=NONCE, aud=AUD, holder_key=wallet_key, sign_alg="ES256"
    )
    presentation = wallet.sd_jwt_presentation
    assert presentation.count("~") == 2  # one disclosure, then the key-binding JWT
    verified = SDJWTVerifier(
        presentation, issuer_keys(holder), expected_aud=AUD, expected_nonce=NONCE
    ).get_verified_payload()
    assert verified["face"] == {"occupation": "电工"}
    for hidden in ("identifier", "number", "holder_name", "type_name", "issuer_name", "issue_date"):
        assert hidden not in verified
    assert verified["vct"] == claims["vct"] and verified["cnf"] == claims["cnf"]
    assert AuditEvent.objects.filter(action="licence.export_sd_jwt", object_id=str(licence.uuid)).count() == 1


def test_without_a_holder_key_the_credential_is_unbound_and_the_licence_claims_are_disclosable(lib, issue):
    licence = issue("business", valid_until=date(2030, 6, 30))
    holder = login_client(lib["holder"].user)  # the company's legal representative
    response = export(holder, licence)
    assert response.status_code == 200, response.content
    credential = response.content.decode()
    claims = b64json(credential.split("~")[0].split(".")[1])
    assert "cnf" not in claims
    shanghai = ZoneInfo("Asia/Shanghai")
    assert claims["exp"] == int(datetime.combine(date(2030, 7, 1), time.min, tzinfo=shanghai).timestamp())
    assert claims["nbf"] == int(datetime.combine(licence.valid_from, time.min, tzinfo=shanghai).timestamp())
    wallet = SDJWTHolder(credential)
    wallet.create_presentation({"holder_name": True, "identifier": True, "face": {"name": True}})
    verified = SDJWTVerifier(wallet.sd_jwt_presentation, issuer_keys(holder)).get_verified_payload()
    assert verified["holder_name"] == "上海示范科技有限公司" and verified["identifier"] == licence.identifier
    assert verified["face"] == {"name": "上海示范科技有限公司"}
    assert "legal_representative" not in verified["face"] and "number" not in verified


def test_a_tampered_disclosure_a_tampered_jwt_and_a_wrong_issuer_key_are_refused(lib, issue, wallet_key):
    licence = issue()
    holder = login_client(lib["holder"].user)
    credential = export(holder, licence, json.loads(wallet_key.export_public())).content.decode()
    wallet = SDJWTHolder(credential)
    wallet.create_presentation(
        {"face": {"grade": True}}, nonce=NONCE, aud=AUD, holder_key=wallet_key, sign_alg="ES256"
    )
    issuer_jwt, disclosure, kb_jwt = wallet.sd_jwt_presentation.split("~")
    salt, name, value = b64json(disclosure)
    assert (name, value) == ("grade", "三级")
    forged = base64.urlsafe_b64encode(json.dumps([salt, name, "一级"]).encode()).rstrip(b"=").decode()

    # The key-binding JWT covers the disclosures: a changed one breaks it.
    with pytest.raises(ValueError, match="Invalid digest in KB-JWT"):
        SDJWTVerifier(
            f"{issuer_jwt}~{forged}~{kb_jwt}", issuer_keys(holder), expected_aud=AUD, expected_nonce=NONCE
        )
    # Unbound, a changed disclosure matches no digest the issuer signed: the claim is not disclosed.
    verified = SDJWTVerifier(f"{issuer_jwt}~{forged}~", issuer_keys(holder)).get_verified_payload()
    assert verified["face"] == {}
    # A changed payload breaks the issuer's signature.
    head, body, signature = issuer_jwt.split(".")
    claims = b64json(body)
    claims["vct"] = "urn:tongban:licence:other"
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidJWSSignature):
        SDJWTVerifier(f"{head}.{body}.{signature}~{disclosure}~", issuer_keys(holder))
    # Another key than the issuer's does not verify the genuine credential.
    with pytest.raises(InvalidJWSSignature):
        SDJWTVerifier(f"{issuer_jwt}~{disclosure}~", lambda iss, header: JWK.generate(kty="EC", crv="P-256"))
    # Checked against the genuine key, the untouched presentation passes.
    verified = SDJWTVerifier(
        wallet.sd_jwt_presentation, issuer_keys(holder), expected_aud=AUD, expected_nonce=NONCE
    ).get_verified_payload()
    assert verified["face"] == {"grade": "三级"}


def test_another_persons_licence_a_private_or_foreign_key_and_a_suspended_licence_are_refused(
    lib, issue, wallet_key, client
):
    licence = issue()
    holder, stranger = login_client(lib["holder"].user), login_client(lib["stranger"].user)
    public = json.loads(wallet_key.export_public())

    r = export(stranger, licence, public)
    assert r.status_code == 404 and r.json()["code"] == "licence_not_found"
    anonymous = client.post(
        f"/api/licences/{licence.uuid}/sd-jwt", {"holder_jwk": public}, content_type="application/json"
    )
    assert anonymous.status_code == 401

    r = export(holder, licence, json.loads(wallet_key.export_private()))
    assert r.status_code == 422 and r.json()["code"] == "holder_jwk_private"
    rsa = json.loads(JWK.generate(kty="RSA", size=2048).export_public())
    p384 = json.loads(JWK.generate(kty="EC", crv="P-384").export_public())
    off_curve = {**public, "y": public["x"]}
    for bad in (rsa, p384, off_curve, {"kty": "EC", "crv": "P-256", "x": "short", "y": "short"}):
        r = export(holder, licence, bad)
        assert r.status_code == 422 and r.json()["code"] == "holder_jwk_invalid", bad
    assert not AuditEvent.objects.filter(action="licence.export_sd_jwt").exists()

    assert export(holder, licence, public).status_code == 200  # the same request, in force: exported
    licence_change_status(actor=actor_for(lib["hr_issuer"]), licence=licence, action="suspend", reason="核查")
    r = export(holder, licence, public)
    assert r.status_code == 409 and r.json()["code"] == "licence_not_exportable"
    assert r.json()["details"] == {"licence_status": "02"}
    # Expired by date (status still 01): not exported either.
    licence_change_status(
        actor=actor_for(lib["hr_issuer"]), licence=licence, action="restore", reason="核查完毕"
    )
    type(licence).objects.filter(pk=licence.pk).update(valid_until=date.today() - timedelta(days=2))
    assert export(holder, licence, public).status_code == 409


def _resigned(credential: str, key_row, *, kid: str | None = None) -> str:
    """The credential's issuer-signed JWT signed again, unchanged, with another department's key."""
    import jwt

    from tongban.licences.keys import private_key

    issuer_jwt, *rest = credential.split("~")
    claims = b64json(issuer_jwt.split(".")[1])
    forged = jwt.encode(
        claims,
        private_key(key_row),
        algorithm="ES256",
        headers={"typ": "dc+sd-jwt", "kid": kid or key_row.kid},
    )
    return "~".join([forged, *rest])


def test_each_issuer_publishes_only_its_own_keys_at_the_url_the_draft_forms_from_iss(lib, issue, client):
    import uuid

    from tongban.licences.keys import issuer_key_rotate, jwks
    from tongban.licences.models import IssuerKey
    from tongban.licences.show import PLATFORM_UUID

    holder = login_client(lib["holder"].user)
    credentials = {"hr": export(holder, issue()), "market": export(holder, issue("business"))}
    issuer_key_rotate(lib["hr"].uuid)  # a retired key stays in its issuer's metadata
    published = {}
    for department, response in credentials.items():
        iss = b64json(response.content.decode().split(".")[1])["iss"]
        assert iss == f"https://tongban.example.gov.cn/issuers/{lib[department].uuid}"
        answer = client.get(metadata_path(iss))
        assert answer.status_code == 200 and "max-age=3600" in answer["Cache-Control"]
        metadata = answer.json()
        assert set(metadata) == {"issuer", "jwks"} and metadata["issuer"] == iss
        assert all("d" not in key for key in metadata["jwks"]["keys"])
        published[department] = {key["kid"] for key in metadata["jwks"]["keys"]}
    kids = {
        department: set(
            IssuerKey.objects.filter(department_uuid=lib[department].uuid).values_list("kid", flat=True)
        )
        for department in ("hr", "market")
    }
    assert published == kids and len(kids["hr"]) == 2 and len(kids["market"]) == 1
    # Every key, the platform's too, stays in the JWKS (credentials exported with a URN issuer look up by kid).
    assert {key["kid"] for key in jwks()["keys"]} > kids["hr"] | kids["market"]
    # The platform signs no credential; a department without keys has no metadata.
    for nobody in (PLATFORM_UUID, uuid.uuid4()):
        answer = client.get(f"/.well-known/jwt-vc-issuer/issuers/{nobody}")
        assert answer.status_code == 404 and answer.json()["code"] == "issuer_not_found"
    assert client.post(f"/.well-known/jwt-vc-issuer/issuers/{lib['hr'].uuid}").status_code == 405


def test_a_credential_signed_with_another_departments_key_fails_with_the_issuers_metadata(lib, issue):
    from tongban.licences.keys import issuer_key

    holder = login_client(lib["holder"].user)
    genuine = export(holder, issue()).content.decode()  # iss: the HR department
    issue("business")
    market_key = issuer_key(lib["market"].uuid, lib["market"].name)
    hr_kid = b64json(genuine.split(".")[0])["kid"]

    # The genuine credential verifies with the key from HR's metadata.
    verified = SDJWTVerifier(genuine, issuer_keys(holder)).get_verified_payload()
    assert verified["iss"].endswith(str(lib["hr"].uuid))
    # Signed by the market department's key, which the JWKS publishes, with HR as issuer: the key is not in
    # HR's metadata, so no key is found ...
    with pytest.raises(UnknownIssuerKey, match="is not a key of"):
        SDJWTVerifier(_resigned(genuine, market_key), issuer_keys(holder))
    # ... and naming HR's kid does not help: HR's key does not verify the market's signature.
    with pytest.raises(InvalidJWSSignature):
        SDJWTVerifier(_resigned(genuine, market_key, kid=hr_kid), issuer_keys(holder))
