"""The result hand-out window (统一出件) and the evaluation pad (一次一评), docs/domain/frontdesk.md §6–7.

- The results waiting at a centre: concluded cases to be delivered at a window or by courier, taken in at the
  centre (its services and paper files name them) or submitted online with window pick-up to a department of
  the centre's district (``cases.facade.cases_awaiting_handout``).
- A handover in person: the clerk types the ID number the applicant shows (ID card or 亮证), checked against
  the applicant's; the applicant signs on the pad (a PNG, checked here); or by courier with a tracking number.
  The case is delivered through cases (its timeline says where and when), a ``Handover`` row is written and
  the audit trail records the clerk as actor and the applicant (masked) in ``after``.
- The pad: only the window's current session (the newest open one; opening a session closes the window's
  older ones) is rated, once (5 非常满意 … 1 非常不满意) with an optional comment, within
  ``PAD_RATE_MINUTES`` of the service's end, never by staff of the centre."""

from __future__ import annotations

import base64
import binascii
import io
import re
import uuid as uuid_module
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import OrgKind, organisation_info, person_user_id
from tongban.cases.facade import (
    HandoutCase,
    case_awaiting_handout,
    case_hand_out,
    case_receiver_matches,
    cases_awaiting_handout,
)
from tongban.core.actors import Actor
from tongban.core.audit import audit_record
from tongban.core.errors import InvalidInput
from tongban.core.identifiers import mask_id_number
from tongban.frontdesk.access import access_handout_window, in_centre
from tongban.frontdesk.constants import HandoverMethod
from tongban.frontdesk.errors import (
    FrontdeskError,
    HandoutCaseNotFound,
    PadAlreadyRated,
    PadSessionExpired,
    PadSessionNotFound,
    PadStaff,
)
from tongban.frontdesk.locks import lock_pad_session
from tongban.frontdesk.models import Handover, PadSession, PaperFile, Service, ServiceCentre, Window
from tongban.frontdesk.signals import pad_rated

SIGNATURE_MAX_BYTES = 200 * 1024
SIGNATURE_MAX_PIXELS = 4_000_000  # 2000 × 2000: a pad is far smaller; refuses decompression bombs
SIGNATURE_MIN_INK = 40  # dark pixels a signature has at least (a dot or an empty pad has fewer)
DATA_URL_PREFIX = "data:image/png;base64,"
TRACKING_NUMBER = re.compile(r"^[A-Za-z0-9-]{6,40}$")
PAD_COMMENT_MAX = 500
PAD_SCORES = (1, 2, 3, 4, 5)
PAD_RATE_MINUTES = 15  # a service is rated within this time of its end (the applicant is still at the window)


# --- where a result waits ---------------------------------------------------------------------------------
def centre_case_uuids(centre: ServiceCentre) -> list[str]:
    """The cases taken in at the centre: those its windows' services name and those it collected (收受分离)."""
    found: set[str] = set()
    for uuids in (
        Service.objects.filter(centre=centre).exclude(case_uuids=[]).values_list("case_uuids", flat=True)
    ):
        found.update(str(u) for u in uuids or [])
    found.update(
        str(u) for u in PaperFile.objects.filter(collecting_centre=centre).values_list("case_uuid", flat=True)
    )
    return sorted(found)


def centre_district_uuid(centre: ServiceCentre) -> str | None:
    """The district the centre's organisation sits in (its parent, when that is a district)."""
    parts = centre.org_path.strip("/").split("/")
    if len(parts) < 2:
        return None
    try:
        parent = str(uuid_module.UUID(parts[-2]))
    except ValueError:
        return None
    info = organisation_info(parent)
    return info.uuid if info is not None and info.kind == OrgKind.DISTRICT else None


def results_awaiting_handout(*, actor: Actor, window: Window, number: str = "") -> list[HandoutCase]:
    window = access_handout_window(actor=actor, window_uuid=window.uuid)
    centre = window.centre
    return cases_awaiting_handout(
        actor=actor,
        case_uuids_here=centre_case_uuids(centre),
        district_uuid=centre_district_uuid(centre),
        number=number,
    )


def result_awaiting_handout(*, actor: Actor, window: Window, case_uuid) -> HandoutCase:
    window = access_handout_window(actor=actor, window_uuid=window.uuid)
    centre = window.centre
    found = case_awaiting_handout(
        actor=actor,
        case_uuid=str(case_uuid),
        case_uuids_here=centre_case_uuids(centre),
        district_uuid=centre_district_uuid(centre),
    )
    if found is None:
        raise HandoutCaseNotFound()
    return found


# --- the signature ----------------------------------------------------------------------------------------
def signature_png(data_url: str) -> bytes:
    """The PNG of a signature posted as a data URL, checked: a real PNG (Pillow decodes it), at most 200 KB,
    and not blank (enough dark strokes on a white or transparent pad). 422 otherwise."""
    from PIL import Image, UnidentifiedImageError

    data_url = (data_url or "").strip()
    if not data_url:
        raise InvalidInput(FrontdeskError.SIGNATURE_BLANK, _("请申请人在签名板上签名"), field="signature")
    if len(data_url) > len(DATA_URL_PREFIX) + (SIGNATURE_MAX_BYTES * 4) // 3 + 4:
        raise InvalidInput(
            FrontdeskError.SIGNATURE_TOO_LARGE, _("签名图片不能超过 200 KB"), field="signature"
        )
    if not data_url.startswith(DATA_URL_PREFIX):
        raise InvalidInput(FrontdeskError.SIGNATURE_INVALID, _("签名须为 PNG 图片"), field="signature")
    try:
        raw = base64.b64decode(data_url[len(DATA_URL_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(
            FrontdeskError.SIGNATURE_INVALID, _("签名须为 PNG 图片"), field="signature"
        ) from exc
    if len(raw) > SIGNATURE_MAX_BYTES:
        raise InvalidInput(
            FrontdeskError.SIGNATURE_TOO_LARGE, _("签名图片不能超过 200 KB"), field="signature"
        )
    try:
        image = Image.open(io.BytesIO(raw))
        if image.format != "PNG" or image.width * image.height > SIGNATURE_MAX_PIXELS:
            raise ValueError("not a pad's PNG")
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidInput(
            FrontdeskError.SIGNATURE_INVALID, _("签名须为 PNG 图片"), field="signature"
        ) from exc
    rgba = image.convert("RGBA")
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    grey = Image.alpha_composite(paper, rgba).convert("L")
    ink = sum(grey.histogram()[:128])
    if ink < SIGNATURE_MIN_INK:
        raise InvalidInput(FrontdeskError.SIGNATURE_BLANK, _("请申请人在签名板上签名"), field="signature")
    return raw


# --- the handover -----------------------------------------------------------------------------------------
@transaction.atomic
def handover(
    *,
    actor: Actor,
    window: Window,
    case_uuid,
    method: str,
    id_number: str = "",
    signature: str = "",
    tracking_number: str = "",
) -> Handover:
    """Hand a result out at ``window``: in person (the ID number typed from what the applicant shows, their
    signature on the pad) or by courier (a tracking number). Everything is checked before anything is
    written; the case is delivered through cases."""
    window = access_handout_window(actor=actor, window_uuid=window.uuid)
    centre = window.centre
    result = result_awaiting_handout(actor=actor, window=window, case_uuid=case_uuid)
    tracking_number = (tracking_number or "").strip()
    png: bytes | None = None
    receiver = ""
    if method == HandoverMethod.COURIER:
        if not TRACKING_NUMBER.match(tracking_number):
            raise InvalidInput(
                FrontdeskError.TRACKING_NUMBER_REQUIRED,
                _("邮寄须填写快递单号（6–40 位字母、数字或连字符）"),
                field="tracking_number",
            )
    elif method == HandoverMethod.IN_PERSON:
        if result.delivery_method != "window":
            raise InvalidInput(
                FrontdeskError.HANDOUT_METHOD_INVALID, _("申请人选择了邮寄送达，请邮寄"), field="method"
            )
        id_number = (id_number or "").strip().upper()
        if not case_receiver_matches(result.uuid, id_number):
            raise InvalidInput(
                FrontdeskError.RECEIVER_MISMATCH,
                _("证件号码与申请人不符，不能领取"),
                field="id_number",
            )
        png = signature_png(signature)
        receiver = mask_id_number(id_number)
        tracking_number = ""
    else:
        raise InvalidInput(FrontdeskError.HANDOUT_METHOD_INVALID, _("请选择领取方式"), field="method")
    place = f"{centre.name} {window.name}"
    case_hand_out(
        actor=actor,
        case_uuid=result.uuid,
        courier=method == HandoverMethod.COURIER,
        tracking_number=tracking_number,
        place=place,
    )
    row = Handover.objects.create(
        case_uuid=result.uuid,
        case_number=result.number,
        centre=centre,
        window=window,
        clerk_user_id=actor.require_user_id(),
        clerk_label=actor.label[:100],
        method=method,
        receiver_label=receiver,
        signature_png=png,
        tracking_number=tracking_number,
    )
    audit_record(
        actor=actor,
        action="frontdesk.handover",
        object_type="case",
        object_id=result.uuid,
        after={
            "case_number": result.number,
            "method": method,
            "centre": centre.name,
            "window": window.name,
            "applicant": result.applicant_label,
            "receiver": receiver,
            "tracking_number": tracking_number,
        },
        org_path=centre.org_path,
    )
    return row


# --- the evaluation pad -----------------------------------------------------------------------------------
def pad_current(window: Window) -> PadSession | None:
    """The window's session waiting for a rating: the newest one opened and not closed (``pad_open`` closes
    the older ones; this order settles any left open before it did)."""
    return (
        PadSession.objects.filter(window=window, closed_at__isnull=True)
        .select_related("service")
        .order_by("-opened_at", "-id")
        .first()
    )


def pad_expired(session: PadSession, now=None) -> bool:
    """Whether the session's service ended more than ``PAD_RATE_MINUTES`` ago (no longer rated)."""
    ended = session.service.finished_at or session.opened_at
    return (now or timezone.now()) - ended > timedelta(minutes=PAD_RATE_MINUTES)


@transaction.atomic
def pad_rating_facts(session: PadSession) -> dict:
    """What ``pad_rated`` carries of a rated session (the ratings context writes its evaluation from it)."""
    window = session.window
    applicant = session.service.applicant_person_uuid
    return {
        "session_uuid": session.uuid,
        "service_uuid": session.service.uuid,
        "window_uuid": window.uuid,
        "window_name": window.name,
        "centre_uuid": window.centre.uuid,
        "centre_org_uuid": window.centre.org_uuid,
        "centre_name": window.centre.name,
        # the applicant the clerk identified (their account): the evaluation is theirs, real-name
        "applicant_user_id": person_user_id(applicant) if applicant else None,
        "score": session.score,
        "comment": session.comment,
        "rated_at": session.closed_at,
        "via": session.rated_via or "tablet",
    }


def case_taken_in_by_centre_of(actor: Actor, case_uuid) -> bool:
    """Whether a centre the actor works in (a member of the centre or of one of its windows, any role) took the
    case in at a window or collected it: the ratings context refuses their rating of it (staff do not rate
    their own service, ratings.md §1)."""
    paths = [m.organisation_path for m in actor.memberships]
    if not paths:
        return False
    centres = [
        c
        for c in ServiceCentre.objects.only("id", "org_path")
        if any(p.startswith(c.org_path) for p in paths)
    ]
    return any(str(case_uuid) in centre_case_uuids(c) for c in centres)


def window_centre_org_uuid(window_uuid) -> str | None:
    """The organisation of a window's centre (the unit that handles the window's 差评)."""
    org = Window.objects.filter(uuid=window_uuid).values_list("centre__org_uuid", flat=True).first()
    return str(org) if org else None


def pad_ratings_since(since) -> list[dict]:
    """The facts of every session rated since ``since`` (the ratings context's catch-up: a rating whose
    signal's receiver failed after the commit is written at the next maintenance sweep)."""
    rated = PadSession.objects.filter(score__isnull=False, closed_at__gte=since).select_related(
        "window__centre", "service"
    )
    return [pad_rating_facts(session) for session in rated]


def pad_open(window: Window, service: Service) -> PadSession:
    """Invite the applicant to rate ``service`` on the window's pad (the counter calls it when a service
    ends): the window's older open sessions are closed unrated, so only this one can be rated."""
    PadSession.objects.filter(window=window, closed_at__isnull=True).update(closed_at=timezone.now())
    return PadSession.objects.create(window=window, service=service)


PAD_VIA = ("tablet", "qr", "terminal")  # the pad, the window's QR code on a phone, another hall terminal


@transaction.atomic
def pad_rate(
    *, actor: Actor, window: Window, session_uuid, score, comment: str = "", via: str = "tablet"
) -> PadSession:
    """Rate the window's current session (``pad_current``; an older or unknown one: 404
    ``pad_session_not_found``), once (409 ``pad_already_rated`` after), within ``PAD_RATE_MINUTES`` of the
    service's end (409 ``pad_session_expired``): ``score`` 5 非常满意 … 1 非常不满意 (the 好差评 levels),
    ``comment`` at most 500 characters. Anyone at the pad may rate (a public page; nothing of the applicant
    is asked or shown) except staff of the centre (403 ``pad_staff``: a clerk does not rate their own
    service). The page throttles the ratings per address (access.require_pad_allowed)."""
    if in_centre(actor, window.centre):
        raise PadStaff()
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = 0
    if value not in PAD_SCORES:
        raise InvalidInput(FrontdeskError.PAD_SCORE_INVALID, _("请选择一个评价"), field="score")
    comment = (comment or "").strip()
    if len(comment) > PAD_COMMENT_MAX:
        raise InvalidInput(FrontdeskError.PAD_COMMENT_TOO_LONG, _("意见不能超过 500 字"), field="comment")
    try:
        key = uuid_module.UUID(str(session_uuid))
    except ValueError as exc:
        raise PadSessionNotFound() from exc
    current = pad_current(window)
    if current is None or current.uuid != key:
        rated = PadSession.objects.filter(window=window, uuid=key, score__isnull=False).exists()
        raise PadAlreadyRated() if rated else PadSessionNotFound()
    session = lock_pad_session(window_id=window.pk, session_uuid=key)
    if session is None:
        raise PadSessionNotFound()
    if session.closed_at is not None:  # rated, or closed by a newer session, since pad_current read it
        raise PadAlreadyRated() if session.score is not None else PadSessionNotFound()
    if pad_expired(current):
        raise PadSessionExpired()
    session.score, session.comment, session.closed_at = value, comment, timezone.now()
    session.rated_via = via if via in PAD_VIA else "tablet"
    session.save(update_fields=["score", "comment", "closed_at", "rated_via"])
    audit_record(
        actor=actor,
        action="frontdesk.pad_rate",
        object_type="pad_session",
        object_id=session.uuid,
        after={"window": window.name, "score": value},
        org_path=window.centre.org_path,
    )
    session.window, session.service = window, current.service
    facts = pad_rating_facts(session)
    # The ratings context (to the right of the front desk) writes the evaluation once the rating is committed.
    transaction.on_commit(lambda: pad_rated.send(sender=PadSession, **facts))
    return session


def window_org_uuids(window_uuids) -> dict[str, str]:
    """The organisation of each window (its own, else its centre's), by the window's uuid — what a pad's
    一次一评 names as the rated unit — for supervision's roll-ups. Unknown uuids are left out."""
    rows = Window.objects.filter(uuid__in={str(u) for u in window_uuids}).values_list(
        "uuid", "org_uuid", "centre__org_uuid"
    )
    return {str(u): str(org or centre) for u, org, centre in rows}
