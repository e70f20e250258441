"""The one YAML loader (ccsim/input_files.py): duplicate keys, alias bombs, depth and encodings are
refused with one located line, never expanded, never a traceback; ordinary files still load."""

from __future__ import annotations

import time

import pytest
import yaml

import ccsim
from ccsim.input_files import MAX_DEPTH, MAX_YAML_BYTES, load_yaml
from ccsim.scenario import ScenarioError, deep_merge
from ccsim.shifts import load_shift_rules

from conftest import reference

REFERENCE_YAML = yaml.safe_dump(reference(), sort_keys=False)

#: Nine lists of nine aliases, each to the list before: 9^9 (387 million) strings in ~600 bytes.
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")
)


def refusal(path) -> str:
    """Load ``path`` as a scenario: it must be refused; the one line that says why."""
    with pytest.raises(ScenarioError) as err:
        ccsim.load_scenario(path)
    assert len(err.value.problems) == 1, err.value.problems
    return err.value.problems[0]


def refused(tmp_path, text: str | bytes, name: str = "s.yaml") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return refusal(path)


def test_a_duplicate_key_is_refused_with_its_line_and_column(tmp_path):
    text = REFERENCE_YAML.replace("agents: 90", "agents: 90\n    agents: 0")
    line = refused(tmp_path, text)
    dup_line = text.splitlines().index("    agents: 0") + 1
    assert line == f"{tmp_path / 's.yaml'}: line {dup_line}, column 5: duplicate key 'agents' (first at line {dup_line - 1}): a key may appear once in a mapping"


def test_keys_equal_in_python_are_duplicates_and_merge_keys_may_be_overridden(tmp_path):
    assert "duplicate key 1.0 (first at line 1)" in refused(tmp_path, "1: a\n1.0: b\n")
    path = tmp_path / "merge.yaml"
    path.write_text("base: &b {x: 1, y: 2}\nplan: {<<: *b, x: 3}\n")
    assert load_yaml(path) == {"base": {"x": 1, "y": 2}, "plan": {"x": 3, "y": 2}}


def test_a_file_with_an_anchor_or_two_still_loads(tmp_path):
    text = REFERENCE_YAML.replace("handle_time:", "handle_time: &aht").replace("patience:\n", "patience: *aht\n", 1)
    text = text.replace("      dist: exponential\n      mean: 60\n", "", 1)
    path = tmp_path / "anchors.yaml"
    path.write_text(text)
    sc = ccsim.load_scenario(path)
    assert sc.contact_types["calls"].patience == sc.contact_types["calls"].handle_time


@pytest.mark.parametrize("where", ["top", "variants"])
def test_an_alias_bomb_is_refused_at_once_not_expanded(tmp_path, where):
    text = BOMB if where == "top" else REFERENCE_YAML + "variants:\n  bomb:\n    description: " + BOMB.replace("\n", "\n      ").replace("a: &a", "\n      a: &a", 1)
    started = time.perf_counter()
    line = refused(tmp_path, text)
    assert time.perf_counter() - started < 0.5
    assert "aliases repeat more than 100,000 values (an alias bomb?)" in line


def test_an_alias_inside_the_node_it_names_is_refused(tmp_path):
    assert "alias *a is used inside the node it names" in refused(tmp_path, "a: &a [1, *a]\n")


@pytest.mark.parametrize("text", ["[" * 500 + "]" * 500, "- " * 500 + "x", "description: " + "{a: " * 300 + "1" + "}" * 300])
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path, text):
    assert f"nested more than {MAX_DEPTH} levels deep" in refused(tmp_path, text)


def test_depth_counts_what_aliases_expand_to(tmp_path):
    deep = "[" * 40 + "]" * 40
    assert f"nested more than {MAX_DEPTH} levels deep" in refused(tmp_path, f"a: &d {deep}\nb: {deep[:40]}*d{deep[40:]}\n")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le-bom"])
def test_utf8_with_a_bom_and_utf16_are_read(tmp_path, encoding):
    text = REFERENCE_YAML.replace("Reference M/M/n+M", "Référence")
    data = b"\xff\xfe" + text.encode("utf-16-le") if encoding == "utf-16-le-bom" else text.encode(encoding)
    path = tmp_path / "s.yaml"
    path.write_bytes(data)
    assert ccsim.load_scenario(path).name == "Référence"


def test_latin1_is_refused_with_what_to_do(tmp_path):
    line = refused(tmp_path, REFERENCE_YAML.replace("Reference", "Référence").encode("latin-1"), "scenario.yaml")
    assert line == f"{tmp_path / 'scenario.yaml'} is not UTF-8 or UTF-16 text: save it as UTF-8"


def test_a_huge_file_is_refused_before_it_is_read_whole(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:
        fh.truncate(MAX_YAML_BYTES + 1)  # sparse: costs no disk
    started = time.perf_counter()
    assert refusal(path) == f"{path}: larger than 16 MB, more than any scenario file needs"
    assert time.perf_counter() - started < 1


def test_python_tags_and_control_characters_are_syntax_errors(tmp_path):
    assert "could not determine a constructor for the tag" in refused(tmp_path, "name: !!python/object/apply:os.system [echo hi]\n")
    assert refused(tmp_path, "name: a\x01b\n").endswith("YAML syntax error at line 1: character #x0001 is not allowed (control characters are not allowed)")


def test_variant_names_that_differ_only_in_type_are_refused(tmp_path):
    text = REFERENCE_YAML + "variants:\n  1: {replications: 2}\n  '1': {replications: 3}\n"
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        ccsim.load_scenario(path)
    assert err.value.problems == ["variants -> 1: two variants are named '1' (one written as a number?)"]


def test_the_deep_merge_of_variants_copies_nothing_it_does_not_change():
    shared = {"dist": "exponential", "mean": 60}
    base = {"contact_types": {"calls": {"patience": shared, "handle_time": shared}}, "agent_pools": {"team": {"agents": 3}}}
    merged = deep_merge(base, {"agent_pools": {"team": {"agents": 4}}})
    assert merged["agent_pools"]["team"]["agents"] == 4 and base["agent_pools"]["team"]["agents"] == 3
    assert merged["contact_types"] is base["contact_types"]


def test_shift_rule_files_go_through_the_same_loader(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("kinds:\n  - {hours: 8}\nmin_agents: 1\nmin_agents: 2\n")
    with pytest.raises(ScenarioError) as err:
        load_shift_rules(path)
    assert err.value.problems == [f"{path}: line 4, column 1: duplicate key 'min_agents' (first at line 3): a key may appear once in a mapping"]


def test_the_cli_prints_the_line_and_exits_2(cli, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(BOMB)
    res = cli("validate", path)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert res.output.startswith(f"error: {path}: line ")
