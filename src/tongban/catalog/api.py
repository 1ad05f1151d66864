"""The public catalog: published items and their guides (办事指南). Anyone may read them."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tongban.accounts.facade import organisation_list
from tongban.catalog.errors import BundleNotFound, ItemNotFound
from tongban.catalog.search import search_bundles
from tongban.catalog.selectors import (
    Browse,
    bundle_list_all,
    published_version_browse,
    published_version_get,
    published_version_list,
)
from tongban.catalog.services import catalog_search
from tongban.core.pagination import BoundedLimitOffsetPagination
from tongban.core.schemas import responses

router = Router(tags=["catalog"])


class ItemSummaryOut(Schema):
    uuid: UUID
    implementation_code: str
    basic_code: str
    name: str
    department_name: str
    legal_limit_days: int
    promised_limit_days: int
    visits: int
    online_depth: int

    @staticmethod
    def of(v) -> dict:
        return {
            "uuid": v.item.uuid,
            "implementation_code": v.item.implementation_code,
            "basic_code": v.item.basic_code,
            "name": v.name,
            "department_name": v.department_name,
            "legal_limit_days": v.legal_limit_days,
            "promised_limit_days": v.promised_limit_days,
            "visits": v.visits,
            "online_depth": v.online_depth,
        }


class ItemMaterialOut(Schema):
    key: str
    name: str
    required: bool
    originals: int
    copies: int
    format: str
    source: str
    exempt_when_obtainable: bool
    acceptance_standard: str


class ItemGuideOut(ItemSummaryOut):
    version: int
    published_at: datetime | None
    item_type: str
    case_type: str
    handling_forms: list[str]
    fee_charged: bool
    fee_basis: str
    fee_amount: str | None
    service_objects: list[str]
    locations: str
    hours: str
    consultation_phone: str
    supervision_phone: str
    acceptance_conditions: str
    result_name: str
    result_kind: str
    required_assurance_level: int
    faq: list[dict]
    form_schema: dict
    materials: list[ItemMaterialOut]


class ItemQuery(Schema):
    q: str = Field(default="", max_length=100, description="名称、同义词、拼音或拼音首字母、部门、主题")
    audience: Literal["", "person", "organisation"] = Field(default="", description="服务对象：个人或法人")
    theme: str = Field(default="", max_length=50, description="主题（出生、就业、开办企业……）")
    department: UUID | None = Field(default=None, description="实施部门")
    district: UUID | None = Field(default=None, description="区县：其下各部门实施的事项")
    zero_visits: bool = Field(default=False, description="只列零跑动事项")
    fully_online: bool = Field(default=False, description="只列全程网办（Ⅳ级）事项")


@router.get("/catalog/items", response=responses({200: list[ItemSummaryOut]}), auth=None)
@paginate(BoundedLimitOffsetPagination)
def item_list(request, filters: Query[ItemQuery]):
    """Published items: by name, or those matching `q` best first (the same search as the portal), narrowed
    by audience, theme, department or district, 零跑动 and 全程网办. A search with no result and no filter is
    recorded. Public."""
    browse = browse_from(filters)
    within = published_version_browse(browse) if browse != Browse() else None
    if filters.q.strip():
        # Ranked ids; only the requested page is fetched and turned into summaries.
        return Mapped(catalog_search(query=filters.q, within=within), ItemSummaryOut.of)
    return Mapped(within if within is not None else published_version_list(), ItemSummaryOut.of)


class Mapped:
    """A sequence (a queryset or ranked search results) whose slices come out mapped by ``to``: the
    paginator counts it and slices one page, so only that page is fetched and converted."""

    def __init__(self, items, to):
        self.items, self.to = items, to

    def __len__(self) -> int:
        return self.items.count() if isinstance(self.items, QuerySet) else len(self.items)

    def __getitem__(self, index):
        return [self.to(v) for v in self.items[index]]


def browse_from(filters) -> Browse:
    departments = None
    if filters.district is not None:
        departments = tuple(o.uuid for o in organisation_list(kind="department", under=filters.district))
    if filters.department is not None:
        wanted = str(filters.department)
        departments = (wanted,) if departments is None or wanted in departments else ()
    return Browse(
        audience=filters.audience,
        theme=filters.theme.strip(),
        department_uuids=departments,
        zero_visits=filters.zero_visits,
        fully_online=filters.fully_online,
    )


@router.get("/catalog/items/{item_uuid}", response=responses({200: ItemGuideOut}, 404), auth=None)
def item_guide(request, item_uuid: UUID):
    """The guide of one published item: its current published version with its materials. Public."""
    v = published_version_get(item_uuid=item_uuid)
    if v is None:
        raise ItemNotFound()
    return {
        **ItemSummaryOut.of(v),
        "version": v.number,
        "published_at": v.published_at,
        "item_type": v.item_type,
        "case_type": v.case_type,
        "handling_forms": v.handling_forms,
        "fee_charged": v.fee_charged,
        "fee_basis": v.fee_basis,
        "fee_amount": str(v.fee_amount) if v.fee_amount is not None else None,
        "service_objects": v.service_objects,
        "locations": v.locations,
        "hours": v.hours,
        "consultation_phone": v.consultation_phone,
        "supervision_phone": v.supervision_phone,
        "acceptance_conditions": v.acceptance_conditions,
        "result_name": v.result_name,
        "result_kind": v.result_kind,
        "required_assurance_level": v.required_assurance_level,
        "faq": v.faq,
        "form_schema": v.form_schema,
        "materials": list(v.materials.all()),
    }


class BundleStepOut(Schema):
    key: str
    name: str
    item: UUID
    department_name: str
    budget_days: int
    depends_on: list[str]


class BundleMaterialOut(Schema):
    key: str
    name: str
    required: bool
    source: str
    obtained: bool = Field(description="平台通过电子证照库、共享数据获取或自行生成，申请人无需提交")
    items: list[str]


class BundleOut(Schema):
    uuid: UUID
    name: str
    theme: str
    audience: str
    lead_department_name: str
    description: str
    keywords: list[str]
    delivery_methods: list[str]
    figures: dict = Field(description="双减半指标：由计划和事项数据计算，非人工填写")
    form_schema: dict = Field(description="合并申请表：各事项表单按字段合并，同一字段只填一次")
    materials: list[BundleMaterialOut]
    steps: list[BundleStepOut]

    @staticmethod
    def of(bundle) -> dict:
        return {
            "uuid": bundle.uuid,
            "name": bundle.name,
            "theme": bundle.theme,
            "audience": bundle.audience,
            "lead_department_name": bundle.lead_department_name,
            "description": bundle.description,
            "keywords": bundle.keywords,
            "delivery_methods": bundle.delivery_methods,
            "figures": bundle.figures,
            "form_schema": bundle.form_schema,
            "materials": bundle.materials,
            "steps": [
                {
                    "key": s.key,
                    "name": s.name,
                    "item": s.item_version.item.uuid,
                    "department_name": s.department_name,
                    "budget_days": s.budget_days,
                    "depends_on": s.depends_on,
                }
                for s in bundle.steps.all()
            ],
        }


class BundleQuery(Schema):
    q: str = Field(default="", max_length=100, description="名称、关键词、主题，拼音或拼音首字母")


@router.get("/catalog/bundles", response=responses({200: list[BundleOut]}), auth=None)
def bundle_list(request, filters: Query[BundleQuery]):
    """Every bundle (一件事), or those matching `q` best first, with its plan, combined form, merged
    materials and computed 双减半 figures. Public."""
    if filters.q.strip():
        found = {b.pk for b in search_bundles(filters.q)}
        return [BundleOut.of(b) for b in bundle_list_all().filter(pk__in=found)]
    return [BundleOut.of(b) for b in bundle_list_all()]


@router.get("/catalog/bundles/{bundle_uuid}", response=responses({200: BundleOut}, 404), auth=None)
def bundle_get(request, bundle_uuid: UUID):
    """One bundle with its plan and computed 双减半 figures. Public."""
    bundle = bundle_list_all().filter(uuid=bundle_uuid).first()
    if bundle is None:
        raise BundleNotFound()
    return BundleOut.of(bundle)
