"""The public 好差评 results in a browser: from the home page to a department's stars and review texts, on a
phone (375 px) and a PC, in the elderly-friendly mode and in English."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import PC, PHONE, no_horizontal_overflow, open_menu, screenshot
from tests.e2e.test_public_pages import _SMALL_TEXT, TextTooSmall
from tongban.ratings.models import Evaluation
from tongban.supervision.models import FigureDay
from tongban.supervision.rollup import refresh_months

pytestmark = pytest.mark.e2e


def _figure(unit, label, path, *, dim="department", days_ago=1, **counters):
    made = FigureDay.objects.create(
        day=timezone.localdate() - timedelta(days=days_ago),
        family="evaluations",
        dim=dim,
        unit_key=str(unit),
        unit_label=label,
        scope_path=path,
        **counters,
    )
    refresh_months([made.day])


@pytest.fixture
def published(org_tree):
    hp, xh = org_tree["hp_housing"], org_tree["xh_housing"]
    _figure(hp.uuid, "黄浦区房管局", hp.path, evaluations=120, good=110, bad=4, level_sum=552)
    _figure(
        xh.uuid,
        "徐汇区房屋管理局（徐汇区住房保障和房屋管理局）",
        xh.path,
        evaluations=8,
        good=8,
        level_sum=40,
    )
    _figure(
        uuid.uuid4(), "房屋租赁登记备案", hp.path, dim="item", evaluations=70, good=66, bad=2, level_sum=330
    )
    _figure(
        uuid.uuid4(),
        "既有多层住宅加装电梯审批",
        hp.path,
        dim="item",
        evaluations=50,
        good=44,
        bad=2,
        level_sum=222,
    )
    for level, text, anonymous in [
        (5, "窗口的张伟先生很耐心，一次就办好了，点赞！", False),
        (2, "材料清单写得不清楚，跑了两趟。我的电话13800000001，请回电。", True),
        (4, "网上办理很方便，就是等待审核的时间有点长。", False),
    ]:
        Evaluation.objects.create(
            kind="case", subject_uuid=uuid.uuid4(), channel="pc", evaluator_user_id=None, round=1, level=level,
            template_version=1, text=text, anonymous=anonymous, unit_kind="department", unit_uuid=hp.uuid,
            unit_name=hp.name,
        )  # fmt: skip
    return org_tree


def test_a_visitor_on_a_phone_finds_a_departments_stars_and_masked_reviews(new_context, published):
    context, watch = new_context(PHONE)
    page = context.new_page()
    page.goto("/")

    page.get_by_role("link", name="评价结果公示").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("政务服务好差评公示")
    table = page.locator("#public-units")
    expect(table).to_contain_text("4.6 星（满分 5 星）")  # 552 / 120
    expect(table).to_contain_text("91.6%")  # 110 / 120, rounded down
    no_horizontal_overflow(page)
    screenshot(page, "public-ratings-375.png")

    page.get_by_label("按名称搜索").fill("徐汇")
    page.get_by_role("button", name="查询").click()
    expect(table.get_by_role("link")).to_have_count(1)
    expect(table).to_contain_text("5.0 星（满分 5 星）")
    page.get_by_label("按名称搜索").fill("")
    page.get_by_role("button", name="查询").click()

    table.get_by_role("link", name="黄浦区房管局").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("黄浦区房管局")
    expect(page.locator("#unit-stars")).to_have_text("4.6 星（满分 5 星）")
    expect(page.locator("#public-children")).to_contain_text("房屋租赁登记备案")
    reviews = page.locator("#public-reviews")
    expect(reviews.locator("li")).to_have_count(3)
    expect(reviews).to_contain_text("窗口的某先生很耐心")
    expect(reviews).to_contain_text("138****0001")
    expect(page.locator("body")).not_to_contain_text("张伟")
    expect(page.locator("body")).not_to_contain_text("13800000001")
    no_horizontal_overflow(page)
    screenshot(page, "public-ratings-department-375.png")

    open_menu(page).get_by_role("button", name="长辈版").click()
    expect(page.locator("body")).to_have_class("elderly")
    no_horizontal_overflow(page)
    small = page.evaluate(_SMALL_TEXT, 18)
    if small:
        raise TextTooSmall(f"{len(small)} text runs under 18px in elderly mode: {small[:12]}")
    screenshot(page, "public-ratings-department-elderly-375.png")
    watch.assert_clean()


def test_the_public_results_on_a_pc_and_in_english(new_context, published):
    context, watch = new_context(PC)
    page = context.new_page()
    page.goto("/ratings/public/?kind=item")
    expect(page.locator("#public-units")).to_contain_text("房屋租赁登记备案")
    no_horizontal_overflow(page)
    screenshot(page, "public-ratings-items-1440.png")
    page.goto(f"/ratings/public/departments/{published['hp_housing'].uuid}/")
    screenshot(page, "public-ratings-department-1440.png")

    open_menu(page).get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("黄浦区房管局")
    no_horizontal_overflow(page)
    screenshot(page, "public-ratings-department-en-1440.png")
    page.goto("/ratings/public/")
    no_horizontal_overflow(page)
    screenshot(page, "public-ratings-en-1440.png")
    watch.assert_clean()
