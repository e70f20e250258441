"""The shift optimiser on cases small enough to solve by hand."""

import pytest

from ccsim.scenario import Horizon, ScenarioError, scenario_from_dict
from ccsim.shifts import ShiftRules, optimise_shifts

HZ = Horizon(start="08:00", hours=4, interval_minutes=60)


def test_covers_at_minimal_paid_hours():
    # need 1,2,2,1 agents; 2-hour and 3-hour shifts on the hour. By hand: the need is 6 agent-hours,
    # a lower bound on paid hours, and 08-11 + 09-12 (or 08-10, 09-11, 10-12) reach it.
    rules = ShiftRules(kinds=[{"hours": 2}, {"hours": 3}])
    plan = optimise_shifts([1, 2, 2, 1], rules, HZ, "team")
    assert plan.status == "optimal"
    assert plan.paid_hours == pytest.approx(6.0)
    assert plan.coverage == [1, 2, 2, 1]
    assert plan.uncovered_intervals == []
    assert sum(r["count"] for r in plan.roster()) in (2, 3)
    # the maximum head count turns a coverable curve into a reported gap
    capped = optimise_shifts([1, 2, 2, 1], ShiftRules(kinds=[{"hours": 2}, {"hours": 3}], max_shifts=1), HZ)
    assert capped.paid_hours == pytest.approx(3.0) and len(capped.uncovered_intervals) >= 2


def test_unpaid_break_is_placed_where_it_costs_nothing():
    # one 4-hour shift with a 1-hour unpaid break between 1 and 2 hours in: need 1,1,0,1
    rules = ShiftRules(kinds=[{"hours": 4, "breaks": [{"minutes": 60, "earliest_after_minutes": 60, "latest_after_minutes": 120}]}])
    plan = optimise_shifts([1, 1, 0, 1], rules, HZ)
    assert plan.paid_hours == pytest.approx(3.0)
    assert plan.coverage == [1, 1, 0, 1]
    assert plan.roster()[0]["breaks"] == [{"start": "10:00", "minutes": 60}]


def test_reports_what_it_cannot_cover():
    # opening 09:00-12:00 and at most 1 agent on duty: 08:00 and the second agent at 09:00 are lost
    rules = ShiftRules(kinds=[{"hours": 1}], open="09:00", max_agents=1)
    plan = optimise_shifts([1, 2, 1, 1], rules, HZ)
    assert plan.uncovered_intervals == ["08:00", "09:00"]
    assert plan.uncovered == [1, 1, 0, 0]
    assert plan.paid_hours == pytest.approx(3.0)


def test_top_level_roster_is_a_clear_error():
    raw = {
        "name": "x",
        "horizon": {"hours": 4, "interval_minutes": 60},
        "contact_types": {"calls": {"arrivals": {"per_hour": 10}, "handle_time": {"dist": "exponential", "mean": 60}}},
        "agent_pools": {"team": {"skills": ["calls"], "agents": 2}},
        "shifts": [{"start": "08:00", "end": "12:00", "count": 2}],
    }
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(raw)
    assert "agent_pools -> POOL -> shifts" in str(exc.value)
    raw["shifts"] = {"kinds": [{"hours": 2}], "pools": ["nobody"]}
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(raw)
    assert "shifts -> pools: 'nobody' is not an agent pool" in str(exc.value)


def test_shift_plan_is_simulated_as_its_roster():
    """Breaks and shift edges inside an interval are worked as written, not rounded to head counts.

    Two 3-hour shifts, 08:00-11:00 and 09:00-12:00, each with a fixed 30-minute break 90 minutes
    in (09:30 and 10:30): 09:00-10:00 has 1.5 agents on average, and so has 10:00-11:00.
    Rounded head counts would staff those hours with 2; the roster gives 1.5 agent-hours each."""
    from ccsim.evaluation import simulate_many
    from ccsim.metrics import stack_counters
    from ccsim.plans import with_rosters

    sc = scenario_from_dict(
        {
            "name": "roster", "replications": 2, "warmup_minutes": 0,
            "horizon": {"start": "08:00", "hours": 4, "interval_minutes": 60},
            "contact_types": {"calls": {"arrivals": {"per_hour": 20}, "handle_time": {"dist": "exponential", "mean": 120}}},
            "agent_pools": {"team": {"skills": ["calls"], "agents": 1}},
        }
    )
    # two people at most: 08:00 + 09:00 is the one pair leaving only 1 agent-hour uncovered
    rules = ShiftRules(kinds=[{"hours": 3, "breaks": [{"minutes": 30, "earliest_after_minutes": 90}]}], max_shifts=2)
    plan = optimise_shifts([1, 2, 2, 1], rules, sc.horizon, "team")
    assert plan.roster() == [
        {"start": "08:00", "end": "11:00", "count": 1, "breaks": [{"start": "09:30", "minutes": 30}]},
        {"start": "09:00", "end": "12:00", "count": 1, "breaks": [{"start": "10:30", "minutes": 30}]},
    ]
    assert plan.coverage == [1, 1.5, 1.5, 1] and plan.uncovered_intervals == ["09:00", "10:00"]
    worked = with_rosters(sc, {"team": plan}, {"team": [9, 9, 9, 9]})
    assert worked.agent_pools["team"].agents is None and len(worked.agent_pools["team"].shifts) == 2
    (reps,) = simulate_many([worked], 2)
    _, pools = stack_counters(reps, ["offered"], sc.horizon)
    agent_hours = pools["staffed_area"][:, 0, :] / 3600.0
    assert agent_hours.tolist() == [[1.0, 1.5, 1.5, 1.0]] * 2


def test_staff_simulates_the_shift_plan_it_reports():
    """``ccsim staff --shifts``: the shift column is simulated as the optimiser's roster."""
    from pathlib import Path

    import ccsim
    from ccsim.shifts import load_shift_rules
    from ccsim.staffing import staff

    sc = ccsim.load_scenario(ccsim.bundled_scenario_path("default"))
    rules = load_shift_rules(Path(__file__).parents[1] / "docs" / "shift_rules.yaml")
    res = staff(sc, replications=3, shift_rules=rules)
    sp = res.shift_plans["service_desk"]
    worked = res.achieved["shifts"].scenario.agent_pools["service_desk"]
    assert worked.agents is None
    assert [s.model_dump() for s in worked.shifts] == sp.roster()
    assert any(s["breaks"] for s in sp.roster())  # the full-day shifts' lunch breaks are in the simulation
    assert res.plans["shifts"]["service_desk"] == sp.staffing()
