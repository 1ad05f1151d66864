"""A supplement (补正) brings what was asked: the reviewer names the materials with a reason each, the
applicant's form lists only those, highlighted with the reason, and an empty or partial supplement is
refused with a message (on the page too, never a machine code)."""

from __future__ import annotations

import pytest

from tests.cases.conftest import Upload, pdf_bytes
from tests.cases.test_pages import form_post, text
from tests.conftest import login_client
from tongban.accounts.facade import actor_for
from tongban.cases.constants import CaseStatus
from tongban.cases.models import CaseMaterial
from tongban.cases.services import case_request_supplement, case_supplement
from tongban.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(world, submit):
    case, _ = submit()
    return case_request_supplement(
        actor=actor_for(world["clerk"]),
        case=case,
        items=["其他：请核对经营地址"],
        materials={"bank-account": "缺少开户行名称"},
    )


def test_the_request_names_the_materials_with_their_reasons(asked):
    assert asked.status == CaseStatus.SUPPLEMENT
    assert asked.supplement_materials == {"bank-account": "缺少开户行名称"}
    assert asked.supplement_items == ["其他：请核对经营地址", "「银行账户信息」：缺少开户行名称"]


def test_a_request_may_name_only_materials_of_the_application(world, submit):
    case, _ = submit()
    with pytest.raises(InvalidInput) as exc:
        case_request_supplement(actor=actor_for(world["clerk"]), case=case, items=[], materials={"nope": "x"})
    assert exc.value.code == "unknown_material"
    with pytest.raises(InvalidInput) as exc:
        case_request_supplement(actor=actor_for(world["clerk"]), case=case, items=[" "], materials={})
    assert exc.value.code == "supplement_items_required"


def test_an_empty_partial_or_other_supplement_is_refused_and_the_asked_one_goes_through(world, asked):
    applicant = actor_for(world["applicant"].user)
    with pytest.raises(InvalidInput) as exc:
        case_supplement(actor=applicant, case=asked, files={})
    assert exc.value.code == "supplement_empty"
    assert exc.value.details["problems"][0]["message"] == "请上传（补正原因：缺少开户行名称）"
    with pytest.raises(InvalidInput) as exc:
        case_supplement(actor=applicant, case=asked, files={"application-form": Upload(pdf_bytes())})
    assert exc.value.code == "material_not_requested"
    case = case_supplement(actor=applicant, case=asked, files={"bank-account": Upload(pdf_bytes("银行"))})
    assert case.status == CaseStatus.SUBMITTED and case.supplement_materials == {}
    assert CaseMaterial.objects.filter(case=case, key="bank-account", mode="uploaded").exists()


def test_a_returned_case_is_not_supplemented_with_nothing(world, submit):
    from tongban.cases.services import case_accept, step_claim, step_decide

    case, _ = submit()
    case_accept(actor=actor_for(world["clerk"]), case=case)
    step = case.steps.get(key="licence")
    reviewer = actor_for(world["reviewers"]["market"])
    step_claim(actor=reviewer, step=step)
    step_decide(actor=reviewer, step=step, decision="return", opinion="经营范围表述不规范")
    case.refresh_from_db()
    with pytest.raises(InvalidInput) as exc:
        case_supplement(actor=actor_for(world["applicant"].user), case=case)
    assert exc.value.code == "supplement_empty"


def test_the_page_lists_only_what_was_asked_with_the_reason_and_refuses_an_empty_supplement(world, asked):
    client = login_client(world["applicant"].user)
    page = client.get(f"/cases/{asked.uuid}/")
    html = page.content.decode()
    form = html[html.index('id="sup-title"') :]
    form = form[: form.index("</form>")]
    assert 'name="m_bank-account"' in form and 'name="m_application-form"' not in form
    assert "requested-material" in form and "补正原因：" in form and "缺少开户行名称" in form
    assert 'aria-describedby="s_bank-account-reason"' in form
    refused = form_post(client, f"/cases/{asked.uuid}/supplement/", {})
    shown = text(client.get(refused["Location"]))
    assert "补正内容为空：请上传要求补正的材料后再提交" in shown
    assert "「银行账户信息」：请上传（补正原因：缺少开户行名称）" in shown
    assert "supplement_empty" not in shown and "material_missing" not in shown
    done = form_post(client, f"/cases/{asked.uuid}/supplement/", {}, {"m_bank-account": Upload(pdf_bytes())})
    assert "补正材料已提交" in text(client.get(done["Location"]))
    asked.refresh_from_db()
    assert asked.status == CaseStatus.SUBMITTED


def test_the_staff_page_asks_for_materials_with_reasons(world, submit):
    case, _ = submit()
    clerk = login_client(world["clerk"])
    html = clerk.get(f"/staff/cases/{case.uuid}/").content.decode()
    assert 'name="material" value="bank-account"' in html and 'name="reason_bank-account"' in html
    form_post(
        clerk,
        f"/staff/cases/{case.uuid}/do/supplement/",
        {"material": ["application-form"], "reason_application-form": "未签字", "items": ""},
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENT and case.supplement_materials == {
        "application-form": "未签字"
    }
