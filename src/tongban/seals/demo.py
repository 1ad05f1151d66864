"""Demo seals (`tongban demo`): the demo company 上海通办示范科技有限公司 holds its 法定名称章 and 合同专用章,
made as 开办企业 would make them, so its legal representative (王五, 13800000003) sees them on 我的电子印章,
authorises others and seals; safe to run again (kinds held are not made twice)."""

from __future__ import annotations

from tongban.accounts.facade import actor_for, holders_for_user
from tongban.core.actors import SYSTEM
from tongban.seals import services
from tongban.seals.constants import SealKind

DEMO_COMPANY = "上海通办示范科技有限公司"


def demo_load_seals() -> int:
    """The demo company's seals; the number made now (0 when they exist)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username="13800000003").first()
    if user is None:
        return 0
    actor = actor_for(user)
    company = next((h for h in holders_for_user(actor) if h.name == DEMO_COMPANY), None)
    if company is None or actor.person_uuid is None:
        return 0
    made = services.seals_make_for_enterprise(
        actor=SYSTEM,
        uscc=company.code,
        name=company.name,
        legal_rep_person_uuid=str(actor.person_uuid),
        kinds=[SealKind.CONTRACT],
    )
    return len(made)
