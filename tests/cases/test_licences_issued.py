"""A case whose item yields an e-licence issues it when its step passes: signed by the item's department, in
the applicant's card bag, with a timeline event; when it cannot be issued, the step does not pass."""

from __future__ import annotations

import pytest

from tests.cases.conftest import NAME_FORM, Upload, pdf_bytes
from tests.catalog.test_versions import good_fields
from tests.conftest import login_client
from tongban.accounts.constants import OrgKind, Role
from tongban.accounts.facade import actor_for
from tongban.accounts.services import organisation_create
from tongban.cases.models import Case, CaseEvent
from tongban.cases.services import case_accept, case_submit, step_claim, step_decide
from tongban.catalog.services import item_create, version_publish
from tongban.core.errors import DomainError
from tongban.licences.constants import HolderKind
from tongban.licences.keys import verify_licence_signature
from tongban.licences.models import Licence
from tongban.licences.services import licence_type_create

pytestmark = pytest.mark.django_db
VOCATIONAL = "111000007178000872010"
BUSINESS = "11100000000013338W001"


@pytest.fixture
def yielding(world, make_staff):
    """An HR department (with a USCC) whose item yields a vocational certificate, and a market item whose
    result is a business licence (held by enterprises)."""
    region = world["depts"]["market"].parent
    hr = organisation_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="技能鉴定中心", parent=region, uscc="11100000000013338W"
    )
    for code, name, kind in (
        (VOCATIONAL, "职业资格证书", HolderKind.RESIDENT_ID),
        (BUSINESS, "营业执照", HolderKind.USCC),
    ):
        licence_type_create(
            actor=None,
            code=code,
            name=name,
            define_authority_name="定义机构",
            holder_kind=kind,
            face_schema={
                "type": "object",
                "properties": {
                    "name": {"type": "string", "title": "姓名"},
                    "applicant_name": {"type": "string"},
                },
                "required": ["name"],
            },
        )

    def item(n, dept, code):
        fields = good_fields(
            dept,
            name=f"证书核发{n}",
            form_schema=NAME_FORM,
            service_objects=["1"],
            result_licence_type_code=code,
        )
        draft = item_create(
            actor=None,
            implementation_code=f"LIC-{n}",
            basic_code=f"L{n}",
            fields=fields,
            materials=[{"key": "application-form", "name": "申请书", "source": "upload"}],
        )
        return version_publish(actor=None, version=draft)

    return {
        "vocational": item(1, hr, VOCATIONAL),
        "business": item(2, world["depts"]["market"], BUSINESS),
        "hr_reviewer": make_staff(hr, Role.REVIEWER),
    }


def run_case(world, item, reviewer):
    applicant = world["applicant"]
    case, _ = case_submit(
        actor=actor_for(applicant.user),
        target_kind="item",
        target_uuid=item.item.uuid,
        applicant_kind="person",
        applicant_uuid=applicant.uuid,
        form_data={"applicant_name": "赵六"},
        idempotency_key=f"licence-case-{item.pk}",
        files={"application-form": Upload(pdf_bytes())},
    )
    case_accept(actor=actor_for(world["clerk"]), case=case)
    step = case.steps.get()
    step_claim(actor=actor_for(reviewer), step=step)
    step_decide(actor=actor_for(reviewer), step=step, decision="pass", opinion="同意")
    return case


def test_an_approved_case_puts_the_licence_in_the_applicants_card_bag(world, yielding):
    case = run_case(world, yielding["vocational"], yielding["hr_reviewer"])
    licence = Licence.objects.get(case_uuid=case.uuid)
    assert licence.type.code == VOCATIONAL and licence.holder_code == world["applicant"].id_number
    assert (
        licence.face == {"name": "赵六", "applicant_name": "赵六"} and licence.issuer_name == "技能鉴定中心"
    )
    assert verify_licence_signature(licence)
    event = CaseEvent.objects.get(case=case, action="licence_issued")
    assert event.detail == {"type_code": VOCATIONAL, "number": licence.number, "holder": "赵六"}
    assert case.steps.get().result["licence_uuid"] == str(licence.uuid)
    bag = login_client(world["applicant"].user).get("/licences/").content.decode()
    assert "职业资格证书" in bag and licence.number in bag


def test_a_licence_for_another_kind_of_holder_is_not_issued_and_the_step_does_not_pass(world, yielding):
    """A person applies for an item yielding a licence of enterprises with no company in the form: the
    licence cannot be made, so the step is refused and stays with its reviewer; nothing is concluded."""
    with pytest.raises(DomainError) as refused:
        run_case(world, yielding["business"], world["reviewers"]["market"])
    assert refused.value.code == "result_not_made"
    assert not Licence.objects.exists()
    case = Case.objects.get()
    assert case.status == "in_process" and case.steps.get().status == "claimed"
    assert not CaseEvent.objects.filter(case=case, action__in=["conclude", "licence_issued"]).exists()
