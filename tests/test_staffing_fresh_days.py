"""ccsim staff judges every plan on days the search never saw, and its search is sound at any seed."""

import json

import pytest

import ccsim
from ccsim.erlang import solve_agents
from ccsim.evaluation import FRESH_DAYS
from ccsim.scenario import scenario_from_dict
from ccsim.staffing import RESOLUTION_AGENTS, staff


def stationary_day(seed: int, hours: int = 4):
    """M/M/n+M all day: 1,000 calls an hour, AHT 300 s, exponential patience 60 s, 80/20, one-hour
    intervals (a half-hour warm-up makes the first one as stationary as the others); the scenario's
    replications are the default (10)."""
    return scenario_from_dict({
        "name": "stationary M/M/n+M", "seed": seed, "warmup_minutes": 30,
        "horizon": {"start": "08:00", "hours": hours, "interval_minutes": 60},
        "contact_types": {"calls": {
            "arrivals": {"per_hour": 1000}, "handle_time": {"dist": "exponential", "mean": 300},
            "patience": {"dist": "exponential", "mean": 60}, "service_level": {"seconds": 20, "target": 0.8},
        }},
        "agent_pools": {"team": {"skills": ["calls"], "agents": 80}},
    })


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 4, 17, 2024])
def test_stationary_day_is_staffed_within_one_agent_of_exact_erlang_a(seed):
    """At the default settings, whatever the seed: exact Erlang A needs 78 agents (81.6%; 77 give
    79.9%, 79 give 83.3%). On the scenario's 10 days an interval's service level is uncertain by
    about an agent, so the search doubles its days (on the same days for every candidate) until
    the noise is worth at most half an agent in every interval, here 80 days. With the scenario's
    10 days alone it is not: before this search, 8 days gave 79, 79, 81, 80; 40 days, at seed 4,
    gave a 76. Seeds 1 and 4 are the ones that went wrong then; 17 and 2024 are arbitrary."""
    exact = solve_agents("A", 1000, 300, 20, target_sl=0.8, patience_s=60).required_agents
    assert exact == 78
    sc = stationary_day(seed)
    res = staff(sc, evaluation_replications=2)  # the fresh days do not change the plan: few suffice here
    assert res.plans["erlang_a"]["team"] == [exact] * 4
    plan = res.plans["simulated"]["team"]
    assert all(abs(n - exact) <= 1 for n in plan), (seed, plan)
    assert res.isa.replications > sc.replications and res.isa.resolution_agents <= RESOLUTION_AGENTS
    assert res.targets_met


def test_every_plan_is_judged_on_the_same_fresh_days(monkeypatch):
    """The search simulates replications 0, 1, ...; every reported plan is then simulated on
    replications from FRESH_DAYS on, the same ones for each, and the JSON says so."""
    import ccsim.runner

    seen: list[tuple[int, int]] = []  # (id of the simulated scenario, replication)
    real = ccsim.runner.simulate_replication

    def spy(scenario, replication, *args, **kwargs):
        seen.append((id(scenario), replication))
        return real(scenario, replication, *args, **kwargs)

    monkeypatch.setattr(ccsim.runner, "simulate_replication", spy)
    sc = stationary_day(seed=3, hours=2).model_copy(update={"replications": 4})
    res = staff(sc, workers=1)
    search = {rep for _, rep in seen if rep < FRESH_DAYS}
    fresh = [(who, rep) for who, rep in seen if rep >= FRESH_DAYS]
    n = res.evaluation_replications
    assert search == set(range(res.isa.replications))
    assert sorted({rep for _, rep in fresh}) == list(range(FRESH_DAYS, FRESH_DAYS + n))
    per_plan = {}
    for who, rep in fresh:
        per_plan.setdefault(who, []).append(rep)
    assert len(per_plan) == len(res.plans) and all(sorted(r) == list(range(FRESH_DAYS, FRESH_DAYS + n)) for r in per_plan.values())

    data = json.loads(json.dumps(res.to_dict()))
    ev = data["evaluation"]
    assert (ev["replications"], ev["seeds"], ev["first_replication"], ev["search_replications"]) == (n, "fresh", FRESH_DAYS, res.isa.replications)
    assert set(ev["plans"]) == set(res.plans)
    for plan, judged in ev["plans"].items():
        rows = judged["intervals"]
        assert len(rows) == len(res.labels)
        assert judged["share_meeting_targets"] == pytest.approx(sum(r["meets_targets"] for r in rows) / len(rows), abs=1e-4)
        for r in rows:  # the interval's figures on the fresh days, with their 95% intervals
            sl = r["service_level"]
            assert sl["ci95"][0] <= sl["mean"] <= sl["ci95"][1]
            assert r["meets_targets"] == (sl["mean"] >= 0.8), (plan, r)
    promise = ev["promise"]
    assert promise["promised_share"] == res.confidence == data["promised_share"]
    assert promise["held"] == (promise["share_held"] >= promise["promised_share"]) == data["promise_held"]


def test_the_promise_is_checked_against_the_fresh_days():
    """A plan found with 80% confidence per interval keeps its promise on the default day's fresh
    days; the same result with one agent fewer everywhere, judged on the same fresh days, does not,
    so the check can fail."""
    from ccsim.evaluation import not_significantly_short, simulate_many
    from ccsim.goals import goals_of
    from ccsim.plans import with_plan

    sc = ccsim.load_scenario(ccsim.bundled_scenario_path("default"))
    res = staff(sc, replications=10, evaluation_replications=40)
    assert res.promise_held, res.promise_share_held
    fewer = {p: [max(0, n - 1) for n in v] for p, v in res.plans["simulated"].items()}
    (reps,) = simulate_many([with_plan(sc, fewer)], 40, first_replication=FRESH_DAYS)
    assert not_significantly_short(sc, reps, goals_of(sc)).share_ok() < res.promised_share
