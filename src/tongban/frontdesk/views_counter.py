"""The counter console (综合窗口 受理台): a clerk's page for the window they serve at. Who may open it: a clerk
of the window's centre (access_window; anyone else: 404). Every write goes through services.counter."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.cases.facade import (
    PRECHECK_LABELS,
    application_form_fields,
    application_form_read,
    window_case_read,
)
from tongban.catalog.facade import application_target, bundle_cards, item_search
from tongban.core.errors import DomainError
from tongban.frontdesk.access import access_service, access_window
from tongban.frontdesk.models import PaperFile
from tongban.frontdesk.services import counter


def _window(request, window_uuid):
    try:
        return access_window(actor=request.actor, window_uuid=window_uuid)
    except DomainError:
        raise Http404 from None


def _service(request, window, service_uuid):
    try:
        return access_service(actor=request.actor, window=window, service_uuid=service_uuid)
    except DomainError:
        raise Http404 from None


def _queue_url(window) -> str:
    """The queue panel's address when the hall's queue is installed ("" otherwise)."""
    url = f"/counter/{window.uuid}/queue/"
    try:
        resolve(url)
    except Resolver404:
        return ""
    return url


def _problems(exc: DomainError) -> list[str]:
    lines = [str(exc.message)]
    for p in exc.details.get("problems", []) or []:
        text = p.get("message") or p.get("code", "")
        lines.append(f"{p.get('name') or p.get('field', '')}：{text}")
    for e in exc.details.get("errors", []) or []:
        lines.append(f"{e.get('field', '')}：{e.get('message', '')}")
    return lines


@login_required
def my_windows(request):
    """窗口受理: the windows the clerk works at today, each with its console (or hand-out page), and the
    online applications waiting for acceptance; straight to the console when there is only one counter."""
    from django.utils import timezone

    from tongban.frontdesk.access import centres_for, windows_of

    windows = windows_of(request.actor, timezone.localdate())
    if not windows and not centres_for(request.actor).exists():
        raise Http404
    return render(
        request,
        "frontdesk/counter_home.html",
        {"windows": windows, "centres": list(centres_for(request.actor))},
    )


@login_required
def console(request, window_uuid):
    window = _window(request, window_uuid)
    service = counter.open_service(window)
    applicant = counter.applicant_of(service) if service else None
    q = (request.GET.get("q") or "").strip()[:40]
    hits, bundles = (item_search(q, limit=10), bundle_cards(q)[:5]) if q and applicant else ([], [])
    target = None
    kind = request.GET.get("kind", "")
    if applicant and kind in ("item", "bundle") and request.GET.get("target"):
        target = application_target(kind, request.GET["target"])
    cases = [window_case_read(u) for u in (service.case_uuids if service else [])]
    papers = {
        str(p.case_uuid): p for p in PaperFile.objects.filter(case_uuid__in=[c.uuid for c in cases if c])
    }
    finished = request.GET.get("finished") == "1"
    return render(
        request,
        "frontdesk/counter_console.html",
        {
            "window": window,
            "nonce": secrets.token_hex(8),  # one per form shown: the same form sent twice makes one case
            "clerk": request.actor.display_name,
            "service": service,
            "applicant": applicant,
            "q": q,
            "hits": hits,
            "bundles": bundles,
            "target": target,
            "kind": kind,
            "fields": application_form_fields(target.form_schema) if target else [],
            "precheck_labels": list(PRECHECK_LABELS.items()),
            "cases": [(c, papers.get(c.uuid)) for c in cases if c],
            "queue_url": _queue_url(window),
            "finished": finished,
        },
    )


@login_required
@require_POST
def start(request, window_uuid):
    window = _window(request, window_uuid)
    try:
        counter.service_start(
            actor=request.actor, window=window, ticket_uuid=request.POST.get("ticket") or None
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("frontdesk:counter", window_uuid=window.uuid)


@login_required
@require_POST
def identify(request, window_uuid, service_uuid):
    window = _window(request, window_uuid)
    service = _service(request, window, service_uuid)
    try:
        if request.POST.get("method") == "token":
            counter.service_identify_by_token(
                actor=request.actor,
                window=window,
                service=service,
                token=request.POST.get("token", "").strip(),
            )
        else:
            counter.service_identify_by_id(
                actor=request.actor,
                window=window,
                service=service,
                id_number=request.POST.get("id_number", ""),
                name=request.POST.get("name", ""),
            )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("frontdesk:counter", window_uuid=window.uuid)


@login_required
@require_POST
def submit(request, window_uuid, service_uuid):
    window = _window(request, window_uuid)
    service = _service(request, window, service_uuid)
    kind = request.POST.get("kind", "")
    target = application_target(kind, request.POST.get("target", ""))
    if target is None:
        raise Http404
    files = {m.key: request.FILES[f"m_{m.key}"] for m in target.materials if f"m_{m.key}" in request.FILES}
    precheck = {
        m.key: {"status": request.POST[f"pc_{m.key}"], "note": request.POST.get(f"pcn_{m.key}", "")}
        for m in target.materials
        if request.POST.get(f"pc_{m.key}")
    }
    applicant = request.POST.get("applicant", "")
    try:
        done = counter.service_submit(
            actor=request.actor,
            window=window,
            service=service,
            target_kind=kind,
            target_uuid=target.uuid,
            applicant_kind="enterprise" if applicant else "person",
            applicant_uuid=applicant or None,
            form_data=application_form_read(target.form_schema, request.POST),
            files=files,
            commitments=[k for k in request.POST.getlist("commit") if k not in files],
            precheck=precheck,
            idempotency_key=(request.POST.get("nonce") or "")[:32],
        )
    except DomainError as exc:
        for line in _problems(exc):
            messages.error(request, line)
        return redirect(f"/counter/{window.uuid}/?kind={kind}&target={target.uuid}")
    if done.concluded:
        messages.success(request, _("即办件已当场办结：%(number)s") % {"number": done.case.number})
    else:
        messages.success(request, _("已受理：%(number)s") % {"number": done.case.number})
    return redirect("frontdesk:counter_print", window_uuid=window.uuid, service_uuid=service.uuid)


@login_required
@require_POST
def finish(request, window_uuid, service_uuid):
    window = _window(request, window_uuid)
    service = _service(request, window, service_uuid)
    try:
        counter.service_finish(actor=request.actor, window=window, service=service)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("frontdesk:counter", window_uuid=window.uuid)
    return redirect(f"/counter/{window.uuid}/?finished=1")  # the page invites the pad (one message)


@login_required
def print_page(request, window_uuid, service_uuid):
    window = _window(request, window_uuid)
    service = _service(request, window, service_uuid)
    cases = [c for c in (window_case_read(u) for u in service.case_uuids) if c]
    papers = {str(p.case_uuid): p for p in PaperFile.objects.filter(case_uuid__in=[c.uuid for c in cases])}
    return render(
        request,
        "frontdesk/counter_print.html",
        {"window": window, "service": service, "cases": [(c, papers.get(c.uuid)) for c in cases]},
    )
