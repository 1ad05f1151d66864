"""Shared setup of the dashboards' tests: daily roll-up rows written by hand (as rollup.py writes them: a
unit's row and its district's), cases, supervision events and 差评 tickets behind them, and the supervisors
of the city and of 黄浦区.

The period is [START, END], 30 days well before today (so every limit in it has passed, whatever the time of
day); the period before it is [PREV_START, PREV_END]."""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tongban.accounts.constants import OrgKind, Role
from tongban.accounts.services import organisation_create
from tongban.cases.models import Case, CaseEvent, SupervisionEvent
from tongban.ratings.models import Ticket
from tongban.supervision.constants import COUNTERS, Dim, Family
from tongban.supervision.models import FigureDay
from tongban.supervision.rollup import refresh_months

SH = ZoneInfo("Asia/Shanghai")
TODAY = timezone.localdate()
END = TODAY - timedelta(days=10)
START = END - timedelta(days=29)
PREV_END = START - timedelta(days=1)
PREV_START = PREV_END - timedelta(days=29)
ITEM = uuid.UUID("00000000-0000-4000-8000-00000000a001")
_seq = itertools.count(1)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SH)


def period(**extra) -> dict:
    return {"from": START.isoformat(), "to": END.isoformat(), **extra}


def family_of(counter: str) -> str:
    return next(f for f, names in COUNTERS.items() if counter in names)


class Rollup:
    """FigureDay rows as rollup.py writes them: each unit's row and its district's (summed per day)."""

    def __init__(self):
        self.rows: dict[tuple, dict] = defaultdict(dict)

    def add(self, day: date, dim: str, key, label: str, scope_path: str, **counts) -> None:
        for name, n in counts.items():
            row = self.rows[(day, family_of(name), dim, str(key), scope_path)]
            row["label"] = label
            row[name] = row.get(name, 0) + n

    def org(self, day: date, dim: str, org, district, **counts) -> None:
        self.add(day, dim, org.uuid, org.name, org.path, **counts)
        self.add(day, Dim.DISTRICT, district.uuid, district.name, district.path, **counts)

    def save(self) -> None:
        FigureDay.objects.bulk_create(
            FigureDay(
                day=day,
                family=family,
                dim=dim,
                unit_key=key,
                scope_path=scope,
                unit_label=row.pop("label"),
                **row,
            )
            for (day, family, dim, key, scope), row in self.rows.items()
        )
        refresh_months(day for day, *_rest in self.rows)


def make_case(dept, *, number: str = "", target=ITEM, promised=5, submitted: date | None = None, **fields):
    n = next(_seq)
    return Case.objects.create(
        number=number or f"TB2026DB{n:06d}",
        target_kind="item",
        target_uuid=target,
        name="房屋租赁登记备案",
        lead_department_uuid=dept.uuid,
        lead_department_name=dept.name,
        applicant_kind="person",
        applicant_uuid=uuid.uuid4(),
        applicant_name="张三",
        submitted_by=1,
        idempotency_key=f"db-{n}",
        status=fields.pop("status", "in_process"),
        promised_days=promised,
        legal_days=20,
        submitted_at=at(submitted or START - timedelta(days=5)),
        due_on=fields.pop("due_on", START + timedelta(days=2)),
        light=fields.pop("light", "red"),
        **fields,
    )


def turned_red(case, day: date, rule: str = "case_overdue") -> SupervisionEvent:
    event = SupervisionEvent.objects.create(
        case=case,
        rule=rule,
        light="red",
        department_uuid=case.lead_department_uuid,
        department_name=case.lead_department_name,
    )
    SupervisionEvent.objects.filter(pk=event.pk).update(created_at=at(day))
    return event


def case_event(case, action: str, day: date) -> CaseEvent:
    event = CaseEvent.objects.create(case=case, action=action, actor_label="窗口")
    CaseEvent.objects.filter(pk=event.pk).update(at=at(day))
    return event


def make_ticket(unit, *, received: date, answer_due: date, answered: date | None = None, **fields) -> Ticket:
    n = next(_seq)
    return Ticket.objects.create(
        number=fields.pop("number", f"GD2026DB{n:06d}"),
        kind="bad_review",
        status=fields.pop("status", "answered" if answered else "verifying"),
        unit_uuid=unit.uuid,
        unit_path=unit.path,
        unit_name=unit.name,
        received_on=received,
        answer_due=answer_due,
        answered_at=at(answered) if answered else None,
        person_user_id=fields.pop("person_user_id", 1),
        **fields,
    )


@pytest.fixture
def world(org_tree, make_staff):
    """Figures of 黄浦区房管局 (红: 按期办结率 80 %, a case turned red), 徐汇区房管局 (95 %), 徐汇区市场监管局 (红:
    85 %, none turned red) and 黄浦区行政服务中心 (windows) over the period, and of 黄浦区房管局 and the centre over
    the period before."""
    t = org_tree
    hp, xh, centre = t["hp_housing"], t["xh_housing"], t["centre"]
    market = organisation_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="徐汇区市场监管局", parent=t["xuhui"]
    )
    rollup = Rollup()
    d1, d2 = START + timedelta(days=2), START + timedelta(days=4)
    rollup.org(d1, Dim.DEPARTMENT, hp, t["huangpu"], evaluations=10, good=8, level_sum=42, case_first=6)
    rollup.org(
        d2,
        Dim.DEPARTMENT,
        hp,
        t["huangpu"],
        concluded=10,
        on_time=8,
        promised_sum=50,
        legal_sum=100,
        actual_sum=30,
        turned_red=1,
        submitted=10,
        zero_visit=4,
        fully_online=5,
        materials_total=20,
        materials_exempt=5,
    )
    rollup.org(d2, Dim.DEPARTMENT, hp, t["huangpu"], bad_due=4, bad_fixed=3, real_name_bad=2, revisited=1)
    rollup.add(d2, Dim.ITEM, ITEM, "房屋租赁登记备案", hp.path, concluded=10, on_time=8, turned_red=1)
    rollup.org(d1, Dim.DEPARTMENT, xh, t["xuhui"], evaluations=4, good=4, level_sum=20)
    # 红 by its rate alone: 85 % on time, no case turned red
    rollup.org(d2, Dim.DEPARTMENT, market, t["xuhui"], concluded=20, on_time=17)
    rollup.org(d2, Dim.DEPARTMENT, xh, t["xuhui"], concluded=20, on_time=19, promised_sum=100, legal_sum=200)
    rollup.org(
        d1,
        Dim.CENTRE,
        centre,
        t["huangpu"],
        served=10,
        wait_us=10 * 5 * 60_000_000,
        wait_n=10,
        services=8,
        on_the_spot=6,
        accepted=5,
        accurate=4,
    )
    rollup.org(PREV_START + timedelta(days=3), Dim.DEPARTMENT, hp, t["huangpu"], evaluations=5, good=5)
    rollup.org(
        PREV_START + timedelta(days=3), Dim.CENTRE, centre, t["huangpu"], wait_us=4 * 8 * 60_000_000, wait_n=4
    )
    rollup.save()
    return {
        **t,
        "xh_market": market,
        "city": make_staff(t["region"], Role.SUPERVISOR, username="supervisor_city1"),
        "hp_supervisor": make_staff(t["huangpu"], Role.SUPERVISOR, username="supervisor_hp1"),
        "xh_supervisor": make_staff(t["xuhui"], Role.SUPERVISOR, username="supervisor_xh1"),
        "reviewer": make_staff(hp, Role.REVIEWER),
    }


__all__ = ["Family", "world"]
