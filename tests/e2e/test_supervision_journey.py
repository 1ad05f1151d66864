"""A supervisor's journey (issue 19 §6): from the dashboard's red department, through its figures and the
cases behind "turned red", to the overdue case, and 督办 there — on figures the real roll-up counted from the
raw rows; the department's reviewer is told, the case's timeline records it, a second 督办 the same day is
not offered."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import (  # noqa: F401  (the browser fixtures)
    PC,
    PHONE,
    browser,
    log_in,
    new_context,
    no_horizontal_overflow,
    open_menu,
)
from tests.e2e.test_seals import shoot_modes
from tests.supervision.dashboard_support import at, make_case, turned_red
from tongban.accounts.constants import Role
from tongban.cases.models import CaseEvent, CaseStep
from tongban.notifications.models import Message
from tongban.supervision.rollup import rollup_run

pytestmark = pytest.mark.e2e


def _step(case, dept, *, due, status="ready"):
    return CaseStep.objects.create(
        case=case,
        key="review",
        name="审核",
        department_uuid=dept.uuid,
        department_name=dept.name,
        implementation_code="SV-1",
        version_number=1,
        budget_days=5,
        status=status,
        due_on=due,
        yellow_on=due - timedelta(days=1),
        light="red" if status == "ready" else "green",
    )


@pytest.mark.parametrize("size", [PC, PHONE], ids=["pc", "phone"])
def test_a_supervisor_goes_from_a_red_department_to_its_overdue_case_and_urges_it(
    new_context,  # noqa: F811
    org_tree,
    make_staff,
    size,
):
    hp, xh = org_tree["hp_housing"], org_tree["xh_housing"]
    reviewer = make_staff(hp, Role.REVIEWER)
    make_staff(org_tree["region"], Role.SUPERVISOR, username="supervisor_journey")
    today = timezone.localdate()
    item = uuid.UUID("00000000-0000-4000-8000-00000000b001")
    late = make_case(
        hp,
        number="TB2026SVJ00001",
        target=item,
        submitted=today - timedelta(days=20),
        due_on=today - timedelta(days=3),
    )
    _step(late, hp, due=today - timedelta(days=3))
    turned_red(late, today - timedelta(days=2))
    CaseEvent.objects.create(case=late, action="submit", actor_label="张三")
    for _n in range(3):  # 徐汇区房管局 concluded three on time: not red
        done = make_case(
            xh,
            target=item,
            submitted=today - timedelta(days=12),
            status="concluded",
            light="green",
            actual_days=3,
            concluded_at=at(today - timedelta(days=5)),
        )
        CaseEvent.objects.create(case=done, action="conclude", actor_label="审批")
    rollup_run()

    context, watch = new_context(size)
    page = context.new_page()
    log_in(page, "supervisor_journey")
    open_menu(page).get_by_role("link", name="监督考核").click()
    page.get_by_label("统计维度").select_option("department")
    page.get_by_label("起始日期").fill((today - timedelta(days=29)).isoformat())
    page.get_by_label("截止日期").fill(today.isoformat())
    page.get_by_role("button", name="查询").click()
    units = page.locator("#units")
    red_row = units.locator("tr", has_text="黄浦区房管局")
    expect(red_row.get_by_text("需关注")).to_be_visible()
    expect(units.locator("tr", has_text="徐汇区房管局").get_by_text("需关注")).to_have_count(0)
    no_horizontal_overflow(page)

    red_row.get_by_role("link", name="黄浦区房管局").click()
    expect(page.locator("#unit-title")).to_contain_text("黄浦区房管局")
    page.get_by_role("link", name="查看这 1 件办件").click()
    expect(page.get_by_role("heading", name="超期（亮红灯）的办件")).to_be_visible()
    page.get_by_role("link", name="TB2026SVJ00001").click()

    urge = page.locator("section", has=page.get_by_role("heading", name="督办", exact=True))
    urge.get_by_label("督办意见").fill("请今日内办结并反馈")
    urge.get_by_role("button", name="督办").click()
    expect(page.get_by_text("已督办：TB2026SVJ00001")).to_be_visible()
    expect(page.get_by_text("该办件今天已督办，相关部门已收到督办通知。")).to_be_visible()
    expect(page.locator("section", has=page.get_by_role("heading", name="办理记录"))).to_contain_text(
        "请今日内办结并反馈"
    )
    no_horizontal_overflow(page)
    watch.assert_clean()

    if size == PC:  # the board and the urged case at both widths, in 长辈版 and in English: nothing overflows
        shoot_modes(page, "/supervision/?light=red", "supervision-board-urged")
        shoot_modes(page, f"/staff/cases/{late.uuid}/", "supervision-case-urged")
        watch.assert_clean()

    message = Message.objects.get(user_id=reviewer.pk, title="督办通知")
    assert "TB2026SVJ00001" in message.body
    assert CaseEvent.objects.filter(case=late, action="urge").count() == 1
