"""The sharing interface for departments' systems (证照共享服务, GB/T 36906 style; docs/domain/licences.md §6).

A department's system calls with an API key of scope ``licences:share`` and may query only the licence types
granted to that key (``ShareGrant``). A query names the holder (code and code type), the licence type and a
use cause (required, at most 200 characters); it answers the holder's current valid licences of that type,
each with a temporary download link (10 minutes) to the licence file watermarked with the use cause. Every
licence answered is logged as a use (shown to the holder) and every download is audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import client_organisation
from tongban.core.audit import audit_record
from tongban.core.errors import InvalidInput, NotFound, PermissionDenied
from tongban.licences.constants import HolderKind, UseChannel
from tongban.licences.errors import LicenceError
from tongban.licences.models import Licence, LicenceUse, ShareGrant
from tongban.licences.services import validate_holder

SCOPE = "licences:share"
LINK_SECONDS = 600
_SALT = "tongban.licences.share-download"
CAUSE_MAX = 200


@dataclass(frozen=True)
class Shared:
    licence: Licence
    link_token: str


def share_grant(*, actor, client, type_code: str) -> ShareGrant:
    """Allow an API client (with scope licences:share) to query one licence type."""
    from tongban.licences.models import LicenceType

    licence_type = LicenceType.objects.filter(code=type_code).first()
    if licence_type is None:
        raise InvalidInput(LicenceError.UNKNOWN_LICENCE_TYPE, _("证照类型不存在"), field="type_code")
    grant, _created = ShareGrant.objects.get_or_create(
        client_uuid=client.uuid, type=licence_type, defaults={"client_name": client.name}
    )
    audit_record(
        actor=actor,
        action="licence.share_grant",
        object_type="api_client",
        object_id=client.uuid,
        after={"type_code": type_code},
    )
    return grant


def _caller(actor):
    organisation = client_organisation(actor, SCOPE)
    if organisation is None:
        raise PermissionDenied(LicenceError.SCOPE_MISSING, _("缺少权限范围 licences:share"), scope=SCOPE)
    return organisation


def share_query(*, actor, holder_code: str, holder_type_code: str, type_code: str, use_cause: str):
    """The holder's current valid licences of a type, for a department's system with a grant for the type."""
    organisation = _caller(actor)
    use_cause = (use_cause or "").strip()
    if not use_cause:
        raise InvalidInput(LicenceError.USE_CAUSE_REQUIRED, _("请填写申请事由"), field="use_cause")
    if len(use_cause) > CAUSE_MAX:
        raise InvalidInput(
            LicenceError.USE_CAUSE_TOO_LONG, _("申请事由不能超过200个字符"), field="use_cause", max=CAUSE_MAX
        )
    if holder_type_code not in HolderKind.values:
        raise InvalidInput(
            LicenceError.INVALID_HOLDER_TYPE, _("持证主体代码类型代码不符合规范"), field="holder_type_code"
        )
    if not ShareGrant.objects.filter(client_uuid=actor.uuid, type__code=type_code).exists():
        raise PermissionDenied(
            LicenceError.NO_PERMISSION, _("该用户无访问该证的权限，请先申请"), type_code=type_code
        )
    holder_code = validate_holder(holder_type_code, holder_code)  # 422 invalid_id_number / invalid_uscc
    today = timezone.localdate()
    licences = list(
        Licence.objects.select_related("type")
        .in_force(today)
        .filter(type__code=type_code, holder_kind=holder_type_code, holder_code=holder_code)
        .order_by("-issue_date", "-id")[:20]
    )
    if not licences:
        raise NotFound(LicenceError.LICENCE_NOT_FOUND, _("未找到匹配的证照信息"))
    label = f"{organisation.name}（{actor.display_name}）"[:200]
    LicenceUse.objects.bulk_create(
        LicenceUse(
            licence=licence,
            user_label=label,
            user_uuid=organisation.uuid,
            channel=UseChannel.SHARE,
            cause=use_cause,
            fields=[key for key, _title in licence.type.face_fields],
        )
        for licence in licences
    )
    audit_record(
        actor=actor,
        action="licence.share_query",
        object_type="licence_type",
        object_id=type_code,
        after={"count": len(licences), "cause": use_cause},
    )
    link = {"c": str(actor.uuid), "u": label, "r": use_cause}
    return [
        Shared(licence, signing.dumps({**link, "l": str(licence.uuid)}, salt=_SALT, compress=True))
        for licence in licences
    ]


def share_download(link_token: str) -> tuple[Licence, str, str]:
    """The licence of a temporary download link, with who asked and why (for the watermark); 404 once the
    link has expired or was altered."""
    try:
        data = signing.loads(link_token, salt=_SALT, max_age=LINK_SECONDS)
    except signing.BadSignature:
        raise NotFound(LicenceError.LINK_EXPIRED, _("下载链接无效或已过期")) from None
    licence = Licence.objects.select_related("type").filter(uuid=data["l"]).first()
    if licence is None:
        raise NotFound(LicenceError.LINK_EXPIRED, _("下载链接无效或已过期"))
    audit_record(
        actor=None,
        action="licence.share_download",
        object_type="licence",
        object_id=licence.uuid,
        after={"client": data["c"], "by": data["u"], "cause": data["r"]},
    )
    return licence, data["u"], data["r"]
