"""The card bag (卡包) pages: a holder's licences and one licence with its face data."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from tongban.accounts.facade import identity_confirmed
from tongban.licences.access import access_licence_for_holder, card_bag, card_bag_locked_count
from tongban.licences.constants import LicenceStatus
from tongban.licences.errors import LicenceError, LicenceNotFound
from tongban.licences.models import Licence
from tongban.licences.pdf import is_sealed, sealed_document_ask
from tongban.licences.uses import licence_data_uses


def colour(licence: Licence) -> str:
    """green: valid today; yellow: suspended or not yet valid; red: anything else (withdrawn, expired…)."""
    today = timezone.localdate()
    if licence.status == LicenceStatus.VALID and licence.current:
        if licence.valid_until is not None and licence.valid_until < today:
            return "red"
        return "green" if licence.valid_from <= today else "yellow"
    return "yellow" if licence.status == LicenceStatus.SUSPENDED else "red"


@login_required
def card_bag_page(request):
    page = Paginator(card_bag(request.actor), 20).get_page(request.GET.get("page"))
    for licence in page.object_list:
        licence.colour = colour(licence)
    return render(
        request,
        "licences/card_bag.html",
        {
            "page": page,
            "locked": card_bag_locked_count(request.actor),
            "unconfirmed": not identity_confirmed(request.actor),
        },
    )


@login_required
def licence_page(request, licence_uuid):
    try:
        licence = access_licence_for_holder(actor=request.actor, licence_uuid=licence_uuid)
    except LicenceNotFound as exc:
        raise Http404 from exc
    face = [
        (title, licence.face.get(key, "")) for key, title in licence.type.face_fields if key in licence.face
    ]
    sealed = is_sealed(licence)
    if not sealed:
        sealed_document_ask(licence)  # e.g. a licence imported unsealed: sealed by the time it is downloaded
    return render(
        request,
        "licences/licence.html",
        {
            "licence": licence,
            "colour": colour(licence),
            "face": face,
            "holder_code": licence.holder_code_masked,
            "uses": licence_data_uses(licence),
            "sealed": sealed,
        },
    )


@login_required
def licence_pdf_page(request, licence_uuid):
    """The licence as a PDF download (the holder only; audited)."""
    from tongban.licences.pdf import licence_pdf_response

    try:
        licence = access_licence_for_holder(
            actor=request.actor, licence_uuid=licence_uuid, action="licence.download_pdf"
        )
    except LicenceNotFound as exc:
        raise Http404 from exc
    return licence_pdf_response(licence)


@require_safe
def jwt_vc_issuer_metadata(request, department_uuid):
    """JWT VC Issuer Metadata (SD-JWT VC draft §3.2) of a department's issuer URL: ``issuer`` (its SD-JWT VCs'
    ``iss``) and ``jwks``, that department's keys only. Public; cacheable for an hour. 404 ``issuer_not_found``
    (JSON) for a department without keys."""
    from django.http import JsonResponse

    from tongban.core.errors import NotFound
    from tongban.licences.credentials import issuer_metadata

    metadata = issuer_metadata(department_uuid)
    if metadata is None:
        return JsonResponse(NotFound(LicenceError.ISSUER_NOT_FOUND).as_dict(), status=404)
    response = JsonResponse(metadata, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=3600"
    return response
