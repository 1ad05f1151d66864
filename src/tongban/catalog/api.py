"""The public catalogue: published items and their guides (办事指南). Anyone may read them."""

from datetime import datetime
from uuid import UUID

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tongban.catalog.errors import BundleNotFound, ItemNotFound
from tongban.catalog.selectors import bundle_list_all, published_version_get, published_version_list
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


class MaterialOut(Schema):
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
    materials: list[MaterialOut]


class ItemQuery(Schema):
    q: str = Field(default="", max_length=100, description="名称、同义词、拼音或拼音首字母、部门、主题")


@router.get("/catalog/items", response=responses({200: list[ItemSummaryOut]}), auth=None)
@paginate(BoundedLimitOffsetPagination)
def item_list(request, filters: Query[ItemQuery]):
    """Published items: all by name, or those matching `q` best first (the same search as the portal).
    A search with no result is recorded. Public."""
    if filters.q.strip():
        return [ItemSummaryOut.of(v) for v in catalog_search(query=filters.q)]
    return [ItemSummaryOut.of(v) for v in published_version_list()]


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


class BundleOut(Schema):
    uuid: UUID
    name: str
    theme: str
    audience: str
    lead_department_name: str
    figures: dict
    steps: list[BundleStepOut]

    @staticmethod
    def of(bundle) -> dict:
        return {
            "uuid": bundle.uuid,
            "name": bundle.name,
            "theme": bundle.theme,
            "audience": bundle.audience,
            "lead_department_name": bundle.lead_department_name,
            "figures": bundle.figures,
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


@router.get("/catalog/bundles", response=responses({200: list[BundleOut]}), auth=None)
def bundle_list(request):
    """Every bundle (一件事) with its plan and computed 双减半 figures. Public."""
    return [BundleOut.of(b) for b in bundle_list_all()]


@router.get("/catalog/bundles/{bundle_uuid}", response=responses({200: BundleOut}, 404), auth=None)
def bundle_get(request, bundle_uuid: UUID):
    """One bundle with its plan and computed 双减半 figures. Public."""
    bundle = bundle_list_all().filter(uuid=bundle_uuid).first()
    if bundle is None:
        raise BundleNotFound()
    return BundleOut.of(bundle)
