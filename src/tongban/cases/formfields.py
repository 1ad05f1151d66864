"""The application page's form, rendered from the same JSON Schema the server validates with: each
property becomes a field (text, number, date, choice, several choices), and posted values are read back to
the types the schema asks for."""

from __future__ import annotations

from dataclasses import dataclass


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
