"""The evaluation pad (一次一评) at a window: public, it shows the window's open session (the clerk and the
items, never the applicant), takes one rating (5 非常满意 … 1 非常不满意) and refuses a second with 409."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.frontdesk.handout_support import concluded_case
from tongban.frontdesk.models import PadSession, Service

pytestmark = pytest.mark.django_db


@pytest.fixture
def pad(hall, make_person):
    person = make_person(real_name="李秀英")
    window = hall["windows"][1]
    case = concluded_case(person, centre=hall["centre"], window=window, clerk=hall["clerk"])
    service = Service.objects.get(case_uuids=[str(case.uuid)])
    service.applicant_person_uuid, service.applicant_label = person.uuid, "李*英"
    service.save()
    session = PadSession.objects.create(window=window, service=service)
    client = Client(enforce_csrf_checks=True)
    url = f"/hall/huangpu/pad/{window.uuid}/"
    page = client.get(url)
    return {**hall, "person": person, "session": session, "client": client, "url": url, "page": page}


def _rate(pad, score="5", comment=""):
    return pad["client"].post(
        pad["url"],
        {"session": str(pad["session"].uuid), "score": score, "comment": comment},
        HTTP_X_CSRFTOKEN=pad["client"].cookies["csrftoken"].value,
    )


def test_the_pad_shows_the_clerk_and_the_items_never_the_applicant(pad):
    text = pad["page"].content.decode()
    assert pad["page"].status_code == 200
    assert "窗口人员 陈敏" in text and "个体工商户登记" in text
    for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert label in text
    assert "李秀英" not in text and "李*英" not in text and pad["person"].id_number not in text
    assert pad["person"].id_number[-4:] not in text


def test_a_service_is_rated_once_and_a_second_rating_is_409(pad):
    response = _rate(pad, "4", "办事很快")
    assert response.status_code == 200 and "感谢您的评价" in response.content.decode()
    session = PadSession.objects.get(pk=pad["session"].pk)
    assert (session.score, session.comment) == (4, "办事很快") and session.closed_at is not None
    again = _rate(pad, "1")
    assert again.status_code == 409
    assert PadSession.objects.get(pk=pad["session"].pk).score == 4
    # With nothing open the pad waits, polling for the next session.
    panel = pad["client"].get(pad["url"] + "panel/")
    assert 'hx-trigger="every 3s"' in panel.content.decode() and "pad-form" not in panel.content.decode()


@pytest.mark.parametrize("score, comment", [("6", ""), ("", ""), ("abc", ""), ("3", "长" * 501)])
def test_a_bad_score_or_a_long_comment_is_refused(pad, score, comment):
    assert _rate(pad, score, comment).status_code == 422
    assert PadSession.objects.get(pk=pad["session"].pk).closed_at is None


def test_a_pad_of_an_unknown_window_or_another_centre_is_404(pad):
    client = Client()
    other = pad["other_centre"].windows.get()
    assert client.get(f"/hall/huangpu/pad/{other.uuid}/").status_code == 404
    assert client.get(f"/hall/nowhere/pad/{pad['windows'][1].uuid}/").status_code == 404
