"""Who may hold an ID number: an identity the population register did not confirm holds nothing anyone
trusts; a squatted number goes back to its owner (by the register, or at a window) and the squatter is
frozen; licence types demand their real-name level. The attack of issue 13 §1, end to end over the API."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD, csrf_headers, login_client, make_id_number, make_phone, send_sms_code
from tongban.accounts.constants import AssuranceLevel, EnterpriseKind, Role
from tongban.accounts.models import Enterprise, Person, PopulationRegisterEntry, User
from tongban.core.models import AuditEvent
from tongban.licences.constants import Scene
from tongban.licences.services import licence_issue, licence_type_set_assurance

pytestmark = pytest.mark.django_db

REAL_NAME = "陈真人"


@pytest.fixture
def victim_number(lib):
    """A resident in the population register who has not registered; a department issued them a licence."""
    number = make_id_number(division="310115", birth="19800101")
    PopulationRegisterEntry.objects.create(id_number=number, real_name=REAL_NAME)
    licence = licence_issue(
        actor=None,
        type_code=lib["vocational"].code,
        holder_code=number,
        holder_name=REAL_NAME,
        issuer_uuid=lib["hr"].uuid,
        issuer_name=lib["hr"].name,
        issuer_code=lib["hr"].uscc,
        face={"name": REAL_NAME, "occupation": "电工", "grade": "三级"},
    )
    return number, licence


def register(name: str, number: str, phone: str | None = None) -> tuple[Client, dict]:
    client = Client()
    phone = phone or make_phone()
    code = send_sms_code(client, phone)
    response = client.post(
        "/api/register/person",
        {
            "real_name": name,
            "id_kind": "111",
            "id_number": number,
            "phone": phone,
            "password": PASSWORD,
            "sms_code": code,
        },
        content_type="application/json",
    )
    return client, {"status": response.status_code, "body": response.json(), "phone": phone}


def logged_in(phone: str) -> Client:
    return login_client(User.objects.get(phone=phone))


def uses_of(client: Client, licence) -> dict[str, int]:
    """What the account can do with the licence: list it, read it, show it, export it."""
    headers = csrf_headers(client)
    listed = [item["uuid"] for item in client.get("/api/licences").json()["items"]]
    return {
        "listed": str(licence.uuid) in listed,
        "read": client.get(f"/api/licences/{licence.uuid}").status_code,
        "show": client.post(
            f"/api/licences/{licence.uuid}/show",
            {"scene": Scene.HOTEL},
            content_type="application/json",
            **headers,
        ).status_code,
        "pdf": client.get(f"/api/licences/{licence.uuid}/pdf").status_code,
        "sd_jwt": client.post(
            f"/api/licences/{licence.uuid}/sd-jwt", {}, content_type="application/json", **headers
        ).status_code,
    }


NOTHING = {"listed": False, "read": 404, "show": 404, "pdf": 404, "sd_jwt": 404}
EVERYTHING = {"listed": True, "read": 200, "show": 200, "pdf": 200, "sd_jwt": 200}


def test_an_id_number_alone_takes_nothing_and_the_real_resident_registers_and_freezes_the_squatter(
    victim_number,
):
    number, licence = victim_number
    # The attacker knows the number, not the name: the register does not match, the account stays at L1.
    _client, squat = register("冒用者", number)
    assert squat["status"] == 201, squat["body"]
    assert squat["body"]["assurance_level"] == 1
    squatter = logged_in(squat["phone"])
    assert squatter.get("/api/me").json()["person"]["identity_confirmed"] is False
    assert uses_of(squatter, licence) == NOTHING
    # Nor can they apply as that person, or authorise anyone in that name.
    assert squatter.post(
        "/api/authorisations",
        {
            "agent_id_number": make_id_number(),
            "agent_real_name": "李四",
            "valid_from": "2026-12-02",
            "valid_until": "2026-12-31",
        },
        content_type="application/json",
        **csrf_headers(squatter),
    ).json()["code"] in {"identity_unconfirmed", "invalid_period"}

    # The real resident registers with their number and name: confirmed by the register (L2).
    _client, real = register(REAL_NAME, number)
    assert real["status"] == 201, real["body"]
    assert real["body"]["assurance_level"] == 2
    owner = logged_in(real["phone"])
    assert uses_of(owner, licence) == EVERYTHING
    # The squatting account is frozen: its session is gone, its password no longer logs in, and why is audited.
    assert squatter.get("/api/me").status_code == 401
    refused = Client().post(
        "/api/auth/login", {"username": squat["phone"], "password": PASSWORD}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "account_frozen"
    frozen = User.objects.get(phone=squat["phone"])
    assert frozen.frozen_at is not None and not frozen.is_active
    event = AuditEvent.objects.get(action="account.freeze", object_id=str(frozen.uuid))
    assert event.after["how"] == "register" and number not in str(event.after)
    # A second registration of the confirmed number is refused as before.
    _client, again = register(REAL_NAME, number)
    assert again["status"] == 409 and again["body"]["code"] == "already_registered"


def test_an_unconfirmed_account_confirms_itself_with_the_register_once_it_gives_the_right_name(victim_number):
    number, licence = victim_number
    _client, typo = register("陈真仁", number)  # a typo in the name: L1
    client = logged_in(typo["phone"])
    headers = csrf_headers(client)
    wrong = client.post(
        "/api/me/confirm-identity", {"real_name": "别人"}, content_type="application/json", **headers
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "register_mismatch"
    assert uses_of(client, licence) == NOTHING
    right = client.post(
        "/api/me/confirm-identity", {"real_name": REAL_NAME}, content_type="application/json", **headers
    )
    assert right.status_code == 200, right.content
    assert right.json()["person"]["assurance_level"] == 2 and right.json()["person"]["identity_confirmed"]
    assert uses_of(client, licence) == EVERYTHING


def test_a_claim_made_before_the_real_registration_is_frozen_by_it(victim_number):
    number, _licence = victim_number
    _client, typo = register("陈真仁", number)
    client = logged_in(typo["phone"])
    register(REAL_NAME, number)  # the real person registers: the earlier claim is frozen
    assert client.get("/api/me").status_code == 401


def test_a_window_gives_a_squatted_identity_back_and_what_the_squatter_did_in_its_name_follows(
    victim_number, lib, make_staff
):
    """The squatter knew the name too (the register matched: L2), and registered the resident's company.
    The resident comes to a window with their ID card and their phone."""
    number, licence = victim_number
    _client, squat = register(REAL_NAME, number)
    squatter_person = Person.objects.get(user__phone=squat["phone"])
    company = Enterprise.objects.create(
        name="被冒用公司",
        uscc="91310000MA1FL2WY4F",
        kind=EnterpriseKind.LLC,
        legal_representative=squatter_person,
    )
    assert uses_of(logged_in(squat["phone"]), licence) == EVERYTHING

    clerk = login_client(make_staff(lib["hr"], Role.WINDOW_CLERK))
    phone = make_phone()
    code = send_sms_code(Client(), phone, purpose="recover")
    payload = {
        "id_kind": "111",
        "id_number": number,
        "real_name": REAL_NAME,
        "phone": phone,
        "sms_code": code,
    }
    wrong = clerk.post(
        "/api/persons/recover-at-window",
        {**payload, "sms_code": "000000" if code != "000000" else "111111"},
        content_type="application/json",
        **csrf_headers(clerk),
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "invalid_sms_code"
    # Only a window clerk may do it.
    citizen = login_client(lib["stranger"].user)
    assert (
        citizen.post(
            "/api/persons/recover-at-window",
            payload,
            content_type="application/json",
            **csrf_headers(citizen),
        ).status_code
        == 403
    )
    done = clerk.post(
        "/api/persons/recover-at-window",
        {**payload, "sms_code": code},
        content_type="application/json",
        **csrf_headers(clerk),
    )
    assert done.status_code == 200, done.content
    assert done.json()["assurance_level"] == 3
    owner_user = User.objects.get(phone=phone)
    owner = login_client(owner_user)
    assert uses_of(owner, licence) == EVERYTHING
    company.refresh_from_db()
    assert company.legal_representative.user_id == owner_user.pk
    squatter_user = User.objects.get(phone=squat["phone"])
    assert squatter_user.frozen_at is not None
    assert Person.objects.get(pk=squatter_person.pk).assurance_level == AssuranceLevel.L1
    recovered = AuditEvent.objects.get(action="person.recover_at_window")
    assert recovered.after["accounts_frozen"] == 1 and recovered.after["transferred"]["enterprises"] == 1
    assert number not in str(recovered.after) and phone not in str(recovered.after)


def test_licence_types_demand_their_real_name_level(lib, issue):
    licence = issue()
    holder = lib["holder"]  # L2
    client = login_client(holder.user)
    assert uses_of(client, licence) == EVERYTHING
    licence_type_set_assurance(actor=None, code=lib["vocational"].code, level=3)
    assert uses_of(client, licence) == NOTHING
    page = client.get("/licences/")
    assert "另有 1 张证照需要更高的实名等级（L3）" in page.content.decode()
    Person.objects.filter(pk=holder.pk).update(assurance_level=AssuranceLevel.L3)
    assert uses_of(login_client(User.objects.get(pk=holder.user_id)), licence) == EVERYTHING


def test_the_page_confirms_an_identity_with_the_register(victim_number):
    number, _licence = victim_number
    _client, typo = register("陈真仁", number)
    page = logged_in(typo["phone"])
    me = page.get("/accounts/me/").content.decode()
    assert 'id="confirm-identity"' in me
    wrong = page.post("/accounts/me/confirm-identity/", {"real_name": "别人"}, **csrf_headers(page))
    assert wrong.status_code == 400 and "姓名与证件号码和人口库不一致" in wrong.content.decode()
    right = page.post("/accounts/me/confirm-identity/", {"real_name": REAL_NAME}, **csrf_headers(page))
    assert right.status_code == 302
    assert 'id="confirm-identity"' not in page.get("/accounts/me/").content.decode()
