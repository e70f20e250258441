"""Names print as written in every medium: the terminal (rich markup and emoji codes), the HTML
reports (tags and entities, in the page and in plotly's titles and legends), CSV (formulas) and
the YAML calibrate writes (line breaks in comments).

One small scenario carries hostile names for its scenario, contact types and pool: markup that
would crash rich (``[/]``) or swallow text (``[tier 1]``), an emoji code, HTML that would run
script, a spreadsheet formula."""

from __future__ import annotations

import pytest
import yaml

import cli as cli_module

from conftest import reference

SCENARIO_NAME = "day [/] :x: <b>bold</b>"
TYPES = ["calls [tier 1]", "calls [tier 2]", "<img src=x onerror=alert(1)>", ":x: [bold]b[/]", "=HYPERLINK(\"http://x\")"]
POOL = "team [/] <i>"
CURRENCY = "<s>EUR</s>"
EMOJI = "\u274c"  # what rich prints for :x:


def hostile() -> dict:
    d = reference(name=SCENARIO_NAME, replications=2, horizon={"hours": 1, "interval_minutes": 30})
    call = d["contact_types"].pop("calls")
    call["arrivals"] = {"per_hour": 40}
    d["contact_types"] = {name: dict(call) for name in TYPES}
    d["agent_pools"] = {POOL: {"skills": TYPES, "agents": 9}}
    d["costs"] = {"agent_hour": 30, "abandoned_contact": 5, "currency": CURRENCY}
    return d


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(hostile(), allow_unicode=True, sort_keys=False))
    return path


@pytest.fixture
def wide(monkeypatch):
    """Terminals wide enough that no table wraps a name over two lines."""
    for console in (cli_module.out, cli_module.err):
        monkeypatch.setattr(console, "width", 400)


# --- the terminal --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args,names",
    [
        (["validate"], [SCENARIO_NAME]),
        (["run"], [SCENARIO_NAME, *TYPES, POOL]),
        (["erlang"], [SCENARIO_NAME, *TYPES]),
        (["staff", "-r", "2"], [SCENARIO_NAME, *TYPES, POOL]),
        (["trap", "-r", "2", "--points", "2", "--no-causes"], [SCENARIO_NAME]),
    ],
    ids=["validate", "run", "erlang", "staff", "trap"],
)
def test_the_terminal_prints_every_name_as_written(cli, wide, scenario, args, names):
    res = cli(args[0], scenario, *args[1:])
    assert res.exit_code == 0, res.output
    for name in names:
        assert name in res.output, name
    assert EMOJI not in res.output


def test_compare_prints_plan_names_and_currency_as_written(cli, wide, scenario, tmp_path):
    other = tmp_path / "plan [b] :x:.yaml"
    other.write_text(scenario.read_text())
    res = cli("compare", scenario, other, "-r", "2")
    assert res.exit_code == 0, res.output
    for text in ("plan [b] :x:", f"plan [b] :x: − {scenario.stem}", f"{TYPES[0]}: service level", f"{POOL}: occupancy", CURRENCY):
        assert text in res.output, text
    assert EMOJI not in res.output
