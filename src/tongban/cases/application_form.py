"""The application form of an item or a bundle, defined by its JSON Schema: the fields the page renders
(``fields_of``), the values read back from a posted page (``read_posted``), and the server's validation of
the data with the same schema (``validate_form``)."""

from __future__ import annotations

from dataclasses import dataclass

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
    except SchemaError as exc:  # a catalog error, not the applicant's
        raise InvalidInput(
            CaseError.FORM_SCHEMA_INVALID, _("事项的申请表定义有误，请联系事项管理员")
        ) from exc
    if errors:
        raise InvalidInput(CaseError.FORM_INVALID, _("申请表填写有误"), errors=errors)


@dataclass(frozen=True)
class Field:
    key: str
    title: str
    widget: str  # text | number | date | select | checkboxes
    required: bool
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    step: str = "any"


def fields_of(schema: dict) -> list[Field]:
    required = set(schema.get("required") or ())
    out = []
    for key, prop in (schema.get("properties") or {}).items():
        kind = prop.get("type")
        title = prop.get("title") or key
        if kind == "array":
            choices = tuple((prop.get("items") or {}).get("enum") or ())
            out.append(Field(key, title, "checkboxes", key in required, choices))
        elif prop.get("enum"):
            out.append(Field(key, title, "select", key in required, tuple(prop["enum"])))
        elif kind in ("number", "integer"):
            out.append(Field(key, title, "number", key in required, step="1" if kind == "integer" else "any"))
        elif prop.get("format") == "date":
            out.append(Field(key, title, "date", key in required))
        else:
            out.append(Field(key, title, "text", key in required, max_length=prop.get("maxLength")))
    return out


def read_posted(schema: dict, post) -> dict:
    """Form values from a POST (a QueryDict), typed as the schema says; empty values are left out so that
    "required" reports them. A number that does not parse is kept as text: the schema check names it."""
    data = {}
    for key, prop in (schema.get("properties") or {}).items():
        name = f"f_{key}"
        kind = prop.get("type")
        if kind == "array":
            values = [v for v in post.getlist(name) if v]
            if values:
                data[key] = values
            continue
        raw = (post.get(name) or "").strip()
        if raw == "":
            continue
        if kind in ("number", "integer"):
            try:
                number = float(raw)
                data[key] = int(number) if number.is_integer() else number
            except ValueError:
                data[key] = raw
        else:
            data[key] = raw
    return data
