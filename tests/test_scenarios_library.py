"""Every file in scenarios/ is a working, self-explaining example: it validates, it runs with a few
replications, and it opens with a comment that says what the center is and what it teaches."""

from __future__ import annotations

from pathlib import Path

import pytest

import ccsim

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
FILES = sorted(SCENARIOS.glob("*.yaml"))


def test_the_library_is_there():
    names = {p.name for p in FILES}
    assert {"default.yaml", "team_of_8.yaml", "lesson_one_minute.yaml"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_scenario_validates_and_runs(path):
    scenario = ccsim.load_scenario(path)
    result = ccsim.simulate(scenario, replications=2, workers=1)
    assert result.replications == 2
    offered = sum(result.by_contact_type[t]["offered"].mean for t in scenario.type_names)
    answered = sum(result.by_contact_type[t]["answered"].mean for t in scenario.type_names)
    assert offered > 0, f"{path.name}: nobody arrived"
    assert answered > 0, f"{path.name}: nobody was answered"
    for variant in scenario.variants.values():
        assert variant.name  # each variant was merged and validated as a whole scenario


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_scenario_file_teaches(path):
    """The file opens with a comment of a few lines: what the center is, what to look at."""
    head = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        head.append(line)
    assert len(head) >= 3, f"{path.name}: start the file with a comment saying what it is and what it teaches"
