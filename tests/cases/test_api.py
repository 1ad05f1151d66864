"""The cases API: apply with an Idempotency-Key, see only one's own cases, staff transitions, the inbox,
the supervision board; bad input answers {code, message, details} with a 4xx and writes nothing."""

from __future__ import annotations

import base64

import pytest

from tests.cases.conftest import GOOD_FORM, pdf_bytes
from tests.conftest import csrf_headers, login_client
from tongban.accounts.constants import Role
from tongban.cases.models import Case, CaseMaterial

pytestmark = pytest.mark.django_db


def body(world, **overrides):
    return {
        "target_kind": "bundle",
        "target": str(world["bundle"].uuid),
        "applicant_kind": "person",
        "applicant": str(world["applicant"].uuid),
        "form_data": GOOD_FORM,
        "materials": [
            {
                "key": "application-form",
                "filename": "申请书.pdf",
                "content_base64": base64.b64encode(pdf_bytes()).decode(),
            }
        ],
        **overrides,
    }


def post(client, url, data=None, key=None):
    headers = csrf_headers(client)
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(url, data or {}, content_type="application/json", **headers)


@pytest.fixture
def applicant(world):
    return login_client(world["applicant"].user)


def test_apply_then_retry_returns_the_same_case(world, applicant):
    first = post(applicant, "/api/cases", body(world), key="idem-key-0001")
    assert first.status_code == 201, first.content
    case = first.json()
    assert case["status"] == "submitted" and case["number"].startswith("TB")
    assert [s["key"] for s in case["steps"]] == ["licence", "tax", "social"]
    assert {m["key"]: m["mode"] for m in case["materials"]} == {
        "application-form": "uploaded",
        "id-card": "obtained",
    }
    again = post(applicant, "/api/cases", body(world), key="idem-key-0001")
    assert again.status_code == 200 and again.json()["uuid"] == case["uuid"]
    assert Case.objects.count() == 1
    assert CaseMaterial.objects.exclude(file="").count() == 1  # the retry stored no second file
    # The key reused for another body is refused (whether or not that body would pass the checks), and
    # names the case the key made.
    for changed in ({"form_data": {"capital": "很多"}}, {"form_data": {**GOOD_FORM, "capital": 11}}):
        reused = post(applicant, "/api/cases", body(world, **changed), key="idem-key-0001")
        assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
        assert reused.json()["details"]["case"] == case["number"]
    # The same broken body under a new key is refused, and nothing is made.
    refused = post(applicant, "/api/cases", body(world, form_data={"capital": "很多"}), key="idem-key-0009")
    assert refused.status_code == 422 and refused.json()["code"] == "form_invalid"
    assert Case.objects.count() == 1


def test_applying_reads_the_catalog_once_per_process_and_answers_from_what_it_wrote(
    world, applicant, django_assert_max_num_queries
):
    assert post(applicant, "/api/cases", body(world), key="idem-key-0001").status_code == 201
    # session, user with person; the case, its steps, materials, event, audit record, message and SMS outbox
    # row; the savepoint of the test's transaction. No idempotency look-up before the insert (the unique key
    # answers a retry), no catalog read, no read-back of the answer.
    with django_assert_max_num_queries(11):
        second = post(applicant, "/api/cases", body(world), key="idem-key-0002")
    assert second.status_code == 201
    answer = second.json()
    assert [s["key"] for s in answer["steps"]] == ["licence", "tax", "social"]
    assert [m["key"] for m in answer["materials"]] == ["application-form", "id-card"]
    assert [e["action"] for e in answer["timeline"]] == ["submit"]
    assert answer == applicant.get(f"/api/cases/{answer['uuid']}").json()


@pytest.mark.parametrize(
    ("overrides", "key", "status", "code"),
    [
        ({}, None, 422, None),  # no Idempotency-Key header
        ({}, "short", 422, "invalid_idempotency_key"),
        ({"form_data": {"capital": "很多"}}, "idem-key-0002", 422, "form_invalid"),
        (
            {"materials": [{"key": "application-form", "content_base64": "!!!"}]},
            "idem-key-0003",
            422,
            "invalid_base64",
        ),
        (
            {
                "materials": [
                    {"key": "application-form", "content_base64": base64.b64encode(b"MZ\x90\x00").decode()}
                ]
            },
            "idem-key-0004",
            422,
            "materials_invalid",
        ),
        ({"target": "00000000-0000-0000-0000-000000000000"}, "idem-key-0005", 404, "target_not_found"),
        ({"applicant": "00000000-0000-0000-0000-000000000000"}, "idem-key-0006", 404, "applicant_not_found"),
    ],
)
def test_bad_applications_are_refused_with_a_code_and_write_nothing(
    world, applicant, overrides, key, status, code
):
    response = post(applicant, "/api/cases", body(world, **overrides), key=key)
    assert response.status_code == status, response.content
    answer = response.json()
    assert set(answer) == {"code", "message", "details"}
    if code:
        assert answer["code"] == code
    assert not Case.objects.exists()


def test_applying_needs_a_login_and_csrf(world, client):
    assert (
        client.post(
            "/api/cases", body(world), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k" * 10
        ).status_code
        == 401
    )


def test_a_person_never_sees_another_persons_case(world, applicant):
    case = post(applicant, "/api/cases", body(world), key="idem-key-0007").json()
    stranger = login_client(world["stranger"].user)
    assert stranger.get(f"/api/cases/{case['uuid']}").status_code == 404
    assert stranger.get("/api/cases").json()["count"] == 0
    assert post(stranger, f"/api/cases/{case['uuid']}/withdraw").status_code == 404
    assert stranger.get(f"/api/staff/cases/{case['uuid']}").status_code == 404  # not staff either
    mine = applicant.get("/api/cases").json()
    assert mine["count"] == 1 and mine["items"][0]["uuid"] == case["uuid"]


def test_staff_accept_reviewers_decide_in_their_inbox_and_the_applicant_sees_the_timeline(world, applicant):
    case = post(applicant, "/api/cases", body(world), key="idem-key-0008").json()
    uuid = case["uuid"]
    clerk = login_client(world["clerk"])
    accepted = post(clerk, f"/api/staff/cases/{uuid}/accept")
    assert accepted.status_code == 200 and accepted.json()["acceptance_voucher"].startswith("SL")
    assert post(clerk, f"/api/staff/cases/{uuid}/accept").json()["code"] == "invalid_transition"

    reviewers = {k: login_client(u) for k, u in world["reviewers"].items()}
    inbox = reviewers["market"].get("/api/staff/inbox").json()
    assert [(r["number"], r["key"]) for r in inbox["items"]] == [(case["number"], "licence")]
    assert reviewers["tax"].get("/api/staff/inbox").json()["count"] == 0  # its step is not ready yet
    assert post(reviewers["tax"], f"/api/staff/cases/{uuid}/steps/licence/claim").status_code == 404
    assert post(reviewers["market"], f"/api/staff/cases/{uuid}/steps/licence/claim").status_code == 200
    decided = post(reviewers["market"], f"/api/staff/cases/{uuid}/steps/licence/decide", {"decision": "pass"})
    assert decided.status_code == 200 and decided.json()["status"] == "passed"
    for key, who in (("tax", "tax"), ("social", "hr")):
        assert post(reviewers[who], f"/api/staff/cases/{uuid}/steps/{key}/claim").status_code == 200
        post(
            reviewers[who],
            f"/api/staff/cases/{uuid}/steps/{key}/decide",
            {"decision": "pass", "opinion": "同意"},
        )
    assert post(clerk, f"/api/staff/cases/{uuid}/deliver").json()["status"] == "delivered"

    detail = applicant.get(f"/api/cases/{uuid}").json()
    assert detail["status"] == "delivered" and detail["outcome"] == "approved"
    timeline = [(e["action"], e["department_name"]) for e in detail["timeline"]]
    assert timeline[0] == ("submit", "") and timeline[-1] == (
        "deliver",
        "1号综合窗口",
    )  # the window that delivered, by name
    assert ("step_pass", "上海市税务局") in timeline and (
        "step_pass",
        "上海市人力资源和社会保障局",
    ) in timeline


def test_bad_staff_input_is_refused(world, applicant):
    uuid = post(applicant, "/api/cases", body(world), key="idem-key-0009").json()["uuid"]
    clerk = login_client(world["clerk"])
    assert (
        post(clerk, f"/api/staff/cases/{uuid}/refuse", {"reasons": " "}).json()["code"] == "reasons_required"
    )
    assert post(clerk, f"/api/staff/cases/{uuid}/supplement-request", {"items": []}).status_code == 422
    assert post(clerk, "/api/staff/cases/not-a-uuid/accept").status_code == 422
    response = post(clerk, f"/api/staff/cases/{uuid}/supplement-request", {"items": ["申请书未签字"]})
    assert response.json()["status"] == "supplement"


def test_the_supervision_board_lists_red_and_yellow_steps_for_supervisors_only(world, board, make_staff):
    region = world["depts"]["market"].parent
    supervisor = login_client(make_staff(region, Role.SUPERVISOR))
    response = supervisor.get("/api/supervision/board")
    assert response.status_code == 200
    rows = [
        (r["department_name"], r["number"], r["step_name"], r["light"], r["days_overdue"])
        for r in response.json()
    ]
    assert sorted(rows) == sorted(
        [
            ("上海市市场监督管理局", board["red"].number, "开业登记", "red", board["days"]),
            ("上海市市场监督管理局", board["yellow"].number, "开业登记", "yellow", 0),
            ("上海市税务局", board["split"].number, "税务登记", "red", board["days"]),
        ]
    )
    assert login_client(world["clerk"]).get("/api/supervision/board").status_code == 403
