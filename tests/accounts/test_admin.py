"""The identity admin's change lists: each shows every row and costs the same queries however many."""

import pytest

from tests.accounts.conftest import authorise, make_enterprise
from tongban.accounts.constants import AssuranceLevel, OrgKind, Role
from tongban.accounts.models import (
    ApiClient,
    Authorisation,
    Enterprise,
    Organisation,
    Person,
    StaffMembership,
    User,
)
from tongban.accounts.services import organisation_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def grow(org_tree, make_person, make_staff, make_api_client):
    """Two more of every row the identity admin lists: organisations, staff, API clients, persons (with their
    users), enterprises, and authorisations for an enterprise and for a person."""
    counter = iter(range(1, 1000))

    def two_more():
        for _ in range(2):
            n = next(counter)
            bureau = organisation_create(
                actor=None, kind=OrgKind.DEPARTMENT, name=f"黄浦区第{n}局", parent=org_tree["huangpu"]
            )
            make_staff(bureau, Role.REVIEWER)
            make_api_client(bureau, ["orgs:read"])
            principal = make_person(real_name="王五", level=AssuranceLevel.L3)
            agent = make_person(real_name="赵六")
            authorise(principal, agent, enterprise=make_enterprise(principal, n))
            authorise(principal, agent)

    two_more()
    return two_more


@pytest.mark.parametrize(
    ("model", "queries"),
    [
        (Organisation, 5),
        (User, 5),
        (Person, 5),
        (StaffMembership, 5),
        (ApiClient, 5),
        (Enterprise, 5),
        (Authorisation, 5),
    ],
)
def test_the_identity_admin_lists_cost_the_same_queries_however_many_rows(
    assert_flat_admin_list, grow, model, queries
):
    assert_flat_admin_list(model, queries, grow)
