"""A centre with its windows and clerks, built from the demo's organisations: 黄浦区行政服务中心 (two
comprehensive windows, the hand-out window, the 长三角 window) and 徐汇区行政服务中心 (one window)."""

from __future__ import annotations

import pytest

from tongban.accounts.facade import demo_load
from tongban.frontdesk.demo import demo_load_frontdesk
from tongban.frontdesk.models import ServiceCentre, Window


@pytest.fixture
def hall(db):
    """The demo's centres and windows, staffed today (clerk: window 1, clerk2: window 2, handout: 3); no past
    tickets (the demo's history is left out: a test counts what it makes)."""
    from tongban.accounts.models import User

    demo_load()
    demo_load_frontdesk(history=False)
    huangpu = ServiceCentre.objects.get(slug="huangpu")
    return {
        "centre": huangpu,
        "other_centre": ServiceCentre.objects.get(slug="xuhui"),
        "windows": {w.number: w for w in Window.objects.filter(centre=huangpu)},
        "clerk": User.objects.get(username="clerk"),
        "clerk2": User.objects.get(username="clerk2"),
        "handout": User.objects.get(username="handout"),
    }
