"""Invitations to rate a case (docs/domain/ratings.md §3): when a case ends its applicant (for a window case the
person the clerk identified, never the clerk) gets an in-app message and an SMS with the evaluation page's
link; again 3 calendar days later if still unrated; none once rated or turned off; SMS only from 09:00 to
20:00 Shanghai time (the in-app message goes at once, the SMS waits for the morning). Idempotent. The time is
always given, never the clock's."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import csrf_headers
from tests.ratings.conftest import make_case
from tongban.cases.models import CaseEvent
from tongban.core.crypto import decrypt_text
from tongban.core.models import SmsMessage
from tongban.notifications.models import Message
from tongban.ratings import invitations
from tongban.ratings.models import RatingInvitation

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
LATE = datetime(2026, 12, 7, 21, 30, tzinfo=SHANGHAI)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def invites(user_id) -> list[Message]:
    return list(Message.objects.filter(user_id=user_id, link__startswith="/ratings/cases/").order_by("id"))


def invite_sms(user_id) -> list[str]:
    rows = SmsMessage.objects.filter(user_id=user_id).order_by("id")
    bodies = [decrypt_text(m.body_encrypted) for m in rows]
    return [b for b in bodies if "/ratings/cases/" in b]


def open_for(case, user_id, now):
    return invitations.invitation_open(
        case_uuid=str(case.uuid), user_id=user_id, number=case.number, name=case.name, now=now
    )


@pytest.fixture
def world(rating_world, monkeypatch):
    """The applicant's case, still in process, and the clock of the invitations at 10:00 Shanghai."""
    monkeypatch.setattr(invitations, "_now", lambda: MORNING)
    case = make_case(rating_world["applicant"], rating_world["department"], status="in_process")
    return {**rating_world, "open_case": case, "user_id": rating_world["applicant"].user_id}


def _conclude(case, django_capture_on_commit_callbacks):
    from django.db import transaction

    from tongban.cases.services.delivery import conclude

    case.accepted_on = date(2026, 12, 1)
    case.save(update_fields=["accepted_on"])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        conclude(case, None, "approved", "准予许可", date(2026, 12, 7))


def test_a_case_that_ends_invites_its_applicant_in_app_and_by_sms_with_the_rating_link(
    world, django_capture_on_commit_callbacks
):
    case, user_id = world["open_case"], world["user_id"]
    _conclude(case, django_capture_on_commit_callbacks)
    [message] = invites(user_id)
    assert message.link == f"/ratings/cases/{case.uuid}/"
    assert message.title == "邀请您评价办件服务" and case.number in message.body
    [sms] = invite_sms(user_id)
    assert sms.startswith("【邀请您评价办件服务】") and sms.endswith(f"/ratings/cases/{case.uuid}/")
    invitation = RatingInvitation.objects.get(case_uuid=case.uuid)
    assert (invitation.user_id, invitation.sent_count, invitation.sms_count) == (user_id, 1, 1)
    assert invitation.first_sent_at == MORNING
    assert invitation.next_due_at == MORNING + timedelta(days=3) and invitation.sms_due_at is None


def test_a_case_ending_twice_and_the_sweep_running_twice_make_one_invitation(
    world, django_capture_on_commit_callbacks
):
    from tongban.cases.events import case_ended_facts
    from tongban.cases.facade import case_ended
    from tongban.cases.models import Case

    case, user_id = world["open_case"], world["user_id"]
    _conclude(case, django_capture_on_commit_callbacks)
    # then delivered: the same end told again
    case_ended.send(sender=Case, **case_ended_facts(Case.objects.get(pk=case.pk)))
    for _ in range(2):
        invitations.invitations_send_due(MORNING + timedelta(hours=1))
        invitations.invitations_catch_up(MORNING + timedelta(hours=1))
    assert RatingInvitation.objects.filter(case_uuid=case.uuid).count() == 1
    assert len(invites(user_id)) == 1 and len(invite_sms(user_id)) == 1


def test_a_window_case_invites_the_person_the_clerk_identified_never_the_clerk(
    world, make_person, django_capture_on_commit_callbacks
):
    person = make_person("赵敏")
    clerk = world["clerk"]
    case = make_case(person, world["department"], status="in_process", submitted_by=clerk.pk)
    case.delivery_method = "window"
    case.save(update_fields=["delivery_method"])
    CaseEvent.objects.create(
        case=case, action="window_submit", actor_label="窗口", detail={"person": str(person.uuid)}
    )
    _conclude(case, django_capture_on_commit_callbacks)
    assert len(invites(person.user_id)) == 1 and len(invite_sms(person.user_id)) == 1
    assert invites(clerk.pk) == [] and invite_sms(clerk.pk) == []


def test_nobody_identified_at_the_window_means_no_invitation(world):
    assert open_for(world["open_case"], None, MORNING) is None
    assert RatingInvitation.objects.count() == 0


def test_late_in_the_evening_the_message_goes_at_once_and_the_sms_waits_for_nine(world):
    case, user_id = world["case"], world["user_id"]
    invitation = open_for(case, user_id, LATE)
    assert len(invites(user_id)) == 1 and invite_sms(user_id) == []
    assert invitation.sms_due_at == at(date(2026, 12, 8), 9)
    invitations.invitations_send_due(at(date(2026, 12, 8), 8, 59))
    assert invite_sms(user_id) == []
    invitations.invitations_send_due(at(date(2026, 12, 8), 9))
    invitations.invitations_send_due(at(date(2026, 12, 8), 9, 5))
    assert len(invite_sms(user_id)) == 1 and len(invites(user_id)) == 1
    invitation.refresh_from_db()
    assert invitation.sms_due_at is None and invitation.sms_count == 1


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(date(2026, 12, 7), 8, 59), at(date(2026, 12, 7), 9)),
        (at(date(2026, 12, 7), 9), at(date(2026, 12, 7), 9)),
        (at(date(2026, 12, 7), 19, 59), at(date(2026, 12, 7), 19, 59)),
        (at(date(2026, 12, 7), 20), at(date(2026, 12, 8), 9)),
        (at(date(2026, 12, 7), 0, 30), at(date(2026, 12, 7), 9)),
    ],
)
def test_sms_hours_are_nine_to_eight_shanghai_time(moment, expected):
    assert invitations.sms_time(moment) == expected
    # the same instant in UTC gives the same answer
    assert invitations.sms_time(moment.astimezone(ZoneInfo("UTC"))) == expected


def test_still_unrated_three_days_later_a_reminder_and_then_no_more(world):
    case, user_id = world["case"], world["user_id"]
    open_for(case, user_id, MORNING)
    invitations.invitations_send_due(MORNING + timedelta(days=3) - timedelta(minutes=1))
    assert len(invites(user_id)) == 1
    result = invitations.invitations_send_due(MORNING + timedelta(days=3))
    assert result["rating_invitations_reminded"] == 1
    for days in (3, 4, 10):
        invitations.invitations_send_due(MORNING + timedelta(days=days, hours=1))
    messages = invites(user_id)
    assert [m.title for m in messages] == ["邀请您评价办件服务", "办件服务评价提醒"]
    assert len(invite_sms(user_id)) == 2 and invite_sms(user_id)[1].startswith("【办件服务评价提醒】")
    invitation = RatingInvitation.objects.get()
    assert (invitation.sent_count, invitation.next_due_at) == (2, None)


def test_a_reminder_due_at_night_sends_its_message_and_holds_its_sms(world):
    case, user_id = world["case"], world["user_id"]
    open_for(case, user_id, LATE)
    invitations.invitations_send_due(at(date(2026, 12, 8), 9))  # the first SMS, in the morning
    invitations.invitations_send_due(LATE + timedelta(days=3))
    assert len(invites(user_id)) == 2 and len(invite_sms(user_id)) == 1
    invitations.invitations_send_due(at(date(2026, 12, 11), 9, 10))
    assert len(invite_sms(user_id)) == 2


def test_once_rated_no_reminder_and_no_held_sms(world):
    case, user_id, client = world["case"], world["user_id"], world["client"]
    open_for(case, user_id, LATE)
    response = client.post(
        f"/api/ratings/cases/{case.uuid}",
        {"round": 1, "level": 5},
        content_type="application/json",
        **csrf_headers(client),
    )
    assert response.status_code == 201
    invitations.invitations_send_due(at(date(2026, 12, 8), 9))
    invitations.invitations_send_due(LATE + timedelta(days=3))
    assert len(invites(user_id)) == 1 and invite_sms(user_id) == []
    invitation = RatingInvitation.objects.get()
    assert invitation.next_due_at is None and invitation.sms_due_at is None
    # and a case rated before it ended again invites nobody
    RatingInvitation.objects.all().delete()
    assert open_for(case, user_id, MORNING) is None


def test_a_person_who_turned_invitations_off_gets_none(world):
    case, user_id = world["case"], world["user_id"]
    invitations.invitations_set(user_id, enabled=False)
    open_for(case, user_id, MORNING)
    invitations.invitations_send_due(MORNING + timedelta(days=3))
    assert invites(user_id) == [] and invite_sms(user_id) == []
    invitations.invitations_set(user_id, enabled=True)
    other = make_case(world["applicant"], world["department"])
    open_for(other, user_id, MORNING)
    assert len(invites(user_id)) == 1


def test_an_end_whose_receiver_failed_is_invited_by_the_sweep_once(world):
    from tongban.ratings.tasks import invitations_maintenance_receiver

    case, user_id = world["open_case"], world["user_id"]
    case.status = "refused"
    case.save(update_fields=["status"])
    event = CaseEvent.objects.create(case=case, action="refuse", actor_label="窗口", opinion="材料不全")
    CaseEvent.objects.filter(pk=event.pk).update(at=MORNING + timedelta(hours=1))
    now = MORNING + timedelta(hours=2)
    first = invitations_maintenance_receiver(None, now=now)
    second = invitations_maintenance_receiver(None, now=now)
    assert first["rating_invitations_caught_up"] == 1 and second["rating_invitations_caught_up"] == 0
    assert len(invites(user_id)) == 1 and len(invite_sms(user_id)) == 1


def test_my_evaluations_lists_the_invited_cases_not_yet_rated_and_switches_invitations(world):
    case, user_id, client = world["case"], world["user_id"], world["client"]
    invitations.invitation_open(
        case_uuid=str(case.uuid), user_id=user_id, number=case.number, name=case.name
    )  # now: the real clock, so that it is within the page's 30 days
    page = client.get("/ratings/mine/")
    assert page.status_code == 200 and f'href="/ratings/cases/{case.uuid}/"' in page.content.decode()
    response = client.post("/ratings/mine/invitations/", {"enabled": "0"}, **csrf_headers(client))
    assert response.status_code == 302 and invitations.invitations_off(user_id)
    assert "开启评价邀请" in client.get("/ratings/mine/").content.decode()
    client.post("/ratings/mine/invitations/", {"enabled": "1"}, **csrf_headers(client))
    assert not invitations.invitations_off(user_id)
    assert client.get("/ratings/mine/invitations/").status_code == 405
    # once rated, it leaves the list
    client.post(
        f"/api/ratings/cases/{case.uuid}",
        {"round": 1, "level": 4},
        content_type="application/json",
        **csrf_headers(client),
    )
    assert f'href="/ratings/cases/{case.uuid}/"' not in client.get("/ratings/mine/").content.decode()


def test_the_home_page_promise_links_to_my_evaluations(client):
    page = client.get("/")
    assert '<a href="/ratings/mine/">每次服务都可以评价</a>' in page.content.decode()
