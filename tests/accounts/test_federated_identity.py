"""A person another member of the region vouches for is linked here by ID number: to the confirmed holder only
on a confirmed assertion with the same name; never with a level above the one asserted
(docs/domain/federation.md §7.1)."""

from __future__ import annotations

import pytest

from tests.conftest import make_id_number
from tongban.accounts.constants import AssuranceLevel
from tongban.accounts.facade import person_link_federated
from tongban.accounts.models import FederatedIdentity, Person
from tongban.core.errors import Conflict
from tongban.core.models import AuditEvent


def link(id_number, *, name="张三", level=2, subject="u-1", member="320000"):
    return person_link_federated(
        member=member,
        subject=subject,
        id_kind="111",
        id_number=id_number,
        real_name=name,
        assurance_level=level,
    )


def test_a_confirmed_assertion_links_to_the_confirmed_holder_and_acts_with_the_asserted_level(make_person):
    holder = make_person(real_name="张三", level=AssuranceLevel.L3)
    user_id, person_uuid, level = link(holder.id_number, level=2)
    assert (user_id, person_uuid, level) == (holder.user_id, str(holder.uuid), 2)  # L3 here, L2 asserted: 2
    again = link(holder.id_number, level=3)
    assert again == (holder.user_id, str(holder.uuid), 3)
    assert FederatedIdentity.objects.get().assurance_level == 3
    event = AuditEvent.objects.get(action="person.link_federated")
    assert holder.id_number not in str(event.after)  # masked in the audit trail


def test_an_unconfirmed_assertion_never_reaches_the_confirmed_holder(make_person):
    holder = make_person(real_name="张三", level=AssuranceLevel.L2)
    _user_id, person_uuid, level = link(holder.id_number, level=1)
    assert person_uuid != str(holder.uuid) and level == 1
    made = Person.objects.get(uuid=person_uuid)
    assert made.assurance_level == AssuranceLevel.L1 and not made.user.has_usable_password()


def test_a_new_person_is_made_with_the_asserted_level_and_no_password(db):
    number = make_id_number()
    _user_id, person_uuid, _level = link(number, name="赵六", level=3)
    person = Person.objects.get(uuid=person_uuid)
    assert (person.real_name, person.assurance_level, person.phone) == ("赵六", 3, "")
    assert not person.user.has_usable_password() and person.user.phone is None


def test_another_name_or_another_number_for_the_same_subject_is_refused(make_person):
    holder = make_person(real_name="张三", level=AssuranceLevel.L2)
    with pytest.raises(Conflict) as refused:
        link(holder.id_number, name="张叁")
    assert refused.value.code == "federated_identity_conflict"
    assert not FederatedIdentity.objects.exists()
    link(holder.id_number)
    with pytest.raises(Conflict):
        link(make_id_number())  # the same subject of that member, now with another number
    assert FederatedIdentity.objects.count() == 1
