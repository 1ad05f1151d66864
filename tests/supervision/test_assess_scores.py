"""Assessments (docs/domain/supervision-assessments.md §1–§3, §5): hand-made roll-up rows give the scores and
ranks a hand computation gives; a scheme made for next month leaves this month's scores alone; the change
against the previous period; recomputing replaces the period's rows; the sweep and the command."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.supervision import assess_support
from tests.supervision.assess_support import (
    AFTER_DEC,
    AFTER_NOV,
    AFTER_OCT,
    DEC,
    NOV,
    OCT,
    good,
    row,
)
from tongban.accounts.facade import actor_for
from tongban.core.actors import SYSTEM
from tongban.core.models import AuditEvent
from tongban.supervision.assessment_periods import Period, period_parse
from tongban.supervision.assessments import assess, scheme_add, scheme_in_force
from tongban.supervision.constants import Dim, Family, PeriodKind
from tongban.supervision.errors import (
    AssessmentPeriodInvalid,
    PeriodNotEnded,
    SchemeBackdated,
    SchemeForbidden,
    SchemeInvalid,
)
from tongban.supervision.models import Assessment, AssessmentRun, AssessmentScheme
from tongban.supervision.scoring import DEFAULT_WEIGHTS, ranks, score_of

pytestmark = pytest.mark.django_db
city = assess_support.city  # the fixture
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _results(period_start=NOV, kind=PeriodKind.MONTH, dim=Dim.DEPARTMENT, scope=None):
    rows = Assessment.objects.filter(period_kind=kind, period_start=period_start, dim=dim)
    if scope is not None:
        rows = rows.filter(scope_path=scope.path)
    return {r.unit_label: r for r in rows}


def _november(city):
    """Three city departments and one without any weighted figure, two districts, two 黄浦区 departments and
    one 徐汇区 department — and rows outside November that must not count."""
    a, b, c, d = city["上海市甲局"], city["上海市乙局"], city["上海市丙局"], city["上海市丁局"]
    # 甲: 好评率 9/10, 按期 10/10, 整改 2/2, 主动评价 8/10, 回访 1/1, 实际/承诺 40/100 → no 受理准确率.
    row(a, date(2026, 11, 3), Family.EVALUATIONS, evaluations=6, good=5, case_first=4)
    row(a, date(2026, 11, 20), Family.EVALUATIONS, evaluations=4, good=4, case_first=4)
    row(a, date(2026, 11, 5), Family.CASES, concluded=10, on_time=10, promised_sum=100, actual_sum=40)
    row(a, date(2026, 11, 30), Family.TICKETS, bad_due=2, bad_fixed=2, real_name_bad=1, revisited=1)
    # 乙: 好评率 15/20, 按期 8/10, 主动评价 5/10, 实际/承诺 75/100; no tickets, no windows.
    row(b, date(2026, 11, 1), Family.EVALUATIONS, evaluations=20, good=15, case_first=5)
    row(b, date(2026, 11, 2), Family.CASES, concluded=10, on_time=8, promised_sum=100, actual_sum=75)
    # 丙: 好评率 1/4, 整改 1/4, 回访 0/2; no cases.
    row(c, date(2026, 11, 10), Family.EVALUATIONS, evaluations=4, good=1)
    row(c, date(2026, 11, 10), Family.TICKETS, bad_due=4, bad_fixed=1, real_name_bad=2, revisited=0)
    # outside November: would make 丙 first
    good(c, date(2026, 12, 1), 100, evaluations=100)
    good(c, date(2026, 10, 31), 100, evaluations=100)
    # 丁: cases submitted only — no weighted figure has a denominator
    row(d, date(2026, 11, 15), Family.CASES, submitted=3)
    # districts: 黄浦 好评 10/10 and 受理准确 9/10 (windows); 徐汇 好评 5/10
    good(city["huangpu"], date(2026, 11, 8), 10, dim=Dim.DISTRICT)
    row(city["huangpu"], date(2026, 11, 8), Family.WINDOWS, Dim.DISTRICT, accepted=10, accurate=9)
    good(city["xuhui"], date(2026, 11, 8), 5, dim=Dim.DISTRICT)
    # the roll-up sums the city-level units under the region itself (市级): not a district
    good(city["region"], date(2026, 11, 8), 1, dim=Dim.DISTRICT)
    # district departments
    good(city["hp_housing"], date(2026, 11, 8), 6)
    good(city["hp_market"], date(2026, 11, 8), 8)
    good(city["xh_housing"], date(2026, 11, 8), 7)


def test_scores_and_ranks_equal_the_hand_computation(city):
    _november(city)
    result = assess(PeriodKind.MONTH, NOV, today=AFTER_NOV)
    assert result["scheme_version"] == 1 and result["units"] == 9 and result["ranked"] == 8

    depts = _results(scope=city["region"])
    # the city's ranking holds its own departments only, never a district's
    assert set(depts) == {"上海市甲局", "上海市乙局", "上海市丙局", "上海市丁局"}
    # 甲: (25·90 + 20·100 + 15·100 + 10·80 + 10·100 + 10·100) / (25+20+15+10+10+10) = 8550 / 90
    assert depts["上海市甲局"].score == Decimal("95.00")
    # 乙: (25·75 + 20·80 + 10·50 + 10·(200·(1−0.75))) / (25+20+10+10) = 4475 / 65 = 68.846…
    assert depts["上海市乙局"].score == Decimal("68.85")
    # 丙: (25·25 + 15·25 + 10·0) / (25+15+10) = 1000 / 50
    assert depts["上海市丙局"].score == Decimal("20.00")
    assert depts["上海市丁局"].score is None and depts["上海市丁局"].rank is None
    assert [depts[n].rank for n in ("上海市甲局", "上海市乙局", "上海市丙局")] == [1, 2, 3]
    figures = depts["上海市乙局"].figures
    assert figures["good_rate"] == {"value": 0.75, "points": 75.0, "num": 15, "den": 20, "weight": 25}
    assert figures["fix_rate"]["value"] is None and figures["accuracy"]["points"] is None
    assert figures["actual_vs_promised"]["points"] == 50.0

    districts = _results(dim=Dim.DISTRICT)
    assert set(districts) == {"黄浦区", "徐汇区"}
    # 黄浦: (25·100 + 10·90) / 35 = 97.142…; 徐汇: 50
    assert districts["黄浦区"].score == Decimal("97.14") and districts["黄浦区"].rank == 1
    assert districts["徐汇区"].score == Decimal("50.00") and districts["徐汇区"].rank == 2
    assert all(r.scope_path == city["region"].path for r in districts.values())

    hp = _results(scope=city["huangpu"])
    assert {n: (r.score, r.rank) for n, r in hp.items()} == {
        "黄浦区市场监管局": (Decimal("80.00"), 1),
        "黄浦区房管局": (Decimal("60.00"), 2),
    }
    assert {n: r.rank for n, r in _results(scope=city["xuhui"]).items()} == {"徐汇区房管局": 1}
    assert AssessmentRun.objects.get(period_kind="month", period_start=NOV).scheme_version == 1
    assert AuditEvent.objects.filter(action="supervision.assess", object_id="2026-11").count() == 1


def test_score_of_spreads_missing_weights_and_rounds_half_up():
    # one figure present: its points, whatever its weight
    assert score_of({"good": 1, "evaluations": 8}, {"good_rate": 25, "fix_rate": 75}).score == Decimal(
        "12.50"
    )
    # none present: no score
    assert score_of({"submitted": 4}, DEFAULT_WEIGHTS).score is None
    # 双减半 at and beyond its ends; stars
    assert score_of({"actual_sum": 30, "promised_sum": 60}, {"actual_vs_promised": 1}).score == 100
    assert score_of({"actual_sum": 70, "promised_sum": 60}, {"actual_vs_promised": 1}).score == 0
    assert score_of({"level_sum": 18, "evaluations": 4}, {"stars": 1}).score == Decimal("87.50")
    # 主动评价率 may pass 100 %: at most 100 points
    assert score_of({"case_first": 12, "concluded": 10}, {"active_rate": 1}).score == 100
    # 2/3 = 66.666… → 66.67
    assert score_of({"good": 2, "evaluations": 3}, {"good_rate": 1}).score == Decimal("66.67")


def test_equal_scores_share_a_rank_and_the_next_is_skipped():
    scores = {"a": Decimal("90"), "b": Decimal("80"), "c": Decimal("80"), "d": Decimal("70"), "e": None}
    assert ranks(scores) == {"a": 1, "b": 2, "c": 2, "d": 4, "e": None}


def test_a_scheme_for_next_month_leaves_this_month_alone(city):
    _november(city)
    supervisor = actor_for(city["city_supervisor"])
    # made in November, in force from December
    scheme = scheme_add(
        actor=supervisor,
        effective_from=DEC,
        weights={"fix_rate": 100},
        note="只考核整改",
        today=date(2026, 11, 20),
    )
    assert scheme.version == 2 and scheme.weights == {"fix_rate": 100}
    assert scheme_in_force(NOV).version == 1 and scheme_in_force(DEC).version == 2
    assess(PeriodKind.MONTH, NOV, today=AFTER_NOV)
    depts = _results(scope=city["region"])
    assert depts["上海市甲局"].score == Decimal("95.00") and depts["上海市甲局"].scheme_version == 1
    # December is scored with the new scheme: only 整改 counts (丙 fixed 1 of 4)
    row(city["上海市丙局"], date(2026, 12, 10), Family.TICKETS, bad_due=4, bad_fixed=1)
    row(city["上海市甲局"], date(2026, 12, 10), Family.TICKETS, bad_due=2, bad_fixed=2)
    assess(PeriodKind.MONTH, DEC, today=AFTER_DEC)
    december = _results(DEC, scope=city["region"])
    assert december["上海市丙局"].score == Decimal("25.00") and december["上海市丙局"].scheme_version == 2
    # a scheme cannot reach back into a period that has begun, nor be made by a district's supervisor
    with pytest.raises(SchemeBackdated):
        scheme_add(actor=supervisor, effective_from=NOV, weights={"good_rate": 1}, today=date(2026, 11, 20))
    with pytest.raises(SchemeBackdated):
        scheme_add(
            actor=supervisor,
            effective_from=date(2026, 12, 15),
            weights={"good_rate": 1},
            today=date(2026, 11, 20),
        )
    with pytest.raises(SchemeForbidden):
        scheme_add(
            actor=actor_for(city["hp_supervisor"]), effective_from=DEC, weights={"good_rate": 1}, today=NOV
        )
    for bad in ({"good_rate": -1}, {"good_rate": 101}, {"nonsense": 5}, {"good_rate": "x"}, {"good_rate": 0}):
        with pytest.raises(SchemeInvalid):
            scheme_add(actor=supervisor, effective_from=DEC, weights=bad, today=NOV)
    # recomputing November after the new scheme exists still scores it with version 1
    assess(PeriodKind.MONTH, NOV, today=AFTER_DEC)
    assert _results(scope=city["region"])["上海市甲局"].score == Decimal("95.00")
    assert AssessmentScheme.objects.count() == 2


def test_the_change_against_the_previous_period(city):
    a, b, c = city["上海市甲局"], city["上海市乙局"], city["上海市丙局"]
    # October: 乙 1st, 甲 2nd, 丙 3rd
    for org, g in ((b, 9), (a, 8), (c, 7)):
        good(org, date(2026, 10, 12), g)
    assess(PeriodKind.MONTH, OCT, today=AFTER_OCT)
    # November: 甲 1st (up 1), 乙 2nd (down 1), 丙 3rd (same), 丁 4th (new)
    for org, g in ((a, 9), (b, 8), (c, 7), (city["上海市丁局"], 1)):
        good(org, date(2026, 11, 12), g)
    assess(PeriodKind.MONTH, NOV, today=AFTER_NOV)
    november = _results(scope=city["region"])
    assert {n: (r.rank, r.previous_rank, r.change) for n, r in november.items()} == {
        "上海市甲局": (1, 2, "up"),
        "上海市乙局": (2, 1, "down"),
        "上海市丙局": (3, 3, "same"),
        "上海市丁局": (4, None, "new"),
    }
    assert november["上海市乙局"].places == -1 and november["上海市乙局"].moved == 1
    # October recomputed with a late row (丙 first now): November reads its changes against the new ranks
    good(c, date(2026, 10, 30), 30, evaluations=30)
    assess(PeriodKind.MONTH, OCT, today=AFTER_NOV)
    november = _results(scope=city["region"])
    assert {n: r.previous_rank for n, r in november.items()} == {
        "上海市甲局": 3,
        "上海市乙局": 2,
        "上海市丙局": 1,
        "上海市丁局": None,
    }
    assert [november[n].change for n in ("上海市甲局", "上海市乙局", "上海市丙局")] == ["up", "same", "down"]


def test_recomputing_a_period_replaces_its_rows(city):
    good(city["上海市甲局"], date(2026, 11, 12), 9)
    good(city["上海市乙局"], date(2026, 11, 12), 5)
    assess(PeriodKind.MONTH, NOV, today=AFTER_NOV)
    first = {r.unit_label: (r.score, r.rank) for r in Assessment.objects.all()}
    assess(PeriodKind.MONTH, NOV, today=AFTER_NOV)
    assert {r.unit_label: (r.score, r.rank) for r in Assessment.objects.all()} == first
    assert Assessment.objects.count() == 2
    good(city["上海市乙局"], date(2026, 11, 13), 10)  # a late row: 乙 15/20 = 75 → still second
    good(city["上海市丙局"], date(2026, 11, 13), 10)  # a unit that was not there
    assess(PeriodKind.MONTH, NOV, today=AFTER_NOV)
    assert {r.unit_label: (r.score, r.rank) for r in Assessment.objects.all()} == {
        "上海市甲局": (Decimal("90.00"), 2),
        "上海市乙局": (Decimal("75.00"), 3),
        "上海市丙局": (Decimal("100.00"), 1),
    }
    assert AssessmentRun.objects.count() == 1


def test_a_quarter_sums_its_three_months(city):
    for month, g in ((10, 10), (11, 5), (12, 0)):
        good(city["上海市甲局"], date(2026, month, 15), g)
    good(city["上海市乙局"], date(2026, 9, 30), 10)  # the quarter before
    good(city["上海市乙局"], date(2026, 10, 1), 6)
    assess(PeriodKind.QUARTER, OCT, today=AFTER_DEC)
    quarter = _results(OCT, kind=PeriodKind.QUARTER, scope=city["region"])
    assert quarter["上海市甲局"].score == Decimal("50.00") and quarter["上海市乙局"].score == Decimal("60.00")
    assert quarter["上海市乙局"].rank == 1 and quarter["上海市甲局"].period_end == date(2026, 12, 31)


def test_a_period_is_assessed_only_once_it_has_ended(city):
    with pytest.raises(PeriodNotEnded):
        assess(PeriodKind.MONTH, NOV, today=date(2026, 11, 30))
    assert not AssessmentRun.objects.exists()
    assess(PeriodKind.MONTH, NOV, today=date(2026, 12, 1))
    assert AssessmentRun.objects.count() == 1


def test_periods_are_read_as_months_and_quarters():
    assert period_parse("2026-11") == Period(PeriodKind.MONTH, NOV)
    assert period_parse("2026q4").start == OCT and period_parse("2026Q4").end == date(2026, 12, 31)
    assert period_parse("2026-12").next() == Period(PeriodKind.MONTH, date(2027, 1, 1))
    assert period_parse("2027Q1").previous() == Period(PeriodKind.QUARTER, OCT)
    assert period_parse("2026-01").previous().key == "2025-12"
    for bad in ("2026-13", "2026Q5", "26-11", "", "2026-11-01"):
        with pytest.raises(AssessmentPeriodInvalid):
            period_parse(bad)


def test_the_sweep_assesses_the_period_just_ended_once(city):
    from tongban.supervision.tasks import assess_due

    good(city["上海市甲局"], date(2026, 11, 12), 9)
    first_day = datetime(2026, 12, 1, 23, 0, tzinfo=SHANGHAI)
    # the third quarter; not November yet: the roll-up may still be counting its last day
    assert assess_due(first_day) == 1
    assert not AssessmentRun.objects.filter(period_kind="month").exists()
    second_day = datetime(2026, 12, 2, 0, 30, tzinfo=SHANGHAI)
    assert assess_due(second_day) == 1
    assert set(AssessmentRun.objects.values_list("period_kind", "period_start")) == {
        ("month", NOV),
        ("quarter", date(2026, 7, 1)),
    }
    assert assess_due(second_day) == 0
    assert _results(scope=city["region"])["上海市甲局"].score == Decimal("90.00")


def test_the_command_assesses_a_period_and_refuses_a_bad_one(city, capsys):
    from tongban.cli import main

    good(city["上海市甲局"], date(2020, 3, 12), 9)
    good(city["上海市乙局"], date(2020, 3, 12), 3)
    assert main(["supervision", "assess", "--period", "2020-03"]) == 0
    out = capsys.readouterr().out
    assert "period=2020-03" in out and "1. 上海市甲局 90.00" in out and "2. 上海市乙局 30.00" in out
    assert main(["supervision", "assess", "--period", "2020-13"]) == 1
    assert main(["supervision", "assess", "--period", "2999-01"]) == 1  # not ended
    assert "error:" in capsys.readouterr().err


def test_the_system_assesses_without_a_user():
    assert assess(PeriodKind.MONTH, NOV, actor=SYSTEM, today=AFTER_NOV)["units"] == 0
