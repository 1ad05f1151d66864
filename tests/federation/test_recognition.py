"""Licence mutual recognition in one database (docs/domain/federation.md §4): this deployment (上海, 310000)
verifies the licences of a partner (江苏, 320000) whose keys the test holds — it signs the partner's SD-JWT VCs,
status lists and 亮证 tokens, and answers for it where the partner would be called."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.utils import timezone

from tests.conftest import csrf_headers, login_client
from tests.federation.conftest import Partner, new_partner
from tests.licences.conftest import issue, lib  # noqa: F401 — the licence library's fixtures
from tongban.core.models import AuditEvent
from tongban.federation import keys, recognition, trust
from tongban.federation.models import LicenceTypeMapping, StatusListCache
from tongban.federation.services import REQUEST_TYP
from tongban.federation.transport import Answer, Unreachable
from tongban.licences.constants import LicenceStatus, Scene, VerifierKind
from tongban.licences.models import LicenceUse
from tongban.licences.services import licence_change_status
from tongban.licences.show import make_show_token
from tongban.licences.verifiers import verifier_create

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
JS = "320000"
CREDENTIAL = "/api/federation/licences/verify-credential"
SHOWN = "/api/federation/licences/verify-shown"
RESIDENCE_JS = "11320000014000044K001"
STATUS_URI = "http://127.0.0.1:9/api/licences/status-lists/0"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Issuer:
    """The partner's licence keys: an issuing department's and its 亮证 key."""

    def __init__(self, partner: Partner):
        self.partner = partner
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.kid = "iss-320000-1"
        self.show_private = ec.generate_private_key(ec.SECP256R1())
        self.show_kid = "show-320000-1"
        self.department = uuid.uuid4()
        self.statuses = bytearray(1024)

    def jwks(self) -> list[dict]:
        return [
            keys.public_jwk(self.private.public_key(), self.kid),
            keys.public_jwk(self.show_private.public_key(), self.show_kid),
        ]

    def credential(
        self,
        *,
        face: dict | None = None,
        idx: int = 7,
        holder: ec.EllipticCurvePrivateKey | None = None,
        exp: int | None = None,
        nbf: int | None = None,
        iss: str | None = None,
        uri: str = STATUS_URI,
        private: ec.EllipticCurvePrivateKey | None = None,
        kid: str | None = None,
    ) -> tuple[str, list[str]]:
        disclosures: list[str] = []

        def digests(claims: dict) -> list[str]:
            out = []
            for name, value in claims.items():
                text = b64(
                    json.dumps([b64(secrets.token_bytes(16)), name, value], ensure_ascii=False).encode()
                )
                disclosures.append(text)
                out.append(b64(hashlib.sha256(text.encode()).digest()))
            return sorted(out)

        now = int(time.time())
        payload = {
            "iss": iss or f"{self.partner.base_url}/issuers/{self.department}",
            "iat": now,
            "nbf": nbf if nbf is not None else now - 86400,
            "exp": exp if exp is not None else now + 86400 * 365,
            "vct": f"urn:tongban:licence:{RESIDENCE_JS}",
            "_sd_alg": "sha-256",
            "_sd": digests({"type_name": "江苏省居住证", "holder_name": "王小明", "number": "JS-0001"}),
            "face": {"_sd": digests(face or {"name": "王小明", "address": "南京市玄武区"})},
            "status": {"status_list": {"idx": idx, "uri": uri}},
        }
        if holder is not None:
            payload["cnf"] = {
                "jwk": {
                    k: v
                    for k, v in keys.public_jwk(holder.public_key(), "h").items()
                    if k in ("kty", "crv", "x", "y")
                }
            }
        jwt_text = keys.sign_compact(
            private or self.private, {"alg": "ES256", "typ": "dc+sd-jwt", "kid": kid or self.kid}, payload
        )
        return "~".join([jwt_text, *disclosures, ""]), disclosures

    def status_list(self, *, ttl: int = 300, sub: str = STATUS_URI, private=None) -> str:
        now = int(time.time())
        return keys.sign_compact(
            private or self.show_private,
            {"alg": "ES256", "typ": "statuslist+jwt", "kid": self.show_kid},
            {
                "sub": sub,
                "iat": now,
                "exp": now + 86400,
                "ttl": ttl,
                "status_list": {"bits": 2, "lst": b64(zlib.compress(bytes(self.statuses)))},
            },
        )

    def set_status(self, idx: int, value: int) -> None:
        self.statuses[idx // 4] &= ~(3 << ((idx % 4) * 2)) & 0xFF
        self.statuses[idx // 4] |= value << ((idx % 4) * 2)

    def show_token(
        self, *, scene: str = "hotel", private=None, kid: str | None = None, exp: int | None = None
    ) -> str:
        now = int(time.time())
        return keys.sign_compact(
            private or self.show_private,
            {"alg": "ES256", "kid": kid or self.show_kid, "typ": "tongban-show+jwt"},
            {
                "lic": uuid.uuid4().hex,
                "scn": scene,
                "fld": ["name"],
                "iat": now,
                "exp": exp or now + 60,
                "jti": secrets.token_urlsafe(16),
            },
        )


def descriptor(partner: Partner, issuer: Issuer) -> str:
    claims = {
        "code": partner.code,
        "name": "江苏省",
        "name_en": "Jiangsu",
        "base_url": partner.base_url,
        "oidc_issuer": f"{partner.base_url}/o",
        "keys": {"messaging": [partner.jwk], "licences": issuer.jwks(), "oidc": []},
    }
    return keys.sign_compact(
        partner.private, {"alg": "ES256", "typ": trust.DESCRIPTOR_TYP, "kid": partner.kid}, claims
    )


@pytest.fixture
def partner() -> Partner:
    return new_partner(JS)


@pytest.fixture
def issuer(partner) -> Issuer:
    return Issuer(partner)


@pytest.fixture
def fed(db, partner, issuer, settings):
    """This deployment coordinates region csj; 江苏 is on its trust list with its licence keys."""
    settings.TONGBAN_REGION_CODE = "310000"
    settings.TONGBAN_REGION_NAME = "上海市"
    settings.TONGBAN_FEDERATION_REGION = "csj"
    settings.TONGBAN_PUBLIC_BASE_URL = "http://testserver"
    trust.cache_clear()
    trust.coordinator_init()
    trust.trust_list_sign(region="csj", name="长三角", add=[descriptor(partner, issuer)])
    recognition.licence_types_import(
        json.loads((ROOT / "docs/federation/licence-types-csj.json").read_text())
    )
    yield
    trust.cache_clear()


@pytest.fixture
def served(issuer, monkeypatch):
    """The partner's status list, served: every fetch counted; ``served.down`` makes the partner unreachable."""

    class Served:
        calls = 0
        down = False

    def fetch(uri: str):
        Served.calls += 1
        if Served.down:
            raise Unreachable("ConnectError")
        assert uri == STATUS_URI
        return 200, issuer.status_list()

    monkeypatch.setattr(recognition, "fetch_status_list", fetch)
    return Served


@pytest.fixture
def hotel(db):
    _verifier, key = verifier_create(
        actor=None, name="如家酒店（人民广场店）", kind=VerifierKind.HOTEL, scenes=[Scene.HOTEL]
    )
    return key


def check(key: str, credential: str, **extra):
    return Client().post(
        CREDENTIAL,
        data={"credential": credential, **extra},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


# --- the recognition list -------------------------------------------------------------------------------------
def test_the_pilot_list_is_imported_and_a_bad_list_changes_nothing(fed, capsys):
    # The documented example file: 5 pilot types for each of the three partners of 上海.
    assert LicenceTypeMapping.objects.count() == 15
    row = LicenceTypeMapping.objects.get(member=JS, partner_type_code=RESIDENCE_JS)
    assert (row.partner_type_name, row.local_type_name) == ("江苏省居住证", "上海市居住证")
    with pytest.raises(Exception) as refused:
        recognition.licence_types_import({"types": [{"member": "32", "partner_type_code": "x"}]})
    assert (
        refused.value.code == "licence_types_invalid" and refused.value.details["problems"][0]["index"] == 0
    )
    assert LicenceTypeMapping.objects.count() == 15
    assert AuditEvent.objects.filter(action="federation.licence_types_import").count() == 1


def test_the_cli_imports_the_list(fed, tmp_path, capsys):
    from tongban.federation.cli import cmd_licence_types_import, cmd_licence_types_list

    path = tmp_path / "types.json"
    path.write_text(
        json.dumps(
            {
                "types": [
                    {
                        "member": JS,
                        "partner_type_code": RESIDENCE_JS,
                        "partner_type_name": "江苏省居住证",
                        "local_type_code": "113100000024163706001",
                        "local_type_name": "上海市居住证",
                    }
                ]
            }
        )
    )
    assert cmd_licence_types_import(type("A", (), {"file": str(path)})) == 0
    assert "1 types of members 320000" in capsys.readouterr().out
    assert cmd_licence_types_list(None) == 0
    assert "江苏省居住证 -> 113100000024163706001 上海市居住证" in capsys.readouterr().out


# --- SD-JWT VC of another member --------------------------------------------------------------------------------
def test_a_partners_credential_verifies_with_its_mapped_type_and_disclosed_fields(
    fed, issuer, served, hotel, caplog
):
    credential, _d = issuer.credential()
    answer = check(hotel, credential)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["result"] == "valid" and body["reason"] == ""
    assert body["member"] == {"code": JS, "name": "江苏省"}
    assert body["licence_type"] == {
        "partner_type_code": RESIDENCE_JS,
        "partner_type_name": "江苏省居住证",
        "local_type_code": "113100000024163706001",
        "local_type_name": "上海市居住证",
    }
    assert body["disclosed"]["face"] == {"name": "王小明", "address": "南京市玄武区"}
    assert body["status"]["status"] == "valid" and body["status"]["source"] == "fresh"
    # Audited, without the holder's name or number; nor are they logged.
    event = AuditEvent.objects.get(action="federation.licence_verify_credential")
    assert event.after["result"] == "valid" and event.after["member"] == JS
    assert "王小明" not in json.dumps(event.after, ensure_ascii=False) and "JS-0001" not in json.dumps(
        event.after
    )
    assert "王小明" not in caplog.text


def test_only_the_fields_the_holder_disclosed_are_answered(fed, issuer, served, hotel):
    credential, disclosures = issuer.credential()
    jwt_text = credential.split("~")[0]
    face_name = next(d for d in disclosures if json.loads(base64.urlsafe_b64decode(d + "=="))[1] == "name")
    answer = check(hotel, f"{jwt_text}~{face_name}~")
    assert answer.status_code == 200
    assert answer.json()["disclosed"] == {"face": {"name": "王小明"}}


def test_the_status_list_is_cached_for_its_ttl_and_a_revocation_shows_after_it(fed, issuer, served, hotel):
    credential, _d = issuer.credential(idx=9)
    assert check(hotel, credential).json()["status"]["source"] == "fresh"
    issuer.set_status(9, 1)  # revoked at the partner
    again = check(hotel, credential).json()
    assert (again["result"], again["status"]["source"], served.calls) == ("valid", "cache", 1)
    StatusListCache.objects.update(fetched_at=timezone.now() - timedelta(seconds=301))
    after = check(hotel, credential).json()
    assert (after["result"], after["reason"], after["status"]["status"]) == ("invalid", "revoked", "invalid")
    issuer.set_status(9, 2)
    StatusListCache.objects.update(fetched_at=timezone.now() - timedelta(seconds=301))
    assert check(hotel, credential).json()["reason"] == "suspended"


def test_offline_the_cached_status_list_is_used_within_the_bound_then_refused(
    fed, issuer, served, hotel, settings
):
    credential, _d = issuer.credential()
    served.down = True
    answer = check(hotel, credential)
    assert answer.status_code == 503 and answer.json()["code"] == "federation_status_unavailable"
    served.down = False
    check(hotel, credential)
    served.down = True
    StatusListCache.objects.update(fetched_at=timezone.now() - timedelta(hours=23))
    body = check(hotel, credential).json()
    assert (body["result"], body["status"]["source"]) == ("valid", "offline")
    StatusListCache.objects.update(fetched_at=timezone.now() - timedelta(hours=25))
    refused = check(hotel, credential)
    assert refused.status_code == 503 and refused.json()["details"]["offline_hours"] == 24
    settings.TONGBAN_FEDERATION_OFFLINE_HOURS = 48
    assert check(hotel, credential).json()["status"]["source"] == "offline"


def test_a_status_list_not_signed_by_the_members_keys_is_refused_and_not_cached(
    fed, issuer, monkeypatch, hotel
):
    forged = issuer.status_list(private=ec.generate_private_key(ec.SECP256R1()))
    monkeypatch.setattr(recognition, "fetch_status_list", lambda uri: (200, forged))
    credential, _d = issuer.credential()
    answer = check(hotel, credential)
    assert answer.status_code == 409 and answer.json()["code"] == "federation_status_list_invalid"
    assert not StatusListCache.objects.exists()
    other_sub = issuer.status_list(sub=STATUS_URI.replace("/0", "/1"))
    monkeypatch.setattr(recognition, "fetch_status_list", lambda uri: (200, other_sub))
    assert check(hotel, credential).json()["code"] == "federation_status_list_invalid"


@pytest.mark.parametrize(
    ("change", "code", "status"),
    [
        ({"private": "other"}, "credential_signature_invalid", 403),
        ({"kid": "iss-unknown"}, "credential_key_untrusted", 403),
        ({"iss": "http://evil.example/issuers/x"}, "credential_issuer_unknown", 403),
        (
            {"iss": "http://127.0.0.1:99/issuers/x"},
            "credential_issuer_unknown",
            403,
        ),  # a prefix, not the base
        ({"uri": "http://evil.example/status/0"}, "credential_invalid", 400),
    ],
)
def test_a_credential_that_cannot_be_checked_is_refused(fed, issuer, served, hotel, change, code, status):
    if change.get("private") == "other":
        change = {"private": ec.generate_private_key(ec.SECP256R1())}
    credential, _d = issuer.credential(**change)
    answer = check(hotel, credential)
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert served.calls == 0  # nothing fetched for a credential that does not check
    assert AuditEvent.objects.get(action="federation.licence_verify_credential").after["code"] == code


def test_a_tampered_disclosure_and_an_expired_credential(fed, issuer, served, hotel):
    credential, disclosures = issuer.credential()
    forged = b64(json.dumps(["salt", "address", "上海市"], ensure_ascii=False).encode())
    answer = check(hotel, credential.replace(disclosures[-1], forged))
    assert answer.json()["code"] == "credential_disclosure_invalid"
    twice = credential[:-1] + disclosures[0] + "~"
    assert check(hotel, twice).json()["code"] == "credential_disclosure_invalid"
    old, _d = issuer.credential(exp=int(time.time()) - 10)
    body = check(hotel, old).json()
    assert (body["result"], body["reason"], body["status"]["status"]) == ("invalid", "expired", "unchecked")
    future, _d = issuer.credential(nbf=int(time.time()) + 3600)
    assert check(hotel, future).json()["reason"] == "not_yet_valid"


def test_a_bound_credential_needs_the_holders_key_binding(fed, issuer, served, hotel):
    holder = ec.generate_private_key(ec.SECP256R1())
    credential, _d = issuer.credential(holder=holder)
    assert check(hotel, credential).json()["code"] == "credential_key_binding_invalid"

    def kb(private, aud="http://testserver", nonce="n-1", presented=credential):
        claims = {
            "iat": int(time.time()),
            "aud": aud,
            "nonce": nonce,
            "sd_hash": b64(hashlib.sha256(presented.encode()).digest()),
        }
        return keys.sign_compact(private, {"alg": "ES256", "typ": "kb+jwt"}, claims)

    good = check(hotel, credential + kb(holder), nonce="n-1")
    assert good.status_code == 200 and good.json()["result"] == "valid"
    assert check(hotel, credential + kb(ec.generate_private_key(ec.SECP256R1()))).status_code == 403
    assert check(hotel, credential + kb(holder, aud="http://other")).json()["details"]["reason"] == "aud"
    assert check(hotel, credential + kb(holder), nonce="n-2").json()["details"]["reason"] == "nonce"


def test_only_verifiers_may_check_a_credential(fed, issuer, served, make_person):
    credential, _d = issuer.credential()
    anonymous = Client().post(CREDENTIAL, data={"credential": credential}, content_type="application/json")
    assert anonymous.status_code == 401
    person = login_client(make_person("赵六").user)
    answer = person.post(
        CREDENTIAL, data={"credential": credential}, content_type="application/json", **csrf_headers(person)
    )
    assert answer.status_code == 403 and answer.json()["code"] == "not_a_verifier"


def test_without_a_trust_list_nothing_is_recognised(db, issuer, hotel):
    trust.cache_clear()
    credential, _d = issuer.credential()
    assert check(hotel, credential).json()["code"] == "federation_not_configured"


# --- 亮证 tokens of another member: the verifying side ----------------------------------------------------------
@pytest.fixture
def home(monkeypatch):
    """The partner's answer to the signed request (the body it was sent, kept)."""
    from tongban.federation import services

    class Home:
        calls: list[dict] = []
        answer = Answer(
            200,
            {
                "result": "valid",
                "scene": "hotel",
                "licence": {
                    "type_code": RESIDENCE_JS,
                    "type_name": "江苏省居住证",
                    "status": "01",
                    "status_label": "有效",
                    "valid_until": "2027-06-30",
                },
                "fields": {"name": "王小明"},
                "field_titles": {"name": "姓名"},
                "verified_at": "2026-12-08T10:00:00+08:00",
            },
        )

    Home.calls = []

    def call(to, method, path, data=None):
        Home.calls.append({"to": to, "method": method, "path": path, "data": data})
        if isinstance(Home.answer, Exception):
            raise Home.answer
        return Home.answer

    monkeypatch.setattr(services, "member_call", call)
    return Home


def verify(key: str, token: str, cause: str = "旅馆住宿登记"):
    return Client().post(
        "/api/licences/verify",
        data={"token": token, "cause": cause},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def test_a_partners_token_is_verified_by_its_home_member(fed, issuer, home, hotel):
    answer = verify(hotel, issuer.show_token())
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["fields"] == {"name": "王小明"} and body["licence"]["type_name"] == "江苏省居住证"
    assert body["member"] == {
        "code": JS,
        "name": "江苏省",
        "local_type_code": "113100000024163706001",
        "local_type_name": "上海市居住证",
    }
    (sent,) = home.calls
    assert (sent["to"], sent["method"], sent["path"]) == (JS, "POST", SHOWN)
    assert sent["data"]["verifier"]["name"] == "如家酒店（人民广场店）" and sent["data"]["scene"] == "hotel"
    assert sent["data"]["cause"] == "旅馆住宿登记"
    assert AuditEvent.objects.get(action="federation.licence_verify_shown").after["result"] == "valid"


def test_a_forged_or_unlisted_token_is_refused_without_a_call(fed, issuer, home, hotel):
    forged = issuer.show_token(private=ec.generate_private_key(ec.SECP256R1()))
    assert verify(hotel, forged).json()["code"] == "token_invalid"
    unlisted = issuer.show_token(private=ec.generate_private_key(ec.SECP256R1()), kid="show-320000-9")
    assert verify(hotel, unlisted).json()["code"] == "token_invalid"
    expired = issuer.show_token(exp=int(time.time()) - 1)
    assert verify(hotel, expired).json()["code"] == "token_expired"
    roadside = issuer.show_token(scene="roadside")
    assert verify(hotel, roadside).json()["code"] == "scene_not_permitted"
    assert home.calls == []


def test_the_home_members_refusal_and_silence(fed, issuer, home, hotel):
    home.answer = Answer(409, {"code": "token_used", "message": "…", "details": {}})
    used = verify(hotel, issuer.show_token())
    assert (used.status_code, used.json()["code"]) == (409, "token_used")
    home.answer = Answer(409, {"code": "licence_not_valid", "details": {"licence_status": "07"}})
    assert verify(hotel, issuer.show_token()).json()["details"]["licence_status"] == "07"
    home.answer = Answer(418, {"code": "teapot"})
    assert verify(hotel, issuer.show_token()).json()["code"] == "federation_partner_refused"
    home.answer = Unreachable("ConnectError")
    down = verify(hotel, issuer.show_token())
    assert (down.status_code, down.json()["code"]) == (503, "federation_member_unreachable")


def test_the_verifier_page_shows_a_partners_licence(fed, issuer, home, hotel):
    client = Client()
    page = client.post(
        "/verify/", {"token": issuer.show_token(), "cause": "旅馆住宿登记", "verifier_key": hotel}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "江苏省居住证" in text and "王小明" in text and "上海市居住证" in text


# --- 亮证 tokens of this member: the home side ------------------------------------------------------------------
def signed(partner: Partner, *, path: str = SHOWN, to: str = "310000") -> dict:
    claims = {
        "iss": partner.code,
        "aud": to,
        "iat": int(time.time()),
        "jti": str(uuid.uuid4()),
        "htm": "POST",
        "htp": path,
    }
    token = keys.sign_compact(
        partner.private, {"alg": "ES256", "typ": REQUEST_TYP, "kid": partner.kid}, claims
    )
    return {"HTTP_AUTHORIZATION": f"TongbanMember {token}"}


def test_the_home_member_verifies_its_token_once_for_a_partners_verifier(fed, partner, lib, issue):  # noqa: F811
    licence = issue()
    token = make_show_token(licence, Scene.HOTEL).token
    body = {
        "token": token,
        "cause": "旅馆住宿登记",
        "scene": "hotel",
        "verifier": {"uuid": str(uuid.uuid4()), "name": "金陵饭店", "kind": "verifier"},
    }
    answer = Client().post(SHOWN, data=body, content_type="application/json", **signed(partner))
    assert answer.status_code == 200, answer.content
    assert answer.json()["fields"] == {"name": "张三"}
    use = LicenceUse.objects.get(licence=licence)
    assert (use.user_label, use.scene, use.cause) == ("江苏省 · 金陵饭店", "hotel", "旅馆住宿登记")
    again = Client().post(SHOWN, data=body, content_type="application/json", **signed(partner))
    assert (again.status_code, again.json()["code"]) == (409, "token_used")
    unsigned = Client().post(SHOWN, data=body, content_type="application/json")
    assert unsigned.status_code == 401
    # The scene the partner vouches for must be the token's.
    other = {**body, "token": make_show_token(licence, Scene.HOTEL).token, "scene": "roadside"}
    refused = Client().post(SHOWN, data=other, content_type="application/json", **signed(partner))
    assert refused.json()["code"] == "scene_not_permitted"
    events = AuditEvent.objects.filter(action="federation.licence_verified_for_member").order_by("id")
    assert [e.after["result"] for e in events] == ["valid", "refused", "refused"]


def test_the_home_member_refuses_a_revoked_licence(fed, partner, lib, issue):  # noqa: F811
    licence = issue()
    token = make_show_token(licence, Scene.HOTEL).token
    licence_change_status(actor=None, licence=licence, action="revoke", reason="测试")
    body = {
        "token": token,
        "cause": "旅馆住宿登记",
        "scene": "hotel",
        "verifier": {"uuid": "x", "name": "金陵饭店"},
    }
    answer = Client().post(SHOWN, data=body, content_type="application/json", **signed(partner))
    assert answer.status_code == 409 and answer.json()["details"]["licence_status"] == LicenceStatus.REVOKED
