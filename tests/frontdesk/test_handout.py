"""The hand-out window (统一出件): the results waiting at the centre, the handover in person (ID number and a
signature on the pad) or by courier, the case delivered with where and when on the applicant's page; who may
open the page."""

from __future__ import annotations

import pytest

from tests.conftest import login_client
from tests.frontdesk.handout_support import concluded_case, png_data_url, post
from tongban.accounts.facade import actor_for
from tongban.cases.models import Case, CaseEvent
from tongban.core.models import AuditEvent
from tongban.frontdesk.models import Handover
from tongban.frontdesk.services.handout import handover, results_awaiting_handout

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(hall, make_person):
    person = make_person(real_name="王小明")
    windows = hall["windows"]
    case = concluded_case(person, centre=hall["centre"], window=windows[1], clerk=hall["clerk"])
    url = f"/counter/{windows[3].uuid}/handout/"
    return {**hall, "person": person, "case": case, "url": url, "case_url": f"{url}{case.uuid}/"}


def test_the_handout_window_lists_the_results_taken_in_at_its_centre(desk, make_person):
    elsewhere = concluded_case(
        make_person(),
        centre=desk["other_centre"],
        window=desk["other_centre"].windows.get(),
        clerk=desk["clerk"],
    )
    online = concluded_case(
        make_person(),
        delivery="online",
        centre=desk["centre"],
        window=desk["windows"][1],
        clerk=desk["clerk"],
    )
    client = login_client(desk["handout"])
    page = client.get(desk["url"])
    assert page.status_code == 200
    text = page.content.decode()
    assert desk["case"].number in text
    assert elsewhere.number not in text and online.number not in text
    assert "王*明" in text and "王小明" not in text  # the applicant masked
    found = client.get(desk["url"], {"number": desk["case"].number[-6:]})
    assert desk["case"].number in found.content.decode()


def test_a_signed_handover_delivers_the_case_and_the_applicant_sees_where(desk):
    client = login_client(desk["handout"])
    response = post(
        client,
        desk["case_url"],
        {"method": "in_person", "id_number": desk["person"].id_number, "signature": png_data_url()},
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=desk["case"].pk)
    assert case.status == "delivered"
    row = Handover.objects.get(case_uuid=case.uuid)
    assert row.method == "in_person" and bytes(row.signature_png).startswith(b"\x89PNG")
    assert row.receiver_label.count("*") == 8 and row.window == desk["windows"][3]
    event = CaseEvent.objects.get(case=case, action="deliver")
    assert "在 黄浦区行政服务中心 3号统一出件窗口 领取" in event.opinion and event.opinion.startswith("已于 ")
    audit = AuditEvent.objects.get(action="frontdesk.handover")
    assert audit.actor_id == desk["handout"].pk and audit.after["applicant"] == "王*明"
    assert desk["person"].id_number not in str(audit.after)
    # The applicant's own case page shows it.
    mine = login_client(desk["person"].user).get(f"/cases/{case.uuid}/")
    assert mine.status_code == 200 and "3号统一出件窗口 领取" in mine.content.decode()
    # Once only: the result no longer waits.
    assert client.get(desk["case_url"]).status_code == 404


@pytest.mark.parametrize(
    "signature, code",
    [
        ("", "signature_blank"),
        (png_data_url(ink=False), "signature_blank"),
        ("data:image/png;base64,bm90IGEgcG5n", "signature_invalid"),
        ("data:image/jpeg;base64,/9j/4AAQ", "signature_invalid"),
        (png_data_url(size=(400, 200), noise=True), "signature_too_large"),
    ],
    ids=["empty", "blank-png", "not-png", "jpeg", "too-big"],
)
def test_a_blank_foreign_or_too_big_signature_is_refused_and_nothing_is_written(desk, signature, code):
    actor = actor_for(desk["handout"])
    from tongban.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as raised:
        handover(
            actor=actor,
            window=desk["windows"][3],
            case_uuid=desk["case"].uuid,
            method="in_person",
            id_number=desk["person"].id_number,
            signature=signature,
        )
    assert raised.value.code == code
    assert Case.objects.get(pk=desk["case"].pk).status == "concluded"
    assert not Handover.objects.exists()


def test_the_page_refuses_a_wrong_id_number_with_422(desk, make_person):
    client = login_client(desk["handout"])
    other = make_person()
    response = post(
        client,
        desk["case_url"],
        {"method": "in_person", "id_number": other.id_number, "signature": png_data_url()},
    )
    assert response.status_code == 422
    assert "证件号码与申请人不符" in response.content.decode()
    assert Case.objects.get(pk=desk["case"].pk).status == "concluded"


def test_a_courier_handover_needs_a_tracking_number(desk):
    client = login_client(desk["handout"])
    refused = post(client, desk["case_url"], {"method": "courier", "tracking_number": ""})
    assert refused.status_code == 422 and not Handover.objects.exists()
    sent = post(client, desk["case_url"], {"method": "courier", "tracking_number": "SF1234567890"})
    assert sent.status_code == 302
    case = Case.objects.get(pk=desk["case"].pk)
    assert case.status == "delivered" and case.tracking_number == "SF1234567890"
    assert Handover.objects.get().tracking_number == "SF1234567890"
    assert "邮寄，快递单号 SF1234567890" in CaseEvent.objects.get(case=case, action="deliver").opinion


def test_only_the_clerks_of_the_handout_window_open_it(desk):
    for user in (desk["clerk"], desk["clerk2"]):  # comprehensive windows of the same centre
        client = login_client(user)
        assert client.get(desk["url"]).status_code == 404
        assert client.get(desk["case_url"]).status_code == 404
    # A hand-out clerk of this centre opening another centre's window, or a comprehensive window as hand-out.
    client = login_client(desk["handout"])
    assert client.get(f"/counter/{desk['windows'][1].uuid}/handout/").status_code == 404
    assert client.get(f"/counter/{desk['other_centre'].windows.get().uuid}/handout/").status_code == 404
    # The service refuses the same way.
    from tongban.frontdesk.errors import WindowNotFound

    with pytest.raises(WindowNotFound):
        results_awaiting_handout(actor=actor_for(desk["clerk"]), window=desk["windows"][3])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_handovers_of_one_result_at_once_one_wins(hall, make_person):
    from tests.concurrency import at_once
    from tongban.core.errors import DomainError

    person = make_person(real_name="赵六")
    case = concluded_case(person, centre=hall["centre"], window=hall["windows"][1], clerk=hall["clerk"])
    actor = actor_for(hall["handout"])

    def hand_over():
        try:
            handover(
                actor=actor,
                window=hall["windows"][3],
                case_uuid=case.uuid,
                method="in_person",
                id_number=person.id_number,
                signature=png_data_url(),
            )
            return "won"
        except DomainError as exc:
            return exc.status

    results = at_once(4, hand_over)
    assert results.count("won") == 1 and all(r in ("won", 404, 409) for r in results)
    assert Handover.objects.filter(case_uuid=case.uuid).count() == 1
    assert CaseEvent.objects.filter(case=case, action="deliver").count() == 1


def test_a_result_opened_at_a_window_goes_to_the_person_identified_there_never_to_the_clerk(
    hall, make_person, make_enterprise
):
    """An enterprise's case the clerk submitted (代办): the clerk's own ID card does not release it; the
    legal representative identified at the window does."""
    from tests.conftest import make_id_number
    from tests.frontdesk.handout_support import concluded_case
    from tongban.accounts.models import Person
    from tongban.cases.facade import case_receiver_matches
    from tongban.cases.models import Case, CaseEvent

    rep = make_person("王法人")
    company = make_enterprise(rep)
    clerk = hall["clerk"]
    clerk_id = make_id_number()
    Person.objects.create(
        user=clerk, real_name="陈敏", id_number=clerk_id, phone="13900000999", assurance_level=2
    )
    case = concluded_case(rep, centre=hall["centre"], window=hall["windows"][1], clerk=clerk)
    Case.objects.filter(pk=case.pk).update(
        applicant_kind="enterprise",
        applicant_uuid=company.uuid,
        applicant_name=company.name,
        submitted_by=clerk.pk,
    )
    CaseEvent.objects.create(
        case=case, action="window_submit", actor_label="窗口人员 陈敏", detail={"person": str(rep.uuid)}
    )
    assert not case_receiver_matches(str(case.uuid), clerk_id)
    assert case_receiver_matches(str(case.uuid), rep.id_number)
