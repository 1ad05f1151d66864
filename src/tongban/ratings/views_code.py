"""一事一评 without signing in (docs/domain/ratings.md §1): the applicant reaches their case by its number and
查询码, proves who they are with an SMS code sent to the verified phone of the account in whose name the case
was filed, and rates it as themselves. The code is sent at most 5 times a day per case and 10 per phone
(and under the platform's SMS limits); a proven session may rate that case only, for 30 minutes."""

from __future__ import annotations

import time

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tongban.accounts.facade import actor_for_user_id, rating_code_send, rating_code_verify, throttle_hit
from tongban.cases.facade import CaseNotFound, case_for_rating_by_lookup
from tongban.core.errors import DomainError, Throttled
from tongban.ratings import services
from tongban.ratings.access import access_case_to_rate, require_may_rate_case, require_rating_allowed
from tongban.ratings.channels import browser_channel, device_cookie_ensure, device_key
from tongban.ratings.views import rate_form_context

SESSION_KEY = "ratings_by_code"
PROVEN_SECONDS = 30 * 60
CODES_PER_CASE_DAY = 5
CODES_PER_USER_DAY = 10
DAY = 24 * 3600


class _Message(DomainError):
    status = 422


def rate_by_code(request):
    """Public: step 1, the case's number and 查询码 (the code goes to the applicant's phone); step 2, the SMS
    code. A wrong pair answers as 办件查询 does (one answer for every miss)."""
    state = request.session.get(SESSION_KEY) or {}
    context: dict = {
        "step": "find",
        "error": None,
        "masked_phone": state.get("phone", ""),
        "code_minutes": settings.TONGBAN_SMS_CODE_TTL_SECONDS // 60,
    }
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "verify" and state.get("user"):
                if not rating_code_verify(user_id=state["user"], code=request.POST.get("code", "")):
                    context["step"] = "verify"
                    raise _Message(message=_("验证码错误或已过期"))
                state["until"] = time.time() + PROVEN_SECONDS
                request.session[SESSION_KEY] = state
                return redirect("ratings:by_code_rate")
            case_uuid, ended, user_id = case_for_rating_by_lookup(
                number=request.POST.get("number", ""),
                code=request.POST.get("lookup_code", ""),
                client=request.client_ip,
            )
            if not ended:
                raise _Message(message=_("办件尚未办结，办结后才能评价"))
            if user_id is None:
                raise _Message(message=_("该办件没有可接收验证码的申请人账号，请登录后评价"))
            if not (
                throttle_hit("rating_code_case", case_uuid, limit=CODES_PER_CASE_DAY, window=DAY)
                and throttle_hit("rating_code_user", str(user_id), limit=CODES_PER_USER_DAY, window=DAY)
            ):
                raise Throttled(message=_("今日发送验证码次数过多，请明天再试"))
            masked = rating_code_send(user_id=user_id, ip=request.client_ip)
            if masked is None:
                raise _Message(message=_("该办件没有可接收验证码的申请人账号，请登录后评价"))
            state = {"case": case_uuid, "user": user_id, "phone": masked}
            request.session[SESSION_KEY] = state
            context.update(step="verify", masked_phone=masked)
        except DomainError as exc:
            context["error"], status = exc, exc.status
    elif state.get("user") and not state.get("until"):
        context["step"] = "verify"
    return render(request, "ratings/by_code.html", context, status=status)


def rate_by_code_form(request):
    """Public, after the SMS code: the evaluation form of that one case, as its applicant."""
    state = request.session.get(SESSION_KEY) or {}
    if not state.get("until"):  # not proven yet: back to the code
        return redirect("ratings:by_code")
    if state["until"] < time.time():
        request.session.pop(SESSION_KEY, None)
        return redirect("ratings:by_code")
    actor = actor_for_user_id(state["user"])
    try:
        case = access_case_to_rate(actor=actor, case_uuid=state["case"]) if actor else None
    except CaseNotFound:
        case = None
    if case is None:
        request.session.pop(SESSION_KEY, None)
        return redirect("ratings:by_code")
    channel = browser_channel(request)
    error, status, done = None, 200, False
    posted = request.POST if request.method == "POST" else None
    try:
        require_may_rate_case(actor, case)
        if posted is not None:
            device = device_key(request)
            require_rating_allowed(actor, request.client_ip, device)
            services.evaluate_case(
                actor=actor,
                case=case,
                round=posted.get("round"),
                level=posted.get("level"),
                indicators=posted.getlist("indicators"),
                text=posted.get("text", ""),
                anonymous=posted.get("anonymous") == "1",
                channel=channel,
                device=device,
                address=request.client_ip,
            )
            request.session.pop(SESSION_KEY, None)  # one evaluation per proof
            done = True
    except DomainError as exc:
        error, status = exc, exc.status
    context = rate_form_context(actor, case, channel, error=error, posted=posted, done=done)
    return device_cookie_ensure(request, render(request, "ratings/by_code_rate.html", context, status=status))
