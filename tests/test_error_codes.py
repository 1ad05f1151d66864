"""Error codes: each context lists its codes in an ``ErrorCode`` enum (``errors.py``); errors are raised with
a member, never a free string; and every code is documented in docs/api.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tongban.accounts.errors import AccountError
from tongban.cases.errors import CaseError
from tongban.catalog.errors import CatalogError
from tongban.core.errors import CoreError, DomainError, ErrorCode, InvalidInput
from tongban.federation.errors import FederationError
from tongban.frontdesk.errors import FrontdeskError
from tongban.licences.errors import LicenceError
from tongban.ratings.errors import RatingError
from tongban.seals.errors import SealError
from tongban.supervision.errors import SupervisionError

ROOT = Path(__file__).resolve().parents[1]
ENUMS = [
    AccountError,
    CaseError,
    CatalogError,
    CoreError,
    FederationError,
    FrontdeskError,
    LicenceError,
    RatingError,
    SupervisionError,
    SealError,
]


def test_every_context_has_its_enum_and_no_other_lists_codes():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    assert set(subclasses(ErrorCode)) == set(ENUMS)


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_every_code_is_documented_in_the_api_guide(enum):
    documented = set()
    for span in re.findall(r"`([^`]*)`", (ROOT / "docs" / "api.md").read_text()):
        documented |= set(re.findall(r"[a-z][a-z0-9_]*", span))
    assert sorted(code.value for code in enum if code.value not in documented) == []


def test_an_error_is_raised_with_a_member_never_a_free_string():
    with pytest.raises(TypeError, match="ErrorCode"):
        InvalidInput("made_up_code", "…")
    assert InvalidInput(CoreError.INVALID_INPUT).as_dict()["code"] == "invalid_input"


def _error_classes() -> set[str]:
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return {cls.__name__ for cls in subclasses(DomainError)} | {"DomainError"}


def test_no_source_file_passes_a_string_literal_as_a_code():
    """The runtime check catches the paths the tests run; this catches the others."""
    classes = _error_classes()
    found = []
    for path in (ROOT / "src" / "tongban").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if name in classes and isinstance(first, ast.Constant) and isinstance(first.value, str):
                if name == "InvalidTransition":  # its first argument is the action refused, not a code
                    continue
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}({first.value!r})")
    assert found == []
