"""The house's load-bearing walls, read from the import statements (ast, nothing is imported).

`functions/shared/` is the ground every capability stands on, so it imports none of them; the
composition root (`functions/bootstrap.py`) knows every capability, so only entrypoints (the modules
a Lambda or an operator starts from) may import it, never a service, port or adapter.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"

# Modules a request, event or operator enters through: they may ask the composition root for services.
ENTRYPOINTS = {"routes", "handlers", "events", "jobs", "cli", "authorizer"}


def module_name(path: Path) -> str:
    parts = path.relative_to(FUNCTIONS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top, inside functions or under TYPE_CHECKING alike."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def python_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_the_walk_finds_the_shared_modules_and_their_imports() -> None:
    shared = {module_name(path) for path in python_files(FUNCTIONS / "shared")}
    assert {"functions.shared.http", "functions.shared.dynamo", "functions.shared.settings"} <= shared
    assert "functions.shared.errors" in imported_modules(FUNCTIONS / "shared" / "http.py")


@pytest.mark.parametrize("path", python_files(FUNCTIONS / "shared"), ids=lambda path: path.name)
def test_shared_imports_no_capability(path: Path) -> None:
    upward = sorted(
        name for name in imported_modules(path)
        if name == "functions.bootstrap" or (name.startswith("functions.") and not name.startswith("functions.shared"))
    )
    assert not upward, f"{module_name(path)} reaches up into {upward}: shared/ stands on nothing above it"


def test_only_entrypoints_import_the_composition_root() -> None:
    offenders = sorted(
        module_name(path) for path in python_files(FUNCTIONS)
        if path.name != "bootstrap.py"
        and path.stem not in ENTRYPOINTS
        and any(name.startswith("functions.bootstrap") for name in imported_modules(path))
    )
    assert not offenders, f"{offenders} import functions.bootstrap: services, ports and adapters take what they need"


def test_an_upward_import_would_be_seen(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def later() -> None:\n    from functions.access.service import AccessPolicy\n")
    assert "functions.access.service" in imported_modules(probe)
