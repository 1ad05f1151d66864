"""Data checked against a JSON Schema (Draft 2020-12, with formats): every problem at once, by field, each
with a sentence a person can read (``tongban.core.schema_messages``)."""

from __future__ import annotations

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from tongban.core.schema_messages import error_field, error_message, field_title

__all__ = ["SchemaError", "schema_errors"]


def schema_errors(schema: dict, data) -> list[dict]:
    """``[{"field", "title", "rule", "message"}, …]`` for ``data`` (empty when it passes), in the request's
    language; SchemaError when the schema itself is broken."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    found = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    errors = []
    for error in found:
        path = error_field(error)
        errors.append(
            {
                "field": ".".join(str(p) for p in path),
                "title": field_title(schema, path),
                "rule": error.validator,
                "message": error_message(schema, error),
            }
        )
    return errors
