"""The daily roll-ups (docs/domain/supervision.md §2, §5): every figure recomputed here from the raw rows of
hand-made data — a period across National Day 2026 and a 差评 whose appeal was upheld — equals what the
roll-up gives; a roll-up rebuilt from scratch equals the incremental one."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tongban.cases.models import Case, CaseEvent, CaseMaterial, SupervisionEvent
from tongban.frontdesk.models import ServiceCentre, Window
from tongban.ratings import tickets as loop
from tongban.ratings.constants import MarkKind, TicketStatus
from tongban.ratings.models import Evaluation, EvaluationMark, Ticket
from tongban.supervision import figures
from tongban.supervision.constants import ALL_COUNTERS, Dim
from tongban.supervision.models import FigureDay, FigureMonth, RollupState
from tongban.supervision.rollup import rollup_rebuild, rollup_run

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SH)


def make_case(
    dept,
    *,
    submitted: date,
    concluded: date | None = None,
    actual=None,
    promised=10,
    legal=20,
    target=None,
    materials=(),
):
    n = next(_seq)
    case = Case.objects.create(
        number=f"TB2026SV{n:06d}",
        target_kind="item",
        target_uuid=target or uuid.UUID(int=1),
        name="房屋租赁登记备案" if target is None else "另一事项",
        lead_department_uuid=dept.uuid,
        lead_department_name=dept.name,
        applicant_kind="person",
        applicant_uuid=uuid.uuid4(),
        applicant_name="张三",
        submitted_by=1,
        idempotency_key=f"sv-{n}",
        status="concluded" if concluded else "in_process",
        promised_days=promised,
        legal_days=legal,
        submitted_at=at(submitted),
        concluded_at=at(concluded, 15) if concluded else None,
        actual_days=actual,
    )
    for i, mode in enumerate(materials):
        CaseMaterial.objects.create(case=case, key=f"m{i}", name="材料", mode=mode)
    CaseEvent.objects.create(case=case, action="submit", actor_label="张三")
    CaseEvent.objects.filter(case=case).update(at=at(submitted))
    if concluded:
        event = CaseEvent.objects.create(case=case, action="conclude", actor_label="审批")
        CaseEvent.objects.filter(pk=event.pk).update(at=at(concluded, 15))
    return case


def evaluate(case_or_window, *, unit, kind="case", level=5, day: date, user=None, round=1, text=""):
    return Evaluation.objects.create(
        kind=kind,
        subject_uuid=case_or_window.uuid if kind == "case" else uuid.uuid4(),
        subject_label=getattr(case_or_window, "number", "窗口服务"),
        channel="pc",
        evaluator_user_id=user or next(_seq),
        evaluator_label="李**",
        round=round,
        level=level,
        template_version=1,
        indicators=["online.efficiency"] if level <= 2 else [],
        text=text or ("等了很久" if level <= 2 else ""),
        unit_kind="department" if kind == "case" else "window",
        unit_uuid=unit.uuid,
        unit_name=unit.name,
        created_at=at(day, 11),
    )


@pytest.fixture
def world(org_tree):
    hp, xh = org_tree["hp_housing"], org_tree["xh_housing"]
    # Across National Day 2026 (1–7 October rest, Saturday 10 October a make-up working day).
    a = make_case(
        hp,
        submitted=date(2026, 9, 28),
        concluded=date(2026, 9, 30),
        actual=3,
        promised=10,
        materials=("uploaded", "obtained", "committed"),
    )
    b = make_case(
        hp,
        submitted=date(2026, 9, 29),
        concluded=date(2026, 10, 9),
        actual=12,
        promised=10,
        materials=("uploaded",),
    )
    c = make_case(xh, submitted=date(2026, 9, 30), concluded=date(2026, 10, 12), actual=5, promised=10)
    d = make_case(hp, submitted=date(2026, 10, 8))  # still open, turned red on the 12th
    red = SupervisionEvent.objects.create(
        case=d, rule="case_overdue", light="red", department_uuid=hp.uuid, department_name=hp.name
    )
    SupervisionEvent.objects.filter(pk=red.pk).update(created_at=at(date(2026, 10, 12), 1))
    refuse = CaseEvent.objects.create(case=d, action="request_supplement", actor_label="窗口")
    CaseEvent.objects.filter(pk=refuse.pk).update(at=at(date(2026, 10, 8), 12))

    good = evaluate(a, unit=hp, level=5, day=date(2026, 9, 30))
    evaluate(b, unit=hp, level=4, day=date(2026, 10, 9))
    bad = evaluate(b, unit=hp, level=1, day=date(2026, 10, 9), user=good.evaluator_user_id + 1000)
    upheld = evaluate(c, unit=xh, level=1, day=date(2026, 10, 12))
    window = evaluate(
        org_tree["window"], unit=org_tree["window"], kind="window", level=3, day=date(2026, 10, 9)
    )
    # The pad names the front desk's window (Window.uuid), not its organisation: the roll-up maps it.
    centre = ServiceCentre.objects.create(
        org_uuid=org_tree["centre"].uuid,
        org_path=org_tree["centre"].path,
        name="黄浦区行政服务中心",
        division_code="310101",
        slug="hp-rollup",
    )
    pad_window = Window.objects.create(
        centre=centre, org_uuid=org_tree["window"].uuid, number=1, name="1号窗口", kind="comprehensive"
    )
    evaluate(pad_window, unit=pad_window, kind="window", level=4, day=date(2026, 10, 9))

    bad_ticket = loop.ticket_open_for_evaluation(bad)
    upheld_ticket = loop.ticket_open_for_evaluation(upheld)
    EvaluationMark.objects.create(evaluation=upheld, kind=MarkKind.APPEAL_UPHELD, reason="误评")
    upheld_ticket.status = TicketStatus.CLOSED_EXCLUDED
    upheld_ticket.save()
    return {
        **org_tree,
        "cases": [a, b, c, d],
        "evaluations": [good, bad, upheld, window],
        "bad_ticket": bad_ticket,
        "upheld_ticket": upheld_ticket,
    }


PERIOD = (date(2026, 9, 28), date(2026, 10, 16))
NOW = at(date(2026, 10, 20), 9)


def test_the_figures_of_a_period_across_national_day_equal_those_recomputed_from_the_raw_rows(world):
    rollup_run(NOW)
    hp, xh = world["hp_housing"], world["xh_housing"]
    start, end = PERIOD
    # --- recomputed from the raw rows, by the definitions of docs/domain/supervision.md §2 ---
    concluded = [c for c in Case.objects.filter(lead_department_uuid=hp.uuid) if c.concluded_at]
    valid = [
        e
        for e in Evaluation.objects.filter(unit_uuid=hp.uuid)
        if not e.marks.filter(kind__in=[MarkKind.APPEAL_UPHELD, MarkKind.FRAUD_CONFIRMED]).exists()
    ]
    dept = figures.one_unit(scope=None, dim=Dim.DEPARTMENT, unit_key=str(hp.uuid), start=start, end=end)
    assert dept.concluded == len(concluded) == 2
    assert dept.on_time == sum(c.actual_days <= c.promised_days for c in concluded) == 1
    assert dept.on_time_rate == 0.5
    assert dept.actual_vs_promised == sum(c.actual_days for c in concluded) / sum(
        c.promised_days for c in concluded
    )
    assert dept.promised_vs_legal == 0.5
    assert dept.within_half == 1  # 3 ≤ 10 / 2
    assert dept.submitted == 3 and dept.materials_total == 4 and dept.materials_exempt == 2
    assert dept.supplemented == 1 and dept.turned_red == 1
    assert dept.evaluations == len(valid) == 3
    assert dept.good == sum(e.level >= 4 for e in valid) == 2
    assert dept.bad == 1 and dept.level_sum == 10 and dept.stars == pytest.approx(10 / 3)
    assert dept.case_first == sum(e.kind == "case" and e.round == 1 for e in valid) == 3
    assert dept.active_rate == 3 / 2  # first evaluations given ÷ cases concluded in the period

    # The bad review's answer limit falls after National Day (working days): it is due inside the period,
    # not answered, so the 差评整改率 is 0 of 1; its real-name revisit limit lies past the period's end.
    ticket = world["bad_ticket"]
    assert ticket.answer_due is not None and start <= ticket.answer_due <= end
    assert dept.bad_due == 1 and dept.bad_fixed == 0 and dept.fix_rate == 0.0

    # The upheld appeal's evaluation and ticket count nowhere.
    other = figures.one_unit(scope=None, dim=Dim.DEPARTMENT, unit_key=str(xh.uuid), start=start, end=end)
    assert other.evaluations == 0 and other.bad == 0 and other.bad_due == 0 and other.real_name_bad == 0
    assert other.concluded == 1 and other.on_time == 1

    # Districts sum their units; the window's evaluation counts for the window, its centre and 黄浦区.
    huangpu = figures.one_unit(
        scope=None, dim=Dim.DISTRICT, unit_key=str(world["huangpu"].uuid), start=start, end=end
    )
    assert huangpu.evaluations == 5 and huangpu.concluded == 2
    window = figures.one_unit(
        scope=None, dim=Dim.WINDOW, unit_key=str(world["window"].uuid), start=start, end=end
    )
    centre = figures.one_unit(
        scope=None, dim=Dim.CENTRE, unit_key=str(world["centre"].uuid), start=start, end=end
    )
    assert window.evaluations == centre.evaluations == 2 and window.level_sum == 3 + 4
    total = figures.total_figures(scope=None, start=start, end=end)
    assert total.evaluations == 5 and total.concluded == 3

    # An item's figures are split by lead department and summed back.
    item = figures.one_unit(scope=None, dim=Dim.ITEM, unit_key=str(uuid.UUID(int=1)), start=start, end=end)
    assert item.concluded == 3 and item.evaluations == 3

    # A district supervisor's scope holds only their district's rows.
    scoped = figures.unit_figures(scope=[world["xuhui"].path], dim=Dim.DEPARTMENT, start=start, end=end)
    assert [u.unit_key for u in scoped] == [str(xh.uuid)]

    # The days of the holiday itself hold nothing (nothing happened), and a narrower period counts less.
    holiday = figures.total_figures(scope=None, start=date(2026, 10, 1), end=date(2026, 10, 7))
    assert all(holiday.counts[c] == 0 for c in ALL_COUNTERS)
    before = figures.one_unit(
        scope=None, dim=Dim.DEPARTMENT, unit_key=str(hp.uuid), start=date(2026, 9, 28), end=date(2026, 9, 30)
    )
    assert before.concluded == 1 and before.on_time_rate == 1.0 and before.good_rate == 1.0


def _snapshot() -> set[tuple]:
    return {
        (
            r.day,
            r.family,
            r.dim,
            r.unit_key,
            r.scope_path,
            r.unit_label,
            *(getattr(r, c) for c in ALL_COUNTERS),
        )
        for r in FigureDay.objects.all()
    }


def test_a_rollup_rebuilt_from_scratch_equals_the_incremental_one(world, monkeypatch):
    hp = world["hp_housing"]
    rollup_run(at(date(2026, 10, 9), 23))
    first = _snapshot()
    assert first and RollupState.objects.count() == 4

    # Later: the bad review is answered (late), a case concludes, a new evaluation, a mark on an old one.
    moment = at(date(2026, 10, 21), 10)
    monkeypatch.setattr(loop.timezone, "now", lambda: moment)
    ticket = Ticket.objects.get(pk=world["bad_ticket"].pk)
    ticket.answered_at = moment
    ticket.status = TicketStatus.ANSWERED
    ticket.save()
    d = world["cases"][3]
    d.concluded_at, d.actual_days, d.status = at(date(2026, 10, 21), 16), 9, "concluded"
    d.save()
    CaseEvent.objects.create(case=d, action="conclude", actor_label="审批")
    evaluate(d, unit=hp, level=2, day=date(2026, 10, 21))
    EvaluationMark.objects.create(
        evaluation=world["evaluations"][0], kind=MarkKind.SUSPECT, reason="同一设备"
    )
    monkeypatch.undo()

    done = rollup_run(at(date(2026, 10, 22), 2))
    assert done["evaluations"] >= 2 and done["cases"] >= 1 and done["tickets"] >= 1
    incremental = _snapshot()
    assert incremental != first

    FigureDay.objects.all().delete()
    FigureMonth.objects.all().delete()
    rollup_rebuild(start=date(2026, 9, 1), now=at(date(2026, 10, 22), 2))
    assert _snapshot() == incremental

    # And the changes show: the suspect evaluation leaves the figures until cleared; the late answer is due
    # but not fixed; the case concluded late.
    dept = figures.one_unit(
        scope=None, dim=Dim.DEPARTMENT, unit_key=str(hp.uuid), start=PERIOD[0], end=date(2026, 10, 22)
    )
    assert dept.evaluations == 3 and dept.bad == 2
    assert dept.bad_due == 1 and dept.bad_fixed == 0
    assert dept.concluded == 3


def test_running_again_with_nothing_new_counts_nothing(world):
    rollup_run(NOW)
    before = _snapshot()
    done = rollup_run(NOW + timedelta(hours=1))
    # Only the safety margin's days (nothing in them changed) are counted again; the rows are the same.
    assert _snapshot() == before
    assert done["windows"] == 0


def test_a_period_of_whole_months_reads_the_monthly_rows_and_gives_the_daily_sums(world):
    rollup_run(NOW)
    hp = world["hp_housing"]
    # 28 September – 31 October: four days, then the whole of October from the monthly rows.
    start, end = date(2026, 9, 28), date(2026, 10, 31)
    assert FigureMonth.objects.filter(
        month=date(2026, 10, 1), dim=Dim.DEPARTMENT, unit_key=str(hp.uuid)
    ).exists()
    got = figures.one_unit(scope=None, dim=Dim.DEPARTMENT, unit_key=str(hp.uuid), start=start, end=end)
    days = FigureDay.objects.filter(dim=Dim.DEPARTMENT, unit_key=str(hp.uuid), day__gte=start, day__lte=end)
    assert got.counts == {c: sum(getattr(r, c) for r in days) for c in ALL_COUNTERS}
    assert got.concluded == 2 and got.evaluations == 3
    listed = {
        u.unit_key: u.counts
        for u in figures.unit_figures(scope=None, dim=Dim.DEPARTMENT, start=start, end=end)
    }
    assert listed[str(hp.uuid)] == got.counts
    # A month whose rows changed is summed again: a stray daily row shows once the month is refreshed.
    FigureDay.objects.create(
        day=date(2026, 10, 20),
        family="cases",
        dim=Dim.DEPARTMENT,
        unit_key=str(hp.uuid),
        unit_label=hp.name,
        scope_path=hp.path,
        concluded=5,
    )
    from tongban.supervision.rollup import refresh_months

    refresh_months([date(2026, 10, 20)])
    again = figures.one_unit(scope=None, dim=Dim.DEPARTMENT, unit_key=str(hp.uuid), start=start, end=end)
    assert again.concluded == 7
