"""The header menu by role: citizens get their own pages (my cases, the card bag), staff the workbench and
the pages their roles open (inbox, intake, verify, supervision), and each entry is offered exactly to those
the page itself lets in."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login_client
from tongban.accounts.constants import Role
from tongban.accounts.facade import actor_for, menu_abilities
from tongban.cases.access import actor_is_window_clerk
from tongban.core.errors import DomainError
from tongban.licences.verifiers import identity_of

pytestmark = pytest.mark.django_db

CITIZEN_ONLY = {"我的办件", "卡包"}
ENTRIES = {
    "工作台": "/accounts/workbench/",
    "审批待办": "/staff/inbox/",
    "窗口受理": "/counter/",
    "亮证核验": "/verify/",
    "电子监察": "/supervision/",
    "监督考核": "/supervision/figures/",
    "我的办件": "/cases/",
    "卡包": "/licences/",
}


def menu_of(client) -> dict[str, str]:
    html = client.get("/").content.decode()
    nav = re.search(r'<nav class="site-nav"[^>]*>(.*?)</nav>', html, re.S).group(1)
    return {text.strip(): href for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav)}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.REVIEWER, {"工作台", "审批待办", "亮证核验"}),
        (Role.WINDOW_CLERK, {"工作台", "审批待办", "窗口受理", "亮证核验"}),
        (Role.ISSUER, {"工作台", "亮证核验"}),
        (Role.SUPERVISOR, {"工作台", "电子监察", "监督考核"}),
        (Role.CATALOG_ADMIN, {"工作台"}),
    ],
)
def test_staff_get_the_workbench_menu_of_their_roles_not_the_citizens_pages(
    org_tree, make_staff, role, expected
):
    org = org_tree["window"] if role == Role.WINDOW_CLERK else org_tree["hp_housing"]
    menu = menu_of(login_client(make_staff(org, role=role)))
    staff_entries = {name for name in menu if name in ENTRIES}
    assert staff_entries == expected, menu
    assert not CITIZEN_ONLY & set(menu)
    for name in expected:
        assert menu[name] == ENTRIES[name]


def test_a_citizen_gets_my_cases_and_the_card_bag_and_no_staff_page(make_person):
    menu = menu_of(login_client(make_person().user))
    assert set(menu) >= CITIZEN_ONLY
    assert not {"工作台", "审批待办", "窗口受理", "亮证核验", "电子监察", "监督考核"} & set(menu)
    assert {"首页", "我的", "消息"} <= set(menu)


def test_an_anonymous_visitor_gets_the_home_link_only(client):
    assert set(menu_of(client)) == {"首页"}


@pytest.mark.parametrize("role", list(Role))
def test_each_menu_entry_is_offered_to_exactly_those_the_page_lets_in(org_tree, make_staff, role):
    org = org_tree["window"] if role == Role.WINDOW_CLERK else org_tree["hp_housing"]
    user = make_staff(org, role=role)
    menu = menu_abilities(actor_for(user))
    client = login_client(user)
    assert menu["inbox"] == (client.get("/staff/inbox/").status_code == 200)
    assert menu["supervision"] == (client.get("/supervision/").status_code == 200)
    assert menu["supervision_figures"] == (client.get("/supervision/figures/").status_code == 200)
    try:
        identity_of(actor_for(user))
        verifies = True
    except DomainError:
        verifies = False
    assert menu["verify"] == verifies
    assert menu["intake"] == actor_is_window_clerk(actor_for(user))  # the inbox's 待受理 section
