"""Agents (代办): a legal representative authorises agents for the enterprise, a person for themselves."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.accounts.conftest import authorise, make_enterprise
from tests.conftest import csrf_headers, login_client
from tongban.accounts.constants import AssuranceLevel, EnterpriseKind
from tongban.accounts.facade import actor_for, agent_may_act_for_enterprise, agent_may_act_for_person
from tongban.accounts.models import Authorisation, Enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(db):
    """Two published items, ITEM-1 and ITEM-2, and a draft ITEM-3 (authorisations name published items)."""
    from tests.catalog.test_versions import good_fields
    from tongban.accounts.constants import OrgKind
    from tongban.accounts.services import organisation_create
    from tongban.catalog.services import item_create, version_publish

    region = organisation_create(actor=None, kind=OrgKind.REGION, name="上海市", division_code="310000")
    dept = organisation_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="上海市市场监督管理局", parent=region
    )
    made = {}
    for n in (1, 2, 3):
        draft = item_create(
            actor=None,
            implementation_code=f"ITEM-{n}",
            basic_code=f"B{n}",
            fields=good_fields(dept, name=f"事项{n}"),
            materials=[],
        )
        made[n] = version_publish(actor=None, version=draft) if n < 3 else draft
    return made


@pytest.fixture
def company(make_person, items):
    rep = make_person(real_name="王五", level=AssuranceLevel.L3)
    enterprise = Enterprise.objects.create(
        name="上海示范有限公司", uscc="91310000MA1FL2WY4F", kind=EnterpriseKind.LLC, legal_representative=rep
    )
    return enterprise


def grant(client, agent, **extra):
    today = timezone.localdate()
    payload = {
        "agent_id_number": agent.id_number,
        "agent_real_name": agent.real_name,
        "valid_from": str(today),
        "valid_until": str(today + timedelta(days=30)),
    }
    payload.update(extra)
    return client.post(
        "/api/authorisations", payload, content_type="application/json", **csrf_headers(client)
    )


def test_the_legal_representative_authorises_an_agent_for_listed_items_then_revokes(company, make_person):
    agent = make_person(real_name="李四")
    rep_client = login_client(company.legal_representative.user)
    response = grant(rep_client, agent, enterprise=str(company.uuid), all_items=False, item_codes=["ITEM-1"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["active"] is True and body["agent"] == "李*"
    assert agent_may_act_for_enterprise(
        agent=actor_for(agent.user), enterprise_id=company.pk, item_code="ITEM-1"
    )
    assert not agent_may_act_for_enterprise(
        agent=actor_for(agent.user), enterprise_id=company.pk, item_code="ITEM-2"
    )
    agent_client = login_client(agent.user)
    assert [e["name"] for e in agent_client.get("/api/enterprises").json()] == ["上海示范有限公司"]
    assert agent_client.get(f"/api/enterprises/{company.uuid}").status_code == 200
    # The agent can see the authorisation but not revoke it.
    denied = agent_client.post(f"/api/authorisations/{body['uuid']}/revoke", **csrf_headers(agent_client))
    assert denied.status_code == 403
    revoked = rep_client.post(f"/api/authorisations/{body['uuid']}/revoke", **csrf_headers(rep_client))
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    again = rep_client.post(f"/api/authorisations/{body['uuid']}/revoke", **csrf_headers(rep_client))
    assert again.status_code == 409
    assert not agent_may_act_for_enterprise(
        agent=actor_for(agent.user), enterprise_id=company.pk, item_code="ITEM-1"
    )
    assert agent_client.get(f"/api/enterprises/{company.uuid}").status_code == 404


def test_only_the_legal_representative_may_authorise_for_the_enterprise(company, make_person):
    stranger, agent = make_person(real_name="赵六"), make_person(real_name="李四")
    client = login_client(stranger.user)
    response = grant(client, agent, enterprise=str(company.uuid))
    assert response.status_code == 404
    assert not Authorisation.objects.exists()


def test_a_person_authorises_an_agent_for_themselves_within_a_period(make_person, items):
    principal, agent = make_person(real_name="张三"), make_person(real_name="李四")
    client = login_client(principal.user)
    assert grant(client, agent).status_code == 201
    assert agent_may_act_for_person(
        agent=actor_for(agent.user), principal_person_uuid=principal.uuid, item_code="X"
    )
    auth = Authorisation.objects.get()
    Authorisation.objects.filter(pk=auth.pk).update(
        valid_from=timezone.localdate() - timedelta(days=10),
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    assert not agent_may_act_for_person(agent=actor_for(agent.user), principal_person_uuid=principal.uuid)


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"agent_real_name": "不对"}, 404, "agent_not_found"),
        ({"agent_id_number": "110101199003071230"}, 422, "invalid_id_number"),
        ({"valid_until": "2020-01-01", "valid_from": "2019-01-01"}, 422, "invalid_period"),
        ({"all_items": False, "item_codes": []}, 422, "invalid_item_codes"),
        # Codes are checked against the catalog: made-up ones, and items with no published version.
        ({"all_items": False, "item_codes": ["ITEM-1", "MADE-UP"]}, 422, "unknown_item_codes"),
        ({"all_items": False, "item_codes": ["ITEM-3"]}, 422, "unknown_item_codes"),
    ],
)
def test_bad_authorisations_are_refused_with_a_code(make_person, items, change, status, code):
    principal, agent = make_person(real_name="张三"), make_person(real_name="李四")
    client = login_client(principal.user)
    response = grant(client, agent, **change)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert not Authorisation.objects.exists()


def test_nobody_authorises_themselves(make_person):
    person = make_person(real_name="张三")
    response = grant(login_client(person.user), person)
    assert response.status_code == 422 and response.json()["code"] == "invalid_agent"


def test_a_listed_item_authorisation_is_granted_for_published_codes(make_person, items):
    principal, agent = make_person(real_name="张三"), make_person(real_name="李四")
    response = grant(login_client(principal.user), agent, all_items=False, item_codes=["ITEM-1", "ITEM-2"])
    assert response.status_code == 201, response.content
    assert response.json()["item_codes"] == ["ITEM-1", "ITEM-2"] and response.json()["licence_use"] is False


@pytest.mark.parametrize("who", ["principal", "agent"])
def test_identities_the_register_did_not_confirm_neither_grant_nor_receive_authorisations(
    make_person, items, who
):
    principal = make_person(
        real_name="张三", level=AssuranceLevel.L1 if who == "principal" else AssuranceLevel.L2
    )
    agent = make_person(real_name="李四", level=AssuranceLevel.L1 if who == "agent" else AssuranceLevel.L2)
    response = grant(login_client(principal.user), agent)
    expected = {"principal": (403, "identity_unconfirmed"), "agent": (404, "agent_not_found")}[who]
    assert (response.status_code, response.json()["code"]) == expected
    assert not Authorisation.objects.exists()


def test_far_future_periods_and_bad_enterprise_ids_are_refused_not_crashed(make_person):
    principal, agent = make_person(real_name="张三"), make_person(real_name="李四")
    client = login_client(principal.user)
    api = client.post(
        "/api/authorisations",
        {
            "agent_id_number": agent.id_number,
            "agent_real_name": "李四",
            "valid_from": "9999-01-01",
            "valid_until": "9999-12-31",
        },
        content_type="application/json",
        **csrf_headers(client),
    )
    assert api.status_code == 422 and api.json()["code"] == "invalid_period"
    page = client.post(
        "/accounts/me/authorisations/",
        {"enterprise": "not-a-uuid", "agent_real_name": "李四", "agent_id_number": agent.id_number},
        **csrf_headers(client),
    )
    assert page.status_code == 404


# --- what a person's lists cost -------------------------------------------------------------------------
@pytest.fixture
def principal(make_person, items):
    """``(client, grow)``: a person at L3, logged in, with two of every row their lists show — an enterprise
    they represent, an authorisation they give for it and one for themselves (for a listed item), one they
    hold from another person, a read of their data in the audit trail — and ``grow()``, which adds two more
    of each."""
    from tongban.core.audit import SYSTEM, audit_record

    person = make_person(real_name="王五", level=AssuranceLevel.L3)
    counter = iter(range(1, 1000))

    def add():
        authorise(person, make_person(real_name="赵六"), enterprise=make_enterprise(person, next(counter)))
        authorise(person, make_person(real_name="孙七"), item_codes=[items[1].item.implementation_code])
        authorise(make_person(real_name="周八"), person)
        audit_record(
            actor=SYSTEM, action="person.lookup", object_id=person.uuid, subject_user_id=person.user_id
        )

    def grow():
        add(), add()

    grow()
    return login_client(person.user), grow


def test_my_enterprises_and_authorisations_cost_the_same_queries_however_many(principal, assert_flat_queries):
    client, grow = principal
    enterprises = assert_flat_queries(3, lambda: client.get("/api/enterprises").json(), grow)
    assert [len(e) for e in enterprises] == [2, 4]
    authorisations = assert_flat_queries(4, lambda: client.get("/api/authorisations").json(), grow)
    assert [(len(a["given"]), len(a["held"])) for a in authorisations] == [(8, 4), (12, 6)]


def test_my_page_costs_the_same_queries_however_many_rows_it_lists(principal, assert_flat_queries):
    client, grow = principal
    # 7: the access log also reads the use log of the person's own licences (谁使用了我的信息, one query).
    pages = assert_flat_queries(7, lambda: client.get("/accounts/me/").content.decode(), grow)
    for page, n in zip(pages, (2, 4), strict=True):
        assert page.count("<td>91310000MA1FL") == n  # the enterprises table
        assert page.count("有效期至") == n  # held
        assert page.count("工作人员查询了您的身份信息") == n  # the access log
