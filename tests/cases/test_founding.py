"""开办企业 to the issued licence: the 营业执照 step registers the new enterprise (its USCC assigned, GB 32100
and GB 11714 check characters, the applicant its legal representative) and issues its 营业执照 into the
enterprise's card bag; the later steps take the USCC and the licence from that result and record their own
results; the combined form asks for neither; a result that cannot be made refuses the step."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from pypdf import PdfReader

from tests.cases.conftest import Upload, pdf_bytes
from tests.catalog.conftest import APPLICATION
from tests.catalog.test_versions import good_fields
from tests.conftest import csrf_headers, login_client
from tongban.accounts.constants import OrgKind, Role
from tongban.accounts.facade import actor_for
from tongban.accounts.models import BusinessRegisterEntry, Enterprise
from tongban.accounts.services import organisation_create
from tongban.cases.constants import CaseStatus, StepStatus
from tongban.cases.models import Case, CaseEvent
from tongban.cases.services import case_accept, case_submit, step_claim, step_decide
from tongban.catalog.services import bundle_create, item_create, version_publish
from tongban.core.errors import DomainError
from tongban.core.identifiers import mask_id_number, validate_uscc
from tongban.licences.constants import HolderKind
from tongban.licences.keys import verify_licence_signature
from tongban.licences.models import Licence
from tongban.licences.services import licence_type_create

pytestmark = pytest.mark.django_db
BUSINESS = "11100000000013338W001"
FACE = ["name", "enterprise_type", "legal_representative", "registered_capital", "established_on", "address"]
LICENCE_FORM = {
    "type": "object",
    "properties": {
        "company_name": {"type": "string", "title": "企业名称", "maxLength": 100},
        "enterprise_type": {
            "type": "string",
            "title": "企业类型",
            "enum": ["有限责任公司（自然人独资）", "股份有限公司"],
        },
        "legal_representative": {"type": "string", "title": "法定代表人", "maxLength": 50},
        "registered_capital": {"type": "number", "title": "注册资本（万元）", "minimum": 0},
        "premises_address": {"type": "string", "title": "经营场所地址", "maxLength": 200},
        "id_number": {"type": "string", "title": "公民身份号码", "maxLength": 18},
        "contact_phone": {"type": "string", "title": "联系电话", "pattern": "^[0-9-]{7,20}$"},
    },
    "required": ["company_name", "enterprise_type", "legal_representative", "registered_capital"],
}
SEAL_FORM = {
    "type": "object",
    "properties": {
        "company_name": {"type": "string", "title": "企业名称", "maxLength": 100},
        "uscc": {"type": "string", "title": "统一社会信用代码", "pattern": "^[0-9A-Z]{18}$"},
    },
    "required": ["company_name", "uscc"],
}
BUSINESS_LICENCE = {
    "key": "business-licence",
    "name": "营业执照",
    "source": "licence",
    "licence_type_code": BUSINESS,
    "exempt_when_obtainable": True,
}
GOOD = {
    "company_name": "上海赵六咖啡有限公司",
    "enterprise_type": "有限责任公司（自然人独资）",
    "legal_representative": "赵六",
    "registered_capital": 50,
    "premises_address": "上海市黄浦区中山东一路1号",
}


@pytest.fixture
def founding(world, make_staff):
    """开办企业 in small: 营业执照核发 (the market department, yields the 营业执照) then 公章刻制备案 (the police,
    a filing that needs the company's USCC and its 营业执照)."""
    return build_founding(world, make_staff, SEAL_FORM, result_kind="filing", result_name="印章备案信息")


def build_founding(world, make_staff, seal_form: dict, *, result_kind: str, result_name: str) -> dict:
    """The small 开办企业 bundle, its 公章刻制 step with this form and result (a filing, or the seals)."""
    market = world["depts"]["market"]
    police = organisation_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="上海市公安局", parent=market.parent, uscc=""
    )
    licence_type_create(
        actor=None,
        code=BUSINESS,
        name="营业执照",
        define_authority_name="国家市场监督管理总局",
        holder_kind=HolderKind.USCC,
        face_schema={
            "type": "object",
            "properties": {key: {"type": "string", "title": key} for key in FACE},
            "required": FACE,
        },
        issuer_department_uuids=[str(market.uuid)],
    )

    def item(n, dept, name, form, materials, **extra):
        fields = good_fields(dept, name=name, form_schema=form, service_objects=["1", "2"], **extra)
        draft = item_create(
            actor=None,
            implementation_code=f"FOUND-{n}",
            basic_code=f"F{n}",
            fields=fields,
            materials=materials,
        )
        return version_publish(actor=None, version=draft)

    licence = item(1, market, "营业执照核发", LICENCE_FORM, [APPLICATION], result_licence_type_code=BUSINESS)
    seal = item(
        2,
        police,
        "公章刻制备案",
        seal_form,
        [BUSINESS_LICENCE],
        result_kind=result_kind,
        result_name=result_name,
    )
    bundle = bundle_create(
        actor=None,
        name="开办企业",
        theme="开办企业",
        audience="2",
        lead_department_uuid=market.uuid,
        steps=[
            {"key": "licence", "item_version": str(licence.uuid), "budget_days": 1},
            {"key": "seal", "item_version": str(seal.uuid), "budget_days": 1, "depends_on": ["licence"]},
        ],
    )
    return {"bundle": bundle, "police_reviewer": make_staff(police, Role.REVIEWER)}


def apply(world, founding, form=None, key="found-0001"):
    person = world["applicant"]
    case, _ = case_submit(
        actor=actor_for(person.user),
        target_kind="bundle",
        target_uuid=founding["bundle"].uuid,
        applicant_kind="person",
        applicant_uuid=person.uuid,
        form_data=GOOD if form is None else form,
        idempotency_key=key,
        files={"application-form": Upload(pdf_bytes())},
    )
    return case


def decide(reviewer, step):
    step = step_claim(actor=actor_for(reviewer), step=step)
    return step_decide(actor=actor_for(reviewer), step=step, decision="pass", opinion="")


def test_the_combined_form_asks_neither_the_uscc_nor_the_licence_the_bundle_produces(world, founding):
    bundle = founding["bundle"]
    assert "uscc" not in bundle.form_schema["properties"] and "uscc" not in bundle.form_schema["required"]
    assert "company_name" in bundle.form_schema["required"]
    made = {m["key"]: m for m in bundle.materials}
    assert made["business-licence"]["produced_by"] == "licence" and made["business-licence"]["obtained"]
    # And an application without them is taken: the 营业执照 is noted as the licence step's result.
    case = apply(world, founding)
    material = case.materials.get(key="business-licence")
    assert material.mode == "obtained" and "营业执照核发" in material.source_note


def test_the_licence_step_registers_the_enterprise_and_issues_its_business_licence(world, founding):
    case = case_accept(actor=actor_for(world["clerk"]), case=apply(world, founding))
    decide(world["reviewers"]["market"], case.steps.get(key="licence"))

    enterprise = Enterprise.objects.get()
    assert enterprise.name == GOOD["company_name"] and enterprise.kind == "llc"
    assert enterprise.legal_representative == world["applicant"]
    assert validate_uscc(enterprise.uscc) == enterprise.uscc  # GB 32100 and GB 11714 check characters
    assert enterprise.uscc[:8] == "91310000"  # market regulation, an enterprise, the region's division
    assert BusinessRegisterEntry.objects.get(uscc=enterprise.uscc).legal_representative_id_number == (
        world["applicant"].id_number
    )
    licence = Licence.objects.get(case_uuid=case.uuid)
    assert (licence.holder_kind, licence.holder_code, licence.holder_name) == (
        HolderKind.USCC,
        enterprise.uscc,
        GOOD["company_name"],
    )
    assert (
        licence.face["legal_representative"] == "赵六"
        and licence.face["registered_capital"] == "50万元人民币"
    )
    assert licence.face["address"] == GOOD["premises_address"] and verify_licence_signature(licence)
    case.refresh_from_db()
    assert case.form_data["uscc"] == enterprise.uscc  # the later steps read it from the result
    step = case.steps.get(key="licence")
    assert step.result["kind"] == "licence" and step.result["number"] == licence.number
    assert step.result["uscc"] == enterprise.uscc
    # The seal step's 营业执照 is now that licence.
    assert case.materials.get(key="business-licence").licence["number"] == licence.number
    assert CaseEvent.objects.filter(case=case, action="enterprise_established").exists()

    decide(founding["police_reviewer"], case.steps.get(key="seal"))
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED and case.outcome == "approved"
    seal = case.steps.get(key="seal")
    assert seal.result == {
        "kind": "filing",
        "name": "印章备案信息",
        "reference": f"{case.number}-02",
        "department_name": "上海市公安局",
    }
    # The founder's card bag holds the enterprise's 营业执照.
    bag = login_client(world["applicant"].user).get("/licences/").content.decode()
    assert GOOD["company_name"] in bag and licence.number in bag


def test_the_legal_representative_is_the_applicant(world, founding):
    with pytest.raises(DomainError) as refused:
        apply(world, founding, form={**GOOD, "legal_representative": "钱七"})
    assert refused.value.code == "legal_representative_not_applicant"


def test_a_result_that_cannot_be_made_refuses_the_step_and_writes_nothing(world, founding):
    """A company name the register refuses (one character): the step stays claimed, nothing registered."""
    case = case_accept(
        actor=actor_for(world["clerk"]), case=apply(world, founding, form={**GOOD, "company_name": "赵"})
    )
    reviewer = world["reviewers"]["market"]
    step = step_claim(actor=actor_for(reviewer), step=case.steps.get(key="licence"))
    with pytest.raises(DomainError) as refused:
        step_decide(actor=actor_for(reviewer), step=step, decision="pass", opinion="")
    assert (
        refused.value.code == "result_not_made"
        and refused.value.details["problem"] == "invalid_enterprise_name"
    )
    step.refresh_from_db()
    case.refresh_from_db()
    assert step.status == StepStatus.CLAIMED and not step.result and case.status == CaseStatus.IN_PROCESS
    assert not Enterprise.objects.exists() and not Licence.objects.exists()
    assert not CaseEvent.objects.filter(case=case, action__in=["step_pass", "licence_issued"]).exists()


def founded(world, founding, case=None):
    """A 开办企业 case (accepted, or a new one) run to its conclusion."""
    case = case or case_accept(actor=actor_for(world["clerk"]), case=apply(world, founding))
    decide(world["reviewers"]["market"], case.steps.get(key="licence"))
    decide(founding["police_reviewer"], case.steps.get(key="seal"))
    case.refresh_from_db()
    return case


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_case_page_gives_the_licence_and_the_result_document(world, founding):
    applicant = login_client(world["applicant"].user)
    case = case_accept(actor=actor_for(world["clerk"]), case=apply(world, founding))
    assert applicant.get(f"/cases/{case.uuid}/result.pdf").status_code == 404  # not concluded yet
    case = founded(world, founding, case)
    licence = Licence.objects.get(case_uuid=case.uuid)
    page = applicant.get(f"/cases/{case.uuid}/")
    body = page.content.decode()
    assert f'href="/licences/{licence.uuid}/pdf"' in body and f"/cases/{case.uuid}/result.pdf" in body
    assert "印章备案信息" in page_text(page) and licence.number in page_text(page)
    # The licence itself opens for the founder (the enterprise's legal representative).
    assert applicant.get(f"/licences/{licence.uuid}/pdf").status_code == 200
    document = applicant.get(f"/cases/{case.uuid}/result.pdf")
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(document.content)).pages)
    for expected in (
        "办结通知书",
        case.number,
        "营业执照",
        licence.number,
        "印章备案信息",
        f"{case.number}-02",
    ):
        assert expected in text
    stranger = login_client(world["stranger"].user)
    assert stranger.get(f"/cases/{case.uuid}/result.pdf").status_code == 404


def test_progress_lookup_by_number_and_code_shows_only_status_and_steps(world, founding):
    case = case_accept(actor=actor_for(world["clerk"]), case=apply(world, founding))
    anonymous = Client(REMOTE_ADDR="198.51.100.7")
    anonymous.get("/cases/lookup/")
    found = anonymous.post("/cases/lookup/", {"number": case.number.lower(), "code": case.lookup_code})
    shown = page_text(found)
    assert found.status_code == 200 and "营业执照核发" in shown and "公章刻制备案" in shown
    assert (
        "赵六" not in shown
        and GOOD["company_name"] not in shown
        and world["applicant"].id_number not in shown
    )
    wrong = "000000" if case.lookup_code != "000000" else "111111"
    missed = anonymous.post("/cases/lookup/", {"number": case.number, "code": wrong})
    assert missed.status_code == 404 and "办件编号或查询码不正确" in page_text(missed)
    assert "营业执照核发" not in page_text(missed)
    for _ in range(8):
        anonymous.post("/cases/lookup/", {"number": case.number, "code": wrong})
    throttled = anonymous.post("/cases/lookup/", {"number": case.number, "code": case.lookup_code})
    assert throttled.status_code == 429 and "营业执照核发" not in page_text(throttled)


def test_the_form_starts_filled_from_the_signed_in_identity(world, founding):
    person = world["applicant"]
    applicant = login_client(person.user)
    url = f"/apply/bundle/{founding['bundle'].uuid}/"
    body = applicant.get(url).content.decode()
    masked = mask_id_number(person.id_number)
    assert f'value="{masked}"' in body and person.id_number not in body
    assert 'name="f_legal_representative" value="赵六"' in body.replace('id="f_legal_representative" ', "")
    assert f'value="{person.phone}"' in body
    assert 'name="f_uscc"' not in body and 'name="m_business-licence"' not in body
    posted = applicant.post(
        url,
        {
            "form_token": "p" * 32,
            "applicant": str(person.uuid),
            "delivery_method": "online",
            **{f"f_{k}": str(v) for k, v in GOOD.items()},
            "f_id_number": masked,
            "f_contact_phone": person.phone,
            "m_application-form": Upload(pdf_bytes()),
        },
        **csrf_headers(applicant),
    )
    assert posted.status_code == 302
    case = Case.objects.get()
    assert case.form_data["id_number"] == person.id_number  # the masked value put back


def test_the_lookup_api_answers_status_and_steps_only(world, founding):
    case = apply(world, founding)
    anonymous = Client(REMOTE_ADDR="198.51.100.8")
    answer = anonymous.post(
        "/api/cases/lookup",
        {"number": case.number, "code": case.lookup_code},
        content_type="application/json",
    )
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {
        "number",
        "name",
        "status",
        "outcome",
        "submitted_at",
        "due_on",
        "concluded_at",
        "steps",
    }
    assert [s["name"] for s in body["steps"]] == ["营业执照核发", "公章刻制备案"]
    assert set(body["steps"][0]) == {"name", "department_name", "status"}
    missed = anonymous.post(
        "/api/cases/lookup", {"number": case.number, "code": "x"}, content_type="application/json"
    )
    assert missed.status_code == 404 and missed.json()["code"] == "lookup_not_found"
