"""申诉复核 (docs/domain/ratings.md §6) through the API: the unit appeals a 差评 within its window, a supervisor
outside the unit decides; upheld keeps the evaluation, marked and excluded, and closes the ticket; rejected
resumes the loop with the answer limit shifted by the working days it waited."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_headers, login_client
from tests.ratings.test_tickets import _bad_ticket, _on
from tongban.accounts.constants import Role
from tongban.ratings import tickets as loop
from tongban.ratings.constants import MarkKind, TicketStatus
from tongban.ratings.errors import TicketState
from tongban.ratings.models import Appeal, EvaluationMark, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal_world(loop_world, make_staff):
    return {
        **loop_world,
        "city_supervisor": make_staff(loop_world["region"], Role.SUPERVISOR),
        "unit_supervisor": make_staff(loop_world["department"], Role.SUPERVISOR),
    }


def _post(client, path, body):
    return client.post(path, body, content_type="application/json", **csrf_headers(client))


def _appeal(client, ticket, **body):
    payload = {"reason": "malicious", "text": "评价内容与本次服务无关，附通话记录", **body}
    return _post(client, f"/api/staff/ratings/tickets/{ticket.uuid}/appeal", payload)


def _decide(client, ticket, upheld, text="经核查属实"):
    return _post(
        client, f"/api/staff/ratings/tickets/{ticket.uuid}/appeal/decision", {"upheld": upheld, "text": text}
    )


def test_an_upheld_appeal_keeps_the_review_marked_and_closes_its_ticket(appeal_world):
    ticket = _bad_ticket(appeal_world)
    handler = login_client(appeal_world["handler"])
    bad = _appeal(handler, ticket, reason="rumour")
    assert bad.status_code == 422 and bad.json()["code"] == "appeal_reason_invalid"
    assert not Appeal.objects.exists()
    assert _appeal(handler, ticket).status_code == 201
    again = _appeal(handler, ticket)
    assert again.status_code == 409 and again.json()["code"] == "appeal_exists"
    ticket.refresh_from_db()
    assert ticket.paused_since is not None

    # the unit's own supervisor may not decide; a reviewer of the unit may not either; a citizen sees nothing
    own = _decide(login_client(appeal_world["unit_supervisor"]), ticket, True)
    assert own.status_code == 403 and own.json()["code"] == "appeal_own_unit"
    assert _decide(login_client(appeal_world["reviewer"]), ticket, True).status_code == 404
    assert _decide(appeal_world["client"], ticket, True).status_code == 404
    city = login_client(appeal_world["city_supervisor"])
    empty = _decide(city, ticket, True, text=" ")
    assert empty.status_code == 422 and Appeal.objects.get().status == "pending"

    decided = _decide(city, ticket, True)
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == TicketStatus.CLOSED_EXCLUDED
    mark = EvaluationMark.objects.get()
    assert mark.kind == MarkKind.APPEAL_UPHELD and mark.evaluation == ticket.evaluation
    assert ticket.evaluation.__class__.objects.filter(pk=ticket.evaluation_id).exists()  # kept
    # the national upload gets a status record, not a deletion
    from tongban.ratings.models import RatingUpload

    status = RatingUpload.objects.get(evaluation_uuid=ticket.evaluation.uuid, kind="status")
    assert status.payload["status"] == "excluded"
    assert _decide(city, ticket, False).status_code == 409
    # the evaluator is told the outcome and still sees their evaluation
    mine = appeal_world["client"].get("/api/ratings/mine").json()
    assert [e["level"] for e in mine] == [1]


def test_a_rejected_appeal_resumes_the_loop_with_the_answer_limit_shifted(appeal_world, monkeypatch):
    ticket = _bad_ticket(appeal_world)
    received = ticket.received_on
    filed_on = loop.working_days_after(received, 1)
    _on(monkeypatch, filed_on)
    from tongban.accounts.facade import actor_for
    from tongban.ratings import appeals

    appeals.appeal_file(
        actor=actor_for(appeal_world["handler"]), ticket=ticket, reason="mistaken", text="评错窗口"
    )
    ticket.refresh_from_db()
    due_before = ticket.answer_due
    assert loop.pending_limit(ticket) == ("contact", ticket.contact_due)  # the contact limit keeps running
    # while the appeal waits the evaluator is still contacted, but the answer waits for the decision
    unit = actor_for(appeal_world["handler"])
    ticket = loop.ticket_contact(actor=unit, ticket=ticket, text="已联系")
    assert loop.pending_limit(ticket) == ("answer_paused", None)
    loop.ticket_triage(actor=unit, ticket=ticket, outcome="explained", text="说明")
    with pytest.raises(TicketState) as waiting:
        loop.ticket_answer(actor=unit, ticket=ticket, text="答复")
    assert waiting.value.details == {"current": "appeal_pending"}
    decided_on = loop.working_days_after(filed_on, 3)
    _on(monkeypatch, decided_on)
    appeal = Appeal.objects.get()
    appeals.appeal_decide(
        actor=actor_for(appeal_world["city_supervisor"]), appeal=appeal, upheld=False, text="理由不足"
    )
    ticket.refresh_from_db()
    assert ticket.paused_since is None
    assert ticket.answer_due == loop.working_days_after(due_before, 3)
    assert EvaluationMark.objects.get().kind == MarkKind.APPEAL_REJECTED
    assert ticket.status == TicketStatus.EXPLAINED
    assert loop.ticket_answer(actor=unit, ticket=ticket, text="答复").status == TicketStatus.ANSWERED


def test_an_appeal_after_five_working_days_or_after_the_answer_is_refused(appeal_world, monkeypatch):
    ticket = _bad_ticket(appeal_world)
    late = loop.working_days_after(ticket.received_on, 6)
    _on(monkeypatch, late)
    refused = _appeal(login_client(appeal_world["handler"]), ticket)
    assert refused.status_code == 409 and refused.json()["code"] == "appeal_closed"
    other_unit = _appeal(login_client(appeal_world["other_handler"]), ticket)
    assert other_unit.status_code == 404
    assert not Appeal.objects.exists() and Ticket.objects.get().paused_since is None
