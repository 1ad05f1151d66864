"""The cases admin's change lists (read-only): each shows every row and costs the same queries however
many."""

import pytest

from tongban.cases.models import Case, SupervisionEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("model", "queries"), [(Case, 6), (SupervisionEvent, 6)])
def test_the_cases_admin_lists_cost_the_same_queries_however_many_rows(
    assert_flat_admin_list, open_cases, model, queries
):
    open_cases(2, overdue=True)
    assert_flat_admin_list(model, queries, lambda: open_cases(2, overdue=True))
