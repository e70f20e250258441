"""Every class of bad input: one line per problem naming the field, exit 2, no traceback, no files."""

from __future__ import annotations

import pytest
import yaml

from conftest import REPO, reference


def _set(d: dict, path: str, value):
    *parents, last = path.split(".")
    node = d
    for p in parents:
        node = node[p]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return d


_DELETE = object()

CASES = [
    ("contact_types.calls.handle_time.mean", -5, "contact_types -> calls -> handle_time -> mean: must be > 0"),
    ("contact_types.calls.handle_time.mean", "long", "contact_types -> calls -> handle_time -> mean: Input should be a valid number"),
    ("contact_types.calls.handle_tme", {"dist": "exponential", "mean": 3}, "contact_types -> calls -> handle_tme: unknown key (a typo?)"),
    ("contact_types.calls.patience.mean", 0, "contact_types -> calls -> patience -> mean: must be > 0"),
    ("contact_types.calls.patience", {"dist": "pareto", "mean": 3}, "contact_types -> calls -> patience: unknown dist 'pareto'"),
    ("contact_types.calls.service_level.target", 80, "contact_types -> calls -> service_level -> target: must be <= 1"),
    ("contact_types.calls.service_level.seconds", -1, "contact_types -> calls -> service_level -> seconds: must be >= 0"),
    ("agent_pools.team.skills", ["call"], "agent_pools -> team -> skills: 'call' is not a contact type"),
    ("agent_pools.team.agents", [90, 90, 90], "agent_pools -> team -> agents: 3 values given, the horizon has 16 intervals"),
    ("agent_pools.team.agents", -3, "agent_pools -> team -> agents: must be >= 0"),
    ("contact_types.calls.arrivals", {"volumes": [10] * 5}, "contact_types -> calls -> arrivals -> volumes: 5 values given, the horizon has 16 intervals"),
    ("contact_types.calls.arrivals", {"per_hour": 10, "volumes": [1] * 16}, "contact_types -> calls -> arrivals: give exactly one of"),
    ("horizon", {"hours": 8, "interval_minutes": 25}, "horizon: the horizon (480 min) is not a whole number of 25-minute intervals"),
    ("horizon", {"start": "8h", "end": "20:00"}, "horizon -> start: '8h' is not a time of day like 08:00"),
    ("replications", 0, "replications: must be >= 1"),
    ("name", _DELETE, "name: required"),
    ("contact_types.calls.patience", "two_minutes", "contact_types -> calls -> patience: unknown preset 'two_minutes'"),
]


@pytest.mark.parametrize("path,value,expected", CASES, ids=[c[0] + "=" + str(c[1])[:12] for c in CASES])
def test_bad_field_is_named(cli, tmp_path, path, value, expected):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(yaml.safe_dump(_set(reference(), path, value)))
    out = tmp_path / "out"
    res = cli("run", scenario, "--out", out)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert any(ln.startswith("error: " + expected) for ln in lines), res.output
    assert not out.exists()


def test_several_problems_each_on_its_own_line(cli, tmp_path):
    d = reference()
    d["contact_types"]["calls"]["handle_time"]["mean"] = -5
    d["contact_types"]["calls"]["service_level"]["target"] = 2
    d["agent_pools"]["team"]["skills"] = ["nope"]
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(yaml.safe_dump(d))
    res = cli("validate", scenario)
    assert res.exit_code == 2
    errors = [ln for ln in res.output.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 2, res.output  # pydantic stops before cross-field checks when fields are bad
    d["contact_types"]["calls"]["handle_time"]["mean"] = 5
    d["contact_types"]["calls"]["service_level"]["target"] = 0.8
    d["agent_pools"]["team"]["agents"] = [1, 2]
    scenario.write_text(yaml.safe_dump(d))
    res = cli("validate", scenario)
    errors = [ln for ln in res.output.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 3, res.output  # unknown skill, unserved type, wrong list length


def rejected(cli, path, text: str, *command: str) -> str:
    """Write ``text`` to ``path``, run ``ccsim COMMAND path``: it must exit 2 without a traceback."""
    path.write_text(text)
    res = cli(*command, path)
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    return res.output


def test_yaml_syntax_error_gives_the_line(cli, tmp_path):
    output = rejected(cli, tmp_path / "broken.yaml", "name: x\nhorizon: {hours: 8\ncontact_types:\n  calls: [\n", "run")
    assert "YAML syntax error at line" in output


def test_missing_file(cli, tmp_path):
    res = cli("run", tmp_path / "nope.yaml")
    assert res.exit_code == 2 and "no such file" in res.output


def test_not_a_mapping(cli, tmp_path):
    assert "must be a mapping" in rejected(cli, tmp_path / "list.yaml", "- a\n- b\n", "validate")


def test_missing_forecast_csv_column(cli, tmp_path):
    (tmp_path / "f.csv").write_text("interval,phone\n08:00,1\n")
    d = reference()
    d["contact_types"]["calls"]["arrivals"] = {"csv": "f.csv"}
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(d))
    res = cli("validate", scenario)
    assert res.exit_code == 2
    assert "contact_types -> calls -> arrivals -> csv: f.csv has no column 'calls'" in res.output


def test_the_brief_s_malformed_file_gives_no_traceback(cli, tmp_path):
    text = "name: broken\ncontact_types:\n  phone:\n    handle_time: {dist: exponential, mean: -5}\n"
    assert "error: contact_types -> phone -> handle_time -> mean: must be > 0" in rejected(cli, tmp_path / "broken.yaml", text, "run")


def test_compare_names_the_file_each_problem_is_in(cli, tmp_path):
    bad = tmp_path / "plan_b.yaml"
    bad.write_text("name: b\n")
    res = cli("compare", REPO / "scenarios" / "default.yaml", bad)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"error: {bad}: horizon: required" in res.output
