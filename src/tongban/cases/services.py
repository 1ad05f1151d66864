"""Every write to a case. Each transition is a service with an actor: it locks the case (always the case row
first, then its steps), checks the state (409 ``invalid_transition`` otherwise), writes a timeline event and
an audit event in the same transaction, and notifies the applicant after commit."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import (
    IdentityUnconfirmed,
    Role,
    actor_info,
    assurance_level_of,
    audit_actor,
    identity_confirmed,
    principal_for,
)
from tongban.cases.access import actor_may_act_on, target_item_codes
from tongban.cases.constants import (
    CASE_NUMBER_ALPHABET,
    OPEN_STEP_STATUSES,
    ApplicantKind,
    CaseStatus,
    DeliveryMethod,
    Light,
    MaterialMode,
    Outcome,
    SpecialKind,
    StepStatus,
)
from tongban.cases.deadlines import due_after, due_is_provisional, yellow_from
from tongban.cases.errors import InvalidTransition, TargetNotFound
from tongban.cases.forms import validate_form
from tongban.cases.models import Case, CaseEvent, CaseMaterial, CaseStep, SpecialProcedure
from tongban.cases.uploads import check_upload
from tongban.catalog.facade import application_target, record_conclusion
from tongban.core.audit import audit_record
from tongban.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from tongban.core.workdays import working_days_after, working_days_between
from tongban.licences.facade import ApplicationLicences, licences_for_application, record_case_uses
from tongban.notifications.facade import notify

COMMITMENT_DAYS = 10  # working days to bring a material accepted on commitment (容缺受理)
SUPPLEMENT_WINDOW_DAYS = 5  # 行政许可法 art. 32: tell the applicant within 5 days, once, everything


def _today() -> date:
    return timezone.localdate()


def _case_number(now) -> str:
    """TB + date + 8 random characters (Crockford base32: no I, L, O, U): readable, unguessable, no
    counter row that every submission would have to lock."""
    return f"TB{now:%Y%m%d}" + "".join(secrets.choice(CASE_NUMBER_ALPHABET) for _ in range(8))


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _event(
    case: Case, actor, action: str, *, step: CaseStep | None = None, opinion: str = "", **detail
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case,
        action=action,
        step_key=step.key if step else "",
        department_name=step.department_name if step else "",
        actor_label=audit_actor(actor).label if actor is not None else gettext("系统"),
        opinion=opinion,
        detail=detail,
    )
    audit_record(
        actor=audit_actor(actor),
        action=f"case.{action}",
        object_type="case",
        object_id=case.uuid,
        after={"status": case.status, "step": step.key if step else "", **detail},
    )
    return event


def _tell(case: Case, title: str, body: str, *, phone: str | None = None) -> None:
    """Tell the applicant (``phone``: their number when the caller has it, "" for none, None to look it up)."""
    notify(user_id=case.submitted_by, title=title, body=body, link=f"/cases/{case.uuid}/", phone=phone)


def _require(case: Case, action: str, *allowed: str) -> None:
    if case.status not in allowed:
        raise InvalidTransition(action, case.status)


# --- who may act ------------------------------------------------------------------------------------------
def is_intake_staff(actor, case: Case) -> bool:
    """A window clerk (综合窗口 accepts for every department) or a reviewer of the lead department."""
    from tongban.accounts.facade import staff_department_uuids

    info = actor_info(actor)
    if Role.WINDOW_CLERK in info.roles:
        return True
    return str(case.lead_department_uuid) in staff_department_uuids(actor, {Role.REVIEWER})


def _require_intake(actor, case: Case) -> None:
    if not is_intake_staff(actor, case):
        raise NotFound("case_not_found", _("办件不存在"))


def _require_reviewer(actor, step: CaseStep) -> None:
    from tongban.accounts.facade import staff_department_uuids

    if str(step.department_uuid) not in staff_department_uuids(actor, {Role.REVIEWER}):
        raise NotFound("step_not_found", _("环节不存在"))


# --- applying ---------------------------------------------------------------------------------------------
def case_submit(
    *,
    actor,
    target_kind: str,
    target_uuid,
    applicant_kind: str,
    applicant_uuid,
    form_data: dict,
    idempotency_key: str,
    files: dict | None = None,
    delivery_method: str = DeliveryMethod.ONLINE,
    commitments: list[str] = (),
) -> tuple[Case, bool]:
    """Apply for a published item or bundle. Returns ``(case, created)``: a retry with the same
    ``idempotency_key`` returns the case made the first time, and concurrent retries make exactly one."""
    key = (idempotency_key or "").strip()
    if not 8 <= len(key) <= 80:
        raise InvalidInput(
            "invalid_idempotency_key", _("Idempotency-Key 须为 8–80 个字符"), field="Idempotency-Key"
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
            raise NotFound("applicant_not_found", _("您不能以该申请者的名义申请"), field="applicant")
        wanted = "person" if principal.kind == ApplicantKind.PERSON else "organisation"
        if wanted not in target.audience:
            raise InvalidInput("wrong_audience", _("该事项不面向此类申请者"), field="applicant")
        level = assurance_level_of(actor) or 0
        if level < target.required_assurance_level:
            raise PermissionDenied(
                "assurance_too_low",
                _("实名认证等级不足，请先提升认证等级"),
                required=target.required_assurance_level,
                current=level,
            )
        if delivery_method not in DeliveryMethod.values:
            raise InvalidInput("invalid_delivery", _("结果送达方式无效"), field="delivery_method")
        validate_form(target.form_schema, form_data)
        checked = _check_materials(
            target, files or {}, set(commitments or ()), application_licences(target, principal)
        )
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


def _submitted(actor, key: str, fingerprint: str) -> Case | None:
    """The case made the first time with ``key``; a key reused for another application answers 422
    ``idempotency_key_reused`` (a retry must send the same request)."""
    case = Case.objects.filter(submitted_by=actor.pk, idempotency_key=key).first()
    if case is not None and case.request_fingerprint and case.request_fingerprint != fingerprint:
        raise InvalidInput(
            "idempotency_key_reused",
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
    codes = {m.licence_type_code for m in target.materials if m.source == "licence" and m.licence_type_code}
    return licences_for_application(
        holder_kind=principal.holder_kind, holder_code=principal.holder_code, type_codes=codes
    )


def material_plan(target, licences: ApplicationLicences) -> tuple[list, list]:
    """What the applicant brings (``to_upload``) and what the platform gets for them (``obtained``: pairs of
    the material and the licence attached, or None when the platform gets it elsewhere)."""
    to_upload, obtained = [], []
    for spec in target.materials:
        if spec.source == "licence" and spec.licence_type_code in licences.known:
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
    if ref is not None:
        return gettext("电子证照库：%(type)s %(number)s") % {"type": ref.type_name, "number": ref.number}
    return spec.shared_data_source or (
        gettext("电子证照库") if spec.source == "licence" else gettext("平台生成")
    )


def _check_materials(
    target, files: dict, commitments: set[str] = frozenset(), licences: ApplicationLicences | None = None
) -> list[tuple]:
    """Every material of the target: obtained by the platform (the applicant's valid e-licence of the type
    asked for is attached), uploaded (checked), or — where the item allows 容缺受理 — missing on the
    applicant's signed commitment to bring it within COMMITMENT_DAYS working days. A licence type the library
    keeps but the applicant does not hold must be uploaded. All problems at once. Rows are
    ``(spec, mode, checked file, note, licence)``."""
    known = {m.key for m in target.materials}
    unknown = sorted((set(files) | commitments) - known)
    problems, rows = [], []
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
        raise InvalidInput("materials_invalid", _("申请材料不符合要求"), problems=problems)
    return rows


def _create(
    actor, target, principal, form_data, key, checked, delivery_method, stored: list, fingerprint: str = ""
) -> Case:
    now = timezone.now()
    case = Case.objects.create(
        number=_case_number(timezone.localtime(now)),
        target_kind=target.kind,
        target_uuid=target.uuid,
        name=target.name,
        lead_department_uuid=target.lead_department_uuid,
        lead_department_name=target.lead_department_name,
        applicant_kind=principal.kind,
        applicant_uuid=principal.uuid,
        applicant_name=principal.name,
        submitted_by=actor.pk,
        idempotency_key=key,
        request_fingerprint=fingerprint,
        form_data=form_data,
        status=CaseStatus.SUBMITTED,
        promised_days=target.promised_days,
        legal_days=target.legal_days,
        submitted_at=now,
        delivery_method=delivery_method,
    )
    steps = CaseStep.objects.bulk_create(
        CaseStep(
            case=case,
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
        )
        for i, s in enumerate(target.steps)
    )
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
    event = _event(case, actor, "submit", target=target.name, committed=committed)
    _tell(
        case,
        gettext("申请已提交"),
        gettext("您的申请 %(name)s（%(number)s）已提交，等待受理。")
        % {"name": case.name, "number": case.number},
        phone=getattr(actor, "phone", None) or "",
    )
    # What was just written, for the answer to the submission (so it is not read back); later reads go to
    # the database as usual.
    case.just_written = {"steps": steps, "materials": materials, "timeline": [event]}
    return case


# --- intake: accept, refuse, request a supplement ------------------------------------------------------
def _start_steps(case: Case, steps: list[CaseStep], on: date) -> None:
    done = {s.key for s in steps if s.status == StepStatus.PASSED}
    for step in steps:
        if step.status == StepStatus.WAITING and all(d in done for d in step.depends_on):
            step.status, step.started_on = StepStatus.READY, on
            step.due_on = due_after(on, step.budget_days)
            step.yellow_on = yellow_from(on, step.due_on, step.budget_days)
            step.due_on_provisional = due_is_provisional(on, step.due_on)
            step.light = Light.GREEN
            step.save(
                update_fields=["status", "started_on", "due_on", "yellow_on", "due_on_provisional", "light"]
            )


def _accept(case: Case, actor, on: date, *, deemed: bool) -> None:
    case.status = CaseStatus.IN_PROCESS
    case.accepted_on = on
    case.deemed_accepted = deemed
    case.acceptance_voucher = "SL" + case.number[2:]
    case.due_on = on if case.promised_days == 0 else due_after(on, case.promised_days)
    case.yellow_on = yellow_from(on, case.due_on, case.promised_days)
    case.due_on_provisional = due_is_provisional(on, case.due_on)
    case.save(
        update_fields=[
            "status",
            "accepted_on",
            "deemed_accepted",
            "acceptance_voucher",
            "due_on",
            "yellow_on",
            "due_on_provisional",
        ]
    )
    _start_steps(case, list(case.steps.select_for_update().order_by("order")), on)
    _event(
        case,
        actor,
        "deemed_accept" if deemed else "accept",
        voucher=case.acceptance_voucher,
        due_on=str(case.due_on),
    )
    _tell(
        case,
        gettext("申请已受理"),
        gettext("%(name)s（%(number)s）已受理，受理文书编号 %(voucher)s，承诺 %(due)s 前办结。")
        % {"name": case.name, "number": case.number, "voucher": case.acceptance_voucher, "due": case.due_on},
    )


@transaction.atomic
def case_accept(*, actor, case: Case) -> Case:
    _require_intake(actor, case)
    case = _lock(case)
    _require(case, "accept", CaseStatus.SUBMITTED)
    _accept(case, actor, _today(), deemed=False)
    return case


@transaction.atomic
def case_refuse(*, actor, case: Case, reasons: str) -> Case:
    reasons = (reasons or "").strip()
    if not reasons:
        raise InvalidInput("reasons_required", _("不予受理须说明理由"), field="reasons")
    _require_intake(actor, case)
    case = _lock(case)
    _require(case, "refuse", CaseStatus.SUBMITTED)
    case.status, case.refusal_reasons = CaseStatus.REFUSED, reasons
    case.save(update_fields=["status", "refusal_reasons"])
    _event(case, actor, "refuse", opinion=reasons)
    _tell(
        case,
        gettext("申请不予受理"),
        gettext("%(name)s（%(number)s）不予受理：%(reasons)s")
        % {"name": case.name, "number": case.number, "reasons": reasons},
    )
    return case


@transaction.atomic
def case_request_supplement(*, actor, case: Case, items: list[str]) -> Case:
    """Ask once for everything missing, within 5 working days of submission (行政许可法 art. 32)."""
    items = [i.strip() for i in items or [] if i and i.strip()]
    if not items:
        raise InvalidInput("supplement_items_required", _("须一次性列明需要补正的全部内容"), field="items")
    _require_intake(actor, case)
    case = _lock(case)
    _require(case, "request_supplement", CaseStatus.SUBMITTED)
    if case.supplement_requested_at is not None:
        raise InvalidTransition("request_supplement_again", case.status)
    if working_days_between(timezone.localdate(case.submitted_at), _today()) > SUPPLEMENT_WINDOW_DAYS:
        raise InvalidTransition("request_supplement_late", case.status)
    case.status, case.supplement_requested_at, case.supplement_items = (
        CaseStatus.SUPPLEMENT,
        timezone.now(),
        items,
    )
    case.save(update_fields=["status", "supplement_requested_at", "supplement_items"])
    _event(case, actor, "request_supplement", opinion="；".join(items), items=items)
    _tell(
        case,
        gettext("请补正材料"),
        gettext("%(name)s（%(number)s）需要补正：%(items)s")
        % {"name": case.name, "number": case.number, "items": "；".join(items)},
    )
    return case


@transaction.atomic
def case_supplement(*, actor, case: Case, form_data: dict | None = None, files: dict | None = None) -> Case:
    """The applicant supplies what was asked; the case goes back to intake."""
    case = _lock(case)
    if not actor_may_act_on(actor, case):
        raise NotFound("case_not_found", _("办件不存在"))
    target = application_target(case.target_kind, case.target_uuid)
    if target is None:
        raise TargetNotFound()
    if case.status == CaseStatus.IN_PROCESS or case.status == CaseStatus.SUBMITTED:
        # Only materials accepted on commitment may be brought while the case runs.
        return _bring_committed(actor, case, target, files or {})
    _require(case, "supplement", CaseStatus.SUPPLEMENT, CaseStatus.RETURNED)
    if form_data is not None:
        validate_form(target.form_schema, form_data)
        case.form_data = form_data
    for spec, mode, checked_file, _note, _ref in _check_supplied(target, files or {}):
        material, _created = CaseMaterial.objects.get_or_create(
            case=case, key=spec.key, defaults={"name": spec.name, "mode": mode}
        )
        material.mode, material.content_type = mode, checked_file.content_type
        material.size, material.sha256 = checked_file.size, checked_file.sha256
        material.source_note, material.licence = "", {}
        material.file.save(
            f"{case.number}-{spec.key}.{checked_file.extension}",
            ContentFile(checked_file.content),
            save=False,
        )
        material.save()
    returned = case.status == CaseStatus.RETURNED
    case.status = CaseStatus.IN_PROCESS if returned else CaseStatus.SUBMITTED
    case.save(update_fields=["status", "form_data"])
    if returned:
        steps = list(case.steps.select_for_update().order_by("order"))
        for step in steps:
            if step.status == StepStatus.RETURNED:
                step.status, step.claimed_by, step.claimed_by_name = StepStatus.READY, None, ""
                step.save(update_fields=["status", "claimed_by", "claimed_by_name"])
            elif step.status == StepStatus.HELD:  # back to where it was when the case was returned
                step.status = StepStatus.CLAIMED if step.claimed_by else StepStatus.READY
                step.save(update_fields=["status"])
    _event(case, actor, "supplement", materials=sorted((files or {}).keys()))
    return case


def _bring_committed(actor, case: Case, target, files: dict) -> Case:
    committed = set(case.materials.filter(mode=MaterialMode.COMMITTED).values_list("key", flat=True))
    if not files or set(files) - committed:
        raise InvalidTransition("supplement", case.status)
    for spec, _mode, checked_file, _note, _ref in _check_supplied(target, files):
        material = case.materials.get(key=spec.key)
        material.mode, material.content_type = MaterialMode.UPLOADED, checked_file.content_type
        material.size, material.sha256, material.source_note = checked_file.size, checked_file.sha256, ""
        material.file.save(
            f"{case.number}-{spec.key}.{checked_file.extension}",
            ContentFile(checked_file.content),
            save=False,
        )
        material.save()
    _event(case, actor, "commitment_kept", materials=sorted(files))
    return case


def _check_supplied(target, files: dict) -> list[tuple]:
    specs = {m.key: m for m in target.materials if not m.obtained or m.source == "licence"}
    unknown = sorted(set(files) - set(specs))
    if unknown:
        raise InvalidInput("unknown_material", _("未知的申请材料"), fields=unknown)
    return [(specs[k], MaterialMode.UPLOADED, check_upload(f, field=k), "", None) for k, f in files.items()]


@transaction.atomic
def case_withdraw(*, actor, case: Case) -> Case:
    case = _lock(case)
    if not actor_may_act_on(actor, case):
        raise NotFound("case_not_found", _("办件不存在"))
    _require(
        case,
        "withdraw",
        CaseStatus.SUBMITTED,
        CaseStatus.SUPPLEMENT,
        CaseStatus.IN_PROCESS,
        CaseStatus.RETURNED,
    )
    case.status = CaseStatus.WITHDRAWN
    case.save(update_fields=["status"])
    _close_open_steps(case)
    _event(case, actor, "withdraw")
    return case


def cases_deem_accepted(today: date | None = None) -> int:
    """Cases submitted more than 5 working days ago with no supplement request count as accepted from the
    day they were submitted (行政许可法 art. 32). Safe to run again: only ``submitted`` cases are touched."""
    today = today or _today()
    done = 0
    candidates = Case.objects.filter(
        status=CaseStatus.SUBMITTED, supplement_requested_at__isnull=True
    ).values_list("pk", "submitted_at")
    for pk, submitted_at in candidates.iterator():
        submitted_on = timezone.localdate(submitted_at)
        if working_days_between(submitted_on, today) <= SUPPLEMENT_WINDOW_DAYS:
            continue
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=pk)
            if case.status != CaseStatus.SUBMITTED or case.supplement_requested_at is not None:
                continue
            _accept(case, None, submitted_on, deemed=True)
            done += 1
    return done


# --- steps: claim, release, decide --------------------------------------------------------------------
def _lock_step(step: CaseStep) -> tuple[Case, CaseStep]:
    case = Case.objects.select_for_update().get(pk=step.case_id)
    return case, CaseStep.objects.select_for_update().get(pk=step.pk)


@transaction.atomic
def step_claim(*, actor, step: CaseStep) -> CaseStep:
    _require_reviewer(actor, step)
    case, step = _lock_step(step)
    _require(case, "claim", CaseStatus.IN_PROCESS)
    if step.status != StepStatus.READY:
        raise InvalidTransition("claim", step.status)
    step.status, step.claimed_by, step.claimed_by_name = (
        StepStatus.CLAIMED,
        actor.pk,
        actor_info(actor).display_name,
    )
    step.save(update_fields=["status", "claimed_by", "claimed_by_name"])
    _event(case, actor, "claim", step=step)
    return step


@transaction.atomic
def step_release(*, actor, step: CaseStep) -> CaseStep:
    _require_reviewer(actor, step)
    case, step = _lock_step(step)
    if step.status != StepStatus.CLAIMED or step.claimed_by != actor.pk:
        raise InvalidTransition("release", step.status)
    step.status, step.claimed_by, step.claimed_by_name = StepStatus.READY, None, ""
    step.save(update_fields=["status", "claimed_by", "claimed_by_name"])
    _event(case, actor, "release", step=step)
    return step


DECISIONS = ("pass", "return", "refuse")


@transaction.atomic
def step_decide(*, actor, step: CaseStep, decision: str, opinion: str) -> CaseStep:
    """Pass the step (the next steps start; the case concludes approved when all have passed), return it
    to the applicant with the reasons, or refuse (the case concludes not approved)."""
    opinion = (opinion or "").strip()
    if decision not in DECISIONS:
        raise InvalidInput("invalid_decision", _("处理结果无效"), field="decision", allowed=list(DECISIONS))
    if decision != "pass" and not opinion:
        raise InvalidInput("opinion_required", _("退回或不予许可须填写意见"), field="opinion")
    _require_reviewer(actor, step)
    case, step = _lock_step(step)
    _require(case, "decide", CaseStatus.IN_PROCESS)
    if case.paused_since is not None:
        raise InvalidTransition("decide_while_paused", case.status)
    if step.status != StepStatus.CLAIMED or step.claimed_by != actor.pk:
        raise InvalidTransition("decide", step.status)
    step.decided_at, step.opinion = timezone.now(), opinion
    today = _today()
    if decision == "pass":
        step.status = StepStatus.PASSED
        step.save(update_fields=["status", "decided_at", "opinion"])
        _event(case, actor, "step_pass", step=step, opinion=opinion)
        steps = list(case.steps.select_for_update().order_by("order"))
        if all(s.status == StepStatus.PASSED for s in steps):
            _conclude(case, actor, Outcome.APPROVED, opinion or gettext("准予许可"), today)
        else:
            _start_steps(case, steps, today)
    elif decision == "return":
        step.status = StepStatus.RETURNED
        step.save(update_fields=["status", "decided_at", "opinion"])
        case.status = CaseStatus.RETURNED
        case.save(update_fields=["status"])
        # The other open steps wait for the applicant (claims kept; their reviewers cannot decide meanwhile).
        case.steps.filter(status__in=OPEN_STEP_STATUSES).update(status=StepStatus.HELD)
        _event(case, actor, "step_return", step=step, opinion=opinion)
        _tell(
            case,
            gettext("申请被退回"),
            gettext("%(name)s（%(number)s）在“%(step)s”环节被退回：%(opinion)s")
            % {"name": case.name, "number": case.number, "step": step.name, "opinion": opinion},
        )
    else:
        step.status = StepStatus.RETURNED
        step.save(update_fields=["status", "decided_at", "opinion"])
        _close_open_steps(case)
        _event(case, actor, "step_refuse", step=step, opinion=opinion)
        _conclude(case, actor, Outcome.NOT_APPROVED, opinion, today)
    return step


def _close_open_steps(case: Case) -> None:
    """The case ends before its plan did (withdrawn, refused): its steps that were still to be done close."""
    case.steps.filter(status__in=[*OPEN_STEP_STATUSES, StepStatus.WAITING, StepStatus.HELD]).update(
        status=StepStatus.CLOSED, light=Light.GREEN
    )


def _conclude(case: Case, actor, outcome: str, decision: str, today: date) -> None:
    case.status, case.outcome, case.decision = CaseStatus.CONCLUDED, outcome, decision
    case.concluded_at = timezone.now()
    case.actual_days = max(working_days_between(case.accepted_on, today) - case.paused_days, 0)
    case.save(update_fields=["status", "outcome", "decision", "concluded_at", "actual_days"])
    record_conclusion(
        target_kind=case.target_kind,
        target_uuid=case.target_uuid,
        promised_days=case.promised_days,
        actual_days=case.actual_days,
    )
    _event(case, actor, "conclude", outcome=outcome, actual_days=case.actual_days)
    if outcome == Outcome.APPROVED:
        _issue_licences(case, actor)
    _tell(
        case,
        gettext("办件已办结"),
        gettext("%(name)s（%(number)s）已办结：%(outcome)s。")
        % {"name": case.name, "number": case.number, "outcome": Outcome(outcome).label},
    )


def _issue_licences(case: Case, actor) -> None:
    """The e-licences the case's items yield, issued to the applicant by each item's department (in the
    conclusion's transaction); one timeline event per licence, issued or not with the reason."""
    from tongban.accounts.facade import holder_of_principal, organisation_info
    from tongban.licences.facade import issue_for_case

    target = application_target(case.target_kind, case.target_uuid)
    wanted = [s for s in (target.steps if target else ()) if s.result_licence_type_code]
    if not wanted:
        return
    holder = holder_of_principal(case.applicant_kind, case.applicant_uuid)
    for step in wanted:
        issuer = organisation_info(step.department_uuid)
        if holder is None or issuer is None:
            _event(
                case, None, "licence_not_issued", type_code=step.result_licence_type_code, problem="holder"
            )
            continue
        issued = issue_for_case(
            type_code=step.result_licence_type_code,
            holder_kind=holder.kind,
            holder_code=holder.code,
            holder_name=holder.name,
            issuer_uuid=issuer.uuid,
            issuer_name=issuer.name,
            issuer_code=issuer.uscc,
            form_data=case.form_data,
            case_uuid=str(case.uuid),
            item_code=step.implementation_code,
        )
        if issued.uuid:
            _event(case, None, "licence_issued", type_code=issued.type_code, number=issued.number)
        else:
            _event(case, None, "licence_not_issued", type_code=issued.type_code, problem=issued.problem)


# --- special procedures (the clock stops) -----------------------------------------------------------
@transaction.atomic
def special_start(*, actor, case: Case, kind: str, reason: str) -> SpecialProcedure:
    if kind not in SpecialKind.values:
        raise InvalidInput(
            "invalid_special_kind", _("特别程序种类无效"), field="kind", allowed=SpecialKind.values
        )
    if not (reason or "").strip():
        raise InvalidInput("reason_required", _("须说明特别程序的理由和依据"), field="reason")
    _require_intake(actor, case)
    case = _lock(case)
    _require(case, "special_start", CaseStatus.IN_PROCESS)
    if case.paused_since is not None:
        raise InvalidTransition("special_start_twice", case.status)
    today = _today()
    case.paused_since = today
    case.save(update_fields=["paused_since"])
    procedure = SpecialProcedure.objects.create(case=case, kind=kind, reason=reason.strip(), started_on=today)
    _event(case, actor, "special_start", opinion=reason.strip(), kind=kind)
    _tell(
        case,
        gettext("进入特别程序"),
        gettext("%(name)s（%(number)s）进入%(kind)s，所需时间不计入办理时限。")
        % {"name": case.name, "number": case.number, "kind": SpecialKind(kind).label},
    )
    return procedure


@transaction.atomic
def special_end(*, actor, case: Case, result: str) -> SpecialProcedure:
    """End the special procedure: its working days move every open due date later."""
    _require_intake(actor, case)
    case = _lock(case)
    if case.paused_since is None:
        raise InvalidTransition("special_end", case.status)
    today = _today()
    paused = max(working_days_between(case.paused_since, today), 0)
    procedure = case.special_procedures.select_for_update().get(ended_on__isnull=True)
    procedure.ended_on, procedure.result, procedure.paused_days = today, (result or "").strip(), paused
    procedure.save(update_fields=["ended_on", "result", "paused_days"])
    case.paused_days += paused
    case.paused_since = None
    if paused:
        case.due_on = working_days_after(case.due_on, paused)
        case.yellow_on = yellow_from(case.accepted_on, case.due_on, case.promised_days + case.paused_days)
        case.due_on_provisional = due_is_provisional(case.accepted_on, case.due_on)
    case.save(update_fields=["paused_days", "paused_since", "due_on", "yellow_on", "due_on_provisional"])
    if paused:
        for step in case.steps.select_for_update().filter(status__in=OPEN_STEP_STATUSES):
            step.due_on = working_days_after(step.due_on, paused)
            step.yellow_on = yellow_from(step.started_on, step.due_on, step.budget_days + paused)
            step.due_on_provisional = due_is_provisional(step.started_on, step.due_on)
            step.save(update_fields=["due_on", "yellow_on", "due_on_provisional"])
    _event(case, actor, "special_end", opinion=procedure.result, paused_days=paused)
    return procedure


# --- delivery -----------------------------------------------------------------------------------------
@transaction.atomic
def case_deliver(*, actor, case: Case, tracking_number: str = "") -> Case:
    _require_intake(actor, case)
    case = _lock(case)
    _require(case, "deliver", CaseStatus.CONCLUDED)
    tracking_number = (tracking_number or "").strip()
    if case.delivery_method == DeliveryMethod.COURIER and not tracking_number:
        raise InvalidInput("tracking_number_required", _("邮寄送达须填写快递单号"), field="tracking_number")
    case.status, case.delivered_at, case.tracking_number = (
        CaseStatus.DELIVERED,
        timezone.now(),
        tracking_number,
    )
    case.save(update_fields=["status", "delivered_at", "tracking_number"])
    _event(case, actor, "deliver", method=case.delivery_method, tracking_number=tracking_number)
    _tell(
        case,
        gettext("办理结果已送达"),
        gettext("%(name)s（%(number)s）的办理结果已送达（%(method)s）。")
        % {"name": case.name, "number": case.number, "method": DeliveryMethod(case.delivery_method).label},
    )
    return case
