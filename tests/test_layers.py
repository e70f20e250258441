"""The import layers hold: data flows one way, and no module imports one above it.

The contracts live in pyproject.toml (``[tool.importlinter]``); a new arrow running back up fails
here. ``cli.py`` is a top-level module, not a package import-linter can analyse, so the rule that
nothing in the library imports it is checked directly.
"""

from __future__ import annotations

import ast

from importlinter.cli import lint_imports

from conftest import REPO


def test_import_linter_contracts_are_kept():
    assert lint_imports(config_filename=str(REPO / "pyproject.toml")) == 0, "run lint-imports to see which import breaks a layer"


def test_the_library_never_imports_the_cli():
    offenders = []
    for path in (REPO / "ccsim").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            if any(name == "cli" or name.startswith("cli.") for name in names):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not offenders, offenders
