"""Three deployments side by side (上海 coordinates, 江苏 and 浙江 join): the trust list distributed and
refused when outdated, signed messages between members, a partner stopped mid-exchange that loses and
duplicates nothing, and each side's log audited by the other (docs/domain/federation.md)."""

from __future__ import annotations

import time

import pytest

from tests.federation.cluster import counts, running_region, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.cluster]

SH, JS, ZJ = "310000", "320000", "330000"


@pytest.fixture(scope="module")
def region():
    with running_region([SH, JS, ZJ]) as region:
        yield region


def test_every_member_holds_the_coordinators_trust_list(region):
    for member in region.members.values():
        answer = member.get("/api/federation/trust-list").json()
        assert answer["version"] == 1
    # The list names every member with its URL; an older list pushed again is refused by each.
    listed = region[JS].sql("SELECT payload FROM federation_trustlist WHERE version = 1")[0][0]
    assert {m["code"]: m["base_url"] for m in listed["members"]} == {
        code: m.url for code, m in region.members.items()
    }


def test_a_ping_is_answered_and_each_side_logs_both(region):
    sh, js = region[SH], region[JS]
    sh.tongban("federation", "send", "--to", JS, "--type", "ping", "--body", '{"reply": true}')
    wait_for(lambda: counts(sh, "inboundmessage").get("processed", 0) >= 1, what="the pong back in 上海")
    assert counts(js, "inboundmessage") == {"processed": 1}
    assert sh.sql("SELECT type, from_member FROM federation_inboundmessage") == [("pong", JS)]
    wait_for(lambda: counts(js, "outboundmessage") == {"delivered": 1}, what="the pong's receipt")
    for member in (sh, js):
        assert "intact" in member.tongban("federation", "log-verify").stdout
    assert "0 problems" in sh.tongban("federation", "audit", JS).stdout
    assert "0 problems" in js.tongban("federation", "audit", SH).stdout


def test_a_partner_stopped_mid_exchange_loses_and_duplicates_nothing(region):
    sh, zj = region[SH], region[ZJ]
    before = counts(zj, "inboundmessage").get("processed", 0)
    sh.tongban("federation", "send", "--to", ZJ, "--count", "40")
    time.sleep(0.3)
    zj.stop()  # mid-exchange: some were delivered, the rest wait
    sh.tongban("federation", "send", "--to", ZJ, "--count", "40")
    time.sleep(5)  # several retries meet a closed port
    pending = counts(sh, "outboundmessage").get("pending", 0)
    assert pending > 0
    retried = sh.sql("SELECT max(attempts) FROM federation_outboundmessage WHERE to_member = %s", ZJ)[0][0]
    assert retried >= 2
    zj.start()
    wait_for(
        lambda: (
            zj.sql("SELECT count(*) FROM federation_inboundmessage WHERE status = 'processed'")[0][0]
            == before + 80
        ),
        timeout=90,
        what="all 80 pings processed in 浙江",
    )
    wait_for(lambda: "pending" not in counts(sh, "outboundmessage"), what="every receipt back")
    assert counts(sh, "outboundmessage").get("failed", 0) == 0
    ns = zj.sql("SELECT body->>'n', count(*) FROM federation_inboundmessage WHERE type = 'ping' GROUP BY 1")
    assert sorted(int(n) for n, c in ns if c) == sorted(set(int(n) for n, c in ns))
    assert zj.sql("SELECT count(DISTINCT uuid), count(*) FROM federation_inboundmessage")[0] == (
        before + 80,
        before + 80,
    )
    assert "0 problems" in sh.tongban("federation", "audit", ZJ).stdout
    assert "0 problems" in zj.tongban("federation", "audit", SH).stdout


def test_an_outdated_trust_list_is_refused_by_every_member(region):
    sh = region[SH]
    old = sh.sql("SELECT token FROM federation_trustlist WHERE version = 1")[0][0]
    sh.tongban("federation", "trust-list-sign", "--region", "csj", "--name", "长三角", "--push")
    for code in (JS, ZJ):
        wait_for(lambda code=code: region[code].get("/api/federation/trust-list").json()["version"] == 2)
        answer = region[code].post("/api/federation/trust-list", {"trust_list": old})
        assert answer.status_code == 409 and answer.json()["code"] == "trust_list_outdated"
