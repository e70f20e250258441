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
