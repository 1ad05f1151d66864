"""At a comprehensive window (前台综合受理、后台分类审批): a clerk opens a case on behalf of an applicant they
identified in person (代办), with the materials received at the counter and their pre-check (收件预审), and
accepts it at once — the same acceptance as every other (the sealed 受理通知书 follows); an immediate item
(即办件) the clerk may decide is concluded on the spot. The case then runs in the back offices like any
online case. Both identities are recorded: the clerk as the actor, the applicant in the timeline and the
audit trail (docs/domain/frontdesk.md §5)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import Role, staff_department_uuids, window_principal
from tongban.cases.access import actor_is_window_clerk
from tongban.cases.constants import ApplicantKind, CaseStatus, DeliveryMethod, MaterialMode, StepStatus
from tongban.cases.errors import CaseError, TargetNotFound
from tongban.cases.events import event_record
from tongban.cases.locks import lock_case
from tongban.cases.models import Case
from tongban.cases.services.applying import (
    _check_form_and_materials,
    _create,
    _require_founder,
    application_licences,
    request_fingerprint,
    submitted_tell,
)
from tongban.cases.services.intake import case_accept
from tongban.cases.services.steps import step_claim, step_decide
from tongban.catalog.facade import application_target
from tongban.core.actors import Actor
from tongban.core.errors import InvalidInput, NotFound, PermissionDenied

# 收件预审: what the clerk noted of each material received at the counter.
PRECHECK_LABELS = {
    "received": _("已收取"),
    "original_seen": _("已核验原件"),
    "copy": _("收取复印件"),
    "missing": _("缺件"),
}
PRECHECK_NOTE_MAX = 120


@dataclass(frozen=True)
class WindowCase:
    """A case opened and accepted at a window, as the window prints it (受理通知书, 材料接收凭证)."""

    uuid: str
    number: str
    name: str
    lookup_code: str
    status: str
    status_label: str
    voucher: str
    lead_department_uuid: str
    lead_department_name: str
    immediate: bool
    materials: tuple[tuple[str, str, str], ...]  # (name, mode label, note)


def window_case(case: Case, immediate: bool = False) -> WindowCase:
    return WindowCase(
        str(case.uuid),
        case.number,
        case.name,
        case.lookup_code,
        case.status,
        str(case.get_status_display()),
        case.acceptance_voucher,
        str(case.lead_department_uuid),
        case.lead_department_name,
        immediate,
        tuple((m.name, str(m.get_mode_display()), m.source_note) for m in case.materials.order_by("id")),
    )


def _precheck_rows(target, checked: list[tuple], precheck: dict) -> list[tuple]:
    """The pre-check of each material received (its status and the clerk's note) kept as the material's note;
    an unknown material or status is refused with the others at once."""
    known = {m.key for m in target.materials}
    problems = []
    for key, value in (precheck or {}).items():
        status = (value or {}).get("status", "") if isinstance(value, dict) else ""
        note = str((value or {}).get("note", "") if isinstance(value, dict) else "").strip()
        if key not in known:
            problems.append({"code": "unknown_material", "field": key})
        elif status not in PRECHECK_LABELS:
            problems.append({"code": "precheck_invalid", "field": key, "allowed": sorted(PRECHECK_LABELS)})
        elif len(note) > PRECHECK_NOTE_MAX:
            problems.append({"code": "precheck_note_too_long", "field": key, "max": PRECHECK_NOTE_MAX})
    if problems:
        raise InvalidInput(CaseError.PRECHECK_INVALID, _("收件预审记录有误"), problems=problems)
    rows = []
    for spec, mode, checked_file, note, ref in checked:
        value = (precheck or {}).get(spec.key)
        if value and mode in (MaterialMode.UPLOADED, MaterialMode.COMMITTED):
            text = gettext("收件预审：%(status)s") % {"status": PRECHECK_LABELS[value["status"]]}
            extra = str(value.get("note") or "").strip()
            note = "；".join(p for p in (text, extra, note) if p)[:200]
        rows.append((spec, mode, checked_file, note, ref))
    return rows


def case_submit_at_window(
    *,
    actor: Actor,
    window_label: str,
    applicant_kind: str,
    applicant_uuid,
    person_uuid,
    target_kind: str,
    target_uuid,
    form_data: dict,
    files: dict | None = None,
    commitments: Sequence[str] = (),
    precheck: dict | None = None,
    idempotency_key: str = "",
) -> Case:
    """Open a case for the applicant the clerk identified in person (``person_uuid``: themselves, or the
    enterprise ``applicant_uuid`` they legally represent) and accept it at once. The identity the clerk
    confirmed face to face stands for the applicant's confirmation on this case (the item's real-name level
    is met: a window check is the highest). ``submitted_by`` is the clerk; the timeline and the audit trail
    name both. Everything is checked before anything is written; the files go through the same checks as
    online."""
    if not actor_is_window_clerk(actor):
        raise PermissionDenied(CaseError.NOT_WINDOW_CLERK, _("只有综合窗口人员可以代办申请"))
    target = application_target(target_kind, target_uuid)
    if target is None:
        raise TargetNotFound()
    principal = window_principal(kind=applicant_kind, principal_uuid=applicant_uuid, person_uuid=person_uuid)
    if principal is None:
        raise NotFound(CaseError.APPLICANT_NOT_FOUND, _("申请人不能以该申请者的名义申请"), field="applicant")
    wanted = "person" if principal.kind == ApplicantKind.PERSON else "organisation"
    if wanted not in target.audience:
        raise InvalidInput(CaseError.WRONG_AUDIENCE, _("该事项不面向此类申请者"), field="applicant")
    checked = _check_form_and_materials(
        target, form_data, files or {}, set(commitments or ()), application_licences(target, principal)
    )
    _require_founder(target, principal, form_data)
    checked = _precheck_rows(target, checked, precheck or {})
    # A form's nonce (the console's): the same submission sent twice (a double click, a retry) makes one case.
    key = "window-" + (idempotency_key[:60] if idempotency_key else secrets.token_hex(16))
    existing = Case.objects.filter(submitted_by=actor.require_user_id(), idempotency_key=key).first()
    if existing is not None:
        return existing
    fingerprint = request_fingerprint(
        target_kind=target_kind,
        target_uuid=target.uuid,
        applicant_kind=principal.kind,
        applicant_uuid=principal.uuid,
        form_data=form_data,
        files=files or {},
        delivery_method=DeliveryMethod.WINDOW,
        commitments=commitments,
    )
    stored: list = []
    try:
        with transaction.atomic():
            case = _create(
                actor,
                target,
                principal,
                form_data,
                key,
                checked,
                DeliveryMethod.WINDOW,
                stored,
                fingerprint,
                tell=False,
            )
            applicant_label = _applicant_label(principal, person_uuid)
            event_record(
                case,
                actor,
                "window_submit",
                opinion=gettext("窗口代办：%(clerk)s（%(window)s）为 %(applicant)s 提交")
                % {"clerk": actor.display_name, "window": window_label, "applicant": applicant_label},
                on_behalf_of=str(principal.uuid),
                applicant_kind=principal.kind,
                person=str(person_uuid),
                applicant=applicant_label,
                clerk=actor.display_name,
                window=window_label,
                precheck={k: v.get("status") for k, v in (precheck or {}).items()},
            )
            submitted_tell(case)  # the applicant, on their own phone: the clerk is never told
            case = case_accept(actor=actor, case=case)
    except BaseException:
        for field_file in stored:  # written to storage by a transaction that did not commit
            field_file.delete(save=False)
        raise
    return case


def _applicant_label(principal, person_uuid) -> str:
    from tongban.accounts.facade import person_at_window

    person = person_at_window(person_uuid)
    label = person.label if person is not None else ""
    if principal.kind == ApplicantKind.PERSON:
        return label
    return gettext("%(enterprise)s（法定代表人 %(person)s）") % {
        "enterprise": principal.name,
        "person": label,
    }


def window_may_conclude(actor: Actor, case: Case, immediate: bool) -> bool:
    """即办件: the clerk concludes on the spot an immediate item when they also review for the department
    of every step (the right to decide it)."""
    if not immediate or case.status != CaseStatus.IN_PROCESS:
        return False
    mine = set(staff_department_uuids(actor, {Role.REVIEWER}))
    return bool(mine) and all(str(s.department_uuid) in mine for s in case.steps.all())


def case_conclude_at_window(*, actor: Actor, case: Case, immediate: bool, opinion: str = "") -> bool:
    """Decide every step of an immediate case the clerk may decide (claim and pass, in the plan's order), so
    the case concludes before the applicant leaves; False (nothing done) when they may not."""
    case = Case.objects.get(pk=case.pk)
    if not window_may_conclude(actor, case, immediate):
        return False
    with transaction.atomic():
        lock_case(case)
        event_record(case, actor, "window_conclude", opinion=gettext("即办件，窗口当场办结"))
        for _round in range(case.steps.count()):
            ready = [s for s in case.steps.order_by("order") if s.status == StepStatus.READY]
            if not ready:
                break
            for step in ready:
                step = step_claim(actor=actor, step=step)
                step_decide(actor=actor, step=step, decision="pass", opinion=opinion or gettext("准予许可"))
    case.refresh_from_db()
    return case.status != CaseStatus.IN_PROCESS
