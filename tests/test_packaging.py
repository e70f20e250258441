"""A plain (non-editable) install must carry every subpackage and the bundled scenarios."""

from __future__ import annotations

import tomllib

from conftest import REPO


def test_every_subpackage_is_listed_for_installation():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(REPO).parts)
        for p in (REPO / "ccsim").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert on_disk <= listed, f"add to [tool.setuptools] packages: {sorted(on_disk - listed)}"
    assert config["package-dir"]["ccsim.scenarios"] == "scenarios"
    assert (REPO / "scenarios" / "default.yaml").exists()


#: The module each declared dependency is imported as, where the names differ.
IMPORT_NAMES = {"pyyaml": "yaml"}


def test_every_module_imported_at_load_is_a_declared_dependency():
    """A fresh install has only the declared dependencies: a module imported at the top of the
    library or the CLI that arrives in the development environment through another package (click
    through dask or mkdocs, say) breaks the README's quick start on a clean machine."""
    import ast
    import re
    import sys

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower() for d in declared}
    allowed = {IMPORT_NAMES.get(n, n) for n in names} | set(sys.stdlib_module_names) | {"ccsim", "cli", "__future__"}
    offenders = []
    for path in [REPO / "cli.py", *(REPO / "ccsim").rglob("*.py")]:
        tree = ast.parse(path.read_text(), str(path))
        top = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
        top += [node for block in tree.body if isinstance(block, ast.Try) for node in block.body if isinstance(node, (ast.Import, ast.ImportFrom))]
        for node in top:
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module] if not node.level else []
            offenders += [f"{path.relative_to(REPO)}:{node.lineno} {m}" for m in modules if m.split(".")[0] not in allowed]
    assert not offenders, f"imported at load but not a declared dependency: {offenders}"
