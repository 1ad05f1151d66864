"""The regional item catalogue across three deployments (上海 coordinates, 江苏 and 浙江 join): two quarters
published and shown with their changes on another member's page, a member stopped during a publication
receiving it after its restart, and an older quarter sent again refused (docs/domain/federation.md §7)."""

from __future__ import annotations

import json

import pytest

from tests.federation.cluster import running_region, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.cluster]

SH, JS, ZJ = "310000", "320000", "330000"


def _entry(code, name, modes, *, kind="personal", members=(SH, JS, ZJ)):
    return {
        "code": code,
        "name": name,
        "kind": kind,
        "modes": modes,
        "members": {
            m: {
                "item_code": f"{m}-{code}",
                "item_name": name,
                "item_url": f"https://tongban-{m}.example/items/{code.lower()}/",
            }
            for m in members
        },
    }


Q3 = {
    "entries": [
        _entry("CSJ-0001", "营业执照变更登记", ["online", "proxy"], kind="enterprise"),
        _entry("CSJ-0002", "户口迁移", ["multi_site"]),
        _entry("CSJ-0003", "居民身份证换领", ["proxy"], members=(SH, JS)),
    ]
}
Q4 = {
    "entries": [
        _entry("CSJ-0001", "营业执照变更登记", ["online"], kind="enterprise"),
        _entry("CSJ-0002", "户口迁移", ["multi_site"]),
        _entry("CSJ-0004", "住房公积金异地转移接续", ["online"], members=(SH, ZJ)),
    ]
}


@pytest.fixture(scope="module")
def region():
    with running_region([SH, JS, ZJ]) as region:
        yield region


def held(member) -> list[str]:
    return [q for (q,) in member.sql("SELECT quarter FROM federation_catalogueversion ORDER BY quarter DESC")]


def publish(region, quarter: str, data: dict):
    path = region.root / f"{quarter}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return region.coordinator.tongban(
        "federation", "catalogue-publish", "--quarter", quarter, "--file", str(path), check=False
    )


def test_two_quarters_reach_every_member_a_stopped_one_after_its_restart_and_an_older_one_is_refused(region):
    sh, js, zj = region[SH], region[JS], region[ZJ]
    done = publish(region, "2026Q3", Q3)
    assert done.returncode == 0 and "sent to 320000, 330000" in done.stdout, done.stderr
    for member in (js, zj):
        wait_for(lambda m=member: held(m) == ["2026Q3"], what=f"2026Q3 at {member.code}")

    zj.stop()  # 浙江 is down while 2026Q4 is published
    try:
        done = publish(region, "2026Q4", Q4)
        assert done.returncode == 0, done.stderr
        wait_for(lambda: held(js) == ["2026Q4", "2026Q3"], what="2026Q4 at 江苏")
        wait_for(
            lambda: sh.sql(
                "SELECT attempts FROM federation_outboundmessage WHERE to_member = %s AND status = 'pending'"
                " AND type = 'catalogue.version'",
                ZJ,
            ),
            what="the message to 浙江 waiting",
        )
        assert held(zj) == ["2026Q3"]
    finally:
        zj.start()
    wait_for(lambda: held(zj) == ["2026Q4", "2026Q3"], timeout=90, what="2026Q4 at 浙江 after its restart")
    assert sh.sql("SELECT count(*) FROM federation_outboundmessage WHERE status = 'failed'") == [(0,)]

    # Every member holds the coordinator's signed text, and serves it to anyone.
    tokens = {m.code: m.get("/api/federation/catalogue").json() for m in (sh, js, zj)}
    assert len({t["catalogue"] for t in tokens.values()}) == 1
    assert all(t["quarters"] == ["2026Q4", "2026Q3"] for t in tokens.values())

    # 江苏's page: the current quarter, the older one in the selector, and what changed.
    page = js.get("/csj/items/").text
    assert "住房公积金异地转移接续" in page and "居民身份证换领" in page  # listed, and removed in the changes
    assert '<option value="2026Q3"' in page and "与 2026Q3 相比" in page
    added = page.split('id="csj-added"')[1].split("</ul>")[0]
    removed = page.split('id="csj-removed"')[1].split("</ul>")[0]
    modes = page.split('id="csj-modes-changed"')[1].split("</ul>")[0]
    assert "CSJ-0004" in added and "CSJ-0003" in removed and "CSJ-0001" in modes
    assert "浙江省" in page and "https://tongban-330000.example/items/csj-0004/" in page
    older = js.get("/csj/items/", params={"quarter": "2026Q3"}).text
    assert "居民身份证换领" in older and "住房公积金异地转移接续" not in older.split('id="csj-items"')[1]

    # 2026Q3 sent again to 江苏 (by the coordinator's operator, as a message): refused on arrival, the
    # sender's message given up with the reason; 江苏 keeps 2026Q4.
    q3_token = sh.sql("SELECT token FROM federation_catalogueversion WHERE quarter = '2026Q3'")[0][0]
    sh.tongban(
        "federation",
        "send",
        "--to",
        JS,
        "--type",
        "catalogue.version",
        "--body",
        json.dumps({"catalogue": q3_token}),
    )
    wait_for(
        lambda: sh.sql(
            "SELECT last_error FROM federation_outboundmessage WHERE to_member = %s AND status = 'failed'", JS
        ),
        what="the older quarter refused by 江苏",
    )
    assert sh.sql("SELECT last_error FROM federation_outboundmessage WHERE status = 'failed'") == [
        ("refused: catalogue_outdated",)
    ]
    assert held(js) == ["2026Q4", "2026Q3"]
    # The coordinator itself refuses to publish an older quarter.
    done = publish(region, "2026Q2", Q3)
    assert done.returncode == 1 and "catalogue_outdated" in done.stderr
    for member in (sh, js, zj):
        assert "intact" in member.tongban("federation", "log-verify").stdout
    assert "0 problems" in sh.tongban("federation", "audit", JS).stdout
