"""Issuing, signing, versions, status changes and who sees what in the licence library."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from tests.conftest import csrf_headers, login_client
from tests.licences.conftest import BUSINESS, VOCATIONAL
from tongban.accounts.facade import actor_for
from tongban.core.errors import InvalidInput, PermissionDenied
from tongban.core.models import AuditEvent
from tongban.licences import keys
from tongban.licences.errors import LicenceConflict
from tongban.licences.identifiers import parse_licence_id
from tongban.licences.models import IssuerKey, Licence
from tongban.licences.services import licence_change_status, licence_new_version
from tongban.notifications.models import Message

pytestmark = pytest.mark.django_db


def test_an_issued_licence_has_a_checked_identifier_and_the_issuers_signature(lib, issue):
    licence = issue()
    parts = parse_licence_id(licence.identifier)
    assert (
        parts["type_code"] == VOCATIONAL and parts["issuer_code"] == lib["hr"].uscc and parts["version"] == 1
    )
    assert keys.verify_licence_signature(licence)
    key = IssuerKey.objects.get(kid=licence.kid)
    assert key.department_uuid == lib["hr"].uuid and key.active
    # The private key is stored encrypted: neither the DER nor the PEM markers are in the stored bytes.
    stored = bytes(key.private_key_encrypted)
    assert b"PRIVATE KEY" not in stored and stored.startswith(b"gAAAAA")  # a Fernet token
    # Any change to the signed data breaks the signature.
    licence.face = {**licence.face, "grade": "一级"}
    assert not keys.verify_licence_signature(licence)
    assert Message.objects.filter(user_id=lib["holder"].user.pk, body__contains="职业资格证书").exists()


def test_rotation_keeps_old_signatures_checkable_and_a_new_key_encryption_key_can_be_added(lib, issue):
    first = issue()
    new_key = keys.issuer_key_rotate(lib["hr"].uuid)
    second = issue()
    assert second.kid == new_key.kid != first.kid
    published = {k["kid"] for k in keys.jwks()["keys"]}
    assert {first.kid, second.kid} <= published
    assert keys.verify_licence_signature(Licence.objects.get(pk=first.pk))
    fresh = Fernet.generate_key().decode()
    with override_settings(TONGBAN_KEY_ENCRYPTION_KEYS=[fresh]):  # the new key alone cannot read old rows
        keys._load_private.cache_clear()
        with pytest.raises(RuntimeError, match="cannot be decrypted"):
            issue()
    derived = keys._derived_key().decode()
    with override_settings(TONGBAN_KEY_ENCRYPTION_KEYS=[fresh, derived]):
        keys._load_private.cache_clear()
        assert keys.keys_reencrypt() == 3  # the two HR keys and the platform's (made by migrate)
    with override_settings(TONGBAN_KEY_ENCRYPTION_KEYS=[fresh]):  # after re-encryption the new key suffices
        keys._load_private.cache_clear()
        assert keys.verify_licence_signature(issue())
    keys._load_private.cache_clear()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"holder_code": "WRONG_CHECK_DIGIT"}, "invalid_id_number"),
        (
            {"face": {"name": "张三", "grade": "特级"}},
            "face_invalid",
        ),  # occupation missing, grade not allowed
        ({"type_code": "11100000000013338W999"}, "unknown_licence_type"),
        ({"holder_name": "  "}, "holder_name_required"),
    ],
)
def test_bad_issuance_is_refused_with_a_code_and_writes_nothing(lib, issue, overrides, code):
    if overrides.get("holder_code") == "WRONG_CHECK_DIGIT":  # the holder's number with another check digit
        number = lib["holder"].id_number
        overrides = {"holder_code": number[:-1] + ("1" if number[-1] != "1" else "2")}
    with pytest.raises(InvalidInput) as exc:
        issue(**overrides)
    assert exc.value.code == code
    if code == "face_invalid":
        assert {e["field"] for e in exc.value.details["errors"]} == {"occupation", "grade"}
    assert not Licence.objects.exists()


def test_only_the_types_issuers_issue_and_single_instance_types_refuse_a_second(lib, issue):
    with pytest.raises(PermissionDenied):
        issue(issuer_uuid=lib["market"].uuid, issuer_name=lib["market"].name, issuer_code=lib["market"].uscc)
    issue("business")
    with pytest.raises(LicenceConflict) as exc:
        issue("business")
    assert exc.value.code == "licence_exists"
    issue()
    issue()  # vocational certificates: one holder may hold several
    assert Licence.objects.filter(type__code=VOCATIONAL).count() == 2


def test_a_change_is_a_new_version_linked_to_the_previous(lib, issue):
    first = issue("business")
    second = licence_new_version(
        actor=actor_for(lib["market_issuer"]),
        licence=first,
        face={**first.face, "registered_capital": "500万元"},
        reason="增资",
    )
    assert second.version == 2 and second.previous_id == first.pk and second.number == first.number
    a, b = parse_licence_id(first.identifier), parse_licence_id(second.identifier)
    assert (a["serial"], a["version"], b["version"]) == (b["serial"], 1, 2)
    assert keys.verify_licence_signature(second)
    first.refresh_from_db()
    assert not first.current
    with pytest.raises(LicenceConflict):
        licence_new_version(actor=None, licence=first)
    # The database itself allows one next version only, and one licence per status-list place (both
    # unique where set: licences without them, such as imported ones, add nothing to those indexes).
    from django.db import IntegrityError, transaction

    for field, value in (("previous_id", first.pk), ("status_index", second.status_index)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Licence.objects.filter(pk=issue().pk).update(**{field: value})
    assert Licence.objects.filter(previous=None, status_index=None).count() == 0
    Licence.objects.filter(pk__in=[issue().pk, issue().pk]).update(status_index=None)
    assert Licence.objects.filter(previous=None, status_index=None).count() == 2


def test_status_changes_follow_the_rules_and_are_audited(lib, issue):
    licence = issue()
    with pytest.raises(InvalidInput):
        licence_change_status(
            actor=actor_for(lib["hr_issuer"]), licence=licence, action="suspend", reason=" "
        )
    licence = licence_change_status(
        actor=actor_for(lib["hr_issuer"]), licence=licence, action="suspend", reason="违规执业"
    )
    assert licence.status == "02"
    with pytest.raises(LicenceConflict):
        licence_change_status(
            actor=actor_for(lib["hr_issuer"]), licence=licence, action="suspend", reason="再次"
        )
    licence = licence_change_status(
        actor=actor_for(lib["hr_issuer"]), licence=licence, action="restore", reason="整改完成"
    )
    licence = licence_change_status(
        actor=actor_for(lib["hr_issuer"]), licence=licence, action="cancel", reason="本人申请注销"
    )
    assert licence.status == "04"
    with pytest.raises(LicenceConflict):
        licence_change_status(
            actor=actor_for(lib["hr_issuer"]), licence=licence, action="restore", reason="恢复"
        )
    actions = list(
        AuditEvent.objects.filter(object_type="licence", object_id=str(licence.uuid))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["licence.issue", "licence.suspend", "licence.restore", "licence.cancel"]
    assert Message.objects.filter(user_id=lib["holder"].user.pk, body__contains="暂扣").exists()


def test_the_holder_sees_their_own_and_their_companys_licences_and_nobody_else_does(lib, issue, client):
    mine, company = issue(), issue("business")
    holder = login_client(lib["holder"].user)
    listed = holder.get("/api/licences").json()
    assert {row["uuid"] for row in listed["items"]} == {str(mine.uuid), str(company.uuid)}
    row = next(r for r in listed["items"] if r["uuid"] == str(mine.uuid))
    assert row["holder_code_masked"] != lib["holder"].id_number and row["holder_code_masked"].endswith(
        lib["holder"].id_number[-4:]
    )
    detail = holder.get(f"/api/licences/{mine.uuid}")
    assert detail.status_code == 200 and detail.json()["face"]["occupation"] == "电工"
    assert lib["holder"].id_number not in detail.content.decode()
    assert AuditEvent.objects.filter(action="licence.view", object_id=str(mine.uuid)).count() == 1
    stranger = login_client(lib["stranger"].user)
    assert stranger.get("/api/licences").json()["items"] == []
    for url in (f"/api/licences/{mine.uuid}", f"/licences/{mine.uuid}/", "/api/licences/not-a-uuid"):
        assert stranger.get(url).status_code in (404, 422)
    assert stranger.get(f"/licences/{company.uuid}/").status_code == 404
    assert client.get("/api/licences").status_code == 401
    page = holder.get(f"/licences/{company.uuid}/").content.decode()
    assert "上海示范科技有限公司" in page and "谁使用了我的证照" in page


@pytest.mark.parametrize(("url", "queries"), [("/api/licences", 7), ("/licences/", 8)])
def test_the_card_bag_costs_the_same_queries_however_many_licences(
    lib, issue, assert_flat_queries, url, queries
):
    licences = [issue(), issue("business")]  # the holder's own and their company's
    holder = login_client(lib["holder"].user)

    def grow():
        licences.extend(issue(face={"name": "张三", "occupation": job}) for job in ("焊工", "钳工"))

    answers = assert_flat_queries(queries, lambda: holder.get(url).content.decode(), grow)
    assert [sum(str(licence.uuid) in answer for licence in licences) for answer in answers] == [2, 4]


def test_issuers_change_status_over_the_api_and_others_get_404(lib, issue):
    licence = issue()
    url = f"/api/staff/licences/{licence.uuid}/status"
    other = login_client(lib["market_issuer"])  # issuer, but of another department
    r = other.post(
        url, {"action": "suspend", "reason": "x"}, content_type="application/json", **csrf_headers(other)
    )
    assert r.status_code == 404
    reviewer = login_client(lib["market_reviewer"])
    r = reviewer.post(
        url, {"action": "suspend", "reason": "x"}, content_type="application/json", **csrf_headers(reviewer)
    )
    assert r.status_code == 404
    issuer = login_client(lib["hr_issuer"])
    r = issuer.post(
        url,
        {"action": "revoke", "reason": "以欺骗手段取得"},
        content_type="application/json",
        **csrf_headers(issuer),
    )
    assert r.status_code == 200 and r.json()["status"] == "07"
    r = issuer.post(
        url, {"action": "restore", "reason": "?"}, content_type="application/json", **csrf_headers(issuer)
    )
    assert r.status_code == 409 and r.json()["code"] == "invalid_status_change"
    r = issuer.post(
        url, {"action": "explode", "reason": "?"}, content_type="application/json", **csrf_headers(issuer)
    )
    assert r.status_code == 422


def test_departments_issue_over_the_api_with_a_scoped_key(lib, make_api_client, client):
    _client, key = make_api_client(lib["market"], ["licences:issue"])
    _other, weak_key = make_api_client(lib["market"], ["orgs:read"])
    body = {
        "type_code": BUSINESS,
        "holder_code": lib["company"].uscc,
        "holder_name": lib["company"].name,
        "face": {"name": lib["company"].name, "legal_representative": "张三"},
    }
    r = client.post(
        "/api/licences", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {weak_key}"
    )
    assert r.status_code == 403 and r.json()["code"] == "scope_missing"
    r = client.post("/api/licences", body, content_type="application/json")
    assert r.status_code == 401
    bad = {**body, "holder_code": "91310101MA1FPX1230"}
    r = client.post("/api/licences", bad, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert r.status_code == 422 and r.json()["code"] == "invalid_uscc"
    r = client.post(
        "/api/licences", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert r.status_code == 201, r.content
    made = r.json()
    assert made["issuer_name"] == lib["market"].name and made["signature"].count(".") == 2
    assert made["signature"].split(".")[1] == ""  # detached payload
    jwks = client.get("/api/licences/jwks")
    assert jwks.status_code == 200 and "max-age" in jwks["Cache-Control"]
    assert made["kid"] in {k["kid"] for k in jwks.json()["keys"]}
    assert all("d" not in k for k in jwks.json()["keys"])  # no private part


def test_the_key_commands_rotate_a_departments_key_and_reencrypt(lib, issue, capsys):
    from tongban.cli import main

    first = issue()
    assert main(["licences", "rotate-key", "--department", str(lib["hr"].uuid)]) == 0
    assert "new key" in capsys.readouterr().out
    assert IssuerKey.objects.filter(department_uuid=lib["hr"].uuid, active=True).get().kid != first.kid
    assert main(["licences", "rotate-key", "--department", str(lib["market"].uuid)]) == 1  # has no key yet
    assert "error" in capsys.readouterr().out
    assert main(["licences", "rotate-key", "--department", "not-a-uuid"]) == 1
    assert main(["licences", "rekey"]) == 0
    assert "3 keys" in capsys.readouterr().out  # the two HR keys and the platform's (made by migrate)
    assert keys.verify_licence_signature(Licence.objects.get(pk=first.pk))
