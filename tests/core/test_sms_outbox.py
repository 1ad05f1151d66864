"""The durable SMS outbox: rows written with the caller's data, tasks carrying ids, sends idempotent per
key, one-time codes never kept in clear, and the maintenance sweep (stale tasks, lost enqueues, retention)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client, TestCase
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.conftest import last_sms_code, login_client
from tongban.accounts.constants import Role
from tongban.core import messaging
from tongban.core.maintenance import maintenance_run, tasks_requeue_stale
from tongban.core.messaging import sms_deliver_message, sms_queue
from tongban.core.models import OutboxMessage, SmsKind, SmsMessage, SmsStatus
from tongban.core.tasks import sms_deliver
from tongban.notifications.facade import notify

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def db_tasks(settings):
    """The production default: the task queue is a table of this database."""
    settings.TASKS = DB_TASKS
    return settings


def run_ready_tasks() -> int:
    """What `tongban worker` does, in-process: claim each ready task, run it, record the outcome."""
    done = 0
    while (row := DBTaskResult.objects.ready().first()) is not None:
        row.claim("test-worker")
        try:
            row.set_successful(row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"]))
        except Exception as exc:
            row.set_failed(exc)
        done += 1
    return done


def test_notify_stores_the_sms_encrypted_and_the_task_carries_only_its_id(db_tasks, make_person):
    person = make_person()
    notify(user_id=person.user_id, title="申请已提交", body="办件号 TB-1", phone=person.phone)
    message = SmsMessage.objects.get()
    assert message.status == SmsStatus.PENDING and message.kind == SmsKind.NOTICE
    assert "TB-1" not in message.body_encrypted
    task = DBTaskResult.objects.get()
    assert task.args_kwargs == {"args": [], "kwargs": {"message_id": message.pk}}
    assert person.phone not in str(task.args_kwargs)
    assert run_ready_tasks() == 1
    assert [m.body for m in OutboxMessage.objects.filter(recipient=person.phone)] == [
        "【申请已提交】办件号 TB-1"
    ]
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT and message.sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_on_the_database_backend_the_task_commits_or_rolls_back_with_the_data(db_tasks, make_person):
    person = make_person()
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(user_id=person.user_id, title="通知", body="回滚", phone=person.phone)
        assert DBTaskResult.objects.count() == 1  # enqueued inside the transaction, not after it
        raise RuntimeError
    assert not SmsMessage.objects.exists() and not DBTaskResult.objects.exists()
    with transaction.atomic():
        notify(user_id=person.user_id, title="通知", body="提交", phone=person.phone)
    assert SmsMessage.objects.count() == 1 and DBTaskResult.objects.count() == 1


def test_delivering_twice_sends_once(db_tasks, make_person):
    person = make_person()
    message = sms_queue(phone=person.phone, text="【通知】一次", user_id=person.user_id)
    assert sms_deliver_message(message.pk) == "sent"
    assert sms_deliver_message(message.pk) == "already_sent"
    sms_deliver.call(message_id=message.pk)
    assert OutboxMessage.objects.filter(recipient=person.phone).count() == 1


def test_a_crash_after_the_provider_sent_does_not_send_twice(db_tasks, make_person, monkeypatch):
    """The worker dies after the gateway accepted the message but before the row says sent: the retry
    hands the same key to the provider, which does not send again."""
    person = make_person()
    message = sms_queue(phone=person.phone, text="【通知】崩溃", user_id=person.user_id)

    class Killed(BaseException):
        pass

    def die(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(messaging, "_sms_finish", die)
    with pytest.raises(Killed):
        sms_deliver_message(message.pk)
    monkeypatch.undo()
    assert OutboxMessage.objects.filter(recipient=person.phone).count() == 1
    SmsMessage.objects.filter(pk=message.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    assert sms_deliver_message(message.pk) == "sent"
    assert OutboxMessage.objects.filter(recipient=person.phone).count() == 1
    assert SmsMessage.objects.get(pk=message.pk).attempts == 2


def test_one_time_codes_are_never_kept_in_clear(make_person):
    person = make_person()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = Client().post(
            "/api/auth/sms", {"phone": person.phone, "purpose": "login"}, content_type="application/json"
        )
    assert response.status_code == 202
    code = last_sms_code(person.phone)
    message = SmsMessage.objects.get(phone=person.phone)
    assert message.kind == SmsKind.OTP and message.status == SmsStatus.SENT
    assert message.body_encrypted == ""  # wiped once sent
    outbox = OutboxMessage.objects.get(recipient=person.phone)
    assert code in outbox.body and code not in outbox.body_encrypted
    assert outbox.key == str(message.uuid)
    tasks_text = str(list(DBTaskResult.objects.values_list("args_kwargs", "return_value")))
    assert code not in tasks_text


def test_an_expired_code_is_not_sent_and_its_body_is_wiped(db_tasks, make_person):
    person = make_person()
    message = sms_queue(
        phone=person.phone, text="验证码 123456", kind=SmsKind.OTP, expires_at=timezone.now() - timedelta(1)
    )
    maintenance_run()
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED and message.body_encrypted == ""
    run_ready_tasks()
    assert not OutboxMessage.objects.exists()


def test_a_task_left_running_by_a_dead_worker_is_run_again(db_tasks, make_person, settings):
    person = make_person()
    sms_queue(phone=person.phone, text="【通知】遗留", user_id=person.user_id)
    row = DBTaskResult.objects.get()
    row.claim("dead-worker")  # the worker was killed here
    settings.TONGBAN_TASK_LEASE_SECONDS = 300
    assert tasks_requeue_stale() == 0  # within the lease: maybe still running
    assert tasks_requeue_stale(now=timezone.now() + timedelta(seconds=301)) == 1
    assert run_ready_tasks() == 1
    assert OutboxMessage.objects.filter(recipient=person.phone).count() == 1
    assert not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists()


@pytest.mark.django_db(transaction=True)
def test_a_lost_enqueue_is_made_good_by_maintenance(make_person, monkeypatch):
    """Non-transactional backends (RQ; here: immediate) enqueue after commit; a crash in between loses the
    enqueue, and maintenance sends the row that was left pending."""
    person = make_person()
    monkeypatch.setattr(messaging, "sms_enqueue", lambda message_id: None)  # the enqueue is lost
    with transaction.atomic():
        message = sms_queue(phone=person.phone, text="【通知】丢失", user_id=person.user_id)
    monkeypatch.undo()
    assert maintenance_run()["sms_requeued"] == 0  # not yet: it may still be on its way
    later = timezone.now() + timedelta(minutes=5)
    assert maintenance_run(now=later)["sms_requeued"] == 1
    assert SmsMessage.objects.get(pk=message.pk).status == SmsStatus.SENT
    assert OutboxMessage.objects.filter(recipient=person.phone).count() == 1
    assert maintenance_run(now=later + timedelta(minutes=5))["sms_requeued"] == 0


def test_a_failed_send_is_retried_until_the_limit(make_person, settings, monkeypatch):
    settings.TONGBAN_SMS_MAX_ATTEMPTS = 2
    person = make_person()

    class Gateway:
        calls = 0

        def send(self, *, phone, text, key):
            Gateway.calls += 1
            raise ConnectionError

    monkeypatch.setattr(messaging, "sms_provider", Gateway)
    with TestCase.captureOnCommitCallbacks(execute=True):
        message = sms_queue(phone=person.phone, text="【通知】失败", user_id=person.user_id)
    assert SmsMessage.objects.get(pk=message.pk).status == SmsStatus.PENDING
    for minutes in (5, 10):
        with TestCase.captureOnCommitCallbacks(execute=True):
            maintenance_run(now=timezone.now() + timedelta(minutes=minutes))
    message.refresh_from_db()
    assert Gateway.calls == 2 and message.status == SmsStatus.FAILED
    assert message.last_error == "ConnectionError"


def test_a_provider_without_the_key_parameter_is_still_called(db_tasks, make_person, monkeypatch):
    sent = []

    class OldGateway:
        def send(self, *, phone, text):
            sent.append((phone, text))

    monkeypatch.setattr(messaging, "sms_provider", OldGateway)
    message = sms_queue(phone="13800000000", text="【通知】旧接口")
    assert sms_deliver_message(message.pk) == "sent"
    assert sent == [("13800000000", "【通知】旧接口")]


def test_maintenance_prunes_by_the_documented_retentions(db_tasks, make_person, settings):
    settings.TONGBAN_SMS_RETENTION_DAYS = 7
    settings.TONGBAN_OUTBOX_RETENTION_DAYS = 7
    settings.TONGBAN_TASK_RESULT_RETENTION_DAYS = 1
    person = make_person()
    sms_queue(phone=person.phone, text="【通知】旧", user_id=person.user_id)
    run_ready_tasks()
    assert SmsMessage.objects.count() == OutboxMessage.objects.count() == DBTaskResult.objects.count() == 1
    maintenance_run(now=timezone.now() + timedelta(hours=1))
    assert SmsMessage.objects.count() == OutboxMessage.objects.count() == DBTaskResult.objects.count() == 1
    result = maintenance_run(now=timezone.now() + timedelta(days=2))
    assert result["task_results_deleted"] == 1 and SmsMessage.objects.count() == 1
    result = maintenance_run(now=timezone.now() + timedelta(days=8))
    assert result["sms_deleted"] == 1 and result["outbox_deleted"] == 1
    assert not SmsMessage.objects.exists() and not OutboxMessage.objects.exists()


def test_a_task_enqueued_by_the_previous_release_is_still_delivered(db, db_tasks):
    assert sms_deliver.call(phone="13800000001", text="【通知】旧任务") == "sent"
    assert OutboxMessage.objects.get(recipient="13800000001").body == "【通知】旧任务"


def test_admins_read_the_outbox_decrypted_and_the_sms_state_without_phone_or_text(
    db_tasks, make_person, admin_client, org_tree, make_staff
):
    person = make_person()
    message = sms_queue(phone=person.phone, text="【通知】给管理员看", user_id=person.user_id)
    sms_deliver_message(message.pk)
    outbox = OutboxMessage.objects.get()
    platform_admin = login_client(make_staff(org_tree["region"], Role.PLATFORM_ADMIN))
    assert "【通知】给管理员看" in platform_admin.get("/accounts/ops/outbox/").content.decode()
    detail = admin_client.get(f"/admin/core/outboxmessage/{outbox.pk}/change/").content.decode()
    assert "【通知】给管理员看" in detail and outbox.body_encrypted not in detail
    sms_page = admin_client.get(f"/admin/core/smsmessage/{message.pk}/change/")
    assert sms_page.status_code == 200
    assert person.phone not in sms_page.content.decode()
    assert "给管理员看" not in sms_page.content.decode()


@pytest.mark.parametrize(("model", "queries"), [(SmsMessage, 5), (OutboxMessage, 5)])
def test_the_message_admin_lists_cost_the_same_queries_however_many_rows(
    make_person, assert_flat_admin_list, model, queries
):
    person = make_person()

    def two_more():
        with TestCase.captureOnCommitCallbacks(execute=True):
            for _ in range(2):
                notify(user_id=person.user_id, title="通知", body="内容")

    two_more()
    assert_flat_admin_list(model, queries, two_more)
