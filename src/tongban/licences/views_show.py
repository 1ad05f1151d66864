"""亮证 and 用证 pages: the holder's QR code for a scene (refreshing itself), and the verifier's page, where a
window clerk (logged in) or a registered verifier (with its key) scans or pastes a shown token."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from tongban.core.errors import DomainError
from tongban.licences.access import access_licence_for_holder
from tongban.licences.constants import Scene
from tongban.licences.errors import LicenceError, LicenceNotFound
from tongban.licences.show import make_show_token
from tongban.licences.verification import verify_shown
from tongban.licences.verifiers import identity_of, verifier_authenticate

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
    context = {"licence": licence, "scenes": scenes, "scene": scene, "shown": None}
    if scene in dict(scenes):
        shown = make_show_token(licence, scene)
        titles = dict(licence.type.face_fields)
        context.update(
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
    key (typed in the page). A scanner gun or the camera fills the token in; the cause is required."""
    result = error = None
    values = {"token": "", "cause": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in ("token", "cause")}
        key = request.POST.get("verifier_key", "").strip()
        caller = verifier_authenticate(key) if key else request.actor
        try:
            if caller is None or not getattr(caller, "is_authenticated", True):
                raise DomainError(
                    LicenceError.NOT_AUTHENTICATED, _("请先登录，或填写用证单位的接口密钥"), status=401
                )
            result = verify_shown(who=identity_of(caller), token=values["token"], cause=values["cause"])
            values["token"] = ""
        except DomainError as exc:
            error = exc
    status = 200 if error is None else error.status
    return render(
        request,
        "licences/verify.html",
        {"result": result, "error": error, "values": values},
        status=status,
    )
