"""Tickets exported in Tongban's own format (docs/domain/ratings.md §8), against a hand-made expected file: no
person's data, 超期天数 in working days, the access of an export."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import login_client
from tongban.accounts.constants import Role
from tongban.core.models import AuditEvent
from tongban.ratings.models import Ticket

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")

EXPECTED_CSV = (
    "工单编号,工单类型,紧急,分类,承办单位,关联办件编号,关联评价,接收日期,承诺时限,延期时限,答复时间,超期天数,"
    "回访时间,回访满意度,督办,状态,转派次数\r\n"
    "TS20260930AAAAAAAAAA,投诉,是,窗口服务,黄浦区房管局,TB1,,20260930,20261013,3,20261015T100000,2,"
    "20261016T093000,基本满意,是,已办结,2\r\n"
    "ZX20261009BBBBBBBBBB,咨询,否,,黄浦区房管局,,,20261009,20261010,,,0,,,否,已接收,0\r\n"
)


@pytest.fixture
def export_world(org_tree, make_staff, make_person):
    unit = org_tree["hp_housing"]
    common = {"unit_uuid": unit.uuid, "unit_path": unit.path, "unit_name": unit.name}
    person = make_person("孙静")
    Ticket.objects.create(
        number="TS20260930AAAAAAAAAA",
        kind="complaint",
        urgent=True,
        topic="窗口服务",
        content="身份证 310101198001011234 电话 13912345678",
        case_number="TB1",
        person_user_id=person.user_id,
        caller_phone="13912345678",
        received_on=date(2026, 9, 30),
        answer_due=date(2026, 10, 13),
        extended_days=3,
        answered_at=datetime(2026, 10, 15, 10, tzinfo=SHANGHAI),
        revisited_at=datetime(2026, 10, 16, 9, 30, tzinfo=SHANGHAI),
        revisit_level=2,
        supervised_at=datetime(2026, 10, 14, 9, tzinfo=SHANGHAI),
        status="closed",
        hops=2,
        created_at=datetime(2026, 9, 30, 15, tzinfo=SHANGHAI),
        **common,
    )
    Ticket.objects.create(
        number="ZX20261009BBBBBBBBBB",
        kind="consult",
        received_on=date(2026, 10, 9),
        answer_due=date(2026, 10, 10),
        created_at=datetime(2026, 10, 9, 11, tzinfo=SHANGHAI),
        **common,
    )
    Ticket.objects.create(  # another district's: not the Huangpu supervisor's
        number="ZX20261009CCCCCCCCCC",
        kind="consult",
        received_on=date(2026, 10, 9),
        unit_uuid=org_tree["xh_housing"].uuid,
        unit_path=org_tree["xh_housing"].path,
        unit_name="徐汇区房管局",
    )
    return {
        "supervisor": login_client(make_staff(org_tree["huangpu"], Role.SUPERVISOR)),
        "reviewer": login_client(make_staff(unit, Role.REVIEWER)),
    }


def test_tickets_export_as_the_hand_made_file_without_personal_data(export_world, monkeypatch):
    from tongban.ratings import exports

    monkeypatch.setattr(exports, "timezone_today", lambda: date(2026, 10, 10))
    answer = export_world["supervisor"].get("/api/ratings/exports/tickets-csv?from=2026-09-01&to=2026-10-31")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["count"] == 2 and body["csv"] == EXPECTED_CSV
    assert "13912345678" not in answer.content.decode() and "310101" not in answer.content.decode()
    rows = export_world["supervisor"].get("/api/ratings/exports/tickets-json?from=2026-10-01&to=2026-10-31")
    assert [r["工单编号"] for r in rows.json()["rows"]] == ["ZX20261009BBBBBBBBBB"]
    audit = AuditEvent.objects.filter(action="ratings.export", object_type="ticket_export")
    assert audit.count() == 2
    refused = export_world["reviewer"].get("/api/ratings/exports/tickets-csv?from=2026-09-01&to=2026-10-31")
    assert refused.status_code == 403 and refused.json()["code"] == "rating_export_forbidden"
