"""一事一评 (docs/domain/ratings.md §1, §4): an ended case is rated by its applicant side, once per round, two
rounds at most; strangers do not see the case, its own staff may not rate it, an open case waits."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_headers, login_client
from tests.ratings.conftest import make_case
from tongban.accounts.constants import Role
from tongban.core.models import AuditEvent
from tongban.ratings.constants import Channel, EvaluationKind, UnitKind
from tongban.ratings.models import Evaluation, Immutable

pytestmark = pytest.mark.django_db


def _api(client, case, **body):
    payload = {"round": 1, "level": 5, "indicators": [], "text": "", "anonymous": False, **body}
    return client.post(
        f"/api/ratings/cases/{case.uuid}", payload, content_type="application/json", **csrf_headers(client)
    )


def test_the_applicant_rates_once_then_a_second_round_once_then_no_more(rating_world):
    client, case = rating_world["client"], rating_world["case"]
    first = _api(client, case, level=2, indicators=["online.efficiency"], text="  材料要求反复变化  ")
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["round"], body["level"], body["text"]) == (1, 2, "材料要求反复变化")
    assert body["indicators"] == ["online.efficiency"] and body["channel"] == Channel.PC
    evaluation = Evaluation.objects.get()
    assert evaluation.kind == EvaluationKind.CASE and evaluation.subject_uuid == case.uuid
    assert evaluation.unit_kind == UnitKind.DEPARTMENT
    assert evaluation.unit_uuid == rating_world["department"].uuid
    assert evaluation.unit_name == "黄浦区房管局" and evaluation.template_version == 1
    assert evaluation.evaluator_user_id == rating_world["applicant"].user_id
    assert "李秀英" not in evaluation.evaluator_label
    assert AuditEvent.objects.filter(action="ratings.evaluate", object_id=str(evaluation.uuid)).exists()

    second = _api(client, case, round=2, level=4, text="已改进")
    assert second.status_code == 201 and second.json()["round"] == 2
    third = _api(client, case, round=3, level=5)
    assert third.status_code == 409 and third.json()["code"] == "rating_rounds_used"
    assert Evaluation.objects.count() == 2

    mine = client.get("/api/ratings/mine").json()
    assert [e["round"] for e in mine] == [2, 1]
    other = login_client(rating_world["stranger"].user).get("/api/ratings/mine").json()
    assert other == []


def test_a_retry_of_the_same_round_is_409_and_writes_nothing(rating_world):
    client, case = rating_world["client"], rating_world["case"]
    assert _api(client, case, level=5).status_code == 201
    again = _api(client, case, level=1, text="重试")
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    assert set(again.json()) == {"code", "message", "details"}
    assert list(Evaluation.objects.values_list("round", "level")) == [(1, 5)]
    assert AuditEvent.objects.filter(action="ratings.evaluate").count() == 1


def test_a_second_round_before_the_first_is_refused(rating_world):
    response = _api(rating_world["client"], rating_world["case"], round=2)
    assert response.status_code == 422 and response.json()["code"] == "rating_round_invalid"
    assert not Evaluation.objects.exists()


def test_a_stranger_gets_404(rating_world):
    stranger = login_client(rating_world["stranger"].user)
    response = _api(stranger, rating_world["case"])
    assert response.status_code == 404 and response.json()["code"] == "case_not_found"
    assert stranger.get(f"/ratings/cases/{rating_world['case'].uuid}/").status_code == 404
    assert _api(stranger, type("C", (), {"uuid": "not-a-uuid"})).status_code == 404
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "clerk"])
def test_staff_of_the_case_get_403(rating_world, who):
    case = rating_world["case"]
    if who == "clerk":  # a case the clerk opened at a window for the applicant (代办)
        case = make_case(
            rating_world["applicant"], rating_world["department"], submitted_by=rating_world["clerk"].pk
        )
    staff = login_client(rating_world[who])
    response = _api(staff, case)
    assert response.status_code == 403 and response.json()["code"] == "rating_own_service"
    page = staff.get(f"/ratings/cases/{case.uuid}/")
    assert page.status_code == 403 and 'id="rate-form"' not in page.content.decode()
    assert not Evaluation.objects.exists()


def test_a_reviewer_of_another_department_is_a_stranger(rating_world):
    response = _api(login_client(rating_world["other_reviewer"]), rating_world["case"])
    assert response.status_code == 404


def test_a_supervisor_above_the_department_gets_403(rating_world, make_staff):
    supervisor = make_staff(rating_world["huangpu"], Role.SUPERVISOR)
    response = _api(login_client(supervisor), rating_world["case"])
    assert response.status_code == 403 and response.json()["code"] == "rating_own_service"


def test_an_open_case_is_409(rating_world):
    case = make_case(rating_world["applicant"], rating_world["department"], status="in_process")
    response = _api(rating_world["client"], case)
    assert response.status_code == 409 and response.json()["code"] == "case_not_ended"
    page = rating_world["client"].get(f"/ratings/cases/{case.uuid}/")
    assert page.status_code == 409 and 'id="rate-form"' not in page.content.decode()
    # The case page offers the rating only once the case has ended.
    assert 'id="rate-link"' not in rating_world["client"].get(f"/cases/{case.uuid}/").content.decode()
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"text": "字" * 501}, "rating_text_too_long"),
        ({"level": 0}, "rating_level_invalid"),
        ({"level": 6}, "rating_level_invalid"),
        ({"indicators": ["offline.attitude"]}, "rating_indicator_invalid"),
        ({"level": 1}, "rating_reason_required"),
        ({"level": "五"}, "validation_error"),
    ],
)
def test_bad_input_is_422_and_writes_nothing(rating_world, body, code):
    response = _api(rating_world["client"], rating_world["case"], **body)
    assert response.status_code == 422 and response.json()["code"] == code
    assert set(response.json()) == {"code", "message", "details"}
    assert not Evaluation.objects.exists()


def test_500_characters_once_stripped_are_accepted(rating_world):
    response = _api(rating_world["client"], rating_world["case"], text=" " + "字" * 500 + " ")
    assert response.status_code == 201 and len(response.json()["text"]) == 500


def test_the_page_rates_with_the_form_and_shows_the_text_escaped(rating_world):
    client, case = rating_world["client"], rating_world["case"]
    case_page = client.get(f"/cases/{case.uuid}/").content.decode()
    assert f'href="/ratings/cases/{case.uuid}/"' in case_page
    url = f"/ratings/cases/{case.uuid}/"
    page = client.get(url).content.decode()
    for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意", "办事效率", "平台操作性"):
        assert label in page
    assert 'name="round" value="1"' in page
    form = {"round": "1", "level": "2", "indicators": ["online.convenience"], "text": "<script>x</script>"}
    phone = client.post(url, form, HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile", **csrf_headers(client))
    assert phone.status_code == 302
    evaluation = Evaluation.objects.get()
    assert evaluation.channel == Channel.MOBILE and evaluation.text == "<script>x</script>"
    shown = client.get(url).content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in shown and "<script>x</script>" not in shown
    assert 'name="round" value="2"' in shown
    again = client.post(url, form, **csrf_headers(client))
    assert again.status_code == 409 and "已评价" in again.content.decode()
    too_long = client.post(url, {**form, "round": "2", "text": "字" * 501}, **csrf_headers(client))
    assert too_long.status_code == 422 and 'role="alert"' in too_long.content.decode()
    assert Evaluation.objects.count() == 1
    assert "黄浦区房管局" in client.get("/ratings/mine/").content.decode()


def test_an_evaluation_is_never_changed_or_deleted(rating_world):
    assert _api(rating_world["client"], rating_world["case"]).status_code == 201
    evaluation = Evaluation.objects.get()
    evaluation.level = 1
    with pytest.raises(Immutable):
        evaluation.save()
    with pytest.raises(Immutable):
        evaluation.delete()
    with pytest.raises(Immutable):
        Evaluation.objects.update(level=1)
    with pytest.raises(Immutable):
        Evaluation.objects.all().delete()
    assert Evaluation.objects.get().level == 5


@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_an_evaluation(rating_world):
    from django.db import DatabaseError, connection, transaction

    assert _api(rating_world["client"], rating_world["case"]).status_code == 201
    for sql in ("UPDATE ratings_evaluation SET level = 1", "DELETE FROM ratings_evaluation"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql)
    assert Evaluation.objects.get().level == 5


def test_the_second_round_closes_30_days_after_the_first(rating_world):
    from datetime import timedelta

    from django.utils import timezone

    case, user = rating_world["case"], rating_world["applicant"].user
    Evaluation(
        kind=EvaluationKind.CASE,
        subject_uuid=case.uuid,
        subject_label=case.number,
        channel=Channel.PC,
        evaluator_user_id=user.pk,
        round=1,
        level=3,
        template_version=1,
        unit_kind=UnitKind.DEPARTMENT,
        unit_uuid=rating_world["department"].uuid,
        unit_name="黄浦区房管局",
        created_at=timezone.now() - timedelta(days=31),
    ).save()
    response = _api(rating_world["client"], case, round=2, level=4)
    assert response.status_code == 409 and response.json()["code"] == "rating_second_round_closed"
    assert Evaluation.objects.count() == 1


def test_evaluations_are_throttled_per_account(rating_world, monkeypatch):
    monkeypatch.setattr("tongban.ratings.access.RATE_LIMIT_ACCOUNT", 2)
    client, case = rating_world["client"], rating_world["case"]
    assert _api(client, case).status_code == 201
    assert _api(client, case).status_code == 409  # a refused try counts too
    response = _api(client, case, round=2)
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert Evaluation.objects.count() == 1


def test_the_address_limit_is_a_setting(rating_world, settings):
    # TONGBAN_RATINGS_IP_PER_HOUR (60 by default) is raised only by bench/ratings_http.py.
    settings.TONGBAN_RATINGS_IP_PER_HOUR = 2
    client, case = rating_world["client"], rating_world["case"]
    assert _api(client, case).status_code == 201
    assert _api(client, case).status_code == 409
    response = _api(client, case, round=2)
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert Evaluation.objects.count() == 1
