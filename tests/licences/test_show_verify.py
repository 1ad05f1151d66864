"""亮证 and 用证: the holder's short-lived single-use token, its verification by registered verifiers (API key,
OAuth2) and by staff, every refusal with its own code and nothing disclosed, the use log, and the Token Status
List for offline verifiers."""

from __future__ import annotations

import base64
import json
import time
import zlib
from urllib.parse import urlencode

import jwt
import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_headers, login_client
from tongban.accounts.constants import Role
from tongban.licences.constants import LicenceStatus, Scene, VerifierKind
from tongban.licences.keys import jwks
from tongban.licences.models import LicenceUse
from tongban.licences.services import licence_change_status
from tongban.licences.show import PLATFORM_UUID, make_show_token, show_key
from tongban.licences.status_lists import STATUS_INVALID, STATUS_SUSPENDED, STATUS_VALID, status_of
from tongban.licences.verifiers import verifier_create

pytestmark = pytest.mark.django_db
VERIFY = "/api/licences/verify"


@pytest.fixture
def verifiers(lib):
    hotel, hotel_key = verifier_create(
        actor=None, name="锦江之星（南京东路店）", kind=VerifierKind.HOTEL, scenes=[Scene.HOTEL]
    )
    police, police_key = verifier_create(
        actor=None, name="黄浦公安分局交警支队", kind=VerifierKind.POLICE, scenes=[Scene.ROADSIDE]
    )
    return {"hotel": hotel, "hotel_key": hotel_key, "police": police, "police_key": police_key}


def shown(licence_client, licence, scene=Scene.HOTEL) -> str:
    answer = licence_client.post(
        f"/api/licences/{licence.uuid}/show",
        data={"scene": scene},
        content_type="application/json",
        **csrf_headers(licence_client),
    )
    assert answer.status_code == 200, answer.content
    return answer.json()["token"]


def verify(key: str | None, token: str, cause: str = "旅馆住宿登记"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return Client().post(
        VERIFY, data={"token": token, "cause": cause}, content_type="application/json", **headers
    )


def test_a_verifier_sees_only_the_scenes_fields_once_and_the_holder_sees_the_use(lib, issue, verifiers):
    licence = issue()
    holder = login_client(lib["holder"].user)
    token = shown(holder, licence)
    answer = verify(verifiers["hotel_key"], token)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    # The hotel scene's mask is the name only: not the occupation, the grade or the ID number.
    assert body["fields"] == {"name": "张三"} and body["field_titles"] == {"name": "姓名"}
    assert body["licence"]["status"] == "01" and body["scene"] == "hotel"
    from tongban.licences.api import VerifyOut  # the answer is rendered without the schema: it must fit it

    assert VerifyOut.model_validate(body).verified_at.tzinfo is not None
    assert set(body) == set(VerifyOut.model_fields) and body["result"] == "valid"
    assert lib["holder"].id_number not in answer.content.decode()
    use = LicenceUse.objects.get(licence=licence)
    assert (use.user_label, use.channel, use.scene, use.fields) == (
        "锦江之星（南京东路店）",
        "verify",
        "hotel",
        ["name"],
    )
    # The same token again: refused, nothing disclosed, no second use.
    again = verify(verifiers["hotel_key"], token)
    assert again.status_code == 409 and again.json()["code"] == "token_used" and "fields" not in again.json()
    assert LicenceUse.objects.count() == 1
    page = holder.get(f"/licences/{licence.uuid}/").content.decode()
    assert "锦江之星（南京东路店）" in page and "旅馆住宿登记" in page


def _swap_signature(token: str, other: str) -> str:
    return ".".join(token.split(".")[:2] + other.split(".")[2:])


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    data["fld"] = ["name", "occupation", "grade"]  # ask for more fields than the scene shows
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("tampered", 400, "token_invalid"),
        ("another_licences_signature", 400, "token_invalid"),
        ("expired", 400, "token_expired"),
        ("scene_not_permitted", 403, "scene_not_permitted"),
        ("revoked", 409, "licence_not_valid"),
        ("no_credentials", 401, "not_authenticated"),
        ("wrong_key", 401, "not_authenticated"),
        ("no_cause", 422, "cause_required"),
        ("garbage", 400, "token_invalid"),
    ],
)
def test_every_refusal_has_its_code_and_discloses_nothing(lib, issue, verifiers, case, status, code):
    licence, other = issue(), issue(face={"name": "张三", "occupation": "焊工"})
    holder = login_client(lib["holder"].user)
    token, key, cause = shown(holder, licence), verifiers["hotel_key"], "旅馆住宿登记"
    if case == "tampered":
        token = _tamper(token)
    elif case == "another_licences_signature":
        token = _swap_signature(token, shown(holder, other))
    elif case == "expired":
        token = make_show_token(licence, Scene.HOTEL, now=time.time() - 61).token
    elif case == "scene_not_permitted":
        key = verifiers["police_key"]
    elif case == "revoked":
        licence_change_status(actor=None, licence=licence, action="revoke", reason="违法经营")
    elif case == "no_credentials":
        key = None
    elif case == "wrong_key":
        key = verifiers["hotel_key"][:-2] + "xx"
    elif case == "no_cause":
        cause = "  "
    elif case == "garbage":
        token = "not.a.token"
    answer = verify(key, token, cause)
    assert answer.status_code == status, answer.content
    body = answer.json()
    assert body["code"] == code and "fields" not in body and "张三" not in answer.content.decode()
    if case == "revoked":
        assert body["details"]["licence_status"] == LicenceStatus.REVOKED
    assert not LicenceUse.objects.exists()


def test_oauth2_client_credentials_give_an_access_token_for_verifying(lib, issue, verifiers):
    _prefix, key_id, secret = verifiers["hotel_key"].split("_", 2)
    client = Client()
    form = "application/x-www-form-urlencoded"
    bad = client.post(
        "/api/licences/oauth/token",
        urlencode({"grant_type": "client_credentials", "client_id": key_id, "client_secret": "wrong"}),
        content_type=form,
    )
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    basic = base64.b64encode(f"{key_id}:{secret}".encode()).decode()
    good = client.post(
        "/api/licences/oauth/token",
        "grant_type=client_credentials",
        content_type=form,
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert good.status_code == 200 and good.json()["token_type"] == "Bearer"
    token = shown(login_client(lib["holder"].user), issue())
    assert verify(good.json()["access_token"], token).json()["fields"] == {"name": "张三"}
    verifiers["hotel"].active = False
    verifiers["hotel"].save()
    token = shown(login_client(lib["holder"].user), issue(face={"name": "张三", "occupation": "木工"}))
    assert verify(good.json()["access_token"], token).status_code == 401  # a disabled verifier's token


def test_window_staff_verify_with_their_login_in_the_window_scene_only(lib, issue, make_staff, make_person):
    licence = issue("business")
    token = shown(login_client(lib["holder"].user), licence, Scene.WINDOW)
    clerk = login_client(make_staff(lib["market"], Role.WINDOW_CLERK))
    answer = clerk.post(
        VERIFY,
        data={"token": token, "cause": "窗口办事核验"},
        content_type="application/json",
        **csrf_headers(clerk),
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["fields"] == {"name": lib["company"].name, "legal_representative": "张三"}
    # A department reviewer may verify the department scene only; a citizen may not verify at all.
    hotel_token = shown(login_client(lib["holder"].user), issue(), Scene.HOTEL)
    reviewer = login_client(lib["market_reviewer"])
    refused = reviewer.post(
        VERIFY,
        data={"token": hotel_token, "cause": "核验"},
        content_type="application/json",
        **csrf_headers(reviewer),
    )
    assert refused.status_code == 403 and refused.json()["code"] == "scene_not_permitted"
    citizen = login_client(make_person("王五").user)
    refused = citizen.post(
        VERIFY,
        data={"token": hotel_token, "cause": "核验"},
        content_type="application/json",
        **csrf_headers(citizen),
    )
    assert refused.status_code == 403 and refused.json()["code"] == "not_a_verifier"


def test_a_scene_the_type_is_not_shown_in_and_someone_elses_licence_are_refused(lib, issue):
    licence = issue()
    holder = login_client(lib["holder"].user)
    answer = holder.post(
        f"/api/licences/{licence.uuid}/show",
        data={"scene": Scene.ROADSIDE},
        content_type="application/json",
        **csrf_headers(holder),
    )
    assert answer.status_code == 422 and answer.json()["code"] == "scene_not_allowed"
    stranger = login_client(lib["stranger"].user)
    answer = stranger.post(
        f"/api/licences/{licence.uuid}/show",
        data={"scene": Scene.HOTEL},
        content_type="application/json",
        **csrf_headers(stranger),
    )
    assert answer.status_code == 404
    assert stranger.get(f"/licences/{licence.uuid}/show/").status_code == 404


def test_the_show_page_draws_a_black_qr_for_a_valid_licence_and_a_red_one_otherwise(lib, issue):
    licence = issue()
    holder = login_client(lib["holder"].user)
    page = holder.get(f"/licences/{licence.uuid}/show/?scene=hotel").content.decode()
    assert (
        "<svg" in page and 'stroke="#000"' in page and "证照有效" in page and 'hx-trigger="every 50s"' in page
    )
    licence_change_status(actor=None, licence=licence, action="suspend", reason="核查")
    fragment = holder.get(f"/licences/{licence.uuid}/show/?scene=hotel", HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert (
        'stroke="#c8102e"' in text and 'stroke="#000"' not in text and "<html" not in text and "暂扣" in text
    )


def test_the_status_list_tells_offline_verifiers_each_licences_status(lib, issue):
    valid, suspended, revoked = (
        issue(),
        issue(face={"name": "张三", "occupation": "a"}),
        issue(face={"name": "张三", "occupation": "b"}),
    )
    licence_change_status(actor=None, licence=suspended, action="suspend", reason="核查")
    licence_change_status(actor=None, licence=revoked, action="revoke", reason="违法")
    indices = {x.pk: x.status_index for x in (valid, suspended, revoked)}
    assert len(set(indices.values())) == 3 and None not in indices.values()
    show_key()  # the platform's key signs the lists; it is published with the issuers' keys
    keys = {k["kid"]: k for k in jwks()["keys"]}
    for licence, expected in (
        (valid, STATUS_VALID),
        (suspended, STATUS_SUSPENDED),
        (revoked, STATUS_INVALID),
    ):
        list_id, index = divmod(licence.status_index, 2**20)
        answer = Client().get(f"/api/licences/status-lists/{list_id}")
        assert answer.status_code == 200 and answer["Content-Type"] == "application/statuslist+jwt"
        assert "max-age=300" in answer["Cache-Control"]
        token = answer.content.decode()
        header = jwt.get_unverified_header(token)
        assert header["typ"] == "statuslist+jwt" and keys[header["kid"]]
        claims = jwt.decode(token, jwt.PyJWK(keys[header["kid"]]).key, algorithms=["ES256"])
        assert claims["status_list"]["bits"] == 2 and claims["sub"].endswith(f"/status-lists/{list_id}")
        raw = zlib.decompress(base64.urlsafe_b64decode(claims["status_list"]["lst"] + "=="))
        assert len(raw) == 2**20 // 4 and status_of(raw, index) == expected
    assert Client().get("/api/licences/status-lists/9999").status_code == 404
    # The show key is the platform's own, published with the issuers' keys.
    from tongban.licences.models import IssuerKey

    assert IssuerKey.objects.filter(department_uuid=PLATFORM_UUID).count() == 1


@pytest.fixture
def good_token(lib, issue):
    return shown(login_client(lib["holder"].user), issue())


def _mutate(token: str, data) -> str:
    kind = data.draw(st.sampled_from(["replace", "insert", "delete", "truncate", "swap_parts"]))
    if kind == "swap_parts":
        parts = token.split(".")
        return ".".join(data.draw(st.permutations(parts)))
    position = data.draw(st.integers(0, len(token) - 1))
    if kind == "truncate":
        return token[:position]
    if kind == "delete":
        return token[:position] + token[position + 1 :]
    char = data.draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.="))
    if kind == "insert":
        return token[:position] + char + token[position:]
    return token[:position] + char + token[position + 1 :]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_bytes_and_mutated_tokens_never_give_a_5xx_or_a_field(verifiers, good_token, data):
    if data.draw(st.booleans()):
        token = _mutate(good_token, data)
        if token == good_token:
            return
    else:
        token = data.draw(st.binary(max_size=400)).decode("latin-1")
    answer = Client().post(
        VERIFY,
        data=json.dumps({"token": token, "cause": "旅馆住宿登记"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {verifiers['hotel_key']}",
    )
    assert answer.status_code < 500
    assert answer.status_code != 200 and "fields" not in answer.json()
    assert not LicenceUse.objects.exists()


def test_the_cli_registers_a_verifier_whose_printed_key_verifies(lib, issue, capsys):
    from tongban.cli import main

    assert (
        main(["licences", "add-verifier", "--name", "网鱼网咖", "--kind", "internet_cafe", "--scenes", "x"])
        == 1
    )
    assert "verifier_invalid" in capsys.readouterr().out
    args = [
        "licences",
        "add-verifier",
        "--name",
        "网鱼网咖",
        "--kind",
        "internet_cafe",
        "--scenes",
        "internet_cafe",
    ]
    assert main(args) == 0
    key = (
        capsys.readouterr()
        .out.split("key (shown once; OAuth2 client_id is the part after tbv_): ")[1]
        .strip()
    )
    licence = issue()
    licence.type.scene_fields = {**licence.type.scene_fields, "internet_cafe": ["name"]}
    licence.type.save()
    token = shown(login_client(lib["holder"].user), licence, Scene.INTERNET_CAFE)
    answer = verify(key, token, "上网实名登记")
    assert answer.status_code == 200 and answer.json()["fields"] == {"name": "张三"}


def test_the_verification_read_gives_what_the_orm_gives(issue):
    # verify_shown reads the licence with one statement made from the models' metadata (not the ORM's
    # compiler): the values, their Python types and the attached type must be the ORM's.
    import uuid

    from tongban.licences.models import Licence
    from tongban.licences.verification_sql import licence_for_verify

    licence = issue(valid_until=None)
    read = licence_for_verify(licence.uuid)
    orm = Licence.objects.select_related("type").get(pk=licence.pk)
    for name in ("pk", "uuid", "current", "status", "valid_from", "valid_until", "face", "type_id"):
        assert getattr(read, name) == getattr(orm, name), name
        assert type(getattr(read, name)) is type(getattr(orm, name)), name
    for name in ("pk", "code", "name", "scene_fields", "face_fields"):
        assert getattr(read.type, name) == getattr(orm.type, name), name
    assert read.get_status_display() == orm.get_status_display()
    assert licence_for_verify(uuid.uuid4()) is None


def test_a_verification_reads_and_logs_in_one_statement_on_postgresql_and_logs_only_the_masks_fields(
    lib, issue, verifiers
):
    from django.db import connection

    from tongban.licences.models import LicenceType

    licence = issue()
    holder = login_client(lib["holder"].user)
    narrowed, kept, late = shown(holder, licence), shown(holder, licence), shown(holder, licence)
    # The type's hotel mask is narrowed after the tokens were shown: the token asks for the name, the
    # verification may answer and log only what the scene allows now.
    LicenceType.objects.filter(pk=licence.type_id).update(
        scene_fields={**licence.type.scene_fields, "hotel": []}
    )
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)  # every statement, prepared or not
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        answer = verify(verifiers["hotel_key"], narrowed)
    assert answer.status_code == 200 and answer.json()["fields"] == {}
    assert LicenceUse.objects.get(token_id__isnull=False).fields == []
    if connection.vendor == "postgresql":
        # The licence read and the insert are one statement, sent with its parameters apart (prepared);
        # the verifier and the show key are read once, then cached.
        rest = [q for q in statements if "licences_verifier" not in q and "licences_issuerkey" not in q]
        assert len(rest) == 1 and rest[0].startswith("WITH lic AS (SELECT") and "INSERT INTO" in rest[0], rest
    else:
        assert len([q for q in statements if "licences_licenceuse" in q]) == 1

    LicenceType.objects.filter(pk=licence.type_id).update(
        scene_fields={**licence.type.scene_fields, "hotel": ["grade", "name"]}
    )
    assert verify(verifiers["hotel_key"], kept).json()["fields"] == {"name": "张三"}
    assert sorted(LicenceUse.objects.values_list("fields", flat=True), key=len) == [[], ["name"]]
    # Suspended after it was shown: refused, and the refusal logs no use (the insert's own conditions).
    licence_change_status(actor=None, licence=licence, action="suspend", reason="核查中")
    refused = verify(verifiers["hotel_key"], late)
    assert refused.status_code == 409 and refused.json()["code"] == "licence_not_valid"
    assert LicenceUse.objects.count() == 2


def _malleated(token: str) -> str:
    """The same token with the ECDSA signature (r, s) replaced by (r, n − s), which ECDSA also accepts."""
    from tongban.licences.keys import P256_ORDER

    head, body, signature = token.split(".")
    raw = base64.urlsafe_b64decode(signature + "==")
    s = int.from_bytes(raw[32:], "big")
    twin = raw[:32] + (P256_ORDER - s).to_bytes(32, "big")
    return f"{head}.{body}.{base64.urlsafe_b64encode(twin).rstrip(b'=').decode()}"


def test_a_malleated_signature_is_refused_and_the_original_is_accepted(lib, issue, verifiers):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    from tongban.licences.show import TokenRefused, read_show_token

    token = shown(login_client(lib["holder"].user), issue())
    twin = _malleated(token)
    # The twin is a valid ECDSA signature of the same bytes: only the low-s rule tells them apart.
    head, body, signature = twin.split(".")
    raw = base64.urlsafe_b64decode(signature + "==")
    public = jwt.PyJWK(show_key().public_jwk).key
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))

    with pytest.raises(TokenRefused) as refused:
        read_show_token(twin)
    assert refused.value.code == "token_invalid"
    answer = verify(verifiers["hotel_key"], twin)
    assert answer.status_code == 400 and answer.json()["code"] == "token_invalid"
    assert not LicenceUse.objects.exists()
    assert read_show_token(token)["jti"]
    assert verify(verifiers["hotel_key"], token).status_code == 200


def test_the_status_list_sub_is_the_credentials_status_uri_whatever_the_request(lib, issue, settings):
    settings.TONGBAN_PUBLIC_BASE_URL = "https://tongban.example.gov.cn"
    licence = issue()
    holder = login_client(lib["holder"].user)
    exported = holder.post(
        f"/api/licences/{licence.uuid}/sd-jwt?via=wallet",
        {"holder_jwk": None},
        content_type="application/json",
        HTTP_HOST="localhost",
        **csrf_headers(holder),
    )
    assert exported.status_code == 200, exported.content
    body = exported.content.decode().split("~")[0].split(".")[1]
    uri = json.loads(base64.urlsafe_b64decode(body + "=="))["status"]["status_list"]["uri"]
    list_id = licence.status_index // 2**20
    assert uri == f"https://tongban.example.gov.cn/api/licences/status-lists/{list_id}"
    keys = {k["kid"]: k for k in jwks()["keys"]}
    for query, host in (
        ("", "testserver"),
        ("?cache=bust", "testserver"),
        ("", "127.0.0.1"),
        ("?a=1", "[::1]"),
    ):
        answer = Client().get(f"/api/licences/status-lists/{list_id}{query}", HTTP_HOST=host)
        assert answer.status_code == 200, (query, host)
        token = answer.content.decode()
        key = jwt.PyJWK(keys[jwt.get_unverified_header(token)["kid"]]).key
        assert jwt.decode(token, key, algorithms=["ES256"])["sub"] == uri, (query, host)


def test_the_platform_key_is_in_the_jwks_once_migrate_has_run(db, client):
    from django.core.management import call_command

    from tongban.licences.models import IssuerKey

    def published_platform_keys():
        platform = set(IssuerKey.objects.filter(department_uuid=PLATFORM_UUID).values_list("kid", flat=True))
        return [k for k in client.get("/api/licences/jwks").json()["keys"] if k["kid"] in platform]

    # The test database was made by migrate: no token or list has been made, yet the key is published.
    assert len(published_platform_keys()) == 1
    IssuerKey.objects.all().delete()
    assert published_platform_keys() == []
    call_command("migrate", verbosity=0)
    assert len(published_platform_keys()) == 1
    call_command("migrate", verbosity=0)  # again: still the one key
    assert IssuerKey.objects.filter(department_uuid=PLATFORM_UUID).count() == 1
