"""The demo company holds its seals after `tongban demo`, for its legal representative to use; loading again
makes none twice."""

from __future__ import annotations

import pytest

from tongban.accounts.facade import actor_for, demo_load
from tongban.accounts.models import User
from tongban.seals.facade import demo_load_seals, seals_usable_by

pytestmark = pytest.mark.django_db


def test_the_demo_company_s_seals_are_made_once_for_its_legal_representative():
    demo_load()
    assert demo_load_seals() == 2
    assert demo_load_seals() == 0
    wang = actor_for(User.objects.get(username="13800000003"))
    seals = seals_usable_by(wang)
    assert sorted(s.kind for s in seals) == ["contract", "legal_name"]
    assert {s.owner_name for s in seals} == {"上海通办示范科技有限公司"} and all(s.image_png for s in seals)
    assert (
        seals_usable_by(actor_for(User.objects.get(username="13800000002"))) == []
    )  # 李四 is not authorised
