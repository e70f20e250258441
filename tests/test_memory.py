"""Memory stays flat as contacts grow: one replication remembers per-interval tallies, not contacts.

Measured with tracemalloc (which also sees numpy's buffers): the peak of allocations made while one
replication runs. Each claim is checked against a control that must break it, per-contact records,
so the measurement is known to be able to see growth.
"""

from __future__ import annotations

import gc
import tracemalloc

import pytest

import ccsim
from ccsim.runner import simulate_replication

from conftest import reference

# Each measurement simulates up to four days of contacts under tracemalloc: slow.
pytestmark = pytest.mark.slow

#: What an interval may cost one contact type while a replication runs (live tally lists, sparse
#: wait histograms, frozen arrays); measured ~2.5 KB on CPython 3.11. A dense histogram per
#: interval (~6 KB) would break it.
BYTES_PER_INTERVAL = 5_000


def scenario(days: float, per_hour: float, agents: int):
    return ccsim.scenario_from_dict(
        reference(
            horizon={"hours": 24 * days, "interval_minutes": 15},
            contact_types={
                "calls": {
                    "arrivals": {"per_hour": per_hour},
                    "handle_time": {"dist": "exponential", "mean": 300},
                    "patience": {"dist": "exponential", "mean": 60},
                }
            },
            agent_pools={"team": {"skills": ["calls"], "agents": agents}},
        )
    )


def peak_bytes(sc, records: bool = False) -> tuple[int, int]:
    """(peak bytes allocated while one replication runs, contacts it simulated)."""
    gc.collect()
    tracemalloc.start()
    try:
        stats = simulate_replication(sc, 0, records)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, int(stats.counters["offered"].sum())


def test_eight_times_the_contacts_same_intervals_same_memory():
    small, n_small = peak_bytes(scenario(days=1, per_hour=250, agents=23))
    big, n_big = peak_bytes(scenario(days=1, per_hour=2000, agents=180))
    assert n_big > 7 * n_small > 30_000
    # agents and the queue are the only things that scale with load: a few hundred objects
    assert big - small < 1_000_000, f"{(big - small) / 1e6:.1f} MB more for {n_big - n_small:,} more contacts"
    # control: keeping a row per contact is visible to the same measurement
    kept, _ = peak_bytes(scenario(days=1, per_hour=2000, agents=180), records=True)
    assert kept - big > 50 * (n_big - n_small)


def test_a_long_horizon_grows_with_its_intervals_not_its_contacts():
    one, n_one = peak_bytes(scenario(days=1, per_hour=500, agents=45))
    four, n_four = peak_bytes(scenario(days=4, per_hour=500, agents=45))
    assert n_four > 3.5 * n_one
    added_intervals = 3 * 96
    assert four - one < BYTES_PER_INTERVAL * added_intervals, f"{(four - one) / added_intervals:,.0f} bytes per added interval"
    kept, _ = peak_bytes(scenario(days=4, per_hour=500, agents=45), records=True)
    assert kept - four > 50 * n_four
