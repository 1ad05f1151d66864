"""长三角 cross-region cases (docs/domain/federation.md §7): a person of this member applies for another
member's item — on this portal (全程网办), at this member's special window (异地代收代办), or in several members
at once (多地联办). The case lives in the member that handles it; this member keeps a
:class:`RemoteApplication` that mirrors its progress and fetches its result.

Messages (docs/federation/protocol.md §6):

- ``case.submit`` (here → the handling member): the application — the applicant as this member vouches for them
  (ID number, name, assurance level), the form, the list of materials (fetched by the handling member with a
  signed request, checked by digest), the delivery method and, for 异地代收, the window that collected it.
- ``case.event`` (back): each event of the case's timeline as its applicant sees it, with the case's state after
  it and an increasing sequence.
- ``case.rejected`` (back): the handling member could not open the case (the form, a material, the
  applicant's level), with its reason."""

from __future__ import annotations

import base64
import hashlib
import logging
import uuid as uuid_module
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import DomainError, InvalidInput
from tongban.core.identifiers import mask_id_number
from tongban.federation import trust
from tongban.federation.errors import FederationError, FederationRefused
from tongban.federation.handlers import handles
from tongban.federation.messages import send
from tongban.federation.models import InboundMessage, RemoteApplication, RemoteApplicationFile

logger = logging.getLogger(__name__)

Status = RemoteApplication.Status
MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Applicant:
    user_id: int | None  # the local account (None: a walk-in at the special window without one)
    subject: str  # stable id of the person here (the account's uuid, or a keyed hash of the ID number)
    id_kind: str
    id_number: str
    name: str
    level: int  # what this member vouches for: the account's level, or 3 for a face-to-face check


@dataclass(frozen=True)
class Part:
    member: str
    item_uuid: str
    item_name: str
    department_name: str
    form_data: dict
    files: dict  # material key -> (name, bytes)


def window_subject(id_kind: str, id_number: str) -> str:
    """The stable subject of a walk-in applicant without an account here (a keyed hash, not the number)."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{id_kind}:{id_number}".encode()).hexdigest()
    return f"window-{digest[:32]}"


# --- this member: the application ------------------------------------------------------------------------------------
def applications_submit(
    *,
    applicant: Applicant,
    parts: list[Part],
    mode: str,
    submitted_by: int,
    delivery_method: str = "online",
    collected: dict | None = None,
    consent: bool,
) -> list[RemoteApplication]:
    """Record the application (one part per handling member; 多地联办 has several, sharing a group id) and send
    each part to its member, all in one transaction: the applicant's consent is required, since their data
    leaves this member (《长三角地区政务服务"一网通办"服务同意书》)."""
    if not consent:
        raise InvalidInput(
            FederationError.CONSENT_REQUIRED, _("请先确认同意将申请信息传送至办理地"), field="consent"
        )
    if mode not in RemoteApplication.Mode.values or not parts:
        raise InvalidInput(FederationError.APPLICATION_INVALID, _("跨区域申请无效"), field="mode")
    snapshot = trust.require_current()
    for part in parts:
        if part.member == settings.TONGBAN_REGION_CODE or part.member not in snapshot.members:
            raise InvalidInput(
                FederationError.APPLICATION_INVALID, _("办理地不是区域内的其他成员"), field="member"
            )
        for key, (_name, content) in part.files.items():
            if len(content) > MAX_FILE_BYTES:
                raise InvalidInput(FederationError.APPLICATION_INVALID, _("文件过大"), field=key)
    group = uuid_module.uuid4() if len(parts) > 1 else None
    now = timezone.now()
    rows = []
    with transaction.atomic():
        for part in parts:
            member = snapshot.member(part.member)
            row = RemoteApplication.objects.create(
                group=group,
                mode=mode,
                host_member=member.code,
                host_member_name=member.name,
                item_uuid=part.item_uuid,
                item_name=part.item_name[:200],
                department_name=part.department_name[:200],
                applicant_user_id=applicant.user_id,
                applicant_name=applicant.name,
                applicant_id_masked=mask_id_number(applicant.id_number),
                submitted_by=submitted_by,
                collected=collected or {},
                receipt_no=(collected or {}).get("receipt_no", ""),
                consent_at=now,
                form_data=part.form_data,
                delivery_method=delivery_method,
            )
            described = []
            for key, (name, content) in sorted(part.files.items()):
                digest = hashlib.sha256(content).hexdigest()
                stored = RemoteApplicationFile(
                    application=row, key=key, name=name[:200], sha256=digest, size=len(content)
                )
                stored.file.save(f"{row.uuid}-{key}", ContentFile(content), save=False)
                stored.save()
                described.append({"key": key, "name": name[:200], "sha256": digest, "size": len(content)})
            send(
                to=member.code,
                type="case.submit",
                correlation=row.uuid,
                body={
                    "ref": str(row.uuid),
                    "group": str(group) if group else None,
                    "mode": mode,
                    "item_uuid": str(part.item_uuid),
                    "applicant": {
                        "subject": applicant.subject,
                        "id_kind": applicant.id_kind,
                        "id_number": applicant.id_number,
                        "name": applicant.name,
                        "level": applicant.level,
                    },
                    "form_data": part.form_data,
                    "files": described,
                    "delivery_method": delivery_method,
                    "collected": collected or None,
                },
            )
            rows.append(row)
    return rows


def file_for_host(*, member: str, ref, key: str) -> RemoteApplicationFile:
    """A material of an application sent to ``member`` (the only one that may fetch it)."""
    found = (
        RemoteApplicationFile.objects.select_related("application")
        .filter(application__uuid=ref, application__host_member=member, key=key)
        .first()
    )
    if found is None:
        raise FederationRefused(FederationError.APPLICATION_NOT_FOUND, _("没有这份材料"), status=404)
    if found.fetched_at is None:
        RemoteApplicationFile.objects.filter(pk=found.pk).update(fetched_at=timezone.now())
    return found


@handles("case.event")
def case_event_arrived(message: InboundMessage) -> None:
    """An event of a case another member handles for an application made here: kept in order, once."""
    from tongban.federation.locks import lock_remote_application

    body = message.body
    row = lock_remote_application(ref=body.get("ref"), host=message.from_member)
    if row is None:
        logger.warning("case.event for an unknown application from %s", message.from_member)
        return
    seq = int(body["seq"])
    if any(e.get("seq") == seq for e in row.events):
        return
    event = {k: body.get(k) for k in ("seq", "action", "label", "department", "opinion", "at", "status")}
    row.events = sorted([*row.events, event], key=lambda e: e["seq"])
    if seq > row.last_seq:  # the case's state after the latest event
        row.last_seq = seq
        if body.get("status") in Status.values:
            row.status = body["status"]
        row.remote_case_number = str(body.get("case_number", ""))[:32]
        row.remote_case_uuid = body.get("case_uuid") or row.remote_case_uuid
        row.due_on = date.fromisoformat(body["due_on"]) if body.get("due_on") else row.due_on
    row.save()
    _tell(row, body.get("label") or body.get("action", ""))


@handles("case.rejected")
def case_rejected_arrived(message: InboundMessage) -> None:
    from tongban.federation.locks import lock_remote_application

    row = lock_remote_application(ref=message.body.get("ref"), host=message.from_member)
    if row is None or row.last_seq:
        return
    row.status = Status.REJECTED
    row.error = str(message.body.get("message", ""))[:500]
    row.save(update_fields=["status", "error", "updated_at"])
    _tell(row, str(_("对方未能接收申请")))


def _tell(row: RemoteApplication, what: str) -> None:
    if row.applicant_user_id is None:
        return
    from tongban.notifications.facade import notify

    notify(
        user_id=row.applicant_user_id,
        title=_("跨省办件进度"),
        body=_("%(member)s「%(item)s」：%(what)s"),
        params={"member": row.host_member_name, "item": row.item_name, "what": what},
        link=f"/csj/applications/{row.uuid}/",
        sms=False,
    )


def result_fetch(row: RemoteApplication) -> bytes | None:
    """The case's sealed result from the member that handles it (kept here once fetched): 异地打印."""
    if row.result_document:
        return bytes(row.result_document)
    from tongban.federation.services import member_call

    answer = member_call(row.host_member, "GET", f"/api/federation/cases/{row.uuid}/result")
    if not answer.ok or not answer.data.get("document"):
        return None
    pdf = base64.b64decode(answer.data["document"])
    RemoteApplication.objects.filter(pk=row.pk).update(result_document=pdf, result_fetched_at=timezone.now())
    return pdf


# --- the member that handles the case ---------------------------------------------------------------------------------
@handles("case.submit")
def case_submit_arrived(message: InboundMessage) -> None:
    """Open the case of an application another member sent: link the applicant by ID number, fetch and check
    the materials, open the case. What the case's checks refuse goes back as ``case.rejected``; a partner
    that does not hand over a material leaves the message to be tried again."""
    from tongban.accounts.facade import person_link_federated
    from tongban.cases.facade import case_submit_federated

    body = message.body
    origin = trust.require_current().member(message.from_member)
    applicant = body["applicant"]
    try:
        with transaction.atomic():
            user_id, person_uuid, level = person_link_federated(
                member=message.from_member,
                subject=str(applicant["subject"]),
                id_kind=str(applicant["id_kind"]),
                id_number=str(applicant["id_number"]),
                real_name=str(applicant["name"]),
                assurance_level=int(applicant["level"]),
            )
            files = {
                f["key"]: (f["name"], _fetch_file(message.from_member, body["ref"], f)) for f in body["files"]
            }
            case_submit_federated(
                origin_member=message.from_member,
                origin_label=origin.name,
                origin_ref=str(body["ref"]),
                mode=str(body["mode"]),
                user_id=user_id,
                person_uuid=person_uuid,
                level=level,
                target_uuid=str(body["item_uuid"]),
                form_data=body.get("form_data") or {},
                files=files,
                delivery_method=str(body.get("delivery_method") or "online"),
                collected=body.get("collected"),
            )
    except DomainError as exc:
        send(
            to=message.from_member,
            type="case.rejected",
            correlation=message.correlation,
            body={
                "ref": str(body["ref"]),
                "code": str(exc.code),
                "message": str(exc.message),
                "details": _safe(exc.details),
            },
        )


def _safe(details: dict) -> dict:
    return {k: v for k, v in details.items() if isinstance(v, str | int | list | dict) and k != "id_number"}


def _fetch_file(member: str, ref: str, described: dict) -> bytes:
    from tongban.federation.services import member_call

    answer = member_call(member, "GET", f"/api/federation/applications/{ref}/files/{described['key']}")
    if not answer.ok:
        raise RuntimeError(f"material {described['key']} not handed over: {answer.status}")
    content = base64.b64decode(answer.data.get("content", ""))
    if hashlib.sha256(content).hexdigest() != described["sha256"]:
        raise RuntimeError(f"material {described['key']}: digest differs")
    return content


def case_event_receiver(sender, case, event, **kwargs) -> None:
    """Every event of a case another member sent here goes back to it, in the event's transaction (the
    supervision's 督办 is staff's alone and stays here)."""
    if event.action == "urge":
        return
    from tongban.cases.facade import federated_event_view

    view = federated_event_view(case, event)
    send(
        to=case.origin_member,
        type="case.event",
        correlation=case.origin_ref,
        body={"ref": str(case.origin_ref), **view},
    )


def result_for_origin(*, member: str, ref) -> dict:
    from tongban.cases.facade import case_result_for_origin

    found = case_result_for_origin(origin_member=member, origin_ref=ref)
    if found is None:
        raise FederationRefused(FederationError.APPLICATION_NOT_FOUND, _("没有这份申请"), status=404)
    status, filename, document = found
    return {
        "status": status,
        "filename": filename,
        "document": base64.b64encode(document).decode() if document else None,
    }
