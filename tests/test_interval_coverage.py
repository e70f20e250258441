"""The 95% intervals hold the true value in about 95% of independent experiments.

The truth is exact Erlang A. Each experiment is what a planner runs: one stationary M/M/n+M day
(400 calls an hour, exponential handle time of 180 s, 21 agents, exponential patience of 120 s,
80/20, four one-hour intervals) simulated with 10 replications, through ``ccsim.simulate``, the
same code path as the JSON and the CSV. 200 experiments, each with its own seed, are independent.

Erlang A is the steady state, and a simulated day is finite, so the day is made as close to
stationary as it can be. It starts empty, but the hour of warm-up is 20 handle times and 30 mean
patiences, far longer than the queue takes to forget its start. At the close arrivals stop while
the agents stay until the queue is empty, and the queue is first come first served, so no contact's
wait depends on the close. A replication's figure is a ratio of its totals (about 1,600 contacts
for the day, 400 an hour), slightly biased: over 10,000 replications the hours' mean service level
is 0.1 to 0.4 point above Erlang A, first and last hour alike, the day's 0.02 point, against
half-widths of about 7 points an hour and 3.5 for the day.

If the coverage is 95%, the number of covering intervals falls inside the binomial 99.9% range:
179 to 198 of the 200 days, 738 to 779 of the 800 hours. The four hours of an experiment share its
replications but not their time, and an hour is far longer than the queue's memory, so the hours
are taken as independent too. A method too wide fails, and so does one too narrow: a percentile
bootstrap of the same values covers about 89% of the hours. This seed gives 189 and 187 of 200
days, 743 and 750 of 800 hours (service level, abandon rate); over 1,000 experiments the t
interval covered 95.0% and 94.4% of the days, 94.0% of the hours. Fixed seeds: deterministic.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import ccsim
from ccsim import erlang, scenario_from_dict

PER_HOUR, AHT_S, AGENTS, PATIENCE_S, SL_S = 400, 180, 21, 120, 20
EXPERIMENTS, REPLICATIONS, HOURS = 200, 10, 4
EXACT = erlang.measures("A", PER_HOUR, AHT_S, AGENTS, SL_S, patience_s=PATIENCE_S)
TRUTH = {"service_level": EXACT.service_level, "abandon_rate": EXACT.p_abandon}


def day(seed: int) -> ccsim.Scenario:
    return scenario_from_dict(
        {
            "name": "coverage",
            "seed": seed,
            "replications": REPLICATIONS,
            "warmup_minutes": 60,
            "horizon": {"hours": HOURS, "interval_minutes": 60},
            "contact_types": {
                "calls": {
                    "arrivals": {"per_hour": PER_HOUR},
                    "handle_time": {"dist": "exponential", "mean": AHT_S},
                    "patience": {"dist": "exponential", "mean": PATIENCE_S},
                    "service_level": {"seconds": SL_S, "target": 0.8},
                }
            },
            "agent_pools": {"team": {"skills": ["calls"], "agents": AGENTS}},
        }
    )


def covers(e: ccsim.metrics.Estimate, truth: float) -> bool:
    return e.lo <= truth <= e.hi


@pytest.mark.slow
def test_intervals_cover_exact_erlang_a_about_95_percent_of_the_time():
    covered = {(metric, scope): [] for metric in TRUTH for scope in ("day", "hour")}
    for k in range(EXPERIMENTS):
        result = ccsim.simulate(day(seed=20260 + k), workers=1)
        for metric, truth in TRUTH.items():
            covered[(metric, "day")].append(covers(result.by_contact_type["calls"][metric], truth))
            covered[(metric, "hour")] += [covers(e, truth) for e in result.intervals_by_contact_type["calls"][metric]]
    for (metric, scope), hits in covered.items():
        lo, hi = stats.binom.interval(0.999, len(hits), 0.95)
        assert lo <= sum(hits) <= hi, f"{metric} per {scope}: {sum(hits)} of {len(hits)} intervals cover Erlang A ({np.mean(hits):.1%}), expected {lo:.0f} to {hi:.0f}"
