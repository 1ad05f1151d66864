"""Every write to the licence library: types, issuance (with the issuer's signature), new versions and status
changes. Each write is audited in its transaction and the holder is told after commit."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError as JsonSchemaError

from tongban.accounts.facade import holder_user_ids
from tongban.core.actors import Actor
from tongban.core.audit import audit_record
from tongban.core.errors import InvalidInput, NotFound, PermissionDenied
from tongban.core.identifiers import validate_resident_id, validate_uscc
from tongban.core.jsonschemas import schema_errors
from tongban.licences.constants import STATUS_CHANGES, HolderKind, LicenceStatus, Operation, Scene
from tongban.licences.errors import LicenceConflict, LicenceError
from tongban.licences.identifiers import BadIdentifier, make_licence_id, valid_type_code
from tongban.licences.keys import issuer_key, sign_licence
from tongban.licences.locks import lock_licence, lock_licence_type
from tongban.licences.models import Licence, LicenceType
from tongban.licences.signals import licence_document_wanted
from tongban.licences.status_lists import new_status_index
from tongban.notifications.facade import notify

_SERIAL_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LIVE = (LicenceStatus.VALID, LicenceStatus.SUSPENDED)


# --- types --------------------------------------------------------------------------------------------------
def licence_type_create(
    *,
    actor: Actor | None,
    code: str,
    name: str,
    define_authority_name: str,
    holder_kind: str,
    face_schema: dict,
    validity_years: int | None = None,
    multiple_per_holder: bool = False,
    scene_fields: dict | None = None,
    issuer_department_uuids: Sequence[str] = (),
    required_assurance_level: int = 2,
) -> LicenceType:
    code = (code or "").strip()
    problems = []
    if required_assurance_level not in (2, 3):
        problems.append(
            {"field": "required_assurance_level", "message": gettext("用证所需实名等级应为 2 或 3")}
        )
    if not valid_type_code(code):
        problems.append(
            {"field": "code", "message": gettext("证照类型代码应为定义机构统一社会信用代码加3位数字")}
        )
    if holder_kind not in HolderKind.values:
        problems.append({"field": "holder_kind", "message": gettext("持证主体代码类型无效")})
    try:
        Draft202012Validator.check_schema(face_schema)
        keys = set((face_schema or {}).get("properties", {}))
    except JsonSchemaError:
        problems.append({"field": "face_schema", "message": gettext("照面信息定义不是有效的 JSON Schema")})
        keys = set()
    for scene, fields in (scene_fields or {}).items():
        if scene not in Scene.values or not set(fields) <= keys:
            problems.append({"field": f"scene_fields.{scene}", "message": gettext("场景或字段不存在")})
    if problems:
        raise InvalidInput(LicenceError.LICENCE_TYPE_INVALID, _("证照类型定义有误"), problems=problems)
    licence_type = LicenceType.objects.create(
        code=code,
        name=name,
        define_authority_name=define_authority_name,
        holder_kind=holder_kind,
        face_schema=face_schema,
        validity_years=validity_years,
        multiple_per_holder=multiple_per_holder,
        scene_fields=scene_fields or {},
        issuer_department_uuids=[str(u) for u in issuer_department_uuids],
        required_assurance_level=required_assurance_level,
    )
    audit_record(
        actor=actor,
        action="licence_type.create",
        object_type="licence_type",
        object_id=code,
        after={"name": name, "required_assurance_level": required_assurance_level},
    )
    return licence_type


# --- issuance -----------------------------------------------------------------------------------------------
def validate_holder(kind: str, code: str, *, field: str = "holder_code") -> str:
    if kind == HolderKind.RESIDENT_ID:
        return validate_resident_id(code, field=field)
    if kind == HolderKind.USCC:
        return validate_uscc(code, field=field)
    raise InvalidInput(LicenceError.INVALID_HOLDER_KIND, _("持证主体代码类型无效"), field="holder_kind")


def _serial(on: date) -> str:
    return f"{on:%Y%m%d}" + "".join(secrets.choice(_SERIAL_CHARS) for _ in range(10))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _check_face(licence_type: LicenceType, face) -> dict:
    if not isinstance(face, dict):
        raise InvalidInput(
            LicenceError.FACE_INVALID,
            _("照面信息填写有误"),
            errors=[{"field": "", "message": "not an object"}],
        )
    errors = schema_errors(licence_type.face_schema or {"type": "object"}, face)
    if errors:
        raise InvalidInput(LicenceError.FACE_INVALID, _("照面信息填写有误"), errors=errors)
    return face


@transaction.atomic
def licence_issue(
    *,
    actor: Actor | None,
    type_code: str,
    holder_code: str,
    holder_name: str,
    issuer_uuid,
    issuer_name: str,
    issuer_code: str,
    face: dict,
    number: str = "",
    issue_date: date | None = None,
    valid_until: date | None = None,
    case_uuid=None,
    item_code: str = "",
    area_code: str = "",
) -> Licence:
    """Issue a licence of a type to a holder, signed with the issuing department's key."""
    licence_type = lock_licence_type(type_code)
    if licence_type is None:
        raise InvalidInput(LicenceError.UNKNOWN_LICENCE_TYPE, _("证照类型不存在"), field="type_code")
    allowed = licence_type.issuer_department_uuids
    if allowed and str(issuer_uuid) not in allowed:
        raise PermissionDenied(LicenceError.NOT_AN_ISSUER, _("该部门不是此类证照的颁发部门"))
    holder_code = validate_holder(licence_type.holder_kind, holder_code)
    if not (holder_name or "").strip():
        raise InvalidInput(LicenceError.HOLDER_NAME_REQUIRED, _("请填写持证主体名称"), field="holder_name")
    face = _check_face(licence_type, face)
    if (
        not licence_type.multiple_per_holder
        and Licence.objects.filter(
            type=licence_type,
            holder_kind=licence_type.holder_kind,
            holder_code=holder_code,
            current=True,
            status__in=LIVE,
        ).exists()
    ):
        raise LicenceConflict(
            LicenceError.LICENCE_EXISTS, _("该持证主体已持有此类有效证照，请办理变更或延续")
        )
    today = timezone.localdate()
    issue_date = issue_date or today
    if valid_until is None and licence_type.validity_years:
        valid_until = _add_years(issue_date, licence_type.validity_years) - timedelta(days=1)
    if valid_until is not None and valid_until < issue_date:
        raise InvalidInput(LicenceError.INVALID_VALIDITY, _("有效期截止日早于颁证日期"), field="valid_until")
    serial = _serial(issue_date)
    try:
        identifier = make_licence_id(licence_type.code, issuer_code, serial, 1)
    except BadIdentifier as exc:
        raise InvalidInput(LicenceError.INVALID_ISSUER_CODE, _("颁发机构代码无效"), field=str(exc)) from exc
    licence = Licence(
        identifier=identifier,
        type=licence_type,
        number=(number or serial).strip(),
        holder_kind=licence_type.holder_kind,
        holder_code=holder_code,
        holder_name=holder_name.strip(),
        issuer_uuid=issuer_uuid,
        issuer_name=issuer_name,
        issuer_code=issuer_code,
        area_code=area_code,
        issue_date=issue_date,
        valid_from=issue_date,
        valid_until=valid_until,
        serial=serial,
        version=1,
        face=face,
        case_uuid=case_uuid,
        item_code=item_code,
        status_index=new_status_index(),
    )
    sign_licence(licence, issuer_key(issuer_uuid, issuer_name, issuer_code))
    licence.save()
    _written(
        actor,
        licence,
        "licence.issue",
        _("您获得了新的电子证照：%(name)s（%(number)s）。"),
        operation=Operation.ISSUE,
    )
    return licence


@transaction.atomic
def licence_new_version(
    *,
    actor: Actor,
    licence: Licence,
    face: dict | None = None,
    valid_until: date | None = None,
    reason: str = "",
) -> Licence:
    """A change (变更) or renewal (延续): a new version linked to the previous one, which stops being current."""
    old = lock_licence(licence)
    if not old.current or old.status not in LIVE:
        raise LicenceConflict(LicenceError.LICENCE_NOT_CURRENT, _("只有当前有效的证照可以变更或延续"))
    if old.version >= 999:
        raise LicenceConflict(LicenceError.TOO_MANY_VERSIONS, _("证照版本已达上限"))
    new = Licence(
        identifier=make_licence_id(old.type.code, old.issuer_code, old.serial, old.version + 1),
        type=old.type,
        number=old.number,
        holder_kind=old.holder_kind,
        holder_code=old.holder_code,
        holder_name=old.holder_name,
        issuer_uuid=old.issuer_uuid,
        issuer_name=old.issuer_name,
        issuer_code=old.issuer_code,
        area_code=old.area_code,
        issue_date=timezone.localdate(),
        valid_from=timezone.localdate(),
        valid_until=valid_until if valid_until is not None else old.valid_until,
        serial=old.serial,
        version=old.version + 1,
        previous=old,
        face=_check_face(old.type, old.face if face is None else face),
        status=old.status,
        case_uuid=old.case_uuid,
        item_code=old.item_code,
        status_index=new_status_index(),
    )
    Licence.objects.filter(pk=old.pk).update(current=False)
    sign_licence(new, issuer_key(old.issuer_uuid, old.issuer_name, old.issuer_code))
    new.save()
    _written(
        actor,
        new,
        "licence.new_version",
        _("您的电子证照 %(name)s（%(number)s）已更新为新版本。"),
        reason=reason,
        operation=Operation.CHANGE,
    )
    return new


@transaction.atomic
def licence_change_status(*, actor: Actor | None, licence: Licence, action: str, reason: str) -> Licence:
    """Suspend, restore, withdraw, cancel or revoke, with a reason (audited; the holder is told)."""
    if action not in STATUS_CHANGES:
        raise InvalidInput(
            LicenceError.INVALID_ACTION, _("操作无效"), field="action", allowed=sorted(STATUS_CHANGES)
        )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(LicenceError.REASON_REQUIRED, _("请填写原因"), field="reason")
    operation, allowed_from, to = STATUS_CHANGES[action]
    licence = lock_licence(licence)
    if not licence.current or licence.status not in allowed_from:
        raise LicenceConflict(
            LicenceError.INVALID_STATUS_CHANGE, _("证照状态不允许此操作"), status_now=licence.status
        )
    before = licence.status
    licence.status, licence.status_reason, licence.status_changed_at = to, reason[:500], timezone.now()
    licence.save(update_fields=["status", "status_reason", "status_changed_at"])
    _written(
        actor,
        licence,
        f"licence.{action}",
        _("您的电子证照 %(name)s（%(number)s）状态变更为“%(status)s”：%(reason)s"),
        before=before,
        reason=reason,
        operation=operation,
    )
    return licence


def _written(
    actor: Actor | None,
    licence: Licence,
    action: str,
    message: str | Promise,
    *,
    before: str = "",
    reason: str = "",
    operation: str = "",
) -> None:
    """Audit the write (with the 操作类型 code of a status change), tell the holder and, after commit, ask for
    the licence's sealed PDF (:data:`~tongban.licences.signals.licence_document_wanted`)."""
    audit_record(
        actor=actor,
        action=action,
        object_type="licence",
        object_id=licence.uuid,
        before={"status": before} if before else None,
        after={
            "identifier": licence.identifier,
            "status": licence.status,
            "reason": reason,
            "operation": operation,
        },
    )
    params = {
        "name": licence.type.name,
        "number": licence.number,
        "status": LicenceStatus(licence.status).label,
        "reason": reason,
    }
    for user_id in holder_user_ids(licence.holder_kind, licence.holder_code):
        # In each holder's language (``message`` is a lazy translation).
        notify(
            user_id=user_id,
            title=_("电子证照"),
            body=message,
            params=params,
            link=f"/licences/{licence.uuid}/",
        )
    licence_uuid = str(licence.uuid)
    transaction.on_commit(
        lambda: licence_document_wanted.send(sender=Licence, licence_uuid=licence_uuid), robust=True
    )


@transaction.atomic
def licence_type_set_assurance(*, actor: Actor | None, code: str, level: int) -> LicenceType:
    """Set the real-name level holders need to see, show and export licences of a type (2 or 3), audited."""
    if level not in (2, 3):
        raise InvalidInput(LicenceError.INVALID_LEVEL, _("用证所需实名等级应为 2 或 3"), field="level")
    licence_type = lock_licence_type(code)
    if licence_type is None:
        raise NotFound(LicenceError.LICENCE_TYPE_NOT_FOUND, _("证照类型不存在"))
    before = licence_type.required_assurance_level
    licence_type.required_assurance_level = level
    licence_type.save(update_fields=["required_assurance_level"])
    audit_record(
        actor=actor,
        action="licence_type.set_assurance",
        object_type="licence_type",
        object_id=code,
        before={"required_assurance_level": before},
        after={"required_assurance_level": level},
    )
    return licence_type
