"""ccsim staff: the three plans against theory, and the simulated plan against new days."""

import json

import numpy as np
import pytest

import ccsim
from ccsim.erlang import solve_agents
from ccsim.scenario import ScenarioError
from ccsim.staffing import apply_targets, copy_scenario, evaluate, goals_of, simulate_many, staff, with_plan


@pytest.fixture(scope="module")
def mmn_short():
    sc = ccsim.load_scenario(ccsim.bundled_scenario_path("reference_mmn"))
    return copy_scenario(sc, horizon=sc.horizon.model_copy(update={"hours": 2}), warmup_minutes=30)


def test_stationary_mmn_plus_m_matches_erlang_a_and_c(mmn_short):
    """M/M/n+M, flat load: simulation needs Erlang A's answer within one agent; naive column is Erlang C."""
    exact_a = solve_agents("A", 1000, 300, 20, target_sl=0.8, patience_s=60).required_agents
    exact_c = solve_agents("C", 1000, 300, 20, target_sl=0.8).required_agents
    res = staff(mmn_short, replications=30, confidence=0.5)
    assert res.plans["erlang_c"]["team"] == [exact_c] * 4
    assert res.plans["erlang_a"]["team"] == [exact_a] * 4
    # the last interval is not stationary: nobody arrives after it, so its late callers queue
    # behind fewer people and it may need fewer agents; every other interval is steady state
    sim = res.plans["simulated"]["team"]
    assert all(abs(n - exact_a) <= 1 for n in sim[:-1]), sim
    assert exact_a - 3 <= sim[-1] <= exact_a + 1, sim
    assert exact_c - exact_a >= 5  # the comparison has teeth: the two formulas differ a lot here
    assert res.targets_met


def test_time_varying_plan_holds_on_new_days():
    """The default day (lunch peak): the simulated plan, re-simulated on new seeds, is not
    significantly below the service level in at least the promised share (the confidence) of intervals."""
    sc = ccsim.load_scenario(ccsim.bundled_scenario_path("default"))
    res = staff(sc, replications=10, confidence=0.8)
    assert res.targets_met
    goals = goals_of(sc)
    share = {}
    for name in ("simulated", "erlang_a"):
        (reps,) = simulate_many([with_plan(sc, res.plans[name])], 20, first_replication=1000)
        ev = evaluate(sc, reps, goals, 0.95)
        mean, lo = ev.means["phone"]["service_level"], ev.bounds["phone"]["service_level"]
        upper = 2 * mean - lo  # one-sided 95% upper bound: not significantly below the target
        target = goals.types["phone"].sl_target
        share[name] = float(np.mean(upper >= target))
        share[name + "_mean"] = float(np.mean(mean >= target))
    assert share["simulated"] >= 0.8, share


def test_targets_from_the_command_line(mmn_short):
    sc = apply_targets(mmn_short, ["sl=90/15", "asa=12", "abandon=5%", "team.occupancy=0.9"])
    g = goals_of(sc)
    assert (g.types["calls"].sl_target, g.types["calls"].sl_seconds) == (0.9, 15)
    assert g.types["calls"].max_asa_s == 12 and g.types["calls"].max_abandon == 0.05
    assert g.max_occupancy["team"] == 0.9
    with pytest.raises(ScenarioError) as exc:
        apply_targets(mmn_short, ["nope.sl=0.8", "sl=lots", "speed=3"])
    assert len(exc.value.problems) == 3


def test_cli_staff_json(tmp_path):
    from typer.testing import CliRunner

    from cli import app

    r = CliRunner().invoke(app, ["staff", str(ccsim.bundled_scenario_path("default")), "-r", "4", "--json", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert {"intervals", "targets_met", "agent_hours"} <= set(data)
    assert set(data["intervals"][0]) >= {"interval_start", "pool", "erlang_c", "erlang_a", "simulated"}
    assert (tmp_path / "staff_report.html").stat().st_size > 100_000
    assert (tmp_path / "staffing.csv").read_text().startswith("interval_start,pool,erlang_c")
    bad = CliRunner().invoke(app, ["staff", str(ccsim.bundled_scenario_path("default")), "--target", "sl"])
    assert bad.exit_code == 2
