"""The admin site speaks Chinese and shows names: every model and field the admin shows has a Chinese label
(third-party models too), and no list shows a bare UUID where a reader wants a name.

Rule for what may stay in Latin letters: abbreviations that are the name in Chinese usage too (ID, IP, API,
JWK, SHA-256, URL, L1–L3); anything else in Latin letters in a heading, a column or a filter is an
untranslated label."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.db import models
from django.urls import reverse
from django.utils import translation

from tests.conftest import login_client
from tongban.accounts.models import User

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_]+")
ALLOWED_LATIN = {"ID", "IP", "API", "JWK", "SHA", "URL", "SMS", "L1", "L2", "L3"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
OURS = ("core", "accounts", "catalog", "notifications", "licences", "cases")


def english_words(text: str) -> set[str]:
    return {w for w in LATIN_WORD.findall(text) if w not in ALLOWED_LATIN}


def test_every_model_and_field_of_the_platform_has_a_chinese_label():
    from django.apps import apps

    with translation.override("zh-hans"):
        for label in OURS:
            for model in apps.get_app_config(label).get_models():
                assert CJK.search(str(model._meta.verbose_name_plural)), model
                for field in model._meta.get_fields():
                    if field.auto_created or not hasattr(field, "verbose_name"):
                        continue
                    assert CJK.search(str(field.verbose_name)), f"{model.__name__}.{field.name}"


def test_every_admin_column_and_filter_has_a_chinese_label_and_none_is_a_uuid():
    with translation.override("zh-hans"):
        for model, model_admin in admin.site._registry.items():
            assert CJK.search(str(model._meta.app_config.verbose_name)), model._meta.app_label
            assert CJK.search(str(model._meta.verbose_name_plural)), model
            for name in model_admin.list_display:
                if name == "__str__":
                    continue
                label = str(label_for_field(name, model, model_admin))
                assert CJK.search(label), f"{model.__name__} column {name}: {label}"
                if isinstance(name, str) and name in {f.name for f in model._meta.get_fields()}:
                    field = model._meta.get_field(name)
                    assert not isinstance(field, models.UUIDField), f"{model.__name__} lists the UUID {name}"


def admin_text(html: str, part: str) -> str:
    """The text of the changelist's column headings, filters and cells, or of the index's app list."""
    if part == "index":
        found = re.search(r'<div id="content-main">(.*?)<div id="content-related"', html, re.S)
    else:
        found = re.search(r'<div id="changelist"(.*)<div id="footer"', html, re.S)
    body = found.group(1) if found else ""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|select|option)[^>]*>.*?</\1>", " ", body, flags=re.S))


def test_the_admin_index_and_every_list_in_chinese_with_names_not_uuids(world, board):
    """Walk the admin as a superuser in Chinese, over cases with steps, events and supervision lights."""
    superuser = User.objects.create_superuser("root", password="Tongban@2026")
    client = login_client(superuser)
    index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert index.status_code == 200
    assert english_words(admin_text(index.content.decode(), "index")) == set()
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
        html = response.content.decode()
        headings = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html, re.S)
        filters = re.findall(r"<summary>(.*?)</summary>", html, re.S)
        for text in headings + filters:
            plain = re.sub(r"<[^>]+>", "", text).strip()
            assert not english_words(plain), f"{url}: {plain}"
        cells = re.findall(r'<t[dh] class="field-[^"]*"[^>]*>(.*?)</t[dh]>', html, re.S)
        for cell in cells:
            plain = re.sub(r"<[^>]+>", "", cell).strip()
            assert not UUID.match(plain), f"{url} shows a bare UUID: {plain}"
