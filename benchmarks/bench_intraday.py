"""ccsim now on a 200-agent center: the rest of the day from 11:30 with 20 replications.

The issue's target is an answer in under 10 s on two cores: a planner asks at 11:30 and acts at
11:31. The center: 2,400 calls an hour at the lunch peak, AHT 280 s (lognormal), patience 90 s,
200 agents planned, 8 out sick; 40 callers waiting and 180 being served at 11:30; the morning
12% over forecast. Timed whole (the reforecast, building the rest of the day, the simulation, the
summary), in one process and with the machine's cores.

    python benchmarks/bench_intraday.py
"""

from __future__ import annotations

import os
import time

from _common import header

import ccsim
from ccsim.intraday import now
from ccsim.state import LiveState

PEAK = [1200, 1500, 1800, 2000, 2200, 2300, 2400, 2400, 2300, 2200, 2100, 2000, 1900, 1800, 1700, 1600, 1500, 1400, 1300, 1200, 1100, 1000, 900, 800]


def center() -> ccsim.Scenario:
    return ccsim.scenario_from_dict(
        {
            "name": "200-agent center",
            "seed": 1,
            "replications": 20,
            "horizon": {"start": "08:00", "end": "20:00", "interval_minutes": 30},
            "contact_types": {
                "phone": {
                    "arrivals": {"volumes": [v / 2 for v in PEAK]},
                    "handle_time": {"dist": "lognormal", "mean": 280, "cv": 0.8},
                    "patience": {"dist": "exponential", "mean": 90},
                }
            },
            "agent_pools": {"floor": {"skills": ["phone"], "agents": 200}},
        }
    )


def state() -> LiveState:
    return LiveState(
        at="11:30",
        waiting={"phone": [3 * i for i in range(40)]},
        in_service={"floor": {"phone": [1.5 * i for i in range(180)]}},
        agents_now={"floor": 192},
        actuals={"phone": [v / 2 * 1.12 for v in PEAK[:7]]},
    )


def main() -> None:
    header("ccsim now: the rest of the day from 11:30, 200 agents, 20 replications")
    sc, live = center(), state()
    for workers in (1, os.cpu_count() or 1):
        started = time.perf_counter()
        res = now(sc, live, workers=workers)
        wall = time.perf_counter() - started
        offered = sum(e.mean for e in res.result.intervals_by_contact_type["phone"]["offered"]) * res.result.replications
        print(
            f"workers {workers}: {wall:5.2f} s for {res.result.replications} replications, {offered:,.0f} contacts "
            f"({offered / wall:,.0f}/s); service level {res.result.by_contact_type['phone']['service_level'].mean:.1%}; "
            f"reforecast x{res.reforecast.factor:.3f}   (target: under 10 s)"
        )


if __name__ == "__main__":
    main()
