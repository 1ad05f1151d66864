"""Writing and searching the audit trail. Services call :func:`audit_record` inside their transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tongban.core.actors import SYSTEM, Actor
from tongban.core.models import AuditEvent
from tongban.core.request_context import current_client_ip, current_request_id

# How actions read to people (the holder's "who used my data", the auditors' page).
ACTION_LABELS = {
    "auth.login": _("登录"),
    "auth.login_failed": _("登录失败"),
    "auth.logout_everywhere": _("退出所有设备"),
    "auth.password_reset": _("重置密码"),
    "person.register": _("注册"),
    "person.lookup": _("工作人员查询了您的身份信息"),
    "oidc.identity_release": _("向其他平台提供了您的身份信息（授权登录）"),
    "person.verify_in_person": _("现场核验本人"),
    "enterprise.register": _("法人注册"),
    "authorisation.grant": _("授权代办"),
    "authorisation.revoke": _("撤销授权"),
    "organisation.create": _("新建组织机构"),
    "staff.add_role": _("分配岗位"),
    "api_client.create": _("新建接口客户端"),
    "catalog.item_create": _("新建事项"),
    "catalog.draft_update": _("修改事项草稿"),
    "catalog.publish": _("发布事项版本"),
    "catalog.new_draft": _("新建事项草稿"),
    "catalog.retire": _("废止事项版本"),
    "catalog.import": _("导入事项目录"),
    "catalog.bundle_create": _("新建一件事"),
    "catalog.featured_rank": _("调整首页热门事项"),
    "case.staff_view": _("查看了您的办件"),
    "case.material_view": _("查看了您的办件材料"),
    "case.window_submit": _("窗口代办提交"),
    "case.window_conclude": _("窗口即办件当场办结"),
    "frontdesk.identify": _("窗口核验申请人身份"),
    "frontdesk.service_finish": _("窗口服务结束"),
    "licence.staff_view": _("查看了您的证照"),
    "seal.apply": _("申请电子印章"),
    "seal.approve": _("审核通过印章申请"),
    "seal.reject": _("驳回印章申请"),
    "seal.make": _("制作电子印章"),
    "seal.active": _("恢复使用电子印章"),
    "seal.suspended": _("挂起电子印章"),
    "seal.revoked": _("注销电子印章"),
    "seal.expired": _("电子印章到期"),
    "seal.authorise": _("授权他人用章"),
    "seal.unauthorise": _("撤销用章授权"),
    "seal.use": _("使用电子印章"),
    "seal.seseal_make": _("制作 GB/T 38540 印章数据"),
    "seal.ses_sign": _("GB/T 38540 电子签章"),
    "frontdesk.handover": _("统一出件窗口交付办理结果"),
    "frontdesk.paper_step": _("登记纸质材料流转"),
    "frontdesk.pad_rate": _("窗口评价器评价"),
    "ratings.hotline_lookup": _("12345 热线查询了您的来电记录和办件"),
    "ratings.ticket_read": _("查看了您的工单"),
    "ratings.ticket_create": _("登记诉求工单"),
    "ratings.ticket_transfer": _("将您的诉求（含姓名、电话）转至外地 12345 办理"),
    "ratings.ticket_transfer_in": _("受理外地 12345 转办的诉求"),
}


# The purpose of a staff read, in the reader's language when it is shown (the record keeps the words in
# Chinese for the auditors, and their arguments under ``purpose_args``).
PURPOSES = {
    "case.staff_view": _("审查办件 %(number)s（%(name)s）"),
    "case.material_view": _("审查办件 %(number)s 的材料：%(material)s"),
    "licence.staff_view": _("发证部门查阅证照 %(type)s"),
    "ratings.hotline_lookup": _("受理来电 %(phone)s"),
    "ratings.ticket_read": _("办理工单 %(number)s"),
}


def audit_purpose(action: str, **args: str) -> dict:
    """What a staff read records of its purpose: ``purpose`` in Chinese, ``purpose_args`` to show it in the
    reader's language later."""
    from django.utils import translation

    with translation.override("zh-hans"):
        words = str(PURPOSES[action]) % args
    return {"purpose": words, "purpose_args": args}


def audit_purpose_text(action: str, after: dict) -> str:
    args = after.get("purpose_args")
    if action in PURPOSES and isinstance(args, dict):
        try:
            return str(PURPOSES[action]) % args
        except (KeyError, TypeError, ValueError):
            pass
    return str(after.get("purpose", ""))


def audit_action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    before: dict | None = None,
    after: dict | None = None,
    org_path: str = "",
    subject_user_id: int | None = None,
) -> AuditEvent:
    actor = actor or SYSTEM
    return AuditEvent.objects.create(
        actor_id=actor.id,
        actor_kind=actor.kind,
        actor_label=actor.label[:200],
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:100],
        before=before,
        after=after,
        org_path=org_path,
        subject_user_id=subject_user_id,
        request_id=current_request_id() or "",
        ip=current_client_ip() or "",
    )


@dataclass(frozen=True)
class AuditQuery:
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    actor: str = ""
    request_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


def audit_event_list(*, query: AuditQuery, org_paths: list[str] | None) -> QuerySet[AuditEvent]:
    """Events matching the query. ``org_paths=None`` means the whole platform; otherwise only events
    whose organisation lies inside one of the given subtrees."""
    qs = AuditEvent.objects.all()
    if org_paths is not None:
        scope = Q(pk__in=[])
        for path in org_paths:
            scope |= Q(org_path__startswith=path)
        qs = qs.filter(scope)
    if query.action:
        qs = qs.filter(action__startswith=query.action)
    if query.object_type:
        qs = qs.filter(object_type=query.object_type)
    if query.object_id:
        qs = qs.filter(object_id=query.object_id)
    if query.actor:
        qs = qs.filter(actor_label__icontains=query.actor)
    if query.request_id:
        qs = qs.filter(request_id=query.request_id)
    if query.since:
        qs = qs.filter(created_at__gte=query.since)
    if query.until:
        qs = qs.filter(created_at__lt=query.until)
    return qs


def audit_events_about(*, subject_user_id: int) -> QuerySet[AuditEvent]:
    """Reads and changes of one person's data, for 'who used my data'."""
    return AuditEvent.objects.filter(subject_user_id=subject_user_id)


# --- 谁使用了我的信息: one list, wherever it is shown --------------------------------------------------------
@dataclass(frozen=True)
class DataUse:
    """One use of a person's data as they read it: when, which organisation (the department, the window, the
    verifier — never a member of staff's login), what was done and for what purpose."""

    at: datetime
    organisation: str
    what: str
    purpose: str


# Where else uses of a person's data are kept (the licence library's use log): each source gives the
# actor's latest ``limit`` uses, newest first. Registered by the contexts at start-up (core imports none).
DataUseSource = Callable[[Actor, int], list[DataUse]]
_data_use_sources: list[DataUseSource] = []


def data_use_source(source: DataUseSource) -> DataUseSource:
    if source not in _data_use_sources:
        _data_use_sources.append(source)
    return source


def data_use_of_event(event: AuditEvent, *, user_id: int | None) -> DataUse:
    """An audit event about a person as the person reads it. Staff reads record the organisation acted for
    and the purpose (``after``); the person's own actions read 本人, the platform's 平台."""
    after = event.after if isinstance(event.after, dict) else {}
    if after.get("organisation"):
        organisation = str(after["organisation"])
    elif event.actor_kind == "user" and event.actor_id == user_id:
        organisation = str(_("本人"))
    elif event.actor_kind == "system":
        organisation = str(_("平台"))
    else:
        organisation = event.actor_label
    return DataUse(
        event.created_at,
        organisation,
        audit_action_label(event.action),
        audit_purpose_text(event.action, after),
    )


def data_uses_about(actor: Actor, *, limit: int = 20) -> list[DataUse]:
    """谁使用了我的信息: the latest ``limit`` uses of the actor's data, from the audit trail (staff opening
    their cases and materials, look-ups, checks in person…) and every registered source (licence
    verifications and the cases that used a licence), newest first. One query per source."""
    user_id = actor.user_id
    if user_id is None:
        return []
    uses = [
        data_use_of_event(e, user_id=user_id)
        for e in audit_events_about(subject_user_id=user_id).order_by("-created_at", "-id")[:limit]
    ]
    for source in _data_use_sources:
        uses += source(actor, limit)
    uses.sort(key=lambda u: u.at, reverse=True)
    return uses[:limit]
