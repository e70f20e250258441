"""The simulation pinned to the exact theory: M/M/n against Erlang C, M/M/n+M against Erlang A.

Each case simulates enough warmed-up, steady days that the 99% confidence interval of every
measure is narrow (its half-width is asserted too, so a loose estimate cannot pass by being
vague), and the exact value from ccsim.erlang must fall inside it. Seeds are fixed: not flaky.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ccsim import erlang, scenario_from_dict
from ccsim.metrics import estimate
from ccsim.model import simulate_replication
from ccsim.model.tally import histogram_quantile


def steady_scenario(per_hour: float, aht: float, agents: int, patience: float | None, seed: int) -> dict:
    calls = {
        "arrivals": {"per_hour": per_hour},
        "handle_time": {"dist": "exponential", "mean": aht},
        "service_level": {"seconds": 20, "target": 0.8},
    }
    if patience is not None:
        calls["patience"] = {"dist": "exponential", "mean": patience}
    return {
        "name": "steady",
        "seed": seed,
        "replications": 20,
        "warmup_minutes": 120,
        "horizon": {"hours": 24, "interval_minutes": 60},
        "contact_types": {"calls": calls},
        "agent_pools": {"team": {"skills": ["calls"], "agents": agents}},
    }


def day_measures(sc) -> dict[str, np.ndarray]:
    reps = [simulate_replication(sc, r) for r in range(sc.replications)]

    def total(key):
        return np.array([r.counters[key].sum() for r in reps])

    offered, answered = total("offered"), total("answered")
    return {
        "service_level": total("within_sl") / offered,
        "p_abandon": total("abandoned") / offered,
        "asa_seconds": total("wait_answered_sum") / answered,
        "mean_wait_seconds": total("wait_all_sum") / offered,
        "p_wait": 1 - total("answered_at_once") / offered,
        "occupancy": np.array([r.pool_levels["busy_area"].sum() / r.pool_levels["staffed_area"].sum() for r in reps]),
    }


# (label, calls per hour, AHT s, agents, mean patience s or None for M/M/n)
CASES = [
    ("M/M/n light, 10 Erl on 14", 200, 180, 14, None),
    ("M/M/n heavy, 45 Erl on 52", 900, 180, 52, None),
    ("M/M/n+M light, 10 Erl on 14", 200, 180, 14, 120),
    ("M/M/n+M critical, 83 Erl on 85", 1000, 300, 85, 60),
    ("M/M/n+M overloaded, 12 Erl on 10", 240, 180, 10, 60),
    ("M/M/n+M overloaded, 100 Erl on 80", 1200, 300, 80, 90),
]


@pytest.mark.slow
@pytest.mark.parametrize("label,per_hour,aht,agents,patience", CASES, ids=[c[0] for c in CASES])
def test_simulation_matches_exact_erlang(label, per_hour, aht, agents, patience):
    sc = scenario_from_dict(steady_scenario(per_hour, aht, agents, patience, seed=2026))
    model = "C" if patience is None else "A"
    exact = erlang.measures(model, per_hour, aht, agents, 20, patience_s=patience)
    sim = day_measures(sc)
    for key, values in sim.items():
        truth = getattr(exact, key)
        ci = estimate(values, confidence=0.99)
        assert ci.lo <= truth <= ci.hi, f"{label}: {key} exact {truth:.5f} outside 99% CI [{ci.lo:.5f}, {ci.hi:.5f}]"
    asa = estimate(sim["asa_seconds"], confidence=0.99)
    assert asa.half_width < 0.3 * exact.asa_seconds + 0.5, f"{label}: ASA estimate too loose to catch a bug ({asa.half_width:.2f} s)"
    assert estimate(sim["service_level"], confidence=0.99).half_width < 0.03


@pytest.mark.slow
@pytest.mark.parametrize("per_hour,aht,agents", [(200, 180, 14), (900, 180, 52)], ids=["10 Erl on 14", "45 Erl on 52"])
def test_wait_percentiles_match_the_erlang_c_wait_distribution(per_hour, aht, agents):
    """In M/M/n, P(wait > t) = C(n, a) exp(-(n mu - lambda) t): the q-quantile is 0 while 1 - q >= C,
    else ln(C / (1 - q)) / (n mu - lambda). The percentile metrics must hold it in their 99% CI."""
    sc = scenario_from_dict({**steady_scenario(per_hour, aht, agents, None, seed=7), "replications": 40})
    c = erlang.measures("C", per_hour, aht, agents, 20).p_wait
    rate = agents / aht - per_hour / 3600
    reps = [simulate_replication(sc, r) for r in range(sc.replications)]
    hist = np.stack([r.day_wait_hist[0] for r in reps])
    for q in (0.5, 0.9, 0.95):
        truth = 0.0 if 1 - q >= c else math.log(c / (1 - q)) / rate
        ci = estimate(histogram_quantile(hist, q), confidence=0.99)
        assert ci.lo - 1e-9 <= truth <= ci.hi + 1e-9, f"p{q * 100:g}: exact {truth:.2f} s outside 99% CI [{ci.lo:.2f}, {ci.hi:.2f}]"
        assert ci.half_width < 0.2 * truth + 1.0, f"p{q * 100:g}: too loose to catch a bug ({ci.half_width:.2f} s)"
    # per interval too, each replication's percentiles are ordered (NaN only where nobody arrived)
    for r in reps:
        p50, p90, p95 = (r.wait_quantiles[q] for q in (0.5, 0.9, 0.95))
        assert np.all((p50 <= p90) & (p90 <= p95))


def test_erlang_a_sees_what_erlang_c_cannot():
    """Overloaded, Erlang C has no answer at all; the simulation and Erlang A agree on a finite one."""
    c = erlang.measures("C", 240, 180, 10, 20)
    assert not c.stable
    a = erlang.measures("A", 240, 180, 10, 20, patience_s=60)
    assert a.stable and 0.1 < a.p_abandon < 0.5
