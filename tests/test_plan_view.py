"""The plan in view: the run report draws each pool's staffing against the stationary
Erlang A requirement with the gap per interval, the terminal ends with a verdict per contact type,
and the scenario's own plan stands beside the computed ones in ccsim staff and is marked in ccsim
trap, simulated on the same days as they are."""

from __future__ import annotations

import json
import re

import pytest

import ccsim
from ccsim.goals import goals_of
from ccsim.plans import current_plan
from ccsim.report.run_report import build_run_report, pool_staffing
from ccsim.report.terminal import verdicts
from ccsim.sipp import erlang_plan, sipp_table

from conftest import SCENARIOS


def wide(*args) -> str:
    """What a command prints on a terminal wide enough that no table cell wraps."""
    from typer.testing import CliRunner

    import cli

    # the consoles fix their width when cli is first imported (COLUMNS then), so set it here
    widths = cli.out._width, cli.err._width
    cli.out.width = cli.err.width = 200
    try:
        res = CliRunner().invoke(cli.app, [str(a) for a in args], env={"COLUMNS": "200"})
    finally:
        cli.out._width, cli.err._width = widths
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture(scope="module")
def default_run():
    return ccsim.simulate(ccsim.load_scenario(SCENARIOS / "default.yaml"), replications=3)


@pytest.fixture(scope="module")
def two_pool_run():
    return ccsim.simulate(ccsim.load_scenario(SCENARIOS / "two_pool_day.yaml"), replications=3)


# --- the terminal's verdict ------------------------------------------------------------------------


def test_verdict_counts_the_intervals_below_target_and_names_the_worst(default_run):
    rows = [r for r in default_run.to_dict()["by_interval"] if r["contact_type"] == "phone"]
    missed = [i for i, r in enumerate(rows) if r["service_level"]["mean"] < 0.8]
    worst = min(missed, key=lambda i: rows[i]["service_level"]["mean"])
    sl = rows[worst]["service_level"]
    half = (sl["ci95"][1] - sl["ci95"][0]) / 2
    assert 0 < len(missed) < 24
    assert [line.plain for line in verdicts(default_run)] == [
        f"phone misses 80/20 in {len(missed)} of 24 intervals; worst {rows[worst]['interval_start']} at {sl['mean']:.1%} +/- {100 * half:.1f}"
    ]


def test_verdict_of_a_plan_that_holds_everywhere():
    result = ccsim.simulate(ccsim.load_scenario(SCENARIOS / "reference_mmn.yaml"), replications=2)
    assert min(e.mean for e in result.intervals_by_contact_type["calls"]["service_level"]) >= 0.8
    assert [line.plain for line in verdicts(result)] == ["calls meets 80/20 in every interval"]


def test_run_ends_with_the_verdict():
    last = wide("run", SCENARIOS / "two_pool_day.yaml", "-r", "2").strip().splitlines()[-2:]
    assert last[0].startswith("sales misses 80/20 in ") and last[1].startswith("support misses 80/30 in "), last


# --- the run report's staffing against the requirement ---------------------------------------------


def test_requirement_of_a_single_pool_is_the_sipp_erlang_a_requirement(default_run):
    """One pool serving one type, no shrinkage: the pool's requirement is the type's own (the SIPP
    table's Erlang A column), and the gap is the simulated agents present minus it."""
    [ps], notes = pool_staffing(default_run)
    assert ps.needed_present == [r.erlang_a_required for r in sipp_table(default_run.scenario)]
    assert ps.needed_scheduled is None and notes == []
    present = default_run.intervals_by_pool["service_desk"]["agents"].means()
    assert ps.gap == pytest.approx(list(present - ps.needed_present))
    assert ps.status == ["short" if g < 0 else "meets" if g < 1 else "over" for g in ps.gap]
    assert {"short", "meets"} <= set(ps.status)  # the default plan misses lunch and meets the evening


def test_shrinkage_sets_what_to_schedule_above_what_must_be_present(two_pool_run):
    sc = two_pool_run.scenario
    plan = erlang_plan(sc, goals_of(sc), "A").plan
    pools, _ = pool_staffing(two_pool_run)
    for ps in pools:
        assert ps.needed_scheduled == plan[ps.pool]
        assert all(p <= s for p, s in zip(ps.needed_present, ps.needed_scheduled))
        assert sum(ps.needed_present) < sum(ps.needed_scheduled)  # 30% shrinkage is no rounding


def test_report_draws_a_staffing_chart_per_pool_and_the_gap_table(two_pool_run):
    page = build_run_report(two_pool_run)
    for pool in ("sales_desk", "support_desk"):
        assert f"Staffing of {pool} against the stationary Erlang A requirement" in page
    table = page.split("The staffing gap, interval by interval", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(\d\d:\d\d)</td><td>(\w+)</td>(.*?)</tr>", table)
    assert len(rows) == 2 * 24
    pools, _ = pool_staffing(two_pool_run)
    by_pool = {ps.pool: ps for ps in pools}
    for label, pool, cells in rows:
        i = two_pool_run.labels.index(label)
        ps = by_pool[pool]
        assert f"<td>{ps.needed_present[i]}</td><td>{ps.needed_scheduled[i]}</td><td>{ps.gap[i]:+.1f}</td>" in cells
        assert cells.endswith(f">{ps.status[i]}</span></td>")


# --- ccsim staff: the scenario's own plan beside the three ----------------------------------------


def test_staff_simulates_the_own_plan_on_the_same_days(default_run, cli):
    from ccsim.staffing import PLAN_LABELS, staff

    sc = default_run.scenario
    res = staff(sc, replications=3)
    assert list(res.plans) == ["own", "erlang_c", "erlang_a", "simulated"]
    assert res.plans["own"] == current_plan(sc)
    # on the same days as the other plans: the same first calls arrive under every plan (redials differ)
    def first_calls(res_k):
        return [s.counters["offered"] - s.counters["redials"] for s in res_k.replication_stats]

    own = first_calls(res.achieved["own"])
    for k in ("erlang_c", "erlang_a", "simulated"):
        assert all((a == b).all() for a, b in zip(own, first_calls(res.achieved[k]))), k
    assert list(res.achieved["own"].intervals_by_pool["service_desk"]["agents_scheduled"].means()) == current_plan(sc)["service_desk"]
    assert res.achieved["own"].by_contact_type["phone"]["service_level"].mean < res.achieved["simulated"].by_contact_type["phone"]["service_level"].mean
    out = cli("staff", SCENARIOS / "default.yaml", "-r", "3", "--json")
    data = json.loads(out.stdout)
    assert [r["own"] for r in data["intervals"]] == current_plan(sc)["service_desk"]
    assert "own" in data["achieved"] and "own" in data["agent_hours"]
    assert PLAN_LABELS["own"] in wide("staff", SCENARIOS / "default.yaml", "-r", "3")


# --- ccsim trap: the scenario's own plan marked ------------------------------------------------------


def test_trap_marks_the_own_plan_simulated_on_the_same_days(default_run):
    from ccsim.report.trap_report import build_trap_report
    from ccsim.trap import explore

    sc = default_run.scenario
    res = explore(sc, scales=(0.8, 1.0, 1.2), replications=3, causes=False)
    own = res.own
    assert own.plan == current_plan(sc) and own not in res.points
    assert own.measures["service_level"] == default_run.by_contact_type["phone"]["service_level"]
    naive = sum(map(sum, res.naive.plan.values()))
    assert own.scale == pytest.approx(sum(map(sum, own.plan.values())) / naive, abs=1e-4)
    data = json.loads(json.dumps(res.to_dict()))
    assert data["own_plan"]["plan"] == own.plan and data["own_plan"]["service_level"]["mean"] == own.measures["service_level"].mean
    assert all("own_plan_service_level" in r for r in data["promise_vs_reality"])
    page = build_trap_report(res)
    charts = page.count('class="plotly-graph-div"')
    # every chart against staffing has the plan's line, the promise chart its simulated curve
    assert page.count('"text":"your plan"') == charts - 1 and page.count('"name":"your plan (simulated)"') == 1
    assert f"<b>your plan</b> ({own.scale:.0%})" in page
    assert f"your plan ({own.scale:.0%})" in wide("trap", SCENARIOS / "default.yaml", "-r", "3", "--points", "3", "--no-causes")
