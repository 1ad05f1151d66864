"""Applying: a submission (idempotent, checked whole before anything is written), the materials plan (what
the applicant brings, what the platform obtains: 两个免于提交) and the request fingerprint."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import (
    IdentityUnconfirmed,
    identity_confirmed,
    principal_for,
)
from tongban.cases.access import target_item_codes
from tongban.cases.application_form import validate_form
from tongban.cases.constants import (
    CASE_NUMBER_ALPHABET,
    COMMITMENT_DAYS,
    ApplicantKind,
    CaseStatus,
    DeliveryMethod,
    MaterialMode,
    StepStatus,
)
from tongban.cases.errors import CaseError, TargetNotFound
from tongban.cases.events import applicant_tell, event_record
from tongban.cases.models import ApplicationDraft, ApplicationDraftFile, Case, CaseMaterial, CaseStep
from tongban.cases.uploads import CheckedFile, check_upload
from tongban.catalog.facade import ESTABLISHING_LICENCE_TYPES, ApplicationTarget, application_target
from tongban.core.actors import Actor
from tongban.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from tongban.core.workdays import working_days_after
from tongban.licences.facade import (
    ApplicationLicences,
    LicenceRef,
    licences_for_application,
    record_case_uses,
)


def plan_steps(target: ApplicationTarget, **fields) -> list[CaseStep]:
    """The unsaved steps of a case of ``target``, one per step of its plan, all waiting (``fields``: e.g. the
    case)."""
    return [
        CaseStep(
            key=s.key,
            name=s.name,
            order=i,
            department_uuid=s.department_uuid,
            department_name=s.department_name,
            implementation_code=s.implementation_code,
            version_number=s.version_number,
            budget_days=s.budget_days,
            depends_on=list(s.depends_on),
            status=StepStatus.WAITING,
            **fields,
        )
        for i, s in enumerate(target.steps)
    ]


def case_submit(
    *,
    actor: Actor,
    target_kind: str,
    target_uuid,
    applicant_kind: str,
    applicant_uuid,
    form_data: dict,
    idempotency_key: str,
    files: dict | None = None,
    delivery_method: str = DeliveryMethod.ONLINE,
    commitments: Sequence[str] = (),
) -> tuple[Case, bool]:
    """Apply for a published item or bundle. Returns ``(case, created)``: a retry with the same
    ``idempotency_key`` returns the case made the first time, and concurrent retries make exactly one."""
    key = (idempotency_key or "").strip()
    if not 8 <= len(key) <= 80:
        raise InvalidInput(
            CaseError.INVALID_IDEMPOTENCY_KEY, _("Idempotency-Key 须为 8–80 个字符"), field="Idempotency-Key"
        )
    fingerprint = request_fingerprint(
        target_kind=target_kind,
        target_uuid=target_uuid,
        applicant_kind=applicant_kind,
        applicant_uuid=applicant_uuid,
        form_data=form_data,
        files=files or {},
        delivery_method=delivery_method,
        commitments=commitments,
    )
    # A retry normally comes after a failure: look for the case made the first time only when the checks
    # refuse (the target may have changed since) or when the insert meets the unique key, not on every
    # submission.
    try:
        target = application_target(target_kind, target_uuid)
        if target is None:
            raise TargetNotFound()
        if not identity_confirmed(actor):
            raise IdentityUnconfirmed()
        principal = principal_for(
            actor, kind=applicant_kind, principal_uuid=applicant_uuid, item_code=target_item_codes(target)
        )
        if principal is None:
            raise NotFound(CaseError.APPLICANT_NOT_FOUND, _("您不能以该申请者的名义申请"), field="applicant")
        wanted = "person" if principal.kind == ApplicantKind.PERSON else "organisation"
        if wanted not in target.audience:
            raise InvalidInput(CaseError.WRONG_AUDIENCE, _("该事项不面向此类申请者"), field="applicant")
        level = actor.assurance_level
        if level < target.required_assurance_level:
            raise PermissionDenied(
                CaseError.ASSURANCE_TOO_LOW,
                _("实名认证等级不足，请先提升认证等级"),
                required=target.required_assurance_level,
                current=level,
            )
        if delivery_method not in DeliveryMethod.values:
            raise InvalidInput(CaseError.INVALID_DELIVERY, _("结果送达方式无效"), field="delivery_method")
        checked = _check_form_and_materials(
            target, form_data, files or {}, set(commitments or ()), application_licences(target, principal)
        )
        _require_founder(target, principal, form_data)
    except DomainError:
        existing = _submitted(actor, key, fingerprint)
        if existing is None:
            raise
        return existing, False
    stored: list = []  # files written to storage, removed again if the transaction does not commit
    try:
        with transaction.atomic():
            case = _create(
                actor, target, principal, form_data, key, checked, delivery_method, stored, fingerprint
            )
    except BaseException as exc:
        for field_file in stored:
            field_file.delete(save=False)
        if not isinstance(exc, IntegrityError):
            raise
        # The case was made before, or a concurrent retry made it first (the unique key waited for its
        # commit): answer with that case.
        existing = _submitted(actor, key, fingerprint)
        if existing is None:
            raise
        return existing, False
    return case, True


def _require_founder(target, principal, form_data: dict) -> None:
    """开办企业: the enterprise a step registers has the applicant as its legal representative (the one who
    signs as such); another person founds it by applying themselves or through an authorisation of theirs."""
    establishes = any(s.result_licence_type_code in ESTABLISHING_LICENCE_TYPES for s in target.steps)
    named = str(form_data.get("legal_representative") or "").strip()
    if establishes and principal.kind == ApplicantKind.PERSON and named and named != principal.name:
        raise InvalidInput(
            CaseError.LEGAL_REPRESENTATIVE_NOT_APPLICANT,
            _("法定代表人须为申请人本人：由他人担任法定代表人的，请由其本人申请或授权您代办"),
            field="legal_representative",
        )


def _submitted(actor: Actor, key: str, fingerprint: str) -> Case | None:
    """The case made the first time with ``key``; a key reused for another application answers 422
    ``idempotency_key_reused`` (a retry must send the same request)."""
    case = Case.objects.filter(submitted_by=actor.require_user_id(), idempotency_key=key).first()
    if case is not None and case.request_fingerprint and case.request_fingerprint != fingerprint:
        raise InvalidInput(
            CaseError.IDEMPOTENCY_KEY_REUSED,
            _("该 Idempotency-Key 已用于另一份不同的申请：重试时请发送相同的内容，新的申请请使用新的 Key"),
            field="Idempotency-Key",
            case=case.number,
        )
    return case


def _upload_digest(upload) -> str:
    content = upload.read()
    if hasattr(upload, "seek"):
        upload.seek(0)
    return hashlib.sha256(content).hexdigest()


def request_fingerprint(
    *,
    target_kind,
    target_uuid,
    applicant_kind,
    applicant_uuid,
    form_data,
    files,
    delivery_method,
    commitments,
) -> str:
    """A digest of everything an application says, kept with the case: a retry with the same
    Idempotency-Key must say the same."""
    body = {
        "target": [str(target_kind), str(target_uuid)],
        "applicant": [str(applicant_kind), str(applicant_uuid)],
        "form_data": form_data,
        "files": {str(k): _upload_digest(f) for k, f in sorted(files.items())},
        "delivery_method": str(delivery_method),
        "commitments": sorted(str(c) for c in commitments or ()),
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def application_licences(target, principal) -> ApplicationLicences:
    """The e-licences the target asks for that the library keeps, and the applicant's valid ones."""
    codes = {
        m.licence_type_code
        for m in target.materials
        if m.source == "licence" and m.licence_type_code and not m.produced_by
    }
    return licences_for_application(
        holder_kind=principal.holder_kind, holder_code=principal.holder_code, type_codes=codes
    )


def material_plan(target, licences: ApplicationLicences) -> tuple[list, list]:
    """What the applicant brings (``to_upload``) and what the platform gets for them (``obtained``: pairs of
    the material and the licence attached, or None when the platform gets it elsewhere)."""
    to_upload: list[Any] = []
    obtained: list[tuple[Any, LicenceRef | None]] = []
    for spec in target.materials:
        if spec.produced_by:  # an earlier step of the bundle yields it (营业执照 in 开办企业)
            obtained.append((spec, None))
        elif spec.source == "licence" and spec.licence_type_code in licences.known:
            ref = licences.found.get(spec.licence_type_code)
            if ref is None:
                to_upload.append(spec)
            else:
                obtained.append((spec, ref))
        elif spec.obtained:
            obtained.append((spec, None))
        else:
            to_upload.append(spec)
    return to_upload, obtained


def _obtained_note(spec, ref) -> str:
    if spec.produced_by:
        return gettext("由「%(step)s」环节办理生成，免提交") % {"step": spec.produced_by_name}
    if ref is not None:
        return gettext("电子证照库：%(type)s %(number)s") % {"type": ref.type_name, "number": ref.number}
    return spec.shared_data_source or (
        gettext("电子证照库") if spec.source == "licence" else gettext("平台生成")
    )


def _check_form_and_materials(target, form_data, files, commitments, licences) -> list[tuple]:
    """The form and the materials checked together: a refusal lists the form's fields (``errors``) and the
    materials' problems (``problems``) at once, so the applicant fixes everything in one go."""
    form_error = None
    try:
        validate_form(target.form_schema, form_data)
    except InvalidInput as exc:
        if str(exc.code) != CaseError.FORM_INVALID.value:  # too large, broken schema: said alone
            raise
        form_error = exc
    try:
        checked = _check_materials(target, files, commitments, licences)
    except InvalidInput as exc:
        if form_error is None:
            raise
        form_error.details["problems"] = exc.details.get("problems", [])
    if form_error is not None:
        raise form_error
    return checked


def _check_materials(
    target,
    files: dict,
    commitments: AbstractSet[str] = frozenset(),
    licences: ApplicationLicences | None = None,
) -> list[tuple]:
    """Every material of the target: obtained by the platform (the applicant's valid e-licence of the type
    asked for is attached), uploaded (checked), or — where the item allows 容缺受理 — missing on the
    applicant's signed commitment to bring it within COMMITMENT_DAYS working days. A licence type the library
    keeps but the applicant does not hold must be uploaded. All problems at once. Rows are
    ``(spec, mode, checked file, note, licence)``."""
    known = {m.key for m in target.materials}
    unknown = sorted((set(files) | commitments) - known)
    problems: list[dict] = []
    rows: list[tuple[Any, str, CheckedFile | None, str, LicenceRef | None]] = []
    if unknown:
        problems.append({"code": "unknown_material", "fields": unknown})
    _to_upload, obtained = material_plan(target, licences or ApplicationLicences(frozenset(), {}))
    attached = {spec.key: ref for spec, ref in obtained}
    for spec in target.materials:  # in the target's order
        if spec.key in attached:
            ref = attached[spec.key]
            rows.append((spec, MaterialMode.OBTAINED, None, _obtained_note(spec, ref), ref))
            continue
        upload = files.get(spec.key)
        if upload is None:
            if spec.key in commitments:
                if not spec.commitment_allowed:
                    problems.append(
                        {
                            "code": "commitment_not_allowed",
                            "field": spec.key,
                            "name": spec.name,
                            "message": gettext("该材料不能容缺受理"),
                        }
                    )
                else:
                    rows.append((spec, MaterialMode.COMMITTED, None, gettext("申请人承诺限期补交"), None))
            elif spec.required:
                problems.append(
                    {
                        "code": "material_missing",
                        "field": spec.key,
                        "name": spec.name,
                        "message": gettext("电子证照库中没有您有效的该类证照，请上传")
                        if spec.source == "licence"
                        else gettext("缺少必需的材料"),
                    }
                )
            continue
        try:
            rows.append((spec, MaterialMode.UPLOADED, check_upload(upload, field=spec.key), "", None))
        except InvalidInput as exc:
            problems.append(
                {"code": exc.code, "field": spec.key, "name": spec.name, "message": str(exc.message)}
            )
    if problems:
        raise InvalidInput(CaseError.MATERIALS_INVALID, _("申请材料不符合要求"), problems=problems)
    return rows


def lookup_code_new() -> str:
    """查询码: six digits, with the case number the key to the public progress lookup (throttled)."""
    return f"{secrets.randbelow(10**6):06d}"


def case_number(now) -> str:
    """TB + date + 8 random characters (Crockford base32: no I, L, O, U): readable, unguessable, no
    counter row that every submission would have to lock."""
    return f"TB{now:%Y%m%d}" + "".join(secrets.choice(CASE_NUMBER_ALPHABET) for _ in range(8))


def _create(
    actor: Actor,
    target,
    principal,
    form_data,
    key,
    checked,
    delivery_method,
    stored: list,
    fingerprint: str = "",
    *,
    tell: bool = True,
) -> Case:
    now = timezone.now()
    case = Case.objects.create(
        number=case_number(timezone.localtime(now)),
        target_kind=target.kind,
        target_uuid=target.uuid,
        name=target.name,
        lead_department_uuid=target.lead_department_uuid,
        lead_department_name=target.lead_department_name,
        applicant_kind=principal.kind,
        applicant_uuid=principal.uuid,
        applicant_name=principal.name,
        submitted_by=actor.require_user_id(),
        idempotency_key=key,
        request_fingerprint=fingerprint,
        form_data=form_data,
        status=CaseStatus.SUBMITTED,
        promised_days=target.promised_days,
        legal_days=target.legal_days,
        submitted_at=now,
        delivery_method=delivery_method,
        lookup_code=lookup_code_new(),
    )
    steps = CaseStep.objects.bulk_create(plan_steps(target, case=case))
    commitment_due = working_days_after(timezone.localdate(now), COMMITMENT_DAYS)
    materials = []
    for spec, mode, checked_file, note, ref in checked:
        material = CaseMaterial(case=case, key=spec.key, name=spec.name, mode=mode, source_note=note)
        if ref is not None:
            material.licence = ref.snapshot()
        if mode == MaterialMode.COMMITTED:
            material.commitment_due_on = commitment_due
        if checked_file is not None:
            material.content_type = checked_file.content_type
            material.size = checked_file.size
            material.sha256 = checked_file.sha256
            material.file.save(
                f"{case.number}-{spec.key}.{checked_file.extension}",
                ContentFile(checked_file.content),
                save=False,
            )
            stored.append(material.file)
        materials.append(material)
    CaseMaterial.objects.bulk_create(materials)
    used = [ref for *_rest, ref in checked if ref is not None]
    if used:
        record_case_uses(
            licences=used,
            department_name=case.lead_department_name,
            cause=gettext("办理 %(name)s（%(number)s）") % {"name": case.name, "number": case.number},
        )
    committed = [spec.key for spec, mode, *_rest in checked if mode == MaterialMode.COMMITTED]
    event = event_record(case, actor, "submit", target=target.name, committed=committed)
    if tell:  # a window's case tells its applicant once the clerk's part is recorded (services/window.py)
        submitted_tell(case, phone=actor.phone, language=translation.get_language())
    # What was just written, for the answer to the submission (so it is not read back); later reads go to
    # the database as usual.
    case.just_written = {"steps": steps, "materials": materials, "timeline": [event]}
    return case


def submitted_tell(case: Case, *, phone: str | None = None, language: str | None = None) -> None:
    """Tell the applicant their application is in, with its 查询码 (the one applying online is told in the
    language they are using, on the phone they used; ``phone`` None: looked up)."""
    applicant_tell(
        case,
        _("申请已提交"),
        _("您的申请 %(name)s（%(number)s）已提交，等待受理。查询码 %(code)s，凭办件编号和查询码可查询进度。"),
        params={"name": case.name, "number": case.number, "code": case.lookup_code},
        phone=phone,
        language=language,
    )


def draft_save(*, actor: Actor, target_kind: str, target_uuid, form_data: dict) -> None:
    """Keep the form as typed (saved on change), to resume the application later: one draft per user and
    target."""
    ApplicationDraft.objects.update_or_create(
        user_id=actor.require_user_id(),
        target_kind=target_kind,
        target_uuid=target_uuid,
        defaults={"form_data": form_data},
    )


def draft_discard(*, actor: Actor, target_kind: str, target_uuid) -> None:
    """The application was submitted: its draft goes, with the files kept for it."""
    drafts = ApplicationDraft.objects.filter(
        user_id=actor.require_user_id(), target_kind=target_kind, target_uuid=target_uuid
    )
    kept = list(ApplicationDraftFile.objects.filter(draft__in=drafts))
    drafts.delete()
    for row in kept:
        row.file.delete(save=False)


def draft_files(*, actor: Actor, target_kind: str, target_uuid) -> dict[str, ApplicationDraftFile]:
    """The material files kept with the actor's draft of this target, by material key."""
    rows = ApplicationDraftFile.objects.filter(
        draft__user_id=actor.require_user_id(), draft__target_kind=target_kind, draft__target_uuid=target_uuid
    )
    return {row.key: row for row in rows}


def draft_files_keep(*, actor: Actor, target, files: dict) -> dict[str, ApplicationDraftFile]:
    """Keep with the draft every uploaded material file that passes its own checks (after a refused
    submission, whatever refused it): one bad file does not cost the good ones. A file kept before for the
    same material is replaced. Returns the files now kept."""
    known = {m.key for m in target.materials}
    good: dict[str, tuple] = {}
    for key, upload in files.items():
        if key not in known:
            continue
        if hasattr(upload, "seek"):
            upload.seek(0)
        try:
            good[key] = (check_upload(upload, field=key), getattr(upload, "name", "") or "")
        except InvalidInput:
            continue
    if good:
        draft, _created = ApplicationDraft.objects.get_or_create(
            user_id=actor.require_user_id(), target_kind=target.kind, target_uuid=target.uuid
        )
        for key, (checked, name) in good.items():
            old = ApplicationDraftFile.objects.filter(draft=draft, key=key).first()
            row = ApplicationDraftFile(
                draft=draft,
                key=key,
                original_name=name.replace("\\", "/").rsplit("/", 1)[-1][:200],
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
            )
            row.file.save(
                f"{secrets.token_hex(16)}.{checked.extension}", ContentFile(checked.content), save=False
            )
            with transaction.atomic():
                if old is not None:
                    old.delete()
                row.save()
            if old is not None:
                old.file.delete(save=False)
    return draft_files(actor=actor, target_kind=target.kind, target_uuid=target.uuid)


def draft_file_remove(*, actor: Actor, target_kind: str, target_uuid, key: str) -> None:
    """The applicant takes a kept file away (to upload another, or to commit to bring it later)."""
    row = draft_files(actor=actor, target_kind=target_kind, target_uuid=target_uuid).get(key)
    if row is not None:
        row.delete()
        row.file.delete(save=False)
