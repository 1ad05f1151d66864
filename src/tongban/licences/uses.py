"""The licence use log (用证记录) as its holder reads it, in 谁使用了我的信息 (core.audit.data_uses_about) and
on the licence's own page: the same rows, the same words."""

from __future__ import annotations

from tongban.accounts.facade import own_holder
from tongban.core.actors import Actor
from tongban.core.audit import DataUse
from tongban.licences.models import Licence, LicenceUse


def data_use_of(use: LicenceUse) -> DataUse:
    """``use`` with its licence and type read."""
    what = f"{use.get_channel_display()} · {use.licence.type.name}"
    if use.scene:
        what += f" · {use.get_scene_display()}"
    return DataUse(use.at, use.user_label, what, use.cause)


def licence_data_uses(licence: Licence, limit: int = 20) -> list[DataUse]:
    """The latest uses of one licence (already fetched through an access function)."""
    return [data_use_of(u) for u in licence.uses.select_related("licence__type")[:limit]]


def holder_data_uses(actor: Actor, limit: int) -> list[DataUse]:
    """The latest uses of the licences the actor holds in their own name (their own data: an enterprise's
    licences are the enterprise's), one query."""
    holder = own_holder(actor) if actor.user_id is not None else None
    if holder is None:
        return []
    uses = LicenceUse.objects.filter(licence__holder_kind=holder.kind, licence__holder_code=holder.code)
    return [data_use_of(u) for u in uses.select_related("licence__type").order_by("-at", "-id")[:limit]]
