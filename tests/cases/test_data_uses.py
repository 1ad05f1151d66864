"""谁使用了我的信息 (issue 15): staff opening a person's case and its materials are reads of that person's
data, listed for them with the organisation (department or window) and the purpose, never a login."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login_client

pytestmark = pytest.mark.django_db


def data_uses(html: str) -> list[str]:
    block = html.split('class="results data-uses"', 1)
    assert len(block) == 2, "no data-use list on the page"
    items = re.findall(r'<li class="result">(.*?)</li>', block[1].split("</ul>")[0], re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", i)).strip() for i in items]


def test_staff_reads_of_a_case_and_its_materials_are_listed_for_the_applicant(world, submit):
    case, _ = submit()
    clerk, reviewer = world["clerk"], world["reviewers"]["market"]
    login_client(clerk).get(f"/staff/cases/{case.uuid}/")
    b"".join(
        login_client(clerk).get(f"/staff/cases/{case.uuid}/materials/application-form/").streaming_content
    )
    login_client(reviewer).get(f"/staff/cases/{case.uuid}/")
    applicant = login_client(world["applicant"].user)
    b"".join(applicant.get(f"/cases/{case.uuid}/materials/application-form/").streaming_content)

    html = applicant.get("/accounts/me/").content.decode()
    uses = data_uses(html)
    purpose = f"用途：审查办件 {case.number}（{case.name}）"
    assert any(u.startswith("上海市市场监督管理局") and "查看了您的办件" in u and purpose in u for u in uses)
    assert any(u.startswith("1号综合窗口") and "查看了您的办件" in u and purpose in u for u in uses)
    assert any(u.startswith("1号综合窗口") and "查看了您的办件材料" in u and "申请书" in u for u in uses)
    assert len([u for u in uses if "查看了您的办件材料" in u]) == 1  # the applicant's own look is not a use
    for login in (clerk.username, reviewer.username):
        assert login not in html

    api = applicant.get("/api/me/access-log").json()["items"]
    reads = [e for e in api if e["action"] == "case.staff_view"]
    assert {(e["organisation"], e["purpose"]) for e in reads} == {
        ("上海市市场监督管理局", purpose.removeprefix("用途：")),
        ("1号综合窗口", purpose.removeprefix("用途：")),
    }


def test_the_purpose_reads_in_the_reader_s_language(world, submit):
    case, _ = submit()
    login_client(world["reviewers"]["market"]).get(f"/staff/cases/{case.uuid}/")
    applicant = login_client(world["applicant"].user)
    applicant.cookies["tongban_language"] = "en"
    uses = data_uses(applicant.get("/accounts/me/").content.decode())
    assert any(
        f"opened your case · Purpose: Review of case {case.number} ({case.name})" in u for u in uses
    ), uses
