"""长三角一网通办 in a real browser, across two separate deployments with the demo data (上海 coordinates, 江苏
joins; tests/federation/cluster.py): 张三 of 上海 logs in at 江苏 with his 上海 account (单点登录, consent at 上海);
he applies on 上海's portal for 江苏's 出生医学证明签发 (跨省全程网办), sees 江苏's case number arrive, and downloads
the result once 江苏 has decided; 上海's special-window clerk collects the same item for a walk-in (异地代收代办),
prints the 专窗收件告知单, downloads the result and records the hand-over (docs/domain/federation.md §3, §7).
Every page at 375 and 1440 px, in 长辈版 and in English, without sideways scrolling; no console errors or CSP
violations, no request beyond the two members.

It walks the demo (ADR 0009) of real deployments, so it runs in the cluster pass (`make
pytest-postgres-cluster`, marks ``cluster`` and ``postgres``), not the browser pass: it needs the Region, not
the live server. Screenshots in test-artifacts/screens/csj-*.png with TONGBAN_E2E_SCREENS=1."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    _CSP_REPORTER,
    PC,
    PHONE,
    Watch,
    log_in,
    no_horizontal_overflow,
    open_menu,
    screenshot,
)
from tests.federation.cluster import DEMO_PASSWORD, Region, wait_for
from tests.federation.test_cases_region import DECIDE, ITEM, SPEC, WALK_IN_ID, a_pdf

pytestmark = [pytest.mark.postgres, pytest.mark.cluster]

SH, JS = "310000", "320000"
ZHANG_SAN = "13800000001"  # 张三, L2 at 上海 (the demo)
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "federation" / "catalogue-example.json"


@pytest.fixture(scope="module")
def csj():
    """上海 and 江苏, each its own deployment with the demo data, in one region; the coordinator has published
    the example 长三角通办事项目录 (its entries for these two members)."""
    region = Region([SH, JS], demo=True, own_hosts=True)
    try:
        region.start()
        region.join()
        entries = json.loads(EXAMPLE.read_text(encoding="utf-8"))["entries"]
        for e in entries:
            e["members"] = {code: local for code, local in e["members"].items() if code in (SH, JS)}
        path = region.root / "catalogue.json"
        path.write_text(json.dumps({"entries": entries}, ensure_ascii=False), encoding="utf-8")
        region.coordinator.tongban(
            "federation", "catalogue-publish", "--quarter", "2026Q4", "--file", str(path)
        )
        yield region
    except BaseException:
        print(region.dump_logs())
        raise
    finally:
        region.close()


@pytest.fixture(scope="module")
def spec(csj):
    """江苏's 出生医学证明签发: its uuid, form schema and the materials to upload."""
    return json.loads(csj[JS].python(SPEC.format(q=ITEM)).strip().splitlines()[-1])


@dataclass
class RegionWatch(Watch):
    """The e2e watch, where both members' hosts are this journey's own (the person goes from one to the other)."""

    hosts: set[str] = field(default_factory=set)

    def on_request(self, request) -> None:
        super().on_request(request)
        if self.foreign_requests and urlsplit(self.foreign_requests[-1]).netloc in self.hosts:
            self.foreign_requests.pop()


@pytest.fixture
def region_context(browser, csj):
    """Factory for fresh browser contexts on a member (its base URL), watched like the e2e tests' contexts."""
    contexts = []
    hosts = {urlsplit(m.url).netloc for m in csj.members.values()}

    def make(member, viewport: dict | None = None):
        context = browser.new_context(
            base_url=member.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport=viewport or PC,
            accept_downloads=True,
        )
        context.set_default_timeout(20_000)
        context.add_init_script(_CSP_REPORTER)
        watch = RegionWatch(host=urlsplit(member.url).netloc, hosts=hosts)
        context.on("console", watch.on_console)
        context.on("request", watch.on_request)
        context.on("response", watch.on_response)
        context.on("weberror", watch.on_weberror)
        contexts.append(context)
        return context, watch

    yield make
    for context in contexts:
        context.close()


def shoot_modes(page: Page, name: str, url: str | None = None) -> None:
    """The page (``url``, or the current one) at 375 and 1440 px, then in 长辈版 and in English, without
    sideways scrolling in any; back to 中文 and the standard version at the end, on the page."""
    url = url or page.url
    for mode in ("", "elderly", "en"):
        if mode == "elderly":
            open_menu(page).get_by_role("button", name="长辈版").click()
            expect(page.locator("body.elderly")).to_have_count(1)
        if mode == "en":
            open_menu(page).get_by_role("button", name="标准版").click()
            open_menu(page).get_by_role("button", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
        for size in (PHONE, PC):
            page.set_viewport_size(size)
            page.goto(url)
            no_horizontal_overflow(page)
            screenshot(page, f"{name}{'-' + mode if mode else ''}-{size['width']}.png")
    open_menu(page).get_by_role("button", name="中文").click()
    page.set_viewport_size(PC)
    page.goto(url)


def required(label: str) -> re.Pattern:
    """A field's label as its text reads: the name, and the star of a required one."""
    return re.compile(rf"^{re.escape(label)}( \*)?$")


def fill_item_form(page: Page, spec: dict) -> None:
    """The host's form as a person fills it, by the visible labels, and the materials as scanned PDFs."""
    for key, prop in spec["schema"]["properties"].items():
        field_ = page.get_by_label(required(prop["title"]))
        if prop.get("enum"):
            field_.select_option(prop["enum"][0])
        elif prop.get("format") == "date":
            field_.fill("2026-11-20")
        elif key == "id_number":
            field_.fill("310101199003070012")
        else:
            field_.fill("张小明" if "name" in key else "测试内容")
    for key in spec["uploads"]:
        page.locator(f"#p0-m_{key}").set_input_files(
            {"name": f"{key}.pdf", "mimeType": "application/pdf", "buffer": a_pdf()}
        )


def case_number_at_host(member, ref: str) -> str:
    rows = member.sql("SELECT number FROM cases_case WHERE origin_ref = %s", ref)
    return rows[0][0] if rows else ""


def decided_and_sealed(member, ref: str) -> None:
    """江苏 accepts and decides the case (its reviewers, as in the cluster tests), and seals its decision."""
    assert member.python(DECIDE.format(ref=ref)).strip().splitlines()[-1].split()[0] == "concluded"
    wait_for(
        lambda: member.sql("SELECT decision_document IS NOT NULL FROM cases_case WHERE origin_ref = %s", ref)[
            0
        ][0],
        timeout=90,
        what="the sealed decision document at 江苏",
    )


def reload_until(page: Page, text: str, what: str) -> None:
    """The application page shows what came back from 江苏 once it has: reload it, as a person would."""

    def shown() -> bool:
        page.reload()
        return text in page.locator("main").inner_text()

    wait_for(shown, timeout=60, what=what)


def download_pdf(page: Page, link: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link).click()
    return Path(info.value.path()).read_bytes()


def test_a_person_of_shanghai_logs_in_at_jiangsu_with_the_shanghai_account(csj, region_context):
    sh, js = csj[SH], csj[JS]
    context, watch = region_context(js)
    page = context.new_page()
    page.goto("/accounts/login/?next=/accounts/me/")
    page.get_by_role("link", name="使用长三角其他省市账号登录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("用长三角其他省市的账号登录")
    shoot_modes(page, "csj-login")
    page.get_by_role("link", name="上海市政务服务账号登录").click()

    # At 上海: its own login page, then its consent page naming 江苏 and what it will be told.
    assert page.url.startswith(f"{sh.url}/accounts/login/")
    page.get_by_label("登录名或手机号").fill(ZHANG_SAN)
    page.get_by_label("密码", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    assert page.url.startswith(f"{sh.url}/o/authorize/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("江苏省")
    claims = page.locator(".consent-claims")
    expect(claims).to_contain_text("姓名")
    expect(claims).to_contain_text("证件号码")
    shoot_modes(page, "csj-consent")
    page.get_by_role("button", name="同意并登录").click()

    # Back at 江苏, logged in as 张三.
    expect(page).to_have_url(f"{js.url}/accounts/me/")
    expect(page.locator("main")).to_contain_text("张三")
    expect(page.get_by_role("banner").get_by_role("button", name="退出")).to_have_count(1)
    watch.assert_clean()


def test_a_person_applies_at_shanghai_for_a_jiangsu_item_and_downloads_the_result(csj, spec, region_context):
    sh, js = csj[SH], csj[JS]
    context, watch = region_context(sh)
    page = context.new_page()
    log_in(page, ZHANG_SAN, DEMO_PASSWORD)
    page.goto("/csj/")
    expect(page.get_by_role("heading", level=1)).to_have_text("长三角一网通办")
    shoot_modes(page, "csj-hub")
    page.get_by_role("link", name="跨省全程网办").click()
    page.get_by_label("办理地", exact=True).select_option(label="江苏省")
    page.get_by_label("事项名称", exact=True).fill("出生")
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_role("heading", name="江苏省的事项")).to_be_visible()
    shoot_modes(page, "csj-apply-pick")
    page.get_by_role("link", name=ITEM, exact=True).click()
    expect(page.get_by_role("heading", level=2, name=ITEM)).to_be_visible()
    expect(page.locator("main")).to_contain_text("办理地：江苏省")
    shoot_modes(page, "csj-apply-form")

    fill_item_form(page, spec)
    page.get_by_label("我已阅读并同意《长三角地区政务服务“一网通办”服务同意书》").check()
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ITEM)
    ref = page.url.rstrip("/").rsplit("/", 1)[-1]

    # 江苏 opens the case; its number comes back to 上海's page.
    number = wait_for(lambda: case_number_at_host(js, ref), what="the case at 江苏")
    reload_until(page, number, "江苏's case number on 上海's page")
    expect(page.locator("main")).to_contain_text("长三角全程网办")
    shoot_modes(page, "csj-application")

    decided_and_sealed(js, ref)
    reload_until(page, "已办结", "the conclusion on 上海's page")
    expect(page.locator(".timeline")).to_contain_text("办结")
    assert download_pdf(page, "下载办结结果").startswith(b"%PDF")

    page.goto("/csj/applications/")
    expect(page.get_by_role("link", name=ITEM)).to_have_count(1)
    shoot_modes(page, "csj-applications")
    page.goto("/csj/items/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026Q4")
    shoot_modes(page, "csj-items")
    watch.assert_clean()


def test_the_special_window_collects_for_jiangsu_and_hands_over_the_printed_result(csj, spec, region_context):
    js = csj[JS]
    context, watch = region_context(csj[SH])
    page = context.new_page()
    log_in(page, "clerk", DEMO_PASSWORD)
    page.goto("/csj/")
    page.get_by_role("link", name="长三角专窗收件").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("长三角专窗收件")
    page.get_by_label("办理地", exact=True).select_option(label="江苏省")
    page.get_by_label("事项名称", exact=True).fill("出生")
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name=ITEM, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("异地代收代办：窗口收件")
    shoot_modes(page, "csj-counter-form")

    page.get_by_label(required("姓名")).fill("赵六")
    page.get_by_label(required("证件号码")).fill(WALK_IN_ID)
    page.get_by_label("已核对申请人本人与身份证件原件一致（当面核验）").check()
    fill_item_form(page, spec)
    page.get_by_label("申请人已签署《长三角地区政务服务“一网通办”服务同意书》").check()
    page.get_by_role("button", name="收件并转送办理地").click()

    receipt = page.locator(".counter-receipt")
    expect(receipt.get_by_role("heading", level=1)).to_contain_text("专窗收件告知单")
    expect(receipt).to_contain_text("赵六")
    expect(receipt).to_contain_text("江苏省")
    expect(receipt).not_to_contain_text(WALK_IN_ID)  # masked
    shoot_modes(page, "csj-receipt")
    ref = page.url.rstrip("/").rsplit("/", 2)[-2]

    wait_for(lambda: case_number_at_host(js, ref), what="the case at 江苏")
    decided_and_sealed(js, ref)
    page.get_by_role("link", name="查看办理进度").click()
    reload_until(page, "已办结", "the conclusion on the window's page")
    expect(page.locator("main")).to_contain_text("异地打印")
    assert download_pdf(page, "下载并打印办结结果（异地打印）").startswith(b"%PDF")
    page.reload()  # the hand-over is offered once the result has been fetched here
    page.get_by_role("button", name="已打印并交付申请人").click()
    expect(page.locator("main")).to_contain_text("打印并交付申请人")
    expect(page.get_by_role("button", name="已打印并交付申请人")).to_have_count(0)

    page.goto("/csj/applications/")
    expect(page.get_by_role("heading", level=1)).to_have_text("跨省办件（本人及本窗口收件）")
    expect(page.locator(".result", has_text="赵六")).to_contain_text("已异地打印")
    shoot_modes(page, "csj-applications-window")
    watch.assert_clean()
