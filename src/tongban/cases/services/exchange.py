"""The facts of cases the 好差评 exchange formats carry (ratings' exports and national upload): the item's
codes, the handling department, the acceptance date, the promise kind. Read in batches: a constant number
of queries whatever the number of cases."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from tongban.cases.access import ENDED_STATUSES
from tongban.cases.models import Case, CaseStep


@dataclass(frozen=True)
class CaseExportFacts:
    uuid: str
    number: str
    name: str  # the item's (or bundle's) name
    ended: bool
    applicant_kind: str  # person | enterprise
    applicant_uuid: str
    lead_department_uuid: str
    lead_department_name: str
    accepted_on: date | None
    implementation_code: str  # of the case's first step's item ("" when the case has no step)
    basic_code: str
    handle_item_code: str
    department_uscc: str  # the item version's 实施主体代码 ("" when the catalog has none)
    case_type: str  # A.6: 1 即办件, 2 承诺件, 9 其他; "" when unknown
    manager: str  # 经办人: who decided the case's last decided step ("" when nobody did)


def cases_export_facts(case_uuids: Iterable[str]) -> dict[str, CaseExportFacts]:
    """:class:`CaseExportFacts` of several cases, by uuid (unknown uuids left out). Three queries."""
    from tongban.catalog.facade import item_exchange_codes

    keys = {str(u) for u in case_uuids}
    if not keys:
        return {}
    cases = {c.pk: c for c in Case.objects.filter(uuid__in=keys).only(*_FIELDS)}
    steps: dict[int, list[CaseStep]] = {}
    for step in CaseStep.objects.filter(case_id__in=list(cases)).order_by("order", "id"):
        steps.setdefault(step.case_id, []).append(step)
    codes = item_exchange_codes((s[0].implementation_code, s[0].version_number) for s in steps.values() if s)
    found: dict[str, CaseExportFacts] = {}
    for pk, case in cases.items():
        own = steps.get(pk, [])
        first = own[0] if own else None
        item = codes.get((first.implementation_code, first.version_number)) if first else None
        decided = [
            (s.decided_at, s.claimed_by_name) for s in own if s.decided_at is not None and s.claimed_by_name
        ]
        manager = max(decided)[1] if decided else ""
        found[str(case.uuid)] = CaseExportFacts(
            uuid=str(case.uuid),
            number=case.number,
            name=case.name,
            ended=case.status in ENDED_STATUSES,
            applicant_kind=case.applicant_kind,
            applicant_uuid=str(case.applicant_uuid),
            lead_department_uuid=str(case.lead_department_uuid),
            lead_department_name=case.lead_department_name,
            accepted_on=case.accepted_on,
            implementation_code=first.implementation_code if first else "",
            basic_code=item.basic_code if item else "",
            handle_item_code=item.handle_item_code if item else "",
            department_uscc=item.department_uscc if item else "",
            case_type=item.case_type if item else "",
            manager=manager,
        )
    return found


_FIELDS = (
    "id",
    "uuid",
    "number",
    "name",
    "status",
    "applicant_kind",
    "applicant_uuid",
    "lead_department_uuid",
    "lead_department_name",
    "accepted_on",
)
