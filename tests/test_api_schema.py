"""schemathesis over /api/openapi.json: no operation answers 5xx or an undocumented response, whatever
it is sent. Runs in-process against the WSGI app, authenticated as a machine client holding every scope
(and, for session-only operations, anonymously). The checks are the ones the platform promises: no 5xx,
every status documented, bodies matching their schemas."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tongban.accounts.constants import ApiScope, OrgKind
from tongban.accounts.services import api_client_create, organisation_create
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


@pytest.fixture
def api_key(db):
    region = organisation_create(actor=None, kind=OrgKind.REGION, name="上海市", division_code="310000")
    _, key = api_client_create(
        actor=None, name="schemathesis", organisation=region, scopes=list(ApiScope.values)
    )
    return key


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx_or_an_undocumented_status(case, api_key):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_key}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
