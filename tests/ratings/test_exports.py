"""The 好差评 exchange formats and the national upload (docs/domain/ratings.md §8): GB/T 39046 表9 as CSV and
JSON, the provincial interface in the "default" and "zhejiang" profiles, each checked against a file written
by hand (tests/ratings/data/) from the known world of exports_support; who may export what; the outbox of
the national upload, its retries and its idempotency."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import csrf_headers, login_client
from tests.ratings.conftest import make_case
from tests.ratings.exports_support import (
    LONE_PAD_EVALUATION,
    beijing,
    build_export_world,
)
from tongban.core.models import AuditEvent
from tongban.ratings import exports
from tongban.ratings.constants import Channel
from tongban.ratings.models import Evaluation, RatingUpload, UploadKind, UploadStatus
from tongban.ratings.transports import FileOutboxTransport, MemoryTransport
from tongban.ratings.uploads import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    upload_enqueue,
    upload_send_due,
    upload_status_update,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
PERIOD = "from=2026-11-01&to=2026-11-30"
ZHEJIANG_SETTINGS = {
    "zhejiang": {"app_status": "1", "data_source": "999", "indicator_codes": {"online.efficiency": "501"}}
}


@pytest.fixture
def world(org_tree, make_person, make_staff):
    return build_export_world(org_tree, make_person, make_staff)


@pytest.fixture(autouse=True)
def memory_transport(settings):
    settings.RATINGS_UPLOAD_TRANSPORT = "tongban.ratings.transports.MemoryTransport"
    MemoryTransport.reset()
    yield MemoryTransport
    MemoryTransport.reset()


def _get(user, path):
    client = login_client(user)
    return client.get(f"/api/ratings/exports/{path}", **csrf_headers(client))


def _expected(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _left_out(report):
    return sorted((e["evaluation"], e["reason"]) for e in report["left_out"])


# --- GB/T 39046 表9 -------------------------------------------------------------------------------------
def test_gbt39046_csv_is_the_hand_made_file_and_the_report_names_what_is_missing(world):
    answer = _get(world["admin"], f"gbt39046-csv?{PERIOD}")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["csv"] == (DATA / "gbt39046.csv").read_bytes().decode("utf-8")
    assert body["rows"] is None and body["count"] == 5
    # The pad service without a case has no 办件编号; the pad evaluation has no known evaluator.
    assert _left_out(body["report"]) == [(str(LONE_PAD_EVALUATION), "no_case")]
    assert body["report"]["empty"] == {"评价人": {"rows": 1, "message": "评价器评价没有已知的评价人"}}
    event = AuditEvent.objects.get(action="ratings.export")
    assert event.after["evaluations"] == 6 and event.after["format"] == "gbt39046-csv"


def test_gbt39046_json_is_the_hand_made_file_keyed_by_the_same_names_in_order(world):
    body = _get(world["admin"], f"gbt39046-json?{PERIOD}").json()
    expected = _expected("gbt39046.json")
    assert body["rows"] == expected
    assert [list(row) for row in body["rows"]] == [list(exports.GBT_HEADERS)] * len(expected)


# --- the provincial interface -----------------------------------------------------------------------------
def test_the_province_default_profile_is_the_hand_made_file(world):
    body = _get(world["admin"], f"province?{PERIOD}").json()
    expected = _expected("province-default.json")
    assert body["rows"] == expected and body["profile"] == "default"
    assert [list(r) for r in body["rows"]] == [list(r) for r in expected]  # the field order too
    report = body["report"]
    assert _left_out(report) == [(str(LONE_PAD_EVALUATION), "no_case")]
    empty = {name: entry["rows"] for name, entry in report["empty"].items()}
    # Profile settings with no default, the catalog's missing sub-matter, the pad's unknown evaluator, a
    # case nobody decided yet, and the indicator chosen in the first evaluation with no code to send.
    assert empty == {
        "subMatter": 5,
        "appStatus": 5,
        "dataSource": 5,
        "evalDetail": 1,
        "proManager": 2,
        "certkeyGOV": 1,
        "userName": 1,
    }


def test_the_zhejiang_profile_leaves_the_phone_out_and_hides_the_anonymous_evaluator(world, settings):
    settings.RATINGS_EXCHANGE_PROFILES = ZHEJIANG_SETTINGS
    body = _get(world["admin"], f"province?{PERIOD}&profile=zhejiang").json()
    expected = _expected("province-zhejiang.json")
    assert body["rows"] == expected
    assert [list(r) for r in body["rows"]] == [list(exports.PROVINCE_FIELDS)] * len(expected)
    phone = next(e for e in world["evaluations"] if e.channel == Channel.PHONE)
    assert _left_out(body["report"]) == sorted(
        [(str(phone.uuid), "no_channel_code"), (str(LONE_PAD_EVALUATION), "no_case")]
    )
    empty = {name: entry["rows"] for name, entry in body["report"]["empty"].items()}
    assert empty == {"subMatter": 4, "proManager": 1, "certkeyGOV": 2, "userName": 2}


def test_the_number_of_queries_does_not_grow_with_the_evaluations(world):
    """1, 20 and 35 evaluations: the same queries for 20 and 35, no more for one (which skips the batches
    it has nothing to ask for: a case evaluation asks nothing of the front desk)."""
    department = world["hp_housing"]

    def more(count: int, second: int) -> list[Evaluation]:
        added = []
        for n in range(count):
            case = make_case(world["li"], department)
            added.append(
                Evaluation.objects.create(
                    kind="case",
                    subject_uuid=case.uuid,
                    subject_label=case.number,
                    channel=Channel.PC,
                    evaluator_user_id=world["li"].user_id,
                    level=5,
                    template_version=1,
                    unit_kind="department",
                    unit_uuid=department.uuid,
                    unit_name=department.name,
                    created_at=beijing(2026, 11, 20, 9, second, n),
                )
            )
        return added

    twenty = [*world["evaluations"], *more(13, 0)]
    thirty_five = [*twenty, *more(15, 1)]
    assert (len(twenty), len(thirty_five)) == (20, 35)
    for export in (exports.gbt39046_rows, exports.province_rows):
        counts = []
        for batch in (world["evaluations"][:1], twenty, thirty_five):
            with CaptureQueriesContext(connection) as queries:
                rows, _report = export(batch)
            counts.append(len(queries))
        assert counts[0] <= counts[1] == counts[2], (export.__name__, counts)
        assert len(rows) == 34  # all but the pad service without a case


# --- who may export what ----------------------------------------------------------------------------------
def test_a_supervisor_exports_only_their_subtree_and_others_are_refused(world, make_person):
    ours = _get(world["hp_supervisor"], f"gbt39046-json?{PERIOD}").json()["rows"]
    assert {row["行政区划"] for row in ours} == {"310101"} and len(ours) == 4
    theirs = _get(world["xh_supervisor"], f"province?{PERIOD}").json()["rows"]
    assert [row["projectNo"] for row in theirs] == ["TB20261115XH000004"]  # nothing of 黄浦区's
    for user in (world["reviewer"], world["li"].user):
        refused = _get(user, f"gbt39046-csv?{PERIOD}")
        assert refused.status_code == 403 and refused.json()["code"] == "rating_export_forbidden"
    from django.test import Client

    assert Client().get(f"/api/ratings/exports/province?{PERIOD}").status_code == 401


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (f"xml?{PERIOD}", "rating_export_format_invalid"),
        ("province?from=2026-13-01&to=2026-11-30", "rating_export_period_invalid"),
        ("province?from=2026-11-30&to=2026-11-01", "rating_export_period_invalid"),
        ("province?from=20261101&to=20261130", "rating_export_period_invalid"),
        (f"province?{PERIOD}&profile=beijing", "rating_export_profile_invalid"),
        ("province?to=2026-11-30", "validation_error"),
    ],
)
def test_bad_inputs_are_422(world, path, code):
    answer = _get(world["admin"], path)
    assert answer.status_code == 422 and answer.json()["code"] == code
    assert set(answer.json()) == {"code", "message", "details"}


# --- the command line -------------------------------------------------------------------------------------
def test_the_export_command_writes_the_file_and_the_report_on_stderr(world, tmp_path, capsys, settings):
    from tongban.cli import main

    out = tmp_path / "t9.csv"
    args = ["ratings", "export", "--format", "gbt39046-csv", "--from", "2026-11-01", "--to", "2026-11-30"]
    assert main([*args, "--out", str(out)]) == 0
    assert out.read_bytes() == (DATA / "gbt39046.csv").read_bytes()
    err = capsys.readouterr().err
    assert f"{LONE_PAD_EVALUATION} 1号窗口: no_case" in err and "评价人: 1 rows" in err
    assert "李秀英" not in err  # the report names evaluations and cases, never people

    settings.RATINGS_EXCHANGE_PROFILES = ZHEJIANG_SETTINGS
    args = ["ratings", "export", "--format", "province", "--profile", "zhejiang"]
    assert main([*args, "--from", "2026-11-01", "--to", "2026-11-30"]) == 0
    assert json.loads(capsys.readouterr().out) == _expected("province-zhejiang.json")
    assert main(["ratings", "export", "--format", "province", "--from", "2026-11-31", "--to", "x"]) == 1


# --- the national upload ----------------------------------------------------------------------------------
@pytest.fixture
def rated(rating_world, django_capture_on_commit_callbacks):
    """The applicant rates their case through the API: the evaluation writes its upload row."""
    client, case = rating_world["client"], rating_world["case"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = client.post(
            f"/api/ratings/cases/{case.uuid}",
            {"round": 1, "level": 2, "text": "等太久", "anonymous": True},
            content_type="application/json",
            **csrf_headers(client),
        )
    assert answer.status_code == 201, answer.content
    return {**rating_world, "evaluation": Evaluation.objects.get(), "callbacks": callbacks}


def _start():
    """The moment the first upload row became due (the tests count from it, not from the clock)."""
    return RatingUpload.objects.order_by("id").first().next_attempt_at


def test_a_new_evaluation_writes_its_upload_row_in_its_transaction(rated):
    row = RatingUpload.objects.get()
    evaluation, case = rated["evaluation"], rated["case"]
    assert row.evaluation_uuid == evaluation.uuid and row.kind == UploadKind.RECORD
    assert row.status == UploadStatus.PENDING and row.attempts == 0
    assert (row.project_no, row.assess_number) == (case.number, 1)
    assert row.user_id == str(rated["applicant"].user.uuid)
    assert row.payload["projectNo"] == case.number and row.payload["satisfaction"] == "2"
    assert row.payload["anonymityFlag"] == "1" and row.payload["pf"] == "1"
    assert rated["callbacks"], "the send is enqueued after the commit"
    assert upload_enqueue(evaluation) == 0  # once
    assert RatingUpload.objects.count() == 1


def test_the_task_sends_a_due_row_once(rated, memory_transport):
    from tongban.ratings.tasks import upload_send

    now = _start()
    assert upload_send_due(now) == {"sent": 1, "retry": 0, "failed": 0, "skipped": 0}
    row = RatingUpload.objects.get()
    assert row.status == UploadStatus.SENT and row.attempts == 1 and row.sent_at == now
    assert memory_transport.sent == {row.key: row.payload}
    # Sending again sends nothing (the row is done); the task does the same.
    assert upload_send_due(now + timedelta(days=1))["sent"] == 0
    assert upload_send.call() == {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    assert memory_transport.repeats == 0 and len(memory_transport.sent) == 1


def test_a_failed_send_is_retried_later_with_growing_delays_then_marked_failed(rated, memory_transport):
    from tongban.ratings.tasks import maintenance_receiver

    memory_transport.fail = ConnectionError("national system down")
    now = _start()
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        outcome = upload_send_due(now)
        row = RatingUpload.objects.get()
        assert row.attempts == attempt and row.last_error == "ConnectionError"
        if attempt == MAX_ATTEMPTS:
            assert outcome["failed"] == 1 and row.status == UploadStatus.FAILED
            break
        assert outcome["retry"] == 1 and row.status == UploadStatus.PENDING
        waits.append(row.next_attempt_at - now)
        # Not due before its time: nothing is tried, and the sweep has nothing to re-queue.
        assert upload_send_due(row.next_attempt_at - timedelta(seconds=1))["retry"] == 0
        assert (
            maintenance_receiver(None, now=row.next_attempt_at - timedelta(seconds=1))[
                "rating_uploads_requeued"
            ]
            == 0
        )
        assert maintenance_receiver(None, now=row.next_attempt_at)["rating_uploads_requeued"] == 1
        now = row.next_attempt_at
    assert waits == list(RETRY_DELAYS)
    assert waits == sorted(waits)
    # A failed row stays failed (visible in the admin); nothing sends it again.
    memory_transport.fail = None
    assert upload_send_due(now + timedelta(days=2))["sent"] == 0 and not memory_transport.sent


def test_a_retry_after_a_failure_sends_once(rated, memory_transport):
    now = _start()
    memory_transport.fail = TimeoutError()
    assert upload_send_due(now)["retry"] == 1
    memory_transport.fail = None
    assert upload_send_due(now + RETRY_DELAYS[0])["sent"] == 1
    assert upload_send_due(now + timedelta(days=1))["sent"] == 0
    assert len(memory_transport.sent) == 1 and memory_transport.repeats == 0


def test_a_status_update_is_a_new_row_for_the_same_key_once(rated, memory_transport):
    evaluation = rated["evaluation"]
    record = RatingUpload.objects.get()
    assert upload_status_update(evaluation, "excluded") == 1
    assert upload_status_update(evaluation, "excluded") == 0
    update = RatingUpload.objects.get(kind=UploadKind.STATUS)
    assert (update.project_no, update.assess_number, update.user_id) == (
        record.project_no,
        record.assess_number,
        record.user_id,
    )
    assert update.payload["status"] == "excluded" and update.key != record.key
    assert upload_send_due(update.next_attempt_at)["sent"] == 2


def test_a_pad_evaluation_is_uploaded_once_per_case_of_its_service(world):
    from tongban.ratings.services import evaluation_from_pad

    service = world["service"]
    evaluation = evaluation_from_pad(
        session_uuid=uuid.uuid4(),
        service_uuid=service.uuid,
        window_uuid=world["window"].uuid,
        window_name="1号窗口",
        centre_name="黄浦区行政服务中心",
        score=5,
    )
    row = RatingUpload.objects.get(evaluation_uuid=evaluation.uuid)
    assert row.project_no == "TB20261112HP000003" and row.user_id == str(evaluation.uuid)
    assert row.payload["pf"] == "4" and row.payload["userName"] == ""
    lone = evaluation_from_pad(
        session_uuid=uuid.uuid4(),
        service_uuid=world["lone_service"].uuid,
        window_uuid=world["window"].uuid,
        window_name="1号窗口",
        centre_name="黄浦区行政服务中心",
        score=3,
    )
    assert not RatingUpload.objects.filter(evaluation_uuid=lone.uuid).exists()  # no case: nothing to send


def test_the_upload_command_sends_due_rows(rated, capsys, memory_transport):
    from tongban.cli import main

    assert main(["ratings", "upload"]) == 0
    assert capsys.readouterr().out.strip() == "sent=1 retry=0 failed=0 skipped=0"
    assert len(memory_transport.sent) == 1


def test_the_file_outbox_transport_appends_json_lines(tmp_path):
    transport = FileOutboxTransport(tmp_path / "outbox.jsonl")
    transport.send(record={"projectNo": "TB1", "userName": "李秀英"}, key="TB1|1|u")
    transport.send(record={"projectNo": "TB2"}, key="TB2|1|u")
    lines = (tmp_path / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["TB1|1|u", "TB2|1|u"]
    assert json.loads(lines[0])["record"]["userName"] == "李秀英"


def test_a_failed_upload_is_visible_in_the_admin_without_the_record(rated, memory_transport, admin_client):
    memory_transport.fail = ConnectionError()
    now = _start()
    for _attempt in range(MAX_ATTEMPTS):
        upload_send_due(now)
        now = RatingUpload.objects.get().next_attempt_at
    row = RatingUpload.objects.get()
    assert row.status == UploadStatus.FAILED
    page = admin_client.get("/admin/ratings/ratingupload/?status=failed").content.decode()
    assert row.project_no in page and "ConnectionError" in page
    detail = admin_client.get(f"/admin/ratings/ratingupload/{row.pk}/change/").content.decode()
    assert row.project_no in detail and "等太久" not in detail and row.user_id not in detail


def test_an_enterprise_case_is_sent_as_a_legal_person_with_its_uscc(world, make_enterprise):
    """userProp 2 (法人) and certkeyGOV the enterprise's USCC; userName stays the person who rated."""
    from tongban.cases.models import Case

    firm = make_enterprise(world["li"], name="上海好差评示范有限公司")
    case = world["cases"][0]
    Case.objects.filter(pk=case.pk).update(applicant_kind="enterprise", applicant_uuid=firm.uuid)
    rows, _report = exports.province_rows(world["evaluations"][:1])
    assert (rows[0]["userProp"], rows[0]["certkeyGOV"], rows[0]["userName"]) == ("2", firm.uscc, "李秀英")


def test_a_burst_of_evaluations_enqueues_one_send_task(rated, settings):
    from django_tasks_db.models import DBTaskResult

    from tongban.ratings.tasks import upload_send

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # production's default

    for callback in rated["callbacks"]:
        callback()
    for callback in rated["callbacks"]:  # a second evaluation's commit, while the first task waits
        callback()
    assert DBTaskResult.objects.filter(task_path=upload_send.module_path).count() == 1
    assert upload_send.call() == {"sent": 1, "retry": 0, "failed": 0, "skipped": 0}  # what the worker runs
