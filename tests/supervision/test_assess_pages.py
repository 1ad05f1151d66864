"""The supervisors' assessment pages and the JSON API (docs/domain/supervision-assessments.md §6): who sees
which rankings (a district's supervisor only their district's departments), the change arrows, the workbook,
the sealed report, the weights schemes page."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date

import pytest
from django.test import TestCase
from openpyxl import load_workbook

from tests.conftest import csrf_headers, login_client
from tests.supervision import assess_support
from tests.supervision.assess_support import AFTER_NOV, AFTER_OCT, NOV, OCT, good
from tongban.supervision.assessments import assess
from tongban.supervision.constants import Dim, PeriodKind
from tongban.supervision.models import AssessmentReport, AssessmentScheme

pytestmark = pytest.mark.django_db
city = assess_support.city  # the fixture
PDFSIG = shutil.which("pdfsig")


@pytest.fixture
def assessed(city):
    """October and November assessed: city departments, districts, and each district's departments."""
    for start, marks in (
        (OCT, {"上海市甲局": 6, "上海市乙局": 8, "上海市丙局": 7}),
        (NOV, {"上海市甲局": 9, "上海市乙局": 7, "上海市丙局": 8}),
    ):
        for name, g in marks.items():
            good(city[name], start.replace(day=10), g)
        good(city["huangpu"], start.replace(day=10), 9, dim=Dim.DISTRICT)
        good(city["xuhui"], start.replace(day=10), 6, dim=Dim.DISTRICT)
        good(city["hp_housing"], start.replace(day=10), 5)
        good(city["hp_market"], start.replace(day=10), 4)
        good(city["xh_housing"], start.replace(day=10), 3)
    assess(PeriodKind.MONTH, OCT, today=AFTER_OCT)
    assess(PeriodKind.MONTH, NOV, today=AFTER_NOV)
    return city


def test_the_city_supervisor_sees_the_rankings_with_their_changes(assessed):
    city = assessed
    page = login_client(city["city_supervisor"]).get("/supervision/assessments/").content.decode()
    assert "上海市政务服务管理办公室 · 2026年11月" in page  # the latest period, the city's office first
    assert 'id="ranking-district"' in page and 'id="ranking-department"' in page
    ranking = page[page.index('id="ranking-department"') :]
    ranking = ranking[: ranking.index("</table>")]
    assert ranking.index("上海市甲局") < ranking.index("上海市丙局") < ranking.index("上海市乙局")
    assert "上升 2 位" in ranking and "下降 2 位" in ranking and "持平" in ranking
    assert "黄浦区房管局" not in ranking  # a district's department is ranked by its district
    assert "90.0%" in ranking and "<caption" in ranking and 'scope="row"' in ranking
    other = login_client(city["city_supervisor"]).get(
        f"/supervision/assessments/?period=2026-11&office={city['huangpu'].uuid}"
    )
    assert "黄浦区政务服务管理办公室 · 2026年11月" in other.content.decode()


def test_a_district_supervisor_sees_only_their_districts_departments(assessed):
    city = assessed
    client = login_client(city["hp_supervisor"])
    page = client.get("/supervision/assessments/").content.decode()
    assert "黄浦区政务服务管理办公室" in page and "黄浦区房管局" in page and "黄浦区市场监管局" in page
    for hidden in ("上海市甲局", "徐汇区房管局", 'id="ranking-district"', "上海市政务服务管理办公室"):
        assert hidden not in page
    assert client.get(f"/supervision/assessments/?office={city['region'].uuid}").status_code == 404
    assert client.get(f"/supervision/assessments/?office={city['xuhui'].uuid}").status_code == 404
    assert client.get(f"/supervision/assessments/2026-11/{city['region'].uuid}.xlsx").status_code == 404
    answer = client.get("/api/supervision/assessments", {"period": "2026-11"}).json()
    assert [(r["office_name"], r["dim"]) for r in answer["rankings"]] == [
        ("黄浦区政务服务管理办公室", "department")
    ]
    assert [u["unit_label"] for u in answer["rankings"][0]["units"]] == ["黄浦区房管局", "黄浦区市场监管局"]
    refused = client.get(
        "/api/supervision/assessments", {"period": "2026-11", "office": str(city["region"].uuid)}
    )
    assert refused.status_code == 404 and refused.json()["code"] == "supervision_assessment_not_found"


def test_the_pages_are_for_supervisors_only(assessed, make_person):
    for user in (assessed["reviewer"], make_person("路人甲").user):
        client = login_client(user)
        for url in (
            "/supervision/assessments/",
            "/supervision/circulars/",
            "/supervision/assessments/schemes/",
            f"/supervision/assessments/2026-11/{assessed['region'].uuid}.xlsx",
            f"/supervision/assessments/2026-11/{assessed['region'].uuid}.pdf",
        ):
            assert client.get(url).status_code == 404, url
        assert client.get("/api/supervision/assessments", {"period": "2026-11"}).status_code == 403


def test_the_api_answers_the_ranking(assessed, client):
    city = assessed
    assert client.get("/api/supervision/assessments", {"period": "2026-11"}).status_code == 401
    api = login_client(city["city_supervisor"])
    answer = api.get("/api/supervision/assessments", {"period": "2026-11", "dim": "department"}).json()
    assert answer["period"] == "2026-11" and answer["scheme_version"] == 1 and answer["end"] == "2026-11-30"
    city_ranking = next(r for r in answer["rankings"] if r["office"] == str(city["region"].uuid))
    assert [
        (u["unit_label"], u["rank"], u["previous_rank"], u["change"], u["score"])
        for u in city_ranking["units"]
    ] == [
        ("上海市甲局", 1, 3, "up", 90.0),
        ("上海市丙局", 2, 2, "same", 80.0),
        ("上海市乙局", 3, 1, "down", 70.0),
    ]
    assert city_ranking["units"][0]["figures"]["good_rate"]["num"] == 9
    assert {r["dim"] for r in answer["rankings"]} == {"department"}
    bad = api.get("/api/supervision/assessments", {"period": "2026-13"})
    assert bad.status_code == 422 and bad.json()["code"] == "supervision_assessment_period_invalid"
    dim = api.get("/api/supervision/assessments", {"period": "2026-11", "dim": "window"})
    assert dim.status_code == 422 and dim.json()["code"] == "supervision_dimension_invalid"
    missing = api.get("/api/supervision/assessments", {"period": "2026-09"})
    assert missing.status_code == 404 and missing.json()["code"] == "supervision_assessment_not_found"


def test_the_workbook_has_the_ranking_and_the_figures(assessed):
    city = assessed
    answer = login_client(city["city_supervisor"]).get(
        f"/supervision/assessments/2026-11/{city['region'].uuid}.xlsx"
    )
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["排名", "指标"]
    rows = list(book["排名"].iter_rows(values_only=True))
    assert rows[0] == ("考核期间", "考核机关", "排名对象", "排名", "单位", "得分", "上期排名", "较上期")
    departments = [r[3:] for r in rows[1:] if r[2] == "市级部门"]
    assert departments == [
        (1, "上海市甲局", 90.0, 3, "上升2"),
        (2, "上海市丙局", 80.0, 2, "持平"),
        (3, "上海市乙局", 70.0, 1, "下降2"),
    ]
    assert [r[4] for r in rows[1:] if r[2] == "区县"] == ["黄浦区", "徐汇区"]
    figures = list(book["指标"].iter_rows(values_only=True))
    good_rate = [r for r in figures if r[3] == "上海市甲局" and r[4] == "好评率"]
    assert good_rate == [
        ("2026-11", "上海市政务服务管理办公室", "市级部门", "上海市甲局", "好评率", 0.9, 9, 10, 90, 25)
    ]


@pytest.mark.skipif(not PDFSIG, reason="needs poppler-utils' pdfsig")
def test_the_report_is_sealed_after_the_assessment_and_pdfsig_finds_it_valid(city, tmp_path):
    good(city["上海市甲局"], date(2026, 11, 10), 9)
    good(city["上海市乙局"], date(2026, 11, 10), 7)
    client = login_client(city["city_supervisor"])
    with TestCase.captureOnCommitCallbacks(execute=False):
        assess(PeriodKind.MONTH, NOV, today=AFTER_NOV)
    pending = client.get(f"/supervision/assessments/2026-11/{city['region'].uuid}.pdf")
    assert pending.status_code == 404 and "考核报告正在盖章，请稍后刷新" in pending.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assess(PeriodKind.MONTH, NOV, today=AFTER_NOV)
    # one report per office with a ranking: the city's only here
    assert list(AssessmentReport.objects.values_list("scope_path", flat=True)) == [city["region"].path]
    answer = client.get(f"/supervision/assessments/2026-11/{city['region'].uuid}.pdf")
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(answer.content)
    out = subprocess.run(
        [PDFSIG, "-no-ocsp", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert "Signature Validation: Signature is Valid." in out.stdout, out.stdout
    assert "Signature Field Name: 考核机关印章" in out.stdout
    assert 'id="report-pdf"' in client.get("/supervision/assessments/").content.decode()


def test_a_city_supervisor_adds_a_scheme_on_the_page_and_a_district_one_cannot(city):
    from django.utils import timezone

    from tongban.supervision.assessments import first_allowed_start

    today = timezone.localdate()
    this_month, next_month = today.strftime("%Y-%m"), first_allowed_start(today).strftime("%Y-%m")
    client = login_client(city["city_supervisor"])
    page = client.get("/supervision/assessments/schemes/").content.decode()
    assert "第 1 版" in page and "现行" in page and 'name="w_good_rate"' in page
    data = {"effective_from": next_month, "w_good_rate": "50", "w_on_time_rate": "50", "note": "对半"}
    answer = client.post("/supervision/assessments/schemes/", data, **csrf_headers(client))
    assert answer.status_code == 302
    assert AssessmentScheme.objects.get(version=2).weights == {"good_rate": 50, "on_time_rate": 50}
    backdated = client.post(
        "/supervision/assessments/schemes/", {**data, "effective_from": this_month}, **csrf_headers(client)
    )
    assert backdated.status_code == 422 and "下月或以后某月的 1 日" in backdated.content.decode()
    district = login_client(city["hp_supervisor"])
    assert 'name="w_good_rate"' not in district.get("/supervision/assessments/schemes/").content.decode()
    refused = district.post("/supervision/assessments/schemes/", data, **csrf_headers(district))
    assert refused.status_code == 403 and AssessmentScheme.objects.count() == 2
    assert "只有市级监察人员或平台管理员可以调整考核方案" in refused.content.decode()
