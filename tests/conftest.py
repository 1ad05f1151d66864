"""Shared fixtures: factories for people, organisations, staff and API clients; API and page clients."""

from __future__ import annotations

import itertools
import os
import re

import pytest
from django.core.cache import cache
from django.test import Client, TestCase
from stdnum.cn import ric, uscc

from tongban.accounts.constants import AssuranceLevel, EnterpriseKind, OrgKind, Role
from tongban.accounts.facade import actor_for
from tongban.accounts.models import Enterprise, Person, PopulationRegisterEntry, User
from tongban.accounts.services import api_client_create, organisation_create, staff_membership_add
from tongban.core.models import OutboxMessage
from tongban.core.workdays import invalidate_calendar_cache
from tongban.seals import services as seal_services
from tongban.seals.constants import SealKind

PASSWORD = "Correct-Horse-42"
_seq = itertools.count(1)


def make_id_number(division: str = "310101", birth: str = "19900307") -> str:
    first17 = f"{division}{birth}{next(_seq) % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def make_phone() -> str:
    return f"139{next(_seq):08d}"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Every test starts with empty caches: Django's, and the process's working-day calendar (a test that
    changed calendar rows leaves it loaded with rows its transaction rolled back, and the next test would
    count with them: its result, or the queries it makes, would depend on which test ran before it)."""
    cache.clear()
    invalidate_calendar_cache()
    yield
    cache.clear()


@pytest.fixture
def assert_flat_queries(django_assert_num_queries):
    """``check(count, fetch, grow)``: ``fetch()`` (a request for a list) makes exactly ``count`` queries, and
    exactly ``count`` again after ``grow()`` has added as many rows again to what it lists: the count does
    not grow with the rows. Returns the two answers, for the test to check that they list those rows."""

    def check(count: int, fetch, grow):
        with django_assert_num_queries(count):
            before = fetch()
        grow()
        with django_assert_num_queries(count):
            after = fetch()
        return before, after

    return check


@pytest.fixture
def assert_flat_admin_list(admin_client, assert_flat_queries):
    """``check(model, count, grow)``: the admin change list of ``model`` shows every row and makes exactly
    ``count`` queries, before and after ``grow()`` adds rows."""

    from django.contrib import admin

    def check(model, count: int, grow):
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        page = admin.site._registry[model].list_per_page
        before = model.objects.count()
        answers = assert_flat_queries(count, lambda: admin_client.get(url).content.decode(), grow)
        after = model.objects.count()
        assert after > before
        shown = [min(before, page), min(after, page)]
        assert [answer.count('<th class="field-') for answer in answers] == shown

    return check


@pytest.fixture
def make_person(db):
    def make(real_name="张三", level=AssuranceLevel.L2, in_register=True, phone=None, id_number=None):
        id_number = id_number or make_id_number()
        phone = phone or make_phone()
        if in_register:
            PopulationRegisterEntry.objects.get_or_create(
                id_number=id_number, defaults={"real_name": real_name}
            )
        user = User.objects.create_user(
            username=phone, password=PASSWORD, phone=phone, display_name=real_name
        )
        return Person.objects.create(
            user=user, real_name=real_name, id_number=id_number, phone=phone, assurance_level=level
        )

    return make


@pytest.fixture
def org_tree(db):
    """A region with two districts, each with a housing bureau; a service centre with a window."""
    region = organisation_create(actor=None, kind=OrgKind.REGION, name="上海市", division_code="310000")
    huangpu = organisation_create(
        actor=None, kind=OrgKind.DISTRICT, name="黄浦区", parent=region, division_code="310101"
    )
    xuhui = organisation_create(
        actor=None, kind=OrgKind.DISTRICT, name="徐汇区", parent=region, division_code="310104"
    )
    hp_housing = organisation_create(actor=None, kind=OrgKind.DEPARTMENT, name="黄浦区房管局", parent=huangpu)
    xh_housing = organisation_create(actor=None, kind=OrgKind.DEPARTMENT, name="徐汇区房管局", parent=xuhui)
    centre = organisation_create(
        actor=None, kind=OrgKind.SERVICE_CENTRE, name="黄浦区行政服务中心", parent=huangpu
    )
    window = organisation_create(actor=None, kind=OrgKind.WINDOW, name="1号窗口", parent=centre)
    return {
        "region": region,
        "huangpu": huangpu,
        "xuhui": xuhui,
        "hp_housing": hp_housing,
        "xh_housing": xh_housing,
        "centre": centre,
        "window": window,
    }


@pytest.fixture
def make_staff(db):
    def make(org, role: str = Role.REVIEWER, username=None):
        user = User.objects.create_user(
            username=username or f"staff{next(_seq)}", password=PASSWORD, display_name="工作人员"
        )
        staff_membership_add(actor=None, user=user, organisation=org, role=role)
        return user

    return make


@pytest.fixture
def make_api_client(db):
    def make(org, scopes):
        client, key = api_client_create(actor=None, name="部门系统", organisation=org, scopes=scopes)
        return client, key

    return make


def login_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    # Obtain a CSRF token the way a browser would.
    client.get("/accounts/login/")
    return client


def password_login(client: Client, username: str, password: str = PASSWORD, ip: str = "10.1.1.1"):
    """Log in through the API with a password, from ``ip``."""
    return client.post(
        "/api/auth/login",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def csrf_headers(client: Client) -> dict:
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def send_sms_code(client: Client, phone: str, purpose: str = "register") -> str:
    """Ask for a code through the API (running the after-commit send) and read it from the outbox."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/api/auth/sms", {"phone": phone, "purpose": purpose}, content_type="application/json"
        )
    assert response.status_code == 202, response.content
    return last_sms_code(phone)


def last_sms_code(phone: str) -> str:
    """The code in the latest SMS the outbox provider 'sent' to ``phone`` (bodies are stored encrypted;
    ``body`` decrypts). The send is enqueued after commit: run the request inside
    ``captureOnCommitCallbacks(execute=True)`` (as ``send_sms_code`` does)."""
    message = OutboxMessage.objects.filter(recipient=phone).order_by("-id").first()
    assert message is not None, f"no SMS was sent to {phone} (were the after-commit callbacks run?)"
    return re.search(r"\d{6}", message.body).group(0)


_DB_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}
)


def pytest_collection_modifyitems(config, items):
    """Mark ``nodb`` every test that cannot reach the pass's database: no database fixture in its closure,
    no ``django_db`` mark (pytest-django refuses such a test any query) and no ``postgres`` mark. Its
    answer is the same on SQLite and on PostgreSQL, so ``make test`` runs it in the SQLite pass only
    (``-m "not nodb"`` in the PostgreSQL pass; ADR 0009). Tests that start the platform's own processes on
    their own SQLite file (the server, the worker, ``check --deploy``) are among them."""
    for item in items:
        if item.get_closest_marker("django_db") or item.get_closest_marker("postgres"):
            continue
        if _DB_FIXTURES.isdisjoint(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.nodb)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (``CI=true``) a skipped test fails: every skip here is for a missing tool (pdfsig, certutil,
    openssl, softhsm2, poppler) or a missing PostgreSQL, which CI installs and starts (scripts/test-deps.sh),
    so a skip there means a check silently did not run."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") == "true" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI ({reason}): CI must install and start what the test needs"


# --- seals (tests/seals, tests/e2e/test_seals.py) ---------------------------------------------------------
_enterprise_seq = itertools.count(1)


@pytest.fixture
def make_enterprise(db):
    def make(legal_representative, name: str | None = None) -> Enterprise:
        n = next(_enterprise_seq)
        code = f"91310000MA1FM{n:04d}"
        return Enterprise.objects.create(
            name=name or f"上海印章示范{n}有限公司",
            uscc=code + uscc.calc_check_digit(code),
            kind=EnterpriseKind.LLC,
            legal_representative=legal_representative,
        )

    return make


@pytest.fixture
def seal_world(make_person, make_enterprise, make_staff, org_tree):
    """The legal representative of an enterprise, an employee, a stranger and a seal authority."""
    rep = make_person("王法人")
    company = make_enterprise(rep)
    employee = make_person("李员工")
    stranger = make_person("赵路人")
    authority = make_staff(org_tree["region"], Role.SEAL_AUTHORITY)
    return {
        "rep": rep,
        "company": company,
        "employee": employee,
        "stranger": stranger,
        "authority": authority,
    }


@pytest.fixture
def active_seal(seal_world):
    """The enterprise's 法定名称章, applied for by its legal representative and approved."""
    rep, company = seal_world["rep"], seal_world["company"]
    application = seal_services.seal_apply(
        actor=actor_for(rep.user), uscc=company.uscc, kinds=[SealKind.LEGAL_NAME, SealKind.CONTRACT]
    )
    seal_services.seal_application_review(
        actor=actor_for(seal_world["authority"]), application_uuid=application.uuid, approve=True
    )
    return application.seal_set.get(kind=SealKind.LEGAL_NAME)
