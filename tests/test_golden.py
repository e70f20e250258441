"""The bundled scenarios' numbers do not move by accident.

``tests/golden/means.json`` holds every mean of the ``--json`` output of every bundled scenario
(and each of its variants) at three replications. A refactor must reproduce them to 1e-9; a
change meant to move them regenerates the file (``python tests/golden/regenerate.py``) and says
why in its commit.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(GOLDEN))
import regenerate  # noqa: E402

EXPECTED = json.loads((GOLDEN / "means.json").read_text())
SCENARIOS = regenerate.bundled_scenarios()


def test_golden_covers_every_bundled_scenario():
    assert sorted(SCENARIOS) == sorted(EXPECTED)


@pytest.mark.parametrize("key", sorted(SCENARIOS))
def test_means_unchanged(key):
    got = regenerate.means(SCENARIOS[key])
    want = EXPECTED[key]
    assert sorted(got) == sorted(want), "the JSON's set of figures changed"
    moved = [
        f"{path}: {want[path]!r} -> {got[path]!r}"
        for path in want
        if not (got[path] == want[path] or (got[path] is not None and want[path] is not None and math.isclose(got[path], want[path], rel_tol=1e-9, abs_tol=1e-9)))
    ]
    assert not moved, f"{len(moved)} figures moved, first: " + "; ".join(moved[:5])
