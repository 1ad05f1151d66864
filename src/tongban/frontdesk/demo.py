"""The demo's front desk: 黄浦区行政服务中心 with its windows — two comprehensive windows (无差别全科受理),
the hand-out window and the 长三角 window — staffed today by the demo clerks, and 徐汇区行政服务中心 with one
comprehensive window (the other district's centre, for 收受分离)."""

from __future__ import annotations

from django.utils import timezone

from tongban.accounts.facade import OrgKind, organisation_find, organisation_list, staff_user_ids_of
from tongban.frontdesk.constants import CentreKind, TicketCategory, WindowKind
from tongban.frontdesk.models import ServiceCentre, Window, WindowShift
from tongban.frontdesk.services.queue import slots_ensure

HALL_SLUGS = {"黄浦区行政服务中心": "huangpu", "徐汇区行政服务中心": "xuhui"}
ALL_COUNTER = [
    TicketCategory.GREEN,
    TicketCategory.ENTERPRISE,
    TicketCategory.PERSONAL,
    TicketCategory.CROSS_REGION,
]


def _kind_of(name: str) -> tuple[str, list[str]]:
    if "出件" in name:
        return WindowKind.HANDOUT, [TicketCategory.HANDOUT]
    if "长三角" in name:
        return WindowKind.YANGTZE, [TicketCategory.CROSS_REGION, TicketCategory.GREEN]
    return WindowKind.COMPREHENSIVE, ALL_COUNTER


def demo_load_frontdesk(*, history: bool = True) -> int:
    """Make the demo centres' profiles, windows and today's shifts, and (``history``) a few past days' served
    tickets for the dashboard; answers how many windows were new."""
    made = 0
    today = timezone.localdate()
    for name, slug in HALL_SLUGS.items():
        org = organisation_find(kind=OrgKind.SERVICE_CENTRE, name=name)
        if org is None:
            continue
        centre, _created = ServiceCentre.objects.get_or_create(
            org_uuid=org.uuid,
            defaults={
                "org_path": org.path,
                "name": org.name,
                "kind": CentreKind.DISTRICT,
                "division_code": org.division_code or "",
                "slug": slug,
                "address": "",
            },
        )
        for window_org in organisation_list(kind=OrgKind.WINDOW, under=org.uuid):
            number = int("".join(ch for ch in window_org.name.split("号")[0] if ch.isdigit()) or 0)
            kind, categories = _kind_of(window_org.name)
            window, created = Window.objects.get_or_create(
                org_uuid=window_org.uuid,
                defaults={
                    "centre": centre,
                    "number": number,
                    "name": window_org.name,
                    "kind": kind,
                    "categories": categories,
                },
            )
            made += created
            for user_id, label in staff_user_ids_of(window_org.uuid):
                WindowShift.objects.get_or_create(
                    window=window, day=today, user_id=user_id, defaults={"staff_label": label}
                )
        if history:
            _demo_history(centre, today)
        slots_ensure(centre, today)  # the week's appointment slots (then the maintenance sweep keeps them)
    return made


HISTORY_DAYS = range(2, 5)  # a few past days (not yesterday, not today: today's queue starts empty)


def _demo_history(centre: ServiceCentre, today) -> None:
    """A few served tickets on past days at the comprehensive windows, so that the centre's dashboard (this
    week, this month) is not empty in the demo; made once (nothing when the centre has past tickets)."""
    from datetime import datetime, timedelta

    from tongban.frontdesk.constants import TicketAction, TicketSource, TicketStatus
    from tongban.frontdesk.models import Service, Ticket, TicketEvent

    if Ticket.objects.filter(centre=centre, day__lt=today).exists():
        return
    staffed = [
        (w, shift)
        for w in centre.windows.filter(kind=WindowKind.COMPREHENSIVE).order_by("number")
        for shift in w.shifts.filter(day=today).order_by("user_id")[:1]
    ]
    for back in HISTORY_DAYS:
        day = today - timedelta(days=back)
        opening = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=9))
        for n, (window, shift) in enumerate(staffed * 2):
            taken = opening + timedelta(minutes=20 * n)
            call = taken + timedelta(minutes=3 + (n * 7 + back) % 10)
            start = call + timedelta(seconds=40)
            finish = start + timedelta(minutes=4 + (n * 5 + back) % 7)
            ticket = Ticket.objects.create(
                centre=centre,
                day=day,
                category=TicketCategory.PERSONAL,
                seq=n + 1,
                number=f"P{n + 1:03d}",
                source=TicketSource.KIOSK,
                status=TicketStatus.DONE,
                window=window,
                called_at=call,
                started_at=start,
                finished_at=finish,
                served_by_user_id=shift.user_id,
            )
            for action, at in (
                (TicketAction.TAKE, taken),
                (TicketAction.CALL, call),
                (TicketAction.START, start),
                (TicketAction.FINISH, finish),
            ):
                event = TicketEvent.objects.create(
                    ticket=ticket, action=action, window=window, actor_user_id=shift.user_id
                )
                TicketEvent.objects.filter(pk=event.pk).update(at=at)
            Ticket.objects.filter(pk=ticket.pk).update(taken_at=taken)
            service = Service.objects.create(
                centre=centre,
                window=window,
                ticket=ticket,
                clerk_user_id=shift.user_id,
                clerk_label=shift.staff_label,
                on_the_spot=(n + back) % 4 != 0,
                finished_at=finish,
            )
            Service.objects.filter(pk=service.pk).update(started_at=start)


def demo_window_facts() -> list[dict]:
    """The comprehensive windows of the demo centres (the ratings demo's 一次一评): ``window_uuid`` (the Window's,
    as the pad names it), ``window_name``, ``org_uuid``, ``centre_name`` and ``centre_org_uuid``."""
    windows = Window.objects.filter(
        centre__name__in=list(HALL_SLUGS), kind=WindowKind.COMPREHENSIVE
    ).select_related("centre")
    return [
        {
            "window_uuid": str(w.uuid),
            "window_name": w.name,
            "org_uuid": str(w.org_uuid) if w.org_uuid else "",
            "centre_name": w.centre.name,
            "centre_org_uuid": str(w.centre.org_uuid),
        }
        for w in windows.order_by("centre__name", "number")
    ]
