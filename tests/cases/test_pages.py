"""The pages of cases: apply from the JSON Schema (errors in Chinese, drafts, a retried form makes one
case), my case with its timeline, the inbox and decision page with bounded queries, materials shown in the
page to staff only, the supervision board."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.conftest import Upload, pdf_bytes
from tests.conftest import csrf_headers, login_client
from tongban.accounts.constants import Role
from tongban.accounts.facade import actor_for
from tongban.cases.models import ApplicationDraft, Case
from tongban.cases.services import case_accept, step_claim
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def applicant(world):
    return login_client(world["applicant"].user)


def apply_url(world):
    return f"/apply/bundle/{world['bundle'].uuid}/"


def form_post(client, url, data, files=None):
    payload = {**data, **(files or {})}
    return client.post(url, payload, **csrf_headers(client))


GOOD = {"f_applicant_name": "赵六", "f_capital": "10", "f_invoice": "普通发票", "delivery_method": "online"}


def test_the_apply_page_renders_the_combined_form_and_the_materials(world, applicant):
    page = applicant.get(apply_url(world))
    body = page.content.decode()
    assert page.status_code == 200
    for name in ("f_applicant_name", "f_capital", "f_invoice", "m_application-form", "m_bank-account"):
        assert f'name="{name}"' in body
    assert 'name="m_id-card"' not in body  # obtained by the platform
    assert "居民身份证 免提交" in text(page)


def test_a_bad_form_is_shown_again_with_every_problem_in_chinese(world, applicant):
    token = "t" * 32
    response = form_post(
        applicant,
        apply_url(world),
        {"form_token": token, "applicant": str(world["applicant"].uuid), "f_capital": "很多"},
        {"m_application-form": Upload(b"MZ\x90\x00", "a.pdf")},
    )
    assert response.status_code == 422
    page = text(response)
    assert "申请未提交" in page and "「注册资本（万元）」须为数字" in page and "请填写「申请人姓名」" in page
    assert "「申请书」：只接受 PDF、JPEG、PNG 或 OFD 文件" in page  # with the form's problems, not after
    assert not Case.objects.exists()
    assert f'value="{token}"' in response.content.decode()  # the same token: a fixed resubmission is one case


def test_a_good_application_becomes_one_case_even_when_posted_twice(world, applicant):
    data = {**GOOD, "form_token": "f" * 32, "applicant": str(world["applicant"].uuid)}
    first = form_post(applicant, apply_url(world), data, {"m_application-form": Upload(pdf_bytes())})
    case = Case.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/cases/{case.uuid}/"
    again = form_post(applicant, apply_url(world), data, {"m_application-form": Upload(pdf_bytes())})
    assert again.status_code == 302 and Case.objects.count() == 1
    page = text(applicant.get(f"/cases/{case.uuid}/"))
    assert case.number in page and "提交申请" in page and "已提交" in page


def test_the_form_is_saved_as_a_draft_while_typing_and_resumed(world, applicant):
    response = applicant.post(
        f"/apply/bundle/{world['bundle'].uuid}/draft/",
        {"f_applicant_name": "赵六", "f_capital": "12"},
        **csrf_headers(applicant),
    )
    assert response.status_code == 200 and "草稿已自动保存" in response.content.decode()
    assert ApplicationDraft.objects.get().form_data == {"applicant_name": "赵六", "capital": 12}
    page = applicant.get(apply_url(world)).content.decode()
    assert 'value="赵六"' in page and "已恢复上次保存的草稿" in page


def test_someone_elses_case_and_materials_are_404(world, submit):
    case, _ = submit()
    stranger = login_client(world["stranger"].user)
    assert stranger.get(f"/cases/{case.uuid}/").status_code == 404
    assert stranger.get(f"/cases/{case.uuid}/materials/application-form/").status_code == 404
    assert stranger.get(f"/staff/cases/{case.uuid}/").status_code == 404
    assert stranger.get("/staff/inbox/").status_code == 404


def test_staff_see_materials_in_the_page_and_the_read_is_audited(world, submit):
    case, _ = submit()
    clerk = login_client(world["clerk"])
    page = clerk.get(f"/staff/cases/{case.uuid}/")
    body = page.content.decode()
    assert f'name="material-viewer" src="/staff/cases/{case.uuid}/materials/application-form/"' in body
    assert f'href="/staff/cases/{case.uuid}/materials/application-form/" target="material-viewer"' in body
    pdf = clerk.get(f"/staff/cases/{case.uuid}/materials/application-form/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert (
        "frame-ancestors 'self'" in pdf["Content-Security-Policy"] and pdf["X-Frame-Options"] == "SAMEORIGIN"
    )
    assert AuditEvent.objects.filter(action="case.material_view", object_id=str(case.uuid)).exists()


def test_the_inbox_and_decision_pages_use_a_bounded_number_of_queries(world, open_cases, assert_flat_queries):
    reviewer = world["reviewers"]["market"]
    client = login_client(reviewer)
    open_cases(3)
    pages = assert_flat_queries(9, lambda: text(client.get("/staff/inbox/")), lambda: open_cases(25))
    assert "3 个待办环节" in pages[0] and "28 个待办环节" in pages[1] and "第 1 / 2 页" in pages[1]

    case = Case.objects.order_by("id").first()
    step_claim(actor=actor_for(reviewer), step=case.steps.get(key="licence"))
    with CaptureQueriesContext(connection) as decision:
        page = client.get(f"/staff/cases/{case.uuid}/")
    assert "提交处理结果" in text(page)
    assert len(decision) <= 25


def test_a_reviewer_decides_from_the_page(world, submit):
    case, _ = submit()
    case_accept(actor=actor_for(world["clerk"]), case=case)
    client = login_client(world["reviewers"]["market"])
    url = f"/staff/cases/{case.uuid}/steps/licence/"
    assert client.post(url + "claim/", **csrf_headers(client)).status_code == 302
    refused = client.post(
        url + "decide/", {"decision": "return", "opinion": ""}, **csrf_headers(client), follow=True
    )
    assert "退回或不予许可须填写意见" in text(refused)
    client.post(url + "decide/", {"decision": "pass"}, **csrf_headers(client))
    assert case.steps.get(key="licence").status == "passed"


def board_rows(response) -> dict[str, list[tuple]]:
    """The board as a supervisor reads it: per department heading, its rows as (light, what the light
    says, case number, step, working days overdue)."""
    assert response.status_code == 200
    html = response.content.decode()
    sections = re.findall(r'<h2 id="d-\d+">([^<]+)</h2>(.*?)</section>', html, re.S)
    row = re.compile(
        r'<tr><td[^>]*><span class="light (\w+)">([^<]+)</span></td><td[^>]*>(?:<(?:span|a)[^>]*>)?([^<]+)(?:</(?:span|a)>)?</td>'
        r"<td[^>]*>([^<]+)</td><td[^>]*>.*?</td><td[^>]*>(\d+)</td>\s*<td[^>]*>.*?</td></tr>",
        re.S,
    )
    return {
        dept: [
            (light, said, number, step, int(days)) for light, said, number, step, days in row.findall(body)
        ]
        for dept, body in sections
    }


def test_the_supervision_board_lists_red_and_yellow_steps_by_department(world, board, make_staff):
    supervisor = login_client(make_staff(world["depts"]["market"].parent, Role.SUPERVISOR))
    days = board["days"]
    assert board_rows(supervisor.get("/supervision/")) == {
        "上海市市场监督管理局": [
            ("red", "超期", board["red"].number, "开业登记", days),
            ("yellow", "预警", board["yellow"].number, "开业登记", 0),
        ],
        "上海市税务局": [("red", "超期", board["split"].number, "税务登记", days)],
    }
    tax_supervisor = login_client(make_staff(world["depts"]["tax"], Role.SUPERVISOR))
    assert board_rows(tax_supervisor.get("/supervision/")) == {
        "上海市税务局": [("red", "超期", board["split"].number, "税务登记", days)]
    }
    assert login_client(world["clerk"]).get("/supervision/").status_code == 404


@pytest.mark.parametrize(
    ("url", "who", "made", "queries"),
    [
        ("/cases/", "applicant", {}, 6),
        ("/api/cases", "applicant", {"accepted": False}, 6),
        ("/staff/inbox/", "reviewer", {}, 9),
        ("/api/staff/inbox", "reviewer", {}, 6),
        ("/staff/inbox/", "clerk", {"accepted": False}, 5),  # the cases waiting for intake
        ("/supervision/", "supervisor", {"overdue": True}, 10),
        ("/api/supervision/board", "supervisor", {"overdue": True}, 5),
    ],
)
def test_the_case_lists_cost_the_same_queries_however_many_cases(
    open_cases, client_of, assert_flat_queries, url, who, made, queries
):
    """The pages and the API endpoints that list cases or steps, for 2 cases and for 4."""
    client = client_of(who)
    cases = open_cases(2, **made)
    answers = assert_flat_queries(
        queries, lambda: client.get(url).content.decode(), lambda: cases.extend(open_cases(2, **made))
    )
    assert [sum(c.number in answer for c in cases) for answer in answers] == [2, 4]
