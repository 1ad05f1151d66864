"""Applications and cases (办件). Applicants see only their cases and those of whom they act for; staff
only the cases of their departments (window clerks: every case, for intake); anything else is 404."""

import base64
import binascii
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.pagination import paginate

from tongban.accounts.facade import session_auth
from tongban.cases import services
from tongban.cases.access import (
    access_case_by_lookup,
    access_case_for_applicant,
    access_case_for_staff,
    access_case_to_urge,
    access_step_for_reviewer,
)
from tongban.cases.constants import CaseStatus, DeliveryMethod, Light, SpecialKind
from tongban.cases.deadlines import light_now, step_light_now
from tongban.cases.errors import CaseError
from tongban.cases.selectors import case_list_for_applicant, inbox_steps, supervision_board
from tongban.core.errors import InvalidInput
from tongban.core.pagination import BoundedLimitOffsetPagination
from tongban.core.schemas import file_answer, responses

router = Router(tags=["cases"])


class MaterialIn(Schema):
    key: str = Field(max_length=64)
    filename: str = Field(default="", max_length=200)
    content_base64: str = Field(description="文件内容（Base64）。类型按内容判断：PDF、JPEG、PNG、OFD")


class CaseIn(Schema):
    target_kind: Literal["item", "bundle"]
    target: UUID = Field(description="事项（item）或一件事（bundle）的 uuid")
    applicant_kind: Literal["person", "enterprise"] = "person"
    applicant: UUID = Field(description="申请者：本人、所代理的法人或自然人的 uuid")
    form_data: dict
    materials: list[MaterialIn] = Field(default_factory=list, max_length=30)
    delivery_method: Literal["online", "window", "courier"] = DeliveryMethod.ONLINE
    commitments: list[str] = Field(
        default_factory=list,
        max_length=30,
        description="容缺受理：暂缺、承诺限期补交的材料标识（事项须允许）",
    )


PROVISIONAL_DUE = (
    "true when due_on was counted over a year with no State Council holiday notice yet (statutory holidays "
    "only, no 调休): it is recomputed, and the flag cleared, when the notice is entered"
)


LIGHT_TODAY = "今天的监察灯（按期限和工作日历计算，与页面一致）：green 正常、yellow 预警、red 超期"


class StepOut(Schema):
    key: str
    name: str
    department_name: str
    status: str
    budget_days: int
    started_on: date | None
    due_on: date | None
    due_on_provisional: bool = Field(default=False, description=PROVISIONAL_DUE)
    light: str = Field(description=LIGHT_TODAY)
    opinion: str
    decided_at: datetime | None
    result: dict = Field(
        default_factory=dict,
        description="办理结果 once the step passed: {kind: licence, type_code, type_name, number, licence_uuid, "
        "holder_name} or {kind: filing|approval_document|other, name, reference}",
    )

    @staticmethod
    def resolve_light(step) -> str:
        return step_light_now(step, step.case, timezone.localdate())


class EventOut(Schema):
    at: datetime
    action: str
    step_key: str
    department_name: str
    actor_label: str
    opinion: str


class CaseMaterialOut(Schema):
    key: str
    name: str
    mode: str
    commitment_due_on: date | None
    content_type: str
    size: int
    sha256: str
    source_note: str
    licence: dict = Field(
        description="平台调取的电子证照（两个免于提交）：标识、编号、颁发机构、有效期和照面信息（[标题, 值]）；否则为空"
    )


class CaseOut(Schema):
    uuid: UUID
    number: str
    name: str
    target_kind: str
    status: str
    outcome: str
    applicant_kind: str
    applicant_name: str
    lead_department_name: str
    submitted_at: datetime
    accepted_on: date | None
    acceptance_voucher: str
    due_on: date | None
    due_on_provisional: bool = Field(default=False, description=PROVISIONAL_DUE)
    promised_days: int
    legal_days: int
    actual_days: int | None
    paused_days: int
    light: str = Field(description=LIGHT_TODAY)
    delivery_method: str
    tracking_number: str
    supplement_items: list[str]
    supplement_materials: dict[str, str]
    refusal_reasons: str
    decision: str
    lookup_code: str = Field(
        default="", description="查询码: with the number, the public progress lookup's key"
    )


class LookupIn(Schema):
    number: str = Field(max_length=32, description="办件编号")
    code: str = Field(max_length=8, description="查询码")


class LookupStepOut(Schema):
    name: str
    department_name: str
    status: str


class LookupOut(Schema):
    number: str
    name: str
    status: str
    outcome: str
    submitted_at: datetime
    due_on: date | None
    concluded_at: datetime | None
    steps: list[LookupStepOut]

    @staticmethod
    def resolve_light(case) -> str:
        """The case's own light today (its promised date), as the pages compute it."""
        get = case.get if isinstance(case, dict) else lambda k: getattr(case, k)
        if get("status") != CaseStatus.IN_PROCESS:
            return get("light")
        return light_now(
            due=get("due_on"),
            yellow=get("yellow_on"),
            stored=get("light"),
            paused=get("paused_since") is not None,
            today=timezone.localdate(),
        )


class CaseDetailOut(CaseOut):
    form_data: dict
    steps: list[StepOut]
    materials: list[CaseMaterialOut]
    timeline: list[EventOut]


def _detail(case, written: dict | None = None) -> dict:
    """The case with its steps, materials and timeline (``written``: those just made by the submission)."""
    return {
        **{f: getattr(case, f) for f in CaseOut.model_fields},
        "yellow_on": case.yellow_on,  # for today's light
        "paused_since": case.paused_since,
        "form_data": case.form_data,
        **(
            written
            or {
                "steps": list(case.steps.all()),
                "materials": list(case.materials.all()),
                "timeline": list(case.events.all()),
            }
        ),
    }


class _Base64File:
    """A JSON-borne material with the interface the upload checks read."""

    def __init__(self, material: MaterialIn):
        try:
            self._content = base64.b64decode(material.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput(
                CaseError.INVALID_BASE64, _("材料内容不是有效的 Base64"), field=material.key
            ) from exc
        self.size = len(self._content)
        self.name = material.filename

    def read(self, limit: int = -1) -> bytes:
        return self._content if limit < 0 else self._content[:limit]


def _files(materials: list[MaterialIn]) -> dict:
    keys = [m.key for m in materials]
    if len(set(keys)) != len(keys):
        raise InvalidInput(CaseError.DUPLICATE_MATERIAL, _("同一材料只能提交一份"), field="materials")
    return {m.key: _Base64File(m) for m in materials}


@router.post(
    "/cases", response=responses({201: CaseDetailOut, 200: CaseDetailOut}, 401, 403, 404), auth=session_auth
)
def case_create(request, payload: CaseIn, idempotency_key: str = Header(..., alias="Idempotency-Key")):
    """Apply once for a published item or bundle. Needs an `Idempotency-Key` header (8–80 characters): a
    retry with the same key answers 200 with the case made the first time; concurrent retries make exactly
    one case. The applicant's real-name level must meet the item's (403 `assurance_too_low`); the form is
    validated with the item's JSON Schema (422 `form_invalid`, every field listed); materials are checked by
    their content (422 `materials_invalid`, every problem listed). Caller: a logged-in person."""
    case, created = services.case_submit(
        actor=request.actor,
        target_kind=payload.target_kind,
        target_uuid=payload.target,
        applicant_kind=payload.applicant_kind,
        applicant_uuid=payload.applicant,
        form_data=payload.form_data,
        idempotency_key=idempotency_key,
        files=_files(payload.materials),
        delivery_method=payload.delivery_method,
        commitments=payload.commitments,
    )
    return Status(201 if created else 200, _detail(case, getattr(case, "just_written", None)))


class CaseListQuery(Schema):
    status: str = Field(default="", max_length=20)


@router.get("/cases", response=responses({200: list[CaseOut]}, 401), auth=session_auth)
@paginate(BoundedLimitOffsetPagination)
def case_list(request, filters: Query[CaseListQuery]):
    """The caller's cases and those of the persons and enterprises they act for, newest first."""
    return case_list_for_applicant(actor=request.actor, status=filters.status)


@router.post("/cases/lookup", response=responses({200: LookupOut}, 404, 429), auth=None)
def case_lookup(request, payload: LookupIn):
    """办件查询: anyone with a case's number and its 查询码 gets its status and steps, nothing else (no names, no
    materials, no opinions). Public; throttled per address and per case number; `404 lookup_not_found` for
    any mismatch."""
    case = access_case_by_lookup(number=payload.number, code=payload.code, client=request.client_ip)
    return {
        "number": case.number,
        "name": case.name,
        "status": case.status,
        "outcome": case.outcome,
        "submitted_at": case.submitted_at,
        "due_on": case.due_on,
        "concluded_at": case.concluded_at,
        "steps": list(case.steps.values("name", "department_name", "status")),
    }


@router.get("/cases/{case_uuid}", response=responses({200: CaseDetailOut}, 401, 404), auth=session_auth)
def case_get(request, case_uuid: UUID):
    """One of the caller's cases with its steps, materials and timeline (404 for anyone else's)."""
    return _detail(access_case_for_applicant(actor=request.actor, case_uuid=case_uuid))


@router.post(
    "/cases/{case_uuid}/withdraw", response=responses({200: CaseOut}, 401, 404, 409), auth=session_auth
)
def case_withdraw(request, case_uuid: UUID):
    """The applicant withdraws before a decision (409 `invalid_transition` afterwards)."""
    case = access_case_for_applicant(actor=request.actor, case_uuid=case_uuid)
    return services.case_withdraw(actor=request.actor, case=case)


class SupplementIn(Schema):
    form_data: dict | None = None
    materials: list[MaterialIn] = Field(default_factory=list, max_length=30)


@router.post(
    "/cases/{case_uuid}/supplement",
    response=responses({200: CaseDetailOut}, 401, 404, 409),
    auth=session_auth,
)
def case_supplement(request, case_uuid: UUID, payload: SupplementIn):
    """The applicant supplies what a supplement request or a returned step asked for."""
    case = access_case_for_applicant(actor=request.actor, case_uuid=case_uuid)
    case = services.case_supplement(
        actor=request.actor, case=case, form_data=payload.form_data, files=_files(payload.materials)
    )
    return _detail(case)


# --- 无纸化签署申请书 (issue 16 §3) ------------------------------------------------------------------------
class ApplicationSignIn(Schema):
    personal_seal_uuid: UUID = Field(description="申请人（签字）：调用者本人的个人电子签名（kind personal）")
    company_seal_uuid: UUID | None = Field(
        default=None,
        description="申请单位（盖章）：申请企业的、调用者可以使用的电子印章；企业申请必填，个人申请不填",
    )


class SignerOut(Schema):
    role: Literal["applicant", "company"]
    kind: str
    kind_label: str
    name: str
    owner: str
    seal_uuid: UUID


class ApplicationSignedOut(Schema):
    case: UUID
    number: str
    signed_at: datetime
    signers: list[SignerOut]
    pdf_url: str = Field(description="GET this path for the signed PDF")


@router.post(
    "/cases/{case_uuid}/application/sign",
    response=responses({200: ApplicationSignedOut}, 401, 403, 404, 409),
    auth=session_auth,
)
def application_sign(request, case_uuid: UUID, payload: ApplicationSignIn):
    """Sign the case's 申请书 (无纸化): the platform makes it (the case, the applicant, the form, the
    materials) and seals it with the caller's own personal seal and, for an enterprise's case, with the
    enterprise's seal — two PAdES B-LT signatures, the second an incremental update; each use is logged.
    Caller: the applicant side of the case (as withdraw), while the case is open, once. `409
    application_signed`, `409 invalid_transition`, `404 seal_not_found`, `403 seal_use_denied`, `409
    seal_not_active`, `422 personal_seal_invalid`, `422 company_seal_required`, `422 company_seal_invalid`."""
    case = access_case_for_applicant(actor=request.actor, case_uuid=case_uuid)
    case = services.application_sign(
        actor=request.actor,
        case=case,
        personal_seal_uuid=str(payload.personal_seal_uuid),
        company_seal_uuid=str(payload.company_seal_uuid) if payload.company_seal_uuid else None,
    )
    return {
        "case": case.uuid,
        "number": case.number,
        "signed_at": case.application_signed_at,
        "signers": case.application_signers,
        "pdf_url": f"/api/cases/{case.uuid}/application.pdf",
    }


@router.get(
    "/cases/{case_uuid}/application.pdf",
    response=responses({}, 401, 404),
    auth=session_auth,
    openapi_extra=file_answer("application/pdf", "The signed application form (attachment)", binary=True),
)
def application_signed_pdf(request, case_uuid: UUID):
    """The signed 申请书 of one of the caller's cases (`404 case_not_found` for anyone else's and before it
    is signed); audited as `case.application_download`."""
    from django.http import HttpResponse

    from tongban.cases.errors import CaseNotFound
    from tongban.core.audit import audit_record

    case = access_case_for_applicant(actor=request.actor, case_uuid=case_uuid)
    if not case.application_document:
        raise CaseNotFound()
    audit_record(
        actor=request.actor, action="case.application_download", object_type="case", object_id=case.uuid
    )
    response = HttpResponse(bytes(case.application_document), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.number}-application.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- staff -------------------------------------------------------------------------------------------
@router.get("/staff/cases/{case_uuid}", response=responses({200: CaseDetailOut}, 401, 404), auth=session_auth)
def staff_case_get(request, case_uuid: UUID):
    """A case as staff see it: window clerks any case; reviewers those of their departments."""
    case = access_case_for_staff(actor=request.actor, case_uuid=case_uuid)
    services.case_staff_read(actor=request.actor, case=case)
    return _detail(case)


class ReasonsIn(Schema):
    reasons: str = Field(max_length=2000)


class RequestedMaterialIn(Schema):
    key: str = Field(max_length=64)
    reason: str = Field(default="", max_length=500)


class ItemsIn(Schema):
    items: list[str] = Field(default_factory=list, max_length=50)
    materials: list[RequestedMaterialIn] = Field(default_factory=list, max_length=30)


class SpecialIn(Schema):
    kind: Literal["hearing", "inspection", "testing", "expert_review"] = SpecialKind.INSPECTION
    reason: str = Field(max_length=2000)


class ResultIn(Schema):
    result: str = Field(default="", max_length=2000)


class DeliverIn(Schema):
    tracking_number: str = Field(default="", max_length=40)


STAFF_ERRORS = (401, 404, 409)


@router.post(
    "/staff/cases/{case_uuid}/accept", response=responses({200: CaseOut}, *STAFF_ERRORS), auth=session_auth
)
def staff_accept(request, case_uuid: UUID):
    """Accept (受理): the acceptance voucher number and the promised due date are set; the first steps
    start. Window clerks, or reviewers of the lead department."""
    return services.case_accept(
        actor=request.actor, case=access_case_for_staff(actor=request.actor, case_uuid=case_uuid)
    )


@router.post(
    "/staff/cases/{case_uuid}/refuse", response=responses({200: CaseOut}, *STAFF_ERRORS), auth=session_auth
)
def staff_refuse(request, case_uuid: UUID, payload: ReasonsIn):
    """Refuse to accept, with the reasons (不予受理)."""
    case = access_case_for_staff(actor=request.actor, case_uuid=case_uuid)
    return services.case_refuse(actor=request.actor, case=case, reasons=payload.reasons)


@router.post(
    "/staff/cases/{case_uuid}/supplement-request",
    response=responses({200: CaseOut}, *STAFF_ERRORS),
    auth=session_auth,
)
def staff_supplement_request(request, case_uuid: UUID, payload: ItemsIn):
    """Ask once, within 5 working days of submission, for everything missing (一次性告知)."""
    case = access_case_for_staff(actor=request.actor, case_uuid=case_uuid)
    return services.case_request_supplement(
        actor=request.actor,
        case=case,
        items=payload.items,
        materials={m.key: m.reason for m in payload.materials},
    )


@router.post(
    "/staff/cases/{case_uuid}/special/start",
    response=responses({200: CaseOut}, *STAFF_ERRORS),
    auth=session_auth,
)
def staff_special_start(request, case_uuid: UUID, payload: SpecialIn):
    """Start a special procedure (hearing, inspection, testing, expert review): the clock stops."""
    case = access_case_for_staff(actor=request.actor, case_uuid=case_uuid)
    services.special_start(actor=request.actor, case=case, kind=payload.kind, reason=payload.reason)
    case.refresh_from_db()
    return case


@router.post(
    "/staff/cases/{case_uuid}/special/end",
    response=responses({200: CaseOut}, *STAFF_ERRORS),
    auth=session_auth,
)
def staff_special_end(request, case_uuid: UUID, payload: ResultIn):
    """End the special procedure: its working days move the due dates later."""
    case = access_case_for_staff(actor=request.actor, case_uuid=case_uuid)
    services.special_end(actor=request.actor, case=case, result=payload.result)
    case.refresh_from_db()
    return case


@router.post(
    "/staff/cases/{case_uuid}/deliver", response=responses({200: CaseOut}, *STAFF_ERRORS), auth=session_auth
)
def staff_deliver(request, case_uuid: UUID, payload: DeliverIn):
    """Deliver the result of a concluded case (a courier delivery needs its tracking number)."""
    case = access_case_for_staff(actor=request.actor, case_uuid=case_uuid)
    return services.case_deliver(actor=request.actor, case=case, tracking_number=payload.tracking_number)


class InboxOut(Schema):
    case_uuid: UUID
    number: str
    case_name: str
    applicant_name: str
    key: str
    name: str
    department_name: str
    status: str
    due_on: date | None
    due_on_provisional: bool = Field(default=False, description=PROVISIONAL_DUE)
    light: str = Field(description=LIGHT_TODAY)
    claimed_by_name: str

    @staticmethod
    def resolve_light(row) -> str:
        return row["light_today"]


class InboxQuery(Schema):
    light: Literal["", "green", "yellow", "red"] = ""
    status: Literal["", "ready", "claimed"] = ""
    mine: bool = False
    q: str = Field(default="", max_length=40, description="办件编号或事项名称")


@router.get("/staff/inbox", response=responses({200: list[InboxOut]}, 401), auth=session_auth)
@paginate(BoundedLimitOffsetPagination)
def staff_inbox(request, filters: Query[InboxQuery]):
    """The reviewer's inbox: open steps of their departments, most urgent first."""
    return inbox_steps(
        actor=request.actor, light=filters.light, status=filters.status, mine=filters.mine, q=filters.q
    )


class DecideIn(Schema):
    decision: Literal["pass", "return", "refuse"]
    opinion: str = Field(default="", max_length=2000)


@router.post(
    "/staff/cases/{case_uuid}/steps/{step_key}/claim",
    response=responses({200: StepOut}, *STAFF_ERRORS),
    auth=session_auth,
)
def step_claim(request, case_uuid: UUID, step_key: str):
    """Claim a ready step of one of the reviewer's departments."""
    step = access_step_for_reviewer(actor=request.actor, case_uuid=case_uuid, step_key=step_key)
    return services.step_claim(actor=request.actor, step=step)


@router.post(
    "/staff/cases/{case_uuid}/steps/{step_key}/release",
    response=responses({200: StepOut}, *STAFF_ERRORS),
    auth=session_auth,
)
def step_release(request, case_uuid: UUID, step_key: str):
    """Give a claimed step back to the department's inbox."""
    step = access_step_for_reviewer(actor=request.actor, case_uuid=case_uuid, step_key=step_key)
    return services.step_release(actor=request.actor, step=step)


@router.post(
    "/staff/cases/{case_uuid}/steps/{step_key}/decide",
    response=responses({200: StepOut}, *STAFF_ERRORS),
    auth=session_auth,
)
def step_decide(request, case_uuid: UUID, step_key: str, payload: DecideIn):
    """Decide a claimed step: pass, return to the applicant, or refuse (the case concludes not approved);
    returning and refusing need an opinion."""
    step = access_step_for_reviewer(actor=request.actor, case_uuid=case_uuid, step_key=step_key)
    return services.step_decide(
        actor=request.actor, step=step, decision=payload.decision, opinion=payload.opinion
    )


class BoardRowOut(Schema):
    department_name: str
    number: str
    case: UUID
    step_name: str
    light: Literal["yellow", "red"]
    due_on: date
    due_on_provisional: bool = Field(default=False, description=PROVISIONAL_DUE)
    days_overdue: int


@router.get("/supervision/board", response=responses({200: list[BoardRowOut]}, 401, 403), auth=session_auth)
def board(request):
    """Red and yellow steps by department, with working days overdue. Supervisors only."""
    return supervision_board(actor=request.actor)


class UrgeIn(Schema):
    text: str = Field(..., max_length=500)


class UrgeOut(Schema):
    case: UUID
    number: str
    departments: list[str]
    at: datetime


@router.post(
    "/supervision/cases/{case_uuid}/urge",
    response=responses({201: UrgeOut}, 401, 403, 404, 409, 422),
    auth=session_auth,
)
def case_urge(request, case_uuid: UUID, payload: UrgeIn):
    """督办: urge the departments of an open case's open steps (they are told in-app; recorded on the case's
    staff timeline). Supervisors of one of the case's departments (`403 not_supervisor` for other staff,
    `404` for a case outside their departments); `409 case_urged_today` for a second 督办 the same day,
    `409 invalid_transition` for a case not in process, `422 opinion_required` without a text."""
    case = access_case_to_urge(actor=request.actor, case_uuid=case_uuid)
    event = services.case_urge(actor=request.actor, case=case, text=payload.text)
    return Status(
        201,
        {
            "case": case.uuid,
            "number": case.number,
            "departments": event.department_name.split("、"),
            "at": event.at,
        },
    )


__all__ = ["Light", "router"]
