"""A week of a large center: 7 days of 30-minute intervals, three contact types, ~30,000 contacts a day.

The issue's target: 20 replications in under a minute on two cores. The center is the bundled
retail week (scenarios/retail_week.yaml: Mon-Fri 08:00-20:00, Sat 09:00-14:00, Sun closed, a
Monday peak, the weekend's email backlog) with every volume and team fourteen times larger:
about 206,000 contacts a week, 29,500 a day on average over the seven (35,000 an open day, 52,000
on Monday). Timed whole
(loading the scenario, the simulation, the summary with its day-by-day figures), in one process
and with the machine's cores.

    python benchmarks/bench_week.py
"""

from __future__ import annotations

import os
import time

import yaml
from _common import header

import ccsim

SCALE = 14


def big_week() -> ccsim.Scenario:
    raw = yaml.safe_load(ccsim.bundled_scenario_path("retail_week").read_text())
    types = raw["contact_types"]
    types["calls"]["arrivals"]["weekly"] = {day: [v * SCALE for v in values] for day, values in types["calls"]["arrivals"]["weekly"].items()}
    for name in ("chat", "email"):
        types[name]["arrivals"]["per_hour"] *= SCALE
    types["email"]["initial_backlog"]["count"] *= SCALE
    for pool in raw["agent_pools"].values():
        pool["agents"] = int(pool["agents"] * SCALE * 0.95)
    raw["replications"] = 20
    return ccsim.scenario_from_dict(raw)


def main() -> None:
    header(f"A week of a large center: the retail week x{SCALE}, 20 replications")
    sc = big_week()
    for workers in sorted({1, os.cpu_count() or 1}):
        started = time.perf_counter()
        res = ccsim.simulate(sc, workers=workers)
        wall = time.perf_counter() - started
        offered = sum(res.by_contact_type[t]["offered"].mean for t in sc.type_names)
        busiest = max(sum(day["by_contact_type"][t]["offered"].mean for t in sc.type_names) for day in res.by_date.values())
        print(
            f"workers {workers}: {wall:5.1f} s for 20 replications of {offered:,.0f} contacts a week ({offered / 7:,.0f} a day, busiest {busiest:,.0f}); "
            f"{offered * 20 / wall:,.0f} contacts/s   (target: under 60 s on two cores)"
        )


if __name__ == "__main__":
    main()
