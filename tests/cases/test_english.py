"""The English interface: every page a person meets, walked in English, shows no Chinese interface text;
plurals agree with their numbers; notifications come in the recipient's language.

What may stay Chinese in English mode is *data*: what the platform stores as written by people and
departments — names of people, organisations, items, bundles, steps and materials, form-field titles and
answers, addresses, FAQs, licence fields — which have no English version. The rule the test applies: a
Chinese string on the page is allowed only when it is (part of) a value stored in the database, except
the stores whose text the platform writes itself (messages, SMS, outbox, audit trail) and the themes (the
catalog's fixed vocabulary, which the interface translates). Also allowed: the "中文" switch (lang="zh-CN")
and the logo mark 通 (aria-hidden)."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.utils import translation

from tests.conftest import login_client
from tongban.accounts.constants import Role

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
HAN = re.compile(r"[\u4e00-\u9fff]")
WRITTEN_BY_THE_PLATFORM = {"message", "outboxmessage", "smsmessage", "auditevent", "session", "dbtaskresult"}
THEME_FIELDS = {"person_themes", "enterprise_themes", "theme", "facets", "search_text"}


def _strings(value, out: set[str]) -> None:
    if isinstance(value, str):
        if HAN.search(value):
            out.add(value)
            out.update(p for p in re.split(r"[\s,;:()，；：（）、/\n]+", value) if HAN.search(p))
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list | tuple):
        for v in value:
            _strings(v, out)


def stored_data() -> list[str]:
    """Every Chinese string the database holds as data, longest first."""
    found: set[str] = set()
    for model in apps.get_models():
        if model._meta.model_name in WRITTEN_BY_THE_PLATFORM or model._meta.proxy:
            continue
        for row in model.objects.values():
            for key, value in row.items():
                if key not in THEME_FIELDS:
                    _strings(value, found)
    return sorted(found, key=len, reverse=True)


def interface_chinese(html: str, data: list[str]) -> list[str]:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<[^>]* lang="zh-CN"[^>]*>[^<]*<', "<", html)
    html = re.sub(r'<span class="brand-mark" aria-hidden="true">通</span>', "", html)
    attributes = re.findall(r'(?:title|aria-label|placeholder|alt|data-label|data-confirm)="([^"]*)"', html)
    text = " ".join([re.sub(r"<[^>]+>", "\n", html), *attributes])
    text = text.replace("&amp;", "&").replace("&quot;", '"').replace("&#x27;", "'")
    for value in data:
        text = text.replace(value, " ")
    return sorted({m for m in CJK.findall(text) if HAN.search(m)})


@pytest.fixture
def english_applicant(world):
    """The applicant chose English and applies in English (the cases the fixtures after this one make):
    what they are told comes in English."""
    user = world["applicant"].user
    user.language = "en"
    user.save(update_fields=["language"])
    with translation.override("en"):
        yield


def english(client):
    client.cookies["tongban_language"] = "en"
    return client


def test_the_main_pages_in_english_show_no_chinese_interface_text(
    client, world, english_applicant, board, make_staff
):
    bundle, item = world["bundle"], world["items"]["licence"]
    case = board["red"]
    supervisor = make_staff(world["depts"]["market"].parent, Role.SUPERVISOR)
    walks = {
        None: [
            "/",
            "/?q=开业登记",  # a query is what the person typed: an item name here
            "/browse/",
            "/browse/?theme=开办企业",
            "/bundles/",
            f"/bundles/{bundle.uuid}/",
            f"/items/{item.item.uuid}/",
            "/accounts/login/",
            "/accounts/register/",
            "/verify/",
        ],
        world["applicant"].user: [
            "/accounts/me/",
            "/cases/",
            f"/cases/{case.uuid}/",
            "/licences/",
            "/messages/",
        ],
        world["reviewers"]["market"]: ["/accounts/workbench/", "/staff/inbox/", f"/staff/cases/{case.uuid}/"],
        world["clerk"]: ["/staff/inbox/"],
        supervisor: ["/supervision/", "/accounts/ops/audit/"],
    }
    data = stored_data()
    found = {}
    for user, paths in walks.items():
        browser = english(login_client(user) if user else client)
        for path in paths:
            response = browser.get(path)
            assert response.status_code == 200, path
            assert '<html lang="en">' in response.content.decode(), path
            chinese = interface_chinese(response.content.decode(), data)
            if chinese:
                found[path] = chinese
    assert found == {}


def test_the_themes_on_the_home_page_have_english_names(client, world):
    page = english(client).get("/").content.decode()
    assert ">Starting a business</a>" in page  # the bundle's items are filed under 开办企业 in the data
    assert '<span class="tile-icon" aria-hidden="true">S</span>' in page


def test_plurals_agree_with_their_numbers_in_english(client, world):
    """The bundle's steps take 1 working day each and 2 along its plan; its items 1 each against legal
    limits of 15 and 5."""
    page = english(client).get(f"/bundles/{world['bundle'].uuid}/").content.decode()
    assert "1 working day<" in page and "1 working days" not in page
    assert "2 working days" in page
    assert "1 department<" in page and "3 departments" in page
    guide = english(client).get(f"/items/{world['items']['licence'].item.uuid}/").content.decode()
    assert "1 working day<" in guide and "15 working days" in guide


def test_notifications_come_in_the_language_of_the_recipient(world, submit, make_person):
    """Applying, the applicant is told in the language they are using; what staff do later (here a clerk
    working in Chinese, then one in English) is told in the language the applicant chose."""
    from tongban.accounts.facade import actor_for
    from tongban.cases.services import case_accept
    from tongban.core.crypto import decrypt_text
    from tongban.core.models import SmsMessage
    from tongban.notifications.models import Message

    def last(user):
        return Message.objects.filter(user_id=user.pk).latest("id")

    english_user = world["applicant"].user
    english_user.language = "en"
    english_user.save(update_fields=["language"])
    with translation.override("en"):
        case, _ = submit()
    assert last(english_user).title == "Application submitted"
    with translation.override("zh-hans"):
        case_accept(actor=actor_for(world["clerk"]), case=case)
    message = last(english_user)
    assert message.title == "Application accepted"
    assert case.number in message.body
    assert not HAN.search(message.body.replace(case.name, "")), message.body
    sms = SmsMessage.objects.filter(user_id=english_user.pk).latest("id")
    assert decrypt_text(sms.body_encrypted).startswith("【Application accepted】")

    chinese_user = make_person("孙八").user
    with translation.override("zh-hans"):
        case, _ = submit(actor=chinese_user)
    with translation.override("en"):
        case_accept(actor=actor_for(world["clerk"]), case=case)
    assert last(chinese_user).title == "申请已受理"


def test_the_language_switch_is_kept_on_the_account(world):
    user = world["applicant"].user
    client = login_client(user)
    client.post(
        "/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value
    )
    user.refresh_from_db()
    assert user.language == "en"
