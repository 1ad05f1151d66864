"""The application form: validated on the server with the same JSON Schema the page renders from."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from tongban.core.errors import InvalidInput

MAX_FORM_BYTES = 64 * 1024


def validate_form(schema: dict, data) -> None:
    """Refuse form data that fails the schema, listing every field at once (422 ``form_invalid``)."""
    if not isinstance(data, dict):
        raise InvalidInput(
            "form_invalid", _("申请表须为对象"), errors=[{"field": "", "message": "not an object"}]
        )
    if len(repr(data)) > MAX_FORM_BYTES:
        raise InvalidInput("form_too_large", _("申请表内容过长"))
    try:
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        found = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    except SchemaError as exc:  # a catalogue error, not the applicant's
        raise InvalidInput("form_schema_invalid", _("事项的申请表定义有误，请联系事项管理员")) from exc
    if found:
        errors = []
        for error in found:
            path = ".".join(str(p) for p in error.absolute_path)
            if error.validator == "required":
                path = error.message.split("'")[1] if "'" in error.message else path
            errors.append({"field": path, "rule": error.validator, "message": error.message})
        raise InvalidInput("form_invalid", _("申请表填写有误"), errors=errors)
