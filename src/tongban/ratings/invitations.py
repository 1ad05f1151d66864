"""Invitations to rate a case (docs/domain/ratings.md §3). When a case reaches its end (cases' ``case_ended``,
after commit) its applicant — for a window case the person the clerk identified, never the clerk — gets an
in-app message and an SMS with the link to the case's evaluation page; again ``INVITE_AGAIN_DAYS`` calendar
days later if the case is still unrated (the maintenance sweep sends it); none once it is rated, none to a
person who turned invitations off.

**Our choice for the quiet hours**: the in-app message always goes at once; the SMS only goes between 09:00
and 20:00 Shanghai time, and one due outside those hours is held (``sms_due_at``) and sent by the first sweep
from 09:00 — unless the case was rated meanwhile. Idempotent: one invitation per case (a unique row), however
often the case ends (concluded, then delivered) or the sweep runs; each step under the row's lock."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import user_language, user_phone
from tongban.cases.facade import cases_ended_since
from tongban.core.messaging import sms_queue
from tongban.core.models import SmsKind
from tongban.notifications.facade import notify
from tongban.ratings.constants import INVITATIONS_MAX, INVITE_AGAIN_DAYS, SMS_HOURS, SMS_TIME_ZONE
from tongban.ratings.locks import lock_invitation
from tongban.ratings.models import Evaluation, RatingInvitation, RatingInvitationOptOut

CATCH_UP_DAYS = 2

FIRST = (_("邀请您评价办件服务"), _("%(name)s（%(number)s）已办理完毕，欢迎对本次服务作出评价。"))
AGAIN = (_("办件服务评价提醒"), _("%(name)s（%(number)s）尚未评价，您的评价将帮助我们改进服务。"))


def _now() -> datetime:
    return timezone.now()


def sms_time(now: datetime) -> datetime:
    """``now`` when an SMS may go (09:00 to 20:00 Shanghai time), else the next 09:00."""
    zone = ZoneInfo(SMS_TIME_ZONE)
    local = now.astimezone(zone)
    start, end = SMS_HOURS
    if start <= local.hour < end:
        return now
    day = local.date() if local.hour < start else local.date() + timedelta(days=1)
    return datetime.combine(day, time(start), tzinfo=zone)


def case_rated(case_uuid) -> bool:
    """Whether anyone of the case's applicant side has rated it (no invitation is sent after)."""
    return Evaluation.objects.filter(subject_uuid=case_uuid).exists()


def invitations_off(user_id: int) -> bool:
    return RatingInvitationOptOut.objects.filter(user_id=user_id).exists()


def invitations_set(user_id: int, *, enabled: bool) -> None:
    """Turn rating invitations on or off for a person (ratings.md §3)."""
    if enabled:
        RatingInvitationOptOut.objects.filter(user_id=user_id).delete()
    else:
        RatingInvitationOptOut.objects.get_or_create(user_id=user_id)


def case_ended_receiver(sender, **facts) -> RatingInvitation | None:
    """cases' ``case_ended`` signal (sent after the end's commit)."""
    return invitation_open(
        case_uuid=facts["case_uuid"],
        user_id=facts.get("user_id"),
        number=facts.get("number", ""),
        name=facts.get("name", ""),
    )


def invitation_open(*, case_uuid, user_id: int | None, number: str, name: str, now=None):
    """Make the case's invitation and send the first message, once per case. None when there is nobody to
    invite (a window case without an identified person), or the invitation exists already, or the case is
    rated, or the person turned invitations off."""
    if user_id is None:
        return None
    now = now or _now()
    with transaction.atomic():
        if RatingInvitation.objects.filter(case_uuid=case_uuid).exists() or case_rated(case_uuid):
            return None
        invitation, created = RatingInvitation.objects.get_or_create(
            case_uuid=case_uuid,
            defaults={
                "user_id": user_id,
                "case_number": str(number)[:32],
                "case_name": str(name)[:200],
                "created_at": now,
            },
        )
        if not created:  # a concurrent delivery of the same end made it first
            return None
        invitation = lock_invitation(invitation.pk)
        if invitations_off(user_id):
            return invitation
        _send(invitation, now)
    return invitation


def invitations_send_due(now=None) -> dict[str, int]:
    """The sweep: reminders due (still unrated, fewer than ``INVITATIONS_MAX`` sent) and SMS held for the
    morning. Safe to run again and at once from two processes: each row is re-read under its lock."""
    now = now or _now()
    reminders = sms = 0
    due = RatingInvitation.objects.filter(next_due_at__lte=now).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            invitation = lock_invitation(pk)
            if invitation.next_due_at is None or invitation.next_due_at > now:
                continue
            if invitation.sent_count >= INVITATIONS_MAX or _closed(invitation):
                _close(invitation)
                continue
            _send(invitation, now)
            reminders += 1
    held = RatingInvitation.objects.filter(sms_due_at__lte=now).values_list("pk", flat=True)
    for pk in list(held):
        with transaction.atomic():
            invitation = lock_invitation(pk)
            if invitation.sms_due_at is None or invitation.sms_due_at > now:
                continue
            if _closed(invitation):
                _close(invitation)
                continue
            if sms_time(now) == now:
                _sms(invitation)
                invitation.sms_due_at = None
                invitation.save(update_fields=["sms_count", "sms_due_at"])
                sms += 1
            else:  # the sweep ran outside the hours (its clock, not ours, decides)
                invitation.sms_due_at = sms_time(now)
                invitation.save(update_fields=["sms_due_at"])
    return {"rating_invitations_reminded": reminders, "rating_invitation_sms_sent": sms}


def invitations_catch_up(now=None) -> int:
    """Invite for the cases that ended in the last ``CATCH_UP_DAYS`` days without an invitation (the
    ``case_ended`` receiver failed after the case's commit)."""
    now = now or _now()
    ended = cases_ended_since(now - timedelta(days=CATCH_UP_DAYS))
    have = set(
        str(u)
        for u in RatingInvitation.objects.filter(case_uuid__in=[f["case_uuid"] for f in ended]).values_list(
            "case_uuid", flat=True
        )
    )
    made = 0
    for facts in ended:
        if facts["case_uuid"] in have:
            continue
        if invitation_open(
            case_uuid=facts["case_uuid"],
            user_id=facts["user_id"],
            number=facts["number"],
            name=facts["name"],
            now=now,
        ):
            made += 1
    return made


def _closed(invitation: RatingInvitation) -> bool:
    return case_rated(invitation.case_uuid) or invitations_off(invitation.user_id)


def _close(invitation: RatingInvitation) -> None:
    invitation.next_due_at = invitation.sms_due_at = None
    invitation.save(update_fields=["next_due_at", "sms_due_at"])


def _link(invitation: RatingInvitation) -> str:
    return reverse("ratings:case", kwargs={"case_uuid": invitation.case_uuid})


REPLY_HINT = _(
    "也可直接回复数字评价：5非常满意，4满意，3基本满意，2不满意，1非常不满意（可在数字后附意见）。"
)


def _texts(invitation: RatingInvitation):
    title, body = FIRST if invitation.sent_count <= 1 else AGAIN
    return title, body, {"name": invitation.case_name, "number": invitation.case_number}


def _send(invitation: RatingInvitation, now: datetime) -> None:
    """One invitation (the first or the reminder): the in-app message now, the SMS now or in the morning."""
    invitation.sent_count += 1
    if invitation.first_sent_at is None:
        invitation.first_sent_at = now
    title, body, params = _texts(invitation)
    notify(
        user_id=invitation.user_id, title=title, body=body, params=params, link=_link(invitation), sms=False
    )
    more = invitation.sent_count < INVITATIONS_MAX
    invitation.next_due_at = invitation.first_sent_at + timedelta(days=INVITE_AGAIN_DAYS) if more else None
    when = sms_time(now)
    if when == now:
        _sms(invitation)
        invitation.sms_due_at = None
    else:
        invitation.sms_due_at = when
    invitation.save(update_fields=["sent_count", "sms_count", "first_sent_at", "next_due_at", "sms_due_at"])


def _sms(invitation: RatingInvitation) -> None:
    """The SMS of the latest invitation, in the person's language, with the evaluation page's address (the
    page asks for sign-in or the SMS code: the link rates nothing by itself)."""
    phone = user_phone(invitation.user_id)
    if not phone:
        return
    title, body, params = _texts(invitation)
    with translation.override(user_language(invitation.user_id) or settings.LANGUAGE_CODE):
        text = f"【{title}】{str(body) % params} {settings.TONGBAN_PUBLIC_BASE_URL}{_link(invitation)}"
        if settings.TONGBAN_SMS_INBOUND_SECRET:  # replies reach the platform: say how to rate by reply
            text += " " + str(REPLY_HINT)
    sms_queue(phone=phone, text=text, kind=SmsKind.NOTICE, user_id=invitation.user_id)
    invitation.sms_count += 1
