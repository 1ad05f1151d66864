"""Reads that are recorded: staff opening a case, anyone opening a material file. Each is an audit event the
applicant sees in 谁使用了我的信息, the same whether the page or the API read it."""

from __future__ import annotations

from tongban.accounts.facade import person_user_id
from tongban.cases.constants import ApplicantKind
from tongban.cases.errors import MaterialNotFound
from tongban.cases.events import acting_organisation
from tongban.cases.models import Case, CaseMaterial
from tongban.core.actors import Actor
from tongban.core.audit import audit_purpose, audit_record


def _read_by_staff(actor: Actor, case: Case, purpose: dict) -> dict:
    """What a read of the applicant's data records for them (谁使用了我的信息): whose data it is — the
    applicant's, when a person — the organisation the reader acted for, and the purpose."""
    return {
        "subject_user_id": person_user_id(case.applicant_uuid)
        if case.applicant_kind == ApplicantKind.PERSON
        else None,
        "after_extra": {"organisation": acting_organisation(case, actor), **purpose},
    }


def case_staff_read(*, actor: Actor, case: Case) -> None:
    """Staff opened ``case`` (already fetched through ``access_case_for_staff``)."""
    read = _read_by_staff(actor, case, audit_purpose("case.staff_view", number=case.number, name=case.name))
    audit_record(
        actor=actor,
        action="case.staff_view",
        object_type="case",
        object_id=case.uuid,
        after=read["after_extra"],
        subject_user_id=read["subject_user_id"],
    )


def case_material_open(*, actor: Actor, case: Case, key: str) -> CaseMaterial:
    """The stored file of the material ``key`` of ``case`` (fetched through an access function), its read
    recorded; 404 ``material_not_found`` when there is no file."""
    material = CaseMaterial.objects.filter(case=case, key=key).exclude(file="").first()
    if material is None:
        raise MaterialNotFound()
    staff = bool(actor.memberships)  # the applicant opening their own file is no one else's use
    read = (
        _read_by_staff(
            actor,
            case,
            audit_purpose("case.material_view", number=case.number, material=material.name),
        )
        if staff
        else {"subject_user_id": None, "after_extra": {}}
    )
    audit_record(
        actor=actor,
        action="case.material_view",
        object_type="case",
        object_id=case.uuid,
        after={"material": key, **read["after_extra"]},
        subject_user_id=read["subject_user_id"],
    )
    return material
