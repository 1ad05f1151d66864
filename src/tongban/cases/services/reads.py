"""Reads that are recorded: staff opening a case, anyone opening a material file. Each is an audit event the
applicant sees in 谁使用了我的信息, the same whether the page or the API read it."""

from __future__ import annotations

from tongban.cases.errors import MaterialNotFound
from tongban.cases.models import Case, CaseMaterial
from tongban.core.actors import Actor
from tongban.core.audit import audit_record


def case_staff_read(*, actor: Actor, case: Case) -> None:
    """Staff opened ``case`` (already fetched through ``access_case_for_staff``)."""
    audit_record(actor=actor, action="case.staff_view", object_type="case", object_id=case.uuid)


def case_material_open(*, actor: Actor, case: Case, key: str) -> CaseMaterial:
    """The stored file of the material ``key`` of ``case`` (fetched through an access function), its read
    recorded; 404 ``material_not_found`` when there is no file."""
    material = CaseMaterial.objects.filter(case=case, key=key).exclude(file="").first()
    if material is None:
        raise MaterialNotFound()
    audit_record(
        actor=actor,
        action="case.material_view",
        object_type="case",
        object_id=case.uuid,
        after={"material": key},
    )
    return material
