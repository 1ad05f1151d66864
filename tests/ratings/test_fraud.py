"""Bursts are flagged, not dropped (docs/domain/ratings.md §4): each evaluation given in a browser records its
device and address, hashed; more than 5 in 10 minutes from one device or address by different applicants, or
more than 10 of one unit in an hour from one address, mark each of them suspect — kept, a 差评 still opens its
ticket, held out of the figures until cleared. The device cookie's hourly limit; the pad is exempt. Which
evaluations count (selectors.evaluation_status, valid_evaluations)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.conftest import csrf_headers
from tests.ratings.conftest import make_case
from tongban.accounts.facade import actor_for
from tongban.core.actors import SYSTEM
from tongban.core.errors import Throttled
from tongban.ratings import services
from tongban.ratings.access import access_case_to_rate, require_rating_allowed
from tongban.ratings.appeals import evaluation_mark
from tongban.ratings.channels import DEVICE_COOKIE
from tongban.ratings.constants import MarkKind
from tongban.ratings.fraud import origin_hash
from tongban.ratings.models import Evaluation, EvaluationMark, EvaluationOrigin, Immutable, Ticket
from tongban.ratings.selectors import evaluation_status, valid_evaluations

pytestmark = pytest.mark.django_db
DEVICE = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def people(rating_world, make_person):
    """Seven applicants, each with an ended case of the same department."""
    persons = [rating_world["applicant"], *(make_person(f"申请人{i}") for i in range(6))]
    cases = [rating_world["case"]] + [make_case(p, rating_world["department"]) for p in persons[1:]]
    return {**rating_world, "persons": persons, "cases": cases}


def rate(person, case, *, device=DEVICE, address="203.0.113.7", level=5) -> Evaluation:
    actor = actor_for(person.user)
    return services.evaluate_case(
        actor=actor,
        case=access_case_to_rate(actor=actor, case_uuid=case.uuid),
        round=1,
        level=level,
        text="" if level > 2 else "等了很久",
        device=device,
        address=address,
    )


def suspects() -> set[int]:
    return set(EvaluationMark.objects.filter(kind=MarkKind.SUSPECT).values_list("evaluation_id", flat=True))


def test_six_evaluations_from_one_device_by_different_applicants_are_each_marked_suspect(people):
    persons, cases = people["persons"], people["cases"]
    given = [
        rate(p, c, address=f"198.51.100.{i}")
        for i, (p, c) in enumerate(zip(persons[:5], cases[:5], strict=True))
    ]
    assert suspects() == set()  # five is within the rule
    sixth = rate(persons[5], cases[5], address="198.51.100.9", level=1)
    given.append(sixth)
    assert suspects() == {e.pk for e in given}
    mark = EvaluationMark.objects.filter(evaluation=sixth).get()
    assert mark.actor_user_id is None and mark.reason == "同一设备短时间内为多人评价"
    # kept as given, and the 差评 still opens its ticket
    assert Evaluation.objects.count() == 6 and Ticket.objects.get().evaluation == sixth
    assert evaluation_status(sixth) == "suspect"
    # a seventh marks only itself: the others are flagged once
    rate(persons[6], cases[6], address="198.51.100.10")
    assert EvaluationMark.objects.filter(kind=MarkKind.SUSPECT).count() == 7


def test_one_person_rating_their_own_cases_from_their_phone_is_no_burst(people):
    person = people["applicant"]
    for _ in range(6):
        rate(person, make_case(person, people["department"]))
    assert Evaluation.objects.count() == 6 and suspects() == set()


def test_evaluations_more_than_ten_minutes_apart_are_no_burst(people):
    persons, cases = people["persons"], people["cases"]
    first = rate(persons[0], cases[0], device="", address="")  # no origin: it is written below, older
    EvaluationOrigin.objects.create(
        evaluation=first,
        device_hash=origin_hash("device", DEVICE),
        address_hash=origin_hash("address", "203.0.113.7"),
        created_at=first.created_at - timedelta(minutes=11),
    )
    for p, c in zip(persons[1:6], cases[1:6], strict=True):
        rate(p, c)
    assert suspects() == set()


def test_six_by_different_applicants_from_one_address_on_different_devices_are_marked(people):
    persons, cases = people["persons"], people["cases"]
    for p, c in zip(persons[:6], cases[:6], strict=True):
        rate(p, c, device=uuid.uuid4().hex)
    assert len(suspects()) == 6
    assert set(EvaluationMark.objects.values_list("reason", flat=True)) == {"同一网络地址短时间内为多人评价"}


def test_more_than_ten_of_one_unit_in_an_hour_from_one_address_are_marked(people):
    person, department = people["applicant"], people["department"]
    given = [rate(person, make_case(person, department), device="") for _ in range(10)]
    assert suspects() == set()
    given.append(rate(person, make_case(person, department), device=""))
    assert suspects() == {e.pk for e in given}
    assert set(EvaluationMark.objects.values_list("reason", flat=True)) == {
        "同一网络地址短时间内集中评价同一单位"
    }


def test_the_origin_is_kept_hashed_never_the_raw_address_or_device(people):
    evaluation = rate(people["applicant"], people["case"])
    origin = EvaluationOrigin.objects.get(evaluation=evaluation)
    assert origin.device_hash == origin_hash("device", DEVICE) and len(origin.device_hash) == 64
    assert origin.address_hash == origin_hash("address", "203.0.113.7")
    assert DEVICE not in origin.device_hash and "203.0.113.7" not in origin.address_hash
    assert origin_hash("device", DEVICE) != origin_hash("address", DEVICE)
    with pytest.raises(Immutable):
        origin.save()
    with pytest.raises(Immutable):
        EvaluationOrigin.objects.update(address_hash="")


def test_the_rating_page_gives_a_device_cookie_and_the_api_records_it(people):
    client, case = people["client"], people["case"]
    page = client.get(f"/ratings/cases/{case.uuid}/")
    device = page.cookies[DEVICE_COOKIE].value
    assert len(device) == 32 and page.cookies[DEVICE_COOKIE]["httponly"]
    again = client.get(f"/ratings/cases/{case.uuid}/")
    assert DEVICE_COOKIE not in again.cookies  # kept, not renewed
    response = client.post(
        f"/api/ratings/cases/{case.uuid}",
        {"round": 1, "level": 4},
        content_type="application/json",
        REMOTE_ADDR="192.0.2.44",
        **csrf_headers(client),
    )
    assert response.status_code == 201
    origin = EvaluationOrigin.objects.get()
    assert origin.device_hash == origin_hash("device", device)
    assert origin.address_hash and "192.0.2.44" not in origin.address_hash


def test_twenty_evaluations_an_hour_per_device_then_429(people):
    persons = people["persons"]
    for i in range(20):
        require_rating_allowed(actor_for(persons[i % 7].user), f"198.51.100.{i}", DEVICE)
    with pytest.raises(Throttled):
        require_rating_allowed(actor_for(persons[0].user), "198.51.100.99", DEVICE)
    # another device from another address is not held back by it, nor a client without the cookie
    require_rating_allowed(actor_for(persons[1].user), "198.51.100.98", uuid.uuid4().hex)
    require_rating_allowed(actor_for(persons[1].user), "198.51.100.97", "")


def test_a_pad_evaluation_records_no_origin(people):
    evaluation = services.evaluation_from_pad(
        session_uuid=uuid.uuid4(),
        service_uuid=uuid.uuid4(),
        window_uuid=people["window"].uuid,
        window_name="1号窗口",
        centre_name="黄浦区行政服务中心",
        score=5,
    )
    assert evaluation is not None and not EvaluationOrigin.objects.exists()


def test_status_and_the_valid_evaluations_follow_the_marks(people):
    persons, cases = people["persons"], people["cases"]
    supervisor = actor_for(people["reviewer"])
    a, b, c, d, e = (
        rate(p, cs, device=uuid.uuid4().hex, address=f"192.0.2.{i}")
        for i, (p, cs) in enumerate(zip(persons[:5], cases[:5], strict=True))
    )
    for evaluation in (b, c, d):
        evaluation_mark(actor=SYSTEM, evaluation=evaluation, kind=MarkKind.SUSPECT, reason="")
    evaluation_mark(actor=supervisor, evaluation=c, kind=MarkKind.CLEARED, reason="核实为本人评价")
    evaluation_mark(actor=supervisor, evaluation=d, kind=MarkKind.FRAUD_CONFIRMED, reason="同一人多账号")
    EvaluationMark.objects.create(evaluation=e, kind=MarkKind.APPEAL_UPHELD, reason="误评")
    assert [evaluation_status(x) for x in (a, b, c, d, e)] == [
        "counted",
        "suspect",
        "counted",
        "excluded",
        "excluded",
    ]
    valid = valid_evaluations(Evaluation.objects.all())
    assert set(valid.values_list("pk", flat=True)) == {a.pk, c.pk}
    # a flag again after a clearing holds it out again
    evaluation_mark(actor=SYSTEM, evaluation=c, kind=MarkKind.SUSPECT, reason="")
    assert evaluation_status(c) == "suspect"
    assert set(valid_evaluations(Evaluation.objects.all()).values_list("pk", flat=True)) == {a.pk}
