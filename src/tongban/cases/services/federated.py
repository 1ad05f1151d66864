"""长三角: a case another member of the region sends here (docs/domain/federation.md §7).

The applicant is a person that member vouches for, linked here by their ID number
(``accounts.facade.person_link_federated``) and acting with the level it asserted. The case is opened here, in
this member's catalogue, lead department and time limits, and handled as any other — accepted or refused,
reviewed, concluded here (事权 stays with the home authority). Its origin is kept on the case, so every event
of its timeline goes back to the sending member (``signals.case_event_recorded``).

- **全程网办** (``online``): the person applied on the other member's portal; materials uploaded there.
- **异地代收代办** (``proxy``): the other member's special window (专窗) collected the application, checked its
  form and the applicant's identity face to face, scanned the paper and forwarded it with the applicant's
  consent; this member accepts and decides.
- **多地联办** (``multi_site``): one part of an application whose parts several members handle."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import actor_for_user_id, principal_for
from tongban.cases.access import target_item_codes
from tongban.cases.constants import ApplicantKind, DeliveryMethod
from tongban.cases.errors import CaseError, TargetNotFound
from tongban.cases.events import event_record
from tongban.cases.models import Case
from tongban.cases.services.applying import (
    _check_form_and_materials,
    _create,
    application_licences,
    request_fingerprint,
)
from tongban.catalog.facade import application_target
from tongban.core.errors import InvalidInput, NotFound, PermissionDenied

MODES = ("online", "proxy", "multi_site")


@dataclass(frozen=True)
class FederatedSubmission:
    origin_member: str
    origin_label: str  # the sending member's name (上海市)
    origin_ref: str  # its application's id
    mode: str  # online | proxy | multi_site
    user_id: int  # the linked person's account here
    person_uuid: str
    level: int  # the assurance level the sending member asserted
    target_uuid: str  # the item here
    form_data: dict
    files: dict  # material key -> (file name, bytes)
    delivery_method: str = DeliveryMethod.ONLINE
    collected: dict | None = None  # proxy: {"window", "clerk", "receipt_no", "consent_at"}


def case_submit_federated(sub: FederatedSubmission) -> tuple[Case, bool]:
    """Open the case (checked whole before anything is written): ``(case, created)``; the same application
    again (its ``origin_ref``) answers the case made the first time."""
    key = f"fed-{sub.origin_member}-{sub.origin_ref}"[:80]
    existing = Case.objects.filter(origin_member=sub.origin_member, origin_ref=sub.origin_ref).first()
    if existing is not None:
        return existing, False
    if sub.mode not in MODES:
        raise InvalidInput(CaseError.FEDERATED_MODE_INVALID, _("跨区域办理方式无效"), field="mode")
    target = application_target("item", sub.target_uuid)
    if target is None:
        raise TargetNotFound()
    actor = actor_for_user_id(sub.user_id)
    assert actor is not None
    principal = principal_for(
        actor, kind=ApplicantKind.PERSON, principal_uuid=sub.person_uuid, item_code=target_item_codes(target)
    )
    if principal is None:
        raise NotFound(CaseError.APPLICANT_NOT_FOUND, _("您不能以该申请者的名义申请"), field="applicant")
    if "person" not in target.audience:
        raise InvalidInput(CaseError.WRONG_AUDIENCE, _("该事项不面向此类申请者"), field="applicant")
    # The level the sending member asserted, never more (a window's face-to-face check there is L3).
    if sub.level < target.required_assurance_level:
        raise PermissionDenied(
            CaseError.ASSURANCE_TOO_LOW,
            _("实名认证等级不足，请先提升认证等级"),
            required=target.required_assurance_level,
            current=sub.level,
        )
    if sub.delivery_method not in (DeliveryMethod.ONLINE, DeliveryMethod.COURIER):
        raise InvalidInput(CaseError.INVALID_DELIVERY, _("结果送达方式无效"), field="delivery_method")
    files = {
        k: SimpleUploadedFile(name[:100] or k, content) for k, (name, content) in (sub.files or {}).items()
    }
    checked = _check_form_and_materials(
        target, sub.form_data, files, set(), application_licences(target, principal)
    )
    fingerprint = request_fingerprint(
        target_kind="item",
        target_uuid=target.uuid,
        applicant_kind=principal.kind,
        applicant_uuid=principal.uuid,
        form_data=sub.form_data,
        files=files,
        delivery_method=sub.delivery_method,
        commitments=(),
    )
    stored: list = []
    try:
        with transaction.atomic():
            case = _create(
                actor,
                target,
                principal,
                sub.form_data,
                key,
                checked,
                sub.delivery_method,
                stored,
                fingerprint,
            )
            case.origin_member, case.origin_ref = sub.origin_member, sub.origin_ref
            case.save(update_fields=["origin_member", "origin_ref"])
            event_record(case, None, f"federated_{sub.mode}", opinion=_origin_text(sub), **_detail(sub))
    except BaseException as exc:
        for field_file in stored:
            field_file.delete(save=False)
        if isinstance(exc, IntegrityError):
            again = Case.objects.filter(origin_member=sub.origin_member, origin_ref=sub.origin_ref).first()
            if again is not None:
                return again, False
        raise
    return case, True


def _origin_text(sub: FederatedSubmission) -> str:
    if sub.mode == "proxy" and sub.collected:
        return gettext(
            "长三角异地代收：%(member)s %(window)s 收件，已形式审查并当面核验身份（收件告知单 %(no)s）"
        ) % {
            "member": sub.origin_label,
            "window": str(sub.collected.get("window", ""))[:100],
            "no": str(sub.collected.get("receipt_no", ""))[:40],
        }
    if sub.mode == "multi_site":
        return gettext("长三角多地联办：经%(member)s一次申请，本地办理其中一部分") % {
            "member": sub.origin_label
        }
    return gettext("长三角全程网办：申请人经%(member)s政务服务平台在线提交") % {"member": sub.origin_label}


def _detail(sub: FederatedSubmission) -> dict:
    detail = {"origin_member": sub.origin_member, "origin_ref": str(sub.origin_ref), "level": sub.level}
    if sub.collected:
        detail["collected"] = {
            k: str(v)[:100] for k, v in sub.collected.items() if k in ("window", "receipt_no")
        }
    return detail
