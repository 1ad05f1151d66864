"""The catalog quality rules (docs/domain/catalog.md §4) run when a version is published: every violation
is listed."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tongban.catalog.constants import HandlingForm, OnlineDepth


@dataclass(frozen=True)
class Violation:
    rule: str
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"rule": self.rule, "field": self.field, "message": str(self.message)}


def quality_check(version, materials=()) -> list[Violation]:
    v = version
    found: list[Violation] = []

    def add(rule, field, message):
        found.append(Violation(rule, field, message))

    courier = HandlingForm.COURIER in (v.handling_forms or [])
    if v.visits == 0 and v.online_depth != OnlineDepth.IV and not courier:
        add(
            "zero_visits_needs_online_or_courier",
            "visits",
            _("到办事现场次数为0的事项，须全程网办（Ⅳ级）或支持快递申请"),
        )
    if v.online_depth == OnlineDepth.IV and v.visits != 0:
        add("fully_online_means_zero_visits", "visits", _("全程网办（Ⅳ级）事项的到办事现场次数必须为0"))
    if v.visits > 0 and not (v.visits_reason or "").strip():
        add("visits_need_reason", "visits_reason", _("到办事现场次数不为0时，须说明必须现场办理的原因"))
    if v.fee_charged and not (v.fee_basis or "").strip():
        add("fee_needs_basis", "fee_basis", _("收费事项须填写收费依据"))
    if v.fee_charged and v.fee_amount is None:
        add("fee_needs_amount", "fee_amount", _("收费事项须填写收费金额"))
    if v.promised_limit_days > v.legal_limit_days:
        add("promised_within_legal", "promised_limit_days", _("承诺办结时限不能超过法定办结时限"))
    consult, supervise = (v.consultation_phone or "").strip(), (v.supervision_phone or "").strip()
    if not consult:
        add("consultation_phone_required", "consultation_phone", _("须填写咨询电话"))
    if not supervise:
        add("supervision_phone_required", "supervision_phone", _("须填写监督电话"))
    if consult and supervise and consult == supervise:
        add("phones_differ", "supervision_phone", _("咨询电话与监督电话不能相同"))
    if not v.handling_forms:
        add("handling_forms_required", "handling_forms", _("须至少有一种办理形式"))
    if not v.service_objects:
        add("service_objects_required", "service_objects", _("须填写服务对象"))
    if v.form_schema and v.form_schema.get("type") != "object":
        add("form_schema_object", "form_schema", _("申请表须为 type 为 object 的 JSON Schema"))
    for m in materials:
        if m.source == "licence" and not m.licence_type_code:
            add("licence_material_needs_type", f"materials.{m.key}", _("来源为电子证照的材料须指明证照类型"))
    return found
