"""Every transition of a case, the wrong-state ones included (409 invalid_transition), with the timeline,
the due dates in working days and the notifications."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from tests.cases.conftest import GOOD_FORM, Upload, pdf_bytes
from tongban.accounts.facade import actor_for
from tongban.cases.constants import CaseStatus, Light, Outcome, StepStatus
from tongban.cases.errors import InvalidTransition
from tongban.cases.models import Case, CaseEvent, CaseMaterial
from tongban.cases.services import (
    case_accept,
    case_deliver,
    case_refuse,
    case_request_supplement,
    case_supplement,
    case_withdraw,
    cases_deem_accepted,
    special_end,
    special_start,
    step_claim,
    step_decide,
    step_release,
)
from tongban.core.errors import InvalidInput, NotFound, PermissionDenied
from tongban.core.models import SmsMessage
from tongban.core.workdays import working_days_after
from tongban.notifications.models import Message

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def steps(case):
    return {s.key: s for s in case.steps.all()}


def actions(case):
    return list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))


def test_submitting_makes_a_numbered_case_with_waiting_steps_and_the_materials(
    world, submit, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    case, created = submit()
    assert created and re.fullmatch(r"TB\d{8}[0-9A-HJKMNP-TV-Z]{8}", case.number)
    assert case.status == CaseStatus.SUBMITTED and case.applicant_name == "赵六"
    assert case.promised_days == 2 and case.legal_days == 35
    assert {k: s.status for k, s in steps(case).items()} == dict.fromkeys(
        ["licence", "tax", "social"], "waiting"
    )
    materials = {m.key: m for m in CaseMaterial.objects.filter(case=case)}
    assert (
        materials["application-form"].mode == "uploaded" and len(materials["application-form"].sha256) == 64
    )
    assert materials["application-form"].content_type == "application/pdf"
    assert materials["id-card"].mode == "obtained" and not materials["id-card"].file  # 两个免于提交
    assert "bank-account" not in materials  # optional, not given
    assert actions(case) == ["submit"]
    assert Message.objects.filter(user_id=case.submitted_by, title="申请已提交").exists()


class GatewaySmsProvider:
    """An SMS gateway outside the database: what it was handed is sent, whatever the transaction does next."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str, key: str) -> None:
        self.sent.append((phone, text))


@pytest.fixture
def gateway(settings) -> list[tuple[str, str]]:
    """The (phone, text) pairs handed to the gateway during the test."""
    from tongban.core.messaging import sms_provider

    settings.TONGBAN_SMS_PROVIDER = f"{__name__}.GatewaySmsProvider"
    provider = sms_provider()
    provider.sent.clear()
    return provider.sent


def test_the_sms_goes_out_only_after_commit(world, submit, gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        case, _ = submit()
        assert SmsMessage.objects.filter(user_id=case.submitted_by).exists()  # in the durable outbox
    assert gateway == []  # not sent before the commit
    for callback in callbacks:
        callback()
    assert [phone for phone, text in gateway if case.number in text] == [world["applicant"].phone]


def test_no_sms_goes_out_when_the_submission_rolls_back(
    world, submit, gateway, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path

    class Later(Exception):
        """Something after the submission fails in the same transaction."""

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Later), transaction.atomic():
        case, _ = submit()
        assert SmsMessage.objects.filter(user_id=case.submitted_by).exists()
        raise Later
    assert gateway == []
    assert not Case.objects.exists() and not SmsMessage.objects.exists()


def test_a_retry_with_the_same_key_returns_the_same_case(world, submit):
    first, created = submit(key="same-key-123")
    again, created_again = submit(key="same-key-123")
    assert created and not created_again and again.pk == first.pk
    assert Case.objects.count() == 1


def test_the_real_name_level_must_meet_the_items(world, submit):
    with pytest.raises(PermissionDenied) as exc:
        submit(kind="item", target=world["items"]["strict"].item.uuid, files={})
    assert exc.value.code == "assurance_too_low" and exc.value.details == {"required": 3, "current": 2}
    assert not Case.objects.exists()


def test_form_data_failing_the_schema_lists_every_field(world, submit):
    with pytest.raises(InvalidInput) as exc:
        submit(form={"capital": -1, "invoice": "火车票"})
    assert exc.value.code == "form_invalid"
    fields = {e["field"] for e in exc.value.details["errors"]}
    assert fields == {"applicant_name", "capital", "invoice"}
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"MZ\x90\x00" + b"\x00" * 200, "file_type_not_allowed"),  # a Windows executable renamed .pdf
        (b"", "file_empty"),
        (b"%PDF-1.7\n garbage that is not a PDF", "file_corrupt"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "file_corrupt"),
        (b"PK\x03\x04 not really a zip", "file_corrupt"),
    ],
)
def test_bad_uploads_are_refused_with_a_code_and_nothing_is_stored(
    world, submit, settings, tmp_path, content, code
):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(InvalidInput) as exc:
        submit(files={"application-form": Upload(content, "申请书.pdf")})
    assert exc.value.code == "materials_invalid"
    assert exc.value.details["problems"][0]["code"] == code
    assert not Case.objects.exists() and not list(tmp_path.rglob("*.*"))


def test_an_oversize_upload_and_a_missing_required_material_are_refused_together(world, submit, settings):
    settings.TONGBAN_UPLOAD_MAX_BYTES = 100
    with pytest.raises(InvalidInput) as exc:
        submit(files={"bank-account": Upload(pdf_bytes())})
    codes = {p["code"] for p in exc.value.details["problems"]}
    assert codes == {"file_too_large", "material_missing"}


def test_accept_then_parallel_steps_then_conclude_and_deliver(world, submit):
    case, _ = submit()
    r = world["reviewers"]
    case = case_accept(actor=actor_for(world["clerk"]), case=case)
    today = date.today()
    assert case.status == CaseStatus.IN_PROCESS and case.acceptance_voucher == "SL" + case.number[2:]
    assert case.due_on == working_days_after(case.accepted_on, 2)
    s = steps(case)
    assert s["licence"].status == StepStatus.READY and s["licence"].due_on == working_days_after(today, 1)
    assert s["tax"].status == s["social"].status == StepStatus.WAITING

    step_claim(actor=actor_for(r["market"]), step=s["licence"])
    step_decide(actor=actor_for(r["market"]), step=s["licence"], decision="pass", opinion="")
    s = steps(case)
    assert s["tax"].status == s["social"].status == StepStatus.READY  # in parallel
    for key, reviewer in (("tax", r["tax"]), ("social", r["hr"])):
        step_claim(actor=actor_for(reviewer), step=s[key])
        step_decide(actor=actor_for(reviewer), step=s[key], decision="pass", opinion="同意")
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED and case.outcome == Outcome.APPROVED
    assert case.actual_days == 0
    case = case_deliver(actor=actor_for(world["clerk"]), case=case)
    assert case.status == CaseStatus.DELIVERED
    assert actions(case) == [
        "submit",
        "accept",
        "claim",
        "step_pass",
        "result_recorded",  # each step's result (a filing, an approval…) as it passes
        "claim",
        "step_pass",
        "result_recorded",
        "claim",
        "step_pass",
        "result_recorded",
        "conclude",
        "deliver",
    ]


def test_wrong_state_transitions_answer_409_with_the_state(world, submit):
    from tongban.cases.errors import InvalidTransition

    case, _ = submit()
    s = steps(case)
    r = world["reviewers"]
    with pytest.raises(InvalidTransition):
        step_claim(actor=actor_for(r["market"]), step=s["licence"])  # not accepted yet
    case_accept(actor=actor_for(world["clerk"]), case=case)
    with pytest.raises(InvalidTransition) as exc:
        case_accept(actor=actor_for(world["clerk"]), case=case)
    assert exc.value.status == 409 and exc.value.details == {"action": "accept", "state": "in_process"}
    with pytest.raises(InvalidTransition):
        case_refuse(actor=actor_for(world["clerk"]), case=case, reasons="晚了")
    with pytest.raises(InvalidTransition):
        step_decide(
            actor=actor_for(r["market"]), step=s["licence"], decision="pass", opinion=""
        )  # not claimed
    step_claim(actor=actor_for(r["market"]), step=s["licence"])
    with pytest.raises(InvalidTransition):
        step_claim(actor=actor_for(r["market"]), step=s["licence"])  # already claimed
    with pytest.raises(InvalidTransition):
        case_deliver(actor=actor_for(world["clerk"]), case=case)  # not concluded
    step_release(actor=actor_for(r["market"]), step=s["licence"])
    assert steps(case)["licence"].status == StepStatus.READY


def test_only_the_steps_department_may_act_on_it_and_others_see_nothing(world, submit):
    case, _ = submit()
    case_accept(actor=actor_for(world["clerk"]), case=case)
    licence = steps(case)["licence"]
    with pytest.raises(NotFound):
        step_claim(actor=actor_for(world["reviewers"]["tax"]), step=licence)
    with pytest.raises(NotFound):
        case_accept(
            actor=actor_for(world["reviewers"]["tax"]), case=case
        )  # not the lead department, not a clerk
    with pytest.raises(NotFound):
        case_withdraw(actor=actor_for(world["stranger"].user), case=case)


def test_refusal_needs_reasons_and_ends_the_case(world, submit):
    case, _ = submit()
    with pytest.raises(InvalidInput):
        case_refuse(actor=actor_for(world["clerk"]), case=case, reasons=" ")
    case = case_refuse(actor=actor_for(world["clerk"]), case=case, reasons="不属于本机关职权范围")
    assert case.status == CaseStatus.REFUSED
    assert Message.objects.filter(title="申请不予受理", body__contains="不属于本机关职权范围").exists()


def test_a_supplement_is_requested_once_then_the_applicant_supplies_it(world, submit):
    case, _ = submit()
    case = case_request_supplement(
        actor=actor_for(world["clerk"]), case=case, items=["申请书未签字", "请补充银行账户信息"]
    )
    assert case.status == CaseStatus.SUPPLEMENT
    from tongban.cases.errors import InvalidTransition

    with pytest.raises(InvalidTransition):
        case_request_supplement(actor=actor_for(world["clerk"]), case=case, items=["再补一次"])
    case = case_supplement(
        actor=actor_for(world["applicant"].user),
        case=case,
        files={"application-form": Upload(pdf_bytes("签字版")), "bank-account": Upload(pdf_bytes("银行"))},
    )
    assert case.status == CaseStatus.SUBMITTED
    assert CaseMaterial.objects.filter(case=case, key="bank-account", mode="uploaded").exists()
    with pytest.raises(InvalidTransition):
        case_request_supplement(actor=actor_for(world["clerk"]), case=case, items=["第二次"])  # once only
    assert case_accept(actor=actor_for(world["clerk"]), case=case).status == CaseStatus.IN_PROCESS


def test_a_returned_step_goes_back_to_the_applicant_and_comes_back_ready(world, submit):
    case, _ = submit()
    case_accept(actor=actor_for(world["clerk"]), case=case)
    licence = steps(case)["licence"]
    reviewer = world["reviewers"]["market"]
    step_claim(actor=actor_for(reviewer), step=licence)
    with pytest.raises(InvalidInput):
        step_decide(actor=actor_for(reviewer), step=licence, decision="return", opinion="")
    step_decide(actor=actor_for(reviewer), step=licence, decision="return", opinion="经营范围表述不规范")
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED
    assert Message.objects.filter(title="申请被退回", body__contains="经营范围表述不规范").exists()
    case_supplement(
        actor=actor_for(world["applicant"].user), case=case, form_data={**GOOD_FORM, "capital": 20}
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROCESS and case.form_data["capital"] == 20
    assert steps(case)["licence"].status == StepStatus.READY


def test_a_final_refusal_concludes_the_case_as_not_approved(world, submit):
    case, _ = submit()
    case_accept(actor=actor_for(world["clerk"]), case=case)
    licence = steps(case)["licence"]
    step_claim(actor=actor_for(world["reviewers"]["market"]), step=licence)
    step_decide(
        actor=actor_for(world["reviewers"]["market"]),
        step=licence,
        decision="refuse",
        opinion="名称与他人重复",
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED and case.outcome == Outcome.NOT_APPROVED
    assert case.decision == "名称与他人重复"


def test_the_applicant_may_withdraw_before_a_decision_but_not_after(world, submit):
    from tongban.cases.errors import InvalidTransition

    case, _ = submit()
    assert case_withdraw(actor=actor_for(world["applicant"].user), case=case).status == CaseStatus.WITHDRAWN
    other, _ = submit()
    case_refuse(actor=actor_for(world["clerk"]), case=other, reasons="材料不全")
    with pytest.raises(InvalidTransition):
        case_withdraw(actor=actor_for(world["applicant"].user), case=other)


def _submitted_on(case, day: date) -> None:
    Case.objects.filter(pk=case.pk).update(
        submitted_at=datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
    )


def test_no_supplement_request_within_five_working_days_counts_as_accepted_across_a_holiday(world, submit):
    """Submitted on Wednesday 30 September 2026: 1–7 October is the National Day holiday and Saturday
    10 October a make-up working day, so the five working days are 8, 9, 10, 12 and 13 October."""
    case, _ = submit()
    _submitted_on(case, date(2026, 9, 30))
    assert cases_deem_accepted(today=date(2026, 10, 13)) == 0  # five working days: still in time
    assert cases_deem_accepted(today=date(2026, 10, 14)) == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROCESS and case.deemed_accepted
    assert case.accepted_on == date(2026, 9, 30)  # accepted from the day it was submitted
    assert case.due_on == date(2026, 10, 9)  # 2 working days after 30 September: 8 and 9 October
    assert cases_deem_accepted(today=date(2026, 10, 20)) == 0  # running again changes nothing
    assert actions(case) == ["submit", "deemed_accept"]


def test_a_supplement_request_after_five_working_days_is_too_late(world, submit):
    from tongban.cases.errors import InvalidTransition

    case, _ = submit()
    _submitted_on(case, date.today() - timedelta(days=14))
    with pytest.raises(InvalidTransition) as exc:
        case_request_supplement(actor=actor_for(world["clerk"]), case=case, items=["补"])
    assert exc.value.details["action"] == "request_supplement_late"


def test_a_special_procedure_stops_the_clock(world, submit, monkeypatch):
    import tongban.cases.services as services

    case, _ = submit()
    monkeypatch.setattr(services.common, "today", lambda: date(2026, 9, 28))
    case_accept(actor=actor_for(world["clerk"]), case=case)
    case.refresh_from_db()
    assert case.due_on == date(2026, 9, 30)
    special_start(actor=actor_for(world["clerk"]), case=case, kind="inspection", reason="现场核查经营场所")
    step = steps(case)["licence"]
    step_claim(actor=actor_for(world["reviewers"]["market"]), step=step)
    from tongban.cases.errors import InvalidTransition

    with pytest.raises(InvalidTransition):
        step_decide(actor=actor_for(world["reviewers"]["market"]), step=step, decision="pass", opinion="")
    monkeypatch.setattr(services.common, "today", lambda: date(2026, 10, 9))  # paused 29, 30 Sep, 8, 9 Oct
    special_end(actor=actor_for(world["clerk"]), case=case, result="核查通过")
    case.refresh_from_db()
    assert case.paused_days == 4 and case.paused_since is None
    assert case.due_on == date(2026, 10, 12)  # 30 Sep + 4 working days: 8, 9, 10 (make-up Saturday), 12
    assert steps(case)["licence"].due_on == working_days_after(date(2026, 9, 29), 4)
    assert case.light == Light.GREEN


def test_lights_turn_yellow_then_red_with_events_once(world, submit, monkeypatch):
    import tongban.cases.services as services
    from tongban.cases.models import SupervisionEvent
    from tongban.cases.supervision import supervision_update

    case, _ = submit()
    monkeypatch.setattr(services.common, "today", lambda: date(2026, 9, 28))  # Monday
    case_accept(actor=actor_for(world["clerk"]), case=case)
    licence = steps(case)["licence"]
    assert licence.due_on == date(2026, 9, 29) and licence.yellow_on == date(2026, 9, 28)
    assert supervision_update(date(2026, 9, 28)) == {
        "step_red": 0,
        "step_yellow": 1,
        "case_red": 0,
        "case_yellow": 0,
    }
    assert supervision_update(date(2026, 9, 29))["case_yellow"] == 1  # due 30 Sep: ≤ 1 working day left
    assert supervision_update(date(2026, 10, 8)) == {
        "step_red": 1,
        "step_yellow": 0,
        "case_red": 1,
        "case_yellow": 0,
    }
    licence.refresh_from_db()
    case.refresh_from_db()
    assert licence.light == case.light == Light.RED
    red = SupervisionEvent.objects.get(step=licence, light="red")
    assert red.rule == "step_overdue" and red.days_overdue == 2  # due 29 Sep; 30 Sep and 8 Oct are late
    assert red.department_name == "上海市市场监督管理局"
    assert supervision_update(date(2026, 10, 8)) == dict.fromkeys(
        ["step_red", "step_yellow", "case_red", "case_yellow"], 0
    )
    assert SupervisionEvent.objects.count() == 4


def test_the_tick_command_runs_deemed_acceptance_and_supervision(world, submit, capsys):
    from tongban.cli import main

    case, _ = submit()
    _submitted_on(case, date.today() - timedelta(days=20))
    assert main(["cases", "tick", "--run"]) == 0
    out = capsys.readouterr().out
    assert "deemed_accepted=1" in out and "step_red=" in out
    case.refresh_from_db()
    assert case.deemed_accepted and case.status == CaseStatus.IN_PROCESS


def test_a_material_the_item_allows_may_be_brought_later_on_commitment(world, submit):
    from tongban.cases.constants import MaterialMode
    from tongban.cases.errors import InvalidTransition
    from tongban.cases.services import case_submit, case_supplement
    from tongban.catalog.models import Material

    Material.objects.filter(key="application-form").update(commitment_allowed=True)  # as the catalog allows
    user = world["applicant"].user

    def apply(key, commitments):
        return case_submit(
            actor=actor_for(user),
            target_kind="item",
            target_uuid=world["items"]["licence"].item.uuid,
            applicant_kind="person",
            applicant_uuid=user.person.uuid,
            form_data=GOOD_FORM,
            idempotency_key=key,
            files={},
            commitments=commitments,
        )

    with pytest.raises(InvalidInput) as exc:
        apply("commit-key-01", [])
    assert exc.value.details["problems"][0]["code"] == "material_missing"
    case, _ = apply("commit-key-02", ["application-form"])
    material = CaseMaterial.objects.get(case=case, key="application-form")
    assert material.mode == MaterialMode.COMMITTED
    assert material.commitment_due_on == working_days_after(date.today(), 10)
    case_accept(actor=actor_for(world["clerk"]), case=case)
    with pytest.raises(InvalidTransition):
        case_supplement(
            actor=actor_for(user), case=case, files={"id-card": Upload(pdf_bytes())}
        )  # not committed
    case_supplement(actor=actor_for(user), case=case, files={"application-form": Upload(pdf_bytes())})
    material.refresh_from_db()
    assert material.mode == MaterialMode.UPLOADED and material.sha256
    assert "commitment_kept" in actions(case)


def test_a_material_without_commitment_is_refused_on_commitment(world, submit):
    with pytest.raises(InvalidInput) as exc:
        from tongban.cases.services import case_submit

        user = world["applicant"].user
        case_submit(
            actor=actor_for(user),
            target_kind="bundle",
            target_uuid=world["bundle"].uuid,
            applicant_kind="person",
            applicant_uuid=user.person.uuid,
            form_data=GOOD_FORM,
            idempotency_key="commit-key-03",
            files={},
            commitments=["application-form"],
        )
    assert exc.value.details["problems"][0]["code"] == "commitment_not_allowed"


def test_concluded_cases_count_into_actual_vs_promised_time_shown_on_the_pages(world, submit, client):
    case, _ = submit()
    case_accept(actor=actor_for(world["clerk"]), case=case)
    r = world["reviewers"]
    for key, reviewer in (("licence", r["market"]), ("tax", r["tax"]), ("social", r["hr"])):
        step = case.steps.get(key=key)
        step_claim(actor=actor_for(reviewer), step=step)
        step_decide(actor=actor_for(reviewer), step=step, decision="pass", opinion="")
    page = client.get(f"/bundles/{world['bundle'].uuid}/").content.decode()
    assert "已办结 1 件，平均实际用时 0.0 个工作日，为承诺时限（2.0 个工作日）的 0%。" in page
    assert "100% 在承诺时限的一半内办结" in page and "实际用时不超过承诺时限的一半" in page
    item_page = client.get(f"/items/{world['items']['licence'].item.uuid}/").content.decode()
    assert "还没有办结的办件" in item_page  # the bundle's case counts for the bundle


def test_the_message_centre_lists_the_applicants_messages_and_marks_them_read(world, submit):
    from tests.conftest import login_client

    case, _ = submit()
    client = login_client(world["applicant"].user)
    page = client.get("/messages/").content.decode()
    assert "申请已提交" in page and case.number in page and "新" in page
    assert not Message.objects.filter(user_id=world["applicant"].user.pk, read_at__isnull=True).exists()
    assert "申请已提交" not in login_client(world["stranger"].user).get("/messages/").content.decode()


def test_the_message_centre_costs_the_same_queries_however_many_messages(world, assert_flat_queries):
    from tests.conftest import login_client
    from tongban.notifications.facade import notify

    user = world["applicant"].user
    titles = []

    def two_more():
        for _ in range(2):
            titles.append(f"第{len(titles) + 1}条消息")
            notify(user_id=user.pk, title=titles[-1], body="内容", sms=False)

    two_more()
    client = login_client(user)
    # Every fetch finds new messages and marks them read (one update): the same work for 2 as for 4.
    pages = assert_flat_queries(4, lambda: client.get("/messages/").content.decode(), two_more)
    assert [sum(f"{t}</strong>" in page for t in titles) for page in pages] == [2, 4]


# --- open steps belong to cases in process only (held on a return, closed when the case ends) --------------
def _parallel(world, submit):
    """A case whose licence step passed: tax claimed by its reviewer, social ready."""
    case, _ = submit()
    case_accept(actor=actor_for(world["clerk"]), case=case)
    r = world["reviewers"]
    step_claim(actor=actor_for(r["market"]), step=steps(case)["licence"])
    step_decide(actor=actor_for(r["market"]), step=steps(case)["licence"], decision="pass", opinion="")
    step_claim(actor=actor_for(r["tax"]), step=steps(case)["tax"])
    return case


def _inbox_keys(reviewer) -> set[str]:
    from tongban.cases.selectors import inbox_steps

    return {row["key"] for row in inbox_steps(actor=actor_for(reviewer))}


def test_a_return_holds_the_other_open_steps_and_the_supplement_gives_them_back_as_they_were(world, submit):
    case = _parallel(world, submit)
    r = world["reviewers"]
    assert _inbox_keys(r["tax"]) == {"tax"} and _inbox_keys(r["hr"]) == {"social"}
    step_claim(actor=actor_for(r["hr"]), step=steps(case)["social"])
    step_decide(
        actor=actor_for(r["hr"]), step=steps(case)["social"], decision="return", opinion="参保信息不全"
    )
    s = steps(case)
    assert (s["social"].status, s["tax"].status) == (StepStatus.RETURNED, StepStatus.HELD)
    assert s["tax"].claimed_by == r["tax"].pk  # the claim is kept while the applicant supplements
    assert _inbox_keys(r["tax"]) == set() and _inbox_keys(r["hr"]) == set()
    with pytest.raises(InvalidTransition):
        step_decide(actor=actor_for(r["tax"]), step=s["tax"], decision="pass", opinion="")

    case_supplement(actor=actor_for(world["applicant"].user), case=case, form_data=GOOD_FORM)
    s = steps(case)
    assert (s["social"].status, s["tax"].status) == (StepStatus.READY, StepStatus.CLAIMED)
    assert s["tax"].claimed_by == r["tax"].pk
    assert _inbox_keys(r["tax"]) == {"tax"} and _inbox_keys(r["hr"]) == {"social"}
    step_decide(
        actor=actor_for(r["tax"]), step=s["tax"], decision="pass", opinion=""
    )  # the claim still holds


def test_a_refusal_or_a_withdrawal_closes_the_steps_still_to_do(world, submit):
    refused = _parallel(world, submit)
    r = world["reviewers"]
    step_decide(actor=actor_for(r["tax"]), step=steps(refused)["tax"], decision="refuse", opinion="欠税未清")
    s = steps(refused)
    assert (s["licence"].status, s["tax"].status, s["social"].status) == (
        StepStatus.PASSED,
        StepStatus.RETURNED,
        StepStatus.CLOSED,
    )
    assert _inbox_keys(r["hr"]) == set()

    withdrawn = _parallel(world, submit)
    step_claim(actor=actor_for(r["hr"]), step=steps(withdrawn)["social"])
    step_decide(
        actor=actor_for(r["hr"]), step=steps(withdrawn)["social"], decision="return", opinion="参保信息不全"
    )
    case_withdraw(
        actor=actor_for(world["applicant"].user), case=withdrawn
    )  # returned, with the tax step held
    s = steps(withdrawn)
    assert (s["tax"].status, s["social"].status) == (StepStatus.CLOSED, StepStatus.RETURNED)
    assert _inbox_keys(r["tax"]) == set() and _inbox_keys(r["hr"]) == set()


def test_the_migration_holds_or_closes_the_open_steps_of_cases_not_in_process(world, submit):
    import importlib

    from django.apps import apps

    from tongban.cases.models import CaseStep

    migration = importlib.import_module("tongban.cases.migrations.0005_step_held_and_closed")
    returned, withdrawn, running = (
        _parallel(world, submit),
        _parallel(world, submit),
        _parallel(world, submit),
    )
    Case.objects.filter(pk=returned.pk).update(status=CaseStatus.RETURNED)
    Case.objects.filter(pk=withdrawn.pk).update(status=CaseStatus.WITHDRAWN)
    migration.hold_and_close(apps, None)
    by_case = {
        case.pk: dict(CaseStep.objects.filter(case=case).values_list("key", "status"))
        for case in (returned, withdrawn, running)
    }
    assert by_case[returned.pk] == {"licence": "passed", "tax": "held", "social": "held"}
    assert by_case[withdrawn.pk] == {"licence": "passed", "tax": "closed", "social": "closed"}
    assert by_case[running.pk] == {"licence": "passed", "tax": "claimed", "social": "ready"}


def test_the_inbox_finds_a_case_by_its_number_in_any_case_or_by_a_word_of_its_name(world, submit):
    from tongban.cases.selectors import inbox_steps

    case = _parallel(world, submit)
    tax = world["reviewers"]["tax"]
    assert [r["number"] for r in inbox_steps(actor=actor_for(tax), q=case.number.lower())] == [case.number]
    assert [r["number"] for r in inbox_steps(actor=actor_for(tax), q=case.name[:2])] == [case.number]
    assert list(inbox_steps(actor=actor_for(tax), q="TB20000101AAAAAAAA")) == []
