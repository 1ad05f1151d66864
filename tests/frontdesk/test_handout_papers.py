"""Paper tracking (收受分离): collected → sent (with the courier's number) → received → archived, one step at
a time (409 otherwise), each step in the history with who and when; the centre's clerks only."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import login_client
from tests.frontdesk.handout_support import post
from tongban.accounts.facade import actor_for
from tongban.frontdesk.errors import PaperStepNotAllowed
from tongban.frontdesk.models import PaperFile
from tongban.frontdesk.services.papers import paper_advance

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper(hall):
    return PaperFile.objects.create(
        case_uuid=uuid.uuid4(),
        case_number="TB20261207PAPER001",
        collecting_centre=hall["centre"],
        home_name="徐汇区行政服务中心",
    )


def test_the_steps_go_in_order_only(hall, paper):
    clerk = actor_for(hall["clerk"])
    for wrong in ("received", "archived", "collected", "bogus"):
        with pytest.raises(PaperStepNotAllowed):
            paper_advance(actor=clerk, centre=hall["centre"], case_uuid=paper.case_uuid, to=wrong)
    from tongban.core.errors import InvalidInput

    with pytest.raises(InvalidInput):  # sending needs the courier's number
        paper_advance(actor=clerk, centre=hall["centre"], case_uuid=paper.case_uuid, to="sent")
    paper_advance(
        actor=clerk, centre=hall["centre"], case_uuid=paper.case_uuid, to="sent", courier_number="EMS12345678"
    )
    paper_advance(actor=clerk, centre=hall["centre"], case_uuid=paper.case_uuid, to="received")
    with pytest.raises(PaperStepNotAllowed):
        paper_advance(
            actor=clerk,
            centre=hall["centre"],
            case_uuid=paper.case_uuid,
            to="sent",
            courier_number="X1234567",
        )
    paper_advance(actor=clerk, centre=hall["centre"], case_uuid=paper.case_uuid, to="archived", note="已归档")
    paper.refresh_from_db()
    assert paper.status == "archived"
    assert [h["status"] for h in paper.history] == ["sent", "received", "archived"]
    assert paper.history[0]["courier_number"] == "EMS12345678"
    assert all(h["by"] and h["at"] for h in paper.history)


def test_the_page_offers_the_next_step_and_answers_409_out_of_order(hall, paper):
    client = login_client(hall["clerk"])
    url = f"/counter/{hall['windows'][1].uuid}/papers/"
    page = client.get(url)
    assert page.status_code == 200 and paper.case_number in page.content.decode()
    assert post(client, url, {"case": str(paper.case_uuid), "to": "archived"}).status_code == 409
    done = post(client, url, {"case": str(paper.case_uuid), "to": "sent", "courier_number": "SF00112233"})
    assert done.status_code == 302
    paper.refresh_from_db()
    assert paper.status == "sent"
    # Another centre's clerk: the window and the paper do not exist for them.
    other = login_client(hall["handout"])
    other_window = hall["other_centre"].windows.get()
    assert other.get(f"/counter/{other_window.uuid}/papers/").status_code == 404
