"""12345 一号通办 between two deployments (上海 and 江苏, each its own database, server and worker): 上海's operator
transfers a ticket through its API; 江苏's operator dispatches, answers and records the caller's rating through
江苏's API; 上海's ticket shows 江苏's answer and the revisit. 江苏 stopped during a transfer receives it after
its restart, once (docs/domain/ratings.md §7, docs/domain/federation.md §8)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.federation.cluster import Member, running_region, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.cluster]

SH, JS = "310000", "320000"
PASSWORD = "Correct-Horse-42"
CALLER = "13912345678"

SETUP = """
import json
from tongban.accounts.constants import OrgKind, Role
from tongban.accounts.models import Organisation, User
from tongban.accounts.services import organisation_create, staff_membership_add
region = Organisation.objects.filter(kind=OrgKind.REGION, division_code="{code}").first()
region = region or organisation_create(actor=None, kind=OrgKind.REGION, name="{name}", division_code="{code}")
unit = organisation_create(actor=None, kind=OrgKind.DEPARTMENT, name="{name}人社局", parent=region)
user = User.objects.create_user(username="op{code}", password="{password}", display_name="话务员")
staff_membership_add(actor=None, user=user, organisation=region, role=Role.HOTLINE_OPERATOR)
staff_membership_add(actor=None, user=user, organisation=unit, role=Role.RATING_HANDLER)
print(json.dumps({{"unit": str(unit.uuid)}}))
"""


@pytest.fixture(scope="module")
def region():
    with running_region([SH, JS]) as region:
        yield region


class Staff:
    """A member's 12345 operator (also the handler of its department), logged in through the member's API."""

    def __init__(self, member: Member):
        out = member.python(SETUP.format(code=member.code, name=member.name, password=PASSWORD))
        self.unit = json.loads(out.strip().splitlines()[-1])["unit"]
        self.member = member
        self.http = httpx.Client(base_url=member.url, timeout=10)
        login = self.http.post("/api/auth/login", json={"username": f"op{member.code}", "password": PASSWORD})
        assert login.status_code == 200, login.text
        self.http.headers["X-CSRFToken"] = self.http.cookies["csrftoken"]

    def post(self, path: str, body: dict) -> httpx.Response:
        return self.http.post(path, json=body)

    def get(self, path: str) -> dict:
        answer = self.http.get(path)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def step(self, ticket_uuid: str, step: str, **body) -> dict:
        answer = self.post(f"/api/staff/ratings/tickets/{ticket_uuid}/steps", {"step": step, **body})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def call(self, content: str) -> dict:
        body = {"kind": "consult", "unit": self.unit, "topic": "其他", "content": content, "phone": CALLER}
        answer = self.post("/api/staff/ratings/hotline-tickets", body)
        assert answer.status_code == 201, answer.text
        return answer.json()


@pytest.fixture(scope="module")
def staff(region):
    return {SH: Staff(region[SH]), JS: Staff(region[JS])}


def _received(js: Member, ref: str) -> list[tuple]:
    return js.sql(
        "SELECT t.uuid::text, t.status FROM ratings_ticket t JOIN ratings_tickettransfer r ON r.ticket_id = t.id "
        "WHERE r.direction = 'in' AND r.remote_ref = %s",
        ref,
    )


def test_a_ticket_transferred_to_another_member_comes_back_answered_and_revisited(region, staff):
    sh, js = staff[SH], staff[JS]
    ticket = sh.call("在苏州缴纳的社保如何转到上海？")
    moved = sh.step(ticket["uuid"], "transfer", region=JS, text="参保地在江苏")
    assert moved["status"] == "transferred" and moved["transfer"]["member_name"] == "江苏省"

    rows = wait_for(lambda: _received(region[JS], ticket["uuid"]), what="the ticket in 江苏")
    remote_uuid, status = rows[0]
    assert status == "received"
    there = js.get(f"/api/staff/ratings/tickets/{remote_uuid}")
    assert there["transfer"]["direction"] == "in" and there["transfer"]["member_name"] == "上海市"
    assert there["content"] == "在苏州缴纳的社保如何转到上海？" and there["person"].endswith("139****5678")

    js.step(remote_uuid, "route", unit=js.unit, text="派至人社局")
    js.step(remote_uuid, "answer", text="请在江苏社保网申请转移，10 个工作日内办结")
    closed = js.step(remote_uuid, "revisit", level=5)
    assert closed["status"] == "closed"

    def back():
        row = sh.get(f"/api/staff/ratings/tickets/{ticket['uuid']}")
        return row if row["transfer"]["remote_status"] == "closed" else None

    done = wait_for(back, timeout=90, what="江苏's reports back in 上海")
    transfer = done["transfer"]
    assert transfer["remote_answer"] == "请在江苏社保网申请转移，10 个工作日内办结"
    assert transfer["remote_revisit_level"] == 3 and transfer["remote_number"] == there["number"]
    assert transfer["remote_unit"] == "江苏省人社局" and done["status"] == "transferred"
    steps = [e["kind"] for e in done["events"]]
    assert steps.count("transfer_status") == 3 and "transferred" in steps
    page = sh.http.get(f"/hotline/tickets/{ticket['uuid']}/").text
    assert "江苏省12345 已答复" in page and "江苏省12345 回访：满意，已办结" in page
    assert region[SH].sql(
        "SELECT count(*) FROM federation_inboundmessage WHERE type = 'hotline.status' AND status = 'processed'"
    ) == [(3,)]


def test_a_transfer_sent_while_the_partner_is_down_arrives_after_its_restart_once(region, staff):
    sh = staff[SH]
    ticket = sh.call("异地医保备案咨询")
    region[JS].stop()
    try:
        moved = sh.step(ticket["uuid"], "transfer", region=JS)
        assert moved["status"] == "transferred"
        wait_for(
            lambda: region[SH].sql(
                "SELECT attempts FROM federation_outboundmessage WHERE type = 'hotline.transfer' "
                "AND correlation = %s AND attempts >= 2",
                ticket["uuid"],
            ),
            what="the transfer retried while 江苏 is down",
        )
    finally:
        region[JS].start()
    rows = wait_for(
        lambda: _received(region[JS], ticket["uuid"]), timeout=90, what="the transfer after restart"
    )
    wait_for(
        lambda: region[SH].sql(
            "SELECT 1 FROM federation_outboundmessage WHERE correlation = %s AND status = 'delivered'",
            ticket["uuid"],
        ),
        what="the receipt back in 上海",
    )
    assert len(rows) == 1 and len(_received(region[JS], ticket["uuid"])) == 1
    assert region[JS].sql(
        "SELECT count(*) FROM federation_inboundmessage WHERE correlation = %s", ticket["uuid"]
    ) == [(1,)]
