"""The public 好差评 results (issue 19 §3; docs/domain/supervision-public.md): figures from hand-made roll-ups,
review texts masked and only valid ones, the cache, the API and its throttle, 404s."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tongban.cases.models import Case
from tongban.frontdesk.models import ServiceCentre, Window
from tongban.ratings.constants import MarkKind
from tongban.ratings.models import Evaluation, EvaluationMark, Ticket
from tongban.supervision import access
from tongban.supervision.db import read_db
from tongban.supervision.models import FigureDay
from tongban.supervision.public import Period, percent_text, period_parse
from tongban.supervision.rollup import refresh_months

_seq = itertools.count(1)
ID_NUMBER = "310101199003071230"  # a resident ID with a right check digit
PHONE = "13912345678"


def _today():
    return timezone.localdate()


def figure(unit, label, *, dim="department", path="", days_ago=1, family="evaluations", **counters):
    made = FigureDay.objects.create(
        day=_today() - timedelta(days=days_ago),
        family=family,
        dim=dim,
        unit_key=str(unit),
        unit_label=label,
        scope_path=path,
        **counters,
    )
    refresh_months([made.day])
    return made


def evaluation(unit_uuid, *, text, level=5, kind="case", subject=None, round=1, evaluator=None, **fields):
    return Evaluation.objects.create(
        kind=kind,
        subject_uuid=subject or uuid.uuid4(),
        subject_label=fields.pop("subject_label", ""),
        channel="pc",
        evaluator_user_id=evaluator,
        evaluator_label=fields.pop("evaluator_label", ""),
        round=round,
        level=level,
        template_version=1,
        text=text,
        unit_kind=fields.pop("unit_kind", "department"),
        unit_uuid=unit_uuid,
        unit_name="部门",
        **fields,
    )


def case_of(item_uuid, department, person):
    n = next(_seq)
    return Case.objects.create(
        number=f"TB20261207PB{n:06d}",
        target_kind="item",
        target_uuid=item_uuid,
        name="房屋租赁登记备案",
        lead_department_uuid=department.uuid,
        lead_department_name=department.name,
        applicant_kind="person",
        applicant_uuid=person.uuid,
        applicant_name=person.real_name,
        submitted_by=person.user_id,
        idempotency_key=f"pb-{n}",
        status="concluded",
        promised_days=5,
        legal_days=20,
        submitted_at=timezone.now() - timedelta(days=3),
    )


@pytest.fixture
def anon():
    return Client()


@pytest.fixture(autouse=True)
def _language_restored():
    """A page asked for in English activates English for the thread (LocaleMiddleware): the tests after this
    module get back the language they had."""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def world(org_tree):
    hp, xh = org_tree["hp_housing"], org_tree["xh_housing"]
    item, other_item = uuid.uuid4(), uuid.uuid4()
    # 黄浦区房管局: 3 evaluations (2 good, 1 bad, 11 stars) yesterday and 2 (both good, 10 stars) a week ago:
    # 5 valid evaluations, 4 good, 1 bad, 21 stars → 4.2 stars, 好评率 80.0 %.
    figure(hp.uuid, "黄浦区房管局", path=hp.path, days_ago=1, evaluations=3, good=2, bad=1, level_sum=11)
    figure(hp.uuid, "黄浦区房管局", path=hp.path, days_ago=7, evaluations=2, good=2, level_sum=10)
    # Outside the last 12 months, and another family's row of the period: neither counts.
    figure(hp.uuid, "黄浦区房管局", path=hp.path, days_ago=400, evaluations=9, good=0, bad=9, level_sum=9)
    figure(hp.uuid, "黄浦区房管局", path=hp.path, days_ago=2, family="cases", submitted=40, concluded=30)
    # 徐汇区房管局: one 5-star evaluation.
    figure(xh.uuid, "徐汇区房管局", path=xh.path, days_ago=3, evaluations=1, good=1, level_sum=5)
    # Items: one of 黄浦 (its rows carry the department's path), one of 徐汇.
    figure(item, "房屋租赁登记备案", dim="item", path=hp.path, evaluations=4, good=3, bad=1, level_sum=16)
    figure(other_item, "公共租赁住房申请", dim="item", path=xh.path, evaluations=1, good=1, level_sum=5)
    # The centre and its window.
    centre = org_tree["centre"]
    figure(
        centre.uuid, "黄浦区行政服务中心", dim="centre", path=centre.path, evaluations=2, good=1, level_sum=7
    )
    figure(
        uuid.uuid4(),
        "1号窗口",
        dim="window",
        path=org_tree["window"].path,
        evaluations=2,
        good=1,
        level_sum=7,
    )
    return {**org_tree, "item": item, "other_item": other_item}


# --- figures ----------------------------------------------------------------------------------------------
def test_the_list_shows_stars_counts_and_good_rate_summed_over_the_period(world, anon):
    response = anon.get("/ratings/public/")

    assert response.status_code == 200
    page = response.content.decode()
    rows = page.split('id="public-units"')[1].split("</table>")[0].split("<tr>")[2:]
    assert ["黄浦区房管局" in rows[0], "徐汇区房管局" in rows[1]] == [True, True]  # most evaluated first
    assert "4.2 星（满分 5 星）" in rows[0] and "★★★★☆" in rows[0]
    assert "5 条" in rows[0] and "80.0%" in rows[0] and "1 条" in rows[0]
    assert "5.0 星（满分 5 星）" in rows[1] and "100.0%" in rows[1]
    assert "共 2 个部门有评价" in page


def test_the_api_gives_the_same_figures_and_sorts_searches_and_pages(world, anon):
    answer = anon.get("/api/public/ratings?kind=department").json()

    assert answer["kind"] == "department" and answer["count"] == 2
    assert answer["period"]["key"] == "12m" and answer["period"]["end"] == str(_today())
    first = answer["items"][0]
    assert first == {
        "uuid": str(world["hp_housing"].uuid),
        "name": "黄浦区房管局",
        "evaluations": 5,
        "good": 4,
        "bad": 1,
        "stars": 4.2,
        "good_rate": 0.8,
    }
    by_stars = anon.get("/api/public/ratings?sort=stars").json()["items"]
    assert [u["name"] for u in by_stars] == ["徐汇区房管局", "黄浦区房管局"]
    assert [u["name"] for u in anon.get("/api/public/ratings?q=徐汇").json()["items"]] == ["徐汇区房管局"]
    assert [u["name"] for u in anon.get("/api/public/ratings?q=hp").json()["items"]] == ["黄浦区房管局"]
    paged = anon.get("/api/public/ratings?limit=1&offset=1").json()
    assert paged["count"] == 2 and [u["name"] for u in paged["items"]] == ["徐汇区房管局"]
    items = anon.get("/api/public/ratings?kind=item").json()["items"]
    assert [(u["name"], u["stars"], u["good_rate"]) for u in items] == [
        ("房屋租赁登记备案", 4.0, 0.75),
        ("公共租赁住房申请", 5.0, 1.0),
    ]


def test_a_year_or_a_month_counts_only_its_days(world, anon):
    long_ago = _today() - timedelta(days=400)
    answer = anon.get(f"/api/public/ratings?period={long_ago:%Y-%m}").json()

    assert answer["period"]["start"] == f"{long_ago:%Y-%m}-01"
    assert [(u["name"], u["evaluations"], u["stars"], u["good_rate"]) for u in answer["items"]] == [
        ("黄浦区房管局", 9, 1.0, 0.0)
    ]


def test_bad_kinds_and_periods_answer_422_and_the_page_falls_back_to_12_months(world, anon):
    assert anon.get("/api/public/ratings?kind=clerk").json()["code"] == "supervision_dimension_invalid"
    for period in ("2018", "2026-13", "last-year", f"{_today().year + 1}"):
        response = anon.get(f"/api/public/ratings?period={period}")
        assert (response.status_code, response.json()["code"]) == (422, "supervision_period_invalid"), period

    page = anon.get("/ratings/public/?period=2018").content.decode()

    assert "统计期间无效" in page and "4.2 星（满分 5 星）" in page


def test_period_parse_names_whole_years_and_months_up_to_today():
    today = _today()
    assert period_parse("12m", today=today).end == today
    leap = period_parse(None, today=today.replace(year=2028, month=2, day=29))
    assert (leap.start, leap.end) == (leap.end.replace(year=2027, day=28) + timedelta(days=1), leap.end)
    assert period_parse("2024-02", today=today) == Period(
        "2024-02", today.replace(2024, 2, 1), today.replace(2024, 2, 29)
    )
    assert period_parse(str(today.year), today=today).end == today
    assert [percent_text(r) for r in (0.99962, 1.0, 0.29, None)] == ["99.9", "100.0", "29.0", ""]


def test_a_department_page_lists_its_own_items_only(world, anon):
    page = anon.get(f"/ratings/public/departments/{world['hp_housing'].uuid}/").content.decode()

    assert "<h1>黄浦区房管局</h1>" in page
    figures = page.split('id="unit-figures"')[1].split("</section>")[0]
    assert "4.2 星（满分 5 星）" in figures and "80.0%" in figures and "5 条" in figures
    children = page.split('id="public-children"')[1].split("</table>")[0]
    assert "房屋租赁登记备案" in children and f"/ratings/public/items/{world['item']}/" in children
    assert "公共租赁住房申请" not in children


def test_a_centre_page_lists_its_windows(world, anon):
    page = anon.get(f"/ratings/public/centres/{world['centre'].uuid}/").content.decode()

    assert "<h1>黄浦区行政服务中心</h1>" in page
    assert "1号窗口" in page.split('id="public-children"')[1]
    assert "3.5 星（满分 5 星）" in page


@pytest.mark.parametrize(
    "path",
    [
        "/ratings/public/departments/not-a-uuid/",
        f"/ratings/public/departments/{uuid.uuid4()}/",
        "/ratings/public/items/123/",
    ],
)
def test_a_bad_or_unknown_uuid_is_404(world, anon, path):
    assert anon.get(path).status_code == 404


def test_a_unit_asked_for_as_another_kind_is_404(world, anon):
    department = world["hp_housing"].uuid

    assert anon.get(f"/ratings/public/departments/{department}/").status_code == 200
    assert anon.get(f"/ratings/public/items/{department}/").status_code == 404
    assert anon.get(f"/ratings/public/centres/{department}/").status_code == 404


# --- review texts -----------------------------------------------------------------------------------------
SECRETS = [
    ID_NUMBER,
    PHONE,
    "139 1234 5678",
    "张伟",
    "李女士",
    "欧阳明",
    "021-64381234",
    "TB20261207PB999999",
]


def test_no_personal_data_reaches_the_page(world, anon, make_person):
    hp = world["hp_housing"]
    person = make_person("赵敏", phone="13700001111")
    evaluation(
        hp.uuid,
        text=f"张伟先生很耐心。我的身份证号{ID_NUMBER}，手机{PHONE}，也可打139 1234 5678。",
        evaluator=person.user_id,
        evaluator_label="137****1111（赵*）",
        subject_label="TB20261207PB999999",
    )
    evaluation(
        hp.uuid, level=2, text="李女士态度差，请回电021-64381234，办件TB20261207PB999999", anonymous=True
    )
    evaluation(hp.uuid, level=4, text="感谢欧阳明老师", evaluator=person.user_id)

    page = anon.get(f"/ratings/public/departments/{hp.uuid}/").content.decode()

    reviews = page.split('id="public-reviews"')[1].split("</ul>")[0]
    assert reviews.count('class="public-review"') == 3
    for secret in [*SECRETS, person.real_name, person.phone, "137****1111", person.id_number]:
        assert secret not in page, secret
    assert "某先生很耐心" in reviews and "某女士态度差" in reviews and "感谢某老师" in reviews
    assert "310101********1230" in reviews and "139****5678" in reviews
    assert "***-********" in reviews
    assert reviews.count("匿名用户") == 1 and reviews.count("实名用户") == 2


def test_only_valid_evaluations_are_listed_newest_first(world, anon, make_person):
    hp = world["hp_housing"]
    person = make_person("钱多")
    now = timezone.now()
    upheld = evaluation(hp.uuid, level=1, text="申诉成立的差评", created_at=now - timedelta(hours=1))
    EvaluationMark.objects.create(evaluation=upheld, kind=MarkKind.APPEAL_UPHELD, reason="误评")
    fraud = evaluation(hp.uuid, level=5, text="确认刷评的好评", created_at=now - timedelta(hours=2))
    EvaluationMark.objects.create(evaluation=fraud, kind=MarkKind.FRAUD_CONFIRMED)
    suspect = evaluation(hp.uuid, level=5, text="待核查的好评", created_at=now - timedelta(hours=3))
    EvaluationMark.objects.create(evaluation=suspect, kind=MarkKind.SUSPECT)
    cleared = evaluation(hp.uuid, level=4, text="核查后计入的好评", created_at=now - timedelta(hours=4))
    EvaluationMark.objects.create(evaluation=cleared, kind=MarkKind.SUSPECT)
    EvaluationMark.objects.create(evaluation=cleared, kind=MarkKind.CLEARED)
    rejected = evaluation(hp.uuid, level=2, text="申诉不成立的差评", created_at=now - timedelta(hours=5))
    EvaluationMark.objects.create(evaluation=rejected, kind=MarkKind.APPEAL_REJECTED)
    Ticket.objects.create(
        number="CP2026TEST0001", kind="bad_review", evaluation=rejected, unit_uuid=hp.uuid, unit_path=hp.path,
        unit_name=hp.name, received_on=_today(), answered_at=now, answer_text="已整改",
    )  # fmt: skip
    subject = uuid.uuid4()
    evaluation(
        hp.uuid,
        level=2,
        text="第一次评价",
        subject=subject,
        evaluator=person.user_id,
        created_at=now - timedelta(hours=7),
    )
    evaluation(
        hp.uuid,
        level=4,
        text="追评",
        subject=subject,
        evaluator=person.user_id,
        round=2,
        created_at=now - timedelta(hours=6),
    )
    evaluation(hp.uuid, level=3, text="", created_at=now)  # no text: counted, not listed
    evaluation(world["xh_housing"].uuid, text="别的部门的评价")
    evaluation(hp.uuid, text="统计期间之前的评价", created_at=now - timedelta(days=400))

    page = anon.get(f"/ratings/public/departments/{hp.uuid}/").content.decode()

    reviews = page.split('id="public-reviews"')[1].split("</ul>")[0]
    texts = [part.split("</p>")[0] for part in reviews.split('<p class="review-text">')[1:]]
    assert texts == ["核查后计入的好评", "申诉不成立的差评", "追评"]
    answered = reviews.split('<li class="public-review">')[2]
    assert "单位已答复整改" in answered and "已整改" not in answered.replace("单位已答复整改", "")
    assert reviews.count("单位已答复整改") == 1


def test_an_item_page_lists_the_texts_of_its_cases(world, anon, make_person):
    person = make_person("孙丽")
    mine = case_of(world["item"], world["hp_housing"], person)
    other = case_of(world["other_item"], world["hp_housing"], person)
    evaluation(world["hp_housing"].uuid, text="这个事项办得快", subject=mine.uuid)
    evaluation(world["hp_housing"].uuid, text="另一个事项", subject=other.uuid)

    page = anon.get(f"/ratings/public/items/{world['item']}/").content.decode()

    assert "这个事项办得快" in page and "另一个事项" not in page
    assert "4.0 星（满分 5 星）" in page and "75.0%" in page
    assert 'id="public-children"' not in page


def test_a_centre_page_lists_the_texts_of_its_windows(world, anon):
    centre_org = world["centre"]
    centre = ServiceCentre.objects.create(
        org_uuid=centre_org.uuid,
        org_path=centre_org.path,
        name=centre_org.name,
        division_code="310101",
        slug="hp",
    )
    window = Window.objects.create(centre=centre, number=1, name="1号窗口", kind="comprehensive")
    evaluation(window.uuid, kind="service", unit_kind="window", text="窗口服务很热情")
    evaluation(centre_org.uuid, kind="ticket", unit_kind="ticket_unit", text="热线答复及时")
    evaluation(world["hp_housing"].uuid, text="部门的评价")

    page = anon.get(f"/ratings/public/centres/{centre_org.uuid}/").content.decode()

    assert "窗口服务很热情" in page and "热线答复及时" in page and "部门的评价" not in page
    assert "窗口评价" in page and "热线答复评价" in page


# --- the cache --------------------------------------------------------------------------------------------
def _touches(queries, table: str) -> bool:
    return any(table in q["sql"] for q in queries)


@pytest.mark.parametrize("path", ["/ratings/public/?kind=department", "/api/public/ratings?kind=item"])
def test_a_second_list_request_reads_the_cache_not_the_roll_ups(world, anon, path):
    with CaptureQueriesContext(connections[read_db()]) as first:
        assert anon.get(path).status_code == 200
    with CaptureQueriesContext(connections[read_db()]) as second:
        assert anon.get(path).status_code == 200
        assert anon.get(path.replace("?", "?q=x&sort=name&")).status_code == 200  # search and sort: memory

    assert _touches(first.captured_queries, "supervision_figureday")
    assert not _touches(second.captured_queries, "supervision_figureday")


def test_a_second_unit_request_reads_neither_roll_ups_nor_evaluations(world, anon):
    evaluation(world["hp_housing"].uuid, text="很好")
    path = f"/ratings/public/departments/{world['hp_housing'].uuid}/"
    with CaptureQueriesContext(connections[read_db()]) as first:
        assert "很好" in anon.get(path).content.decode()
    with CaptureQueriesContext(connections[read_db()]) as second:
        assert "很好" in anon.get(path).content.decode()

    assert _touches(first.captured_queries, "supervision_figureday")
    assert _touches(first.captured_queries, "ratings_evaluation")
    assert not _touches(second.captured_queries, "supervision_figureday")
    assert not _touches(second.captured_queries, "ratings_evaluation")


def test_an_unknown_unit_is_cached_too(world, anon):
    path = f"/ratings/public/items/{uuid.uuid4()}/"
    assert anon.get(path).status_code == 404
    with CaptureQueriesContext(connections[read_db()]) as second:
        assert anon.get(path).status_code == 404

    assert not _touches(second.captured_queries, "supervision_figureday")


# --- the API's throttle, the links, the languages ---------------------------------------------------------
def test_the_api_is_throttled_per_address(world, anon, monkeypatch):
    monkeypatch.setattr(access, "PUBLIC_LIMIT", 2)
    statuses = [anon.get("/api/public/ratings", REMOTE_ADDR="10.9.9.9").status_code for _ in range(3)]
    other = anon.get("/api/public/ratings", REMOTE_ADDR="10.9.9.8")

    assert statuses == [200, 200, 429]
    assert other.status_code == 200
    assert json.loads(anon.get("/api/public/ratings", REMOTE_ADDR="10.9.9.9").content)["code"] == "throttled"


def test_the_portal_links_to_the_public_results(db, anon):
    page = anon.get("/").content.decode()

    assert page.count('href="/ratings/public/"') == 2  # the 好差评 figure and the footer


def test_the_page_answers_in_english_and_in_the_elderly_mode(world, anon):
    from tongban.accounts.middleware import ELDERLY_COOKIE

    path = f"/ratings/public/departments/{world['hp_housing'].uuid}/"
    assert '<body class="" ' in anon.get(path).content.decode()
    anon.cookies["tongban_language"] = "en"
    anon.cookies[ELDERLY_COOKIE] = "1"

    page = anon.get(path).content.decode()

    assert '<html lang="en">' in page and '<body class="elderly"' in page and "黄浦区房管局" in page
