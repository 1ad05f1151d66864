"""The application form: validated on the server with the same JSON Schema the page renders from."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tongban.cases.errors import CaseError
from tongban.core.errors import InvalidInput
from tongban.core.jsonschemas import SchemaError, schema_errors

MAX_FORM_BYTES = 64 * 1024


def validate_form(schema: dict, data) -> None:
    """Refuse form data that fails the schema, listing every field at once (422 ``form_invalid``)."""
    if not isinstance(data, dict):
        raise InvalidInput(
            CaseError.FORM_INVALID, _("申请表须为对象"), errors=[{"field": "", "message": "not an object"}]
        )
    if len(repr(data)) > MAX_FORM_BYTES:
        raise InvalidInput(CaseError.FORM_TOO_LARGE, _("申请表内容过长"))
    try:
        errors = schema_errors(schema, data)
    except SchemaError as exc:  # a catalogue error, not the applicant's
        raise InvalidInput(
            CaseError.FORM_SCHEMA_INVALID, _("事项的申请表定义有误，请联系事项管理员")
        ) from exc
    if errors:
        raise InvalidInput(CaseError.FORM_INVALID, _("申请表填写有误"), errors=errors)
