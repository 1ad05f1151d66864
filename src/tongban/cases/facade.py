"""What other contexts may use of cases (ADR 0008): the demo loader (the portal's demo command runs it after
the identity, catalog and licence demos), and the front desk's needs — a case opened, accepted and perhaps
concluded at a window for an applicant a clerk identified (代办), and the results a hand-out window gives
out, with the facts its figures count; and, for the ratings context, a case's end (``case_ended``, sent after
commit, and ``cases_ended_since`` for a receiver's catch-up); for supervision's dashboards, the cases behind a
figure (``supervision_cases``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tongban.cases.access import RatingCase, access_case_for_rating
from tongban.cases.application_form import fields_of as application_form_fields
from tongban.cases.application_form import read_posted as application_form_read
from tongban.cases.application_form import validate_form as application_form_validate
from tongban.cases.demo import demo_load_cases
from tongban.cases.demo_history import HistoryCase, demo_history_cases, demo_load_case_history
from tongban.cases.errors import CaseNotFound
from tongban.cases.events import cases_ended_since
from tongban.cases.selectors import SUPERVISION_FIGURES as SUPERVISION_CASE_FIGURES
from tongban.cases.selectors import SupervisedCase, supervision_cases
from tongban.cases.services import window as _window
from tongban.cases.services.exchange import CaseExportFacts, cases_export_facts
from tongban.cases.services.handout import (
    AcceptanceFacts,
    HandoutCase,
    case_acceptance_facts,
    case_awaiting_handout,
    case_hand_out,
    case_item_names,
    case_receiver_matches,
    cases_awaiting_handout,
)
from tongban.cases.services.window import PRECHECK_LABELS, WindowCase
from tongban.cases.signals import case_ended, case_event_recorded
from tongban.cases.uploads import CheckedFile, check_upload

__all__ = [
    "PRECHECK_LABELS",
    "SUPERVISION_CASE_FIGURES",
    "AcceptanceFacts",
    "CaseExportFacts",
    "CaseNotFound",
    "CheckedFile",
    "HandoutCase",
    "HistoryCase",
    "RatingCase",
    "SupervisedCase",
    "WindowCase",
    "access_case_for_rating",
    "application_form_fields",
    "application_form_read",
    "application_form_validate",
    "case_acceptance_facts",
    "case_awaiting_handout",
    "case_conclude_at_window",
    "case_ended",
    "case_event_recorded",
    "case_for_rating_by_lookup",
    "case_hand_out",
    "case_item_names",
    "case_receiver_matches",
    "case_submit_at_window",
    "case_uuids_of_target",
    "cases_awaiting_handout",
    "cases_ended_since",
    "cases_export_facts",
    "cases_summary_of_person",
    "check_upload",
    "demo_history_cases",
    "demo_load_case_history",
    "demo_load_cases",
    "supervision_cases",
    "window_case_read",
]


# --- the front desk's counter (综合窗口 代办): submission, acceptance and on-the-spot conclusion at a window --
def case_submit_at_window(**kwargs) -> WindowCase:
    """Open and accept at once a case for an applicant a clerk identified in person (代办; the arguments of
    ``cases.services.window.case_submit_at_window``)."""
    from tongban.catalog.facade import application_target

    case = _window.case_submit_at_window(**kwargs)
    target = application_target(case.target_kind, case.target_uuid)
    return _window.window_case(case, immediate=bool(target and target.immediate))


def case_conclude_at_window(*, actor, case_uuid, immediate: bool) -> bool:
    """即办件: conclude on the spot a case the clerk opened, when they may decide all of it; False if not."""
    from tongban.cases.models import Case

    case = Case.objects.filter(uuid=case_uuid).first()
    if case is None:
        return False
    return _window.case_conclude_at_window(actor=actor, case=case, immediate=immediate)


def window_case_read(case_uuid) -> WindowCase | None:
    """A case opened at a window, as the window prints it (the caller holds its uuid from its service)."""
    from tongban.cases.models import Case

    case = Case.objects.filter(uuid=case_uuid).first()
    return _window.window_case(case) if case is not None else None


def cases_summary_of_person(*, person_uuid: str | None, user_id: int, limit: int = 20) -> list[dict]:
    """A person's latest cases as a 12345 operator sees them (ratings.md §7): number, item, status and dates
    only — no form data, no materials. The caller audits the read."""
    from django.db.models import Q

    from tongban.cases.models import Case

    scope = Q(submitted_by=user_id)
    if person_uuid:
        scope |= Q(applicant_uuid=person_uuid)
    rows = Case.objects.filter(scope).order_by("-submitted_at")[:limit]
    return [
        {
            "number": c.number,
            "name": c.name,
            "status": str(c.get_status_display()),
            "department": c.lead_department_name,
            "submitted_at": c.submitted_at,
            "concluded_at": c.concluded_at,
        }
        for c in rows
    ]


def case_uuids_of_target(kind: str, target_uuid, *, using: str = "default"):
    """The uuids of the cases applied for an item or bundle (``kind`` "item" or "bundle"), as a lazy query on
    the database ``using``, for another context to use as a subquery (the public 好差评 pages' review texts of
    an item: docs/domain/supervision-public.md). Indexed by (target_uuid, target_kind)."""
    from tongban.cases.models import Case

    return Case.objects.using(using).filter(target_uuid=target_uuid, target_kind=kind).values("uuid")


def case_for_rating_by_lookup(*, number: str, code: str, client: str) -> tuple[str, bool, int | None]:
    """(case uuid, ended, the applicant's account) of the case whose number and 查询码 match (the rating page
    for an applicant who is not signed in: ratings.md §1); 404 ``lookup_not_found`` / 429 as 办件查询."""
    from tongban.cases.access import ENDED_STATUSES, access_case_by_lookup
    from tongban.cases.events import applicant_user_id

    case = access_case_by_lookup(number=number, code=code, client=client)
    return str(case.uuid), case.status in ENDED_STATUSES, applicant_user_id(case)


# --- supervision's daily roll-ups (docs/domain/supervision.md §2) ------------------------------------------
from tongban.cases.figures import (  # noqa: E402
    case_day_rows,
    case_days_touched_since,
    case_targets,
)
from tongban.cases.figures import first_day as cases_first_day  # noqa: E402

__all__ += ["case_day_rows", "case_days_touched_since", "case_targets", "cases_first_day"]

# --- returns, supplement requests and refusals, for supervision's blind-spot report (issue 19 §4) ---------
BLIND_SPOT_ACTIONS = ("step_return", "request_supplement", "refuse")


@dataclass(frozen=True)
class CaseOpinionFact:
    """One 退回 (``step_return``), 告知补正 (``request_supplement``) or 不予受理 (``refuse``) of a case, with its
    reasons as staff wrote them, each ``(material, text)``: the opinion of a return or refusal is one reason
    ``("", opinion)``; each item of a supplement request is one, ``(name, reason)`` for a material asked
    again (``「name」：reason`` on the timeline, ``"name": reason`` when the reviewer worked in English) and
    ``("", item)`` for a free-text item. The texts are as typed: the caller masks them."""

    action: str
    at: datetime
    target_kind: str
    target_uuid: str
    target_name: str
    lead_department_uuid: str
    lead_department_name: str
    reasons: tuple[tuple[str, str], ...]


_MATERIAL_ITEM = re.compile(r'^(?:「(?P<zh>[^」]+)」|"(?P<en>[^"]+)")\s*(?:[：:]\s*(?P<reason>.*))?$', re.S)


def _reason(item: str) -> tuple[str, str]:
    match = _MATERIAL_ITEM.match(item)
    if match is None:
        return "", item
    return (match.group("zh") or match.group("en")).strip(), (match.group("reason") or "").strip()


def case_opinions_between(start: datetime, end: datetime) -> Iterator[CaseOpinionFact]:
    """Every return, supplement request and refusal recorded in [start, end) (aware datetimes), oldest
    first, streamed (one query, read in chunks: a month of a large platform does not sit in memory)."""
    from tongban.cases.models import CaseEvent

    rows = (
        CaseEvent.objects.filter(action__in=BLIND_SPOT_ACTIONS, at__gte=start, at__lt=end)
        .order_by("at", "id")
        .values_list(
            "action",
            "at",
            "opinion",
            "detail",
            "case__target_kind",
            "case__target_uuid",
            "case__name",
            "case__lead_department_uuid",
            "case__lead_department_name",
        )
    )
    for action, at, opinion, detail, kind, target, name, dept_uuid, dept_name in rows.iterator(2000):
        items = detail.get("items") if isinstance(detail, dict) else None
        if action == "request_supplement" and isinstance(items, list):
            reasons = tuple(_reason(str(i).strip()) for i in items if str(i).strip())
        else:
            reasons = (("", opinion.strip()),) if opinion and opinion.strip() else ()
        yield CaseOpinionFact(action, at, kind, str(target), name, str(dept_uuid), dept_name, reasons)


__all__ += ["BLIND_SPOT_ACTIONS", "CaseOpinionFact", "case_opinions_between"]


# --- 长三角: cases another member of the region sends here (services/federated.py) ----------------------------
def case_submit_federated(**kwargs) -> tuple[str, str, bool]:
    """Open the case of a person another member vouches for (``FederatedSubmission``'s fields):
    ``(case uuid, case number, created)``."""
    from tongban.cases.services.federated import FederatedSubmission
    from tongban.cases.services.federated import case_submit_federated as submit

    case, created = submit(FederatedSubmission(**kwargs))
    return str(case.uuid), case.number, created


def case_action_label(action: str) -> str:
    """The timeline's words for an event's action (in the active language)."""
    from tongban.cases.templatetags.cases_tags import ACTION_LABELS

    return str(ACTION_LABELS.get(action, action))


def federated_event_view(case, event) -> dict:
    """What the sending member shows of one event of a case it sent here: the applicant's view of it (the
    timeline's words in Chinese, the department, the opinion), the case's state after it, its number."""
    from django.utils import translation

    with translation.override("zh-hans"):
        label = case_action_label(event.action)
    return {
        "seq": event.pk,
        "case_uuid": str(case.uuid),
        "case_number": case.number,
        "action": event.action,
        "label": label,
        "department": event.department_name,
        "opinion": event.opinion[:2000],
        "at": event.at.isoformat(),
        "status": case.status,
        "outcome": case.outcome,
        "due_on": case.due_on.isoformat() if case.due_on else None,
    }


def case_result_for_origin(*, origin_member: str, origin_ref) -> tuple[str, str, bytes | None] | None:
    """The sending member's view of a case it sent here: ``(status, file name, the sealed decision document
    or None while it is being sealed)``; None when no case here came from that application."""
    from tongban.cases.models import Case

    case = Case.objects.filter(origin_member=origin_member, origin_ref=origin_ref).first()
    if case is None:
        return None
    document = bytes(case.decision_document) if case.decision_document else None
    return case.status, f"{case.number}-decision.pdf", document
