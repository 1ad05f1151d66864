"""长三角 cross-region cases between members (`/api/federation/items…`, `/applications…`, `/cases…`;
docs/federation/protocol.md §6): each endpoint states who may call it — all are for other members, by a signed
request (`Authorization: TongbanMember <JWS>`)."""

from __future__ import annotations

import base64
from uuid import UUID

from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from tongban.core.schemas import responses
from tongban.federation.access import access_member
from tongban.federation.crossregion import file_for_host, result_for_origin
from tongban.federation.errors import FederationError, FederationRefused

router = Router(tags=["federation 长三角一网通办"])


class ItemsQuery(Schema):
    q: str = Field(default="", max_length=100, description="words of the item's name")


class RemoteItemOut(Schema):
    uuid: str
    name: str
    department_name: str
    promised_days: int


@router.get("/federation/items", response=responses({200: list[RemoteItemOut]}, 401, 403, 409), auth=None)
def federation_items(request, query: Query[ItemsQuery]):
    """This member's published items matching `q` (at most 20), for another member's portal or special window
    to apply for. Members only (a signed request)."""
    from tongban.catalog.facade import item_search

    access_member(request)
    return [
        {
            "uuid": h.uuid,
            "name": h.name,
            "department_name": h.department_name,
            "promised_days": h.promised_limit_days,
        }
        for h in item_search(query.q, limit=20)
    ]


class MaterialOut(Schema):
    key: str
    name: str
    required: bool
    upload: bool = Field(description="true: the applicant (or the collecting window) hands it in")


class ItemSpecOut(Schema):
    uuid: str
    name: str
    department_name: str
    promised_days: int
    legal_days: int
    required_assurance_level: int
    audience: list[str]
    form_schema: dict
    materials: list[MaterialOut]


@router.get(
    "/federation/items/{item_uuid}", response=responses({200: ItemSpecOut}, 401, 403, 404, 409), auth=None
)
def federation_item(request, item_uuid: UUID):
    """What an application for one of this member's items needs: its form (JSON Schema), its materials, its
    time limits and the assurance level it asks. Members only (a signed request); 404
    `federation_application_not_found` for an item that is not published."""
    from tongban.catalog.facade import application_target

    access_member(request)
    target = application_target("item", item_uuid)
    if target is None:
        raise FederationRefused(FederationError.APPLICATION_NOT_FOUND, _("没有这个事项"), status=404)
    return {
        "uuid": target.uuid,
        "name": target.name,
        "department_name": target.lead_department_name,
        "promised_days": target.promised_days,
        "legal_days": target.legal_days,
        "required_assurance_level": target.required_assurance_level,
        "audience": sorted(target.audience),
        "form_schema": target.form_schema,
        "materials": [
            {
                "key": m.key,
                "name": m.name,
                "required": m.required,
                # What this member obtains itself (its platform, shared data) is not asked of a person of another
                # member; a licence of its library they do not hold here is.
                "upload": m.source in ("upload", "licence") and not m.produced_by,
            }
            for m in target.materials
        ],
    }


class FileOut(Schema):
    key: str
    name: str
    sha256: str
    content: str = Field(description="base64")


@router.get(
    "/federation/applications/{ref}/files/{key}",
    response=responses({200: FileOut}, 401, 403, 404, 409),
    auth=None,
)
def federation_application_file(request, ref: UUID, key: str):
    """A material of an application this member sent to the caller (only that member may fetch it). Members
    only (a signed request)."""
    member = access_member(request)
    found = file_for_host(member=member.code, ref=ref, key=key)
    with found.file.open("rb") as fh:
        content = fh.read()
    return {
        "key": found.key,
        "name": found.name,
        "sha256": found.sha256,
        "content": base64.b64encode(content).decode(),
    }


class ResultOut(Schema):
    status: str
    filename: str
    document: str | None = Field(description="the sealed decision document (PDF), base64; null until sealed")


@router.get(
    "/federation/cases/{ref}/result", response=responses({200: ResultOut}, 401, 403, 404, 409), auth=None
)
def federation_case_result(request, ref: UUID):
    """The state and sealed result of the case opened here for the caller's application `ref` (only the member
    that sent it may ask): what it prints at its window (异地打印) or gives its applicant. Members only."""
    member = access_member(request)
    return result_for_origin(member=member.code, ref=ref)
