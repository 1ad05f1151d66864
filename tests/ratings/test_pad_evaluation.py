"""一次一评 from the window's pad: the front desk's ``pad_rated`` signal, sent after the rating's commit, makes
an evaluation of the ratings context (channel 政务大厅平板电脑, round 1, the applicant the clerk identified as its
evaluator); a 差评 opens its ticket at the window's centre."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from tests.frontdesk.conftest import hall  # noqa: F401 (the fixture)
from tests.frontdesk.handout_support import concluded_case
from tongban.frontdesk.facade import pad_rated
from tongban.frontdesk.models import PadSession, Service
from tongban.ratings.constants import Channel, EvaluationKind, UnitKind
from tongban.ratings.models import Evaluation, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def pad(hall, make_person):  # noqa: F811
    person = make_person(real_name="李秀英")
    window = hall["windows"][1]
    case = concluded_case(person, centre=hall["centre"], window=window, clerk=hall["clerk"])
    service = Service.objects.get(case_uuids=[str(case.uuid)])
    service.applicant_person_uuid = person.uuid  # the clerk identified her (step 1 of the counter)
    service.save(update_fields=["applicant_person_uuid"])
    session = PadSession.objects.create(window=window, service=service)
    client = Client(enforce_csrf_checks=True)
    url = f"/hall/huangpu/pad/{window.uuid}/"
    client.get(url)
    return {
        "window": window,
        "service": service,
        "session": session,
        "client": client,
        "url": url,
        "person": person,
        "centre": hall["centre"],
    }


def _rate(pad, score, comment=""):
    return pad["client"].post(
        pad["url"],
        {"session": str(pad["session"].uuid), "score": score, "comment": comment},
        HTTP_X_CSRFTOKEN=pad["client"].cookies["csrftoken"].value,
    )


def test_a_pad_rating_writes_an_evaluation_after_its_commit(pad, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert _rate(pad, "2", "  等候时间太长 ").status_code == 200
    assert callbacks and not Evaluation.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    evaluation = Evaluation.objects.get()
    assert evaluation.kind == EvaluationKind.SERVICE and evaluation.channel == Channel.HALL_TABLET
    assert (
        evaluation.subject_uuid == pad["service"].uuid and evaluation.pad_session_uuid == pad["session"].uuid
    )
    assert (evaluation.level, evaluation.text, evaluation.round) == (2, "等候时间太长", 1)
    assert evaluation.evaluator_user_id == pad["person"].user_id and evaluation.template_version == 0
    assert "李秀英" not in evaluation.evaluator_label  # masked
    assert evaluation.unit_kind == UnitKind.WINDOW and evaluation.unit_uuid == pad["window"].uuid
    assert evaluation.unit_name == pad["window"].name and evaluation.centre_name == pad["window"].centre.name
    # the 差评 opens its ticket at the centre (the organisation behind the front desk's centre), real-name
    ticket = Ticket.objects.get(evaluation=evaluation)
    assert ticket.unit_uuid == pad["centre"].org_uuid and ticket.unit_path
    assert ticket.person_user_id == pad["person"].user_id and ticket.contact_due is not None


def test_a_refused_pad_rating_writes_nothing_and_a_repeated_signal_writes_once(
    pad, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert _rate(pad, "9").status_code == 422
    assert not Evaluation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert _rate(pad, "5").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert _rate(pad, "1").status_code == 409  # the pad's own rule: once
    assert list(Evaluation.objects.values_list("level", flat=True)) == [5]
    # The same rating delivered twice (a retry of the receiver) is written once.
    facts = {
        "session_uuid": pad["session"].uuid,
        "service_uuid": pad["service"].uuid,
        "window_uuid": pad["window"].uuid,
        "window_name": "1号窗口",
        "centre_uuid": uuid.uuid4(),
        "centre_name": "黄浦",
        "score": 5,
        "comment": "",
    }
    pad_rated.send(sender=PadSession, **facts)
    assert Evaluation.objects.count() == 1


def test_a_pad_rating_whose_evaluation_was_missed_is_written_by_the_maintenance_sweep_once(pad):
    """The receiver failed after the rating's commit (here: it never ran): `tongban maintenance` catches up."""
    from django.utils import timezone

    from tongban.core.maintenance import maintenance_run

    session = pad["session"]
    PadSession.objects.filter(pk=session.pk).update(score=1, comment="态度不好", closed_at=timezone.now())
    assert not Evaluation.objects.exists()
    assert maintenance_run()["pad_evaluations_caught_up"] == 1
    evaluation = Evaluation.objects.get()
    assert (
        evaluation.pad_session_uuid == session.uuid
        and evaluation.level == 1
        and evaluation.text == "态度不好"
    )
    assert maintenance_run()["pad_evaluations_caught_up"] == 0
    assert Evaluation.objects.count() == 1


def test_the_window_s_qr_code_rates_the_same_service_from_a_phone_as_channel_qr(
    pad, django_capture_on_commit_callbacks
):
    """ratings.md §1: the pad shows the window's QR code; the phone that scans it rates the current session
    under the pad's rules, and the evaluation's channel is 二维码 (a made-up channel counts as the pad)."""
    page = pad["client"].get(pad["url"]).content.decode()
    assert 'id="pad-qr"' in page and "<svg" in page
    phone = Client(enforce_csrf_checks=True)
    phone_page = phone.get(pad["url"] + "?via=qr").content.decode()
    assert 'name="via" value="qr"' in phone_page and 'id="pad-qr"' not in phone_page
    with django_capture_on_commit_callbacks(execute=True):
        answer = phone.post(
            pad["url"],
            {"session": str(pad["session"].uuid), "score": "4", "via": "qr"},
            HTTP_X_CSRFTOKEN=phone.cookies["csrftoken"].value,
        )
    assert answer.status_code == 200
    assert Evaluation.objects.get().channel == Channel.QR
    with django_capture_on_commit_callbacks(execute=True):
        again = _rate(pad, "5")  # the pad after the QR: rated once, whichever came first
    assert again.status_code == 409
    assert PadSession.objects.get(pk=pad["session"].pk).rated_via == "qr"


def test_an_unknown_via_counts_as_the_pad(pad, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = pad["client"].post(
            pad["url"],
            {"session": str(pad["session"].uuid), "score": "5", "via": "<script>"},
            HTTP_X_CSRFTOKEN=pad["client"].cookies["csrftoken"].value,
        )
    assert answer.status_code == 200
    assert Evaluation.objects.get().channel == Channel.HALL_TABLET


def test_a_member_of_the_centre_that_took_the_case_in_may_not_rate_it(pad, hall):  # noqa: F811
    """ratings.md §1: staff do not rate their own service — the centre of the window that accepted the case
    too, not only the clerk who submitted it. The same person, once she no longer works there, may."""
    from tests.conftest import csrf_headers, login_client
    from tongban.accounts.constants import Role
    from tongban.accounts.models import StaffMembership

    person = pad["person"]
    case_uuid = pad["service"].case_uuids[0]
    window_2 = hall["windows"][2]
    membership = StaffMembership.objects.create(
        user=person.user, organisation_id=_org_id(window_2.org_uuid), role=Role.WINDOW_CLERK
    )
    client = login_client(person.user)
    body = {"round": 1, "level": 5, "indicators": [], "text": "", "anonymous": False}
    refused = client.post(
        f"/api/ratings/cases/{case_uuid}", body, content_type="application/json", **csrf_headers(client)
    )
    assert refused.status_code == 403 and refused.json()["code"] == "rating_own_service"
    membership.delete()
    client = login_client(person.user)
    rated = client.post(
        f"/api/ratings/cases/{case_uuid}", body, content_type="application/json", **csrf_headers(client)
    )
    assert rated.status_code == 201


def _org_id(org_uuid):
    from tongban.accounts.models import Organisation

    return Organisation.objects.values_list("id", flat=True).get(uuid=org_uuid)
