"""Event traces small enough to check every time by hand."""

from __future__ import annotations

import pytest

from ccsim import scenario_from_dict
from ccsim.model import simulate_replication


def one_agent_day(**ct_changes) -> dict:
    calls = {
        "arrivals": {"at_seconds": [0, 10, 20]},
        "handle_time": {"dist": "deterministic", "mean": 30},
        "patience": {"dist": "deterministic", "mean": 25},
        "service_level": {"seconds": 20, "target": 0.8},
    }
    calls.update(ct_changes)
    return {
        "name": "trace",
        "horizon": {"start": "09:00", "hours": 0.5, "interval_minutes": 30},
        "contact_types": {"calls": calls},
        "agent_pools": {"solo": {"skills": ["calls"], "agents": 1}},
    }


def test_one_agent_three_calls_trace():
    # t=0 call 1 answered at once, ends 30. t=10 call 2 waits 20 s, answered 30, ends 60.
    # t=20 call 3 would be answered at 60 (wait 40) but its patience is 25: it hangs up at 45.
    # Rows are numbered as contacts end (1 at 30, 2 at 45, 3 at 60); each call is its own customer.
    sc = scenario_from_dict(one_agent_day())
    stats = simulate_replication(sc, 0, records=True)
    assert sorted(stats.records, key=lambda r: r[1]) == [
        (0, 0.0, 0.0, 30.0, 0, 1, 1, "answered"),
        (0, 10.0, 30.0, 60.0, 0, 3, 3, "answered"),
        (0, 20.0, None, 45.0, None, 2, 2, "abandoned"),
    ]
    c = {k: v[0, 0] for k, v in stats.counters.items()}
    assert (c["offered"], c["answered"], c["abandoned"]) == (3, 2, 1)
    assert c["within_sl"] == 2  # waits 0 and 20 are both <= 20
    assert c["wait_answered_sum"] == 20.0
    assert c["wait_all_sum"] == 45.0  # 0 + 20 + 25
    assert c["max_queue"] == 2  # calls 2 and 3 wait together during 20..30
    # queue: 1 waiting during 10..20, 2 during 20..30, 1 during 30..45
    assert c["queue_area"] == pytest.approx(10 + 20 + 15)
    assert stats.pool_levels["busy_area"][0, 0] == pytest.approx(60.0)
    assert stats.pool_levels["staffed_area"][0, 0] == pytest.approx(1800.0)


def test_agent_whose_shift_ends_finishes_the_contact_in_hand():
    # Interval 1 (09:00) has one agent, interval 2 (09:30) none. The call arriving at 1790 s is
    # answered at once and finished at 1820 s although the agent's shift ended at 1800 s; the
    # call arriving at 1810 s never meets an agent and, being infinitely patient, is counted
    # abandoned when nothing else can happen, here the close at 3600 s (so offered == answered
    # + abandoned still holds).
    d = one_agent_day(arrivals={"at_seconds": [1790, 1810]}, patience=None)
    d["horizon"] = {"start": "09:00", "hours": 1, "interval_minutes": 30}
    d["agent_pools"]["solo"]["agents"] = [1, 0]
    stats = simulate_replication(scenario_from_dict(d), 0, records=True)
    rows = sorted(stats.records, key=lambda r: r[1])
    assert rows[0][:5] == (0, 1790.0, 1790.0, 1820.0, 0)
    assert rows[1][2] is None and rows[1][3] == 3600.0
    busy = stats.pool_levels["busy_area"][0]
    assert busy.tolist() == pytest.approx([10.0, 20.0])  # busy time split at the boundary
    staffed = stats.pool_levels["staffed_area"][0]
    assert staffed.tolist() == pytest.approx([1800.0, 20.0])  # present until the call ends


def test_longest_idle_agent_takes_the_call_and_skill_priority_orders_queues():
    # Two pools: 'a' serves only vip; 'b' serves vip first, then normal. One agent each.
    d = {
        "name": "routing",
        "horizon": {"hours": 0.5, "interval_minutes": 30},
        "contact_types": {
            "vip": {"arrivals": {"at_seconds": [0, 1, 5]}, "handle_time": {"dist": "deterministic", "mean": 100}},
            "normal": {"arrivals": {"at_seconds": [2]}, "handle_time": {"dist": "deterministic", "mean": 100}},
        },
        "agent_pools": {
            "a": {"skills": ["vip"], "agents": 1},
            "b": {"skills": ["vip", "normal"], "agents": 1},
        },
    }
    stats = simulate_replication(scenario_from_dict(d), 0, records=True)
    rows = {(r[0], r[1]): r for r in stats.records}
    # both agents idle since 0; the tie goes to the first pool listed
    assert rows[(0, 0.0)][4] == 0
    assert rows[(0, 1.0)][4] == 1
    # at t=100 pool a frees first (eid order) and takes vip@5; at t=101 b frees and takes normal@2
    assert rows[(0, 5.0)][2] == 100.0 and rows[(0, 5.0)][4] == 0
    assert rows[(1, 2.0)][2] == 101.0 and rows[(1, 2.0)][4] == 1
