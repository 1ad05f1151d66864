"""The supervisors' dashboards (issue 19 §1): the figures shown are those of the daily roll-up rows made here;
a district's supervisor sees their district's units only; anyone else is refused; a bad period or dimension
is told in Chinese; the API answers the same figures."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.conftest import login_client
from tests.supervision.dashboard_support import END, ITEM, START, period
from tests.supervision.html import parse
from tongban.supervision.charts import Chart, Series
from tongban.supervision.errors import SupervisionDimensionInvalid, SupervisionPeriodInvalid
from tongban.supervision.periods import period_from

pytestmark = pytest.mark.django_db
URL = "/supervision/figures/"


def cards(page) -> dict[str, str]:
    return {
        n.attrs["id"].removeprefix("card-"): n.find_all(class_="figure-value")[0].text()
        for n in page.find_all(class_="figure-card")
    }


def units_table(page) -> dict[str, list[str]]:
    rows = page.by_id("units").table_rows()
    return {row[0]: row[1:] for row in rows[1:]}


def test_the_city_supervisor_sees_the_totals_and_every_department(world):
    client = login_client(world["city"])
    response = client.get(URL, period(dim="department"))
    assert response.status_code == 200
    page = parse(response.content)
    totals = cards(page.by_id("totals"))
    assert totals["good_rate"] == "85.7%"  # 12 of 14 valid evaluations
    assert totals["on_time_rate"] == "88.0%"  # 44 of 50 concluded
    assert totals["active_rate"] == "12.0%"  # 6 first evaluations of 50 concluded
    assert totals["fix_rate"] == "75.0%"
    assert totals["revisit_rate"] == "50.0%"
    assert totals["promised_vs_legal"] == "50.0%"  # 150 / 300
    assert totals["exempt_share"] == "25.0%"
    assert totals["zero_visit_share"] == "40.0%"
    assert totals["fully_online_share"] == "50.0%"
    assert totals["accuracy"] == "80.0%"
    assert totals["on_the_spot_share"] == "75.0%"
    assert totals["wait_minutes"] == "5.0 分钟"
    assert totals["turned_red"] == "1"
    previous = page.by_id("card-wait_minutes").find_all(class_="figure-previous")[0].text()
    assert previous == "上期 8.0 分钟"
    assert page.by_id("card-good_rate").find_all(class_="figure-previous")[0].text() == "上期 100.0%"

    table = units_table(page)
    assert set(table) == {"黄浦区房管局 需关注", "徐汇区房管局", "徐汇区市场监管局 需关注"}
    head = page.by_id("units").table_rows()[0]
    hp = dict(zip(head[1:], table["黄浦区房管局 需关注"], strict=True))
    assert hp["好评率"] == "80.0%"
    assert hp["按期办结率"] == "80.0%"
    assert hp["超期（红灯）"] == "1"
    xh = dict(zip(head[1:], table["徐汇区房管局"], strict=True))
    assert (xh["好评率"], xh["按期办结率"], xh["超期（红灯）"]) == ("100.0%", "95.0%", "0")
    market = dict(zip(head[1:], table["徐汇区市场监管局 需关注"], strict=True))
    assert (market["好评率"], market["按期办结率"], market["超期（红灯）"]) == ("—", "85.0%", "0")
    red_cells = {cell.text() for cell in page.by_id("units").find_all("td", class_="red")}
    assert red_cells == {"80.0%", "85.0%"}  # the 按期办结率 below 90 %
    assert "按期办结率低于 90%" in page.by_id("red-legend").text()


def test_a_district_supervisor_sees_only_their_district(world):
    client = login_client(world["hp_supervisor"])
    page = parse(client.get(URL, period(dim="department")).content)
    assert set(units_table(page)) == {"黄浦区房管局 需关注"}
    assert cards(page.by_id("totals"))["good_rate"] == "80.0%"
    page = parse(client.get(URL, period(dim="district")).content)
    assert set(units_table(page)) == {"黄浦区 需关注"}
    xh = world["xh_housing"]
    assert client.get(f"/supervision/units/department/{xh.uuid}/", period()).status_code == 404
    assert (
        client.get(f"/supervision/units/department/{world['hp_housing'].uuid}/", period()).status_code == 200
    )
    assert login_client(world["city"]).get(f"/supervision/units/department/{xh.uuid}/").status_code == 200


def test_the_units_of_the_centres_show_the_window_figures(world):
    page = parse(login_client(world["city"]).get(URL, period(dim="centre")).content)
    head, *rows = page.by_id("units").table_rows()
    assert head == [
        "服务中心",
        "有效评价",
        "好评率",
        "差评整改率",
        "实名差评回访率",
        "窗口服务人次",
        "受理准确率",
        "当场办结率",
        "平均等候时间",
    ]
    assert rows == [["黄浦区行政服务中心", "0", "—", "—", "—", "10", "80.0%", "75.0%", "5.0 分钟"]]
    assert page.by_id("red-legend") is None  # a centre has no cases: no red mark


@pytest.mark.parametrize("who", ["reviewer", None])
def test_anyone_but_a_supervisor_is_refused(world, client, who):
    asker = login_client(world[who]) if who else client
    unit = f"/supervision/units/department/{world['hp_housing'].uuid}/"
    for url in (URL, unit, unit + "cases/?figure=turned_red", unit + "tickets/?figure=not_revisited"):
        response = asker.get(url)
        if who:
            assert response.status_code == 404, url  # as the other staff pages (supervision.md §1)
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    # the same supervisor's pages open (the setup is not what refuses)
    assert login_client(world["city"]).get(unit).status_code == 200


def test_an_unknown_unit_or_dimension_is_404(world):
    client = login_client(world["city"])
    assert client.get("/supervision/units/department/not-a-unit/").status_code == 404
    assert client.get(f"/supervision/units/planet/{world['hp_housing'].uuid}/").status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
        ({"from": "2026-3-1", "to": "2026-03-02"}, "from"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "from"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),  # 367 days
        ({"period": "decade"}, "period"),
    ],
)
def test_a_bad_period_is_told_in_chinese(world, query, field):
    client = login_client(world["city"])
    response = client.get(URL, query)
    assert response.status_code == 422
    message = parse(response.content).by_id("form-error").text()
    assert message == str(SupervisionPeriodInvalid.default_message)
    assert "统计期间无效" in message
    api = client.get("/api/supervision/figures", query)
    assert api.status_code == 422
    assert api.json()["code"] == "supervision_period_invalid"
    assert api.json()["details"] == {"field": field}
    unit = client.get(f"/supervision/units/department/{world['hp_housing'].uuid}/", query)
    assert unit.status_code == 422


def test_366_days_is_the_longest_period(world):
    client = login_client(world["city"])
    assert client.get(URL, {"from": "2025-01-01", "to": "2026-01-01"}).status_code == 200
    assert client.get(URL, {"from": "2025-01-01", "to": "2026-01-02"}).status_code == 422


def test_a_bad_dimension_is_told_in_chinese(world):
    client = login_client(world["city"])
    response = client.get(URL, period(dim="province"))
    assert response.status_code == 422
    assert parse(response.content).by_id("form-error").text() == "统计维度无效"
    api = client.get("/api/supervision/figures", period(dim="province"))
    assert (api.status_code, api.json()["code"]) == (422, "supervision_dimension_invalid")
    assert client.get(URL, period(dim="item")).status_code == 200


def span(kind: str, today: date) -> tuple[date, date]:
    found = period_from(kind, "", "", today=today)
    return found.start, found.end


def test_the_period_presets():
    today = date(2026, 1, 17)
    assert span("", today) == (date(2026, 1, 1), today)
    assert span("month", today) == (date(2026, 1, 1), today)
    assert span("last_month", today) == (date(2025, 12, 1), date(2025, 12, 31))
    assert span("quarter", date(2026, 5, 17)) == (date(2026, 4, 1), date(2026, 5, 17))
    assert span("quarter", date(2026, 12, 31)) == (date(2026, 10, 1), date(2026, 12, 31))
    custom = period_from("", "2026-01-01", "2026-01-10", today=today)
    assert (custom.kind, custom.days, custom.previous) == (
        "custom",
        10,
        (date(2025, 12, 22), date(2025, 12, 31)),
    )
    with pytest.raises(SupervisionPeriodInvalid):
        period_from("custom", "", "2026-01-10", today=today)


def test_the_dimensions():
    from tongban.supervision.periods import dimension_from

    assert dimension_from("") == "department"
    assert dimension_from("clerk") == "clerk"
    with pytest.raises(SupervisionDimensionInvalid):
        dimension_from("Department")


def test_a_unit_page_shows_its_figures_and_links_to_what_is_behind_them(world):
    hp = world["hp_housing"]
    client = login_client(world["hp_supervisor"])
    response = client.get(f"/supervision/units/department/{hp.uuid}/", period())
    page = parse(response.content)
    assert page.by_id("unit-title").text() == "黄浦区房管局 需关注"
    figures = cards(page)
    assert (figures["good_rate"], figures["on_time_rate"], figures["fix_rate"]) == ("80.0%", "80.0%", "75.0%")
    assert "wait_minutes" not in figures  # a department has no window figures
    links = {n.attrs["href"]: n.text() for n in page.find_all("a", class_="figure-drill")}
    base = f"/supervision/units/department/{hp.uuid}/"
    query = f"from={START.isoformat()}&to={END.isoformat()}"
    assert links == {
        f"{base}tickets/?{query}&figure=bad_due_unfixed": "查看这 1 张工单",
        f"{base}tickets/?{query}&figure=not_revisited": "查看这 1 张工单",
        f"{base}cases/?{query}&figure=concluded_late": "查看这 2 件办件",
        f"{base}cases/?{query}&figure=turned_red": "查看这 1 件办件",
    }


def test_the_charts_carry_the_numbers_of_their_tables(world):
    page = parse(login_client(world["city"]).get(URL, period(dim="department")).content)
    data = json.loads(_raw(page, "chart-good-rate-data"))
    assert data["kind"] == "bar" and data["unit"] == "percent"
    assert dict(zip(data["categories"], data["series"][0]["values"], strict=True)) == {
        "徐汇区房管局": 100.0,
        "黄浦区房管局": 80.0,
    }
    rows = page.by_id("chart-good-rate-table").table_rows()
    assert rows == [["部门", "好评率（%）"], ["徐汇区房管局", "100.0"], ["黄浦区房管局", "80.0"]]
    daily = page.by_id("chart-daily-volumes-table").table_rows()
    assert daily[0] == ["日期", "有效评价", "办结件数", "窗口服务人次"]
    assert len(daily) == 1 + 30
    assert daily[1 + 2] == [(START + timedelta(days=2)).strftime("%m-%d"), "14", "0", "10"]
    assert page.by_id("chart-good-rate-canvas").attrs.get("role") == "img"


def _raw(page, id_: str) -> str:
    node = page.by_id(id_)
    return "".join(c for c in node.children if isinstance(c, str))


def test_a_chart_refuses_a_series_of_another_length():
    with pytest.raises(ValueError):
        Chart(id="x", title="t", kind="bar", categories=["a", "b"], series=[Series("s", [1])], unit="count")
    chart = Chart(
        id="x",
        title="t",
        kind="line",
        categories=["a", "b"],
        series=[Series("s", [1.25, None])],
        unit="percent",
    )
    assert [r["cells"] for r in chart.rows] == [["1.2"], ["—"]]


def test_the_api_answers_the_units_with_their_figures(world):
    response = login_client(world["city"]).get("/api/supervision/figures", period(dim="department"))
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"from": START.isoformat(), "to": END.isoformat()}
    assert body["count"] == 3
    units = {u["label"]: u for u in body["units"]}
    hp = units["黄浦区房管局"]
    assert hp["key"] == str(world["hp_housing"].uuid)
    assert hp["red"] is True and units["徐汇区房管局"]["red"] is False
    assert units["徐汇区市场监管局"]["red"] is True
    assert hp["figures"]["good_rate"] == 0.8
    assert hp["figures"]["on_time_rate"] == 0.8
    assert hp["figures"]["wait_minutes"] is None
    assert hp["counts"]["turned_red"] == 1
    assert body["total"]["figures"]["wait_minutes"] == 5.0
    assert body["total_previous"]["figures"]["wait_minutes"] == 8.0
    district = login_client(world["hp_supervisor"]).get("/api/supervision/figures", period(dim="department"))
    assert [u["label"] for u in district.json()["units"]] == ["黄浦区房管局"]
    paged = login_client(world["city"]).get("/api/supervision/figures", period(limit=1, offset=1))
    assert [u["label"] for u in paged.json()["units"]] == ["徐汇区房管局"]  # by name: 市 < 房 < 黄浦


def test_the_api_refuses_anyone_but_a_supervisor(world, client):
    response = login_client(world["reviewer"]).get("/api/supervision/figures", period())
    assert response.status_code == 403
    assert set(response.json()) == {"code", "message", "details"}
    assert response.json()["code"] == "permission_denied"
    assert client.get("/api/supervision/figures", period()).status_code == 401
    assert login_client(world["city"]).get("/api/supervision/figures", period()).status_code == 200


def test_the_item_dimension_lists_the_item(world):
    page = parse(login_client(world["hp_supervisor"]).get(URL, period(dim="item")).content)
    assert set(units_table(page)) == {"房屋租赁登记备案 需关注"}
    link = page.by_id("units").find_all("a")[0].attrs["href"]
    assert link.startswith(f"/supervision/units/item/{ITEM}/?")
    assert (
        parse(login_client(world["xh_supervisor"]).get(URL, period(dim="item")).content).by_id("units")
        is None
    )


def test_the_pages_cost_the_same_queries_however_many_units_and_rows(world, assert_flat_queries):
    from tests.supervision.dashboard_support import Rollup, make_case, turned_red
    from tongban.accounts.constants import OrgKind
    from tongban.accounts.services import organisation_create
    from tongban.supervision.constants import Dim

    client = login_client(world["city"])
    hp = world["hp_housing"]
    made = iter(range(100))

    def more_units():
        rollup = Rollup()
        for _ in range(3):
            dept = organisation_create(
                actor=None, kind=OrgKind.DEPARTMENT, name=f"部门{next(made)}", parent=world["huangpu"]
            )
            rollup.org(
                START, Dim.DEPARTMENT, dept, world["huangpu"], concluded=4, on_time=3, evaluations=2, good=1
            )
        rollup.save()

    before, after = assert_flat_queries(
        QUERIES["dashboard"], lambda: client.get(URL, period(dim="department")), more_units
    )
    assert len(units_table(parse(after.content))) == len(units_table(parse(before.content))) + 3

    def more_cases():
        for _ in range(3):
            turned_red(make_case(hp), START + timedelta(days=1))

    more_cases()
    drill = f"/supervision/units/department/{hp.uuid}/cases/"
    before, after = assert_flat_queries(
        QUERIES["drill"], lambda: client.get(drill, period(figure="turned_red")), more_cases
    )
    assert parse(before.content).by_id("drill-count").text().startswith("共 3 件")
    assert parse(after.content).by_id("drill-count").text().startswith("共 6 件")


QUERIES = {"dashboard": 7, "drill": 8}
