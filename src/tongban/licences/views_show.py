"""亮证 and 用证 pages: the holder's QR code for a scene (refreshing itself), and the verifier's page, where a
window clerk (logged in) or a registered verifier (with its key) scans or pastes a shown token."""

from __future__ import annotations

import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tongban.core.errors import DomainError
from tongban.licences.access import access_licence_for_holder
from tongban.licences.constants import Scene
from tongban.licences.errors import LicenceError, LicenceNotFound
from tongban.licences.foreign import ForeignShown, verify_shown_anywhere
from tongban.licences.pdf import is_sealed
from tongban.licences.show import make_show_token
from tongban.licences.verifiers import (
    identity_of,
    verifier_authenticate,
    verifier_forget,
    verifier_remember,
    verifier_remembered,
)

QR_BLACK, QR_RED = "#000000", "#c8102e"


def _qr_svg(token: str, valid: bool) -> str:
    return segno.make(token, error="m").svg_inline(
        scale=4,
        border=4,
        dark=QR_BLACK if valid else QR_RED,
        light="#ffffff",
        omitsize=True,
        svgclass="qr-code",
        title=_("亮证二维码"),
    )


@never_cache
@login_required
def show_page(request, licence_uuid):
    """The licence's QR code in a scene the holder picks; the fragment alone when htmx refreshes it."""
    try:
        licence = access_licence_for_holder(
            actor=request.actor, licence_uuid=licence_uuid, action="licence.show"
        )
    except LicenceNotFound as exc:
        raise Http404 from exc
    scenes = [(s, Scene(s).label) for s in Scene.values if s in (licence.type.scene_fields or {})]
    scene = request.GET.get("scene") or (scenes[0][0] if scenes else "")
    context = {"licence": licence, "scenes": scenes, "scene": scene, "shown": None, "sealed": False}
    if not request.headers.get("HX-Request"):
        context["sealed"] = is_sealed(licence)
    if scene in dict(scenes):
        shown = make_show_token(licence, scene)
        titles = dict(licence.type.face_fields)
        # One sentence for the countdown, drawn here and then updated every second by app.js from the same
        # words (data-countdown, "%s" for the seconds), so the page never shows two texts or formats.
        countdown = _("本码 %(seconds)s 秒内有效，会自动刷新")
        context.update(
            countdown_text=countdown % {"seconds": max(0, shown.expires_at - int(time.time()))},
            countdown_template=countdown % {"seconds": "%s"},
            shown=shown,
            qr=_qr_svg(shown.token, shown.valid),
            field_titles=[titles.get(f, f) for f in shown.fields],
            refresh=max(5, settings.TONGBAN_SHOW_TOKEN_SECONDS - 10),
        )
    template = "licences/_show_qr.html" if request.headers.get("HX-Request") else "licences/show.html"
    return render(request, template, context)


@never_cache
def verify_page(request):
    """Verify a shown licence: window and department staff with their login, registered verifiers with their
    key, typed once per device (the session remembers the verifier, not the key, until 忘记密钥 or logout).
    A scanner gun or the camera fills the token in; the cause is required. A wrong key has its own message."""
    result = error = None
    values = {"token": "", "cause": ""}
    staff = request.user.is_authenticated
    remembered = None if staff else verifier_remembered(request.session)
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in ("token", "cause")}
        key = request.POST.get("verifier_key", "").strip()
        try:
            if staff:
                caller = request.actor
            elif key:
                caller = verifier_authenticate(key)
                if caller is None:
                    raise DomainError(
                        LicenceError.VERIFIER_KEY_INVALID,
                        _("用证单位接口密钥不正确，请核对后重新填写（区分大小写，以 tbv_ 开头）"),
                        status=401,
                    )
                verifier_remember(request.session, caller)
                remembered = caller
            elif remembered is not None:
                caller = remembered
            else:
                raise DomainError(
                    LicenceError.NOT_AUTHENTICATED, _("请先登录，或填写用证单位的接口密钥"), status=401
                )
            who = identity_of(caller)
            result = verify_shown_anywhere(who=who, token=values["token"], cause=values["cause"])
            values["token"] = ""
        except DomainError as exc:
            error = exc
    status = 200 if error is None else error.status
    return render(
        request,
        "licences/verify.html",
        {
            "result": result,
            "foreign": isinstance(result, ForeignShown),
            "scene_label": Scene(result.scene).label if result else "",
            "error": error,
            "values": values,
            "verifier": remembered,
            "staff": staff,
        },
        status=status,
    )


@require_POST
def verify_forget(request):
    """Forget the verifier this device is signed in as (the 忘记密钥 button)."""
    verifier_forget(request.session)
    messages.success(request, _("本设备已忘记用证单位密钥"))
    return redirect("licences:verify")
