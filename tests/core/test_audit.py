import pytest
from django.db import DatabaseError, connection, transaction

from tongban.core.audit import SYSTEM, AuditQuery, audit_event_list, audit_record
from tongban.core.models import AppendOnlyError, AuditEvent

pytestmark = pytest.mark.django_db


def test_the_audit_trail_is_append_only_in_python_and_in_the_database():
    event = audit_record(actor=SYSTEM, action="test.thing", object_type="x", object_id="1", after={"a": 1})
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action = 'changed' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing"


def test_scoped_search_only_returns_events_inside_the_subtrees():
    audit_record(actor=SYSTEM, action="a.one", org_path="aaa/bbb/")
    audit_record(actor=SYSTEM, action="a.two", org_path="aaa/ccc/")
    audit_record(actor=SYSTEM, action="b.three", org_path="")
    inside = audit_event_list(query=AuditQuery(), org_paths=["aaa/bbb/"])
    assert [e.action for e in inside] == ["a.one"]
    assert audit_event_list(query=AuditQuery(), org_paths=[]).count() == 0
    assert audit_event_list(query=AuditQuery(action="a."), org_paths=None).count() == 2


def test_services_write_the_request_id_of_the_request(client):
    from tongban.core.request_context import bind, unbind

    tokens = bind("req-12345678", "127.0.0.9")
    try:
        event = audit_record(actor=SYSTEM, action="test.rid")
    finally:
        unbind(tokens)
    assert event.request_id == "req-12345678" and event.ip == "127.0.0.9"


def test_the_audit_admin_list_costs_the_same_queries_however_many_rows(assert_flat_admin_list):
    from tongban.core.audit import SYSTEM, audit_record

    def two_more():
        for i in range(2):
            audit_record(actor=SYSTEM, action="test.admin", object_id=i)

    two_more()
    assert_flat_admin_list(AuditEvent, 7, two_more)
