"""Identity pages: login, registration, my account, the staff workbench, the audit and outbox pages."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from tongban.accounts import services
from tongban.accounts.access import (
    access_authorisation_by_uuid,
    access_enterprise_by_uuid,
    access_person_by_identifier,
    access_person_by_uuid_for_staff,
    audit_scope,
    require_platform_admin,
    require_staff_role,
    require_window_clerk,
    workbench_abilities,
)
from tongban.accounts.constants import EnterpriseKind, Role
from tongban.accounts.errors import AccountError
from tongban.accounts.middleware import ELDERLY_COOKIE
from tongban.accounts.oidc import csp_with_form_action, form_action_origin
from tongban.accounts.selectors import (
    authorisation_is_active,
    authorisation_list_given,
    authorisation_list_held,
    enterprise_list_for_person,
    person_for_user,
)
from tongban.core.audit import AuditQuery, audit_event_list, data_uses_about
from tongban.core.errors import DomainError, NotFound
from tongban.core.identifiers import IdKind, mask_id_number, mask_name, mask_phone
from tongban.core.models import OutboxMessage


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- login / logout -------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def login_page(request):
    method = request.GET.get("method") or request.POST.get("method") or "password"
    ctx = {
        "method": method,
        "error": None,
        "values": request.POST,
        "sent": False,
        "interval": settings.TONGBAN_SMS_PHONE_INTERVAL_SECONDS,
        "next": _safe_next(request, ""),
    }
    if request.method == "POST":
        action = request.POST.get("action", "login")
        try:
            if method == "sms" and action == "send_code":
                services.otp_send(phone=request.POST.get("phone", ""), purpose="login", ip=request.client_ip)
                ctx["sent"] = True
            elif method == "sms":
                services.login_with_sms(
                    request=request, phone=request.POST.get("phone", ""), code=request.POST.get("code", "")
                )
                return HttpResponseRedirect(_safe_next(request, "/accounts/me/"))
            else:
                services.login_with_password(
                    request=request,
                    identifier=request.POST.get("username", ""),
                    password=request.POST.get("password", ""),
                )
                return HttpResponseRedirect(_safe_next(request, "/accounts/me/"))
        except DomainError as exc:
            ctx["error"] = exc
    status = 200 if not ctx["error"] else (429 if ctx["error"].status == 429 else 400)
    response = render(request, "accounts/login.html", ctx, status=status)
    # Logging in for an OIDC client that skips consent ends in a redirect to the client, which the CSP's
    # form-action must allow (only a redirect URI the client registered).
    origin = form_action_origin(ctx["next"])
    if origin:
        response["Content-Security-Policy"] = csp_with_form_action(origin)
    return response


@require_POST
def logout_view(request):
    services.logout_here(request=request)
    messages.success(request, _("您已安全退出。"))
    return redirect("portal:home")


@require_POST
@login_required
def logout_everywhere_view(request):
    services.user_logout_everywhere(request=request)
    messages.success(request, _("已在所有设备上退出登录。"))
    return redirect("accounts:login")


def _sms_code_page(request, *, template: str, purpose: str, submit, extra: dict | None = None):
    """A page with a phone number, a "get code" button and a form that needs the code (registration,
    password reset): the button sends the code, the form calls ``submit``, errors show inline."""
    ctx = {
        "error": None,
        "values": request.POST,
        "sent": False,
        "interval": settings.TONGBAN_SMS_PHONE_INTERVAL_SECONDS,
        **(extra or {}),
    }
    if request.method == "POST":
        try:
            if request.POST.get("action") == "send_code":
                services.otp_send(phone=request.POST.get("phone", ""), purpose=purpose, ip=request.client_ip)
                ctx["sent"] = True
            else:
                return submit()
        except DomainError as exc:
            ctx["error"] = exc
    return render(request, template, ctx, status=400 if ctx["error"] else 200)


@require_http_methods(["GET", "POST"])
def password_reset_page(request):
    def submit():
        services.password_reset(
            phone=request.POST.get("phone", ""),
            code=request.POST.get("code", ""),
            new_password=request.POST.get("new_password", ""),
        )
        messages.success(request, _("密码已重置，请用新密码登录。"))
        return redirect("accounts:login")

    return _sms_code_page(request, template="accounts/password_reset.html", purpose="reset", submit=submit)


# --- registration ---------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def register_page(request):
    def submit():
        person = services.person_register(
            data=services.PersonRegistration(
                real_name=request.POST.get("real_name", ""),
                id_kind=request.POST.get("id_kind", IdKind.RESIDENT_ID),
                id_number=request.POST.get("id_number", ""),
                phone=request.POST.get("phone", ""),
                password=request.POST.get("password", ""),
                sms_code=request.POST.get("sms_code", ""),
            ),
            ip=request.client_ip,
        )
        person.user.backend = settings.AUTHENTICATION_BACKENDS[0]
        services._login(request, person.user, method="register")
        messages.success(request, _("注册成功，欢迎使用通办。"))
        return redirect("accounts:me")

    return _sms_code_page(
        request,
        template="accounts/register.html",
        purpose="register",
        submit=submit,
        extra={"id_kinds": IdKind.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def register_enterprise_page(request):
    ctx = {"error": None, "values": request.POST, "kinds": EnterpriseKind.choices}
    if request.method == "POST":
        try:
            services.enterprise_register(
                actor=request.actor,
                name=request.POST.get("name", ""),
                uscc=request.POST.get("uscc", ""),
                kind=request.POST.get("kind", ""),
            )
            messages.success(request, _("法人注册成功。"))
            return redirect("accounts:me")
        except DomainError as exc:
            ctx["error"] = exc
    return render(request, "accounts/register_enterprise.html", ctx, status=400 if ctx["error"] else 200)


# --- my account -----------------------------------------------------------------------------------
def _me_context(request, **extra):
    user = request.user
    person = person_for_user(user)
    ctx = {
        "person": person,
        "enterprises": list(enterprise_list_for_person(person)) if person else [],
        "given": [(a, authorisation_is_active(a)) for a in authorisation_list_given(person)]
        if person
        else [],
        "held": [(a, authorisation_is_active(a)) for a in authorisation_list_held(person)] if person else [],
        "access_log": data_uses_about(request.actor),
        "id_kinds": IdKind.choices,
        "today": timezone.localdate(),
        "grant_error": None,
        "values": {},
    }
    ctx.update(extra)
    return ctx


@login_required
def me_page(request):
    return render(request, "accounts/me.html", _me_context(request))


def _parse_date(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        from tongban.core.errors import InvalidInput

        raise InvalidInput(AccountError.INVALID_DATE, _("日期格式不正确"), field=field) from exc


@login_required
@require_POST
def authorisation_grant_view(request):
    try:
        enterprise = None
        if request.POST.get("enterprise"):
            try:
                enterprise_uuid = uuid.UUID(request.POST["enterprise"])
            except ValueError as exc:
                raise Http404 from exc
            enterprise = access_enterprise_by_uuid(
                actor=request.actor, enterprise_uuid=enterprise_uuid, as_legal_representative=True
            )
        codes = [c for c in request.POST.get("item_codes", "").replace("，", ",").split(",") if c.strip()]
        services.authorisation_grant(
            actor=request.actor,
            enterprise=enterprise,
            grant=services.AuthorisationGrant(
                agent_id_kind=request.POST.get("agent_id_kind", IdKind.RESIDENT_ID),
                agent_id_number=request.POST.get("agent_id_number", ""),
                agent_real_name=request.POST.get("agent_real_name", ""),
                valid_from=_parse_date(request.POST.get("valid_from", ""), "valid_from"),
                valid_until=_parse_date(request.POST.get("valid_until", ""), "valid_until"),
                all_items=not codes,
                item_codes=tuple(codes),
                licence_use=request.POST.get("licence_use") == "1",
            ),
        )
    except (DomainError, ValueError) as exc:
        return render(
            request,
            "accounts/me.html",
            _me_context(request, grant_error=exc, values=request.POST),
            status=400,
        )
    messages.success(request, _("授权已生效。"))
    return redirect("accounts:me")


@login_required
@require_POST
def confirm_identity_view(request):
    """An L1 account asks the population register again, with the right name."""
    try:
        services.person_confirm_with_register(
            actor=request.actor, real_name=request.POST.get("real_name", ""), ip=request.client_ip
        )
    except DomainError as exc:
        return render(
            request,
            "accounts/me.html",
            _me_context(request, confirm_error=exc, values=request.POST),
            status=400 if exc.status < 500 else exc.status,
        )
    messages.success(request, _("身份已通过人口库核验，实名等级提升为 L2。"))
    return redirect("accounts:me")


@login_required
@require_POST
def authorisation_revoke_view(request, authorisation_uuid):
    try:
        auth = access_authorisation_by_uuid(actor=request.actor, authorisation_uuid=authorisation_uuid)
        services.authorisation_revoke(actor=request.actor, authorisation=auth)
        messages.success(request, _("授权已撤销。"))
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, str(exc.message))
    return redirect("accounts:me")


@require_POST
def language_set(request):
    """The header's language switch: Django's ``set_language``, and for a logged-in person the choice kept on
    the account, so that the messages and SMS they are sent come in that language too."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_preferences(user=request.user, language=language)
    return response


@require_POST
def elderly_toggle(request):
    on = request.POST.get("elderly_mode") == "1"
    if request.user.is_authenticated:
        services.user_set_preferences(user=request.user, elderly_mode=on)
    response = HttpResponseRedirect(_safe_next(request, "/"))
    response.set_cookie(
        ELDERLY_COOKIE,
        "1" if on else "0",
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response


# --- staff ----------------------------------------------------------------------------------------
def _memberships(actor) -> list[dict]:
    """The actor's roles and organisations, for the workbench (from the actor: no query)."""
    return [{"organisation": m.organisation_name, "role": Role(m.role).label} for m in actor.memberships]


def _require_staff(request) -> frozenset[str]:
    try:
        return require_staff_role(request.actor)
    except NotFound as exc:
        raise Http404 from exc


@login_required
def workbench_page(request):
    _require_staff(request)
    return render(
        request,
        "accounts/workbench.html",
        {
            "memberships": _memberships(request.actor),
            **workbench_abilities(request.actor),
            "id_kinds": IdKind.choices,
        },
    )


@login_required
@require_POST
def person_lookup_view(request):
    _require_staff(request)
    ctx = {
        "memberships": _memberships(request.actor),
        **workbench_abilities(request.actor),
        "id_kinds": IdKind.choices,
        "values": request.POST,
    }
    try:
        person = access_person_by_identifier(
            actor=request.actor,
            id_kind=request.POST.get("id_kind", IdKind.RESIDENT_ID),
            id_number=request.POST.get("id_number", ""),
            purpose=request.POST.get("purpose", "窗口查询"),
        )
        ctx["found"] = {
            "uuid": person.uuid,
            "is_l3": person.assurance_level >= 3,
            "real_name": mask_name(person.real_name),
            "id_number": mask_id_number(person.id_number),
            "phone": mask_phone(person.phone),
            "level": person.get_assurance_level_display(),
        }
    except DomainError as exc:
        ctx["lookup_error"] = exc
    return render(request, "accounts/workbench.html", ctx)


@login_required
@require_POST
def person_verify_view(request, person_uuid):
    try:
        person = access_person_by_uuid_for_staff(
            actor=request.actor, person_uuid=person_uuid, roles={Role.WINDOW_CLERK}
        )
        services.person_verify_in_person(actor=request.actor, person=person, method="window")
    except DomainError as exc:
        raise Http404 from exc
    messages.success(request, _("已完成现场核验，实名等级提升为 L3。"))
    return redirect("accounts:workbench")


@login_required
@require_POST
def person_recover_view(request):
    """A window clerk gives a squatted identity back to the person in front of them."""
    try:
        require_window_clerk(request.actor)
    except DomainError as exc:
        raise Http404 from exc
    ctx = {
        "memberships": _memberships(request.actor),
        **workbench_abilities(request.actor),
        "id_kinds": IdKind.choices,
        "recover_values": request.POST,
    }
    if "send_code" in request.POST:
        try:
            services.otp_send(phone=request.POST.get("phone", ""), purpose="recover", ip=request.client_ip)
            ctx["recover_sent"] = True
        except DomainError as exc:
            ctx["recover_error"] = exc
        return render(request, "accounts/workbench.html", ctx, status=400 if "recover_error" in ctx else 200)
    try:
        person = services.person_recover_at_window(
            actor=request.actor,
            data=services.WindowRecovery(
                id_kind=request.POST.get("id_kind", IdKind.RESIDENT_ID),
                id_number=request.POST.get("id_number", ""),
                real_name=request.POST.get("real_name", ""),
                phone=request.POST.get("phone", ""),
                sms_code=request.POST.get("sms_code", ""),
            ),
        )
    except DomainError as exc:
        ctx["recover_error"] = exc
        return render(request, "accounts/workbench.html", ctx, status=400 if exc.status < 500 else exc.status)
    messages.success(
        request,
        _("已为 %(name)s 找回身份（实名等级 L3），其他持有或声明该证件号码的账号已冻结。")
        % {"name": mask_name(person.real_name)},
    )
    return redirect("accounts:workbench")


def _parse_dt(raw: str):
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    value = timezone.make_aware(value) if timezone.is_naive(value) else value
    if not 2000 <= value.year <= 2100:
        return None
    return value.astimezone(UTC)


@login_required
def audit_page(request):
    _require_staff(request)
    try:
        scope = audit_scope(request.actor)
    except DomainError as exc:
        raise Http404 from exc
    g = request.GET
    query = AuditQuery(
        action=g.get("action", "")[:100],
        object_type=g.get("object_type", "")[:100],
        object_id=g.get("object_id", "")[:100],
        actor=g.get("actor", "")[:100],
        request_id=g.get("request_id", "")[:64],
        since=_parse_dt(g.get("since", "")),
        until=_parse_dt(g.get("until", "")),
    )
    page = Paginator(audit_event_list(query=query, org_paths=scope), 50).get_page(g.get("page"))
    params = g.copy()
    params.pop("page", None)
    return render(request, "accounts/audit.html", {"page": page, "q": g, "params": params.urlencode()})


@login_required
def outbox_page(request):
    try:
        require_platform_admin(request.actor)
    except NotFound as exc:
        raise Http404 from exc
    page = Paginator(OutboxMessage.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/outbox.html", {"page": page})
