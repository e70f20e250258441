"""Shift plans that explain themselves: over and under the requirement per interval, and the
agent-hours above it attributed to the rule that forces them, on cases solved by hand."""

import json

import numpy as np
import pytest

from ccsim.scenario import Horizon
from ccsim.shifts import ShiftRules, optimise_shifts

HZ = Horizon(start="08:00", hours=4, interval_minutes=60)


def forced(plan) -> dict[str, float]:
    return {e["rule"]: e["agent_hours"] for e in plan.excess_by_rule if e["agent_hours"]}


@pytest.mark.parametrize(
    "need, rules, rule, hours",
    [
        # a 2-hour shift for a 1-hour need: the second hour is the minimum shift length's
        ([1, 0, 0, 0], {"kinds": [{"hours": 2}]}, "shift_length", 1.0),
        # starts every 2 hours (08:00, 10:00) for a 09:00-11:00 need: 08-10 and 10-12, two hours over
        ([0, 1, 1, 0], {"kinds": [{"hours": 2}], "start_every_minutes": 120}, "start_times", 2.0),
        # nobody needed, but one agent on duty all the time the center is open
        ([0, 0, 0, 0], {"kinds": [{"hours": 4}], "min_agents": 1}, "min_agents", 4.0),
        # one short shift allowed: two agents at 08:00 and at 11:00 take two 4-hour shifts
        ([2, 0, 0, 2], {"kinds": [{"hours": 1, "max_count": 1}, {"hours": 4}]}, "shift_counts", 4.0),
        # the 3-hour shift's hour-long break is fixed 2 hours in: 08-11 and 09-12 cover 08:00 and
        # 10:00 with two hours over; with the break anywhere, 08-11 breaking at 09:00 fits exactly
        ([1, 0, 1, 0], {"kinds": [{"hours": 3, "breaks": [{"minutes": 60, "earliest_after_minutes": 120}]}]}, "break_windows", 2.0),
    ],
)
def test_the_rule_that_forces_the_hours_above_the_requirement(need, rules, rule, hours):
    """(Opening hours leave requirement outside them uncovered rather than forcing hours over it;
    they count when they hold shifts in, as the other rules do.)"""
    plan = optimise_shifts(need, ShiftRules.model_validate(rules), HZ)
    assert plan.uncovered_intervals == []
    assert plan.excess_agent_hours == pytest.approx(hours)
    assert forced(plan) == {rule: pytest.approx(hours)}
    assert sum(e["agent_hours"] for e in plan.excess_by_rule) == pytest.approx(plan.excess_agent_hours)
    assert plan.over() == [max(0.0, c - r) for c, r in zip(plan.coverage, need)] and plan.under() == [0.0] * 4


def test_over_and_under_per_interval_in_the_json():
    """At most one agent on duty: the second agent at 09:00 is under, the 2-hour shift's second
    hour over; the JSON carries both per interval and the totals."""
    plan = optimise_shifts([1, 2, 0, 0], ShiftRules(kinds=[{"hours": 2}], max_agents=1), HZ)
    assert plan.coverage == [1, 1, 0, 0] or plan.coverage == [1, 1, 1, 0]
    data = json.loads(json.dumps(plan.to_dict()))
    rows = data["coverage"]
    assert [r["under"] for r in rows] == [0, 1, 0, 0]
    assert [r["over"] for r in rows] == plan.over()
    assert data["required_agent_hours"] == 3 and data["agent_hours"] == sum(plan.coverage)
    assert data["excess_agent_hours"] == pytest.approx(sum(plan.over()))


def test_the_plan_minimises_agent_hours_on_duty():
    """Two ways to cover one agent at 08:00: a 2-hour shift (two hours on duty, one over) or a
    3-hour shift with a paid 2-hour break from 09:00 (one hour on duty, three paid). The plan takes
    the fewest hours on duty; paid hours only break ties. And it is minimal: without any one of its
    shifts, some interval is short."""
    rules = ShiftRules(kinds=[{"name": "short", "hours": 2}, {"name": "split", "hours": 3, "breaks": [{"minutes": 120, "earliest_after_minutes": 60, "paid": True}]}])
    plan = optimise_shifts([1, 0, 0, 0], rules, HZ)
    assert [(p.kind, n) for p, n in plan.shifts] == [("split", 1)] and plan.coverage == [1, 0, 0, 0]
    big = optimise_shifts([3, 5, 6, 4], ShiftRules(kinds=[{"hours": 2}, {"hours": 3}]), HZ)
    assert big.excess_agent_hours == 0 and big.agent_hours == 18
    for k, (pat, count) in enumerate(big.shifts):
        fewer = np.array(big.coverage) - np.array([1.0 if pat.start_min <= 60 * i < pat.end_min else 0.0 for i in range(4)])
        assert (fewer < np.array([3, 5, 6, 4]) - 1e-9).any(), pat


def test_the_staff_report_shows_the_shift_plan_against_the_requirement(tmp_path):
    from typer.testing import CliRunner

    from cli import app
    from conftest import REPO

    r = CliRunner().invoke(app, ["staff", str(REPO / "scenarios" / "default.yaml"), "-r", "5", "--shifts", str(REPO / "docs" / "shift_rules.yaml"), "--out", str(tmp_path), "--json"])
    assert r.exit_code == 0, r.output
    sp = json.loads(r.stdout)["shift_plans"]["service_desk"]
    assert sp["excess_agent_hours"] == pytest.approx(sum(e["agent_hours"] for e in sp["excess_by_rule"]), abs=1e-2)
    assert {"over", "under"} <= set(sp["coverage"][0])
    page = (tmp_path / "staff_report.html").read_text()
    assert "Shift plan against the requirement" in page and "rule that forces agent-hours above the requirement" in page
