"""One definition of "a licence in force today" (docs/domain/licences.md): the QuerySet method, the model
method, the PostgreSQL verification statement (which cannot use a Q), the Token Status List, the sharing
interface and the application's 两个免于提交 all agree, licence by licence, on both databases — before and
after the validity dates and on their boundaries, a superseded version, and every status that is not valid."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.licences.test_show_verify import verifiers, verify  # noqa: F401 — the fixture is used below
from tongban.licences.constants import STATUS_LIST_SIZE, LicenceStatus, Scene
from tongban.licences.facade import licences_for_application, valid_licences_of
from tongban.licences.models import Licence, LicenceUse
from tongban.licences.show import make_show_token
from tongban.licences.status_lists import (
    STATUS_INVALID,
    STATUS_SUSPENDED,
    STATUS_VALID,
    status_list_bytes,
    status_of,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = timedelta(days=1)

# name: (changes to the licence row, in force?, the verification's refusal code when not)
STATES = {
    "valid, no end date": ({"valid_until": None}, True, ""),
    "valid, ends later": ({"valid_until": TODAY + 30 * DAY}, True, ""),
    "last day of validity": ({"valid_until": TODAY}, True, ""),
    "first day of validity": ({"valid_from": TODAY, "valid_until": TODAY + DAY}, True, ""),
    "not yet valid": (
        {"valid_from": TODAY + DAY, "valid_until": TODAY + 30 * DAY},
        False,
        "licence_out_of_validity",
    ),
    "validity ended yesterday": (
        {"valid_from": TODAY - 30 * DAY, "valid_until": TODAY - DAY},
        False,
        "licence_out_of_validity",
    ),
    "superseded by a new version": ({"current": False}, False, "licence_not_valid"),
    **{
        f"status {status.label}": ({"status": status.value}, False, "licence_not_valid")
        for status in LicenceStatus
        if status != LicenceStatus.VALID
    },
}


@pytest.mark.parametrize("state", list(STATES))
def test_every_reader_agrees_on_whether_a_licence_is_in_force(lib, issue, verifiers, state):  # noqa: F811
    changes, in_force, refusal = STATES[state]
    licence = issue(issue_date=TODAY - 100 * DAY)
    # In force throughout, and older (the readers take the newest of a type): they must not mistake one
    # licence for the other.
    other = issue(issue_date=TODAY - 200 * DAY)
    token = make_show_token(licence, Scene.HOTEL).token  # shown while it was in force
    Licence.objects.filter(pk=licence.pk).update(**changes)
    licence.refresh_from_db()

    # The QuerySet and the model say the same, and in_force / not_in_force split the table in two.
    assert Licence.objects.in_force(TODAY).filter(pk=licence.pk).exists() is in_force
    assert Licence.objects.not_in_force(TODAY).filter(pk=licence.pk).exists() is not in_force
    assert bool(licence.in_force_on(TODAY)) is in_force
    assert set(Licence.objects.in_force(TODAY).values_list("pk", flat=True)) == {other.pk} | (
        {licence.pk} if in_force else set()
    )

    # The verification (on PostgreSQL one statement that reads and logs under its own conditions).
    uses = LicenceUse.objects.filter(licence=licence).count()
    answer = verify(verifiers["hotel_key"], token)
    if in_force:
        assert answer.status_code == 200, answer.content
        assert LicenceUse.objects.filter(licence=licence).count() == uses + 1
    else:
        assert answer.status_code == 409 and answer.json()["code"] == refusal, answer.content
        assert LicenceUse.objects.filter(licence=licence).count() == uses  # a refusal logs no use

    # An offline verifier's status list.
    listed = status_list_bytes(licence.status_index // STATUS_LIST_SIZE)
    expected_bit = (
        STATUS_VALID
        if in_force
        else STATUS_SUSPENDED
        if licence.status == LicenceStatus.SUSPENDED and licence.current
        else STATUS_INVALID
    )
    assert status_of(listed, licence.status_index % STATUS_LIST_SIZE) == expected_bit
    other_list = status_list_bytes(other.status_index // STATUS_LIST_SIZE)
    assert status_of(other_list, other.status_index % STATUS_LIST_SIZE) == STATUS_VALID

    # The sharing interface's and the application's reads of the holder's valid licences.
    holder = {"holder_kind": licence.holder_kind, "holder_code": licence.holder_code}
    found = valid_licences_of(**holder, type_codes={licence.type.code})
    assert found[licence.type.code].uuid == (str(licence.uuid) if in_force else str(other.uuid))
    attached = licences_for_application(**holder, type_codes={licence.type.code}).found
    assert attached[licence.type.code].uuid == (str(licence.uuid) if in_force else str(other.uuid))


@pytest.mark.postgres
def test_the_postgresql_verification_is_one_statement_that_reads_and_logs(lib, issue, verifiers):  # noqa: F811
    """Every statement Django sends is seen by an execute wrapper, prepared or not: the verification is
    the single ``WITH lic AS (…) INSERT …`` statement, not an empty or unseen one (SQLite reads, then
    inserts: the matrix above covers it)."""
    assert connection.vendor == "postgresql"
    token = make_show_token(issue(), Scene.HOTEL).token
    verify(verifiers["hotel_key"], make_show_token(issue(), Scene.HOTEL).token)  # caches warmed
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert verify(verifiers["hotel_key"], token).status_code == 200
    statements = [sql for sql in seen if "licences_verifier" not in sql and "licences_issuerkey" not in sql]
    assert len(statements) == 1, seen
    assert statements[0].startswith("WITH lic AS (SELECT") and "INSERT INTO" in statements[0], statements[0]
