"""Licence mutual recognition between two deployments (docs/domain/federation.md §4): 江苏 issues a residence
permit; a hotel registered in 上海 checks its SD-JWT VC (valid, then revoked once 上海's cached status list is
older than its ttl, then — 江苏 stopped — from the cache within the offline bound and refused beyond it) and
its 亮证 QR code (verified by 江苏, which records the use for the holder; refused a second time; a forged code,
or one signed with a key not on the trust list, refused without asking 江苏)."""

from __future__ import annotations

import json
import secrets
import time
import uuid

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.federation.cluster import ROOT, Region
from tongban.federation import keys

pytestmark = [pytest.mark.postgres, pytest.mark.cluster]

SH, JS = "310000", "320000"
PASSWORD = "Tongban-recognition-2026!"
PHONE = "13900000001"

SETUP_JS = f"""
from stdnum.cn import ric
from tongban.accounts.constants import AssuranceLevel, OrgKind
from tongban.accounts.models import Person, User
from tongban.accounts.services import organisation_create
from tongban.licences.constants import HolderKind
from tongban.licences.services import licence_issue, licence_type_create

region = organisation_create(actor=None, kind=OrgKind.REGION, name="江苏省", division_code="320000")
police = organisation_create(
    actor=None, kind=OrgKind.DEPARTMENT, name="江苏省公安厅", parent=region, uscc="11320000014000044K"
)
licence_type_create(
    actor=None,
    code="11320000014000044K001",
    name="江苏省居住证",
    define_authority_name="江苏省公安厅",
    holder_kind=HolderKind.RESIDENT_ID,
    face_schema={{"type": "object", "required": ["name"], "properties": {{
        "name": {{"type": "string", "title": "姓名"}}, "address": {{"type": "string", "title": "居住地址"}}}}}},
    validity_years=1,
    multiple_per_holder=True,
    scene_fields={{"hotel": ["name"], "window": ["name", "address"]}},
    issuer_department_uuids=[police.uuid],
)
body = "32010219900307123"
id_number = body + ric.calc_check_digit(body + "0")
user = User.objects.create_user(username="{PHONE}", password="{PASSWORD}", phone="{PHONE}", display_name="王小明")
Person.objects.create(user=user, real_name="王小明", id_number=id_number, phone="{PHONE}",
                      assurance_level=AssuranceLevel.L2)
for n in range(2):
    licence = licence_issue(
        actor=None, type_code="11320000014000044K001", holder_code=id_number, holder_name="王小明",
        issuer_uuid=police.uuid, issuer_name=police.name, issuer_code=police.uscc,
        face={{"name": "王小明", "address": "南京市玄武区示范路1号"}},
    )
    print("LICENCE", licence.uuid)
"""

SETUP_SH = """
from tongban.licences.constants import Scene, VerifierKind
from tongban.licences.verifiers import verifier_create

_v, key = verifier_create(actor=None, name="如家酒店（人民广场店）", kind=VerifierKind.HOTEL, scenes=[Scene.HOTEL])
print("KEY", key)
"""


@pytest.fixture(scope="module")
def region():
    region = Region([SH, JS])
    try:
        region.start()
        # The licences exist before 江苏 joins: its descriptor publishes its issuer's key and its 亮证 key.
        out = region[JS].python(SETUP_JS)
        region.licences = [line.split()[1] for line in out.splitlines() if line.startswith("LICENCE")]
        region.hotel_key = next(
            line.split()[1] for line in region[SH].python(SETUP_SH).splitlines() if line.startswith("KEY")
        )
        region.join()
        done = region[SH].tongban(
            "federation", "licence-types", "import", str(ROOT / "docs/federation/licence-types-csj.json")
        )
        assert "15 types" in done.stdout, done.stdout
        yield region
    except BaseException:
        print(region.dump_logs())
        raise
    finally:
        region.close()


@pytest.fixture(scope="module")
def holder(region):
    """The holder, logged in at 江苏 (a browser's session and CSRF cookie)."""
    client = httpx.Client(base_url=region[JS].url, timeout=10)
    answer = client.post("/api/auth/login", json={"username": PHONE, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
    yield client
    client.close()


def credential(holder, licence: str) -> str:
    answer = holder.post(f"/api/licences/{licence}/sd-jwt", json={})
    assert answer.status_code == 200, answer.text
    return answer.text


def show(holder, licence: str) -> str:
    answer = holder.post(f"/api/licences/{licence}/show", json={"scene": "hotel"})
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def check(region, text: str) -> httpx.Response:
    return region[SH].post(
        "/api/federation/licences/verify-credential",
        {"credential": text},
        headers={"Authorization": f"Bearer {region.hotel_key}"},
    )


def verify(region, token: str) -> httpx.Response:
    return region[SH].post(
        "/api/licences/verify",
        {"token": token, "cause": "旅馆住宿登记"},
        headers={"Authorization": f"Bearer {region.hotel_key}"},
    )


def age_cache(region, interval: str) -> None:
    region[SH].sql(
        "UPDATE federation_statuslistcache SET fetched_at = now() - %s::interval RETURNING id", interval
    )


def home_checks(region) -> int:
    return region[JS].sql(
        "SELECT count(*) FROM core_auditevent WHERE action = 'federation.licence_verified_for_member'"
    )[0][0]


def test_a_credential_of_jiangsu_is_valid_in_shanghai_and_revoked_after_the_ttl(region, holder):
    text = credential(holder, region.licences[0])
    answer = check(region, text)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["result"] == "valid", body
    assert body["member"] == {"code": JS, "name": "江苏省"}
    assert body["licence_type"]["local_type_name"] == "上海市居住证"
    assert body["disclosed"]["face"]["name"] == "王小明" and body["status"]["source"] == "fresh"
    region[JS].python(
        "from tongban.licences.models import Licence\n"
        "from tongban.licences.services import licence_change_status\n"
        f"licence_change_status(actor=None, licence=Licence.objects.get(uuid='{region.licences[0]}'),"
        " action='revoke', reason='测试')"
    )
    # 上海 answers from its cached list while it is younger than the list's ttl …
    assert check(region, text).json()["status"]["source"] == "cache"
    # … and fetches it again once older: the revocation shows.
    age_cache(region, "10 minutes")
    after = check(region, text).json()
    assert (after["result"], after["reason"], after["status"]["source"]) == ("invalid", "revoked", "fresh")


def test_a_qr_code_of_jiangsu_is_verified_by_jiangsu_once_and_the_holder_sees_the_use(region, holder):
    token = show(holder, region.licences[1])
    answer = verify(region, token)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["fields"] == {"name": "王小明"} and body["licence"]["type_name"] == "江苏省居住证"
    assert body["member"]["code"] == JS and body["member"]["local_type_name"] == "上海市居住证"
    assert region[JS].sql("SELECT user_label, scene, cause FROM licences_licenceuse") == [
        ("上海市 · 如家酒店（人民广场店）", "hotel", "旅馆住宿登记")
    ]
    page = holder.get(f"/licences/{region.licences[1]}/")
    assert "上海市 · 如家酒店（人民广场店）" in page.text
    again = verify(region, token)
    assert (again.status_code, again.json()["code"]) == (409, "token_used")


def test_a_forged_qr_code_and_one_of_an_unlisted_key_are_refused_without_asking_jiangsu(region, holder):
    before = home_checks(region)
    token = show(holder, region.licences[1])
    head, body, _sig = token.split(".")
    forged = keys.sign_compact(
        ec.generate_private_key(ec.SECP256R1()), json.loads(keys.unb64(head)), json.loads(keys.unb64(body))
    )
    assert verify(region, forged).json()["code"] == "token_invalid"
    now = int(time.time())
    unlisted = keys.sign_compact(
        ec.generate_private_key(ec.SECP256R1()),
        {"alg": "ES256", "kid": "lic-20261208-notlisted", "typ": "tongban-show+jwt"},
        {
            "lic": uuid.uuid4().hex,
            "scn": "hotel",
            "fld": ["name"],
            "iat": now,
            "exp": now + 60,
            "jti": secrets.token_urlsafe(16),
        },
    )
    assert verify(region, unlisted).json()["code"] == "token_invalid"
    assert home_checks(region) == before
    # The genuine token is still unused.
    assert verify(region, token).status_code == 200


def test_jiangsu_stopped_its_status_is_used_from_the_cache_within_the_offline_bound(region, holder):
    text = credential(holder, region.licences[1])
    assert check(region, text).json()["result"] == "valid"
    region[JS].stop()
    age_cache(region, "2 hours")
    body = check(region, text).json()
    assert (body["result"], body["status"]["source"]) == ("valid", "offline"), body
    age_cache(region, "25 hours")
    refused = check(region, text)
    assert refused.status_code == 503 and refused.json()["code"] == "federation_status_unavailable"
