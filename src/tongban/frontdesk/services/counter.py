"""The counter (综合窗口 受理): a clerk serves a walk-in applicant at a comprehensive window — starts a service
(with the ticket called, or without one), identifies the applicant (ID card number checked against the
platform's confirmed persons, or their 亮证 token verified with the window as 用证单位), opens and accepts
cases on their behalf (代办; cases.facade), concludes immediate items on the spot when the clerk may decide
them (即办件), keeps the paper of another district's item (收受分离), and ends the service with the evaluation
pad's invitation (一次一评). Every action on the applicant's behalf is recorded with both identities."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import PersonAtWindow, division_code_of, person_at_window, person_by_id_number
from tongban.cases.facade import WindowCase, case_conclude_at_window, case_submit_at_window
from tongban.core.actors import Actor
from tongban.core.audit import audit_record
from tongban.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from tongban.core.identifiers import validate_resident_id
from tongban.frontdesk.access import access_ticket, require_in_centre, require_on_window
from tongban.frontdesk.constants import PaperStatus, TicketAction, TicketStatus, WindowKind
from tongban.frontdesk.errors import FrontdeskError, TicketNotFound
from tongban.frontdesk.locks import lock_service, lock_window
from tongban.frontdesk.models import PadSession, PaperFile, Service, Ticket, TicketEvent, Window
from tongban.frontdesk.services.handout import pad_open
from tongban.licences.facade import verify_shown_at_window

COUNTER_KINDS = (WindowKind.COMPREHENSIVE, WindowKind.YANGTZE)


def window_label(window: Window) -> str:
    return f"{window.centre.name} {window.name}"


def _require_counter(window: Window) -> None:
    if window.kind not in COUNTER_KINDS:
        raise PermissionDenied(FrontdeskError.WINDOW_NOT_COMPREHENSIVE, _("该窗口不受理办件"))


def _require_open(service: Service) -> None:
    if service.finished_at is not None:
        raise Conflict(FrontdeskError.SERVICE_FINISHED, _("本次服务已结束"))


def open_service(window: Window) -> Service | None:
    return Service.objects.filter(window=window, finished_at__isnull=True).select_related("ticket").first()


def _ticket_to_serve(actor: Actor, window: Window, ref) -> Ticket | None:
    """The ticket a service starts with: the one named (its uuid, or its number of today at this centre, as
    the clerk reads it: "E001"), or — when none is named — the one the queue panel called to this window, if
    any (a walk-in without a ticket otherwise)."""
    ref = str(ref or "").strip()
    if not ref:
        return (
            Ticket.objects.filter(window=window, status__in=[TicketStatus.CALLED, TicketStatus.SERVING])
            .order_by("-called_at")
            .first()
        )
    if len(ref) <= 8:
        ticket = Ticket.objects.filter(
            centre=window.centre, day=timezone.localdate(), number=ref.upper()
        ).first()
        if ticket is None:
            raise TicketNotFound()
        return ticket
    return access_ticket(actor=actor, ticket_uuid=ref)


def _at_window(actor: Actor, window: Window) -> None:
    """The services' second line (ADR 0008): a clerk of the window's centre (404 otherwise) who is at this
    window today (its member or on its shift; 403 otherwise)."""
    require_in_centre(actor, window.centre)
    require_on_window(actor, window, timezone.localdate())


def service_start(*, actor: Actor, window: Window, ticket_uuid=None) -> Service:
    """Start serving at ``window`` (reached through access_window): the ticket called to it, or a walk-in
    without a ticket. One open service per window (the window's row is locked while it starts)."""
    _at_window(actor, window)
    _require_counter(window)
    ticket = _ticket_to_serve(actor, window, ticket_uuid)
    with transaction.atomic():
        lock_window(window.pk)
        if open_service(window) is not None:
            raise Conflict(FrontdeskError.SERVICE_ALREADY_OPEN, _("本窗口还有未结束的服务，请先结束"))
        now = timezone.now()
        if ticket is not None and ticket.status == TicketStatus.SERVING and ticket.window_id == window.pk:
            pass  # started from the queue panel (开始办理): the service takes it as it is
        elif ticket is not None:
            # Called to this window → serving (one conditional update: a ticket starts once).
            started = Ticket.objects.filter(pk=ticket.pk, window=window, status=TicketStatus.CALLED).update(
                status=TicketStatus.SERVING, served_by_user_id=actor.id, started_at=now
            )
            if not started:
                raise Conflict(FrontdeskError.SERVICE_ALREADY_OPEN, _("该号票未叫到本窗口或已在办理"))
            TicketEvent.objects.create(
                ticket=ticket, action=TicketAction.START, window=window, actor_user_id=actor.id
            )
        service = Service.objects.create(
            centre=window.centre,
            window=window,
            ticket=ticket,
            clerk_user_id=actor.require_user_id(),
            clerk_label=actor.display_name or actor.label,
        )
    return service


def _identified(actor: Actor, window: Window, service: Service, person: PersonAtWindow, how: str) -> Service:
    service.applicant_person_uuid = person.uuid
    service.applicant_label = person.label
    service.save(update_fields=["applicant_person_uuid", "applicant_label"])
    audit_record(
        actor=actor,
        action="frontdesk.identify",
        object_type="service",
        object_id=service.uuid,
        after={"applicant": person.uuid, "method": how, "window": window_label(window)},
        org_path=window.centre.org_path,
    )
    return service


def service_identify_by_id(
    *, actor: Actor, window: Window, service: Service, id_number: str, name: str
) -> Service:
    """Step 1 (a): the ID card's number and name, typed by the clerk. The number is checked (GB 11643) and
    must be a confirmed person's of the platform, with that name. A refusal is audited too (its reason, never
    the number typed), so that trying numbers against the register leaves a trace."""
    _at_window(actor, window)
    _require_open(service)
    try:
        return _identify_by_id(actor, window, service, id_number, name)
    except DomainError as exc:
        audit_record(
            actor=actor,
            action="frontdesk.identify_refused",
            object_type="service",
            object_id=service.uuid,
            after={"method": "id_card", "code": str(exc.code), "window": window_label(window)},
            org_path=window.centre.org_path,
        )
        raise


def _identify_by_id(actor: Actor, window: Window, service: Service, id_number: str, name: str) -> Service:
    number = validate_resident_id(id_number or "", field="id_number")
    if not (name or "").strip():
        raise InvalidInput(FrontdeskError.APPLICANT_NAME_MISMATCH, _("请填写申请人姓名"), field="name")
    try:
        person = person_by_id_number(number, name)
    except LookupError:
        raise InvalidInput(
            FrontdeskError.APPLICANT_NAME_MISMATCH, _("姓名与身份证号码不一致，请核对证件"), field="name"
        ) from None
    if person is None:
        raise NotFound(
            FrontdeskError.PERSON_NOT_FOUND,
            _("平台中没有该身份证号码的实名用户：请申请人先注册并完成实名认证"),
            field="id_number",
        )
    return _identified(actor, window, service, person, "id_card")


def service_identify_by_token(*, actor: Actor, window: Window, service: Service, token: str) -> Service:
    """Step 1 (b): the applicant's 亮证 QR, scanned or pasted: verified with the window as 用证单位 (the use is
    recorded once; a replayed token is refused), the holder of a personal licence is the applicant."""
    _at_window(actor, window)
    _require_open(service)
    shown = verify_shown_at_window(
        actor=actor,
        window_org_uuid=str(window.org_uuid or window.uuid),
        window_label=window_label(window),
        token=token,
    )
    if shown.holder_kind != "111":
        raise InvalidInput(
            FrontdeskError.LICENCE_NOT_PERSONAL,
            _("请出示申请人本人的电子证照（如社会保障卡、居民身份证）"),
            field="token",
        )
    try:
        person = person_by_id_number(shown.holder_code, shown.holder_name)
    except LookupError:
        person = None
    if person is None:
        raise NotFound(FrontdeskError.PERSON_NOT_FOUND, _("平台中没有该证照持证人的实名用户"), field="token")
    return _identified(actor, window, service, person, "show_token")


def applicant_of(service: Service) -> PersonAtWindow | None:
    return person_at_window(service.applicant_person_uuid) if service.applicant_person_uuid else None


@dataclass
class Submitted:
    case: WindowCase
    concluded: bool = False
    paper: PaperFile | None = None
    notes: list[str] = field(default_factory=list)


def collect_and_forward(window: Window, department_uuid: str) -> bool:
    """收受分离: the item's lead department belongs to another district than the centre's (a city-level
    department, whose division is the region's, is accepted directly everywhere)."""
    centre_code = window.centre.division_code or division_code_of(window.centre.org_uuid)
    department_code = division_code_of(department_uuid)
    if not centre_code or not department_code:
        return False
    # Only the centre's own province-level region (310000 for a Shanghai centre) is accepted directly; another
    # province's or prefecture's department (320500, 330000 at the 长三角 window) is collected and forwarded.
    if department_code == centre_code[:2] + "0000":
        return False
    return department_code != centre_code


def service_submit(
    *,
    actor: Actor,
    window: Window,
    service: Service,
    target_kind: str,
    target_uuid,
    applicant_kind: str = "person",
    applicant_uuid=None,
    form_data: dict,
    files: dict | None = None,
    commitments=(),
    precheck: dict | None = None,
    idempotency_key: str = "",
) -> Submitted:
    """Step 2: open the application on the identified applicant's behalf (代办) and accept it at once; an
    immediate item the clerk may decide is concluded on the spot; another district's item keeps its paper
    here (收受分离). ``idempotency_key``: the console form's nonce — the same form sent twice makes one case."""
    _at_window(actor, window)
    _require_open(service)
    _require_counter(window)
    if service.applicant_person_uuid is None:
        raise Conflict(FrontdeskError.APPLICANT_NOT_IDENTIFIED, _("请先核验申请人身份"))
    label = window_label(window)
    case = case_submit_at_window(
        actor=actor,
        window_label=label,
        applicant_kind=applicant_kind,
        applicant_uuid=applicant_uuid or service.applicant_person_uuid,
        person_uuid=service.applicant_person_uuid,
        target_kind=target_kind,
        target_uuid=target_uuid,
        form_data=form_data,
        files=files,
        commitments=list(commitments or ()),
        precheck=precheck or {},
        idempotency_key=f"{service.uuid.hex}-{idempotency_key}" if idempotency_key else "",
    )
    done = Submitted(case)
    if case.immediate:
        done.concluded = case_conclude_at_window(actor=actor, case_uuid=case.uuid, immediate=True)
    with transaction.atomic():
        locked = lock_service(service.pk)  # two submissions at once both keep their case
        if case.uuid in locked.case_uuids:  # the same form sent again: nothing more to record
            return done
        # 当场办结: every case of the service concluded before the applicant leaves the window.
        locked.on_the_spot = done.concluded and (not locked.case_uuids or locked.on_the_spot)
        locked.case_uuids = [*locked.case_uuids, case.uuid]
        locked.save(update_fields=["case_uuids", "on_the_spot"])
        service.case_uuids, service.on_the_spot = locked.case_uuids, locked.on_the_spot
        if collect_and_forward(window, case.lead_department_uuid):
            now = timezone.now()
            done.paper = PaperFile.objects.create(
                case_uuid=case.uuid,
                case_number=case.number,
                collecting_centre=window.centre,
                home_name=case.lead_department_name,
                status=PaperStatus.COLLECTED,
                history=[
                    {
                        "status": PaperStatus.COLLECTED.value,
                        "at": now.isoformat(),
                        "by": service.clerk_label,
                        "note": gettext("%(window)s 收件，纸质材料由本中心留存并流转") % {"window": label},
                    }
                ],
            )
    return done


def service_finish(*, actor: Actor, window: Window, service: Service) -> PadSession:
    """End the service: its ticket is done and the window's evaluation pad invites the applicant to rate it
    (一次一评)."""
    _at_window(actor, window)
    _require_open(service)
    now = timezone.now()
    with transaction.atomic():
        updated = Service.objects.filter(pk=service.pk, finished_at__isnull=True).update(finished_at=now)
        if not updated:
            raise Conflict(FrontdeskError.SERVICE_FINISHED, _("本次服务已结束"))
        service.finished_at = now
        # The ticket is finished here only if it is still being served (the queue panel may have finished or
        # transferred it meanwhile): one finish event per served ticket, none for a transferred one.
        if service.ticket_id is not None and Ticket.objects.filter(
            pk=service.ticket_id, status=TicketStatus.SERVING
        ).update(status=TicketStatus.DONE, finished_at=now):
            TicketEvent.objects.create(
                ticket_id=service.ticket_id, action=TicketAction.FINISH, window=window, actor_user_id=actor.id
            )
        pad = pad_open(window, service)  # the window's older unrated sessions are closed
        audit_record(
            actor=actor,
            action="frontdesk.service_finish",
            object_type="service",
            object_id=service.uuid,
            after={
                "applicant": str(service.applicant_person_uuid or ""),
                "cases": list(service.case_uuids),
                "on_the_spot": service.on_the_spot,
                "window": window_label(window),
            },
            org_path=window.centre.org_path,
        )
    return pad
