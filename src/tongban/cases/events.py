"""A case's timeline: every transition writes an event the applicant and staff see, and the same change to
the audit trail, in the transition's transaction; the applicant is told after commit."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext

from tongban.accounts.facade import Role, person_user_id
from tongban.cases.constants import DeliveryMethod
from tongban.cases.models import Case, CaseEvent, CaseStep
from tongban.cases.signals import case_ended, case_event_recorded
from tongban.core.actors import Actor
from tongban.core.audit import audit_record
from tongban.notifications.facade import notify


def acting_organisation(case: Case, actor: Actor | None) -> str:
    """The organisation a member of staff acts for on ``case`` (the timeline names it, not their login): the
    case's lead department when they belong to it, else their window (综合窗口), else their first
    organisation; "" for anyone without a membership (the applicant, the system, an API client)."""
    memberships = actor.memberships if actor is not None else ()
    lead = str(case.lead_department_uuid)
    for m in memberships:
        if m.organisation_uuid == lead:
            return m.organisation_name
    for m in memberships:
        if m.role == Role.WINDOW_CLERK:
            return m.organisation_name
    return memberships[0].organisation_name if memberships else ""


def event_record(
    case: Case, actor: Actor | None, action: str, *, step: CaseStep | None = None, opinion: str = "", **detail
) -> CaseEvent:
    """One timeline event and its audit event (``actor`` None: the system)."""
    event = CaseEvent.objects.create(
        case=case,
        action=action,
        step_key=step.key if step else "",
        department_name=step.department_name if step else acting_organisation(case, actor),
        actor_label=actor.label if actor is not None else gettext("系统"),
        opinion=opinion,
        detail=detail,
    )
    audit_record(
        actor=actor,
        action=f"case.{action}",
        object_type="case",
        object_id=case.uuid,
        after={"status": case.status, "step": step.key if step else "", **detail},
    )
    if case.origin_member:
        case_event_recorded.send(sender=Case, case=case, event=event)
    return event


def window_submission(case: Case) -> dict | None:
    """The 窗口代办 record of a case a clerk opened at a window (the person identified there, the clerk, the
    window: services/window.py), or None for a case its applicant submitted."""
    event = case.events.filter(action="window_submit").only("detail").first()
    return event.detail if event is not None else None


def applicant_user_id(case: Case) -> int | None:
    """Who hears about a case: who submitted it; for a case a clerk opened at a window (代办), the applicant
    the clerk identified in person — the clerk, its submitter, is never told the applicant's news."""
    if case.delivery_method == DeliveryMethod.WINDOW:
        window = window_submission(case)
        if window is not None:
            person = window.get("person")
            return person_user_id(person) if person else None
    return case.submitted_by


def applicant_tell(
    case: Case,
    title: str | Promise,
    body: str | Promise,
    *,
    phone: str | None = None,
    params: dict | None = None,
    language: str | None = None,
) -> None:
    """Tell the applicant, in their language (``title`` and ``body`` lazy translations, ``params`` the
    body's values; ``phone``: their number when the caller has it, "" for none, None to look it up)."""
    user_id = applicant_user_id(case)
    if user_id is None:
        return
    notify(
        user_id=user_id,
        title=title,
        body=body,
        link=f"/cases/{case.uuid}/",
        phone=phone,
        params=params,
        language=language,
    )


ENDED_ACTIONS = ("conclude", "deliver", "refuse", "withdraw")


def case_ended_facts(case: Case, ended_at=None) -> dict:
    """What ``signals.case_ended`` carries of an ended case."""
    return {
        "case_uuid": str(case.uuid),
        "number": case.number,
        "name": case.name,
        "status": case.status,
        "user_id": applicant_user_id(case),
        "ended_at": ended_at or timezone.now(),
    }


def case_ended_after_commit(case: Case) -> None:
    """Send ``case_ended`` once the transition that ended ``case`` commits (the ratings context, to the right
    of cases, invites its applicant to rate it). A failing receiver leaves the case's end untouched; the
    ratings context's maintenance sweep catches up from ``cases_ended_since``."""
    facts = case_ended_facts(case)
    transaction.on_commit(lambda: case_ended.send_robust(sender=Case, **facts))


def cases_ended_since(since) -> list[dict]:
    """The ``case_ended`` facts of every case that reached an end since ``since`` (by its timeline), for a
    receiver's catch-up; each case once, at its first end in the period."""
    events = (
        CaseEvent.objects.filter(action__in=ENDED_ACTIONS, at__gte=since)
        .select_related("case")
        .order_by("at", "id")
    )
    seen: dict[int, dict] = {}
    for event in events:
        if event.case_id not in seen:
            seen[event.case_id] = case_ended_facts(event.case, ended_at=event.at)
    return list(seen.values())
