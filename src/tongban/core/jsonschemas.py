"""Data checked against a JSON Schema (Draft 2020-12, with formats): every problem at once, by field."""

from __future__ import annotations

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

__all__ = ["SchemaError", "schema_errors"]


def schema_errors(schema: dict, data) -> list[dict]:
    """``[{"field", "rule", "message"}, …]`` for ``data`` (empty when it passes); SchemaError when the
    schema itself is broken."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    found = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    errors = []
    for error in found:
        path = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            path = error.message.split("'")[1] if "'" in error.message else path
        errors.append({"field": path, "rule": error.validator, "message": error.message})
    return errors
