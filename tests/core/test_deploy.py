"""Settings are secure outside demo mode, a secret key is generated when none is set, our deployment
checks speak up, and demo data can be loaded twice."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from tongban.accounts.models import Organisation, Person, StaffMembership, User
from tongban.core.models import WorkCalendarDay

PROBE = (
    "import json, django, os; os.environ['DJANGO_SETTINGS_MODULE']='tongban.settings'; django.setup();"
    "from django.conf import settings as s;"
    "print(json.dumps({'debug': s.DEBUG, 'secure': s.SESSION_COOKIE_SECURE, 'csrf': s.CSRF_COOKIE_SECURE,"
    "'hsts': s.SECURE_HSTS_SECONDS, 'csp': s.CONTENT_SECURITY_POLICY, 'db': s.DATABASES['default']['ENGINE'],"
    "'key': s.SECRET_KEY}))"
)


def probe_settings(tmp_path, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TONGBAN_", "DJANGO_", "SECRET_KEY", "DATABASE_URL", "DEBUG"))
    }
    clean.update({"TONGBAN_VAR_DIR": str(tmp_path), **env})
    out = subprocess.run([sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_outside_demo_mode_the_defaults_are_secure_and_a_key_is_generated_once(tmp_path):
    first = probe_settings(tmp_path)
    assert first["debug"] is False and first["secure"] is True and first["csrf"] is True
    assert first["hsts"] >= 31536000
    assert "unsafe-inline" not in first["csp"]
    assert first["db"] == "django.db.backends.sqlite3"
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == first["key"] and oct(key_file.stat().st_mode)[-3:] == "600"
    assert probe_settings(tmp_path)["key"] == first["key"]
    assert probe_settings(tmp_path, SECRET_KEY="from-the-environment")["key"] == "from-the-environment"


def test_demo_mode_relaxes_cookies_for_plain_http_on_loopback(tmp_path):
    demo = probe_settings(tmp_path, TONGBAN_DEMO="1")
    assert demo["secure"] is False and demo["debug"] is False and demo["hsts"] == 0


def test_a_bad_boolean_in_the_environment_fails_loudly(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as exc:
        probe_settings(tmp_path, TONGBAN_DEMO="maybe")
    assert "TONGBAN_DEMO must be a boolean" in exc.value.stderr


@pytest.mark.django_db
def test_check_deploy_warns_about_a_missing_calendar_year():
    WorkCalendarDay.objects.filter(date__year__gte=2027).delete()
    from tongban.core.workdays import invalidate_calendar_cache

    invalidate_calendar_cache()
    out = StringIO()
    call_command("check", deploy=True, stdout=out, stderr=out)
    assert "tongban.W001" in out.getvalue() and "2027" in out.getvalue()


@pytest.mark.django_db
def test_the_admin_dashboard_shows_the_calendar_warning(admin_client):
    WorkCalendarDay.objects.filter(date__year__gte=2027).delete()
    from tongban.core.workdays import invalidate_calendar_cache

    invalidate_calendar_cache()
    page = admin_client.get("/admin/").content.decode()
    assert 'id="calendar-warning-2027"' in page and "国务院节假日安排通知" in page


@pytest.mark.django_db
def test_demo_data_loads_twice_without_duplicates():
    out = StringIO()
    call_command("demo", stdout=out)
    counts = (
        User.objects.count(),
        Person.objects.count(),
        Organisation.objects.count(),
        StaffMembership.objects.count(),
    )
    call_command("demo", stdout=StringIO())
    assert counts == (
        User.objects.count(),
        Person.objects.count(),
        Organisation.objects.count(),
        StaffMembership.objects.count(),
    )
    printed = out.getvalue()
    for username in (
        "admin",
        "clerk",
        "reviewer",
        "issuer",
        "seal",
        "supervisor",
        "catalog",
        "handler",
        "hotline",
        "13800000001",
    ):
        assert username in printed
    roles = set(StaffMembership.objects.values_list("role", flat=True))
    assert roles == {
        "platform_admin",
        "window_clerk",
        "reviewer",
        "issuer",
        "seal_authority",
        "rating_handler",
        "hotline_operator",
        "supervisor",
        "catalog_admin",
    }


@pytest.mark.django_db
def test_check_deploy_warns_about_default_sms_and_register_outside_demo(settings):
    settings.DEMO = False
    out = StringIO()
    call_command("check", deploy=True, stdout=out, stderr=out)
    assert "tongban.W005" in out.getvalue() and "tongban.W006" in out.getvalue()


@pytest.mark.django_db
def test_admin_creates_organisations_and_api_keys_through_the_services(admin_client):
    from tongban.accounts.models import ApiClient
    from tongban.core.models import AuditEvent

    response = admin_client.post(
        "/admin/accounts/organisation/add/", {"kind": "region", "name": "浙江省", "division_code": "330000"}
    )
    assert response.status_code == 302
    region = Organisation.objects.get(name="浙江省")
    assert region.path == region.uuid.hex + "/"
    assert AuditEvent.objects.filter(action="organisation.create", object_id=str(region.uuid)).exists()
    bad = admin_client.post(
        "/admin/accounts/organisation/add/", {"kind": "window", "name": "孤立窗口", "division_code": ""}
    )
    assert bad.status_code == 200 and not Organisation.objects.filter(name="孤立窗口").exists()
    added = admin_client.post(
        "/admin/accounts/apiclient/add/",
        {"name": "浙江省系统", "organisation": region.pk, "scopes": '["orgs:read"]', "is_active": "on"},
        follow=True,
    )
    key = next(str(m) for m in added.context["messages"] if "tb_" in str(m)).split(": ")[-1]
    unknown = admin_client.post(
        "/admin/accounts/apiclient/add/",
        {"name": "越权系统", "organisation": region.pk, "scopes": '["everything"]', "is_active": "on"},
    )
    assert unknown.status_code == 200 and "未知的权限范围" in unknown.content.decode()
    assert not ApiClient.objects.filter(name="越权系统").exists()
    client = ApiClient.objects.get(name="浙江省系统")
    from tongban.accounts.services import api_client_authenticate

    assert api_client_authenticate(key) == client


def test_collectstatic_with_the_production_storage_finds_every_referenced_file(tmp_path, settings):
    """The production storage (manifest) fails at render time on a file collectstatic missed."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in (
        "tongban/css/app.css",
        "tongban/js/app.js",
        "tongban/vendor/htmx.min.js",
        "tongban/vendor/echarts/echarts.min.js",
        "tongban/js/charts.js",
        "tongban/css/supervision.css",
        "tongban/favicon.svg",
    ):
        assert name in manifest
    assert "ninja/swagger-ui-bundle.js" in manifest


@pytest.mark.django_db
def test_every_printed_demo_account_can_log_in(client):
    from tongban.accounts.demo import DEMO_PASSWORD, demo_load

    for account in demo_load():
        response = client.post(
            "/api/auth/login",
            {"username": account.username, "password": DEMO_PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 200, account.username
        client.post("/api/auth/logout", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
