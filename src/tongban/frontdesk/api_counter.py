"""The counter's API (`/api/frontdesk/counter/...`): the console's flows as JSON — start a service, identify
the applicant, submit on their behalf (代办), finish. Who may call: a window clerk of the window's centre (session
authentication); anyone else is told the window does not exist (404 ``window_not_found``)."""

from __future__ import annotations

import base64
import binascii
from typing import Literal
from uuid import UUID

from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from tongban.accounts.facade import session_auth
from tongban.core.errors import InvalidInput
from tongban.core.schemas import responses
from tongban.frontdesk.access import access_service, access_window
from tongban.frontdesk.errors import FrontdeskError
from tongban.frontdesk.services import counter

router = Router(tags=["frontdesk 综合窗口"])


class CounterServiceOut(Schema):
    uuid: str
    window: str
    clerk: str
    ticket: str | None
    applicant_label: str
    applicant_enterprises: list[dict]
    case_uuids: list[str]
    on_the_spot: bool
    started_at: str
    finished_at: str | None


def _service_out(service) -> dict:
    applicant = counter.applicant_of(service)
    return {
        "uuid": str(service.uuid),
        "window": counter.window_label(service.window),
        "clerk": service.clerk_label,
        "ticket": service.ticket.number if service.ticket_id else None,
        "applicant_label": service.applicant_label,
        "applicant_enterprises": [{"uuid": u, "name": n} for u, n in applicant.enterprises]
        if applicant
        else [],
        "case_uuids": [str(u) for u in service.case_uuids],
        "on_the_spot": service.on_the_spot,
        "started_at": service.started_at.isoformat(),
        "finished_at": service.finished_at.isoformat() if service.finished_at else None,
    }


class CounterStartIn(Schema):
    ticket: UUID | None = Field(default=None, description="叫到本窗口的号票；未取号的现场申请人不填")


class CounterIdentifyIn(Schema):
    method: Literal["id_card", "show_token"]
    id_number: str = Field(default="", max_length=40, description="居民身份证号码（method=id_card）")
    name: str = Field(default="", max_length=50, description="姓名（method=id_card）")
    token: str = Field(default="", max_length=4000, description="申请人出示的亮证码（method=show_token）")


class CounterMaterialIn(Schema):
    key: str = Field(max_length=64)
    filename: str = Field(default="", max_length=200)
    content_base64: str = Field(description="扫描件（Base64）：PDF、JPEG、PNG、OFD，按内容判断类型")


class CounterPrecheckIn(Schema):
    status: Literal["received", "original_seen", "copy", "missing"]
    note: str = Field(default="", max_length=120)


class CounterSubmitIn(Schema):
    target_kind: Literal["item", "bundle"]
    target: UUID
    enterprise: UUID | None = Field(default=None, description="以申请人担任法定代表人的企业名义申请时填写")
    form_data: dict
    materials: list[CounterMaterialIn] = Field(default_factory=list, max_length=30)
    commitments: list[str] = Field(
        default_factory=list, max_length=30, description="告知承诺、容缺受理的材料标识"
    )
    precheck: dict[str, CounterPrecheckIn] = Field(
        default_factory=dict, description="收件预审：材料标识 → 结果和说明"
    )


class CounterSubmitOut(Schema):
    case_uuid: str
    number: str
    lookup_code: str
    status: str
    acceptance_voucher: str
    concluded_on_the_spot: bool
    collect_and_forward: bool
    paper_status: str | None
    acceptance_pdf: str
    print_page: str


class CounterFinishOut(Schema):
    service: CounterServiceOut
    pad_session: str
    message: str


class _Base64File:
    """A JSON-borne scan with the interface the upload checks read."""

    def __init__(self, material: CounterMaterialIn):
        try:
            self._content = base64.b64decode(material.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput(
                FrontdeskError.INVALID_SCAN, _("扫描件内容不是有效的 Base64"), field=material.key
            ) from exc
        self.size = len(self._content)
        self.name = material.filename

    def read(self, limit: int = -1) -> bytes:
        return self._content if limit < 0 else self._content[:limit]

    def seek(self, _offset: int) -> None:
        return None


@router.post(
    "/frontdesk/counter/{window_uuid}/services",
    response=responses({201: CounterServiceOut}, 401, 404, 409),
    auth=session_auth,
)
def service_start(request, window_uuid: UUID, payload: CounterStartIn):
    """Start serving at the window (one open service per window; 409 ``service_already_open``). Caller: a
    window clerk of the window's centre."""
    window = access_window(actor=request.actor, window_uuid=window_uuid)
    service = counter.service_start(actor=request.actor, window=window, ticket_uuid=payload.ticket)
    return Status(201, _service_out(service))


@router.post(
    "/frontdesk/counter/{window_uuid}/services/{service_uuid}/identify",
    response=responses({200: CounterServiceOut}, 401, 403, 404, 409),
    auth=session_auth,
)
def service_identify(request, window_uuid: UUID, service_uuid: UUID, payload: CounterIdentifyIn):
    """Identify the applicant: ID card number and name (422 ``invalid_id_number``, 404 ``person_not_found``,
    422 ``applicant_name_mismatch``) or their 亮证 token verified with the window as 用证单位 (409
    ``token_used`` the second time; 422 ``licence_not_personal``). The answer shows the applicant masked.
    Caller: a window clerk of the window's centre."""
    window = access_window(actor=request.actor, window_uuid=window_uuid)
    service = access_service(actor=request.actor, window=window, service_uuid=service_uuid)
    if payload.method == "show_token":
        counter.service_identify_by_token(
            actor=request.actor, window=window, service=service, token=payload.token
        )
    else:
        counter.service_identify_by_id(
            actor=request.actor,
            window=window,
            service=service,
            id_number=payload.id_number,
            name=payload.name,
        )
    return Status(200, _service_out(service))


@router.post(
    "/frontdesk/counter/{window_uuid}/services/{service_uuid}/cases",
    response=responses({201: CounterSubmitOut}, 401, 403, 404, 409),
    auth=session_auth,
)
def service_submit(request, window_uuid: UUID, service_uuid: UUID, payload: CounterSubmitIn):
    """Open and accept at once a case on the identified applicant's behalf (代办): the form and the scans are
    checked as online (422 ``form_invalid``, ``materials_invalid``; ``precheck_invalid``); 409
    ``applicant_not_identified`` before identification. An immediate item the clerk may decide is concluded on
    the spot; another district's item keeps its paper here (收受分离). Caller: a window clerk of the window's
    centre."""
    window = access_window(actor=request.actor, window_uuid=window_uuid)
    service = access_service(actor=request.actor, window=window, service_uuid=service_uuid)
    keys = [m.key for m in payload.materials]
    if len(set(keys)) != len(keys):
        raise InvalidInput(FrontdeskError.INVALID_SCAN, _("同一材料只能提交一份"), field="materials")
    done = counter.service_submit(
        actor=request.actor,
        window=window,
        service=service,
        target_kind=payload.target_kind,
        target_uuid=payload.target,
        applicant_kind="enterprise" if payload.enterprise else "person",
        applicant_uuid=payload.enterprise,
        form_data=payload.form_data,
        files={m.key: _Base64File(m) for m in payload.materials},
        commitments=payload.commitments,
        precheck={k: v.dict() for k, v in payload.precheck.items()},
    )
    case = done.case
    return Status(
        201,
        {
            "case_uuid": case.uuid,
            "number": case.number,
            "lookup_code": case.lookup_code,
            "status": case.status if not done.concluded else "concluded",
            "acceptance_voucher": case.voucher,
            "concluded_on_the_spot": done.concluded,
            "collect_and_forward": done.paper is not None,
            "paper_status": done.paper.status if done.paper else None,
            "acceptance_pdf": f"/cases/{case.uuid}/acceptance.pdf",
            "print_page": f"/counter/{window.uuid}/services/{service.uuid}/print/",
        },
    )


@router.post(
    "/frontdesk/counter/{window_uuid}/services/{service_uuid}/finish",
    response=responses({200: CounterFinishOut}, 401, 404, 409),
    auth=session_auth,
)
def service_finish(request, window_uuid: UUID, service_uuid: UUID):
    """End the service; the window's evaluation pad invites the applicant to rate it (409
    ``service_finished`` the second time). Caller: a window clerk of the window's centre."""
    window = access_window(actor=request.actor, window_uuid=window_uuid)
    service = access_service(actor=request.actor, window=window, service_uuid=service_uuid)
    pad = counter.service_finish(actor=request.actor, window=window, service=service)
    return Status(
        200,
        {
            "service": _service_out(service),
            "pad_session": str(pad.uuid),
            "message": str(_("请申请人在评价器上评价本次服务")),
        },
    )
