"""Pages of cases: apply (form from the JSON Schema, saved as a draft while typing), my cases with their
timeline, the reviewer's inbox and decision page, intake actions, materials viewed in the page, and the
supervision board. Every object is fetched through access.py; what the actor may not see is a 404."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from tongban.accounts.facade import (
    principals_visible_to,
)
from tongban.cases import services
from tongban.cases.access import (
    ENDED_STATUSES,
    access_case_for_applicant,
    access_case_for_staff,
    access_case_to_urge,
    access_step_for_reviewer,
    actor_is_intake_staff,
    actor_is_window_clerk,
    applicant_actions,
    principal_covers,
    require_staff,
    reviewer_department_uuids,
    target_item_codes,
)
from tongban.cases.application_form import fields_of, read_posted
from tongban.cases.constants import (
    APPLICANT_EVENTS,
    INTERNAL_EVENTS,
    OPEN_STEP_STATUSES,
    SIGNABLE_STATUSES,
    SYSTEM_EVENTS,
    CaseStatus,
    DeliveryMethod,
    Light,
    MaterialMode,
    SpecialKind,
    StepStatus,
)
from tongban.cases.deadlines import case_light_now, step_light_now
from tongban.cases.errors import CaseNotFound, MaterialNotFound, StepNotFound
from tongban.cases.form_errors import PageErrors, page_errors, problem_lines
from tongban.cases.prefill import identity_restored, prefill_values
from tongban.cases.selectors import (
    case_list_for_applicant,
    cases_awaiting_intake,
    draft_get,
    inbox_steps,
    supervision_board,
    supervision_board_counts,
)
from tongban.catalog.facade import application_target
from tongban.core.errors import DomainError, PermissionDenied

INBOX_PAGE = 20


def _problems(exc: DomainError) -> list[str]:
    return problem_lines(exc)


# --- applying ---------------------------------------------------------------------------------------------
@login_required
def apply(request, kind: str, target_uuid):
    target = application_target(kind, target_uuid)
    if target is None:
        raise Http404
    codes = target_item_codes(target)
    principals = [
        p
        for p in principals_visible_to(request.actor)
        if ("person" if p.kind == "person" else "organisation") in target.audience
        and principal_covers(p, codes)
    ]
    draft = draft_get(actor=request.actor, target_kind=kind, target_uuid=target.uuid)
    values = draft.form_data if draft else {}
    errors = PageErrors()
    token = request.POST.get("form_token") or uuid.uuid4().hex
    fields = fields_of(target.form_schema)
    if request.method == "POST":
        values = read_posted(target.form_schema, request.POST)
        chosen = request.POST.get("applicant", "")
        principal = next((p for p in principals if p.uuid == chosen), None)
        posted = {
            m.key: request.FILES[f"m_{m.key}"] for m in target.materials if f"m_{m.key}" in request.FILES
        }
        remove = request.POST.get("remove_file", "")
        if remove:
            # Take a kept file away (the form is kept as typed, new good files too); nothing is submitted.
            services.draft_files_keep(actor=request.actor, target=target, files=posted)
            services.draft_file_remove(
                actor=request.actor, target_kind=kind, target_uuid=target.uuid, key=remove
            )
            services.draft_save(
                actor=request.actor, target_kind=kind, target_uuid=target.uuid, form_data=values
            )
        else:
            kept = services.draft_files(actor=request.actor, target_kind=kind, target_uuid=target.uuid)
            files = {key: row.file for key, row in kept.items()} | posted
            try:
                if principal is None:
                    raise CaseNotFound()
                case, _created = services.case_submit(
                    actor=request.actor,
                    target_kind=kind,
                    target_uuid=target.uuid,
                    applicant_kind=principal.kind,
                    applicant_uuid=principal.uuid,
                    form_data=identity_restored(target.form_schema, values, principal),
                    idempotency_key=token,
                    files=files,
                    delivery_method=request.POST.get("delivery_method", DeliveryMethod.ONLINE),
                    commitments=[k for k in request.POST.getlist("commit") if k not in files],
                )
            except DomainError as exc:
                if principal is None:
                    errors = PageErrors(message=_("请选择申请者"), summary=[("applicant", _("请选择申请者"))])
                else:
                    errors = page_errors(exc, field_keys=[f.key for f in fields], materials=target.materials)
                # What passed its own checks is kept with the draft: only the bad file is uploaded again.
                services.draft_files_keep(actor=request.actor, target=target, files=posted)
                services.draft_save(
                    actor=request.actor, target_kind=kind, target_uuid=target.uuid, form_data=values
                )
            else:
                services.draft_discard(actor=request.actor, target_kind=kind, target_uuid=target.uuid)
                messages.success(request, _("申请已提交，办件编号 %(number)s") % {"number": case.number})
                return redirect("cases:case", case_uuid=case.uuid)
            finally:
                for kept_file in kept.values():
                    kept_file.file.close()
    chosen = (
        request.POST.get("applicant")
        or request.GET.get("applicant")
        or (principals[0].uuid if principals else "")
    )
    principal = next((p for p in principals if p.uuid == chosen), None)
    if request.method != "POST":  # 免填写: what the platform knows of the applicant, under what was typed
        values = {**prefill_values(target.form_schema, principal, request.actor), **values}
    to_upload, obtained = (
        services.material_plan(target, services.application_licences(target, principal))
        if principal is not None
        else (
            [m for m in target.materials if not m.obtained],
            [(m, None) for m in target.materials if m.obtained],
        )
    )
    return render(
        request,
        "cases/apply.html",
        {
            "target": target,
            "kind": kind,
            "fields": fields,
            "values": values,
            "principals": principals,
            "chosen": chosen,
            "to_upload": to_upload,
            "obtained": obtained,
            "kept": services.draft_files(actor=request.actor, target_kind=kind, target_uuid=target.uuid),
            "commitments": request.POST.getlist("commit"),
            "delivery_methods": DeliveryMethod.choices,
            "delivery": request.POST.get("delivery_method", DeliveryMethod.ONLINE),
            "token": token,
            "errors": errors,
            "level_ok": request.actor.assurance_level >= target.required_assurance_level,
            "saved": draft.updated_at if draft else None,
        },
        status=422 if errors else 200,
    )


@login_required
@require_POST
def draft_save(request, kind: str, target_uuid):
    """Save the form as typed (htmx, on change): the application can be resumed later."""
    target = application_target(kind, target_uuid)
    if target is None:
        raise Http404
    services.draft_save(
        actor=request.actor,
        target_kind=kind,
        target_uuid=target.uuid,
        form_data=read_posted(target.form_schema, request.POST),
    )
    return HttpResponse(_("草稿已自动保存"), content_type="text/plain; charset=utf-8")


# --- the applicant's cases ------------------------------------------------------------------------------
@login_required
def my_cases(request):
    page = Paginator(case_list_for_applicant(actor=request.actor), 20).get_page(request.GET.get("page"))
    return render(request, "cases/list.html", {"page": page})


def _case_context(case, *, staff: bool) -> dict:
    """What both case pages show. The lights are those of today, computed here (the same rule the inbox
    and the board use), the case's the worst of its own and its open steps'. Staff see who holds a step
    and every event by login; the applicant sees departments and windows, not the internal claims."""
    today = timezone.localdate()
    steps = list(case.steps.all())
    before_acceptance = case.status in (CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT)
    for s in steps:
        s.light_now = step_light_now(s, case, today)
        s.light_label = Light(s.light_now).label
        s.status_label = (
            _("待受理") if before_acceptance and s.status == StepStatus.WAITING else s.get_status_display()
        )
        s.holder = s.claimed_by_name if staff else ""
    case.light_now = case_light_now(case, steps, today)
    case.light_label = Light(case.light_now).label
    return {
        "case": case,
        "steps": steps,
        "events": list(case.events.all()),
        "materials": list(case.materials.all()),
        "special": case.special_procedures.filter(ended_on__isnull=True).first(),
    }


def _applicant_timeline(case, events, actor) -> list:
    """The applicant's timeline: the internal events (a reviewer claiming or releasing a step) left out,
    every staff event named by its department or window, never by a login, and the applicant's own events
    by their own name (masking is for other people's eyes)."""
    shown = []
    for e in events:
        if e.action in INTERNAL_EVENTS:
            continue
        if e.action in APPLICANT_EVENTS:
            e.who = actor.display_name if e.actor_label == actor.label else e.actor_label
        elif e.action in SYSTEM_EVENTS:
            e.who = ""
        else:
            e.department_name = e.department_name or case.lead_department_name
            e.who = ""
        shown.append(e)
    return shown


@login_required
def case_page(request, case_uuid):
    try:
        case = access_case_for_applicant(actor=request.actor, case_uuid=case_uuid)
    except CaseNotFound as exc:
        raise Http404 from exc
    target = application_target(case.target_kind, case.target_uuid)
    context = _case_context(case, staff=False)
    context["events"] = _applicant_timeline(case, context["events"], request.actor)
    # Whoever may see the case acts on it: the principal too, for a case their agent submitted.
    context["committed"] = [m for m in context["materials"] if m.mode == MaterialMode.COMMITTED]
    committed = {m.key for m in context["committed"]}
    actions = applicant_actions(case, committed)
    context["can_withdraw"] = actions.withdraw
    context["ended"] = case.status in ENDED_STATUSES  # 好差评: the ratings page rates it
    context["can_supplement"] = actions.supplement
    context["can_bring"] = actions.bring_committed
    uploadable = [m for m in target.materials if not m.obtained or m.source == "licence"] if target else []
    asked = case.supplement_materials or {}
    if context["can_bring"]:
        uploadable = [m for m in uploadable if m.key in committed]
    elif asked:
        # Only what the reviewer asked for, each with the reviewer's reason.
        uploadable = [m for m in uploadable if m.key in asked]
    context["to_upload"] = uploadable
    context["asked"] = asked
    context["returned_steps"] = [s for s in context["steps"] if s.status == StepStatus.RETURNED]
    context["results"] = [s for s in context["steps"] if s.result]
    context["signing"] = (
        services.signing_choices(actor=request.actor, case=case)
        if case.status in SIGNABLE_STATUSES and not case.application_document
        else None
    )
    return render(request, "cases/case.html", context)


@login_required
@require_POST
def case_action(request, case_uuid, action: str):
    try:
        case = access_case_for_applicant(actor=request.actor, case_uuid=case_uuid)
    except CaseNotFound as exc:
        raise Http404 from exc
    try:
        if action == "withdraw":
            services.case_withdraw(actor=request.actor, case=case)
            messages.success(request, _("申请已撤回"))
        elif action == "supplement":
            files = {k[2:]: f for k, f in request.FILES.items() if k.startswith("m_")}
            services.case_supplement(actor=request.actor, case=case, files=files)
            messages.success(request, _("补正材料已提交"))
        elif action == "sign":  # 无纸化签署申请书
            services.application_sign(
                actor=request.actor,
                case=case,
                personal_seal_uuid=request.POST.get("personal_seal", ""),
                company_seal_uuid=request.POST.get("company_seal") or None,
            )
            messages.success(request, _("申请书已签署"))
        elif action == "signature":  # 申领个人电子签名, to sign with it
            services.signature_make(actor=request.actor)
            messages.success(request, _("个人电子签名已制作，现在可以签署申请书"))
        else:
            raise Http404
    except DomainError as exc:
        for line in _problems(exc):
            messages.error(request, line)
    return redirect("cases:case", case_uuid=case.uuid)


def _material_response(request, case, key: str):
    try:
        material = services.case_material_open(actor=request.actor, case=case, key=key)
    except MaterialNotFound as exc:
        raise Http404 from exc
    response = FileResponse(material.file.open("rb"), content_type=material.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    # Shown in a frame of our own case page; nothing else may frame it, and it may run nothing.
    # Chrome's PDF viewer does not run in a sandboxed frame, so PDFs get no sandbox (scripts inside a PDF
    # are still refused by script-src); images do.
    sandbox = "" if material.content_type == "application/pdf" else "; sandbox"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'" + sandbox
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@xframe_options_sameorigin
def case_material(request, case_uuid, key: str):
    try:
        case = access_case_for_applicant(actor=request.actor, case_uuid=case_uuid)
    except CaseNotFound as exc:
        raise Http404 from exc
    return _material_response(request, case, key)


# --- staff -------------------------------------------------------------------------------------------------
def _staff_only(request):
    try:
        require_staff(request.actor)
    except CaseNotFound as exc:
        raise Http404 from exc


@login_required
def inbox(request):
    _staff_only(request)
    light = request.GET.get("light", "")
    status = request.GET.get("status", "")
    light = light if light in Light.values else ""
    status = status if status in OPEN_STEP_STATUSES else ""
    mine = request.GET.get("mine") == "1"
    q = request.GET.get("q", "").strip()[:40]
    rows = inbox_steps(actor=request.actor, light=light, status=status, mine=mine, q=q)
    page = Paginator(rows, INBOX_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "cases/inbox.html",
        {
            "page": page,
            "light": light,
            "status": status,
            "mine": mine,
            "q": q,
            "querystring": params.urlencode(),
            "is_clerk": actor_is_window_clerk(request.actor),
            "intake": cases_awaiting_intake(actor=request.actor)[:20],
        },
    )


@login_required
def staff_case(request, case_uuid):
    try:
        case = access_case_for_staff(actor=request.actor, case_uuid=case_uuid)
    except CaseNotFound as exc:
        raise Http404 from exc
    services.case_staff_read(actor=request.actor, case=case)
    context = _case_context(case, staff=True)
    for e in context["events"]:
        e.who = e.actor_label
    departments = set(reviewer_department_uuids(request.actor))
    context["my_steps"] = [s for s in context["steps"] if str(s.department_uuid) in departments]
    context["can_intake"] = actor_is_intake_staff(request.actor, case)
    context["viewable"] = [m for m in context["materials"] if m.file]
    staff_target = application_target(case.target_kind, case.target_uuid)
    context["suppliable"] = (
        [m for m in staff_target.materials if not m.obtained or m.source == "licence"] if staff_target else []
    )
    context["special_kinds"] = SpecialKind.choices
    context["form_rows"] = [
        (f.title, "、".join(map(str, v)) if isinstance(v := case.form_data.get(f.key), list) else v)
        for f in fields_of((application_target(case.target_kind, case.target_uuid) or _NoTarget).form_schema)
        if f.key in case.form_data
    ]
    return render(request, "cases/staff_case.html", context)


class _NoTarget:
    form_schema: dict = {}


@login_required
@xframe_options_sameorigin
def staff_material(request, case_uuid, key: str):
    try:
        case = access_case_for_staff(actor=request.actor, case_uuid=case_uuid)
    except CaseNotFound as exc:
        raise Http404 from exc
    return _material_response(request, case, key)


@login_required
@require_POST
def staff_action(request, case_uuid, action: str):
    try:
        case = access_case_for_staff(actor=request.actor, case_uuid=case_uuid)
    except CaseNotFound as exc:
        raise Http404 from exc
    post = request.POST
    actions = {
        "accept": lambda: services.case_accept(actor=request.actor, case=case),
        "refuse": lambda: services.case_refuse(
            actor=request.actor, case=case, reasons=post.get("reasons", "")
        ),
        "supplement": lambda: services.case_request_supplement(
            actor=request.actor,
            case=case,
            items=post.get("items", "").splitlines(),
            materials={k: post.get(f"reason_{k}", "") for k in post.getlist("material")},
        ),
        "special_start": lambda: services.special_start(
            actor=request.actor, case=case, kind=post.get("kind", ""), reason=post.get("reason", "")
        ),
        "special_end": lambda: services.special_end(
            actor=request.actor, case=case, result=post.get("result", "")
        ),
        "deliver": lambda: services.case_deliver(
            actor=request.actor, case=case, tracking_number=post.get("tracking_number", "")
        ),
    }
    if action not in actions:
        raise Http404
    try:
        actions[action]()
        messages.success(request, _("操作成功"))
    except DomainError as exc:
        for line in _problems(exc):
            messages.error(request, line)
    return redirect("cases:staff_case", case_uuid=case.uuid)


@login_required
@require_POST
def step_action(request, case_uuid, step_key: str, action: str):
    try:
        step = access_step_for_reviewer(actor=request.actor, case_uuid=case_uuid, step_key=step_key)
    except StepNotFound as exc:
        raise Http404 from exc
    try:
        if action == "claim":
            services.step_claim(actor=request.actor, step=step)
        elif action == "release":
            services.step_release(actor=request.actor, step=step)
        elif action == "decide":
            services.step_decide(
                actor=request.actor,
                step=step,
                decision=request.POST.get("decision", ""),
                opinion=request.POST.get("opinion", ""),
            )
        else:
            raise Http404
        messages.success(request, _("操作成功"))
    except DomainError as exc:
        for line in _problems(exc):
            messages.error(request, line)
    if request.POST.get("next") == "inbox":
        return redirect("cases:inbox")
    return redirect("cases:staff_case", case_uuid=step.case.uuid)


@login_required
def board(request):
    light = request.GET.get("light", "")
    light = light if light in (Light.RED, Light.YELLOW) else ""
    department = request.GET.get("department", "")
    number = request.GET.get("number", "")[:40]
    try:
        rows = supervision_board(actor=request.actor, light=light, department=department, number=number)
        counts = supervision_board_counts(actor=request.actor)
    except DomainError as exc:
        raise Http404 from exc
    by_department: dict[str, list] = {}
    for row in rows:
        by_department.setdefault(row["department_name"], []).append(row)
    totals = {"red": sum(c["red"] for c in counts), "yellow": sum(c["yellow"] for c in counts)}
    count_of = {c["name"]: c for c in counts}
    departments = [
        {"name": name, "rows": dept_rows, **{k: count_of.get(name, {}).get(k, 0) for k in ("red", "yellow")}}
        for name, dept_rows in by_department.items()
    ]
    return render(
        request,
        "cases/board.html",
        {
            "departments": departments,
            "count": len(rows),
            "counts": counts,
            "totals": totals,
            "filters": {"light": light, "department": department, "number": number},
            "urge_text": _("请于今日内办理并反馈，逾期将通报。"),
        },
    )


@login_required
@require_POST
def board_urge(request, case_uuid):
    """督办 from the board (or the case page): recorded on the case, its departments told."""
    try:
        case = access_case_to_urge(actor=request.actor, case_uuid=case_uuid)
        services.case_urge(actor=request.actor, case=case, text=request.POST.get("text", ""))
        messages.success(request, _("已督办：%(number)s，相关部门已收到督办通知。") % {"number": case.number})
    except (CaseNotFound, PermissionDenied) as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("cases:board")
