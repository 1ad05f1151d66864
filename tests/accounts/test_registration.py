"""Registration of persons and enterprises through the API, with every bad input refused cleanly."""

import logging

import pytest

from tests.conftest import PASSWORD, csrf_headers, login_client, make_id_number, make_phone, send_sms_code
from tongban.accounts.constants import AssuranceLevel
from tongban.accounts.models import BusinessRegisterEntry, Enterprise, Person, PopulationRegisterEntry, User
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def send_code(client, phone, purpose="register"):
    return send_sms_code(client, phone, purpose)


def register_payload(**overrides):
    data = {
        "real_name": "李小红",
        "id_kind": "111",
        "id_number": make_id_number(),
        "phone": make_phone(),
        "password": PASSWORD,
        "sms_code": "000000",
    }
    data.update(overrides)
    return data


def test_a_person_registers_with_an_sms_code_and_is_matched_against_the_register(client):
    data = register_payload()
    PopulationRegisterEntry.objects.create(id_number=data["id_number"], real_name=data["real_name"])
    data["sms_code"] = send_code(client, data["phone"])
    response = client.post("/api/register/person", data, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id_number"] == data["id_number"]  # the holder sees their own number
    assert body["assurance_level"] == AssuranceLevel.L2
    person = Person.objects.get(id_number=data["id_number"])
    assert person.user.check_password(PASSWORD)
    event = AuditEvent.objects.get(action="person.register", object_id=str(person.uuid))
    assert event.after["id_number"] == data["id_number"][:6] + "********" + data["id_number"][-4:]
    assert data["id_number"] not in str(event.after)


def test_a_person_not_in_the_register_stays_at_l1(client):
    data = register_payload()
    data["sms_code"] = send_code(client, data["phone"])
    response = client.post("/api/register/person", data, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["assurance_level"] == AssuranceLevel.L1


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("id_number", "110101199003071230", "invalid_id_number"),
        ("id_number", "11010120990307123X", "invalid_id_number"),
        ("phone", "1380000", "invalid_phone"),
        ("real_name", "张3", "invalid_real_name"),
        ("password", "12345678", "invalid_password"),
    ],
)
def test_bad_registration_input_answers_422_with_its_code_and_creates_nothing(client, field, value, code):
    data = register_payload()
    data["sms_code"] = send_code(client, data["phone"])
    data[field] = value
    users, persons, events = User.objects.count(), Person.objects.count(), AuditEvent.objects.count()
    response = client.post("/api/register/person", data, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    assert body["details"]["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])  # a Chinese message
    assert (User.objects.count(), Person.objects.count(), AuditEvent.objects.count()) == (
        users,
        persons,
        events,
    )


def test_a_wrong_sms_code_is_refused_and_nothing_is_created(client):
    data = register_payload()
    real = send_code(client, data["phone"])
    data["sms_code"] = "000000" if real != "000000" else "111111"
    response = client.post("/api/register/person", data, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_sms_code"
    assert not Person.objects.filter(id_number=data["id_number"]).exists()


def test_registering_twice_answers_409(client, make_person):
    existing = make_person()
    data = register_payload(id_number=existing.id_number)
    data["sms_code"] = send_code(client, data["phone"])
    response = client.post("/api/register/person", data, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "already_registered"


def test_schema_violations_answer_422_listing_every_field(client):
    response = client.post("/api/register/person", {"real_name": 5}, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    fields = {f["field"] for f in body["details"]["fields"]}
    assert {"id_number", "phone", "sms_code", "password"} <= fields


def test_no_id_number_or_phone_reaches_the_logs_during_registration_and_login(client, caplog):
    data = register_payload()
    with caplog.at_level(logging.DEBUG):
        data["sms_code"] = send_code(client, data["phone"])
        assert client.post("/api/register/person", data, content_type="application/json").status_code == 201
        bad = {"username": data["phone"], "password": "wrong-password"}
        assert client.post("/api/auth/login", bad, content_type="application/json").status_code == 401
        good = {"username": data["phone"], "password": PASSWORD}
        assert client.post("/api/auth/login", good, content_type="application/json").status_code == 200
        code = send_code(client, data["phone"], purpose="login")
        client.post("/api/auth/logout", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
        sms = {"phone": data["phone"], "code": code}
        assert client.post("/api/auth/sms/login", sms, content_type="application/json").status_code == 200
    assert caplog.records, "the flow logs something, so the check below is meaningful"
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    assert data["id_number"] not in text
    assert data["phone"] not in text
    assert data["phone"][-8:] not in text


# --- enterprises --------------------------------------------------------------------------------------
VALID_USCC = "91310000MA1FL2WY4F"


def test_uscc_fixture_is_valid():
    from tongban.core.identifiers import validate_uscc

    assert validate_uscc(VALID_USCC) == VALID_USCC  # both check characters (GB 11714 and GB 32100)


def test_a_legal_representative_registers_an_enterprise(make_person):
    person = make_person(level=AssuranceLevel.L2)
    BusinessRegisterEntry.objects.create(
        uscc=VALID_USCC, name="上海测试科技有限公司", legal_representative_id_number=person.id_number
    )
    client = login_client(person.user)
    payload = {"name": "上海测试科技有限公司", "uscc": VALID_USCC, "kind": "llc"}
    response = client.post(
        "/api/enterprises", payload, content_type="application/json", **csrf_headers(client)
    )
    assert response.status_code == 201, response.content
    assert response.json()["i_am_legal_representative"] is True
    assert Enterprise.objects.get(uscc=VALID_USCC).legal_representative == person
    again = client.post("/api/enterprises", payload, content_type="application/json", **csrf_headers(client))
    assert again.status_code == 409 and again.json()["code"] == "enterprise_exists"


@pytest.mark.parametrize(
    ("level", "uscc", "status", "code"),
    [
        (AssuranceLevel.L1, VALID_USCC, 403, "assurance_too_low"),
        (AssuranceLevel.L2, VALID_USCC[:-1] + "0", 422, "invalid_uscc"),
    ],
)
def test_enterprise_registration_refusals(make_person, level, uscc, status, code):
    client = login_client(make_person(level=level).user)
    payload = {"name": "上海测试科技有限公司", "uscc": uscc, "kind": "llc"}
    response = client.post(
        "/api/enterprises", payload, content_type="application/json", **csrf_headers(client)
    )
    assert response.status_code == status
    assert response.json()["code"] == code
    assert not Enterprise.objects.exists()


def test_only_the_registered_legal_representative_may_register_the_enterprise(make_person):
    real, squatter = (
        make_person(real_name="王五", level=AssuranceLevel.L3),
        make_person(level=AssuranceLevel.L3),
    )
    BusinessRegisterEntry.objects.create(
        uscc=VALID_USCC, name="上海测试科技有限公司", legal_representative_id_number=real.id_number
    )
    client = login_client(squatter.user)
    payload = {"name": "上海测试科技有限公司", "uscc": VALID_USCC, "kind": "llc"}
    response = client.post(
        "/api/enterprises", payload, content_type="application/json", **csrf_headers(client)
    )
    assert response.status_code == 403 and response.json()["code"] == "legal_representative_mismatch"
    assert not Enterprise.objects.exists()


def test_a_session_post_without_csrf_token_is_refused(make_person):
    client = login_client(make_person().user)
    payload = {"name": "上海测试科技有限公司", "uscc": VALID_USCC, "kind": "llc"}
    response = client.post("/api/enterprises", payload, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_registration_says_nothing_about_an_identity_without_a_valid_code(client, make_person):
    person = make_person()
    payload = {
        "real_name": "张三",
        "id_number": person.id_number,
        "phone": "13912340000",
        "password": PASSWORD,
        "sms_code": "000000",
    }
    response = client.post("/api/register/person", payload, content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "invalid_sms_code"
