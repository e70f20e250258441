"""Intraday: the rest of the day from the state the center is in now.

- An empty state at an interval boundary is exactly a scenario whose horizon starts there.
- What is left of a patience or a handle time already running follows the law given that it has
  lasted that long, for every family; a deterministic 60 s patience that has run 50 s ends in 10 s.
- Backlogs, contacts in service and promised callbacks are worked and counted.
- The reforecast factor on a hand-made day.
- "+3 agents from 12:00" against nothing, from the same state: significantly better.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from pydantic import TypeAdapter

from ccsim import ScenarioError, scenario_from_dict, simulate
from ccsim.distributions import Distribution
from ccsim.intraday import compare_from_state, now, reforecast, rest_of_day
from ccsim.compare import plans_from_scenario
from ccsim.model import simulate_replication
from ccsim.state import LiveState

DAY = {
    "name": "intraday",
    "seed": 4,
    "replications": 6,
    "horizon": {"start": "08:00", "end": "14:00", "interval_minutes": 30},
    "contact_types": {
        "phone": {
            "arrivals": {"volumes": [100, 110, 120, 130, 140, 150, 150, 140, 130, 120, 110, 100]},
            "handle_time": {"dist": "lognormal", "mean": 240, "cv": 0.8},
            "patience": {"dist": "exponential", "mean": 90},
        },
        "email": {"channel": "email", "arrivals": {"per_hour": 10}, "handle_time": {"dist": "exponential", "mean": 300},
                  "service_level": {"seconds": 7200, "target": 0.9}},
    },
    "agent_pools": {"team": {"skills": ["phone", "email"], "agents": [16, 17, 18, 19, 20, 21, 21, 20, 19, 18, 17, 16]}},
}


def day(**changes) -> dict:
    d = copy.deepcopy(DAY)
    d.update(changes)
    return d


def test_an_empty_state_at_a_boundary_is_a_scenario_starting_there():
    rest = rest_of_day(scenario_from_dict(day()), LiveState(at="11:00"))
    started_there = day(horizon={"start": "11:00", "end": "14:00", "interval_minutes": 30})
    started_there["contact_types"]["phone"]["arrivals"]["volumes"] = DAY["contact_types"]["phone"]["arrivals"]["volumes"][6:]
    started_there["agent_pools"]["team"]["agents"] = DAY["agent_pools"]["team"]["agents"][6:]
    a, b = (simulate(sc, workers=1).to_dict() for sc in (rest, scenario_from_dict(started_there)))
    for block in ("by_contact_type", "by_pool", "by_interval", "by_interval_pool"):
        assert a[block] == b[block], block


LAWS = [
    {"dist": "exponential", "mean": 90},
    {"dist": "lognormal", "mean": 100, "cv": 1.0},
    {"dist": "gamma", "mean": 100, "cv": 0.5},
    {"dist": "weibull", "mean": 100, "shape": 1.5},
    {"dist": "deterministic", "mean": 60},
    {"dist": "empirical", "values": [20, 40, 80, 160]},
    "one_minute",
]


@pytest.mark.parametrize("law", LAWS, ids=lambda law: law if isinstance(law, str) else law["dist"])
@pytest.mark.parametrize("elapsed", [0.0, 30.0, 50.0])
def test_what_is_left_follows_the_law_given_it_has_lasted(law, elapsed):
    """E[X - e | X > e] = integral of S from e to infinity / S(e), for every family (S: survival)."""
    from ccsim.distributions import expand_preset

    dist = TypeAdapter(Distribution).validate_python(expand_preset(law))
    left = dist.remaining(np.random.default_rng(7), np.full(40_000, elapsed))
    assert (left >= 0).all()
    finite = np.isfinite(left)
    t = np.linspace(elapsed, elapsed + 20_000, 400_001)
    s_e = float(dist.survival(np.array([elapsed]))[0])
    never = float(dist.survival(np.array([1e9]))[0])
    # a never-ending share shows as infinite draws, in proportion
    assert (~finite).mean() == pytest.approx(never / s_e if s_e else 0, abs=0.01)
    expected = np.trapezoid(dist.survival(t) - never, t) / (s_e - never) if s_e > never else 0.0
    assert left[finite].mean() == pytest.approx(expected, rel=0.03, abs=0.3)


def test_exponential_patience_is_memoryless():
    dist = TypeAdapter(Distribution).validate_python({"dist": "exponential", "mean": 90})
    old, fresh = dist.remaining(np.random.default_rng(1), np.full(50_000, 500.0)), dist.sample(np.random.default_rng(1), 50_000)
    assert old.mean() == pytest.approx(fresh.mean(), rel=0.02)


def one_agent_state(patience: dict, **state) -> dict:
    d = day(horizon={"start": "08:00", "end": "09:00", "interval_minutes": 30})
    d["contact_types"] = {"phone": {"arrivals": {"volumes": [0, 0]}, "handle_time": {"dist": "deterministic", "mean": 100}, "patience": patience}}
    d["agent_pools"] = {"team": {"skills": ["phone"], "agents": 1}}
    d["start_state"] = {"at": "08:10", **state}
    return d


def test_a_deterministic_patience_that_has_run_50_of_60_seconds_ends_10_seconds_later():
    sc = scenario_from_dict(one_agent_state({"dist": "deterministic", "mean": 60}, waiting={"phone": [50]}, in_service={"team": {"phone": [20]}}, agents_now={"team": 1}))
    stats = simulate_replication(sc, 0, records=True)
    at = 600.0
    # the caller in service has 80 s left; the waiting one gives up at 08:10:10, having waited 60 s
    assert sorted(r[:5] for r in stats.records) == [(0, at - 50, None, at + 10, None), (0, at - 20, at - 20, at + 80, 0)]
    c = {k: float(v.sum()) for k, v in stats.counters.items()}
    assert (c["offered"], c["answered"], c["abandoned"]) == (1, 0, 1)  # the one in service was offered before 08:10


def test_backlogs_contacts_in_service_and_promised_callbacks_are_worked_and_counted():
    d = day()
    d["contact_types"]["phone"]["callback"] = {"offer_when_wait_exceeds": 60, "accept_probability": 0.5}
    state = LiveState(
        at="10:15",
        waiting={"phone": [5, 25, 45], "email": {"count": 40, "oldest_hours": 3}},
        in_service={"team": {"phone": [10, 60, 200]}},
        agents_now={"team": 18},
        callbacks_pending={"phone": ["10:00", "10:45", "11:30"]},
    )
    rest = rest_of_day(scenario_from_dict(d), state, 1.0)
    assert rest.horizon.interval_labels()[0] == "10:00" and rest.warmup_minutes == 0
    stats = [simulate_replication(rest, r) for r in range(4)]
    for s in stats:
        c = s.counters
        np.testing.assert_array_equal(c["offered"], c["answered"] + c["abandoned"])
        email = rest.type_names.index("email")
        # 40 emails of the backlog are offered in the interval of 10:15, on top of that interval's arrivals, and all answered
        assert c["offered"][email][0] >= 40 and c["answered"][email].sum() == c["offered"][email].sum()
        assert c["callbacks_kept"].sum() + c["callbacks_broken"].sum() >= 3  # the three promised, plus any offered today
    no_state = [simulate_replication(rest_of_day(scenario_from_dict(d), LiveState(at="10:15"), 1.0), r) for r in range(4)]
    assert sum(s.counters["queue_area"].sum() for s in stats) > sum(s.counters["queue_area"].sum() for s in no_state)


def test_the_reforecast_factor_on_a_hand_made_day():
    sc = scenario_from_dict(day())
    # the first four intervals ran 20% over their forecast of 100, 110, 120, 130
    ref = reforecast(sc, LiveState(at="10:00", actuals={"phone": [120, 132, 144, 156]}))
    assert ref.raw_ratio == pytest.approx(1.2)
    assert ref.intervals_observed == 4
    assert ref.factor == pytest.approx(1 + 4 / 8 * 0.2)
    assert reforecast(sc, LiveState(at="10:00", actuals={"phone": [120, 132, 144, 156]}), enabled=False).factor == 1.0
    rest = rest_of_day(sc, LiveState(at="10:00", actuals={"phone": [120, 132, 144, 156]}), ref.factor)
    assert rest.contact_types["phone"].arrivals.volumes[0] == pytest.approx(140 * 1.1)
    assert rest.contact_types["email"].arrivals.volumes[0] == pytest.approx(5)  # no actuals: kept as forecast


def test_three_more_agents_from_noon_help_from_the_same_state():
    d = day(replications=10)
    plus = list(DAY["agent_pools"]["team"]["agents"])
    plus[8:] = [a + 3 for a in plus[8:]]
    d["variants"] = {"plus_3_from_noon": {"agent_pools": {"team": {"agents": plus}}}}
    state = LiveState(at="11:30", waiting={"phone": [20, 40, 60, 80]}, agents_now={"team": 18}, actuals={"phone": [110, 125, 130, 145, 150, 160, 165]})
    cmp, ref = compare_from_state(plans_from_scenario(scenario_from_dict(d)), state, workers=1)
    assert ref.factor > 1
    [sl] = [x for x in cmp.to_dict()["differences"] if x["plan"] == "plus_3_from_noon" and x["name"] == "phone" and x["metric"] == "service_level"]
    assert sl["day"]["ci95"][0] > 0 and sl["day"]["verdict"] == "better", sl["day"]


def test_a_state_that_does_not_fit_its_scenario_names_the_problem():
    bad = LiveState(at="15:00", waiting={"chat": [10]}, in_service={"desk": {"phone": [10]}}, callbacks_pending={"phone": ["12:00"]})
    with pytest.raises(ScenarioError) as info:
        rest_of_day(scenario_from_dict(day()), bad)
    text = "\n".join(info.value.problems)
    for expected in ("at: 15:00 is outside the horizon", "waiting -> chat: not a contact type", "in_service -> desk: not an agent pool",
                     "callbacks_pending -> phone: phone offers no callbacks"):
        assert expected in text


def test_now_reports_the_rest_of_the_day():
    res = now(scenario_from_dict(day()), LiveState(at="11:30", waiting={"phone": [10]}, actuals={"phone": [100] * 7}), replications=3, workers=1)
    data = res.to_dict()
    assert list(data)[:6] == ["ccsim_version", "scenario", "at", "seed", "replications", "reforecast"]
    assert data["at"] == "11:30" and data["by_interval"][0]["interval_start"] == "11:30"
    assert set(data["reforecast"]) == {"factor", "raw_ratio", "intervals_observed", "method"}


def test_the_now_command_prints_json_and_refuses_a_bad_state(cli, tmp_path):
    import json

    from conftest import SCENARIOS

    state = SCENARIOS / "states" / "tuesday_1130.yaml"
    res = cli("now", SCENARIOS / "tuesday_actions.yaml", "--state", state, "-r", "2", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["at"] == "11:30" and data["by_interval"][0]["interval_start"] == "11:30"
    bad = tmp_path / "bad.yaml"
    bad.write_text('at: "11:30"\nwaiting: {chat: [10]}\nagents_now: {desk: 3}\n')
    res = cli("now", SCENARIOS / "tuesday_actions.yaml", "--state", bad)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"{bad}: waiting -> chat: not a contact type (known: phone)" in res.output
    assert f"{bad}: agents_now -> desk: not an agent pool (known: service_desk)" in res.output
    out = tmp_path / "out"
    res = cli("compare", SCENARIOS / "tuesday_actions.yaml", "--state", state, "-r", "2", "--out", out)
    assert res.exit_code == 0, res.output
    assert "action overtime_3_from_noon" in res.output
    assert json.loads((out / "comparison.json").read_text())["actions"]
    assert "What to do now: the actions ranked" in (out / "report.html").read_text()


def test_the_rest_of_the_day_from_a_forecast_file(tmp_path):
    from ccsim.intraday import from_state

    rows = ["interval;phone"] + [f"{10 + h // 2:02d}:{30 * (h % 2):02d};{1000 + h}" for h in range(8)]
    path = tmp_path / "reforecast.csv"
    path.write_text("\n".join(rows) + "\n")
    rest, ref = from_state(scenario_from_dict(day()), LiveState(at="10:15", actuals={"phone": [200] * 4}), forecast=path)
    assert rest.contact_types["phone"].arrivals.volumes == [1000 + h for h in range(8)]
    assert rest.contact_types["email"].arrivals.rates_per_s(rest.horizon)[0] * 1800 == pytest.approx(5)  # not in the file: as forecast
    assert ref.factor == 1.0 and "reforecast.csv" in ref.method
    path.write_text("interval;phone\n11:00;900\n")
    with pytest.raises(ScenarioError) as info:
        from_state(scenario_from_dict(day()), LiveState(at="10:15"), forecast=path)
    assert "row 2: interval 11:00, but the horizon starts at 10:00" in "\n".join(info.value.problems)
