"""受理通知书 and 不予受理决定书 sealed by the lead department (issue 16 §3; 行政许可法 art. 32: acceptance and
refusal are evidenced by a written, sealed and dated voucher). Every way a case is accepted — by the clerk, on
commitment (容缺), deemed after 5 working days — and a refusal at intake enqueue the seal after the commit;
the task keeps the sealed PDF on the case; the applicant and the staff who may see the case download it,
nobody else; before the seal is made, nothing unsealed is given and the pages say it is being sealed."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from tests.cases.conftest import GOOD_FORM
from tests.conftest import login_client
from tongban.accounts.facade import actor_for
from tongban.cases.constants import CaseStatus
from tongban.cases.models import Case
from tongban.cases.services import case_accept, case_refuse, case_submit, cases_deem_accepted
from tongban.cases.tasks import case_acceptance_seal
from tongban.catalog.models import Material
from tongban.core.identifiers import mask_id_number
from tongban.seals.sealing import document_verify

pytestmark = pytest.mark.django_db
PENDING = "受理通知书正在盖章，请稍后刷新"


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def sealed_by_the_lead_department(case: Case) -> str:
    """The case's sealed document, checked: one B-LT signature of the lead department over the whole file;
    its text."""
    assert case.acceptance_document
    pdf = bytes(case.acceptance_document)
    [report] = document_verify(pdf)
    assert report.ok and report.level == "B-LT", report.as_dict()
    assert case.lead_department_name in (report.signer or "")
    return text_of(pdf)


def test_accepting_seals_the_acceptance_notice_after_the_commit(
    world, submit, django_capture_on_commit_callbacks
):
    case, _ = submit()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case_accept(actor=actor_for(world["clerk"]), case=case)
    case.refresh_from_db()
    assert case.acceptance_document is None  # nothing is sealed inside the acceptance
    assert callbacks
    for callback in callbacks:  # the commit: the task runs (immediate backend in tests)
        callback()
    case.refresh_from_db()
    text = sealed_by_the_lead_department(case)
    person = world["applicant"]
    for expected in (
        "受理通知书",
        case.lead_department_name,
        case.number,
        case.acceptance_voucher,
        case.name,
        person.real_name,
        mask_id_number(person.id_number),
        case.lookup_code,
        f"{case.due_on.year}年{case.due_on.month}月{case.due_on.day}日",
    ):
        assert expected in text, expected
    assert person.id_number not in text  # masked: the document travels
    assert "受理方式受理" in text.replace("\n", "").replace(" ", "")


def test_the_applicant_downloads_it_staff_who_see_the_case_too_and_nobody_else(
    world, submit, client_of, django_capture_on_commit_callbacks
):
    case, _ = submit()
    applicant, clerk = client_of("applicant"), client_of("clerk")
    stranger = login_client(world["stranger"].user)
    url = f"/cases/{case.uuid}/acceptance.pdf"
    assert applicant.get(url).status_code == 404  # not accepted yet: nothing to give
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case_accept(actor=actor_for(world["clerk"]), case=case)

    # Before the task has sealed it: no document, unsealed or not; the pages say it is being sealed.
    pending = applicant.get(url)
    assert pending.status_code == 404 and PENDING in pending.content.decode()
    assert pending["Content-Type"].startswith("text/html")
    page = applicant.get(f"/cases/{case.uuid}/").content.decode()
    assert PENDING in page and url not in page
    assert PENDING in clerk.get(f"/staff/cases/{case.uuid}/").content.decode()

    for callback in callbacks:
        callback()
    case.refresh_from_db()
    document = applicant.get(url)
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    assert document.content == bytes(case.acceptance_document)
    assert document["Content-Disposition"] == f'attachment; filename="{case.acceptance_voucher}.pdf"'
    assert clerk.get(url).content == document.content
    assert client_of("reviewer").get(url).status_code == 200  # the lead department's reviewer
    assert stranger.get(url).status_code == 404
    assert login_client(world["reviewers"]["tax"]).get(url).status_code == 200  # a step of the bundle
    for client, page_url in ((applicant, f"/cases/{case.uuid}/"), (clerk, f"/staff/cases/{case.uuid}/")):
        page = client.get(page_url).content.decode()
        assert "下载受理通知书（已盖章）" in page and f'href="{url}"' in page, page_url
        verify_url = f"/cases/{case.uuid}/documents/acceptance/verify/"
        assert f'href="{verify_url}"' in page and PENDING not in page
        verified = client.get(verify_url).content.decode()
        assert "✔ 印章有效" in verified and "✘" not in verified and case.number in verified
    assert stranger.get(f"/cases/{case.uuid}/documents/acceptance/verify/").status_code == 404


def test_a_department_outside_the_case_gets_404(
    world, submit, make_staff, django_capture_on_commit_callbacks
):
    from tongban.accounts.constants import OrgKind, Role
    from tongban.accounts.services import organisation_create

    other = organisation_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="上海市交通委员会", parent=world["depts"]["market"].parent
    )
    case, _ = submit()
    with django_capture_on_commit_callbacks(execute=True):
        case_accept(actor=actor_for(world["clerk"]), case=case)
    outsider = login_client(make_staff(other, Role.REVIEWER))
    assert outsider.get(f"/cases/{case.uuid}/acceptance.pdf").status_code == 404


def test_acceptance_on_commitment_says_so_and_names_what_is_due(world, django_capture_on_commit_callbacks):
    Material.objects.filter(key="application-form").update(commitment_allowed=True)
    user = world["applicant"].user
    case, _ = case_submit(
        actor=actor_for(user),
        target_kind="item",
        target_uuid=world["items"]["licence"].item.uuid,
        applicant_kind="person",
        applicant_uuid=user.person.uuid,
        form_data=GOOD_FORM,
        idempotency_key="commit-voucher-1",
        files={},
        commitments=["application-form"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        case_accept(actor=actor_for(world["clerk"]), case=case)
    case.refresh_from_db()
    text = sealed_by_the_lead_department(case)
    assert "容缺受理" in text
    assert case.materials.get(key="application-form").name in text


def test_deemed_acceptance_seals_its_notice_too(world, submit, django_capture_on_commit_callbacks):
    case, _ = submit()
    Case.objects.filter(pk=case.pk).update(
        submitted_at=datetime(2026, 9, 30, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert cases_deem_accepted(today=date(2026, 10, 14)) == 1
    assert callbacks
    case.refresh_from_db()
    assert case.deemed_accepted and case.status == CaseStatus.IN_PROCESS
    text = sealed_by_the_lead_department(case)
    assert "视为受理" in text and "2026年9月30日" in text  # accepted from the day it was submitted
    assert case.number in text and mask_id_number(world["applicant"].id_number) in text


def test_a_refusal_at_intake_gets_its_own_sealed_decision(
    world, submit, client_of, django_capture_on_commit_callbacks
):
    case, _ = submit()
    applicant = client_of("applicant")
    url = f"/cases/{case.uuid}/acceptance.pdf"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case_refuse(actor=actor_for(world["clerk"]), case=case, reasons="申请事项不属于本机关职权范围")
    pending = applicant.get(url)
    assert pending.status_code == 404 and "不予受理决定书正在盖章，请稍后刷新" in pending.content.decode()
    for callback in callbacks:
        callback()
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED and case.accepted_on is None
    text = sealed_by_the_lead_department(case)
    flat = text.replace("\n", "")
    for expected in (
        "不予受理决定书",
        case.number,
        "申请事项不属于本机关职权范围",
        "如不服本决定，可依法申请行政复议或者提起行政诉讼。",
    ):
        assert expected in flat, expected
    assert "受理通知书" not in flat and mask_id_number(world["applicant"].id_number) in flat
    document = applicant.get(url)
    assert document.status_code == 200 and document.content == bytes(case.acceptance_document)
    page = applicant.get(f"/cases/{case.uuid}/").content.decode()
    assert "下载不予受理决定书（已盖章）" in page and f'href="{url}"' in page
    assert login_client(world["stranger"].user).get(url).status_code == 404


def test_the_task_makes_nothing_for_a_case_not_accepted_or_not_refused(world, submit):
    case, _ = submit()
    assert case_acceptance_seal.call(str(case.uuid)) == {"sealed": False}
    assert case_acceptance_seal.call(str(case.uuid), kind="refusal") == {"sealed": False}
    assert case_acceptance_seal.call(str(case.uuid), kind="other") == {"sealed": False}
    case.refresh_from_db()
    assert case.acceptance_document is None


@pytest.mark.parametrize("reasons_length", [0, 3000])
def test_the_seal_sits_over_the_department_s_name_and_date_on_the_last_page(world, submit, reasons_length):
    """The name and date are printed where sealing.py puts the seal (SEAL_BOX, points from the bottom-left
    of the last page), and nothing else is: a long refusal takes a second page rather than the seal's."""
    from tongban.cases.documents import ACCEPTANCE, REFUSAL, acceptance_pdf
    from tongban.seals.sealing import SEAL_BOX

    case, _ = submit()
    if reasons_length:
        case = case_refuse(actor=actor_for(world["clerk"]), case=case, reasons="理由" * (reasons_length // 2))
    else:
        case = case_accept(actor=actor_for(world["clerk"]), case=case)
    reader = PdfReader(io.BytesIO(acceptance_pdf(case, REFUSAL if reasons_length else ACCEPTANCE)))
    assert (len(reader.pages) > 1) == bool(reasons_length)
    in_box: list[str] = []
    x0, y0, x1, y1 = SEAL_BOX

    def visit(text, cm, tm, font, size):
        x, y = tm[4], tm[5]
        if text.strip() and y0 <= y <= y1 and x0 - 60 <= x <= x1:
            in_box.append(text.strip())

    reader.pages[-1].extract_text(visitor_text=visit)
    assert case.lead_department_name in in_box and len(in_box) == 2, in_box


def test_the_tick_seals_the_vouchers_a_failed_task_left_once_ten_minutes_have_passed(
    world, submit, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from tongban.cases.tasks import acceptance_documents_seal_missing

    accepted, _ = submit()
    refused, _ = submit()
    waiting, _ = submit()
    with django_capture_on_commit_callbacks(execute=False):  # as if the worker had lost both tasks
        case_accept(actor=actor_for(world["clerk"]), case=accepted)
        case_refuse(actor=actor_for(world["clerk"]), case=refused, reasons="不属于本机关职权范围")
    assert acceptance_documents_seal_missing() == 0  # the task may still be on its way
    later = timezone.now() + timedelta(minutes=11)
    assert acceptance_documents_seal_missing(now=later) == 2
    for case in (accepted, refused):
        case.refresh_from_db()
    assert "受理通知书" in sealed_by_the_lead_department(accepted)
    assert "不予受理决定书" in sealed_by_the_lead_department(refused)
    waiting.refresh_from_db()
    assert waiting.acceptance_document is None  # not accepted: nothing to seal
    first = bytes(accepted.acceptance_document)
    assert acceptance_documents_seal_missing(now=later) == 0  # sealed once
    assert case_acceptance_seal.call(str(accepted.uuid))["sealed"] is False
    accepted.refresh_from_db()
    assert bytes(accepted.acceptance_document) == first
