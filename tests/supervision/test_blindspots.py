"""Service blind spots (docs/domain/supervision.md §6): from hand-made searches, returns, supplement
requests, refusals, 差评 (one whose appeal was upheld) and 12345 complaints in two districts, the month's
report holds exactly the numbers and themes worked out by hand here, with the change against the month
before; a district supervisor sees only their district; a theme's page lists exactly its reviews, masked;
everybody but a supervisor is refused."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.conftest import login_client
from tongban.accounts.constants import Role
from tongban.cases.models import Case, CaseEvent
from tongban.catalog.facade import search_misses_top
from tongban.catalog.models import SearchMiss
from tongban.core.models import AuditEvent
from tongban.ratings.constants import MarkKind, TicketStatus
from tongban.ratings.models import Evaluation, EvaluationMark, Ticket
from tongban.supervision import blindspots, segmentation
from tongban.supervision.blindspots import (
    compute_month,
    month_bounds,
    months_due,
    parse_month,
    previous_month,
    this_month,
)
from tongban.supervision.errors import SupervisionMonthInvalid
from tongban.supervision.models import BlindSpotKind, BlindSpotMember, BlindSpotMonth, BlindSpotReport

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)

# The report's month is last month and the comparison the month before it, whatever today is.
MONTH = previous_month(this_month())
BEFORE = previous_month(MONTH)
PHONE = "13812345678"
ID_NUMBER = "310101199003071233"  # a valid resident ID (check digit 3)


def at(month: date, day: int, hour: int = 10) -> datetime:
    return datetime(month.year, month.month, day, hour, tzinfo=SH)


# --- makers ------------------------------------------------------------------------------------------------
def search(query: str, when: datetime) -> None:
    miss = SearchMiss.objects.create(query=query)
    SearchMiss.objects.filter(pk=miss.pk).update(created_at=when)


ITEM_A = uuid.UUID(int=0xA)
ITEM_B = uuid.UUID(int=0xB)


def case_of(dept, target: uuid.UUID, name: str) -> Case:
    n = next(_seq)
    return Case.objects.create(
        number=f"TB2026BS{n:06d}",
        target_kind="item",
        target_uuid=target,
        name=name,
        lead_department_uuid=dept.uuid,
        lead_department_name=dept.name,
        applicant_kind="person",
        applicant_uuid=uuid.uuid4(),
        applicant_name="张三",
        submitted_by=1,
        idempotency_key=f"bs-{n}",
        status="in_process",
        promised_days=10,
        legal_days=20,
        submitted_at=timezone.now(),
    )


def event(case: Case, action: str, when: datetime, opinion: str = "", **detail) -> None:
    made = CaseEvent.objects.create(
        case=case, action=action, actor_label="审核员", opinion=opinion, detail=detail
    )
    CaseEvent.objects.filter(pk=made.pk).update(at=when)


def review(dept, level: int, text: str, when: datetime, *, ticket: bool = True) -> Evaluation:
    n = next(_seq)
    evaluation = Evaluation.objects.create(
        kind="case",
        subject_uuid=uuid.uuid4(),
        subject_label=f"TB2026BS{n:06d}",
        channel="pc",
        evaluator_user_id=10_000 + n,
        level=level,
        template_version=1,
        text=text,
        unit_kind="department",
        unit_uuid=dept.uuid,
        unit_name=dept.name,
        created_at=when,
    )
    if ticket and level <= 2:
        make_ticket(dept, "bad_review", text, when, evaluation=evaluation)
    return evaluation


def make_ticket(
    dept, kind: str, content: str, when: datetime, *, status=TicketStatus.RECEIVED, evaluation=None
):
    n = next(_seq)
    return Ticket.objects.create(
        number=f"GD2026BS{n:06d}",
        kind=kind,
        status=status,
        evaluation=evaluation,
        content=content,
        unit_uuid=dept.uuid,
        unit_path=dept.path,
        unit_name=dept.name,
        received_on=when.astimezone(SH).date(),
        created_at=when,
    )


@pytest.fixture
def world(org_tree, make_staff):
    hp, xh = org_tree["hp_housing"], org_tree["xh_housing"]

    # searches with no result: this month and the month before
    for q in ["护照办理", "护照办理 ", "护照办理", "  Passport", "PASSPORT", f"{PHONE} 社保", "办居住证"]:
        search(q, at(MONTH, 5))
    for q in ["护照办理", "办居住证", "办居住证"]:
        search(q, at(BEFORE, 5))

    # returns, supplement requests and refusals
    a = case_of(hp, ITEM_A, "房屋租赁登记备案")
    event(a, "step_return", at(MONTH, 3), "申请表未签字。")
    event(a, "step_return", at(MONTH, 4), "申请表没有签字")
    items = ["「身份证」：复印件不清晰", '"营业执照": 已过期', "请补充租赁合同原件"]
    event(a, "request_supplement", at(MONTH, 6), "；".join(items), items=items)
    event(a, "refuse", at(MONTH, 7), "1、不属于本部门职权范围；2、申请人不具备资格")
    event(a, "accept", at(MONTH, 7))  # not a return: not counted
    event(a, "step_return", at(BEFORE, 20), "申请表未签字")
    b = case_of(xh, ITEM_B, "二手房交易")
    event(b, "refuse", at(MONTH, 8), f"申请人{ID_NUMBER}不是产权人")

    # 差评 with a text, this month
    reviews = {
        "wait": review(hp, 1, "窗口排队两个小时，工作人员态度差", at(MONTH, 2)),
        "online": review(hp, 2, f"一网通办上营业执照办不了，窗口让我跑了三次，电话{PHONE}", at(MONTH, 9)),
        "queue": review(hp, 2, "排队太久", at(MONTH, 12)),
        "upheld": review(hp, 1, "态度差，排队，停车难", at(MONTH, 13)),
        "good": review(hp, 4, "排队很快", at(MONTH, 14)),
        "silent": review(hp, 2, "", at(MONTH, 15)),
        "other_district": review(xh, 1, "排队排到下班", at(MONTH, 16)),
    }
    EvaluationMark.objects.create(evaluation=reviews["upheld"], kind=MarkKind.APPEAL_UPHELD, reason="误评")
    # the month before: 排队 three times, 态度差 once
    for text in ["排队", "排队很久", "排队，态度差"]:
        review(hp, 2, text, at(BEFORE, 10))

    # 12345 complaints (and tickets that are not complaints, or merged ones)
    complaints = {
        "card": make_ticket(hp, "complaint", f"社保卡补办要跑多次，身份证号{ID_NUMBER}", at(MONTH, 3)),
        "fund": make_ticket(hp, "complaint", "公积金提取排队时间长", at(MONTH, 4)),
        "merged": make_ticket(hp, "complaint", "公积金重复诉求", at(MONTH, 4), status=TicketStatus.MERGED),
        "consult": make_ticket(hp, "consult", "公积金怎么提取", at(MONTH, 4)),
        "xuhui": make_ticket(xh, "complaint", "不动产登记排队", at(MONTH, 5)),
    }
    return {
        **org_tree,
        "reviews": reviews,
        "complaints": complaints,
        "hp_supervisor": make_staff(org_tree["huangpu"], Role.SUPERVISOR),
        "xh_supervisor": make_staff(org_tree["xuhui"], Role.SUPERVISOR),
        "city_supervisor": make_staff(org_tree["region"], Role.SUPERVISOR),
        "reviewer": make_staff(hp, Role.REVIEWER),
    }


def computed(world):
    after = month_bounds(MONTH)[1] + timedelta(hours=1)
    compute_month(BEFORE, now=after)
    return compute_month(MONTH, now=after)


def report(world, scope: str, kind: str) -> dict:
    path = world[scope].path if scope else ""
    return BlindSpotReport.objects.get(month=MONTH, scope_path=path, kind=kind).data


def themes_of(data: dict) -> dict[str, int]:
    return {r["theme"]: r["count"] for r in data["rows"]}


# --- the segmentation ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, whole",
    [
        ("在一网通办上办营业执照", ["一网通办", "营业执照"]),
        ("随申办里不动产登记要容缺受理", ["随申办", "不动产登记", "容缺受理"]),
        ("社保卡和公积金都在好差评里", ["社保卡", "公积金", "好差评"]),
    ],
)
def test_the_user_dictionary_keeps_government_terms_whole(text, whole):
    words = segmentation.words(text)
    assert all(w in words for w in whole), words
    assert "一网" not in segmentation.words("一网通办")


def test_stop_words_numbers_and_masks_are_no_theme():
    assert segmentation.themes(f"我们的电话{PHONE}，一个窗口") == ["电话", "窗口"]
    assert segmentation.themes("电话138****5678 ＡＰＰ闪退了两个小时") == ["电话", "app", "闪退", "小时"]
    assert segmentation.themes("12345热线打不通") == ["12345热线", "不通"]


def test_the_dictionary_is_loaded_once_per_process():
    first = segmentation.tokenizer()
    segmentation.themes("排队")
    assert segmentation.tokenizer() is first


# --- the numbers ----------------------------------------------------------------------------------------------
def test_search_misses_are_grouped_stripped_and_case_folded(world):
    start, end = month_bounds(MONTH)
    got = [(m.key, m.query, m.count) for m in search_misses_top(start=start, end=end)]
    assert got == [
        ("护照办理", "护照办理", 3),
        ("passport", "PASSPORT", 2),
        (f"{PHONE} 社保", f"{PHONE} 社保", 1),
        ("办居住证", "办居住证", 1),
    ]


def test_the_report_of_searches_is_masked_and_compared_with_last_month(world):
    computed(world)
    data = report(world, "", BlindSpotKind.SEARCHES)
    assert data["total"] == 7 and data["distinct"] == 4
    assert [(r["query"], r["count"]) for r in data["rows"]] == [
        ("护照办理", 3),
        ("PASSPORT", 2),
        ("138****5678 社保", 1),
        ("办居住证", 1),
    ]
    assert PHONE not in str(data)
    section = blindspots.blind_spots_view([world["huangpu"].path], MONTH)[BlindSpotKind.SEARCHES]
    assert [(r["query"], r["change"], r["previous"]) for r in section.rows] == [
        ("护照办理", "up", 1),
        ("PASSPORT", "new", 0),
        ("138****5678 社保", "new", 0),
        ("办居住证", "down", 2),
    ]


def test_items_with_the_most_returns_supplements_and_refusals_and_why(world):
    computed(world)
    huangpu = report(world, "huangpu", BlindSpotKind.ITEMS)
    assert huangpu["events"] == 4
    (row,) = huangpu["rows"]
    assert (row["name"], row["department"], row["uuid"]) == ("房屋租赁登记备案", "黄浦区房管局", str(ITEM_A))
    assert (row["returns"], row["supplements"], row["refusals"], row["total"]) == (2, 1, 1, 4)
    reasons = [(r["label"], r["material"], r["example"], r["count"]) for r in row["reasons"]]
    assert reasons[0] == ("申请表未签字", False, "", 2)  # 未签字 and 没有签字: one reason
    assert sorted(reasons[1:]) == sorted(
        [
            ("身份证", True, "复印件不清晰", 1),
            ("营业执照", True, "已过期", 1),
            ("请补充租赁合同原件", False, "", 1),
            ("不属于本部门职权范围", False, "", 1),
            ("申请人不具备资格", False, "", 1),
        ]
    )

    city = report(world, "region", BlindSpotKind.ITEMS)
    assert [(r["name"], r["total"]) for r in city["rows"]] == [("房屋租赁登记备案", 4), ("二手房交易", 1)]
    assert city["rows"][1]["reasons"][0]["label"] == "申请人310101********1233不是产权人"
    assert ID_NUMBER not in str(city)

    section = blindspots.blind_spots_view([world["huangpu"].path], MONTH)[BlindSpotKind.ITEMS]
    assert [(r["name"], r["change"], r["previous"], r["delta"]) for r in section.rows] == [
        ("房屋租赁登记备案", "up", 1, 3)
    ]


def test_themes_of_bad_reviews_count_valid_ones_with_a_text_only(world):
    computed(world)
    huangpu = report(world, "huangpu", BlindSpotKind.REVIEWS)
    assert (huangpu["texts"], huangpu["themed"]) == (3, 3)  # not the upheld, the good, the silent one
    counts = themes_of(huangpu)
    assert counts["排队"] == 2
    assert counts["窗口"] == 2
    assert counts["态度差"] == 1 and counts["工作人员"] == 1
    assert counts["一网通办"] == 1 and counts["营业执照"] == 1
    assert "停车难" not in counts  # only in the 差评 whose appeal was upheld
    assert "下班" not in counts  # another district's
    assert "很快" not in counts  # a good review
    assert [r["theme"] for r in huangpu["rows"][:2]] == ["排队", "窗口"]  # 2 each: then by the theme

    city = themes_of(report(world, "region", BlindSpotKind.REVIEWS))
    assert city["排队"] == 3 and city["下班"] == 1 and "停车难" not in city


def test_themes_of_complaints_leave_merged_and_other_kinds_out(world):
    computed(world)
    counts = themes_of(report(world, "huangpu", BlindSpotKind.COMPLAINTS))
    assert counts["社保卡"] == 1 and counts["跑多次"] == 1 and counts["公积金"] == 1
    assert "重复" not in counts and "诉求" not in counts and "不动产登记" not in counts
    assert report(world, "huangpu", BlindSpotKind.COMPLAINTS)["texts"] == 2
    city = themes_of(report(world, "region", BlindSpotKind.COMPLAINTS))
    assert city["不动产登记"] == 1 and city["排队"] == 2


def test_the_change_against_last_month_new_up_down_same(world):
    computed(world)
    section = blindspots.blind_spots_view([world["huangpu"].path], MONTH)[BlindSpotKind.REVIEWS]
    change = {r["theme"]: (r["change"], r["previous"]) for r in section.rows}
    assert change["排队"] == ("down", 3)
    assert change["态度差"] == ("same", 1)
    assert change["窗口"] == ("new", 0)
    assert section.compared


def test_without_a_report_of_last_month_there_is_no_change(world):
    compute_month(MONTH, now=month_bounds(MONTH)[1])
    section = blindspots.blind_spots_view([world["huangpu"].path], MONTH)[BlindSpotKind.REVIEWS]
    assert not section.compared and {r["change"] for r in section.rows} == {None}


def test_computing_again_replaces_the_month(world):
    computed(world)
    members = BlindSpotMember.objects.count()
    computed(world)
    assert BlindSpotMember.objects.count() == members
    assert BlindSpotReport.objects.filter(month=MONTH).count() == 1 + 3 * 3  # searches; 3 scopes × 3 kinds
    assert BlindSpotMonth.objects.get(month=MONTH).final


# --- the pages ------------------------------------------------------------------------------------------------
def page(world, who: str, url: str):
    return login_client(world[who]).get(url)


def test_a_district_supervisor_sees_their_district_only(world):
    computed(world)
    html = page(world, "hp_supervisor", f"/supervision/blind-spots/?month={MONTH:%Y-%m}").content.decode()
    assert "房屋租赁登记备案" in html and "二手房交易" not in html
    assert ">排队<" in html and ">下班<" not in html
    assert ">社保卡<" in html and ">不动产登记<" not in html
    assert "护照办理" in html  # the searches are the platform's
    xuhui = page(world, "xh_supervisor", f"/supervision/blind-spots/?month={MONTH:%Y-%m}").content.decode()
    assert "二手房交易" in xuhui and "房屋租赁登记备案" not in xuhui and ">下班<" in xuhui
    city = page(world, "city_supervisor", f"/supervision/blind-spots/?month={MONTH:%Y-%m}").content.decode()
    assert "二手房交易" in city and "房屋租赁登记备案" in city


def test_the_page_reads_the_report_not_the_rows(world, django_assert_max_num_queries):
    computed(world)
    client = login_client(world["hp_supervisor"])
    url = f"/supervision/blind-spots/?month={MONTH:%Y-%m}"
    client.get(url)
    with django_assert_max_num_queries(6) as ctx:
        response = client.get(url)
    assert response.status_code == 200 and "房屋租赁登记备案" in response.content.decode()
    tables = [q["sql"].split('"')[1] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    assert tables.count("supervision_blindspotreport") == 2  # both months, all four lists: two reads
    assert not [t for t in tables if t.startswith(("ratings_", "cases_", "catalog_"))]


def test_a_theme_page_lists_exactly_its_reviews_masked(world):
    computed(world)
    r = world["reviews"]
    url = f"/supervision/blind-spots/themes/窗口/?month={MONTH:%Y-%m}&source=reviews"
    response = page(world, "hp_supervisor", url)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="review-text"') == 2
    assert "窗口排队两个小时，工作人员态度差" in html
    assert "电话138****5678" in html and PHONE not in html
    assert f"/ratings/handling/{r['online'].ticket.uuid}/" in html
    queue = page(
        world, "hp_supervisor", f"/supervision/blind-spots/themes/排队/?month={MONTH:%Y-%m}"
    ).content.decode()
    assert queue.count('class="review-text"') == 2
    assert "排队太久" in queue and "窗口排队两个小时" in queue
    assert "停车难" not in queue and "排队排到下班" not in queue and "排队很快" not in queue
    event = AuditEvent.objects.filter(action="supervision.blind_spot_theme_read").latest("id")
    assert event.object_id == "排队" and event.after["shown"] == 2


def test_a_complaint_theme_page_masks_an_id_number(world):
    computed(world)
    url = f"/supervision/blind-spots/themes/社保卡/?month={MONTH:%Y-%m}&source=complaints"
    html = page(world, "hp_supervisor", url).content.decode()
    assert "身份证号310101********1233" in html and ID_NUMBER not in html
    assert f"/ratings/handling/{world['complaints']['card'].uuid}/" in html


def test_another_districts_theme_is_not_found(world):
    computed(world)
    url = f"/supervision/blind-spots/themes/下班/?month={MONTH:%Y-%m}"
    assert page(world, "hp_supervisor", url).status_code == 404
    assert page(world, "xh_supervisor", url).status_code == 200


def test_non_supervisors_are_refused(world, client):
    computed(world)
    url = f"/supervision/blind-spots/?month={MONTH:%Y-%m}"
    theme = f"/supervision/blind-spots/themes/排队/?month={MONTH:%Y-%m}"
    assert page(world, "reviewer", url).status_code == 404  # supervision.md §1: pages answer 404
    assert page(world, "reviewer", theme).status_code == 404
    assert page(world, "hp_supervisor", url).status_code == 200
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


@pytest.mark.parametrize("bad", ["2026-13", "2026/11", "11-2026", "1999-12", "abc"])
def test_a_bad_month_is_told_in_chinese(world, bad):
    response = page(world, "hp_supervisor", f"/supervision/blind-spots/?month={bad}")
    assert response.status_code == 422
    assert "月份无效" in response.content.decode()


def test_a_month_after_this_one_is_refused():
    future = blindspots.next_month(this_month())
    with pytest.raises(SupervisionMonthInvalid):
        parse_month(f"{future:%Y-%m}")
    assert parse_month("") == this_month()
    assert parse_month(f"{MONTH:%Y-%m}") == MONTH


def test_a_month_not_computed_says_so(world):
    html = page(world, "hp_supervisor", f"/supervision/blind-spots/?month={MONTH:%Y-%m}").content.decode()
    assert "的报告尚未生成" in html


# --- when the reports are computed ------------------------------------------------------------------------------
def test_the_sweep_computes_the_months_due_and_then_leaves_them(world):
    from tongban.supervision.tasks import blind_spots_receiver

    now = timezone.now()
    assert months_due(now) == [previous_month(this_month(now)), this_month(now)]
    assert blind_spots_receiver(now=now) == {"blind_spot_months": 2}
    assert months_due(now) == []
    assert blind_spots_receiver(now=now) == {}
    assert BlindSpotMonth.objects.get(month=previous_month(this_month(now))).final
    assert not BlindSpotMonth.objects.get(month=this_month(now)).final
    assert months_due(now + timedelta(minutes=61)) == [this_month(now)]


def test_the_command_computes_a_month(world, capsys):
    from tongban.cli import main

    assert main(["supervision", "blind-spots", "--month", f"{MONTH:%Y-%m}"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{MONTH:%Y-%m}: scopes 3, searches 7, case_events 5, reviews 4, complaints 3")
    assert main(["supervision", "blind-spots", "--month", "2026-13"]) == 1
