"""The catalog's "e-licence of type X" materials resolve against the licence library when a person applies
(两个免于提交): a valid licence of the applicant's is attached and nothing is uploaded; without one the
material must be uploaded; clerks and reviewers read the licence data; the holder sees the use."""

from __future__ import annotations

import pytest

from tests.cases.conftest import ID_CARD, NAME_FORM, Upload, pdf_bytes
from tests.catalog.test_versions import good_fields
from tests.conftest import login_client
from tongban.accounts.constants import OrgKind
from tongban.accounts.facade import actor_for
from tongban.accounts.services import organisation_create
from tongban.cases.models import CaseMaterial
from tongban.cases.services import case_accept, case_submit
from tongban.catalog.services import item_create, version_publish
from tongban.core.errors import InvalidInput
from tongban.licences.constants import HolderKind
from tongban.licences.models import LicenceUse
from tongban.licences.services import licence_change_status, licence_issue, licence_type_create

pytestmark = pytest.mark.django_db
VOCATIONAL = "111000007178000872010"
CERTIFICATE = {
    "key": "certificate",
    "name": "职业资格证书",
    "source": "licence",
    "licence_type_code": VOCATIONAL,
    "exempt_when_obtainable": True,
}


@pytest.fixture
def asks_for_licence(world):
    """An item that asks for the applicant's vocational certificate (kept by the library) and their ID card
    (a type the library does not keep), and an HR department that issues the certificate."""
    region = world["depts"]["market"].parent
    hr = organisation_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="技能鉴定中心", parent=region, uscc="11100000000013338W"
    )
    licence_type_create(
        actor=None,
        code=VOCATIONAL,
        name="职业资格证书",
        define_authority_name="人力资源和社会保障部",
        holder_kind=HolderKind.RESIDENT_ID,
        multiple_per_holder=True,
        face_schema={
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "姓名"},
                "occupation": {"type": "string", "title": "职业"},
            },
            "required": ["name", "occupation"],
        },
    )
    fields = good_fields(
        world["depts"]["market"], name="技能人才落户", form_schema=NAME_FORM, service_objects=["1"]
    )
    draft = item_create(
        actor=None,
        implementation_code="LIC-MAT-1",
        basic_code="LM1",
        fields=fields,
        materials=[CERTIFICATE, ID_CARD],
    )
    item = version_publish(actor=None, version=draft).item
    applicant = world["applicant"]

    def issue():
        return licence_issue(
            actor=None,
            type_code=VOCATIONAL,
            holder_code=applicant.id_number,
            holder_name=applicant.real_name,
            issuer_uuid=hr.uuid,
            issuer_name=hr.name,
            issuer_code=hr.uscc,
            face={"name": applicant.real_name, "occupation": "电工"},
        )

    def apply(files=None, key="licence-material-1"):
        case, _ = case_submit(
            actor=actor_for(applicant.user),
            target_kind="item",
            target_uuid=item.uuid,
            applicant_kind="person",
            applicant_uuid=applicant.uuid,
            form_data={"applicant_name": applicant.real_name},
            idempotency_key=key,
            files=files or {},
        )
        return case

    return {"issue": issue, "apply": apply, "item": item}


def test_the_applicants_valid_licence_is_attached_and_nothing_is_uploaded(world, asks_for_licence):
    licence = asks_for_licence["issue"]()
    case = asks_for_licence["apply"]()
    material = CaseMaterial.objects.get(case=case, key="certificate")
    assert material.mode == "obtained" and not material.file
    assert (
        material.licence["identifier"] == licence.identifier and material.licence["number"] == licence.number
    )
    assert material.licence["face"] == [["姓名", "赵六"], ["职业", "电工"]]
    assert licence.number in material.source_note
    # A type the library does not keep (the ID card, checked by real-name authentication) is obtained as before.
    id_card = CaseMaterial.objects.get(case=case, key="id-card")
    assert id_card.mode == "obtained" and id_card.licence == {}
    # The holder sees who used the licence and why.
    use = LicenceUse.objects.get(licence=licence)
    assert use.channel == "case" and case.number in use.cause and use.user_label == "上海市市场监督管理局"
    page = login_client(world["applicant"].user).get(f"/licences/{licence.uuid}/").content.decode()
    assert case.number in page
    # The API answer carries the licence data; the clerk's page shows the face data.
    answer = login_client(world["applicant"].user).get(f"/api/cases/{case.uuid}").json()
    by_key = {m["key"]: m for m in answer["materials"]}
    assert by_key["certificate"]["licence"]["identifier"] == licence.identifier
    staff_page = login_client(world["clerk"]).get(f"/staff/cases/{case.uuid}/").content.decode()
    assert "电工" in staff_page and licence.identifier in staff_page


@pytest.mark.parametrize("held", ["none", "suspended"])
def test_without_a_valid_licence_the_material_must_be_uploaded(world, asks_for_licence, held):
    if held == "suspended":
        licence_change_status(
            actor=None, licence=asks_for_licence["issue"](), action="suspend", reason="核查"
        )
    with pytest.raises(InvalidInput) as exc:
        asks_for_licence["apply"]()
    problems = exc.value.details["problems"]
    assert [(p["code"], p["field"]) for p in problems] == [("material_missing", "certificate")]
    assert "电子证照库" in problems[0]["message"]
    assert not CaseMaterial.objects.exists() and not LicenceUse.objects.exists()
    case = asks_for_licence["apply"](files={"certificate": Upload(pdf_bytes("证书"))}, key="licence-upload-1")
    material = CaseMaterial.objects.get(case=case, key="certificate")
    assert material.mode == "uploaded" and material.licence == {} and material.sha256
    case_accept(actor=actor_for(world["clerk"]), case=case)


def test_the_application_page_shows_the_attached_licence_or_asks_for_an_upload(world, asks_for_licence):
    client = login_client(world["applicant"].user)
    url = f"/apply/item/{asks_for_licence['item'].uuid}/"
    page = client.get(url).content.decode()
    assert 'name="m_certificate"' in page and "电子证照库中没有该申请者有效的此类证照" in page
    licence = asks_for_licence["issue"]()
    page = client.get(url).content.decode()
    assert 'name="m_certificate"' not in page and f"已从电子证照库调取：职业资格证书 {licence.number}" in page
