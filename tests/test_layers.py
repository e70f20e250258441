"""The import layers hold: data flows one way, and no module imports one above it.

The contracts live in pyproject.toml (``[tool.importlinter]``); a new arrow running back up fails
here. ``cli.py`` is a top-level module, not a package import-linter can analyse, so the rule that
nothing in the library imports it is checked directly.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import REPO


def test_import_linter_contracts_are_kept():
    # in a process of its own: import-linter configures logging, which would silence other tests' loggers
    lint = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert lint.returncode == 0, lint.stdout[-3000:] + lint.stderr[-2000:]


def test_the_library_never_imports_the_cli():
    offenders = []
    for path in (REPO / "ccsim").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            if any(name == "cli" or name.startswith("cli.") for name in names):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not offenders, offenders
