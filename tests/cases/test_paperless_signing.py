"""无纸化签署申请书 (issue 16 §3): the legal representative of an enterprise signs its application in the
browser with their personal seal and the company seal — two PAdES signatures, the second an incremental
update that leaves the first intact, both valid for pyHanko and for poppler's pdfsig; the staff see who
signed and download it. Refused: a person not authorised for the company seal, a stranger (404), a second
signature, a suspended seal; a person without a personal seal gets one at once at L2, not at L1."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from tests.cases.conftest import Upload, pdf_bytes
from tests.catalog.test_versions import good_fields
from tests.conftest import csrf_headers, login_client
from tongban.accounts.constants import AssuranceLevel, OrgKind, Role
from tongban.accounts.facade import actor_for
from tongban.accounts.services import organisation_create
from tongban.cases.constants import CaseStatus
from tongban.cases.documents import COMPANY_BOX, COMPANY_FIELD, PERSONAL_BOX, PERSONAL_FIELD, application_pdf
from tongban.cases.models import Case, CaseEvent
from tongban.cases.services import application_sign, case_submit, case_withdraw, signature_make
from tongban.catalog.services import item_create, version_publish
from tongban.core.errors import DomainError
from tongban.core.models import AuditEvent
from tongban.seals import services as seal_services
from tongban.seals.constants import SealKind
from tongban.seals.models import Seal, SealUse
from tongban.seals.sealing import document_verify

pytestmark = pytest.mark.django_db

FORM = {
    "type": "object",
    "properties": {
        "company_name": {"type": "string", "title": "企业名称", "maxLength": 100},
        "address": {"type": "string", "title": "住所", "maxLength": 100},
        "capital": {"type": "number", "title": "注册资本（万元）"},
    },
    "required": ["company_name"],
}
APPLICATION = {"key": "application-form", "name": "公司变更登记申请书", "source": "upload"}


@pytest.fixture
def enterprise_case(seal_world, active_seal, org_tree, make_staff):
    """An enterprise's case (its legal representative applied), the company's 法定名称章 and 合同专用章, and
    a reviewer of the lead department; nobody holds a personal seal yet."""
    dept = organisation_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="上海市市场监督管理局", parent=org_tree["region"]
    )
    draft = item_create(
        actor=None,
        implementation_code="PAPERLESS-1",
        basic_code="PAPERLESS-1",
        fields=good_fields(
            dept, name="公司变更登记", form_schema=FORM, service_objects=["2"], required_assurance_level=2
        ),
        materials=[APPLICATION],
    )
    item = version_publish(actor=None, version=draft)
    rep, company = seal_world["rep"], seal_world["company"]
    case, _ = case_submit(
        actor=actor_for(rep.user),
        target_kind="item",
        target_uuid=item.item.uuid,
        applicant_kind="enterprise",
        applicant_uuid=company.uuid,
        form_data={"company_name": company.name, "address": "上海市黄浦区中山东一路1号", "capital": 100},
        idempotency_key="paperless-0001",
        files={"application-form": Upload(pdf_bytes())},
    )
    return {
        **seal_world,
        "case": case,
        "item": item,
        "company_seal": active_seal,
        "contract_seal": Seal.objects.get(owner_code=company.uscc, kind=SealKind.CONTRACT),
        "reviewer": make_staff(dept, Role.REVIEWER),
    }


@pytest.fixture
def signing(enterprise_case):
    """The same, the legal representative holding their personal seal (made at once)."""
    return {**enterprise_case, "personal": signature_make(actor=actor_for(enterprise_case["rep"].user))}


def _sign(who, case, personal, company=None):
    return application_sign(
        actor=actor_for(who),
        case=case,
        personal_seal_uuid=str(personal),
        company_seal_uuid=company and str(company),
    )


def test_the_application_names_the_case_the_applicant_the_form_and_the_materials(signing):
    case = signing["case"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(application_pdf(case))).pages)
    for expected in (
        "公司变更登记 申请书",
        case.number,
        signing["company"].name,
        signing["company"].uscc,
        "住所",
        "上海市黄浦区中山东一路1号",
        "注册资本（万元）",
        "公司变更登记申请书",
        "申请人（签字）",
        "申请单位（盖章）",
    ):
        assert expected in text, expected
    assert "代理人" not in text  # the legal representative applied in person


def test_the_legal_representative_signs_with_the_personal_and_the_company_seal(signing):
    rep, case = signing["rep"], signing["case"]
    client = login_client(rep.user)
    page = client.get(f"/cases/{case.uuid}/").content.decode()
    assert "无纸化签署申请书" in page and signing["personal"].uuid in page
    assert str(signing["company_seal"].uuid) in page and str(signing["contract_seal"].uuid) in page
    # the 法定名称章 is offered first (checked)
    assert page.index(str(signing["company_seal"].uuid)) < page.index(str(signing["contract_seal"].uuid))
    preview = client.get(f"/cases/{case.uuid}/application-draft.pdf")
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF")
    answer = client.post(
        f"/cases/{case.uuid}/sign/",
        {"personal_seal": signing["personal"].uuid, "company_seal": str(signing["company_seal"].uuid)},
        **csrf_headers(client),
    )
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.application_document and case.application_signed_at
    assert [(s["role"], s["kind"]) for s in case.application_signers] == [
        ("applicant", "personal"),
        ("company", "legal_name"),
    ]
    page = client.get(f"/cases/{case.uuid}/").content.decode()
    assert "申请书已签署" in page and f"/cases/{case.uuid}/application.pdf" in page
    verify_url = f"/cases/{case.uuid}/documents/application/verify/"
    assert f'href="{verify_url}"' in page and 'id="sign-form"' not in page
    verified = client.get(verify_url).content.decode()
    assert verified.count("✔ 印章有效") == 2 and "✘" not in verified
    document = client.get(f"/cases/{case.uuid}/application.pdf")
    assert document.status_code == 200 and document.content == bytes(case.application_document)
    # two signatures, in the boxes documented, both intact and trusted; the first covers its revision and was
    # followed only by the second's incremental update (and its validation data): allowed.
    first, second = document_verify(document.content)
    assert (first.field_name, second.field_name) == (PERSONAL_FIELD, COMPANY_FIELD)
    assert first.signer == rep.real_name and signing["company"].name in (second.signer or "")
    for report in (first, second):
        assert report.ok and report.intact and report.valid and report.trusted, report.as_dict()
        assert report.level == "B-LT"
    assert first.coverage == "entire_revision" and first.modified_after == "allowed"
    assert second.modified_after in ("none", "allowed")
    reader = PdfReader(io.BytesIO(document.content))
    boxes = {
        str(a.get_object()["/T"]): [round(float(v), 1) for v in a.get_object()["/Rect"]]
        for a in reader.pages[-1]["/Annots"]
        if a.get_object().get("/FT") == "/Sig"
    }
    assert boxes == {PERSONAL_FIELD: list(PERSONAL_BOX), COMPANY_FIELD: list(COMPANY_BOX)}
    # each use is on its seal's log, the signing on the timeline and in the audit trail
    assert SealUse.objects.filter(seal__uuid=signing["personal"].uuid).count() == 1
    assert SealUse.objects.filter(seal=signing["company_seal"]).count() == 1
    assert CaseEvent.objects.filter(case=case, action="application_signed").exists()
    assert AuditEvent.objects.filter(action="case.application_signed", object_id=str(case.uuid)).exists()


PDFSIG = shutil.which("pdfsig")


@pytest.mark.skipif(not PDFSIG, reason="needs poppler-utils' pdfsig")
def test_pdfsig_finds_both_signatures_valid(signing, tmp_path):
    case = _sign(signing["rep"].user, signing["case"], signing["personal"].uuid, signing["company_seal"].uuid)
    path = tmp_path / "application.pdf"
    path.write_bytes(bytes(case.application_document))
    out = subprocess.run([PDFSIG, "-no-ocsp", str(path)], capture_output=True, text=True, timeout=60)
    validations = [
        line.split(":", 1)[1].strip() for line in out.stdout.splitlines() if "Signature Validation:" in line
    ]
    assert validations == ["Signature is Valid.", "Signature is Valid."], out.stdout
    assert f"Signature Field Name: {PERSONAL_FIELD}" in out.stdout
    assert f"Signature Field Name: {COMPANY_FIELD}" in out.stdout


def test_staff_see_who_signed_and_download_it(signing):
    case = _sign(signing["rep"].user, signing["case"], signing["personal"].uuid, signing["company_seal"].uuid)
    staff = login_client(signing["reviewer"])
    page = staff.get(f"/staff/cases/{case.uuid}/").content.decode()
    assert "申请人已于" in page and signing["rep"].real_name in page and "法定名称章" in page
    document = staff.get(f"/staff/cases/{case.uuid}/application.pdf")
    assert document.status_code == 200 and document.content == bytes(case.application_document)
    assert AuditEvent.objects.filter(action="case.application_download").exists()


def test_an_unsigned_case_says_so_to_staff_and_has_no_document(signing):
    case = signing["case"]
    staff = login_client(signing["reviewer"])
    assert "申请人尚未在线签署申请书" in staff.get(f"/staff/cases/{case.uuid}/").content.decode()
    assert staff.get(f"/staff/cases/{case.uuid}/application.pdf").status_code == 404
    assert login_client(signing["rep"].user).get(f"/cases/{case.uuid}/application.pdf").status_code == 404


def test_a_person_not_authorised_for_the_company_seal_is_refused(signing):
    case = signing["case"]
    employee = signing["employee"]
    # the employee acts for the company (the legal representative's authorisation) but holds no seal of it
    from datetime import timedelta

    from django.utils import timezone

    from tongban.accounts.services import AuthorisationGrant, authorisation_grant

    today = timezone.localdate()
    authorisation_grant(
        actor=actor_for(signing["rep"].user),
        enterprise=signing["company"],
        grant=AuthorisationGrant(
            agent_id_kind="111",
            agent_id_number=employee.id_number,
            agent_real_name=employee.real_name,
            valid_from=today,
            valid_until=today + timedelta(days=30),
            all_items=True,
        ),
    )
    own = signature_make(actor=actor_for(employee.user))
    client = login_client(employee.user)
    page = client.get(f"/cases/{case.uuid}/").content.decode()
    assert 'id="no-company-seal"' in page and str(signing["company_seal"].uuid) not in page
    answer = client.post(
        f"/cases/{case.uuid}/sign/",
        {"personal_seal": own.uuid, "company_seal": str(signing["company_seal"].uuid)},
        **csrf_headers(client),
        follow=True,
    )
    assert answer.status_code == 200 and "电子印章不存在" in answer.content.decode()
    api = client.post(
        f"/api/cases/{case.uuid}/application/sign",
        {"personal_seal_uuid": own.uuid, "company_seal_uuid": str(signing["company_seal"].uuid)},
        content_type="application/json",
        **csrf_headers(client),
    )
    assert api.status_code == 404 and api.json()["code"] == "seal_not_found"
    missing = client.post(
        f"/api/cases/{case.uuid}/application/sign",
        {"personal_seal_uuid": own.uuid},
        content_type="application/json",
        **csrf_headers(client),
    )
    assert missing.status_code == 422 and missing.json()["code"] == "company_seal_required"
    # someone else's personal seal in the applicant's box: refused, even for the legal representative
    with pytest.raises(DomainError) as refused:
        _sign(signing["rep"].user, case, own.uuid, signing["company_seal"].uuid)
    assert refused.value.code in ("seal_not_found", "personal_seal_invalid")
    with pytest.raises(DomainError) as refused:
        _sign(signing["rep"].user, case, signing["company_seal"].uuid, signing["company_seal"].uuid)
    assert refused.value.code == "personal_seal_invalid"
    case.refresh_from_db()
    assert not case.application_document and not SealUse.objects.exists()


def test_a_stranger_is_told_the_case_does_not_exist(signing):
    case, stranger = signing["case"], signing["stranger"]
    own = signature_make(actor=actor_for(stranger.user))
    client = login_client(stranger.user)
    assert client.get(f"/cases/{case.uuid}/").status_code == 404
    assert client.get(f"/cases/{case.uuid}/application-draft.pdf").status_code == 404
    assert (
        client.post(
            f"/cases/{case.uuid}/sign/", {"personal_seal": own.uuid}, **csrf_headers(client)
        ).status_code
        == 404
    )
    api = client.post(
        f"/api/cases/{case.uuid}/application/sign",
        {"personal_seal_uuid": own.uuid},
        content_type="application/json",
        **csrf_headers(client),
    )
    assert api.status_code == 404 and api.json()["code"] == "case_not_found"
    assert client.get(f"/api/cases/{case.uuid}/application.pdf").status_code == 404


def test_signing_twice_is_refused_and_the_api_gives_the_document(signing):
    rep, case = signing["rep"], signing["case"]
    client = login_client(rep.user)
    body = {
        "personal_seal_uuid": signing["personal"].uuid,
        "company_seal_uuid": str(signing["company_seal"].uuid),
    }
    url = f"/api/cases/{case.uuid}/application/sign"
    first = client.post(url, body, content_type="application/json", **csrf_headers(client))
    assert first.status_code == 200, first.content
    answer = first.json()
    assert [s["role"] for s in answer["signers"]] == ["applicant", "company"]
    document = client.get(answer["pdf_url"])
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    assert len(document_verify(document.content)) == 2
    again = client.post(url, body, content_type="application/json", **csrf_headers(client))
    assert again.status_code == 409 and again.json()["code"] == "application_signed"
    assert SealUse.objects.count() == 2  # the refused second signing sealed nothing


def test_a_suspended_seal_is_refused_with_its_status_and_nothing_is_sealed(signing):
    rep, case = signing["rep"], signing["case"]
    seal_services.seal_suspend(
        actor=actor_for(rep.user), seal_uuid=signing["company_seal"].uuid, reason="遗失"
    )
    client = login_client(rep.user)
    answer = client.post(
        f"/cases/{case.uuid}/sign/",
        {"personal_seal": signing["personal"].uuid, "company_seal": str(signing["company_seal"].uuid)},
        **csrf_headers(client),
        follow=True,
    )
    assert answer.status_code == 200 and "该电子印章当前不可使用（状态：已挂起）" in answer.content.decode()
    case.refresh_from_db()
    assert not case.application_document and not SealUse.objects.exists()


def test_a_closed_case_is_not_signed(signing):
    rep, case = signing["rep"], signing["case"]
    case = case_withdraw(actor=actor_for(rep.user), case=case)
    assert case.status == CaseStatus.WITHDRAWN
    assert (
        'id="application-signing"' not in login_client(rep.user).get(f"/cases/{case.uuid}/").content.decode()
    )
    with pytest.raises(DomainError) as refused:
        _sign(rep.user, case, signing["personal"].uuid, signing["company_seal"].uuid)
    assert refused.value.code == "invalid_transition"


def test_a_personal_signature_is_made_at_once_at_l2_and_refused_at_l1(signing, make_person, make_enterprise):
    case = signing["case"]
    rep = signing["rep"]
    # the representative's own seal exists: a second is refused (held)
    with pytest.raises(DomainError) as held:
        signature_make(actor=actor_for(rep.user))
    assert held.value.code == "seal_kind_held"
    # a new legal representative at L2 without a personal seal: the page offers the button, which makes it
    newcomer = make_person("孙新")
    firm = make_enterprise(newcomer)
    case.applicant_uuid, case.applicant_name = firm.uuid, firm.name
    case.save(update_fields=["applicant_uuid", "applicant_name"])
    client = login_client(newcomer.user)
    page = client.get(f"/cases/{case.uuid}/").content.decode()
    assert "申领个人电子签名" in page and 'id="sign-form"' not in page
    made = client.post(f"/cases/{case.uuid}/signature/", **csrf_headers(client), follow=True)
    assert made.status_code == 200 and "个人电子签名已制作" in made.content.decode()
    seal = Seal.objects.get(owner_code=newcomer.id_number, kind=SealKind.PERSONAL)
    assert seal.status == "active" and seal.certificate_id and seal.application.status == "approved"
    assert 'id="sign-form"' in client.get(f"/cases/{case.uuid}/").content.decode()
    # an L1 person is refused with a clear reason and gets nothing
    low = make_person("周低", level=AssuranceLevel.L1)
    with pytest.raises(DomainError) as refused:
        signature_make(actor=actor_for(low.user))
    assert refused.value.code == "assurance_too_low" and "L2" in str(refused.value.message)
    assert not Seal.objects.filter(owner_code=low.id_number).exists()


def test_a_person_s_case_is_signed_with_the_personal_seal_only(signing, make_person, org_tree):
    person = make_person("吴个人")
    draft = item_create(
        actor=None,
        implementation_code="PAPERLESS-2",
        basic_code="PAPERLESS-2",
        fields=good_fields(
            organisation_create(
                actor=None, kind=OrgKind.DEPARTMENT, name="区民政局", parent=org_tree["region"]
            ),
            name="个人事项",
            form_schema=FORM,
            service_objects=["1"],
            required_assurance_level=2,
        ),
        materials=[APPLICATION],
    )
    item = version_publish(actor=None, version=draft)
    case, _ = case_submit(
        actor=actor_for(person.user),
        target_kind="item",
        target_uuid=item.item.uuid,
        applicant_kind="person",
        applicant_uuid=person.uuid,
        form_data={"company_name": "—"},
        idempotency_key="paperless-person1",
        files={"application-form": Upload(pdf_bytes())},
    )
    own = signature_make(actor=actor_for(person.user))
    text = PdfReader(io.BytesIO(application_pdf(case))).pages[-1].extract_text()
    assert "申请人（签字）" in text and "申请单位（盖章）" not in text
    assert person.id_number not in text and person.id_number[-4:] in text  # masked
    with pytest.raises(DomainError) as refused:
        _sign(person.user, case, own.uuid, signing["company_seal"].uuid)
    assert refused.value.code == "company_seal_invalid"
    case = _sign(person.user, case, own.uuid)
    [report] = document_verify(bytes(case.application_document))
    assert report.ok and report.field_name == PERSONAL_FIELD
    assert Case.objects.get(pk=case.pk).application_signers[0]["name"] == person.real_name


def test_the_api_documents_the_signing_endpoints():
    from tongban.api import api

    schema = api.get_openapi_schema()
    assert "/api/cases/{case_uuid}/application/sign" in schema["paths"]
    assert "/api/cases/{case_uuid}/application.pdf" in schema["paths"]
