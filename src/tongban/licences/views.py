"""The card bag (卡包) pages: a holder's licences and one licence with its face data."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from tongban.core.identifiers import mask_id_number
from tongban.licences.access import access_licence_for_holder, holder_scope
from tongban.licences.constants import LicenceStatus
from tongban.licences.errors import LicenceNotFound
from tongban.licences.models import Licence


def colour(licence: Licence) -> str:
    """green: valid today; yellow: suspended or not yet valid; red: anything else (withdrawn, expired…)."""
    today = timezone.localdate()
    if licence.status == LicenceStatus.VALID and licence.current:
        if licence.valid_until is not None and licence.valid_until < today:
            return "red"
        return "green" if licence.valid_from <= today else "yellow"
    return "yellow" if licence.status == LicenceStatus.SUSPENDED else "red"


@login_required
def card_bag(request):
    qs = (
        Licence.objects.select_related("type")
        .filter(holder_scope(request.user))
        .order_by("-current", "-issue_date", "-id")
    )
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    for licence in page.object_list:
        licence.colour = colour(licence)
    return render(request, "licences/card_bag.html", {"page": page})


@login_required
def licence_page(request, licence_uuid):
    try:
        licence = access_licence_for_holder(actor=request.user, licence_uuid=licence_uuid)
    except LicenceNotFound as exc:
        raise Http404 from exc
    face = [
        (title, licence.face.get(key, "")) for key, title in licence.type.face_fields if key in licence.face
    ]
    holder_code = mask_id_number(licence.holder_code) if licence.holder_kind == "111" else licence.holder_code
    return render(
        request,
        "licences/licence.html",
        {
            "licence": licence,
            "colour": colour(licence),
            "face": face,
            "holder_code": holder_code,
            "uses": list(licence.uses.all()[:20]),
        },
    )
