"""Intake (受理): accept, refuse, ask once for a supplement (补正) within 5 working days, the applicant's
supplement, bringing a material accepted on commitment, withdrawal, and acceptance deemed by law."""

from __future__ import annotations

from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.cases.access import require_applicant_side, require_intake_staff
from tongban.cases.application_form import validate_form
from tongban.cases.constants import (
    COMMITMENT_STATUSES,
    SUPPLEMENT_WINDOW_DAYS,
    SUPPLEMENTABLE_STATUSES,
    WITHDRAWABLE_STATUSES,
    CaseStatus,
    MaterialMode,
    StepStatus,
)
from tongban.cases.deadlines import due_after, due_is_provisional, yellow_from
from tongban.cases.errors import CaseError, InvalidTransition, TargetNotFound
from tongban.cases.events import applicant_tell, case_ended_after_commit, event_record
from tongban.cases.locks import lock_case, lock_steps
from tongban.cases.models import Case, CaseMaterial
from tongban.cases.services import common
from tongban.cases.services.common import require_status
from tongban.cases.services.steps import close_open_steps, start_steps
from tongban.cases.uploads import check_upload
from tongban.catalog.facade import application_target
from tongban.core.actors import Actor
from tongban.core.errors import InvalidInput
from tongban.core.workdays import working_days_between


def accept(case: Case, actor: Actor | None, on: date, *, deemed: bool) -> None:
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
    start_steps(case, list(lock_steps(case)), on)
    event_record(
        case,
        actor,
        "deemed_accept" if deemed else "accept",
        voucher=case.acceptance_voucher,
        due_on=str(case.due_on),
    )
    acceptance_seal_after_commit(case, "acceptance")
    applicant_tell(
        case,
        _("申请已受理"),
        _("%(name)s（%(number)s）已受理，受理文书编号 %(voucher)s，承诺 %(due)s 前办结。"),
        params={
            "name": case.name,
            "number": case.number,
            "voucher": case.acceptance_voucher,
            "due": case.due_on,
        },
    )


def acceptance_seal_after_commit(case: Case, kind: str) -> None:
    """The sealed 受理通知书 (or 不予受理决定书) is made by a task once the acceptance (or refusal) is
    committed: every way a case is accepted (by the clerk, on commitment, deemed) goes through ``accept``."""
    from tongban.cases.tasks import case_acceptance_seal

    uuid = str(case.uuid)
    transaction.on_commit(lambda: case_acceptance_seal.enqueue(case_uuid=uuid, kind=kind), robust=True)


@transaction.atomic
def case_accept(*, actor: Actor, case: Case) -> Case:
    require_intake_staff(actor, case)
    case = lock_case(case)
    require_status(case, "accept", CaseStatus.SUBMITTED)
    accept(case, actor, common.today(), deemed=False)
    return case


@transaction.atomic
def case_refuse(*, actor: Actor, case: Case, reasons: str) -> Case:
    reasons = (reasons or "").strip()
    if not reasons:
        raise InvalidInput(CaseError.REASONS_REQUIRED, _("不予受理须说明理由"), field="reasons")
    require_intake_staff(actor, case)
    case = lock_case(case)
    require_status(case, "refuse", CaseStatus.SUBMITTED)
    case.status, case.refusal_reasons = CaseStatus.REFUSED, reasons
    case.save(update_fields=["status", "refusal_reasons"])
    event_record(case, actor, "refuse", opinion=reasons)
    case_ended_after_commit(case)
    acceptance_seal_after_commit(case, "refusal")
    applicant_tell(
        case,
        _("申请不予受理"),
        _("%(name)s（%(number)s）不予受理：%(reasons)s"),
        params={"name": case.name, "number": case.number, "reasons": reasons},
    )
    return case


@transaction.atomic
def case_request_supplement(
    *, actor: Actor, case: Case, items: list[str], materials: dict[str, str] | None = None
) -> Case:
    """Ask once for everything missing, within 5 working days of submission (行政许可法 art. 32): free-text
    ``items`` and/or the ``materials`` to bring again, by key, each with the reason (shown to the applicant
    beside the material; the supplement must then bring every one of them)."""
    items = [i.strip() for i in items or [] if i and i.strip()]
    asked = {str(k): (r or "").strip()[:500] for k, r in (materials or {}).items()}
    if not items and not asked:
        raise InvalidInput(
            CaseError.SUPPLEMENT_ITEMS_REQUIRED, _("须一次性列明需要补正的全部内容"), field="items"
        )
    require_intake_staff(actor, case)
    if asked:
        target = application_target(case.target_kind, case.target_uuid)
        specs = {m.key: m for m in _suppliable(target)} if target is not None else {}
        unknown = sorted(set(asked) - set(specs))
        if unknown:
            raise InvalidInput(CaseError.UNKNOWN_MATERIAL, _("未知的申请材料"), fields=unknown)
        for key, reason in asked.items():
            items.append(
                gettext("「%(name)s」：%(reason)s") % {"name": specs[key].name, "reason": reason}
                if reason
                else gettext("「%(name)s」") % {"name": specs[key].name}
            )
    case = lock_case(case)
    require_status(case, "request_supplement", CaseStatus.SUBMITTED)
    if case.supplement_requested_at is not None:
        raise InvalidTransition("request_supplement_again", case.status)
    if working_days_between(timezone.localdate(case.submitted_at), common.today()) > SUPPLEMENT_WINDOW_DAYS:
        raise InvalidTransition("request_supplement_late", case.status)
    case.status, case.supplement_requested_at, case.supplement_items = (
        CaseStatus.SUPPLEMENT,
        timezone.now(),
        items,
    )
    case.supplement_materials = asked
    case.save(update_fields=["status", "supplement_requested_at", "supplement_items", "supplement_materials"])
    event_record(case, actor, "request_supplement", opinion="；".join(items), items=items)
    applicant_tell(
        case,
        _("请补正材料"),
        _("%(name)s（%(number)s）需要补正：%(items)s"),
        params={"name": case.name, "number": case.number, "items": "；".join(items)},
    )
    return case


@transaction.atomic
def case_supplement(
    *, actor: Actor, case: Case, form_data: dict | None = None, files: dict | None = None
) -> Case:
    """The applicant supplies what was asked; the case goes back to intake."""
    case = lock_case(case)
    require_applicant_side(actor, case)
    target = application_target(case.target_kind, case.target_uuid)
    if target is None:
        raise TargetNotFound()
    if case.status in COMMITMENT_STATUSES:
        # Only materials accepted on commitment may be brought while the case runs.
        return _bring_committed(actor, case, target, files or {})
    require_status(case, "supplement", *SUPPLEMENTABLE_STATUSES)
    _require_what_was_asked(case, target, form_data, files or {})
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
    case.supplement_materials = {}  # brought: a later return asks afresh
    case.save(update_fields=["status", "form_data", "supplement_materials"])
    if returned:
        steps = list(lock_steps(case))
        for step in steps:
            if step.status == StepStatus.RETURNED:
                step.status, step.claimed_by, step.claimed_by_name = StepStatus.READY, None, ""
                step.save(update_fields=["status", "claimed_by", "claimed_by_name"])
            elif step.status == StepStatus.HELD:  # back to where it was when the case was returned
                step.status = StepStatus.CLAIMED if step.claimed_by else StepStatus.READY
                step.save(update_fields=["status"])
    event_record(case, actor, "supplement", materials=sorted((files or {}).keys()))
    return case


def _bring_committed(actor: Actor, case: Case, target, files: dict) -> Case:
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
    event_record(case, actor, "commitment_kept", materials=sorted(files))
    return case


def _suppliable(target) -> list:
    """The materials an applicant may bring after submitting: uploaded ones, and e-licences (brought when
    the library has none)."""
    return [m for m in target.materials if not m.obtained or m.source == "licence"]


def _require_what_was_asked(case: Case, target, form_data, files: dict) -> None:
    """A supplement brings something; after a request naming materials, exactly those (every one of them,
    and no other): an empty or partial supplement is refused with what is missing."""
    if not files and form_data is None:
        raise InvalidInput(
            CaseError.SUPPLEMENT_EMPTY,
            _("补正内容为空：请上传要求补正的材料后再提交"),
            problems=_missing_problems(case, target, set(case.supplement_materials or {})),
        )
    asked = set(case.supplement_materials or {})
    if not asked:
        return
    extra = sorted(set(files) - asked)
    if extra:
        raise InvalidInput(CaseError.MATERIAL_NOT_REQUESTED, _("只需上传要求补正的材料"), fields=extra)
    missing = asked - set(files)
    if missing:
        raise InvalidInput(
            CaseError.SUPPLEMENT_INCOMPLETE,
            _("补正材料不全：请上传要求补正的全部材料"),
            problems=_missing_problems(case, target, missing),
        )


def _missing_problems(case: Case, target, keys: set[str]) -> list[dict]:
    reasons = case.supplement_materials or {}
    return [
        {
            "code": "material_missing",
            "field": m.key,
            "name": m.name,
            "message": gettext("请上传（补正原因：%(reason)s）") % {"reason": reasons[m.key]}
            if reasons.get(m.key)
            else gettext("请上传"),
        }
        for m in _suppliable(target)
        if m.key in keys
    ]


def _check_supplied(target, files: dict) -> list[tuple]:
    specs = {m.key: m for m in _suppliable(target)}
    unknown = sorted(set(files) - set(specs))
    if unknown:
        raise InvalidInput(CaseError.UNKNOWN_MATERIAL, _("未知的申请材料"), fields=unknown)
    return [(specs[k], MaterialMode.UPLOADED, check_upload(f, field=k), "", None) for k, f in files.items()]


@transaction.atomic
def case_withdraw(*, actor: Actor, case: Case) -> Case:
    case = lock_case(case)
    require_applicant_side(actor, case)
    require_status(case, "withdraw", *WITHDRAWABLE_STATUSES)
    case.status = CaseStatus.WITHDRAWN
    case.save(update_fields=["status"])
    close_open_steps(case)
    event_record(case, actor, "withdraw")
    case_ended_after_commit(case)
    return case


def cases_deem_accepted(today: date | None = None) -> int:
    """Cases submitted more than 5 working days ago with no supplement request count as accepted from the
    day they were submitted (行政许可法 art. 32). Safe to run again: only ``submitted`` cases are touched."""
    today = today or common.today()
    done = 0
    candidates = Case.objects.filter(
        status=CaseStatus.SUBMITTED, supplement_requested_at__isnull=True
    ).values_list("pk", "submitted_at")
    for pk, submitted_at in candidates.iterator():
        submitted_on = timezone.localdate(submitted_at)
        if working_days_between(submitted_on, today) <= SUPPLEMENT_WINDOW_DAYS:
            continue
        with transaction.atomic():
            case = lock_case(pk)
            if case.status != CaseStatus.SUBMITTED or case.supplement_requested_at is not None:
                continue
            accept(case, None, submitted_on, deemed=True)
            done += 1
    return done
