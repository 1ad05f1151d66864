"""Cross-region cases between three deployments (上海 coordinates, 江苏 and 浙江 join), each with the demo data:
全程网办 (a person of 上海 applies on 上海's portal for an item of 江苏; the case lives in 江苏; 上海 shows its
progress and the sealed result), 异地代收代办 (上海's special window collects for 江苏, prints the result: 异地打印),
多地联办 (one application, parts in 江苏 and 浙江), and a partner stopped while an application is on its way
(docs/domain/federation.md §7)."""

from __future__ import annotations

import html
import json
import re

import httpx
import pytest
from fpdf import FPDF

from tests.federation.cluster import running_region, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.cluster]

SH, JS, ZJ = "310000", "320000", "330000"
ITEM = "出生医学证明签发"

SPEC = """
import json
from tongban.catalog.facade import item_search, application_target
hit = [h for h in item_search({q!r}) if h.name == {q!r}][0]
t = application_target("item", hit.uuid)
print(json.dumps({{"uuid": hit.uuid, "schema": t.form_schema,
  "uploads": [m.key for m in t.materials if m.source in ("upload", "licence") and not m.produced_by]}}))
"""

DECIDE = """
from tongban.accounts.facade import actor_for_user_id, demo_users
from tongban.accounts.models import StaffMembership
from tongban.cases.models import Case
from tongban.cases.services.intake import case_accept
from tongban.cases.services.steps import step_claim, step_decide
case = Case.objects.get(origin_ref={ref!r})
clerk = actor_for_user_id(demo_users("clerk")["clerk"].pk)
if case.status == "submitted":
    case = case_accept(actor=clerk, case=case)
for _ in range(6):
    case.refresh_from_db()
    ready = [s for s in case.steps.order_by("order") if s.status == "ready"]
    if not ready:
        break
    for step in ready:
        m = StaffMembership.objects.filter(organisation__uuid=step.department_uuid, role="reviewer").first()
        reviewer = actor_for_user_id(m.user_id)
        step = step_claim(actor=reviewer, step=step)
        step_decide(actor=reviewer, step=step, decision="pass", opinion="同意")
case.refresh_from_db()
print(case.status, case.number)
"""


def a_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="scanned material")
    return bytes(pdf.output())


def value_for(prop: dict):
    if prop.get("enum"):
        return prop["enum"][0]
    if prop.get("type") == "array":
        return [prop.get("items", {}).get("enum", ["x"])[0]]
    if prop.get("type") in ("number", "integer"):
        return str(prop.get("minimum", 1))
    if prop.get("format") == "date":
        return "2026-11-20"
    if prop.get("pattern"):  # the demo's patterns are ID numbers and phone numbers
        return "13800000009" if "1[3-9]" in prop["pattern"] else "11010519491231002X"
    return "测试内容"


def form_post(spec: dict, prefix: str = "") -> dict:
    data: dict = {}
    for key, prop in spec["schema"].get("properties", {}).items():
        data[f"{prefix}f_{key}"] = value_for(prop)
    return data


def files_post(spec: dict, prefix: str = "") -> dict:
    return {f"{prefix}m_{key}": (f"{key}.pdf", a_pdf(), "application/pdf") for key in spec["uploads"]}


@pytest.fixture(scope="module")
def region():
    with running_region([SH, JS, ZJ], demo=True) as region:
        yield region


@pytest.fixture(scope="module")
def spec(region):
    return json.loads(region[JS].python(SPEC.format(q=ITEM)).strip().splitlines()[-1])


def remote(member, ref: str) -> dict:
    rows = member.sql(
        "SELECT status, remote_case_number, events, last_seq, printed_at FROM federation_remoteapplication"
        " WHERE uuid = %s",
        ref,
    )
    status, number, events, last_seq, printed = rows[0]
    return {"status": status, "number": number, "events": events, "last_seq": last_seq, "printed": printed}


def submitted_ref(answer) -> str:
    assert answer.status_code == 302, answer.text[:3000]
    return re.search(r"/csj/applications/([0-9a-f-]{36})/", answer.headers["location"]).group(1)


def test_a_person_applies_online_for_another_members_item_and_gets_the_result(region, spec):
    sh, js = region[SH], region[JS]
    citizen = sh.login("13800000001")  # 张三, L2 in 上海
    picked = citizen.get("/csj/apply/", params={"member": JS, "q": "出生"})
    assert picked.status_code == 200 and ITEM in picked.text
    page = citizen.get(f"/csj/apply/{JS}/{spec['uuid']}/")
    assert page.status_code == 200 and "江苏省" in page.text and "服务同意书" in page.text
    token = citizen.cookies["csrftoken"]
    refused = citizen.post(
        f"/csj/apply/{JS}/{spec['uuid']}/",
        data={**form_post(spec, "p0-"), "csrfmiddlewaretoken": token},
        files=files_post(spec, "p0-"),
    )
    assert refused.status_code == 422 and "同意" in refused.text  # no consent: nothing sent
    assert sh.sql("SELECT count(*) FROM federation_remoteapplication")[0][0] == 0
    answer = citizen.post(
        f"/csj/apply/{JS}/{spec['uuid']}/",
        data={**form_post(spec, "p0-"), "consent": "yes", "csrfmiddlewaretoken": token},
        files=files_post(spec, "p0-"),
    )
    ref = submitted_ref(answer)

    # The case lives in 江苏, linked to 张三 by ID number, its materials fetched from 上海.
    wait_for(lambda: js.sql("SELECT count(*) FROM cases_case WHERE origin_ref = %s", ref)[0][0] == 1)
    number = js.sql("SELECT number FROM cases_case WHERE origin_ref = %s", ref)[0][0]
    # Every material is there: the application form as 上海 handed it over (its digest checked), and the
    # licences 江苏's own library holds for 张三 (the demo data of each member has him) taken from there.
    materials = dict(
        js.sql(
            "SELECT m.key, m.mode FROM cases_casematerial m JOIN cases_case c ON c.id = m.case_id"
            " WHERE c.origin_ref = %s",
            ref,
        )
    )
    assert set(materials) == set(spec["uploads"]) and materials["application-form"] == "uploaded"
    wait_for(lambda: remote(sh, ref)["number"] == number, what="the case number back in 上海")
    detail = citizen.get(f"/csj/applications/{ref}/").text
    assert number in detail and "长三角全程网办" in detail

    status = js.python(DECIDE.format(ref=ref)).strip().splitlines()[-1].split()
    assert status[0] == "concluded"
    wait_for(lambda: remote(sh, ref)["status"] == "concluded", what="the conclusion in 上海")
    labels = [e["label"] for e in remote(sh, ref)["events"]]
    assert labels[0] == "长三角全程网办" and "受理" in labels and "办结" in labels
    pdf = wait_for(
        lambda: (r := citizen.get(f"/csj/applications/{ref}/result.pdf")).status_code == 200 and r.content,
        timeout=90,
        what="the sealed decision document",
    )
    assert pdf.startswith(b"%PDF")
    # Someone else of 上海 never sees it.
    other = sh.login("13800000002")
    assert other.get(f"/csj/applications/{ref}/").status_code == 404
    assert other.get(f"/csj/applications/{ref}/result.pdf").status_code == 404


WALK_IN_ID = "11010519491231002X"  # a valid resident ID number nobody in the demo holds


def test_the_special_window_collects_for_another_member_and_prints_the_result(region, spec):
    sh, js = region[SH], region[JS]
    clerk = sh.login("clerk")
    picked = clerk.get("/csj/apply/", params={"member": JS, "q": "出生", "counter": "1"})
    assert f"/csj/counter/{JS}/{spec['uuid']}/" in picked.text
    token = clerk.cookies["csrftoken"]
    form = {
        **form_post(spec, "p0-"),
        "real_name": "赵六",
        "id_kind": "111",
        "id_number": WALK_IN_ID,
        "consent": "yes",
        "csrfmiddlewaretoken": token,
    }
    unchecked = clerk.post(f"/csj/counter/{JS}/{spec['uuid']}/", data=form, files=files_post(spec, "p0-"))
    assert unchecked.status_code == 422 and "当面核验" in unchecked.text  # the identity check is required
    answer = clerk.post(
        f"/csj/counter/{JS}/{spec['uuid']}/",
        data={**form, "identity_checked": "yes"},
        files=files_post(spec, "p0-"),
    )
    assert answer.status_code == 302 and answer.headers["location"].endswith("/receipt/"), answer.text[:2000]
    ref = re.search(r"/csj/applications/([0-9a-f-]{36})/", answer.headers["location"]).group(1)
    receipt = clerk.get(answer.headers["location"]).text
    assert "专窗收件告知单" in receipt and "赵六" in receipt and WALK_IN_ID not in receipt  # masked

    # 江苏 links a new person at L3 (the window's face-to-face check), never more, and says who collected it.
    wait_for(lambda: js.sql("SELECT count(*) FROM cases_case WHERE origin_ref = %s", ref)[0][0] == 1)
    assert js.sql(
        "SELECT p.assurance_level, f.member FROM accounts_person p JOIN accounts_federatedidentity f"
        " ON f.person_id = p.id WHERE p.id_number = %s",
        WALK_IN_ID,
    ) == [(3, SH)]
    collected = js.sql(
        "SELECT e.opinion FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id"
        " WHERE c.origin_ref = %s AND e.action = 'federated_proxy'",
        ref,
    )
    assert len(collected) == 1 and "异地代收" in collected[0][0] and "1号综合窗口" in collected[0][0]

    assert js.python(DECIDE.format(ref=ref)).strip().splitlines()[-1].split()[0] == "concluded"
    wait_for(lambda: remote(sh, ref)["status"] == "concluded", what="the conclusion back in 上海")
    detail = clerk.get(f"/csj/applications/{ref}/").text
    assert "异地打印" in detail
    pdf = wait_for(
        lambda: (r := clerk.get(f"/csj/applications/{ref}/result.pdf")).status_code == 200 and r.content,
        timeout=90,
        what="the sealed result to print",
    )
    assert pdf.startswith(b"%PDF")
    printed = clerk.post(f"/csj/applications/{ref}/printed/", data={"csrfmiddlewaretoken": token})
    assert printed.status_code == 302 and remote(sh, ref)["printed"] is not None
    assert sh.login("13800000001").get(f"/csj/applications/{ref}/").status_code == 404


def test_one_application_with_parts_in_two_members(region, spec):
    sh, js, zj = region[SH], region[JS], region[ZJ]
    zj_spec = json.loads(zj.python(SPEC.format(q=ITEM)).strip().splitlines()[-1])
    citizen = sh.login("13800000003")  # 王五, L3
    query = f"p={JS}:{spec['uuid']}&p={ZJ}:{zj_spec['uuid']}"
    page = citizen.get(f"/csj/apply/multi/?{query}")
    assert (
        page.status_code == 200
        and "多地联办" in page.text
        and "江苏省" in page.text
        and "浙江省" in page.text
    )
    answer = citizen.post(
        f"/csj/apply/multi/?{query}",
        data={
            **form_post(spec, "p0-"),
            **form_post(zj_spec, "p1-"),
            "consent": "yes",
            "csrfmiddlewaretoken": citizen.cookies["csrftoken"],
        },
        files={**files_post(spec, "p0-"), **files_post(zj_spec, "p1-")},
    )
    ref = submitted_ref(answer)
    groups = sh.sql(
        'SELECT "group"::text, host_member FROM federation_remoteapplication WHERE "group" ='
        ' (SELECT "group" FROM federation_remoteapplication WHERE uuid = %s) ORDER BY host_member',
        ref,
    )
    assert [h for _g, h in groups] == [JS, ZJ] and groups[0][0] is not None
    for member in (js, zj):
        wait_for(
            lambda member=member: (
                member.sql(
                    "SELECT count(*) FROM cases_case c JOIN cases_caseevent e ON e.case_id = c.id"
                    " WHERE c.origin_member = %s AND e.action = 'federated_multi_site'",
                    SH,
                )[0][0]
                == 1
            )
        )
    detail = citizen.get(f"/csj/applications/{ref}/").text
    assert "联办的其他部分" in detail


def test_an_application_sent_while_the_partner_is_down_arrives_once_when_it_is_back(region, spec):
    sh, js = region[SH], region[JS]
    citizen = sh.login("13800000002")  # 李四
    page = citizen.get(f"/csj/apply/{JS}/{spec['uuid']}/")
    assert page.status_code == 200
    js.stop()
    try:
        down = citizen.get(f"/csj/apply/{JS}/{spec['uuid']}/")  # its form cannot be read now: said plainly
        assert down.status_code == 503 and "暂时无法连接江苏省政务服务平台" in down.text
        answer = citizen.post(
            f"/csj/apply/{JS}/{spec['uuid']}/",
            data={
                **form_post(spec, "p0-"),
                "consent": "yes",
                "csrfmiddlewaretoken": citizen.cookies["csrftoken"],
            },
            files=files_post(spec, "p0-"),
        )
        ref = submitted_ref(answer)  # recorded and queued: the person is not kept waiting
        wait_for(
            lambda: (
                sh.sql("SELECT attempts FROM federation_outboundmessage WHERE correlation = %s", ref)[0][0]
                >= 2
            ),
            what="retries against the stopped partner",
        )
        assert remote(sh, ref)["status"] == "sending"
    finally:
        js.start()
    wait_for(lambda: remote(sh, ref)["number"] != "", timeout=90, what="the case number after the restart")
    assert js.sql("SELECT count(*) FROM cases_case WHERE origin_ref = %s", ref)[0][0] == 1
    assert js.sql("SELECT count(*) FROM federation_inboundmessage WHERE correlation = %s", ref)[0][0] == 1


def hidden_fields(page: str) -> dict:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                fields[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
    return fields


def test_a_person_of_one_member_logs_in_to_another_through_it_at_the_level_it_vouches(region):
    sh, js = region[SH], region[JS]
    # 江苏 knows 张三 at L3 (checked at one of its windows); 上海 vouches for L2: the session acts at L2.
    js.sql("UPDATE accounts_person SET assurance_level = 3 WHERE real_name = '张三'")
    browser = httpx.Client(base_url=js.url, timeout=30)
    choose = browser.get("/csj/login/", params={"next": "/csj/"})
    assert choose.status_code == 200 and "上海市政务服务账号登录" in choose.text
    start = browser.get(f"/csj/login/{SH}/", params={"next": "/csj/"})
    assert start.status_code == 302 and start.headers["location"].startswith(f"{sh.url}/o/authorize/?")
    citizen = sh.login("13800000001")
    consent = citizen.get(start.headers["location"])
    assert consent.status_code == 200 and "江苏省" in consent.text and "证件号码" in consent.text
    answer = citizen.post(start.headers["location"], data={**hidden_fields(consent.text), "allow": "on"})
    assert answer.status_code == 302, answer.text[:2000]
    back = answer.headers["location"]
    assert back.startswith(f"{js.url}/csj/login/callback/?code=")

    replayed_state = re.sub(r"state=[^&]+", "state=forged", back)
    assert browser.get(replayed_state).status_code == 400  # the state is checked (and the login then spent)
    # Again, properly: the state and nonce are per login.
    start = browser.get(f"/csj/login/{SH}/", params={"next": "/csj/"})
    consent = citizen.get(start.headers["location"])
    back = citizen.post(
        start.headers["location"], data={**hidden_fields(consent.text), "allow": "on"}
    ).headers["location"]
    done = browser.get(back)
    assert done.status_code == 302 and done.headers["location"] == "/csj/"
    me = browser.get("/api/me").json()
    assert me["person"]["real_name"] == "张三" and me["acting_level"] == 2
    assert js.sql(
        "SELECT f.member, f.assurance_level, p.assurance_level FROM accounts_federatedidentity f"
        " JOIN accounts_person p ON p.id = f.person_id WHERE p.real_name = '张三' AND f.member = %s",
        SH,
    ) == [(SH, 2, 3)]
    # 上海 recorded that it released the ID number to 江苏 (its person sees it in 谁使用了我的信息).
    assert sh.sql("SELECT count(*) FROM core_auditevent WHERE action = 'oidc.identity_release'")[0][0] >= 1
