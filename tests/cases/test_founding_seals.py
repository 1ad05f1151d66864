"""开办企业's 公章刻制 step makes the new company's electronic seals (issue 16 §2): when the police reviewer passes
it, the enterprise the 营业执照 step registered gets its 法定名称章 and the kinds its founder ticked, active at
once, drawn and certified; its legal representative (the applicant) can use them the same day; the case page
and the result document name them. A seal step without the enterprise refuses the pass and makes nothing."""

from __future__ import annotations

import pytest

from tests.cases.test_founding import (
    GOOD,
    apply,
    build_founding,
    decide,
    page_text,
)
from tests.conftest import login_client
from tongban.accounts.facade import actor_for
from tongban.cases.constants import CaseStatus, StepStatus
from tongban.cases.errors import ResultNotMade
from tongban.cases.services import case_accept, step_claim, step_decide
from tongban.seals.facade import seals_usable_by
from tongban.seals.models import Seal
from tongban.seals.sealing import document_verify

pytestmark = pytest.mark.django_db
SEAL_FORM = {
    "type": "object",
    "properties": {
        "company_name": {"type": "string", "title": "企业名称", "maxLength": 100},
        "uscc": {"type": "string", "title": "统一社会信用代码", "pattern": "^[0-9A-Z]{18}$"},
        "seal_kinds": {
            "type": "array",
            "title": "需要的电子印章（法定名称章必制）",
            "items": {"type": "string", "enum": ["财务专用章", "合同专用章", "发票专用章", "法定代表人名章"]},
            "uniqueItems": True,
        },
    },
    "required": ["company_name", "uscc"],
}


@pytest.fixture
def founding(world, make_staff):
    return build_founding(
        world, make_staff, SEAL_FORM, result_kind="electronic_seals", result_name="企业电子印章"
    )


def test_the_seal_step_makes_the_new_company_s_seals_for_its_founder(world, founding):
    case = case_accept(
        actor=actor_for(world["clerk"]),
        case=apply(world, founding, form={**GOOD, "seal_kinds": ["合同专用章", "法定代表人名章"]}),
    )
    founder = world["applicant"]
    assert not seals_usable_by(actor_for(founder.user))  # none before the step
    decide(world["reviewers"]["market"], case.steps.get(key="licence"))
    decide(founding["police_reviewer"], case.steps.get(key="seal"))
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED
    uscc = case.form_data["uscc"]
    seals = Seal.objects.filter(owner_code=uscc).order_by("kind")
    assert sorted(s.kind for s in seals) == ["contract", "legal_name", "legal_rep"]
    assert all(s.status == "active" and s.certificate_id and s.image_png for s in seals)
    assert {s.owner_name for s in seals} == {GOOD["company_name"]}
    assert seals.get(kind="legal_rep").name_text == founder.real_name
    # The founder, legal representative of the new company, may use them today.
    usable = {s.kind for s in seals_usable_by(actor_for(founder.user))}
    assert usable == {"contract", "legal_name", "legal_rep"}
    result = case.steps.get(key="seal").result
    assert result["kind"] == "electronic_seals" and result["uscc"] == uscc
    page = page_text(login_client(founder.user).get(f"/cases/{case.uuid}/"))
    assert "企业电子印章：法定名称章、合同专用章、法定代表人名章" in page


def test_a_seal_step_without_the_enterprise_refuses_the_pass_and_makes_nothing(world, founding):
    case = case_accept(actor=actor_for(world["clerk"]), case=apply(world, founding))
    decide(world["reviewers"]["market"], case.steps.get(key="licence"))
    case.refresh_from_db()
    case.form_data = {**case.form_data, "uscc": ""}  # as if the registration had not written it
    case.save(update_fields=["form_data"])
    reviewer = founding["police_reviewer"]
    step = step_claim(actor=actor_for(reviewer), step=case.steps.get(key="seal"))
    with pytest.raises(ResultNotMade):
        step_decide(actor=actor_for(reviewer), step=step, decision="pass", opinion="")
    assert case.steps.get(key="seal").status == StepStatus.CLAIMED
    assert not Seal.objects.exists()


def test_the_result_document_is_sealed_by_the_lead_department_after_the_conclusion(
    world, founding, django_capture_on_commit_callbacks
):
    case = case_accept(actor=actor_for(world["clerk"]), case=apply(world, founding))
    decide(world["reviewers"]["market"], case.steps.get(key="licence"))
    applicant = login_client(world["applicant"].user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        decide(founding["police_reviewer"], case.steps.get(key="seal"))
    assert callbacks  # the seal is enqueued after the commit, not made inside the decision
    case.refresh_from_db()
    assert case.decision_document
    document = applicant.get(f"/cases/{case.uuid}/result.pdf")
    assert document.status_code == 200 and document.content == bytes(case.decision_document)
    [report] = document_verify(document.content)
    assert report.ok and report.level == "B-LT", report.as_dict()
    assert case.lead_department_name in (report.signer or "")
    page = applicant.get(f"/cases/{case.uuid}/").content.decode()
    verify_url = f"/cases/{case.uuid}/documents/result/verify/"
    assert "已加盖受理部门电子印章" in page and f'href="{verify_url}"' in page
    verified = applicant.get(verify_url).content.decode()
    assert "✔ 印章有效" in verified and "✘" not in verified and case.number in verified
    assert login_client(world["stranger"].user).get(verify_url).status_code == 404
    assert applicant.get(f"/cases/{case.uuid}/documents/nothing/verify/").status_code == 404
    licence_uuid = case.steps.get(key="licence").result["licence_uuid"]
    assert f'href="/seals/verify/licences/{licence_uuid}/"' in page  # the licence's sealed file, too
