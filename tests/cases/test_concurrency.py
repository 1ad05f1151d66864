"""Races on PostgreSQL (`-m postgres`): concurrent retries of one submission make exactly one case, and
two reviewers claiming one step at once: one wins."""

import base64

import pytest
from django.test import Client

from tests.accounts.test_concurrency import run_concurrently
from tests.cases.conftest import GOOD_FORM, pdf_bytes
from tongban.accounts.facade import actor_for
from tongban.cases.errors import InvalidTransition
from tongban.cases.models import Case, CaseMaterial

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_retries_over_http_make_exactly_one_case(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = world["applicant"].user
    payload = {
        "target_kind": "bundle",
        "target": str(world["bundle"].uuid),
        "applicant": str(world["applicant"].uuid),
        "form_data": GOOD_FORM,
        "materials": [{"key": "application-form", "content_base64": base64.b64encode(pdf_bytes()).decode()}],
    }

    def apply():
        client = Client()
        client.force_login(user)
        response = client.post(
            "/api/cases", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="retry-race-0001"
        )
        return response.status_code, response.json().get("uuid")

    results = run_concurrently(8, apply)
    assert sorted(status for status, _ in results) == [200] * 7 + [201]
    assert len({uuid for _, uuid in results}) == 1
    assert Case.objects.count() == 1 and CaseMaterial.objects.filter(mode="uploaded").count() == 1
    assert len(list(tmp_path.rglob("*.pdf"))) == 1  # the losers' files were removed


def test_two_reviewers_claiming_one_step_at_once_one_wins(world, submit, make_staff):
    from tongban.accounts.constants import Role
    from tongban.cases.services import case_accept, step_claim

    case, _ = submit()
    case_accept(actor=actor_for(world["clerk"]), case=case)
    step = case.steps.get(key="licence")
    reviewers = [world["reviewers"]["market"], make_staff(world["depts"]["market"], Role.REVIEWER)]
    outcomes = iter(reviewers)

    def claim():
        try:
            return step_claim(actor=actor_for(next(outcomes)), step=step).claimed_by
        except InvalidTransition:
            return "lost"

    results = run_concurrently(2, claim)
    assert results.count("lost") == 1
    step.refresh_from_db()
    assert step.claimed_by in results
