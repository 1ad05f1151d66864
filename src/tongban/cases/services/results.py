"""The result of a step (办理结果), made when the step passes: the e-licence its item yields, issued into the
holder's card bag (the 营业执照 of 开办企业 registers the new enterprise first: its USCC assigned, the applicant
its legal representative), the enterprise's electronic seals (公章刻制: its 法定名称章 and the kinds the form
asks for, made by the seals context for the enterprise the 营业执照 step registered), or the reference of the
filing or approval it records (税务, 社保, 就业). Later steps of a bundle take what an earlier step produced (the new company's USCC, its 营业执照) from
that result. A result that cannot be made refuses the pass, so a case never concludes without its result
(docs/domain/bundles.md, "Results of a step")."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from tongban.accounts.facade import enterprise_establish, holder_of_principal, organisation_info
from tongban.cases.constants import ApplicantKind
from tongban.cases.errors import ResultNotMade
from tongban.cases.events import event_record
from tongban.cases.models import Case, CaseStep
from tongban.catalog.facade import ESTABLISHING_LICENCE_TYPES, PlanStep, application_target
from tongban.core.actors import Actor
from tongban.core.errors import DomainError
from tongban.licences.facade import issue_for_case
from tongban.seals.facade import seals_make_for_enterprise

# The seal kinds a 公章刻制 form offers (its "seal_kinds" field lists them by their Chinese names, as the
# applicant sees them) → the seals context's kinds. The 法定名称章 is always made.
SEAL_KINDS_BY_NAME = {
    "法定名称章": "legal_name",
    "财务专用章": "finance",
    "合同专用章": "contract",
    "发票专用章": "invoice",
    "法定代表人名章": "legal_rep",
}
SEAL_KIND_NAMES = {code: name for name, code in SEAL_KINDS_BY_NAME.items()}
ELECTRONIC_SEALS = "electronic_seals"  # catalog ResultKind


def step_result_make(case: Case, step: CaseStep, actor: Actor) -> dict:
    """Make and keep the step's result (in the caller's transaction); raises ResultNotMade when it cannot.
    ``actor`` is the reviewer who passes the step (the seal authority's, for the seals it makes)."""
    target = application_target(case.target_kind, case.target_uuid)
    plan = next((s for s in (target.steps if target else ()) if s.key == step.key), None)
    if plan is not None and plan.result_licence_type_code:
        produced = [m.key for m in (target.materials if target else ()) if m.produced_by == step.key]
        result = _licence_result(case, step, plan, produced)
    elif plan is not None and plan.result_kind == ELECTRONIC_SEALS:
        result = _seals_result(case, step, plan, actor)
    else:
        kind = (plan.result_kind if plan else "") or "other"
        result = {
            "kind": kind,
            "name": (plan.result_name if plan else "") or step.name,
            # 备案号 / 文书编号: the case number and the step's place in the plan, unique and readable.
            "reference": f"{case.number}-{step.order + 1:02d}",
            "department_name": step.department_name,
        }
        event_record(
            case, None, "result_recorded", step=step, name=result["name"], reference=result["reference"]
        )
    step.result = result
    step.save(update_fields=["result"])
    return result


def _licence_result(case: Case, step: CaseStep, plan: PlanStep, produced: list[str]) -> dict:
    code = plan.result_licence_type_code
    issuer = organisation_info(step.department_uuid)
    if issuer is None:
        raise ResultNotMade(problem="issuer", type_code=code)
    face: dict = {}
    identifier_field = ESTABLISHING_LICENCE_TYPES.get(code)
    if identifier_field and case.applicant_kind == ApplicantKind.PERSON:
        holder = _establish(case, step, issuer, identifier_field)
        face = _business_licence_face(case)
    else:
        holder = holder_of_principal(case.applicant_kind, case.applicant_uuid)
        if holder is None:
            raise ResultNotMade(problem="holder", type_code=code)
    issued = issue_for_case(
        type_code=code,
        holder_kind=holder.kind,
        holder_code=holder.code,
        holder_name=holder.name,
        issuer_uuid=issuer.uuid,
        issuer_name=issuer.name,
        issuer_code=issuer.uscc,
        form_data=case.form_data,
        case_uuid=str(case.uuid),
        item_code=step.implementation_code,
        face=face,
    )
    if issued.ref is None:
        raise ResultNotMade(problem=issued.problem, type_code=code)
    # The materials of later steps that this licence is (营业执照 for 公章刻制, 税务, 社保, 就业).
    if produced:
        case.materials.filter(key__in=produced).update(
            licence=issued.ref.snapshot(),
            source_note=gettext("由「%(step)s」环节核发：%(type)s %(number)s")
            % {"step": step.name, "type": issued.ref.type_name, "number": issued.number},
        )
    event_record(
        case, None, "licence_issued", step=step, type_code=code, number=issued.number, holder=holder.name
    )
    return {
        "kind": "licence",
        "type_code": code,
        "type_name": issued.ref.type_name,
        "number": issued.number,
        "licence_uuid": issued.uuid,
        "holder_name": holder.name,
        "holder_kind": holder.principal_kind,
        "holder_uuid": holder.principal_uuid,
        # A USCC is public (it is printed on the licence); a person's ID number is never kept here.
        "uscc": holder.code if holder.principal_kind == "enterprise" else "",
        "department_name": step.department_name,
    }


def _seals_result(case: Case, step: CaseStep, plan: PlanStep, actor: Actor) -> dict:
    """公章刻制: the enterprise's electronic seals, for the enterprise the case names (the USCC the 营业执照 step
    wrote into the form, or the one the applicant gave), its legal representative the applicant."""
    data = case.form_data
    uscc, name = str(data.get("uscc") or ""), str(data.get("company_name") or "")
    if not uscc or not name or case.applicant_kind != ApplicantKind.PERSON:
        raise ResultNotMade(problem="enterprise", field="uscc")
    asked = data.get("seal_kinds") or []
    kinds = [SEAL_KINDS_BY_NAME[k] for k in asked if k in SEAL_KINDS_BY_NAME]
    try:
        made = seals_make_for_enterprise(actor, uscc, name, str(case.applicant_uuid), kinds)
    except DomainError as exc:
        raise ResultNotMade(problem=str(exc.code)) from exc
    seals = [{"uuid": s.uuid, "kind": s.kind} for s in made]
    event_record(case, None, "seals_made", step=step, name=name, kinds=[s.kind for s in made])
    return {
        "kind": ELECTRONIC_SEALS,
        "name": plan.result_name or gettext("企业电子印章"),
        "reference": f"{case.number}-{step.order + 1:02d}",
        "seals": seals,
        "uscc": uscc,
        "holder_name": name,
        "department_name": step.department_name,
    }


def _establish(case: Case, step: CaseStep, issuer, identifier_field: str):
    """设立登记: the enterprise the applicant founds, registered with them as its legal representative; its
    USCC goes into the case's form for the steps that follow."""
    data = case.form_data
    try:
        holder = enterprise_establish(
            name=str(data.get("company_name") or ""),
            kind_label=str(data.get("enterprise_type") or ""),
            legal_representative_uuid=str(case.applicant_uuid),
            division_code=(issuer.division_code or settings.TONGBAN_REGION_CODE)[:6],
            registrar_name=issuer.name,
        )
    except DomainError as exc:
        raise ResultNotMade(problem=str(exc.code), field=exc.details.get("field", "")) from exc
    case.form_data = {**data, identifier_field: holder.code}
    case.save(update_fields=["form_data"])
    event_record(case, None, "enterprise_established", step=step, name=holder.name, uscc=holder.code)
    return holder


def _business_licence_face(case: Case) -> dict:
    """The face of the 营业执照 as the registration made it (the form's keys are the application's own)."""
    data = case.form_data
    capital = data.get("registered_capital")
    face = {
        "name": str(data.get("company_name") or ""),
        "enterprise_type": str(data.get("enterprise_type") or "有限责任公司"),
        "legal_representative": case.applicant_name,
        "established_on": timezone.localdate().isoformat(),
        "address": str(data.get("premises_address") or data.get("address") or ""),
        "business_scope": str(data.get("business_scope") or ""),
    }
    if capital not in (None, ""):
        face["registered_capital"] = f"{_amount(capital)}万元人民币"  # the licence's face is Chinese, always
    return face


def _amount(value) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:g}" if number != int(number) else str(int(number))
