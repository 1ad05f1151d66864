"""长三角一网通办 pages of this member (docs/domain/federation.md §7): the region's hub, applying for another
member's item (全程网办, 多地联办), the special window's collection (异地代收代办), the applicant's cross-region
cases with their progress and result, and the window's 异地打印. Each view states who may open it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tongban.core.audit import audit_record
from tongban.core.errors import DomainError, NotFound
from tongban.federation import trust
from tongban.federation.access import (
    access_remote_application,
    remote_applications_of,
    require_special_window,
    special_windows,
)
from tongban.federation.crossregion import Applicant, Part, applications_submit, result_fetch, window_subject
from tongban.federation.errors import FederationError, FederationRefused
from tongban.federation.models import RemoteApplication
from tongban.federation.services import member_call
from tongban.federation.transport import Unreachable

MAX_PARTS = 4


def _unreachable(member_name: str) -> FederationRefused:
    return FederationRefused(
        FederationError.PARTNER_UNREACHABLE,
        _("暂时无法连接%(member)s政务服务平台，请稍后再试") % {"member": member_name},
        status=503,
    )


def _call(member, path: str, data: dict | None = None):
    """A signed GET to ``member``: its answer's JSON (an object or a list)."""
    try:
        answer = member_call(member.code, "GET", path, data)
    except Unreachable as exc:
        raise _unreachable(member.name) from exc
    if answer.status == 404:
        raise NotFound(FederationError.APPLICATION_NOT_FOUND, _("没有这个事项"))
    if not answer.ok:
        raise _unreachable(member.name)
    return answer.raw


def _items(member, q: str) -> list[dict]:
    found = _call(member, "/api/federation/items", {"q": q})
    return found if isinstance(found, list) else []


SPEC_SECONDS = 3600


def _spec(request, member, item_uuid) -> dict:
    """The item's form and materials from the member that handles it. The copy the person's form was made
    from is kept in their session for an hour: a submission while that member is down is recorded and sent
    when it is back, instead of being lost with the page."""
    key = f"csj-spec:{member.code}:{item_uuid}"
    try:
        spec = _call(member, f"/api/federation/items/{item_uuid}")
    except FederationRefused:
        kept = request.session.get(key)
        if request.method == "POST" and kept and time.time() - kept["at"] < SPEC_SECONDS:
            return kept["spec"]
        raise
    if not isinstance(spec, dict):
        raise _unreachable(member.name)
    request.session[key] = {"spec": spec, "at": time.time()}
    return spec


def _member(code: str):
    snapshot = trust.current()
    if snapshot is None or code == settings.TONGBAN_REGION_CODE or code not in snapshot.members:
        raise Http404
    return snapshot.members[code]


def hub(request):
    """长三角一网通办: the region's members and what a person can do across them. Anyone."""
    snapshot = trust.current()
    return render(
        request,
        "federation/hub.html",
        {
            "snapshot": snapshot,
            "members": snapshot.others() if snapshot else [],
            "is_clerk": bool(request.user.is_authenticated and special_windows(request.actor)),
        },
    )


@login_required
def apply_pick(request):
    """Choose a member and find its item (全程网办), or several (多地联办). Logged-in people; the special window's
    clerks come here from 专窗收件 (``?counter=1``)."""
    snapshot = trust.current()
    members = snapshot.others() if snapshot else []
    code = request.GET.get("member", "")
    q = request.GET.get("q", "").strip()[:100]
    counter = request.GET.get("counter") == "1"
    chosen, items, error = None, [], None
    if code:
        chosen = _member(code)
        try:
            items = _items(chosen, q)
        except DomainError as exc:
            error = exc
    return render(
        request,
        "federation/apply_pick.html",
        {"members": members, "chosen": chosen, "q": q, "items": items, "error": error, "counter": counter},
        status=error.status if error else 200,
    )


@dataclass
class PartForm:
    member: object
    spec: dict
    prefix: str
    fields: list
    to_upload: list
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    form_data: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)


def _part_form(member, spec: dict, prefix: str) -> PartForm:
    from tongban.cases.facade import application_form_fields

    return PartForm(
        member=member,
        spec=spec,
        prefix=prefix,
        fields=application_form_fields(spec["form_schema"]),
        to_upload=[m for m in spec["materials"] if m["upload"]],
    )


def _read_part(part: PartForm, request) -> bool:
    """Read and check one part of the posted page: True when it is complete."""
    from tongban.cases.facade import application_form_read, application_form_validate, check_upload

    posted = QueryDict(mutable=True)
    for key in request.POST:
        if key.startswith(part.prefix + "f_"):
            posted.setlist(key[len(part.prefix) :], request.POST.getlist(key))
    part.form_data = part.values = application_form_read(part.spec["form_schema"], posted)
    fields: dict[str, str] = {}
    materials: dict[str, str] = {}
    try:
        application_form_validate(part.spec["form_schema"], part.form_data)
    except DomainError as exc:
        fields = {e.get("field", ""): e.get("message", "") for e in exc.details.get("errors", [])}
        if not fields:
            fields = {"": str(exc.message)}
    for m in part.to_upload:
        upload = request.FILES.get(f"{part.prefix}m_{m['key']}")
        if upload is None:
            if m["required"]:
                materials[m["key"]] = gettext("请上传此材料")
            continue
        try:
            checked = check_upload(upload, field=m["key"])
        except DomainError as exc:
            materials[m["key"]] = str(exc.message)
            continue
        part.files[m["key"]] = (f"{m['name']}.{checked.extension}", checked.content)
    part.errors = {"fields": fields, "materials": materials}
    return not fields and not materials


def _applicant_of_person(request) -> Applicant:
    from tongban.accounts.facade import person_identity

    who = person_identity(request.actor)
    if who is None:
        raise FederationRefused(
            FederationError.APPLICATION_INVALID, _("请先完成实名认证（L2 及以上）再跨省申请"), status=403
        )
    return Applicant(
        user_id=request.actor.user_id,
        subject=who.user_uuid,
        id_kind=who.id_kind,
        id_number=who.id_number,
        name=who.real_name,
        level=who.level,
    )


def _parts_from_query(request) -> list[tuple[object, str]]:
    pairs = []
    for value in request.GET.getlist("p")[:MAX_PARTS]:
        code, _sep, item = value.partition(":")
        pairs.append((_member(code), item))
    if not pairs:
        raise Http404
    return pairs


@login_required
def apply_item(request, member: str, item_uuid):
    """全程网办 for one item of another member; with ``?p=member:item&p=…`` (``apply_multi``), 多地联办: one
    application whose parts those members handle. Logged-in people with a confirmed identity."""
    return _apply(request, [(_member(member), str(item_uuid))], mode=RemoteApplication.Mode.ONLINE)


@login_required
def apply_multi(request):
    pairs = _parts_from_query(request)
    return _apply(request, pairs, mode=RemoteApplication.Mode.MULTI_SITE if len(pairs) > 1 else "online")


def _apply(request, pairs, *, mode: str, counter: tuple[str, str] | None = None):
    error = None
    try:
        parts = [_part_form(m, _spec(request, m, item), f"p{i}-") for i, (m, item) in enumerate(pairs)]
    except DomainError as exc:
        return render(request, "federation/unavailable.html", {"error": exc}, status=exc.status)
    applicant = None
    if counter is None:
        try:
            applicant = _applicant_of_person(request)
        except DomainError as exc:
            error = exc
    needed = max(p.spec["required_assurance_level"] for p in parts)
    level_ok = counter is not None or (applicant is not None and applicant.level >= needed)
    snapshot = trust.require_current()
    add_member = request.GET.get("add_member", "")
    adding: list[dict] = []
    if add_member and request.method != "POST" and counter is None:
        try:
            adding = _items(_member(add_member), request.GET.get("add_q", "").strip()[:100])
        except DomainError:
            adding = []
    context = {
        "add_members": snapshot.others(),
        "add_member": add_member,
        "add_q": request.GET.get("add_q", ""),
        "adding": adding,
        "parts": parts,
        "mode": mode,
        "counter": counter,
        "level_ok": level_ok,
        "needed": needed,
        "error": error,
        "posted": request.method == "POST",
    }
    if request.method != "POST" or not level_ok or (counter is None and applicant is None):
        return render(request, "federation/apply.html", context, status=error.status if error else 200)
    complete = all([_read_part(part, request) for part in parts])
    consent = request.POST.get("consent") == "yes"
    collected = None
    try:
        if counter is not None:
            applicant, collected = _applicant_at_window(request, counter)
        if not consent:
            raise FederationRefused(
                FederationError.CONSENT_REQUIRED, _("请先确认同意将申请信息传送至办理地"), status=422
            )
        if not complete:
            raise FederationRefused(
                FederationError.APPLICATION_INVALID, _("申请表或材料有误，请修改后重试"), status=422
            )
        assert applicant is not None
        rows = applications_submit(
            applicant=applicant,
            parts=[
                Part(
                    p.member.code,
                    p.spec["uuid"],
                    p.spec["name"],
                    p.spec["department_name"],
                    p.form_data,
                    p.files,
                )
                for p in parts
            ],
            mode=RemoteApplication.Mode.PROXY if counter is not None else mode,
            submitted_by=request.actor.require_user_id(),
            delivery_method="courier" if request.POST.get("delivery") == "courier" else "online",
            collected=collected,
            consent=consent,
        )
    except DomainError as exc:
        context["error"] = exc
        return render(request, "federation/apply.html", context, status=exc.status)
    if counter is not None:
        return redirect("federation:receipt", rows[0].uuid)
    return redirect("federation:application", rows[0].uuid)


def _applicant_at_window(request, counter: tuple[str, str]) -> tuple[Applicant, dict]:
    """The walk-in applicant the clerk checked face to face: ID number and name as typed, confirmed by the
    clerk's tick (the identity check of 异地代收); the person's account here, when they have one."""
    from tongban.accounts.facade import person_by_id_number
    from tongban.core.identifiers import validate_id_number

    id_kind = request.POST.get("id_kind") or "111"
    id_number = validate_id_number(id_kind, request.POST.get("id_number", ""))
    name = request.POST.get("real_name", "").strip()[:50]
    if not name:
        raise FederationRefused(FederationError.APPLICATION_INVALID, _("请填写申请人姓名"), status=422)
    if request.POST.get("identity_checked") != "yes":
        raise FederationRefused(FederationError.APPLICATION_INVALID, _("请先当面核验申请人身份"), status=422)
    person = person_by_id_number(id_number, name)
    user_id = None
    if person is not None:
        from tongban.accounts.facade import person_user_id

        user_id = person_user_id(person.uuid)
    now = timezone.localtime()
    receipt_no = (
        f"CSJ{settings.TONGBAN_REGION_CODE[:2]}{now:%Y%m%d%H%M%S}{request.actor.require_user_id() % 1000:03d}"
    )
    return (
        Applicant(
            user_id=user_id,
            subject=window_subject(id_kind, id_number),
            id_kind=id_kind,
            id_number=id_number,
            name=name,
            level=3,  # the clerk checked the person and the document face to face
        ),
        {
            "window_uuid": counter[0],
            "window": counter[1],
            "clerk": request.actor.display_name,
            "receipt_no": receipt_no,
            "consent_at": now.isoformat(),
        },
    )


@login_required
def counter_item(request, member: str, item_uuid):
    """异地代收代办 at this member's special window: the clerk identifies the applicant face to face, fills the
    form from the paper, scans the materials, has the consent signed and forwards it. Window clerks (404 for
    anyone else)."""
    try:
        window = require_special_window(request.actor)
    except DomainError as exc:
        raise Http404 from exc
    return _apply(request, [(_member(member), str(item_uuid))], mode="proxy", counter=window)


@login_required
def applications(request):
    """我的跨省办件: the cross-region applications the person made, or their window collected."""
    rows = list(remote_applications_of(request.actor)[:100])
    return render(
        request,
        "federation/applications.html",
        {"rows": rows, "is_clerk": bool(special_windows(request.actor))},
    )


def _access(request, ref) -> RemoteApplication:
    try:
        return access_remote_application(request.actor, ref)
    except DomainError as exc:
        raise Http404 from exc


@login_required
def application(request, ref):
    """A cross-region application: where it is handled, its case number there, every event of its case, and
    its result once concluded. Its applicant, or the window that collected it."""
    row = _access(request, ref)
    group = list(RemoteApplication.objects.filter(group=row.group).exclude(pk=row.pk)) if row.group else []
    is_clerk = row.mode == RemoteApplication.Mode.PROXY and any(
        uuid == row.collected.get("window_uuid") for uuid, _n in special_windows(request.actor)
    )
    # The host sends each event's time as ISO 8601 with its offset: shown in this platform's time zone.
    events = [{**e, "at": parse_datetime(str(e.get("at", ""))) or e.get("at")} for e in row.events]
    return render(
        request,
        "federation/application.html",
        {"row": row, "events": events, "group": group, "is_clerk": is_clerk},
    )


@login_required
def application_receipt(request, ref):
    """专窗收件告知单: what the special window collected, for whom, for which member, and how the result comes
    back; printed and handed to the applicant. The window that collected it (404 for anyone else)."""
    row = _access(request, ref)
    if row.mode != RemoteApplication.Mode.PROXY:
        raise Http404
    materials = list(row.files.order_by("key").values_list("name", flat=True))
    return render(request, "federation/receipt.html", {"row": row, "materials": materials})


@login_required
def application_result(request, ref):
    """The sealed result of the case, fetched from the member that handled it (and kept here): the applicant
    downloads it; the special window prints it (异地打印). Audited."""
    row = _access(request, ref)
    if row.status not in (RemoteApplication.Status.CONCLUDED, RemoteApplication.Status.DELIVERED):
        raise Http404
    try:
        pdf = result_fetch(row)
    except (Unreachable, DomainError):
        pdf = None
    if pdf is None:
        exc = _unreachable(row.host_member_name)
        return render(request, "federation/unavailable.html", {"error": exc, "row": row}, status=503)
    audit_record(
        actor=request.actor,
        action="federation.result_read",
        object_type="remote_application",
        object_id=row.uuid,
        after={"member": row.host_member},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{row.remote_case_number or row.uuid}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def application_printed(request, ref):
    """异地打印: the special window printed the result and handed it to the applicant. Its clerks only."""
    row = _access(request, ref)
    windows = {uuid for uuid, _n in special_windows(request.actor)}
    if row.collected.get("window_uuid") not in windows or not row.result_document:
        raise Http404
    RemoteApplication.objects.filter(pk=row.pk, printed_at__isnull=True).update(
        printed_at=timezone.now(), printed_by=request.actor.display_name[:100]
    )
    audit_record(
        actor=request.actor,
        action="federation.result_printed",
        object_type="remote_application",
        object_id=row.uuid,
    )
    return redirect("federation:application", row.uuid)


# --- one login for the region (login.py) ---------------------------------------------------------------------------
def _safe_next(request, value: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return "/"


def login_choose(request):
    """登录: with an account of another member of the region (单点登录). Anyone."""
    snapshot = trust.current()
    members = [m for m in (snapshot.others() if snapshot else []) if m.keys.get("oidc")]
    return render(
        request,
        "federation/login.html",
        {"members": members, "next": _safe_next(request, request.GET.get("next", ""))},
    )


def login_start(request, member: str):
    """Off to the member's login (its authorization endpoint, PKCE). Anyone."""
    from tongban.federation.login import authorize_url

    chosen = _member(member)
    try:
        url = authorize_url(request.session, chosen, _safe_next(request, request.GET.get("next", "")))
    except DomainError as exc:
        return render(request, "federation/unavailable.html", {"error": exc}, status=exc.status)
    return redirect(url)


def login_callback(request):
    """Back from the member: its ID token checked with the trust list's keys, the person linked by ID number
    and logged in here with the level the member asserted, never more. Audited (the login's audit row names the
    member)."""
    from tongban.accounts.facade import login_federated, person_link_federated
    from tongban.federation.login import callback

    try:
        who = callback(
            request.session,
            code=request.GET.get("code", ""),
            state=request.GET.get("state", ""),
            error=request.GET.get("error", ""),
        )
        user_id, _person_uuid, level = person_link_federated(
            member=who.member,
            subject=who.subject,
            id_kind=who.id_kind,
            id_number=who.id_number,
            real_name=who.name,
            assurance_level=who.level,
        )
    except DomainError as exc:
        return render(
            request, "federation/unavailable.html", {"error": exc, "login": True}, status=exc.status
        )
    login_federated(request, user_id=user_id, level=level, member=who.member)
    return redirect(_safe_next(request, who.next_url))
