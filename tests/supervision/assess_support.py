"""Shared set-up of the assessment tests (tests/supervision/test_assess*.py, tests/e2e/test_assessments.py): a
city with two districts, departments of the city and of each district, supervisors of each level, and
hand-made roll-up rows (FigureDay) — the lead's roll-up is not needed to score them."""

from __future__ import annotations

from datetime import date

import pytest

from tongban.accounts.constants import OrgKind, Role
from tongban.accounts.services import organisation_create
from tongban.supervision.constants import Dim, Family
from tongban.supervision.models import FigureDay
from tongban.supervision.rollup import refresh_months

NOV = date(2026, 11, 1)
OCT = date(2026, 10, 1)
DEC = date(2026, 12, 1)
# "Today" for each period: the assessments take it as an argument, so no test depends on the real date.
AFTER_OCT = date(2026, 11, 5)
AFTER_NOV = date(2026, 12, 5)
AFTER_DEC = date(2027, 1, 5)


def row(org, day: date, family: str, dim: str = Dim.DEPARTMENT, **counters) -> FigureDay:
    """One roll-up row of ``org`` (its uuid, name and path) on ``day``."""
    made = FigureDay.objects.create(
        day=day,
        family=family,
        dim=dim,
        unit_key=str(org.uuid),
        unit_label=org.name,
        scope_path=org.path,
        **counters,
    )
    refresh_months([made.day])
    return made


def good(org, day: date, good_count: int, evaluations: int = 10, dim: str = Dim.DEPARTMENT) -> FigureDay:
    """Evaluations only: under the default scheme the score is the 好评率 × 100 (the other weights, without
    a denominator, are spread over it)."""
    return row(org, day, Family.EVALUATIONS, dim, evaluations=evaluations, good=good_count, level_sum=0)


@pytest.fixture
def city(org_tree, make_staff):
    """org_tree (上海市, 黄浦区 and 徐汇区 with a housing bureau each, a centre and a window) plus four city
    departments, a second 黄浦区 department, and supervisors of the city and of each district."""
    region = org_tree["region"]
    depts = {
        name: organisation_create(actor=None, kind=OrgKind.DEPARTMENT, name=name, parent=region)
        for name in ("上海市甲局", "上海市乙局", "上海市丙局", "上海市丁局")
    }
    hp_market = organisation_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="黄浦区市场监管局", parent=org_tree["huangpu"]
    )
    return {
        **org_tree,
        **depts,
        "hp_market": hp_market,
        "city_supervisor": make_staff(region, Role.SUPERVISOR),
        "hp_supervisor": make_staff(org_tree["huangpu"], Role.SUPERVISOR),
        "xh_supervisor": make_staff(org_tree["xuhui"], Role.SUPERVISOR),
        "reviewer": make_staff(org_tree["hp_housing"], Role.REVIEWER),
    }
