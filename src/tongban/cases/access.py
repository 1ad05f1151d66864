"""The only ways to fetch a case or a step: anything the actor may not see answers 404 (case_not_found),
never 403, so case numbers and uuids reveal nothing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import Role, principals_visible_to, staff_department_uuids, throttle_hit
from tongban.cases.constants import (
    COMMITMENT_STATUSES,
    SUPPLEMENTABLE_STATUSES,
    WITHDRAWABLE_STATUSES,
    CaseStatus,
)
from tongban.cases.errors import CaseError, CaseNotFound, LookupNotFound, StepNotFound
from tongban.cases.models import Case, CaseStep
from tongban.core.actors import Actor
from tongban.core.errors import PermissionDenied, Throttled


def _valid(value) -> bool:
    try:
        import uuid

        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def target_item_codes(target) -> tuple[str, ...]:
    """The implementation codes an application for ``target`` (an item or a bundle) involves: an agent's
    authorisation must cover all of them."""
    return tuple(dict.fromkeys(s.implementation_code for s in target.steps))


def principal_covers(principal, codes) -> bool:
    return principal.items is None or set(codes) <= principal.items


def applicant_scope(actor: Actor) -> Q:
    """Cases in the name of the actor's own (confirmed) person and of those they represent, and — for an
    agent — the cases of their principals whose every item their active authorisation covers. A former
    agent sees nothing of the principal's, not even the cases they submitted themselves."""
    scope: Q = Q(pk__in=[])
    for principal in principals_visible_to(actor):
        if principal.items is None:
            scope |= Q(applicant_uuid=principal.uuid)
        else:
            outside = CaseStep.objects.filter(case=OuterRef("pk")).exclude(
                implementation_code__in=sorted(principal.items)
            )
            scope |= Q(applicant_uuid=principal.uuid) & Q(~Exists(outside))
    return scope


def actor_may_act_on(actor: Actor, case: Case) -> bool:
    """Whether the actor may withdraw or supplement ``case`` (the same rule as seeing it)."""
    return Case.objects.filter(applicant_scope(actor), pk=case.pk).exists()


def access_case_for_applicant(*, actor: Actor, case_uuid) -> Case:
    if not _valid(case_uuid):
        raise CaseNotFound()
    case = Case.objects.filter(applicant_scope(actor), uuid=case_uuid).first()
    if case is None:
        raise CaseNotFound()
    return case


LOOKUP_LIMIT = 10  # wrong or right, per address and per case number, in LOOKUP_WINDOW seconds
LOOKUP_WINDOW = 600


def access_case_by_lookup(*, number: str, code: str, client: str) -> Case:
    """办件查询 without logging in: the case whose number and 查询码 both match. Throttled per address and per
    case number (a 6-digit code is not guessed through either); one answer for every miss."""
    number, code = (number or "").strip().upper(), (code or "").strip()
    if not throttle_hit("case_lookup_ip", client, limit=LOOKUP_LIMIT, window=LOOKUP_WINDOW) or (
        number and not throttle_hit("case_lookup_no", number, limit=LOOKUP_LIMIT, window=LOOKUP_WINDOW)
    ):
        raise Throttled()
    if not (number and code and len(number) <= 32 and len(code) <= 8):
        raise LookupNotFound()
    case = Case.objects.filter(number=number).first()
    if case is None or not case.lookup_code or not secrets.compare_digest(case.lookup_code, code):
        raise LookupNotFound()
    return case


def staff_scope(actor: Actor, *, supervised: bool = False) -> Q | None:
    """Cases a staff member may handle: all, for a window clerk (一窗受理); otherwise those led by, or with a
    step in, a department where they are a reviewer — and, with ``supervised``, one they supervise (电子监察:
    a supervisor reads the case behind a light or a figure, but handles nothing). None when they are neither."""
    if actor.has_role(Role.WINDOW_CLERK):
        return Q()
    roles: set[str] = {Role.REVIEWER, Role.SUPERVISOR} if supervised else {Role.REVIEWER}
    departments = staff_department_uuids(actor, roles)
    if not departments:
        return None
    return _of_departments(departments)


def _of_departments(departments) -> Q:
    """Cases led by, or with a step in, one of ``departments``."""
    return Q(lead_department_uuid__in=departments) | Q(steps__department_uuid__in=departments)


def access_case_for_staff(*, actor: Actor, case_uuid) -> Case:
    """A case for the staff case page: a clerk's, a reviewer's department's, or a supervised department's."""
    scope = staff_scope(actor, supervised=True)
    if scope is None or not _valid(case_uuid):
        raise CaseNotFound()
    case = Case.objects.filter(scope, uuid=case_uuid).distinct().first()
    if case is None:
        raise CaseNotFound()
    return case


def access_step_for_reviewer(*, actor: Actor, case_uuid, step_key: str) -> CaseStep:
    departments = staff_department_uuids(actor, {Role.REVIEWER})
    if not departments or not _valid(case_uuid):
        raise StepNotFound()
    step = (
        CaseStep.objects.filter(case__uuid=case_uuid, key=step_key, department_uuid__in=departments)
        .select_related("case")
        .first()
    )
    if step is None:
        raise StepNotFound()
    return step


def reviewer_department_uuids(actor: Actor) -> list[str]:
    """The departments whose steps the actor reviews (their inbox)."""
    return staff_department_uuids(actor, {Role.REVIEWER})


def supervised_department_uuids(actor: Actor) -> list[str]:
    """The departments whose lights the actor supervises (the board); 403 ``not_supervisor`` for others."""
    departments = staff_department_uuids(actor, {Role.SUPERVISOR})
    if not departments:
        raise PermissionDenied(CaseError.NOT_SUPERVISOR, _("只有监察人员可以查看监察看板"))
    return departments


def access_case_to_urge(*, actor: Actor, case_uuid) -> Case:
    """督办: an open case with a step in (or led by) a department the actor supervises; 403 ``not_supervisor``
    for anyone but a supervisor, 404 for a case outside their departments."""
    departments = supervised_department_uuids(actor)
    if not _valid(case_uuid):
        raise CaseNotFound()
    case = Case.objects.filter(_of_departments(departments), uuid=case_uuid).distinct().first()
    if case is None:
        raise CaseNotFound()
    return case


def actor_may_urge(actor: Actor, case: Case) -> bool:
    """Whether the actor supervises one of the case's departments (the case page offers 督办)."""
    departments = staff_department_uuids(actor, {Role.SUPERVISOR})
    return bool(departments) and Case.objects.filter(_of_departments(departments), pk=case.pk).exists()


def actor_is_window_clerk(actor: Actor) -> bool:
    return actor.has_role(Role.WINDOW_CLERK)


def actor_is_intake_staff(actor: Actor, case: Case) -> bool:
    """A window clerk (综合窗口 accepts for every department) or a reviewer of the case's lead department:
    who may accept, refuse, ask for a supplement, run special procedures and deliver."""
    if actor_is_window_clerk(actor):
        return True
    return str(case.lead_department_uuid) in reviewer_department_uuids(actor)


def require_intake_staff(actor: Actor, case: Case) -> None:
    if not actor_is_intake_staff(actor, case):
        raise CaseNotFound()


def require_step_reviewer(actor: Actor, step: CaseStep) -> None:
    """A reviewer of the step's department."""
    if str(step.department_uuid) not in reviewer_department_uuids(actor):
        raise StepNotFound()


def require_applicant_side(actor: Actor, case: Case) -> None:
    """Whoever may see the case as its applicant may act on it (withdraw, supplement)."""
    if not actor_may_act_on(actor, case):
        raise CaseNotFound()


def require_staff(actor: Actor) -> None:
    """A window clerk or a reviewer somewhere: the staff pages are theirs."""
    if staff_scope(actor) is None:
        raise CaseNotFound()


@dataclass(frozen=True)
class ApplicantActions:
    """What the applicant's page offers on a case they may act on (the services check the same)."""

    withdraw: bool
    supplement: bool
    bring_committed: bool


def applicant_actions(case: Case, committed_keys) -> ApplicantActions:
    """``committed_keys``: the keys of the case's materials accepted on commitment."""
    return ApplicantActions(
        withdraw=case.status in WITHDRAWABLE_STATUSES,
        supplement=case.status in SUPPLEMENTABLE_STATUSES,
        bring_committed=bool(committed_keys) and case.status in COMMITMENT_STATUSES,
    )


# --- 好差评 (the ratings context, through the facade): who may rate a case, and whether it has ended ---------
# A refusal at intake or a withdrawal is service too (ratings.md §1: our choice).
ENDED_STATUSES = (CaseStatus.CONCLUDED, CaseStatus.DELIVERED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN)


@dataclass(frozen=True)
class RatingCase:
    """What the ratings context reads of a case it is asked to rate (docs/domain/ratings.md §1)."""

    uuid: str
    number: str
    name: str
    status: str
    status_label: str
    ended: bool
    lead_department_uuid: str
    lead_department_name: str
    staff_involved: bool  # the actor took part in it or is a member of its lead department: may not rate it


def actor_took_part(actor: Actor, case: Case) -> bool:
    """Staff who worked on ``case``: a member (any role) of its lead department or of an organisation above it,
    the member of staff who submitted it (a window clerk's 代办), or any step's claimant."""
    if not actor.memberships or actor.id is None:
        return False
    if case.submitted_by == actor.id or case.steps.filter(claimed_by=actor.id).exists():
        return True
    roles = {m.role for m in actor.memberships}
    return str(case.lead_department_uuid) in staff_department_uuids(actor, roles)


def access_case_for_rating(*, actor: Actor, case_uuid) -> RatingCase:
    """The case as ratings needs it. Staff who took part in it get it back with ``staff_involved`` (ratings
    refuses them with 403); anyone else who is not its applicant side (the applicant, or an agent whose
    authorisation covers it) gets 404 ``case_not_found``."""
    if not _valid(case_uuid):
        raise CaseNotFound()
    case = Case.objects.filter(uuid=case_uuid).first()
    if case is None:
        raise CaseNotFound()
    involved = actor_took_part(actor, case)
    if not involved and not actor_may_act_on(actor, case):
        raise CaseNotFound()
    return RatingCase(
        uuid=str(case.uuid),
        number=case.number,
        name=case.name,
        status=case.status,
        status_label=str(case.get_status_display()),
        ended=case.status in ENDED_STATUSES,
        lead_department_uuid=str(case.lead_department_uuid),
        lead_department_name=case.lead_department_name,
        staff_involved=involved,
    )
