"""When a window gives a squatted identity back to its owner, the cases made in that identity's name go with
it (accounts sends ``identity_transferred`` inside the recovery's transaction)."""

from __future__ import annotations

from tongban.cases.models import Case


def identity_transferred_receiver(sender, *, from_person_uuid: str, to_person_uuid: str, **kwargs) -> None:
    Case.objects.filter(applicant_kind="person", applicant_uuid=from_person_uuid).update(
        applicant_uuid=to_person_uuid
    )
