"""schemathesis over /api/openapi.json: no operation answers 5xx or an undocumented response, whatever
it is sent. Runs in-process against the WSGI app, authenticated as a machine client holding every scope
(and, for session-only operations, anonymously). The checks are the ones the platform promises: no 5xx,
every status documented, bodies matching their schemas.

The database holds real rows (a published item with its materials, a bundle, organisations), and path
parameters are drawn from their ids as often as at random, so the schemas of the answers *with* data are
checked too, not only those of 404s; a second test reads each of those rows once, deterministically."""

import collections
import os

import ninja
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.catalog.conftest import DEMO_LIKE_MATERIALS, demo_like_fields
from tongban.accounts.constants import ApiScope, OrgKind
from tongban.accounts.services import api_client_create, organisation_create
from tongban.api import api
from tongban.catalog.services import bundle_create, item_create, version_publish
from tongban.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
# Examples per operation: bounded for `make test`; raise it for a deeper hunt (TONGBAN_API_FUZZ_EXAMPLES=200).
EXAMPLES = int(os.environ.get("TONGBAN_API_FUZZ_EXAMPLES", "12"))


@pytest.fixture(autouse=True)
def _keep_the_test_connection_open():
    """Called straight through WSGI (not Django's test client), Django would close the database connection
    at the start and end of each request, inside the test's transaction; the test client avoids that the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Path parameter name -> ids of rows that exist in the test's database (filled by the ``api_key`` fixture).
KNOWN: dict[str, list[str]] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time, each path parameter that names a kind of row we made takes one of their ids."""
    if not path_parameters:
        return st.just(path_parameters)
    choices = {
        name: st.one_of(st.just(value), st.sampled_from(KNOWN[name])) if KNOWN.get(name) else st.just(value)
        for name, value in path_parameters.items()
    }
    return st.fixed_dictionaries(choices)


@pytest.fixture
def api_key(db):
    region = organisation_create(actor=None, kind=OrgKind.REGION, name="上海市", division_code="310000")
    department = organisation_create(
        actor=None,
        kind=OrgKind.DEPARTMENT,
        name="上海市市场监督管理局",
        parent=region,
        uscc="11310000MB2F31883R",
    )
    versions = [
        version_publish(
            actor=None,
            version=item_create(
                actor=None,
                implementation_code=f"{department.uscc}{n:03d}000",
                basic_code=f"01{n:03d}0000",
                fields=demo_like_fields(department, name=f"食品经营许可证核发{n}"),
                materials=DEMO_LIKE_MATERIALS,
            ),
        )
        for n in (1, 2)
    ]
    bundle = bundle_create(
        actor=None,
        name="开一家饭店",
        theme="开办企业",
        audience="2",
        lead_department_uuid=department.uuid,
        steps=[
            {"key": "one", "item_version": str(versions[0].uuid), "budget_days": 5, "depends_on": []},
            {"key": "two", "item_version": str(versions[1].uuid), "budget_days": 5, "depends_on": []},
        ],
    )
    _, key = api_client_create(
        actor=None, name="schemathesis", organisation=region, scopes=list(ApiScope.values)
    )
    KNOWN.update(
        item_uuid=[str(v.item.uuid) for v in versions],
        bundle_uuid=[str(bundle.uuid)],
        org_uuid=[str(region.uuid), str(department.uuid)],
    )
    yield key
    KNOWN.clear()


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx_or_an_undocumented_status(case, api_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/catalog/items/{item_uuid}", "item_uuid"),
        ("/api/catalog/bundles/{bundle_uuid}", "bundle_uuid"),
        ("/api/orgs/{org_uuid}", "org_uuid"),
    ],
)
def test_reads_of_rows_that_exist_answer_200_and_match_their_schemas(api_key, path, parameter):
    operation = schema[path]["GET"]
    for value in KNOWN[parameter]:
        case = operation.Case(path_parameters={parameter: value})
        response = case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)
        assert response.status_code == 200, response.text


def test_no_two_schemas_of_the_api_share_a_name():
    """The OpenAPI document names each schema by its class: two classes of one name would be written as one,
    and the answers of one of them would then violate their documented schema."""
    api.get_openapi_schema()  # imports every router and its schemas

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = {c for c in subclasses(ninja.Schema) if c.__module__.startswith("tongban.")}
    names = collections.Counter(c.__name__ for c in ours)
    assert [name for name, count in names.items() if count > 1] == []
