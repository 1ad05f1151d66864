"""The counter (综合窗口 受理): a clerk identifies a walk-in applicant (ID card number, or their 亮证 QR with the
window as 用证单位), opens and accepts a case on their behalf (代办), concludes an immediate item on the spot,
keeps the paper of another district's item (收受分离), and ends the service with the evaluation pad."""

from __future__ import annotations

import pytest

from tests.cases.conftest import Upload, pdf_bytes
from tests.catalog.test_versions import good_fields
from tongban.accounts.constants import Role
from tongban.accounts.facade import ZHANG_ID_NUMBER, actor_for, organisation_find
from tongban.accounts.models import StaffMembership, User
from tongban.cases.models import Case
from tongban.catalog.constants import CaseType
from tongban.catalog.services import item_create, version_publish
from tongban.core.audit import AuditEvent
from tongban.core.errors import DomainError
from tongban.frontdesk.access import access_window
from tongban.frontdesk.constants import PaperStatus
from tongban.frontdesk.errors import WindowNotFound
from tongban.frontdesk.models import PadSession, PaperFile
from tongban.frontdesk.services import counter
from tongban.licences.models import Licence
from tongban.licences.show import make_show_token

pytestmark = pytest.mark.django_db

FORM = {
    "type": "object",
    "properties": {"address": {"type": "string", "title": "房屋地址", "maxLength": 100}},
    "required": ["address"],
}
MATERIALS = [
    {"key": "application-form", "name": "申请书", "source": "upload"},
    {"key": "lease", "name": "租赁合同", "source": "upload", "commitment_allowed": True},
]


def _item(department_name: str, name: str, n: int, *, immediate: bool = False):
    dept = organisation_find(kind="department", name=department_name)

    class Dept:  # good_fields reads .uuid
        uuid = dept.uuid

    fields = good_fields(
        Dept,
        name=name,
        legal_limit_days=20,
        promised_limit_days=0 if immediate else 5,
        case_type=CaseType.IMMEDIATE if immediate else CaseType.PROMISED,
        form_schema=FORM,
        service_objects=["1"],
        result_kind="other",
        result_name="备案回执",
    )
    draft = item_create(
        actor=None, implementation_code=f"COUNTER-{n}", basic_code=f"K{n}", fields=fields, materials=MATERIALS
    )
    return version_publish(actor=None, version=draft).item


@pytest.fixture
def counter_world(hall):
    from tongban.accounts.facade import demo_load

    demo_load()
    return {
        **hall,
        "here": _item("黄浦区住房保障和房屋管理局", "住房租赁合同备案", 1),
        "elsewhere": _item("徐汇区住房保障和房屋管理局", "徐汇区住房租赁备案", 2),
        "immediate": _item("黄浦区住房保障和房屋管理局", "居住证明开具", 3, immediate=True),
        "reviewer": User.objects.get(username="reviewer"),
    }


def _serving(world, clerk="clerk", number=1):
    actor = actor_for(world[clerk])
    window = access_window(actor=actor, window_uuid=world["windows"][number].uuid)
    return actor, window, counter.service_start(actor=actor, window=window)


def _files():
    return {
        "application-form": Upload(pdf_bytes("申请书"), "a.pdf"),
        "lease": Upload(pdf_bytes("合同"), "b.pdf"),
    }


def _submit_item(world, actor, window, service, item: str, address: str):
    """Submit the fixture's item ``item`` (here / elsewhere / immediate) with an address and the scans."""
    return counter.service_submit(
        actor=actor,
        window=window,
        service=service,
        target_kind="item",
        target_uuid=world[item].uuid,
        form_data={"address": address},
        files=_files(),
    )


def test_identify_by_id_number_checks_the_number_the_person_and_the_name(counter_world):
    actor, window, service = _serving(counter_world)
    wrong_digit = "0" if ZHANG_ID_NUMBER[-1] != "0" else "1"
    with pytest.raises(DomainError) as bad:
        counter.service_identify_by_id(
            actor=actor,
            window=window,
            service=service,
            id_number=ZHANG_ID_NUMBER[:17] + wrong_digit,
            name="张三",
        )
    assert bad.value.code == "invalid_id_number" and bad.value.details["reason"] == "check_digit"
    from stdnum.cn import ric

    unknown = "31010119800101001"
    unknown += ric.calc_check_digit(unknown + "0")  # it reads the first 17 of 18
    with pytest.raises(DomainError) as nobody:
        counter.service_identify_by_id(
            actor=actor, window=window, service=service, id_number=unknown, name="某人"
        )
    assert nobody.value.code == "person_not_found"
    with pytest.raises(DomainError) as wrong:
        counter.service_identify_by_id(
            actor=actor, window=window, service=service, id_number=ZHANG_ID_NUMBER, name="李四"
        )
    assert wrong.value.code == "applicant_name_mismatch"
    service.refresh_from_db()
    assert service.applicant_person_uuid is None

    counter.service_identify_by_id(
        actor=actor, window=window, service=service, id_number=ZHANG_ID_NUMBER, name="张三"
    )
    service.refresh_from_db()
    assert service.applicant_label == "张* 310101********" + ZHANG_ID_NUMBER[-4:]
    audit = AuditEvent.objects.get(action="frontdesk.identify")
    assert audit.actor_id == counter_world["clerk"].pk
    assert audit.after["method"] == "id_card" and audit.after["applicant"] == str(
        service.applicant_person_uuid
    )
    assert ZHANG_ID_NUMBER not in str(audit.after)


def test_identify_by_a_shown_licence_records_the_window_as_verifier_once(counter_world):
    from tongban.licences.facade import demo_load_licences

    demo_load_licences()
    actor, window, service = _serving(counter_world)
    licence = Licence.objects.filter(holder_code=ZHANG_ID_NUMBER, type__code="111000007178000872010").get()
    token = make_show_token(licence, "window").token
    counter.service_identify_by_token(actor=actor, window=window, service=service, token=token)
    service.refresh_from_db()
    assert service.applicant_label.startswith("张* ")
    use = licence.uses.get()
    assert use.user_label == "黄浦区行政服务中心 1号综合窗口" and use.cause == "窗口受理身份核验"
    with pytest.raises(DomainError) as again:
        counter.service_identify_by_token(actor=actor, window=window, service=service, token=token)
    assert again.value.code == "token_used"


def _identified(world, clerk="clerk", number=1):
    actor, window, service = _serving(world, clerk, number)
    counter.service_identify_by_id(
        actor=actor, window=window, service=service, id_number=ZHANG_ID_NUMBER, name="张三"
    )
    return actor, window, service


def test_a_case_opened_at_the_window_is_accepted_and_reaches_the_back_office(counter_world, client):
    actor, window, service = _identified(counter_world)
    with pytest.raises(DomainError) as missing:  # nothing half-written on a refusal
        counter.service_submit(
            actor=actor,
            window=window,
            service=service,
            target_kind="item",
            target_uuid=counter_world["here"].uuid,
            form_data={},
            files={},
        )
    assert missing.value.code == "form_invalid"
    assert Case.objects.count() == 0

    done = counter.service_submit(
        actor=actor,
        window=window,
        service=service,
        target_kind="item",
        target_uuid=counter_world["here"].uuid,
        form_data={"address": "黄浦区示范路1号"},
        files={"application-form": Upload(pdf_bytes(), "a.pdf")},
        commitments=["lease"],
        precheck={
            "application-form": {"status": "original_seen", "note": "原件已核"},
            "lease": {"status": "missing", "note": "三日内补交"},
        },
    )
    case = Case.objects.get(uuid=done.case.uuid)
    assert case.status == "in_process" and case.acceptance_voucher
    assert case.submitted_by == counter_world["clerk"].pk
    assert str(case.applicant_uuid) == str(service.applicant_person_uuid)
    notes = dict(case.materials.values_list("key", "source_note"))
    assert notes["application-form"].startswith("收件预审：已核验原件；原件已核")
    assert case.materials.get(key="lease").mode == "committed"
    assert done.paper is None and not done.concluded
    service.refresh_from_db()
    assert service.case_uuids == [str(case.uuid)] and not service.on_the_spot

    # Both identities: the timeline and the audit trail.
    event = case.events.get(action="window_submit")
    assert "窗口人员 陈敏" in event.opinion and "张* 310101" in event.opinion
    assert event.department_name == "1号综合窗口"
    audit = AuditEvent.objects.get(action="case.window_submit")
    assert audit.actor_id == counter_world["clerk"].pk
    assert audit.after["on_behalf_of"] == str(service.applicant_person_uuid)
    assert audit.after["window"] == "黄浦区行政服务中心 1号综合窗口"

    # The back office sees it in its inbox, like any online case.
    client.force_login(counter_world["reviewer"])
    assert case.number in client.get("/staff/inbox/").content.decode()
    # The applicant sees which clerk handled it, and hears the case's news (the clerk does not).
    zhang = User.objects.get(username="13800000001")
    from tongban.notifications.models import Message

    assert Message.objects.filter(user_id=zhang.pk, link=f"/cases/{case.uuid}/").exists()
    assert [m.body for m in Message.objects.filter(user_id=counter_world["clerk"].pk)] == []
    client.force_login(zhang)
    page = client.get(f"/cases/{case.uuid}/").content.decode()
    assert "窗口代办" in page and "窗口人员 陈敏" in page


def test_a_clerk_of_another_centre_cannot_reach_the_window(counter_world, make_staff):
    from tongban.accounts.models import Organisation

    xuhui = organisation_find(kind="service_centre", name="徐汇区行政服务中心")
    outsider = make_staff(
        Organisation.objects.get(kind="window", path__startswith=xuhui.path), Role.WINDOW_CLERK
    )
    with pytest.raises(WindowNotFound):
        access_window(actor=actor_for(outsider), window_uuid=counter_world["windows"][1].uuid)


def test_an_immediate_item_is_concluded_on_the_spot_by_a_clerk_who_may_decide_it(counter_world):
    housing = organisation_find(kind="department", name="黄浦区住房保障和房屋管理局")
    from tongban.accounts.models import Organisation

    StaffMembership.objects.create(
        user=counter_world["clerk"],
        organisation=Organisation.objects.get(uuid=housing.uuid),
        role=Role.REVIEWER,
    )
    actor, window, service = _identified(counter_world)
    done = _submit_item(counter_world, actor, window, service, "immediate", "黄浦区示范路1号")
    assert done.concluded
    assert Case.objects.get(uuid=done.case.uuid).status == "concluded"
    service.refresh_from_db()
    assert service.on_the_spot

    # clerk2 holds no reviewer role: the immediate case is accepted and goes to the back office.
    actor2, window2, service2 = _identified(counter_world, "clerk2", 2)
    done2 = _submit_item(counter_world, actor2, window2, service2, "immediate", "黄浦区示范路2号")
    assert not done2.concluded and Case.objects.get(uuid=done2.case.uuid).status == "in_process"


def test_another_districts_item_is_collected_here_and_its_paper_tracked(counter_world):
    actor, window, service = _identified(counter_world)
    done = _submit_item(counter_world, actor, window, service, "elsewhere", "徐汇区示范路9号")
    paper = PaperFile.objects.get(case_uuid=done.case.uuid)
    assert paper.status == PaperStatus.COLLECTED and paper.collecting_centre == counter_world["centre"]
    assert paper.home_name == "徐汇区住房保障和房屋管理局"
    assert paper.history[0]["status"] == "collected" and paper.history[0]["by"] == "窗口人员 陈敏"
    assert Case.objects.get(uuid=done.case.uuid).status == "in_process"


def test_finishing_invites_the_pad_and_a_finished_service_takes_nothing_more(counter_world):
    actor, window, service = _identified(counter_world)
    with pytest.raises(DomainError) as twice:
        counter.service_start(actor=actor, window=window)
    assert twice.value.code == "service_already_open"
    pad = counter.service_finish(actor=actor, window=window, service=service)
    assert PadSession.objects.get(service=service) == pad
    with pytest.raises(DomainError) as done:
        counter.service_finish(actor=actor, window=window, service=service)
    assert done.value.code == "service_finished"
    with pytest.raises(DomainError) as closed:
        counter.service_identify_by_id(
            actor=actor, window=window, service=service, id_number=ZHANG_ID_NUMBER, name="张三"
        )
    assert closed.value.code == "service_finished"


def test_submitting_before_identifying_is_refused(counter_world):
    actor, window, service = _serving(counter_world)
    with pytest.raises(DomainError) as refused:
        counter.service_submit(
            actor=actor,
            window=window,
            service=service,
            target_kind="item",
            target_uuid=counter_world["here"].uuid,
            form_data={"address": "x"},
            files=_files(),
        )
    assert refused.value.code == "applicant_not_identified"


def test_a_called_ticket_is_served_and_done_at_the_end(counter_world):
    from django.utils import timezone

    from tongban.frontdesk.models import Ticket

    window = counter_world["windows"][1]
    ticket = Ticket.objects.create(
        centre=counter_world["centre"],
        day=timezone.localdate(),
        category="P",
        seq=1,
        number="P001",
        source="kiosk",
        status="called",
        window=window,
        called_at=timezone.now(),
    )
    actor = actor_for(counter_world["clerk2"])
    window2 = access_window(actor=actor, window_uuid=counter_world["windows"][2].uuid)
    with pytest.raises(DomainError):  # called to window 1, not to window 2
        counter.service_start(actor=actor, window=window2, ticket_uuid=ticket.uuid)
    actor = actor_for(counter_world["clerk"])
    window = access_window(actor=actor, window_uuid=window.uuid)
    service = counter.service_start(actor=actor, window=window, ticket_uuid=ticket.uuid)
    ticket.refresh_from_db()
    assert ticket.status == "serving" and service.ticket == ticket
    counter.service_finish(actor=actor, window=window, service=service)
    ticket.refresh_from_db()
    assert ticket.status == "done" and ticket.finished_at is not None
    assert list(ticket.events.values_list("action", flat=True)) == ["start", "finish"]


def test_a_service_starts_with_the_ticket_just_called_or_the_number_the_clerk_reads(counter_world):
    from tongban.frontdesk.models import Ticket
    from tongban.frontdesk.services.queue import ticket_call_next, ticket_start, ticket_take

    centre = counter_world["centre"]
    centre.hours = {"workday": [["00:00", "23:59"]], "restday": [["00:00", "23:59"]]}
    centre.save(update_fields=["hours"])
    actor = actor_for(counter_world["clerk"])
    window = access_window(actor=actor, window_uuid=counter_world["windows"][1].uuid)
    first, second = ticket_take(centre, "P", "kiosk"), ticket_take(centre, "P", "kiosk")
    # Nothing named: the ticket the queue panel called to this window.
    assert ticket_call_next(actor=actor, window=window) == first
    service = counter.service_start(actor=actor, window=window)
    assert service.ticket == first and Ticket.objects.get(pk=first.pk).status == "serving"
    counter.service_finish(actor=actor, window=window, service=service)
    # Started from the panel (开始办理), then the service takes it as it is.
    assert ticket_call_next(actor=actor, window=window) == second
    ticket_start(actor=actor, ticket=Ticket.objects.get(pk=second.pk))
    service = counter.service_start(actor=actor, window=window, ticket_uuid="p002")
    assert service.ticket == second
    assert list(second.events.values_list("action", flat=True)) == ["take", "call", "start"]
    counter.service_finish(actor=actor, window=window, service=service)
    # A number not taken today here: not found; nothing called: a walk-in.
    with pytest.raises(DomainError) as unknown:
        counter.service_start(actor=actor, window=window, ticket_uuid="P999")
    assert unknown.value.status == 404
    assert counter.service_start(actor=actor, window=window).ticket is None


def test_a_legal_representative_applies_for_their_enterprise_and_only_theirs(counter_world):
    from tongban.accounts.facade import demo_principal_uuids
    from tongban.accounts.models import Person

    wang = Person.objects.get(real_name="王五")
    actor, window, service = _serving(counter_world)
    counter.service_identify_by_id(
        actor=actor, window=window, service=service, id_number=wang.id_number, name="王五"
    )
    company = demo_principal_uuids()["上海通办示范科技有限公司"]
    assert [u for u, _name in counter.applicant_of(service).enterprises] == [company]
    enterprise_item = _enterprise_item()
    other = str(__import__("uuid").uuid4())  # not an enterprise of theirs
    with pytest.raises(DomainError) as not_theirs:
        counter.service_submit(
            actor=actor,
            window=window,
            service=service,
            target_kind="item",
            target_uuid=enterprise_item.uuid,
            applicant_kind="enterprise",
            applicant_uuid=other,
            form_data={"address": "x"},
            files=_files(),
        )
    assert not_theirs.value.code == "applicant_not_found"
    done = counter.service_submit(
        actor=actor,
        window=window,
        service=service,
        target_kind="item",
        target_uuid=enterprise_item.uuid,
        applicant_kind="enterprise",
        applicant_uuid=company,
        form_data={"address": "黄浦区示范路1号"},
        files=_files(),
    )
    case = Case.objects.get(uuid=done.case.uuid)
    assert case.applicant_kind == "enterprise" and str(case.applicant_uuid) == company
    assert "上海通办示范科技有限公司（法定代表人 王*" in case.events.get(action="window_submit").opinion


def _enterprise_item():
    dept = organisation_find(kind="department", name="黄浦区住房保障和房屋管理局")

    class Dept:
        uuid = dept.uuid

    fields = good_fields(
        Dept,
        name="企业住房租赁备案",
        legal_limit_days=20,
        promised_limit_days=5,
        case_type=CaseType.PROMISED,
        form_schema=FORM,
        service_objects=["2"],
        result_kind="other",
        result_name="备案回执",
    )
    draft = item_create(
        actor=None, implementation_code="COUNTER-9", basic_code="K9", fields=fields, materials=MATERIALS
    )
    return version_publish(actor=None, version=draft).item


# --- the review's findings (each test fails without its fix) -------------------------------------------------
def test_the_same_console_form_sent_twice_makes_one_case(counter_world):
    actor, window, service = _identified(counter_world)
    kwargs = dict(
        actor=actor,
        window=window,
        service=service,
        target_kind="item",
        target_uuid=counter_world["here"].uuid,
        form_data={"address": "黄浦区示范路1号"},
        commitments=["lease"],
        idempotency_key="nonce-1",
    )
    first = counter.service_submit(**kwargs, files={"application-form": Upload(pdf_bytes(), "a.pdf")})
    again = counter.service_submit(**kwargs, files={"application-form": Upload(pdf_bytes(), "a.pdf")})
    assert again.case.uuid == first.case.uuid and Case.objects.count() == 1
    service.refresh_from_db()
    assert service.case_uuids == [first.case.uuid]


def test_a_clerk_not_at_the_window_cannot_serve_there(counter_world):
    clerk2 = actor_for(counter_world["clerk2"])  # on window 2 today, not on window 1
    window1 = access_window(actor=clerk2, window_uuid=counter_world["windows"][1].uuid)
    with pytest.raises(DomainError) as refused:
        counter.service_start(actor=clerk2, window=window1)
    assert refused.value.status == 403 and refused.value.code == "window_not_on_shift"


def test_a_refused_identification_is_audited_without_the_number(counter_world):
    actor, window, service = _serving(counter_world)
    with pytest.raises(DomainError):
        counter.service_identify_by_id(
            actor=actor, window=window, service=service, id_number=ZHANG_ID_NUMBER, name="李四"
        )
    event = AuditEvent.objects.get(action="frontdesk.identify_refused")
    assert event.after["code"] == "applicant_name_mismatch"
    assert ZHANG_ID_NUMBER not in str(event.after) and ZHANG_ID_NUMBER not in str(event.before)


def test_a_ticket_transferred_during_a_service_is_not_counted_served(counter_world):
    from tongban.frontdesk import figures
    from tongban.frontdesk.models import Ticket, TicketEvent
    from tongban.frontdesk.services.queue import ticket_call_next, ticket_take, ticket_transfer

    centre = counter_world["centre"]
    centre.hours = {"workday": [["00:00", "23:59"]], "restday": [["00:00", "23:59"]]}
    centre.save(update_fields=["hours"])
    actor = actor_for(counter_world["clerk"])
    window = access_window(actor=actor, window_uuid=counter_world["windows"][1].uuid)
    ticket_take(centre, "P", "kiosk")
    ticket = ticket_call_next(actor=actor, window=window)
    service = counter.service_start(actor=actor, window=window)
    ticket_transfer(actor=actor, ticket=Ticket.objects.get(pk=ticket.pk), category="E")
    counter.service_finish(actor=actor, window=window, service=service)
    assert not TicketEvent.objects.filter(ticket=ticket, action="finish").exists()
    assert figures.centre_dashboard(centre, "today").total.served == 0


def test_another_provinces_department_is_collected_and_forwarded_even_at_the_city_level(counter_world):
    """Only the centre's own province-level region is accepted directly; 320500 (苏州) is collected here."""
    from unittest import mock

    window = counter_world["windows"][4]
    window.centre.division_code = "310101"  # 黄浦区
    with mock.patch.object(counter, "division_code_of", side_effect=lambda uuid: "320500"):
        assert counter.collect_and_forward(window, "any") is True
    with mock.patch.object(counter, "division_code_of", side_effect=lambda uuid: "310000"):
        assert counter.collect_and_forward(window, "any") is False
