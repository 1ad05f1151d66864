import re

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_home_page_is_chinese_with_a_strict_csp_and_no_inline_scripts(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    assert "一网通办" in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    # Every <script> has a src on this platform; none has inline code; nothing from another host.
    for tag, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
        assert 'src="/static/' in tag and body.strip() == ""
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(("path", "status", "text"), [("/no-such-page/", 404, "页面不存在")])
def test_error_pages_are_chinese(client, path, status, text):
    response = client.get(path)
    assert response.status_code == status
    assert text in response.content.decode()


@override_settings(DEBUG=False)
def test_403_and_500_pages_are_chinese(rf):
    from tongban.portal.views import error_403, error_500

    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert "无权访问" in error_403(request).content.decode()
    assert "服务器出了点问题" in error_500(request).content.decode()


def test_english_is_available_through_the_language_switch(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "One-stop government services" in html or "Log in" in html


def test_elderly_mode_is_remembered_for_anonymous_visitors_by_cookie(client):
    client.post("/accounts/preferences/elderly/", {"elderly_mode": "1", "next": "/"})
    assert 'class="elderly"' in client.get("/").content.decode()
    client.post("/accounts/preferences/elderly/", {"elderly_mode": "0", "next": "/"})
    assert 'class="elderly"' not in client.get("/").content.decode()


def test_open_redirects_are_refused(client):
    response = client.post(
        "/accounts/preferences/elderly/", {"elderly_mode": "1", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_the_home_search_lists_published_items_and_records_misses(client):
    from tests.catalog.test_versions import good_fields
    from tongban.accounts.constants import OrgKind
    from tongban.accounts.services import organisation_create
    from tongban.catalog.models import SearchMiss
    from tongban.catalog.services import item_create, version_publish

    region = organisation_create(actor=None, kind=OrgKind.REGION, name="上海市", division_code="310000")
    dept = organisation_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="上海市市场监督管理局", parent=region
    )
    version_publish(
        actor=None,
        version=item_create(actor=None, implementation_code="C1", basic_code="B1", fields=good_fields(dept)),
    )
    page = client.get("/", {"q": "yyzz"}).content.decode()
    assert "营业执照核发" in page and "承诺 1 个工作日（法定 15）" in page and "零跑动" in page
    none = client.get("/", {"q": "火星移民"}).content.decode()
    assert "没有找到相关事项" in none
    assert SearchMiss.objects.filter(query="火星移民").exists()
