"""The board of today (docs/domain/cases.md §7): counts by department and light, filters, a link to each case,
and 督办 — recorded on the case's timeline (not the applicant's), the departments told, once a day."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_headers, login_client
from tongban.accounts.constants import Role
from tongban.cases.models import CaseEvent
from tongban.core.models import AuditEvent
from tongban.notifications.models import Message

pytestmark = pytest.mark.django_db


def _post(client, url, data):
    return client.post(url, data, **csrf_headers(client))


def test_the_board_counts_filters_and_links_each_case(world, board, client_of):
    supervisor = client_of("supervisor")
    html = supervisor.get("/supervision/").content.decode()
    # 2 red (the market's licence step, the tax step), 1 yellow, in the totals and per department
    assert "今日超期 2 个环节 · 预警 1 个环节" in html
    assert "超期 1 · 预警 1" in html and "超期 1 · 预警 0" in html
    assert f'href="/staff/cases/{board["red"].uuid}/"' in html
    only_red = supervisor.get("/supervision/", {"light": "red"}).content.decode()
    assert board["red"].number in only_red and board["yellow"].number not in only_red
    by_number = supervisor.get("/supervision/", {"number": board["yellow"].number[-6:]}).content.decode()
    assert board["yellow"].number in by_number and board["red"].number not in by_number
    tax = str(world["depts"]["tax"].uuid)
    only_tax = supervisor.get("/supervision/", {"department": tax}).content.decode()
    assert board["split"].number in only_tax and board["red"].number not in only_tax
    # The supervisor opens the case behind the light.
    assert supervisor.get(f"/staff/cases/{board['red'].uuid}/").status_code == 200


def test_urging_records_it_on_the_case_tells_the_department_once_a_day(world, board, client_of):
    supervisor = client_of("supervisor")
    case = board["red"]
    url = f"/supervision/urge/{case.uuid}/"
    response = _post(supervisor, url, {"text": "请今日办结", "next": "/supervision/?light=red"})
    assert response.status_code == 302 and response["Location"] == "/supervision/?light=red"
    event = CaseEvent.objects.get(case=case, action="urge")
    assert event.opinion == "请今日办结" and "市场监督管理局" in event.department_name
    reviewer = world["reviewers"]["market"]
    message = Message.objects.get(user_id=reviewer.pk, title="督办通知")
    assert case.number in message.body and message.link == f"/staff/cases/{case.uuid}/"
    assert AuditEvent.objects.filter(action="case.urge", object_id=str(case.uuid)).count() == 1
    # shown on the board and on the staff timeline, not on the applicant's
    assert "今日已督办" in supervisor.get("/supervision/").content.decode()
    assert "请今日办结" in supervisor.get(f"/staff/cases/{case.uuid}/").content.decode()
    applicant = login_client(world["applicant"].user)
    assert "请今日办结" not in applicant.get(f"/cases/{case.uuid}/").content.decode()

    # A second 督办 the same day is refused, nothing written.
    again = _post(supervisor, url, {"text": "再次督办"})
    assert again.status_code == 302
    assert CaseEvent.objects.filter(case=case, action="urge").count() == 1
    assert "该办件今天已督办" in supervisor.get("/supervision/").content.decode()
    assert Message.objects.filter(user_id=reviewer.pk, title="督办通知").count() == 1


@pytest.mark.parametrize("who", ["reviewer", "clerk", "applicant", "other_supervisor"])
def test_only_a_supervisor_of_the_case_s_departments_urges_it(world, board, client_of, make_staff, who):
    if who == "other_supervisor":  # a supervisor of a department with no step in the case
        from tongban.accounts.constants import OrgKind
        from tongban.accounts.services import organisation_create

        other = organisation_create(
            actor=None, kind=OrgKind.DEPARTMENT, name="上海市民政局", parent=world["depts"]["tax"].parent
        )
        client = login_client(make_staff(other, Role.SUPERVISOR))
    else:
        client = client_of(who)
    response = _post(client, f"/supervision/urge/{board['red'].uuid}/", {"text": "请今日办结"})
    assert response.status_code == 404
    assert not CaseEvent.objects.filter(action="urge").exists()


def test_an_empty_text_or_a_concluded_case_is_refused(world, board, client_of):
    supervisor = client_of("supervisor")
    _post(supervisor, f"/supervision/urge/{board['red'].uuid}/", {"text": "   "})
    assert "请填写督办意见" in supervisor.get("/supervision/").content.decode()
    board["red"].status = "concluded"
    board["red"].save()
    _post(supervisor, f"/supervision/urge/{board['red'].uuid}/", {"text": "请今日办结"})
    assert "办件当前状态不允许此操作" in supervisor.get("/supervision/").content.decode()
    assert not CaseEvent.objects.filter(action="urge").exists()


def test_the_api_urges_once_a_day_and_answers_the_errors(world, board, client_of):
    supervisor = client_of("supervisor")
    url = f"/api/supervision/cases/{board['yellow'].uuid}/urge"

    def post(body):
        return supervisor.post(url, body, content_type="application/json", **csrf_headers(supervisor))

    assert post({"text": ""}).json()["code"] == "opinion_required"
    first = post({"text": "请加快办理"})
    assert first.status_code == 201 and first.json()["number"] == board["yellow"].number
    second = post({"text": "请加快办理"})
    assert second.status_code == 409 and second.json()["code"] == "case_urged_today"
    assert CaseEvent.objects.filter(case=board["yellow"], action="urge").count() == 1
    reviewer = client_of("reviewer")
    refused = reviewer.post(url, {"text": "x"}, content_type="application/json", **csrf_headers(reviewer))
    assert refused.status_code == 403 and refused.json()["code"] == "not_supervisor"
