"""The queue (docs/domain/frontdesk.md §4): taking a ticket (kiosk, phone, appointment check-in), booking and
cancelling appointments, and a window's calls — call the next ticket, recall, no-show, transfer, start,
finish. Every change of a ticket writes a ``TicketEvent`` (the raw record the dashboard recomputes from)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.core.actors import Actor, ActorKind
from tongban.core.errors import NotAuthenticated
from tongban.frontdesk import locks
from tongban.frontdesk.access import access_centre, require_in_centre, require_on_window
from tongban.frontdesk.constants import (
    OPEN_TICKET_STATUSES,
    AppointmentStatus,
    TicketAction,
    TicketCategory,
    TicketSource,
    TicketStatus,
)
from tongban.frontdesk.errors import (
    AppointmentNotFound,
    CategoryInvalid,
    FrontdeskError,
    QueueConflict,
    WindowNotFound,
)
from tongban.frontdesk.hours import require_open, spans_for
from tongban.frontdesk.models import (
    Appointment,
    AppointmentSlot,
    ServiceCentre,
    Ticket,
    TicketEvent,
    Window,
)
from tongban.frontdesk.selectors import NEAR_POSITION, waiting_queue, window_current
from tongban.notifications.facade import notify

SLOT_MINUTES = 60
SLOT_CAPACITY = 4
SLOT_CATEGORIES = (TicketCategory.ENTERPRISE, TicketCategory.PERSONAL)
OPEN_TICKETS_PER_USER = 2  # a signed-in person's open tickets per centre and day (phone)
LIVE_APPOINTMENTS_PER_USER = 2  # a person's live bookings (booked, checked in) per centre and day
CHECK_IN_EARLY_MINUTES = 30  # a check-in opens this long before the slot's start and closes at its end


def _event(ticket: Ticket, action: str, *, window: Window | None = None, actor: Actor | None = None) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        action=action,
        window=window,
        actor_user_id=actor.user_id if actor is not None and actor.kind == ActorKind.USER else None,
    )


def _category(category: str) -> str:
    if category not in TicketCategory.values:
        raise CategoryInvalid()
    return category


def _allocate(
    centre: ServiceCentre,
    day: date,
    category: str,
    *,
    source: str,
    user_id: int | None = None,
    due_at: datetime | None = None,
    appointment: Appointment | None = None,
    window: Window | None = None,
    transferred_from: Ticket | None = None,
) -> Ticket:
    """A new waiting ticket with the category's next number of the day (under the counter's row lock)."""
    counter = locks.lock_ticket_counter(centre, day, category)
    counter.last += 1
    counter.save(update_fields=["last"])
    return Ticket.objects.create(
        centre=centre,
        day=day,
        category=category,
        seq=counter.last,
        number=f"{category}{counter.last:03d}",
        source=source,
        user_id=user_id,
        due_at=due_at,
        appointment=appointment,
        window=window,
        transferred_from=transferred_from,
    )


def ticket_take(
    centre: ServiceCentre,
    category: str,
    source: str,
    user_id: int | None = None,
    *,
    at: datetime | None = None,
) -> Ticket:
    """Take a ticket at the kiosk or on the phone: "G001", "E012"… numbered per centre, day and category.
    Refused (409 ``centre_closed``) outside the centre's opening hours, and (409 ``too_many_tickets``) for a
    signed-in person who already holds ``OPEN_TICKETS_PER_USER`` open tickets (waiting, called, serving) at
    the centre that day. The pages throttle the takes per address (access.require_take_allowed)."""
    at = at or timezone.now()
    _category(category)
    if source not in (TicketSource.KIOSK, TicketSource.PHONE):
        raise CategoryInvalid()
    require_open(centre, at)
    day = timezone.localtime(at).date()
    user_id = user_id if source == TicketSource.PHONE else None
    with transaction.atomic():
        if (
            user_id is not None
            and Ticket.objects.filter(
                centre=centre, day=day, user_id=user_id, status__in=OPEN_TICKET_STATUSES
            ).count()
            >= OPEN_TICKETS_PER_USER
        ):
            raise QueueConflict(
                FrontdeskError.TOO_MANY_TICKETS,
                gettext("您今天在本中心已有 %(n)s 个未办完的号，请先办理或等候叫号")
                % {"n": OPEN_TICKETS_PER_USER},
            )
        ticket = _allocate(centre, day, category, source=source, user_id=user_id)
        _event(ticket, TicketAction.TAKE)
    return ticket


# --- appointments ---------------------------------------------------------------------------------------


def slot_start(slot: AppointmentSlot) -> datetime:
    return timezone.make_aware(datetime.combine(slot.day, slot.start))


def slot_end(slot: AppointmentSlot) -> datetime:
    return timezone.make_aware(datetime.combine(slot.day, slot.end))


def slots_ensure(centre: ServiceCentre, start: date, days: int = 7) -> int:
    """Offer the default slots (an hour each, within the opening hours, 4 places, enterprise and personal)
    for the days ahead that have none; answers how many were made. Idempotent (the slot's unique key)."""
    made = []
    have = set(
        AppointmentSlot.objects.filter(
            centre=centre, day__gte=start, day__lt=start + timedelta(days=days)
        ).values_list("day", flat=True)
    )
    for offset in range(days):
        day = start + timedelta(days=offset)
        if day in have:  # a day with slots (perhaps edited by the centre) is left as it is
            continue
        for open_at, close_at in spans_for(centre, day):
            moment = datetime.combine(day, open_at)
            while moment + timedelta(minutes=SLOT_MINUTES) <= datetime.combine(day, close_at):
                end = moment + timedelta(minutes=SLOT_MINUTES)
                made += [
                    AppointmentSlot(
                        centre=centre,
                        day=day,
                        start=moment.time(),
                        end=end.time(),
                        category=category,
                        capacity=SLOT_CAPACITY,
                    )
                    for category in SLOT_CATEGORIES
                ]
                moment = end
    if not made:
        return 0
    before = AppointmentSlot.objects.filter(centre=centre).count()
    AppointmentSlot.objects.bulk_create(made, ignore_conflicts=True)
    return AppointmentSlot.objects.filter(centre=centre).count() - before


def appointment_book(*, actor: Actor, slot: AppointmentSlot, item_name: str = "") -> Appointment:
    """Book a place in a slot (a signed-in user): the slot's count goes up only while a place is free
    (``slot_full``; the CheckConstraint booked ≤ capacity stands behind it); one booking per person per slot
    (``appointment_exists``); never a slot that has begun (``slot_past``); at most
    ``LIVE_APPOINTMENTS_PER_USER`` live bookings (booked or checked in) per person, centre and day
    (``too_many_appointments``)."""
    if actor.kind != ActorKind.USER or actor.user_id is None:
        raise NotAuthenticated()
    if slot_start(slot) <= timezone.now():
        raise QueueConflict(FrontdeskError.SLOT_PAST, gettext("该时段已开始，不能再预约"))
    try:
        with transaction.atomic():
            live = Appointment.objects.filter(
                user_id=actor.user_id,
                slot__centre_id=slot.centre_id,
                slot__day=slot.day,
                status__in=(AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN),
            )
            if live.count() >= LIVE_APPOINTMENTS_PER_USER:
                raise QueueConflict(
                    FrontdeskError.TOO_MANY_APPOINTMENTS,
                    gettext("您当天在本中心已有 %(n)s 个预约，不能再预约")
                    % {"n": LIVE_APPOINTMENTS_PER_USER},
                )
            taken = AppointmentSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(
                booked=F("booked") + 1
            )
            if not taken:
                raise QueueConflict(FrontdeskError.SLOT_FULL, gettext("该时段已约满，请选择其他时段"))
            return Appointment.objects.create(
                slot=slot, user_id=actor.user_id, person_label=actor.label, item_name=item_name[:200]
            )
    except IntegrityError as exc:
        raise QueueConflict(FrontdeskError.APPOINTMENT_EXISTS, gettext("您已预约该时段")) from exc


def appointment_cancel(*, actor: Actor, appointment: Appointment) -> Appointment:
    """The person cancels their booking before it begins: the place is free again."""
    with transaction.atomic():
        appointment = Appointment.objects.select_related("slot").get(pk=appointment.pk)
        if appointment.user_id != actor.user_id:
            raise AppointmentNotFound()
        if appointment.status != AppointmentStatus.BOOKED:
            raise QueueConflict(FrontdeskError.TICKET_STATE, gettext("该预约已签到或已取消"))
        updated = Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.BOOKED).update(
            status=AppointmentStatus.CANCELLED
        )
        if updated:
            AppointmentSlot.objects.filter(pk=appointment.slot_id, booked__gt=0).update(
                booked=F("booked") - 1
            )
        appointment.status = AppointmentStatus.CANCELLED
    return appointment


def appointment_check_in(*, actor: Actor, appointment: Appointment, at: datetime | None = None) -> Ticket:
    """On the day, in opening hours, from ``CHECK_IN_EARLY_MINUTES`` before the slot's start until its end:
    the person (or a clerk of the centre) checks in and gets a ticket of the slot's category whose ``due_at``
    is the slot's start — called before walk-ins once its time has come. Earlier: 409
    ``appointment_too_early``; after the slot's end the booking is marked missed (失约) and refused (409
    ``appointment_missed``: an ordinary number joins the queue behind those already waiting)."""
    at = at or timezone.now()
    appointment = Appointment.objects.select_related("slot__centre").get(pk=appointment.pk)
    slot = appointment.slot
    centre = slot.centre
    if appointment.user_id != actor.user_id:
        access_centre(actor=actor, centre_uuid=centre.uuid)  # a clerk of the centre, else 404
    if at > slot_end(slot) and appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.MISSED):
        Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.BOOKED).update(
            status=AppointmentStatus.MISSED
        )
        raise QueueConflict(
            FrontdeskError.APPOINTMENT_MISSED,
            gettext("预约时段已结束，本次预约已记为失约，请取普通号排队办理"),
        )
    if timezone.localtime(at).date() != slot.day:
        raise QueueConflict(FrontdeskError.APPOINTMENT_NOT_TODAY, gettext("请在预约当天签到取号"))
    if at < slot_start(slot) - timedelta(minutes=CHECK_IN_EARLY_MINUTES):
        raise QueueConflict(
            FrontdeskError.APPOINTMENT_TOO_EARLY,
            gettext("请在预约时段开始前 %(minutes)s 分钟内签到取号（%(start)s 起）")
            % {"minutes": CHECK_IN_EARLY_MINUTES, "start": f"{slot.start:%H:%M}"},
        )
    require_open(centre, at)
    with transaction.atomic():
        updated = Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.BOOKED).update(
            status=AppointmentStatus.CHECKED_IN
        )
        if not updated:
            raise QueueConflict(FrontdeskError.TICKET_STATE, gettext("该预约已签到或已取消"))
        ticket = _allocate(
            centre,
            slot.day,
            slot.category,
            source=TicketSource.APPOINTMENT,
            user_id=appointment.user_id,
            due_at=slot_start(slot),
            appointment=appointment,
        )
        _event(ticket, TicketAction.TAKE, actor=actor)
    return ticket


# --- a window's calls ------------------------------------------------------------------------------------

NEAR_TITLE = _("即将叫到您的号")
NEAR_BODY = _("%(number)s 号，请准备，前面还有 %(ahead)s 位。")


def _notify_near(queue: QuerySet[Ticket]) -> None:
    """The ticket ``NEAR_POSITION`` places behind in this window's queue (``queue``: selectors.waiting_queue,
    read after the call) is told once to get ready (tickets taken on the phone by a signed-in user). One read
    of one row: the queue's order, ``OFFSET`` to the place."""
    fields = ("pk", "user_id", "near_notified", "number", "source")
    rows = list(queue.values_list(*fields)[NEAR_POSITION - 1 : NEAR_POSITION])
    if not rows:
        return
    pk, user_id, notified, number, source = rows[0]
    if notified or user_id is None or source not in (TicketSource.PHONE, TicketSource.APPOINTMENT):
        return
    if Ticket.objects.filter(pk=pk, near_notified=False).update(near_notified=True):
        notify(
            user_id=user_id,
            title=NEAR_TITLE,
            body=NEAR_BODY,
            params={"number": number, "ahead": NEAR_POSITION - 1},
        )


def _window_for(actor: Actor, window: Window, day: date) -> None:
    require_in_centre(actor, window.centre)  # another centre's clerk: 404
    if not window.active:
        raise WindowNotFound()
    require_on_window(actor, window, day)


def _window_busy() -> QueueConflict:
    return QueueConflict(FrontdeskError.WINDOW_BUSY, gettext("请先办结、过号或转移当前号票"))


def ticket_call_next(*, actor: Actor, window: Window, now: datetime | None = None) -> Ticket | None:
    """Call the next ticket of the window's categories (green channel, due appointments, walk-ins): locked
    with SKIP LOCKED, so two windows calling at once never get the same ticket. None when nobody waits.
    Refused while the window still has a ticket called or being served (``window_busy``): the partial unique
    index ``ticket_one_current_per_window`` refuses the second current ticket (two calls at once on one window
    included), so no look-up precedes the claim; only when nobody waits is the window's current ticket read,
    to answer ``window_busy`` rather than "nobody waits"."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    with transaction.atomic():
        _window_for(actor, window, day)
        queue = waiting_queue(window, now)
        ticket = locks.lock_first_waiting(queue)
        if ticket is None:
            if window_current(window) is not None:
                raise _window_busy()
            return None
        ticket.status = TicketStatus.CALLED
        ticket.window = window
        ticket.called_at = now
        ticket.served_by_user_id = actor.user_id
        try:
            ticket.save(update_fields=["status", "window", "called_at", "served_by_user_id"])
        except IntegrityError as exc:  # ticket_one_current_per_window: the transaction is rolled back
            raise _window_busy() from exc
        _event(ticket, TicketAction.CALL, window=window, actor=actor)
        _notify_near(queue)
    return ticket


def _transition(actor: Actor, ticket: Ticket, allowed: tuple[str, ...], action: str, **changes) -> Ticket:
    with transaction.atomic():
        locked = locks.lock_ticket(ticket.pk)
        window = locked.window
        if window is None or locked.status not in allowed:
            raise QueueConflict(
                FrontdeskError.TICKET_STATE,
                gettext("号票当前状态（%(status)s）不能执行此操作") % {"status": locked.get_status_display()},
            )
        _window_for(actor, window, timezone.localdate())
        for name, value in changes.items():
            setattr(locked, name, value(locked) if callable(value) else value)
        locked.save(update_fields=list(changes))
        _event(locked, action, window=window, actor=actor)
    return locked


def ticket_recall(*, actor: Actor, ticket: Ticket) -> Ticket:
    """Call the same ticket again (the board shows and says it again)."""
    return _transition(
        actor, ticket, (TicketStatus.CALLED,), TicketAction.RECALL, recalls=lambda t: t.recalls + 1
    )


def ticket_no_show(*, actor: Actor, ticket: Ticket) -> Ticket:
    """过号: the called applicant did not come."""
    return _transition(
        actor, ticket, (TicketStatus.CALLED,), TicketAction.NO_SHOW, status=TicketStatus.NO_SHOW
    )


def ticket_start(*, actor: Actor, ticket: Ticket) -> Ticket:
    return _transition(
        actor,
        ticket,
        (TicketStatus.CALLED,),
        TicketAction.START,
        status=TicketStatus.SERVING,
        started_at=lambda t: timezone.now(),
    )


def ticket_finish(*, actor: Actor, ticket: Ticket) -> Ticket:
    """办理完毕 (from serving; a called ticket finished at once counts as started when called)."""
    return _transition(
        actor,
        ticket,
        (TicketStatus.CALLED, TicketStatus.SERVING),
        TicketAction.FINISH,
        status=TicketStatus.DONE,
        started_at=lambda t: t.started_at or t.called_at,
        finished_at=lambda t: timezone.now(),
    )


def ticket_transfer(
    *, actor: Actor, ticket: Ticket, category: str | None = None, window: Window | None = None
) -> Ticket:
    """Send a called or served ticket to another category or another window of the centre: the ticket ends
    as transferred and a new one (a new number of the target category, ``transferred_from`` the old) waits,
    due at once — it goes before walk-ins. Answers the new ticket."""
    if (category is None) == (window is None):
        raise CategoryInvalid()
    if window is not None and not window.categories:
        raise QueueConflict(
            FrontdeskError.WINDOW_NO_CATEGORIES, gettext("该窗口未设置可办理的号票类别，不能转入")
        )
    with transaction.atomic():
        old = _transition(
            actor,
            ticket,
            (TicketStatus.CALLED, TicketStatus.SERVING),
            TicketAction.TRANSFER,
            status=TicketStatus.TRANSFERRED,
        )
        if window is not None:
            if window.centre_id != old.centre_id or not window.active:
                raise WindowNotFound()
            target_category = old.category if old.category in window.categories else window.categories[0]
        else:
            target_category = _category(category or "")
        new = _allocate(
            old.centre,
            old.day,
            target_category,
            source=old.source,
            user_id=old.user_id,
            due_at=timezone.now(),
            window=window,
            transferred_from=old,
        )
        _event(new, TicketAction.TAKE, window=window, actor=actor)
    return new
