"""The regional item catalogue (长三角通办事项目录, docs/domain/federation.md §7): a quarter's version signed by
the coordinator's trust-list key, sent to every member as a durable message, accepted only when signed by an
anchor and newer; each member's entries checked against its catalog; the public page and its changes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.catalog.conftest import DEMO_LIKE_MATERIALS, demo_like_fields
from tongban.federation import catalogue, keys
from tongban.federation.catalogue import catalogue_check, catalogue_publish, changes
from tongban.federation.constants import CATALOGUE_TYP, InStatus, KeyPurpose, KeyState
from tongban.federation.errors import CatalogueFileInvalid
from tongban.federation.models import (
    CatalogueEntry,
    CatalogueVersion,
    InboundMessage,
    LogEntry,
    OutboundMessage,
    OwnKey,
)

ROOT = Path(__file__).resolve().parents[2]
SH, JS = "310000", "320000"
JS_URL = "https://tongban.jiangsu.example/items/{}/"
PAGE = "/csj/items/"


def entry(code, name, *, kind="personal", modes=("online",), sh=None, js=True, name_en=""):
    members = {}
    if sh is not None:
        members[SH] = {"item_code": sh[0], "item_name": sh[1], "item_url": "http://testserver/items/x/"}
    if js:
        members[JS] = {
            "item_code": f"JS-{code}",
            "item_name": f"{name}（江苏）",
            "item_url": JS_URL.format(code),
        }
    return {
        "code": code,
        "name": name,
        "name_en": name_en,
        "kind": kind,
        "modes": list(modes),
        "members": members,
    }


def q3_entries():
    return [
        entry("CSJ-0001", "营业执照变更登记", kind="enterprise", modes=["online", "proxy"]),
        entry("CSJ-0002", "户口迁移", modes=["multi_site"], sh=("SH-HK", "户口迁入登记")),
        entry("CSJ-0003", "居民身份证换领", modes=["proxy"]),
    ]


def q4_entries():
    return [
        entry("CSJ-0001", "营业执照变更登记", kind="enterprise", modes=["online"]),  # proxy withdrawn
        entry("CSJ-0002", "户口迁移", modes=["multi_site"], sh=("SH-HK", "户口迁入登记")),
        entry("CSJ-0004", "住房公积金异地转移接续", name_en="Transfer of the housing provident fund"),
    ]


def sign(quarter, entries, *, region="csj", private=None, kid=None):
    """A catalogue version as a coordinator would sign it (by default with this member's trust-list key,
    an anchor here), not yet accepted anywhere."""
    payload = {
        "region": region,
        "quarter": quarter,
        "iat": int(time.time()),
        "coordinator": SH,
        "entries": entries,
    }
    if private is None:
        return keys.sign(payload, typ=CATALOGUE_TYP, purpose=KeyPurpose.TRUST_LIST)
    return keys.sign_compact(private, {"alg": "ES256", "typ": CATALOGUE_TYP, "kid": kid}, payload)


def post(client, partner, token):
    return client.post(
        "/api/federation/messages",
        {"message": partner.message(type="catalogue.version", body={"catalogue": token})},
        content_type="application/json",
    )


# --- the coordinator publishes ----------------------------------------------------------------------------------
def test_publishing_signs_with_the_trust_list_key_stores_and_sends_one_message_per_member(region):
    published = catalogue_publish(quarter="2026Q3", data={"entries": q3_entries()})
    row = published.version
    assert published.sent_to == [JS] and row.quarter == "2026Q3" and row.region == "csj"
    header = keys.read_header(row.token)
    signer = OwnKey.objects.get(purpose=KeyPurpose.TRUST_LIST, state=KeyState.ACTIVE)
    assert header["typ"] == "tongban-catalogue+jwt" and header["kid"] == signer.kid
    assert keys.verify_compact(row.token, signer.public_jwk)["quarter"] == "2026Q3"
    assert list(row.entries.values_list("code", flat=True)) == ["CSJ-0001", "CSJ-0002", "CSJ-0003"]
    hk = CatalogueEntry.objects.get(version=row, code="CSJ-0002")
    assert sorted(hk.handlers.values_list("member", "item_code")) == [(SH, "SH-HK"), (JS, "JS-CSJ-0002")]
    message = OutboundMessage.objects.get()
    assert (message.to_member, message.type, message.body) == (
        JS,
        "catalogue.version",
        {"catalogue": row.token},
    )
    assert LogEntry.objects.filter(direction="catalogue", type="catalogue.2026Q3").count() == 1

    again = catalogue_publish(quarter="2026Q3", data={"entries": q3_entries()})  # signed again: no change
    assert again.sent_to == [] and again.version.pk == row.pk and OutboundMessage.objects.count() == 1


@pytest.mark.parametrize(
    ("quarter", "data", "reason"),
    [
        ("2026Q5", {"entries": q3_entries()}, "quarter"),
        ("2026Q3", {"quarter": "2026Q4", "entries": q3_entries()}, "quarter"),
        ("2026Q3", {"entries": []}, "entries"),
        ("2026Q3", {"entries": [{**q3_entries()[0], "modes": ["by_post"]}]}, "modes"),
        ("2026Q3", {"entries": [q3_entries()[0], q3_entries()[0]]}, "twice"),
        ("2026Q3", {"entries": [{**q3_entries()[0], "code": "0001"}]}, "code"),
        ("2026Q3", {"entries": [{**q3_entries()[0], "kind": "both"}]}, "kind"),
        ("2026Q3", {"entries": [entry("CSJ-0009", "企业迁移", modes=["multi_site"])]}, "multi_site"),
        (
            "2026Q3",
            {"entries": [{**q3_entries()[0], "members": {"340000": q3_entries()[0]["members"][JS]}}]},
            "340000",
        ),
        (
            "2026Q3",
            {
                "entries": [
                    {
                        **q3_entries()[0],
                        "members": {
                            JS: {"item_code": "x", "item_name": "y", "item_url": "javascript:alert(1)"}
                        },
                    }
                ]
            },
            "item_url",
        ),
    ],
)
def test_a_bad_file_is_refused_with_the_reason_and_nothing_is_signed(region, quarter, data, reason):
    with pytest.raises(CatalogueFileInvalid) as refused:
        catalogue_publish(quarter=quarter, data=data)
    assert reason in refused.value.details["reason"]
    assert not CatalogueVersion.objects.exists() and not OutboundMessage.objects.exists()


def test_the_coordinator_cannot_publish_an_older_quarter(region):
    from tongban.federation.errors import CatalogueOutdated

    catalogue_publish(quarter="2026Q4", data={"entries": q4_entries()})
    with pytest.raises(CatalogueOutdated):
        catalogue_publish(quarter="2026Q3", data={"entries": q3_entries()})
    assert list(CatalogueVersion.objects.values_list("quarter", flat=True)) == ["2026Q4"]


def test_the_example_file_in_the_docs_is_a_valid_list():
    data = json.loads((ROOT / "docs" / "federation" / "catalogue-example.json").read_text())
    entries = catalogue.clean_entries(data["entries"], members={"310000", "320000", "330000", "340000"})
    assert len(entries) >= 10
    assert {e["kind"] for e in entries} == {"personal", "enterprise"}
    assert {m for e in entries for m in e["modes"]} == {"online", "proxy", "multi_site"}


# --- a member accepts -------------------------------------------------------------------------------------------
def test_a_member_accepts_a_newer_quarter_from_a_message_and_refuses_an_older_one(
    client, region, partner, django_capture_on_commit_callbacks
):
    q3 = sign("2026Q3", q3_entries())
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(client, partner, q3)
    assert answer.status_code == 200, answer.json()
    assert InboundMessage.objects.get().status == InStatus.PROCESSED
    assert list(CatalogueVersion.objects.values_list("quarter", flat=True)) == ["2026Q3"]

    q4 = sign("2026Q4", q4_entries())
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, partner, q4).status_code == 200
    assert catalogue.quarters() == ["2026Q4", "2026Q3"]

    # The same version again, in a new message: received, nothing changes.
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, partner, q4).status_code == 200
    assert CatalogueVersion.objects.count() == 2

    # An older quarter (even one never seen, 2026Q2) is refused before it is stored: the sender learns why.
    for older in (q3, sign("2026Q2", q3_entries())):
        before = InboundMessage.objects.count()
        answer = post(client, partner, older)
        assert answer.status_code == 409 and answer.json()["code"] == "catalogue_outdated"
        assert answer.json()["details"]["current"] == "2026Q4"
        assert InboundMessage.objects.count() == before
    assert catalogue.quarters() == ["2026Q4", "2026Q3"]


def test_the_quarter_held_with_other_content_is_refused(
    client, region, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, partner, sign("2026Q4", q4_entries()))
    changed = q4_entries()
    changed[0]["modes"] = ["online", "proxy"]
    answer = post(client, partner, sign("2026Q4", changed))
    assert answer.status_code == 409 and answer.json()["code"] == "catalogue_conflict"
    assert CatalogueEntry.objects.get(code="CSJ-0001").modes == ["online"]


def test_a_version_not_signed_by_a_trust_anchor_is_refused(client, region, partner):
    stranger = ec.generate_private_key(ec.SECP256R1())
    answer = post(client, partner, sign("2026Q4", q4_entries(), private=stranger, kid="not-an-anchor"))
    assert answer.status_code == 403 and answer.json()["code"] == "catalogue_signature_invalid"
    anchor_kid = OwnKey.objects.get(purpose=KeyPurpose.TRUST_LIST, state=KeyState.ACTIVE).kid
    answer = post(client, partner, sign("2026Q4", q4_entries(), private=stranger, kid=anchor_kid))
    assert answer.status_code == 403 and answer.json()["code"] == "catalogue_signature_invalid"
    # Signed by the partner's messaging key (a member, not the coordinator's trust-list key): refused too.
    answer = post(client, partner, sign("2026Q4", q4_entries(), private=partner.private, kid=partner.kid))
    assert answer.status_code == 403 and answer.json()["code"] == "catalogue_signature_invalid"
    assert post(client, partner, "garbage").json()["code"] == "catalogue_invalid"
    answer = post(client, partner, sign("2026Q4", q4_entries(), region="jjj"))
    assert answer.status_code == 409 and answer.json()["code"] == "catalogue_region_mismatch"
    assert not CatalogueVersion.objects.exists() and not InboundMessage.objects.exists()


def test_a_version_outdated_while_its_message_waited_is_processed_without_effect(
    client, region, partner, django_capture_on_commit_callbacks
):
    """Two versions in flight: the older one passed the check on arrival, the newer was accepted before it
    was processed. Its processing changes nothing and is not retried."""
    from tongban.federation.messages import process

    answer = post(client, partner, sign("2026Q3", q3_entries()))  # stored, not processed (no on-commit run)
    assert answer.status_code == 200
    catalogue.catalogue_accept(sign("2026Q4", q4_entries()))
    assert process(InboundMessage.objects.get().pk) == "processed"
    assert catalogue.quarters() == ["2026Q4"]


def test_the_api_gives_the_signed_version(client, region):
    answer = client.get("/api/federation/catalogue")
    assert answer.status_code == 404 and answer.json()["code"] == "catalogue_not_found"
    catalogue_publish(quarter="2026Q3", data={"entries": q3_entries()})
    row = catalogue_publish(quarter="2026Q4", data={"entries": q4_entries()}).version
    body = client.get("/api/federation/catalogue").json()
    assert body == {"quarter": "2026Q4", "catalogue": row.token, "quarters": ["2026Q4", "2026Q3"]}
    assert client.get("/api/federation/catalogue?quarter=2026Q3").json()["quarter"] == "2026Q3"
    assert client.get("/api/federation/catalogue?quarter=2025Q1").status_code == 404


# --- changes, the check, the facade -----------------------------------------------------------------------------
def test_the_changes_against_the_previous_quarter(region):
    q3 = catalogue_publish(quarter="2026Q3", data={"entries": q3_entries()}).version
    q4 = catalogue_publish(quarter="2026Q4", data={"entries": q4_entries()}).version
    assert changes(q3).previous is None
    diff = changes(q4)
    assert diff.previous == "2026Q3"
    assert [e.code for e in diff.added] == ["CSJ-0004"]
    assert [e.code for e in diff.removed] == ["CSJ-0003"]
    assert [(c.entry.code, c.before, c.entry.modes) for c in diff.modes_changed] == [
        ("CSJ-0001", ["online", "proxy"], ["online"])
    ]


@pytest.fixture
def local_items(db, settings):
    """Items of this member's catalog: one published, one only a draft."""
    from tongban.accounts.constants import OrgKind
    from tongban.accounts.services import organisation_create
    from tongban.catalog.services import item_create, version_publish

    city = organisation_create(actor=None, kind=OrgKind.REGION, name="上海市", division_code="310000")
    department = organisation_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="上海市公安局", parent=city, uscc="11310000MB2F31883R"
    )

    def make(code, name, *, publish=True):
        draft = item_create(
            actor=None,
            implementation_code=code,
            basic_code="0100000",
            fields=demo_like_fields(department, name=name),
            materials=DEMO_LIKE_MATERIALS,
        )
        return version_publish(actor=None, version=draft) if publish else draft

    return {
        "published": make("SH-HK", "户口迁入登记"),
        "renamed": make("SH-SFZ", "居民身份证换领（本市）"),
        "draft": make("SH-GJJ", "住房公积金转移", publish=False),
    }


def sh_entries():
    return [
        entry("CSJ-0002", "户口迁移", modes=["multi_site"], sh=("SH-HK", "户口迁入登记")),
        entry("CSJ-0003", "居民身份证换领", modes=["proxy"], sh=("SH-SFZ", "居民身份证换领")),
        entry("CSJ-0004", "住房公积金异地转移接续", sh=("SH-GJJ", "住房公积金转移")),
        entry("CSJ-0005", "异地就医备案", sh=("SH-NONE", "异地就医备案")),
        entry("CSJ-0006", "机动车驾驶证换证"),  # not handled here
    ]


def test_the_members_entries_are_checked_against_its_catalog(region, local_items, capsys):
    from tongban.cli import main

    catalogue_publish(quarter="2026Q4", data={"entries": sh_entries()})
    found = {(m.entry_code, m.item_code, m.kind) for m in catalogue_check()}
    assert found == {
        ("CSJ-0003", "SH-SFZ", "name_differs"),
        ("CSJ-0004", "SH-GJJ", "not_published"),
        ("CSJ-0005", "SH-NONE", "missing"),
    }
    assert main(["federation", "catalogue-check"]) == 1
    out = capsys.readouterr().out
    assert "3 of this member's entries" in out and "CSJ-0005" in out and "missing" in out


def test_the_cli_publishes_a_file(region, tmp_path, capsys):
    from tongban.cli import main

    path = tmp_path / "list.json"
    path.write_text(json.dumps({"entries": q3_entries()}, ensure_ascii=False))
    assert main(["federation", "catalogue-publish", "--quarter", "2026Q3", "--file", str(path)]) == 0
    assert "2026Q3: 3 entries" in capsys.readouterr().out
    assert main(["federation", "catalogue-publish", "--quarter", "2026Q2", "--file", str(path)]) == 1
    assert "catalogue_outdated" in capsys.readouterr().err
    assert main(["federation", "catalogue-check"]) == 1  # SH-HK is no item of this catalog
    assert "CSJ-0002 户口迁移: SH-HK 户口迁入登记: missing" in capsys.readouterr().out


def test_the_facade_for_the_cross_region_flows(region):
    from tongban.federation.facade import (
        regional_catalogue_quarter,
        regional_entries,
        regional_entry_for_local_item,
    )

    assert regional_entries() == [] and regional_entry_for_local_item("SH-HK") is None
    catalogue_publish(quarter="2026Q3", data={"entries": q3_entries()})
    catalogue_publish(quarter="2026Q4", data={"entries": q4_entries()})
    assert regional_catalogue_quarter() == "2026Q4"
    assert [e.code for e in regional_entries()] == ["CSJ-0001", "CSJ-0002", "CSJ-0004"]
    assert [e.code for e in regional_entries(member=SH)] == ["CSJ-0002"]
    found = regional_entry_for_local_item("SH-HK")
    assert found is not None and (found.quarter, found.code, found.modes) == (
        "2026Q4",
        "CSJ-0002",
        ("multi_site",),
    )
    partner = found.handler(JS)
    assert partner is not None and (partner.member_name, partner.item_code) == ("江苏省", "JS-CSJ-0002")
    assert partner.item_url == JS_URL.format("CSJ-0002")
    assert regional_entry_for_local_item("JS-CSJ-0002") is None  # another member's code, not ours


# --- the public page --------------------------------------------------------------------------------------------
def _codes(html: str) -> list[str]:
    import re

    table = html.split('id="csj-items"', 1)[1].split("</table>", 1)[0] if 'id="csj-items"' in html else ""
    return list(dict.fromkeys(re.findall(r"CSJ-\d{4}", table)))  # each row names its code (and partner URLs)


def test_the_page_before_any_version(client, region):
    answer = client.get(PAGE)
    assert answer.status_code == 200
    assert "尚未收到长三角通办事项目录" in answer.content.decode()


def test_the_page_lists_searches_and_filters_the_current_version(client, region, local_items):
    catalogue_publish(quarter="2026Q4", data={"entries": sh_entries()})
    html = client.get(PAGE).content.decode()
    assert _codes(html) == ["CSJ-0002", "CSJ-0003", "CSJ-0004", "CSJ-0005", "CSJ-0006"]
    assert (
        '<th scope="col">' in html and 'class="cards-on-phone' in html
    )  # a table with headers; cards on a phone
    # This member's published item links to its own page; a partner's to the partner's page.
    assert f'href="/items/{local_items["published"].item.uuid}/"' in html
    assert f'href="{JS_URL.format("CSJ-0006")}"' in html
    assert "本地暂未上线" in html  # SH-GJJ is only a draft here; SH-NONE does not exist
    assert "江苏省" in html

    assert _codes(client.get(PAGE, {"q": "户口"}).content.decode()) == ["CSJ-0002"]
    assert _codes(client.get(PAGE, {"q": "hkqy"}).content.decode()) == ["CSJ-0002"]  # pinyin initials
    assert _codes(client.get(PAGE, {"q": "CSJ-0005"}).content.decode()) == ["CSJ-0005"]
    assert _codes(client.get(PAGE, {"mode": "multi_site"}).content.decode()) == ["CSJ-0002"]
    assert _codes(client.get(PAGE, {"mode": "proxy"}).content.decode()) == ["CSJ-0003"]
    assert _codes(client.get(PAGE, {"member": SH, "mode": "online"}).content.decode()) == [
        "CSJ-0004",
        "CSJ-0005",
    ]
    assert "没有名称包含" in client.get(PAGE, {"q": "不存在的事项"}).content.decode()
    bad = client.get(PAGE, {"mode": "by_post"}).content.decode()
    assert "筛选条件无效" in bad and len(_codes(bad)) == 5


def test_the_page_filters_by_kind_and_shows_older_quarters_and_the_changes(client, region):
    catalogue_publish(quarter="2026Q3", data={"entries": q3_entries()})
    catalogue_publish(quarter="2026Q4", data={"entries": q4_entries()})
    html = client.get(PAGE).content.decode()
    assert _codes(html) == ["CSJ-0001", "CSJ-0002", "CSJ-0004"]
    assert '<option value="2026Q3"' in html and '<option value="2026Q4" selected' in html
    assert _codes(client.get(PAGE, {"kind": "enterprise"}).content.decode()) == ["CSJ-0001"]
    added = html.split('id="csj-added"')[1].split("</ul>")[0]
    removed = html.split('id="csj-removed"')[1].split("</ul>")[0]
    modes = html.split('id="csj-modes-changed"')[1].split("</ul>")[0]
    assert "CSJ-0004" in added and "CSJ-0003" in removed
    assert "CSJ-0001" in modes and "全程网办、异地代收代办 → 全程网办" in modes
    assert "与 2026Q3 相比" in html

    older = client.get(PAGE, {"quarter": "2026Q3"}).content.decode()
    assert _codes(older) == ["CSJ-0001", "CSJ-0002", "CSJ-0003"]
    assert "历史目录" in older and "第一版目录" in older
    assert client.get(PAGE, {"quarter": "2025Q1"}).status_code == 404


def test_the_page_in_elder_mode_and_in_english(client, region):
    catalogue_publish(quarter="2026Q4", data={"entries": q4_entries()})
    client.cookies["tongban_elderly"] = "1"
    html = client.get(PAGE).content.decode()
    assert 'class="elderly"' in html and "住房公积金异地转移接续" in html
    client.cookies.pop("tongban_elderly")
    english = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Transfer of the housing provident fund" in english  # name_en, when the file gives one
    assert "营业执照变更登记" in english  # no English name: the Chinese one


def test_the_home_page_links_to_the_catalogue_once_one_is_held(
    client, region, django_capture_on_commit_callbacks
):
    assert "/csj/items/" not in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the accepted version drops the portal's cache
        catalogue_publish(quarter="2026Q4", data={"entries": q4_entries()})
    assert 'href="/csj/items/"' in client.get("/").content.decode()


def test_a_member_pulls_the_coordinators_newest_version_when_it_has_an_older_one(
    region, settings, monkeypatch
):
    """The sweep's catch-up: here this deployment plays a member (320000) and the coordinator's answer is
    given; a newer quarter is accepted, the one held or an older one changes nothing."""
    from tongban.federation import transport

    q4 = sign("2026Q4", q4_entries())
    catalogue.catalogue_accept(sign("2026Q3", q3_entries()))
    asked = []

    def coordinator_answers(url, **_kw):
        asked.append(url)
        return transport.Answer(200, {"quarter": "2026Q4", "catalogue": q4, "quarters": ["2026Q4"]})

    monkeypatch.setattr(transport, "get_json", coordinator_answers)
    assert catalogue.catalogue_pull() == "2026Q3"  # the coordinator itself fetches from nobody
    settings.TONGBAN_REGION_CODE = JS
    assert catalogue.catalogue_pull() == "2026Q4"
    assert asked == [f"{settings.TONGBAN_PUBLIC_BASE_URL}/api/federation/catalogue"]
    assert catalogue.catalogue_pull() == "2026Q4" and CatalogueVersion.objects.count() == 2
