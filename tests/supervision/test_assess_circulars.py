"""考核通报 (docs/domain/supervision-assessments.md §4): a unit ranked last twice in a row is criticised in the
drafted circular, once is not; the first three are commended; only a supervisor of the office drafts, edits
and issues; an issued circular never changes and freezes its period; its PDF, sealed by the office's seal, is
valid for poppler's pdfsig."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest
from django.test import TestCase

from tests.conftest import csrf_headers, login_client
from tests.supervision import assess_support
from tests.supervision.assess_support import AFTER_DEC, AFTER_NOV, AFTER_OCT, DEC, NOV, OCT, good
from tongban.accounts.facade import actor_for
from tongban.supervision.assessment_periods import Period
from tongban.supervision.assessments import assess
from tongban.supervision.circulars import circular_draft, circular_edit, circular_issue, circular_redraft
from tongban.supervision.constants import PeriodKind
from tongban.supervision.errors import (
    AssessmentNotFound,
    CircularForbidden,
    CircularIssued,
    CircularTextInvalid,
    PeriodFrozen,
)
from tongban.supervision.models import Circular

pytestmark = pytest.mark.django_db
city = assess_support.city  # the fixture
PDFSIG = shutil.which("pdfsig")


def _post(client, url: str, data: dict):
    return client.post(url, data, **csrf_headers(client))


def _month(city, start: date, order: list[str], today: date) -> None:
    """The city's departments ranked in ``order`` (first to last) in the month beginning ``start``."""
    for place, name in enumerate(order):
        good(city[name], start.replace(day=15), 9 - place)
    assess(PeriodKind.MONTH, start, today=today)


@pytest.fixture
def three_months(city):
    """October: 甲 乙 丙 (丙 last); November: 甲 丙 乙 (乙 last); December: 甲 丙 乙 (乙 last again)."""
    _month(city, OCT, ["上海市甲局", "上海市乙局", "上海市丙局"], AFTER_OCT)
    _month(city, NOV, ["上海市甲局", "上海市丙局", "上海市乙局"], AFTER_NOV)
    _month(city, DEC, ["上海市甲局", "上海市丙局", "上海市乙局"], AFTER_DEC)
    return city


def _draft(city, start: date, who: str = "city_supervisor", office: str = "region") -> Circular:
    return circular_draft(
        actor=actor_for(city[who]), period=Period(PeriodKind.MONTH, start), scope_path=city[office].path
    )


def test_a_unit_last_twice_in_a_row_is_criticised_once_is_not(three_months):
    city = three_months
    november = _draft(city, NOV)  # 乙 last in November only (丙 was last in October)
    assert november.units["criticised"] == []
    assert "本期没有连续2个月考核排名末位的单位。" in november.text
    assert "予以通报批评" not in november.text
    december = _draft(city, DEC)  # 乙 last in November and December
    assert [u["unit_label"] for u in december.units["criticised"]] == ["上海市乙局"]
    assert (
        "上海市乙局连续2个月考核排名末位，本期得分70.00分（第3名，共3名），好评率 70.0%（7/10）"
        in december.text
    )
    assert "由上海市政务服务管理办公室约谈其主要负责人" in december.text
    # the first three commended, but never the one criticised
    assert [u["unit_label"] for u in december.units["commended"]] == ["上海市甲局", "上海市丙局"]
    assert "上海市甲局（90.00分）、上海市丙局（80.00分），予以通报表扬" in december.text
    assert december.title == "关于2026年12月一网通办工作考核情况的通报"
    assert december.office_name == "上海市政务服务管理办公室" and december.last_periods == 2


def test_three_periods_in_a_row_when_configured(three_months, settings):
    settings.TONGBAN_CIRCULAR_LAST_PERIODS = 3
    assert _draft(three_months, DEC).units["criticised"] == []


def test_a_ranking_of_one_has_no_last(city):
    good(city["xh_housing"], date(2026, 10, 5), 1)
    good(city["xh_housing"], date(2026, 11, 5), 1)
    assess(PeriodKind.MONTH, OCT, today=AFTER_OCT)
    assess(PeriodKind.MONTH, NOV, today=AFTER_NOV)
    circular = _draft(city, NOV, "xh_supervisor", "xuhui")
    assert circular.units == {"commended": [], "criticised": []}
    assert circular.office_name == "徐汇区政务服务管理办公室" and "各有关部门：" in circular.text


def test_only_the_offices_own_supervisors_draft_edit_and_issue(three_months, make_person):
    city = three_months
    citizen = make_person("路人甲")
    for who in ("hp_supervisor", "reviewer"):
        with pytest.raises(CircularForbidden):  # the city's circular: not theirs
            _draft(city, DEC, who=who)
    draft = _draft(city, DEC)
    for user in (city["hp_supervisor"], city["reviewer"], citizen.user):
        with pytest.raises(CircularForbidden):
            circular_issue(actor=actor_for(user), circular=draft)
        with pytest.raises(CircularForbidden):
            circular_edit(actor=actor_for(user), circular=draft, title="x", text="y")
    # a district's circular: its own supervisors, not the city's
    good(city["hp_housing"], date(2026, 12, 5), 5)
    assess(PeriodKind.MONTH, DEC, today=AFTER_DEC)
    with pytest.raises(CircularForbidden):
        _draft(city, DEC, "city_supervisor", "huangpu")
    district = _draft(city, DEC, "hp_supervisor", "huangpu")
    with pytest.raises(CircularForbidden):
        circular_issue(actor=actor_for(city["city_supervisor"]), circular=district)
    assert Circular.objects.filter(status="issued").count() == 0
    # a period not assessed has no circular to draft
    with pytest.raises(AssessmentNotFound):
        _draft(city, date(2026, 9, 1))


def test_an_issued_circular_cannot_be_edited_and_freezes_its_period(
    three_months, django_capture_on_commit_callbacks
):
    city = three_months
    supervisor = actor_for(city["city_supervisor"])
    draft = _draft(city, DEC)
    assert _draft(city, DEC).pk == draft.pk  # drafting again opens the same one
    edited = circular_edit(
        actor=supervisor, circular=draft, title="关于12月考核的通报", text="各单位：\n正文。"
    )
    assert edited.edited_by_label and edited.text == "各单位：\n正文。"
    with pytest.raises(CircularTextInvalid):
        circular_edit(actor=supervisor, circular=draft, title="  ", text="正文")
    redrafted = circular_redraft(actor=supervisor, circular=draft)
    assert redrafted.title.startswith("关于2026年12月") and redrafted.edited_at is None
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        issued = circular_issue(actor=supervisor, circular=draft)
    assert len(callbacks) == 1  # the seal is made after commit, by a task
    assert issued.is_issued and issued.issued_by == city["city_supervisor"].pk and issued.issued_at
    for change in (
        lambda: circular_edit(actor=supervisor, circular=issued, title="改", text="改"),
        lambda: circular_redraft(actor=supervisor, circular=issued),
        lambda: circular_issue(actor=supervisor, circular=issued),
    ):
        with pytest.raises(CircularIssued):
            change()
    issued.refresh_from_db()
    assert issued.title == "关于2026年12月一网通办工作考核情况的通报"
    # the results it cites are not recomputed
    with pytest.raises(PeriodFrozen):
        assess(PeriodKind.MONTH, DEC, today=AFTER_DEC)
    # …the page refuses the edit too
    page = login_client(city["city_supervisor"])
    answer = _post(
        page, f"/supervision/circulars/{issued.uuid}/", {"action": "save", "title": "改", "text": "改"}
    )
    assert answer.status_code == 409 and "通报已印发，不能再修改" in answer.content.decode()


def test_pages_refuse_strangers_and_a_district_supervisor_cannot_issue_the_citys(three_months, make_person):
    city = three_months
    draft = _draft(city, DEC)
    url = f"/supervision/circulars/{draft.uuid}/"
    assert _post(login_client(make_person("路人甲").user), url, {"action": "issue"}).status_code == 404
    assert login_client(city["reviewer"]).get(url).status_code == 404
    # 黄浦's supervisor does not see the city's circulars at all
    assert _post(login_client(city["hp_supervisor"]), url, {"action": "issue"}).status_code == 404
    draft.refresh_from_db()
    assert not draft.is_issued
    answer = _post(login_client(city["city_supervisor"]), url, {"action": "issue"})
    assert answer.status_code == 302
    draft.refresh_from_db()
    assert draft.is_issued


@pytest.mark.skipif(not PDFSIG, reason="needs poppler-utils' pdfsig")
def test_the_issued_circular_is_sealed_by_the_office_and_pdfsig_finds_it_valid(three_months, tmp_path):
    city = three_months
    client = login_client(city["city_supervisor"])
    draft = _draft(city, DEC)
    preview = client.get(f"/supervision/circulars/{draft.uuid}.pdf")
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF")
    assert b"/ByteRange" not in preview.content  # a draft bears no seal
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert _post(client, f"/supervision/circulars/{draft.uuid}/", {"action": "issue"}).status_code == 302
    draft.refresh_from_db()
    assert draft.document and draft.sealed_at
    answer = client.get(f"/supervision/circulars/{draft.uuid}.pdf")
    assert answer.status_code == 200 and answer.content == bytes(draft.document)
    path = tmp_path / "circular.pdf"
    path.write_bytes(answer.content)
    out = subprocess.run(
        [PDFSIG, "-no-ocsp", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    validations = [
        line.split(":", 1)[1].strip() for line in out.stdout.splitlines() if "Signature Validation:" in line
    ]
    assert validations == ["Signature is Valid."], out.stdout
    assert "Signature Field Name: 通报机关印章" in out.stdout
    assert "上海市政务服务管理办公室" in out.stdout  # the signer: the office's seal


def test_an_issued_circular_awaiting_its_seal_says_so(three_months, django_capture_on_commit_callbacks):
    city = three_months
    draft = _draft(city, DEC)
    with django_capture_on_commit_callbacks(execute=False):
        circular_issue(actor=actor_for(city["city_supervisor"]), circular=draft)
    answer = login_client(city["city_supervisor"]).get(f"/supervision/circulars/{draft.uuid}.pdf")
    assert answer.status_code == 404 and "通报正在盖章，请稍后刷新" in answer.content.decode()
