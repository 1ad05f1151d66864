"""A refused application or supplement as a page shows it: the message for each field and each material (shown
next to it, ``aria-describedby``), a summary at the top linking to them in the order of the page, and the
problems that belong to no field. Only sentences a person reads: never a machine code."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from tongban.core.errors import DomainError


@dataclass
class PageErrors:
    message: str = ""
    fields: dict[str, str] = field(default_factory=dict)  # form field key → message
    materials: dict[str, str] = field(default_factory=dict)  # material key → message
    summary: list[tuple[str, str]] = field(default_factory=list)  # (anchor id or "", text)

    def __bool__(self) -> bool:
        return bool(self.message or self.summary)


def _problem_text(problem: dict) -> str:
    message = problem.get("message")
    if message:
        return str(message)
    if problem.get("code") == "unknown_material":
        return _("未知的申请材料")
    return _("材料不符合要求")


def page_errors(exc: DomainError, *, field_keys=(), materials=()) -> PageErrors:
    """``field_keys``: the form's keys in page order; ``materials``: the material specs shown (key, name)."""
    out = PageErrors(message=str(exc.message))
    for error in exc.details.get("errors", []):
        key = str(error.get("field") or "").split(".")[0]
        out.fields.setdefault(key, str(error.get("message") or ""))
    names = {}
    for problem in exc.details.get("problems", []):
        key = problem.get("field")
        if key:
            out.materials.setdefault(key, _problem_text(problem))
            names[key] = problem.get("name") or key
    loose = []
    for key in [*field_keys, *(k for k in out.fields if k not in field_keys)]:
        if key in out.fields:
            anchor = f"f_{key}" if key in field_keys else ""
            out.summary.append((anchor, out.fields[key]))
    shown = [m.key for m in materials]
    for key in [*shown, *(k for k in out.materials if k not in shown)]:
        if key in out.materials:
            text = _("「%(name)s」：%(message)s") % {"name": names[key], "message": out.materials[key]}
            out.summary.append((f"m_{key}" if key in shown else "", text))
    for problem in exc.details.get("problems", []):
        if not problem.get("field"):
            loose.append(_problem_text(problem))
    out.summary.extend(("", text) for text in loose)
    return out


def problem_lines(exc: DomainError) -> list[str]:
    """The lines a person reads for a refused action (flash messages): the message, then every field or
    material problem, each a sentence that names its field."""
    lines = [str(exc.message)]
    for error in exc.details.get("errors", []):
        lines.append(str(error.get("message") or ""))
    for problem in exc.details.get("problems", []):
        text = _problem_text(problem)
        if problem.get("name"):
            text = _("「%(name)s」：%(message)s") % {"name": problem["name"], "message": text}
        lines.append(text)
    return [line for line in lines if line]
