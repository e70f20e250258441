"""Regenerate ``means.json``: the JSON means of every bundled scenario at ``-r 3``.

Run only on purpose (a change meant to move the numbers), and say why in the commit:
    python tests/golden/regenerate.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
REPLICATIONS = 3


def bundled_scenarios() -> dict[str, "ccsim.Scenario"]:
    """Every bundled scenario, and each variant of those that have ``variants:``, by a stable key."""
    import ccsim

    out = {}
    for path in sorted((REPO / "scenarios").glob("*.yaml")):
        scenario = ccsim.load_scenario(path)
        out[path.name] = scenario.model_copy(update={"variants": {}})
        for name, variant in scenario.variants.items():
            out[f"{path.name}#{name}"] = variant
    return out


def means(scenario) -> dict[str, float | None]:
    """Every ``mean`` in the run's JSON, keyed by its path (``by_interval/3/calls/offered``)."""
    import ccsim

    result = ccsim.simulate(scenario, replications=REPLICATIONS, workers=1)
    out: dict[str, float | None] = {}

    def walk(node, prefix: str) -> None:
        if isinstance(node, dict):
            if "mean" in node and "ci95" in node:
                out[prefix] = node["mean"]
                return
            for key, value in node.items():
                walk(value, f"{prefix}/{key}" if prefix else key)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{prefix}/{i}")

    data = result.to_dict()
    for key in ("by_contact_type", "by_pool", "by_interval", "by_interval_pool"):
        walk(data[key], key)
    return out


def main() -> None:
    golden = {key: means(scenario) for key, scenario in bundled_scenarios().items()}
    (HERE / "means.json").write_text(json.dumps(golden, indent=0, sort_keys=True) + "\n")
    print(f"wrote {HERE / 'means.json'}: {len(golden)} scenarios", file=sys.stderr)


if __name__ == "__main__":
    main()
