"""Organisation-scoped access: staff of one district never read another district's data; API clients
carry scopes; person look-ups are masked and audited."""

import pytest
from django.test import Client

from tests.conftest import csrf_headers, login_client
from tongban.accounts.constants import AssuranceLevel, OrgKind, Role
from tongban.accounts.services import organisation_create
from tongban.core.errors import InvalidInput
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_reviewer_sees_their_bureau_but_not_another_districts(org_tree, make_staff):
    reviewer = make_staff(org_tree["hp_housing"], Role.REVIEWER)
    client = login_client(reviewer)
    own = client.get(f"/api/orgs/{org_tree['hp_housing'].uuid}")
    assert own.status_code == 200 and own.json()["name"] == "黄浦区房管局"
    other = client.get(f"/api/orgs/{org_tree['xh_housing'].uuid}")
    assert other.status_code == 404
    assert other.json()["code"] == "organisation_not_found"
    listed = {o["name"] for o in client.get("/api/orgs").json()}
    assert listed == {"黄浦区房管局"}


def test_a_district_supervisor_reads_staff_of_their_district_only(org_tree, make_staff):
    make_staff(org_tree["hp_housing"], Role.REVIEWER, username="hp_reviewer")
    make_staff(org_tree["xh_housing"], Role.REVIEWER, username="xh_reviewer")
    supervisor = login_client(make_staff(org_tree["huangpu"], Role.SUPERVISOR))
    staff = supervisor.get(f"/api/orgs/{org_tree['hp_housing'].uuid}/staff")
    assert staff.status_code == 200
    assert [s["username"] for s in staff.json()] == ["hp_reviewer"]
    assert supervisor.get(f"/api/orgs/{org_tree['xh_housing'].uuid}/staff").status_code == 404
    # A reviewer (not a supervisor) cannot list staff even in their own bureau.
    reviewer = login_client(make_staff(org_tree["hp_housing"], Role.REVIEWER))
    assert reviewer.get(f"/api/orgs/{org_tree['hp_housing'].uuid}/staff").status_code == 404


def test_a_platform_admin_reaches_the_whole_tree(org_tree, make_staff):
    admin = login_client(make_staff(org_tree["region"], Role.PLATFORM_ADMIN))
    assert admin.get(f"/api/orgs/{org_tree['xh_housing'].uuid}").status_code == 200
    assert len(admin.get("/api/orgs").json()) == len(org_tree)


def test_a_citizen_sees_no_organisation_data(org_tree, make_person):
    client = login_client(make_person().user)
    assert client.get(f"/api/orgs/{org_tree['region'].uuid}").status_code == 404
    assert client.get("/api/orgs").json() == []


def test_the_tree_refuses_wrong_parents_and_codes(org_tree):
    with pytest.raises(InvalidInput, match="invalid_org_parent"):
        organisation_create(actor=None, kind=OrgKind.WINDOW, name="窗口", parent=org_tree["huangpu"])
    with pytest.raises(InvalidInput, match="invalid_division_code"):
        organisation_create(
            actor=None, kind=OrgKind.DISTRICT, name="某区", parent=org_tree["region"], division_code="31"
        )
    with pytest.raises(InvalidInput, match="invalid_uscc"):
        organisation_create(
            actor=None, kind=OrgKind.DEPARTMENT, name="某局", parent=org_tree["region"], uscc="123"
        )


# --- API clients --------------------------------------------------------------------------------------
def test_api_clients_authenticate_with_a_key_and_are_held_to_their_scopes(org_tree, make_api_client):
    _, key = make_api_client(org_tree["huangpu"], ["orgs:read"])
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    names = {o["name"] for o in client.get("/api/orgs", **auth).json()}
    assert names == {"黄浦区", "黄浦区房管局", "黄浦区行政服务中心", "1号窗口"}
    assert client.get(f"/api/orgs/{org_tree['xh_housing'].uuid}", **auth).status_code == 404
    bad = client.get("/api/orgs", HTTP_AUTHORIZATION=f"Bearer {key[:-2]}xx")
    assert bad.status_code == 401
    lookup = client.post(
        "/api/persons/lookup",
        {"id_number": "110101199003071233", "purpose": "核验"},
        content_type="application/json",
        **auth,
    )
    assert lookup.status_code == 403 and lookup.json()["details"]["scope"] == "persons:lookup"


def test_a_client_with_persons_lookup_gets_masked_data_and_the_read_is_audited(
    org_tree, make_api_client, make_person
):
    person = make_person(real_name="王小明")
    _, key = make_api_client(org_tree["hp_housing"], ["persons:lookup"])
    response = Client().post(
        "/api/persons/lookup",
        {"id_number": person.id_number, "purpose": "办件核验"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["id_number"] == person.id_number[:6] + "********" + person.id_number[-4:]
    assert body["real_name"] == "王*明" and person.phone not in str(body)
    event = AuditEvent.objects.get(action="person.lookup")
    assert event.actor_kind == "client" and event.subject_user_id == person.user_id
    assert event.after["purpose"] == "办件核验"


# --- staff look-ups and in-person verification ----------------------------------------------------------
def test_a_window_clerk_looks_up_and_verifies_a_person_who_then_sees_the_read(
    org_tree, make_staff, make_person
):
    person = make_person(level=AssuranceLevel.L2)
    clerk = login_client(make_staff(org_tree["window"], Role.WINDOW_CLERK))
    found = clerk.post(
        "/api/persons/lookup",
        {"id_number": person.id_number, "purpose": "窗口受理"},
        content_type="application/json",
        **csrf_headers(clerk),
    )
    assert found.status_code == 200
    verified = clerk.post(f"/api/persons/{found.json()['uuid']}/verify-in-person", **csrf_headers(clerk))
    assert verified.status_code == 200 and verified.json()["assurance_level"] == AssuranceLevel.L3
    own = login_client(person.user)
    log = own.get("/api/me/access-log").json()
    assert {e["action"] for e in log["items"]} >= {"person.lookup", "person.verify_in_person"}


def test_citizens_and_other_roles_cannot_look_up_or_verify(org_tree, make_staff, make_person):
    person = make_person()
    for actor in (make_person().user, make_staff(org_tree["huangpu"], Role.SUPERVISOR)):
        client = login_client(actor)
        response = client.post(
            "/api/persons/lookup",
            {"id_number": person.id_number, "purpose": "查询"},
            content_type="application/json",
            **csrf_headers(client),
        )
        assert response.status_code == 404
        assert (
            client.post(f"/api/persons/{person.uuid}/verify-in-person", **csrf_headers(client)).status_code
            == 404
        )
    person.refresh_from_db()
    assert person.assurance_level == AssuranceLevel.L2


# --- the audit trail ------------------------------------------------------------------------------------
def test_auditors_search_the_trail_within_their_scope(org_tree, make_staff, django_assert_max_num_queries):
    from tongban.core.audit import SYSTEM, audit_record

    for i in range(30):
        audit_record(actor=SYSTEM, action="test.hp", object_id=i, org_path=org_tree["hp_housing"].path)
        audit_record(actor=SYSTEM, action="test.xh", object_id=i, org_path=org_tree["xh_housing"].path)
    supervisor = login_client(make_staff(org_tree["huangpu"], Role.SUPERVISOR))
    with django_assert_max_num_queries(8):
        response = supervisor.get("/api/ops/audit/events", {"action": "test.", "limit": 50})
    actions = {e["action"] for e in response.json()["items"]}
    assert actions == {"test.hp"} and response.json()["count"] == 30
    admin = login_client(make_staff(org_tree["region"], Role.PLATFORM_ADMIN))
    assert admin.get("/api/ops/audit/events", {"action": "test."}).json()["count"] == 60
    with django_assert_max_num_queries(12):
        page = supervisor.get("/accounts/ops/audit/", {"action": "test."})
    assert page.status_code == 200 and "test.hp" in page.content.decode()
    assert "test.xh" not in page.content.decode()
    reviewer = login_client(make_staff(org_tree["hp_housing"], Role.REVIEWER))
    assert reviewer.get("/api/ops/audit/events").status_code == 404
    assert reviewer.get("/accounts/ops/audit/").status_code == 404


def test_only_platform_admins_read_the_outbox(org_tree, make_staff, make_person):
    assert login_client(make_person().user).get("/accounts/ops/outbox/").status_code == 404
    admin = login_client(make_staff(org_tree["region"], Role.PLATFORM_ADMIN))
    assert admin.get("/accounts/ops/outbox/").status_code == 200


def test_the_clerk_workbench_looks_up_and_verifies_in_person(org_tree, make_staff, make_person):
    person = make_person()
    clerk = login_client(make_staff(org_tree["window"], Role.WINDOW_CLERK))
    page = clerk.post(
        "/accounts/workbench/person-lookup/",
        {"id_kind": "111", "id_number": person.id_number, "purpose": "窗口受理"},
        HTTP_X_CSRFTOKEN=clerk.cookies["csrftoken"].value,
    )
    html = page.content.decode()
    assert page.status_code == 200 and person.id_number not in html and "现场核验本人" in html
    response = clerk.post(
        f"/accounts/workbench/persons/{person.uuid}/verify/",
        HTTP_X_CSRFTOKEN=clerk.cookies["csrftoken"].value,
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.assurance_level == AssuranceLevel.L3


def test_the_holder_reads_who_used_their_data_in_plain_chinese(org_tree, make_staff, make_person):
    person = make_person()
    clerk = login_client(make_staff(org_tree["window"], Role.WINDOW_CLERK))
    clerk.post(
        "/api/persons/lookup",
        {"id_number": person.id_number, "purpose": "窗口受理"},
        content_type="application/json",
        **csrf_headers(clerk),
    )
    page = login_client(person.user).get("/accounts/me/").content.decode()
    assert "工作人员查询了您的身份信息" in page


def test_the_audit_page_ignores_far_fetched_dates(org_tree, make_staff):
    admin = login_client(make_staff(org_tree["region"], Role.PLATFORM_ADMIN))
    page = admin.get("/accounts/ops/audit/", {"since": "9416-04-28T02:16+23:15", "until": "bad"})
    assert page.status_code == 200


def test_an_access_log_offset_beyond_any_integer_is_refused_not_crashed(make_person):
    client = login_client(make_person().user)
    assert client.get("/api/me/access-log", {"offset": 10**20}).status_code == 422


def test_staff_lists_mask_a_login_name_that_is_a_phone_number(org_tree, make_staff, make_person):
    citizen_staff = make_person(real_name="赵六")
    from tongban.accounts.services import staff_membership_add

    staff_membership_add(
        actor=None, user=citizen_staff.user, organisation=org_tree["hp_housing"], role=Role.REVIEWER
    )
    supervisor = login_client(make_staff(org_tree["huangpu"], Role.SUPERVISOR))
    listed = supervisor.get(f"/api/orgs/{org_tree['hp_housing'].uuid}/staff").json()
    assert citizen_staff.phone not in str(listed)


def test_a_clerk_cannot_verify_themselves(org_tree, make_person):
    from tongban.accounts.services import staff_membership_add

    clerk_person = make_person(real_name="陈敏")
    staff_membership_add(
        actor=None, user=clerk_person.user, organisation=org_tree["window"], role=Role.WINDOW_CLERK
    )
    client = login_client(clerk_person.user)
    response = client.post(f"/api/persons/{clerk_person.uuid}/verify-in-person", **csrf_headers(client))
    assert response.status_code == 403 and response.json()["code"] == "own_record"


# --- what the lists cost ----------------------------------------------------------------------------------
def test_my_access_log_costs_the_same_queries_however_long(make_person, assert_flat_queries):
    from tongban.core.audit import SYSTEM, audit_record

    person = make_person()

    def read_twice():
        for _ in range(2):
            audit_record(
                actor=SYSTEM, action="person.lookup", object_id=person.uuid, subject_user_id=person.user_id
            )

    read_twice()
    client = login_client(person.user)
    logs = assert_flat_queries(4, lambda: client.get("/api/me/access-log").json(), read_twice)
    assert [[e["action"] for e in log["items"]].count("person.lookup") for log in logs] == [2, 4]
    assert [log["count"] for log in logs] == [3, 5]  # and the login


def test_organisations_and_their_staff_cost_the_same_queries_however_many(
    org_tree, make_staff, assert_flat_queries
):
    supervisor = login_client(make_staff(org_tree["huangpu"], Role.SUPERVISOR))
    bureau = org_tree["hp_housing"]

    def two_more():
        for _ in range(2):
            organisation_create(
                actor=None, kind=OrgKind.DEPARTMENT, name="黄浦区某局", parent=org_tree["huangpu"]
            )
            make_staff(bureau, Role.REVIEWER)

    two_more()
    orgs = assert_flat_queries(4, lambda: supervisor.get("/api/orgs").json(), two_more)
    assert [len(o) for o in orgs] == [6, 8]  # 黄浦区, its bureau, its centre and window, and the new ones
    staff = assert_flat_queries(5, lambda: supervisor.get(f"/api/orgs/{bureau.uuid}/staff").json(), two_more)
    assert [len(s) for s in staff] == [4, 6]


def test_the_audit_trail_costs_the_same_queries_however_long(org_tree, make_staff, assert_flat_queries):
    from tongban.core.audit import SYSTEM, audit_record

    def two_more():
        for i in range(2):
            audit_record(actor=SYSTEM, action="test.hp", object_id=i, org_path=org_tree["hp_housing"].path)

    two_more()
    supervisor = login_client(make_staff(org_tree["huangpu"], Role.SUPERVISOR))
    api = assert_flat_queries(
        5, lambda: supervisor.get("/api/ops/audit/events", {"action": "test."}).json(), two_more
    )
    assert [a["count"] for a in api] == [2, 4]
    pages = assert_flat_queries(
        5, lambda: supervisor.get("/accounts/ops/audit/", {"action": "test."}).content.decode(), two_more
    )
    assert [p.count('<small class="muted">test.hp</small>') for p in pages] == [4, 6]


def test_the_outbox_page_costs_the_same_queries_however_long(org_tree, make_staff, assert_flat_queries):
    from tongban.core.messaging import OutboxSmsProvider

    def two_more():
        for _ in range(2):
            OutboxSmsProvider().send(phone="13900000001", text="【测试】内容")

    two_more()
    admin = login_client(make_staff(org_tree["region"], Role.PLATFORM_ADMIN))
    pages = assert_flat_queries(5, lambda: admin.get("/accounts/ops/outbox/").content.decode(), two_more)
    assert [p.count("<tr>") - 1 for p in pages] == [2, 4]


def test_the_workbench_costs_the_same_queries_however_many_memberships(
    org_tree, make_staff, assert_flat_queries
):
    from tongban.accounts.services import staff_membership_add

    clerk = make_staff(org_tree["window"], Role.WINDOW_CLERK)
    offices = iter([org_tree["hp_housing"], org_tree["xh_housing"], org_tree["huangpu"], org_tree["xuhui"]])

    def two_more():
        for _ in range(2):
            staff_membership_add(actor=None, user=clerk, organisation=next(offices), role=Role.REVIEWER)

    two_more()
    client = login_client(clerk)
    pages = assert_flat_queries(3, lambda: client.get("/accounts/workbench/").content.decode(), two_more)
    assert [
        sum(name in p for name in ("黄浦区房管局 · ", "徐汇区房管局 · ", "黄浦区 · ", "徐汇区 · "))
        for p in pages
    ] == [2, 4]
