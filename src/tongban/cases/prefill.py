"""An application form filled in from who is applying (免填写): the signed-in person's name, ID number (shown
masked, put back on submission) and phone, or the enterprise's name and USCC from the register; fields the
schema has under the names the catalog uses. What the applicant typed (a draft, a refused submission) wins."""

from __future__ import annotations

from tongban.accounts.facade import Principal
from tongban.core.actors import Actor
from tongban.core.identifiers import mask_id_number

PERSON_NAME_FIELDS = ("applicant_name", "legal_representative")
PHONE_FIELDS = ("contact_phone", "phone")
ID_NUMBER_FIELDS = ("id_number",)
ENTERPRISE_NAME_FIELDS = ("company_name", "organisation_name")
USCC_FIELDS = ("uscc",)


def _fields(schema: dict) -> dict:
    return schema.get("properties") or {}


def prefill_values(schema: dict, principal: Principal | None, actor: Actor) -> dict:
    """The values the form starts with for ``principal`` (the applicant chosen on the page)."""
    fields = _fields(schema)
    values: dict = {}

    def put(keys, value):
        for key in keys:
            if key in fields and value and fields[key].get("type", "string") == "string":
                values[key] = value

    put(PHONE_FIELDS, actor.phone)
    if principal is None:
        return values
    if principal.kind == "person":
        put(PERSON_NAME_FIELDS, principal.name)
        put(ID_NUMBER_FIELDS, mask_id_number(principal.holder_code))
    else:
        put(ENTERPRISE_NAME_FIELDS, principal.name)
        put(USCC_FIELDS, principal.holder_code)
    return values


def identity_restored(schema: dict, data: dict, principal: Principal | None) -> dict:
    """The form as posted, with an ID number left as the masked one the page showed replaced by the
    principal's own (the page never carries the whole number)."""
    if principal is None or principal.kind != "person" or not principal.holder_code:
        return data
    masked = mask_id_number(principal.holder_code)
    restored = dict(data)
    for key in ID_NUMBER_FIELDS:
        if key in _fields(schema) and restored.get(key) == masked:
            restored[key] = principal.holder_code
    return restored
