"""The demo's front desk: centres and windows made from the accounts organisations, staffed today; a clerk
reaches only their own centre."""

from __future__ import annotations

import pytest

from tongban.accounts.facade import actor_for
from tongban.frontdesk.access import access_centre, access_window, centres_for
from tongban.frontdesk.constants import WindowKind
from tongban.frontdesk.demo import demo_load_frontdesk
from tongban.frontdesk.errors import CentreNotFound, WindowNotFound

pytestmark = pytest.mark.django_db


def test_the_demo_centre_has_its_windows_and_clerks_on_shift(hall):
    windows = hall["windows"]
    assert sorted(windows) == [1, 2, 3, 4]
    assert [windows[n].kind for n in (1, 2, 3, 4)] == [
        WindowKind.COMPREHENSIVE,
        WindowKind.COMPREHENSIVE,
        WindowKind.HANDOUT,
        WindowKind.YANGTZE,
    ]
    assert [s.staff_label for s in windows[1].shifts.all()] == ["窗口人员 陈敏"]
    assert demo_load_frontdesk() == 0  # safe to run again


def test_a_clerk_reaches_only_their_own_centre(hall):
    clerk = actor_for(hall["clerk"])
    assert list(centres_for(clerk)) == [hall["centre"]]
    assert access_centre(actor=clerk, centre_uuid=hall["centre"].uuid) == hall["centre"]
    assert access_window(actor=clerk, window_uuid=hall["windows"][2].uuid) == hall["windows"][2]
    with pytest.raises(CentreNotFound):
        access_centre(actor=clerk, centre_uuid=hall["other_centre"].uuid)
    other_window = hall["other_centre"].windows.get()
    with pytest.raises(WindowNotFound):
        access_window(actor=clerk, window_uuid=other_window.uuid)
    with pytest.raises(CentreNotFound):
        access_centre(actor=clerk, centre_uuid="not-a-uuid")


def test_the_in_memory_centre_check_agrees_with_the_centre_query(hall, make_staff):
    """access_window and access_ticket compare the actor's memberships in Python (no query): the same answer
    as the centre query for a window clerk, a centre clerk, a district clerk and a supervisor."""
    from tongban.accounts.constants import Role
    from tongban.accounts.models import Organisation
    from tongban.frontdesk.access import in_centre
    from tongban.frontdesk.models import ServiceCentre

    window_org = Organisation.objects.get(uuid=hall["windows"][2].org_uuid)
    centre_org = Organisation.objects.get(uuid=hall["centre"].org_uuid)
    district = centre_org.parent
    staff = [
        make_staff(window_org, Role.WINDOW_CLERK),
        make_staff(centre_org, Role.WINDOW_CLERK),
        make_staff(district, Role.WINDOW_CLERK),
        make_staff(district, Role.SUPERVISOR),  # not a clerk: no centre to work in
    ]
    hall["other_centre"].active = False  # an inactive centre is nobody's
    hall["other_centre"].save(update_fields=["active"])
    for user in staff:
        actor = actor_for(user)
        reached = set(centres_for(actor))
        assert {c for c in ServiceCentre.objects.all() if in_centre(actor, c)} == reached
    assert [bool(centres_for(actor_for(u))) for u in staff] == [True, True, True, False]
