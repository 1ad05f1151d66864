""".env.example lists every environment variable the platform reads, and nothing it does not read.

The variables the code reads are found in its source, not by running it: every call of the env readers
(``env_str``, ``env_bool``, ``env_int``, ``env_list``) and every ``os.environ.get``, ``os.environ.setdefault``,
``os.environ[...]`` and ``os.getenv`` with a literal name, in every module under ``src/tongban``. The variables
of .env.example are its ``NAME=`` lines, commented out or not; docs/operations.md §1 documents each of them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "tongban"
EXAMPLE = ROOT / ".env.example"

ENV_READERS = {"env_str", "env_bool", "env_int", "env_list"}
ENVIRON_METHODS = {"get", "setdefault"}

# Listed in .env.example for developers, but read by the tools around the platform, not by it: each is
# checked to be read somewhere in the place named.
TOOL_ONLY = {
    "PYTHON": "the Makefile: the interpreter that makes .venv",
    "TEST_PG_URL": "the Makefile: the PostgreSQL of make test",
    "BENCH_DATABASE_URL": "bench/: the database of http_floor.py and catalog.py",
    "BENCH_CASES_DATABASE_URL": "bench/: the PostgreSQL of cases.py",
    "BENCH_LICENCES_DATABASE_URL": "bench/: the PostgreSQL of licences_verify.py",
    "BENCH_LICENCE_IMPORT_DATABASE_URL": "bench/: the PostgreSQL of licences_import.py",
    "TONGBAN_E2E_CHROMIUM": "tests/e2e: the browser the browser tests drive",
}
TOOL_PLACES = [ROOT / "Makefile", ROOT / "bench", ROOT / "tests", ROOT / "scripts"]

EXAMPLE_LINE = re.compile(r"^#?([A-Z][A-Z0-9_]*)=")


def _is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _reads_environment(func: ast.AST) -> bool:
    """Whether a call of ``func`` reads the environment with its first argument as the name."""
    if isinstance(func, ast.Name):
        return func.id in ENV_READERS
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr in ENV_READERS:  # env.env_int(…)
        return True
    if func.attr in ENVIRON_METHODS:  # os.environ.get(…), os.environ.setdefault(…)
        return _is_os_environ(func.value)
    return func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os"


def names_read(tree: ast.AST) -> set[str]:
    """The environment variable names a module's syntax tree reads with a literal name."""
    found: set[str] = set()
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Call) and node.args and _reads_environment(node.func):
            name = _literal(node.args[0])
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):  # os.environ[…]
            name = _literal(node.slice)
        if name:
            found.add(name)
    return found


def platform_variables() -> set[str]:
    found: set[str] = set()
    for path in sorted(SOURCE.rglob("*.py")):
        found |= names_read(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return found


def example_variables() -> list[str]:
    return [
        m.group(1)
        for line in EXAMPLE.read_text(encoding="utf-8").splitlines()
        if (m := EXAMPLE_LINE.match(line))
    ]


def test_the_source_scan_finds_each_way_of_reading_a_variable():
    tree = ast.parse(
        "import os\n"
        "from tongban.core import env\n"
        "a = env_str('A_STR', '')\n"
        "b = env.env_int('B_INT', 0)\n"
        "c = os.environ.get('C_GET')\n"
        "d = os.environ['D_ITEM']\n"
        "os.environ.setdefault('E_DEFAULT', 'x')\n"
        "f = os.getenv('F_GETENV')\n"
        "g = os.environ.get(name)\n"  # not a literal: the reader itself
        "h = settings.get('H_NOT_ENV')\n"
    )
    assert names_read(tree) == {"A_STR", "B_INT", "C_GET", "D_ITEM", "E_DEFAULT", "F_GETENV"}


def test_every_variable_the_platform_reads_is_in_env_example_and_nothing_else():
    read = platform_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "TONGBAN_BIND", "TONGBAN_WEB_WORKERS"} <= read  # the scan works
    listed = example_variables()
    assert len(listed) == len(set(listed)), sorted({n for n in listed if listed.count(n) > 1})
    missing = read - set(listed)
    assert not missing, f"read by the platform but not in .env.example: {sorted(missing)}"
    unknown = set(listed) - read - set(TOOL_ONLY)
    assert not unknown, f"in .env.example but read by nothing: {sorted(unknown)}"


def test_the_tool_only_variables_are_listed_and_read_by_their_tools():
    listed = set(example_variables())
    tool_text = "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for place in TOOL_PLACES
        for path in ([place] if place.is_file() else sorted(place.rglob("*")))
        if path.is_file() and path.suffix in {"", ".py", ".sh", ".mk"} and path != Path(__file__)
    )
    for name, where in TOOL_ONLY.items():
        assert name in listed, f"{name} ({where}) is not in .env.example"
        assert name not in platform_variables(), f"{name} is read by the platform: not a tool-only variable"
        assert re.search(rf"\b{name}\b", tool_text), f"{name} is read by nothing in {where}"


def test_the_operations_guide_documents_every_variable():
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    undocumented = [name for name in example_variables() if f"`{name}`" not in guide]
    assert not undocumented, f"not in docs/operations.md: {undocumented}"
