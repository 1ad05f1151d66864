"""The API client admin: an unknown scope, or scopes that are not a list of names, is a form error in Chinese
(not a 500), and nothing is saved; the licence scopes are accepted like the others."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tongban.accounts.models import ApiClient, User
from tongban.accounts.services import api_client_create

pytestmark = pytest.mark.django_db
ADD = "/admin/accounts/apiclient/add/"


@pytest.fixture
def admin_client(org_tree):
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.create_superuser(username="root", password="x"))
    return client


def errors(answer) -> list[str]:
    return re.findall(r'<ul class="errorlist[^"]*"[^>]*><li>(.*?)</li>', answer.content.decode(), re.S)


@pytest.mark.parametrize(
    ("scopes", "message"),
    [
        ('["licences:issue", "licences:revoke"]', "未知的权限范围：licences:revoke"),
        ('"orgs:read"', "权限范围应为字符串列表"),
        ("[1]", "权限范围应为字符串列表"),
    ],
)
def test_an_unknown_scope_is_a_form_error_on_add_and_on_change(admin_client, org_tree, scopes, message):
    org = next(iter(org_tree.values()))
    form = {"name": "部门系统", "organisation": org.pk, "scopes": scopes, "is_active": "on"}
    answer = admin_client.post(ADD, form)
    assert answer.status_code == 200 and any(message in e for e in errors(answer)), errors(answer)
    assert not ApiClient.objects.exists()
    existing, _key = api_client_create(actor=None, name="部门系统", organisation=org, scopes=["orgs:read"])
    answer = admin_client.post(f"/admin/accounts/apiclient/{existing.pk}/change/", form)
    assert answer.status_code == 200 and any(message in e for e in errors(answer))
    assert ApiClient.objects.get().scopes == ["orgs:read"]
    # The same form with known scopes, the licence ones included, is saved.
    good = {**form, "scopes": '["licences:issue", "licences:share"]'}
    assert admin_client.post(f"/admin/accounts/apiclient/{existing.pk}/change/", good).status_code == 302
    assert ApiClient.objects.get().scopes == ["licences:issue", "licences:share"]
