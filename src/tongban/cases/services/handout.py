"""What the front desk's hand-out window (统一出件) and its figures need of cases (issue 17 §3, §4): the
concluded results waiting to be handed out at a centre, whether the person at the window is the applicant,
the handover itself (the delivery, with where and when on the applicant's timeline), and the facts behind
收件准确率 (accepted at a window, later returned to the applicant by a back office)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from tongban.accounts.facade import (
    OrgKind,
    holder_of_principal,
    holder_user_ids,
    organisation_list,
    person_user_id,
)
from tongban.cases.access import access_case_for_staff, require_staff
from tongban.cases.constants import ApplicantKind, CaseStatus, DeliveryMethod
from tongban.cases.errors import CaseNotFound
from tongban.cases.events import window_submission
from tongban.cases.models import Case, CaseEvent
from tongban.cases.services.delivery import case_deliver
from tongban.core.actors import Actor
from tongban.core.identifiers import mask_name

# Returned to the applicant after acceptance for missing or wrong materials: a back office's step returned
# the case (退回申请人, status RETURNED). A supplement request (补正) comes before acceptance, so it never
# follows an acceptance; a 不予许可 is a decision on the merits, not a wrong acceptance.
RETURN_ACTIONS = ("step_return",)
ACCEPT_ACTIONS = ("accept",)  # a clerk's acceptance; an acceptance deemed by law is nobody's
HANDOUT_METHODS = (DeliveryMethod.WINDOW, DeliveryMethod.COURIER)


@dataclass(frozen=True)
class HandoutCase:
    """A concluded case as the hand-out window sees it (the applicant's name masked)."""

    uuid: str
    number: str
    name: str
    applicant_label: str
    applicant_kind: str
    lead_department_name: str
    outcome_label: str
    delivery_method: str
    delivery_label: str
    status: str
    concluded_at: datetime | None
    delivered_at: datetime | None


def _info(case: Case) -> HandoutCase:
    return HandoutCase(
        uuid=str(case.uuid),
        number=case.number,
        name=case.name,
        applicant_label=case.applicant_name
        if case.applicant_kind == ApplicantKind.ENTERPRISE
        else mask_name(case.applicant_name),
        applicant_kind=case.applicant_kind,
        lead_department_name=case.lead_department_name,
        outcome_label=case.get_outcome_display() if case.outcome else "",
        delivery_method=case.delivery_method,
        delivery_label=case.get_delivery_method_display(),
        status=case.status,
        concluded_at=case.concluded_at,
        delivered_at=case.delivered_at,
    )


def _district_departments(district_uuid: str | None) -> list[str]:
    if not district_uuid:
        return []
    return [o.uuid for o in organisation_list(kind=OrgKind.DEPARTMENT, under=district_uuid)]


def _awaiting_q(case_uuids_here: Iterable[str], district_uuid: str | None) -> Q:
    """The rule (docs/domain/frontdesk.md §6): concluded, to be delivered at a window or by courier, and
    either taken in at this centre (a service or a paper file of the centre names it) or — submitted online
    with window pick-up — led by a department of the centre's district."""
    here = Q(uuid__in=[str(u) for u in case_uuids_here])
    online_here = Q(
        delivery_method=DeliveryMethod.WINDOW,
        lead_department_uuid__in=_district_departments(district_uuid),
    )
    return Q(status=CaseStatus.CONCLUDED, delivery_method__in=HANDOUT_METHODS) & (here | online_here)


def cases_awaiting_handout(
    *,
    actor: Actor,
    case_uuids_here: Iterable[str],
    district_uuid: str | None,
    number: str = "",
    limit: int = 200,
) -> list[HandoutCase]:
    """The results waiting at a centre's hand-out window, oldest conclusion first; ``number`` narrows to the
    case numbers containing it. ``actor`` must be staff who may deliver (a window clerk)."""
    require_staff(actor)
    q = _awaiting_q(case_uuids_here, district_uuid)
    number = (number or "").strip().upper()
    if number:
        q &= Q(number__contains=number[:32])
    rows = Case.objects.filter(q).order_by("concluded_at", "id")[:limit]
    return [_info(c) for c in rows]


def case_awaiting_handout(
    *, actor: Actor, case_uuid: str, case_uuids_here: Iterable[str], district_uuid: str | None
) -> HandoutCase | None:
    """One case of that list (None when it is not waiting at this centre, or the actor may not deliver)."""
    try:
        case = access_case_for_staff(actor=actor, case_uuid=case_uuid)
    except CaseNotFound:  # the same answer as "not here"
        return None
    if not Case.objects.filter(_awaiting_q(case_uuids_here, district_uuid), pk=case.pk).exists():
        return None
    return _info(case)


def case_receiver_matches(case_uuid: str, id_number: str) -> bool:
    """Whether ``id_number`` (typed by the clerk from the ID card or the 亮证 page) is the applicant's: the
    person applicant's confirmed resident ID number; for an enterprise, that of its legal representative or
    of the person who submitted the application — for a case opened at a window, the person the clerk
    identified there, never the clerk who submitted it."""
    id_number = (id_number or "").strip().upper()
    case = Case.objects.filter(uuid=case_uuid).first()
    if case is None or not (15 <= len(id_number) <= 18):
        return False
    if case.applicant_kind == ApplicantKind.PERSON:
        holder = holder_of_principal("person", case.applicant_uuid)
        return holder is not None and secrets.compare_digest(holder.code.upper(), id_number)
    users = set(holder_user_ids("111", id_number))
    window = window_submission(case)
    if window is not None:
        # Opened at a window: its submitter is the clerk. The person the clerk identified there stands for it.
        person = window.get("person")
        if person and person_user_id(person) in users:
            return True
    elif case.submitted_by in users:
        return True
    holder = holder_of_principal("enterprise", case.applicant_uuid)
    return holder is not None and bool(users & set(holder_user_ids("001", holder.code)))


@transaction.atomic
def case_hand_out(
    *, actor: Actor, case_uuid: str, courier: bool, tracking_number: str, place: str
) -> HandoutCase:
    """Deliver a concluded case at the hand-out window (``cases.services.case_deliver``: the lock, the
    status check, the event and the applicant's message), its timeline event saying where and when: "已于
    <date> 在 <place> 领取" or "已于 <date> 由 <place> 邮寄（快递单号 …）"."""
    case = access_case_for_staff(actor=actor, case_uuid=case_uuid)
    case = case_deliver(actor=actor, case=case, tracking_number=tracking_number if courier else "")
    on = timezone.localdate(case.delivered_at).isoformat()
    if courier:
        note = gettext("已于 %(date)s 由 %(place)s 邮寄，快递单号 %(tracking)s") % {
            "date": on,
            "place": place,
            "tracking": tracking_number.strip(),
        }
    else:
        note = gettext("已于 %(date)s 在 %(place)s 领取") % {"date": on, "place": place}
    event = CaseEvent.objects.filter(case=case, action="deliver").order_by("-id").first()
    if event is not None:
        event.opinion = note
        event.detail = {**event.detail, "place": place, "courier": courier}
        event.save(update_fields=["opinion", "detail"])
    return _info(case)


@dataclass(frozen=True)
class AcceptanceFacts:
    """One case's facts for 收件准确率: accepted by a clerk, and later returned to the applicant."""

    accepted: bool
    returned: bool


def case_acceptance_facts(case_uuids: Iterable[str]) -> dict[str, AcceptanceFacts]:
    """For each case (by uuid): whether a clerk accepted it and whether a back office returned it to the
    applicant after that (for missing or wrong materials). Two queries, whatever the number of cases."""
    keys = sorted({str(u) for u in case_uuids})
    if not keys:
        return {}
    ids = dict(Case.objects.filter(uuid__in=keys).values_list("id", "uuid"))
    accepted: dict[int, datetime] = {}
    returned: set[int] = set()
    rows = (
        CaseEvent.objects.filter(case_id__in=list(ids), action__in=ACCEPT_ACTIONS + RETURN_ACTIONS)
        .order_by("at", "id")
        .values_list("case_id", "action", "at")
    )
    for case_id, action, at in rows:
        if action in ACCEPT_ACTIONS:
            accepted.setdefault(case_id, at)
        elif case_id in accepted and at >= accepted[case_id]:
            returned.add(case_id)
    return {
        str(uuid): AcceptanceFacts(accepted=case_id in accepted, returned=case_id in returned)
        for case_id, uuid in ids.items()
    }


def case_item_names(case_uuids: Iterable[str]) -> list[str]:
    """The names of the items or bundles of these cases (what was done at a window; nothing personal)."""
    keys = [str(u) for u in case_uuids]
    names = {str(u): n for u, n in Case.objects.filter(uuid__in=keys).values_list("uuid", "name")}
    return [names[k] for k in keys if k in names]
