"""Every file in scenarios/ is a working, self-explaining example: it validates, it runs with a few
replications, and it opens with a comment that says what the center is and what it teaches."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

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


# A variant's overrides name a top-level section (``description``) or an entry of one
# (``agent_pools -> desk``); the two helpers below speak at that level.


def _changed(base: dict, dump: dict) -> set[tuple]:
    """The sections, or entries of a section, in which two scenario dumps differ."""
    found = set()
    for section in base.keys() | dump.keys():
        a, b = base.get(section), dump.get(section)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            found |= {(section, entry) for entry in a.keys() | b.keys() if a.get(entry) != b.get(entry)}
        else:
            found.add((section,))
    return found


def _named(base: dict, override: dict) -> set[tuple]:
    """The sections, or entries of a section, that a variant's overrides set."""
    found = set()
    for section, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(section), dict):
            found |= {(section, entry) for entry in value}
        else:
            found.add((section,))
    return found


VARIANT_FILES = [p for p in FILES if "variants" in (yaml.safe_load(p.read_text()) or {})]


@pytest.mark.parametrize("path", VARIANT_FILES, ids=lambda p: p.name)
def test_each_variant_changes_what_it_overrides_and_nothing_else(path):
    """A variant is the base scenario with its overrides merged in and validated as a whole: it
    differs from the base in exactly the sections and entries it names, has no variants of its
    own, and its name says which variant it is (compare tables tell plans apart by it)."""
    scenario = ccsim.load_scenario(path)
    overrides = yaml.safe_load(path.read_text())["variants"]
    assert set(scenario.variants) == set(overrides)
    base = scenario.model_dump(by_alias=True, exclude={"name", "variants"})
    for key, variant in scenario.variants.items():
        changed = _changed(base, variant.model_dump(by_alias=True, exclude={"name", "variants"}))
        named = _named(base, {k: v for k, v in overrides[key].items() if k != "name"})
        assert changed == named, f"{path.name}: variant {key} changed {sorted(changed)}; its overrides name {sorted(named)}"
        assert variant.name == overrides[key].get("name", f"{scenario.name} ({key})")
        assert variant.variants == {}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_scenario_file_teaches(path):
    """The file opens with a comment of a few lines: what the center is, what to look at."""
    head = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        head.append(line)
    assert len(head) >= 3, f"{path.name}: start the file with a comment saying what it is and what it teaches"
