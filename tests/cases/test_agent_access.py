"""What an agent (代办) sees and does: only the items they are authorised for, only while the authorisation
is active, the principal's licences only when it names licence use; the principal acts on every case made in
their name. One access matrix over the API and the pages, on both databases (issue 13 §2)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.cases.conftest import pdf_bytes
from tests.catalog.test_versions import good_fields
from tests.conftest import csrf_headers, login_client
from tongban.accounts.constants import AssuranceLevel, EnterpriseKind, OrgKind, Role
from tongban.accounts.facade import actor_for
from tongban.accounts.models import Enterprise
from tongban.accounts.services import (
    AuthorisationGrant,
    authorisation_grant,
    authorisation_revoke,
    organisation_create,
)
from tongban.catalog.services import item_create, version_publish
from tongban.licences.constants import HolderKind, Scene
from tongban.licences.services import licence_issue, licence_type_create

pytestmark = pytest.mark.django_db

FORM = {
    "type": "object",
    "properties": {"note": {"type": "string", "title": "说明", "maxLength": 50}},
    "required": [],
}
APPLICATION = {"key": "application-form", "name": "申请书", "source": "upload"}
USCC = "91310000MA1FL2WY4F"


@pytest.fixture
def firm(make_person, make_staff):
    region = organisation_create(actor=None, kind=OrgKind.REGION, name="上海市", division_code="310000")
    dept = organisation_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="上海市公安局", parent=region, uscc="11310000MB2F31883R"
    )

    def item(code, name):
        draft = item_create(
            actor=None,
            implementation_code=code,
            basic_code=code,
            fields=good_fields(
                dept, name=name, form_schema=FORM, service_objects=["2"], required_assurance_level=1
            ),
            materials=[APPLICATION],
        )
        return version_publish(actor=None, version=draft)

    seal = item("SEAL-FILING", "公章刻制备案")
    other = item("OTHER-ITEM", "其他事项")
    rep = make_person("王五", level=AssuranceLevel.L3)
    company = Enterprise.objects.create(
        name="上海授权示范公司", uscc=USCC, kind=EnterpriseKind.LLC, legal_representative=rep
    )
    business = licence_type_create(
        actor=None,
        code="11100000000013338W001",
        name="营业执照",
        define_authority_name="国家市场监督管理总局",
        holder_kind=HolderKind.USCC,
        face_schema={"type": "object", "properties": {"name": {"type": "string", "title": "名称"}}},
        scene_fields={Scene.WINDOW: ["name"]},
        issuer_department_uuids=[dept.uuid],
    )
    licence = licence_issue(
        actor=None,
        type_code=business.code,
        holder_code=USCC,
        holder_name=company.name,
        issuer_uuid=dept.uuid,
        issuer_name=dept.name,
        issuer_code=dept.uscc,
        face={"name": company.name},
    )
    today = timezone.localdate()

    def agent(name, **grant):
        person = make_person(name)
        authorisation = authorisation_grant(
            actor=actor_for(rep.user),
            enterprise=company,
            grant=AuthorisationGrant(
                agent_id_kind="111",
                agent_id_number=person.id_number,
                agent_real_name=name,
                valid_from=today,
                valid_until=today + timedelta(days=30),
                **grant,
            ),
        )
        return person, authorisation

    seal_agent, _ = agent("李四", all_items=False, item_codes=("SEAL-FILING",))
    full_agent, _ = agent("赵六", all_items=True, licence_use=True)
    former_agent, former = agent("孙七", all_items=True, licence_use=True)
    return {
        "seal": seal,
        "other": other,
        "company": company,
        "licence": licence,
        "reviewer": make_staff(dept, Role.REVIEWER),
        "users": {
            "principal": rep.user,
            "seal_agent": seal_agent.user,
            "full_agent": full_agent.user,
            "former_agent": former_agent.user,
            "stranger": make_person("钱八").user,
        },
        "revoke_former": lambda: authorisation_revoke(actor=actor_for(rep.user), authorisation=former),
    }


def apply(client, firm, item, key):
    headers = {**csrf_headers(client), "HTTP_IDEMPOTENCY_KEY": key}
    return client.post(
        "/api/cases",
        {
            "target_kind": "item",
            "target": str(item.item.uuid),
            "applicant_kind": "enterprise",
            "applicant": str(firm["company"].uuid),
            "form_data": {},
            "materials": [
                {
                    "key": "application-form",
                    "filename": "申请书.pdf",
                    "content_base64": base64.b64encode(pdf_bytes()).decode(),
                }
            ],
        },
        content_type="application/json",
        **headers,
    )


def test_an_agent_limited_to_an_item_applies_for_it_and_for_nothing_else(firm):
    client = login_client(firm["users"]["seal_agent"])
    assert apply(client, firm, firm["seal"], "agent-seal-0001").status_code == 201
    refused = apply(client, firm, firm["other"], "agent-other-001")
    assert refused.status_code == 404 and refused.json()["code"] == "applicant_not_found"


def test_the_access_matrix(firm):
    users = firm["users"]
    clients = {who: login_client(user) for who, user in users.items()}
    principal_seal = apply(clients["principal"], firm, firm["seal"], "principal-seal-1").json()
    principal_other = apply(clients["principal"], firm, firm["other"], "principal-other-1").json()
    by_agent = apply(clients["seal_agent"], firm, firm["seal"], "agent-seal-0001").json()
    by_former = apply(clients["former_agent"], firm, firm["other"], "former-other-01").json()
    firm["revoke_former"]()
    cases = {
        "principal_seal": principal_seal["uuid"],
        "principal_other": principal_other["uuid"],
        "by_agent": by_agent["uuid"],
        "by_former": by_former["uuid"],
    }
    licence = firm["licence"]

    def row(who):
        client = clients[who]
        headers = csrf_headers(client)
        listed = {c["uuid"] for c in client.get("/api/cases").json()["items"]}
        got = {
            "list": {name for name, uuid in cases.items() if uuid in listed},
            "read": {
                name for name, uuid in cases.items() if client.get(f"/api/cases/{uuid}").status_code == 200
            },
            "material": {
                name
                for name, uuid in cases.items()
                if client.get(f"/cases/{uuid}/materials/application-form/").status_code == 200
            },
            "page": {
                name for name, uuid in cases.items() if client.get(f"/cases/{uuid}/").status_code == 200
            },
            "licences": str(licence.uuid)
            in {item["uuid"] for item in client.get("/api/licences").json()["items"]},
            "licence": client.get(f"/api/licences/{licence.uuid}").status_code,
            "pdf": client.get(f"/api/licences/{licence.uuid}/pdf").status_code,
            "sd_jwt": client.post(
                f"/api/licences/{licence.uuid}/sd-jwt", {}, content_type="application/json", **headers
            ).status_code,
            "show": client.post(
                f"/api/licences/{licence.uuid}/show",
                {"scene": Scene.WINDOW},
                content_type="application/json",
                **headers,
            ).status_code,
        }
        return got

    all_cases = set(cases)
    seal_cases = {"principal_seal", "by_agent"}
    full_licence = {"licences": True, "licence": 200, "pdf": 200, "sd_jwt": 200, "show": 200}
    no_licence = {"licences": False, "licence": 404, "pdf": 404, "sd_jwt": 404, "show": 404}
    expected = {
        "principal": {
            "list": all_cases,
            "read": all_cases,
            "material": all_cases,
            "page": all_cases,
            **full_licence,
        },
        "seal_agent": {
            "list": seal_cases,
            "read": seal_cases,
            "material": seal_cases,
            "page": seal_cases,
            **no_licence,
        },
        "full_agent": {
            "list": all_cases,
            "read": all_cases,
            "material": all_cases,
            "page": all_cases,
            **full_licence,
        },
        "former_agent": {"list": set(), "read": set(), "material": set(), "page": set(), **no_licence},
        "stranger": {"list": set(), "read": set(), "material": set(), "page": set(), **no_licence},
    }
    assert {who: row(who) for who in users} == expected

    # Withdrawing: the former agent no longer may, not even the case they submitted; the principal may
    # withdraw the case their agent submitted.
    def withdraw(who, case):
        client = clients[who]
        return client.post(f"/api/cases/{cases[case]}/withdraw", **csrf_headers(client)).status_code

    assert withdraw("former_agent", "by_former") == 404
    assert withdraw("seal_agent", "principal_other") == 404
    assert withdraw("stranger", "by_agent") == 404
    assert withdraw("principal", "by_agent") == 200
    assert withdraw("principal", "by_former") == 200

    # Supplementing: a supplement request on the principal's own case; the item agent supplies for it.
    from tongban.cases.models import Case
    from tongban.cases.services import case_request_supplement

    case_request_supplement(
        actor=actor_for(firm["reviewer"]),
        case=Case.objects.get(uuid=cases["principal_seal"]),
        items=["申请书"],
    )
    material = {
        "key": "application-form",
        "filename": "申请书.pdf",
        "content_base64": base64.b64encode(pdf_bytes()).decode(),
    }

    def supplement(who, case):
        client = clients[who]
        return client.post(
            f"/api/cases/{cases[case]}/supplement",
            {"materials": [material]},
            content_type="application/json",
            **csrf_headers(client),
        ).status_code

    assert supplement("former_agent", "principal_seal") == 404
    assert supplement("stranger", "principal_seal") == 404
    assert supplement("seal_agent", "principal_seal") == 200
