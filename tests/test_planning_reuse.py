"""Planning commands reuse what they simulated, and that changes no figure.

Inside a ``runner.session`` every (scenario, replication) is simulated once and the worker
processes start once. ``CCSIM_REUSE=0`` turns that off; staff and trap must then find the same
plans and report the same figures, to the last digit, in one process and on two workers.
"""

from __future__ import annotations

import numpy as np
import pytest

from ccsim import load_scenario, runner
from ccsim.plans import current_plan, with_plan
from ccsim.runner import REUSE_ENV, run_units, session
from ccsim.staffing import staff
from ccsim.trap import explore
from conftest import REPO


def _figures(value):
    """A result's JSON without what the clock says (wall times, timings)."""
    if isinstance(value, dict):
        return {k: _figures(v) for k, v in value.items() if "wall_time" not in k and k != "timings_seconds"}
    if isinstance(value, list):
        return [_figures(v) for v in value]
    return value


def _both_ways(monkeypatch, run):
    """``run()`` with reuse, then without; the reuse session's counters too."""
    monkeypatch.delenv(REUSE_ENV, raising=False)
    with session() as reusing:
        fast = _figures(run().to_dict())
    monkeypatch.setenv(REUSE_ENV, "0")
    with session() as plain:
        slow = _figures(run().to_dict())
    assert reusing.reuse and not plain.reuse
    return fast, slow, reusing, plain


@pytest.mark.parametrize("workers", [1, 2])
def test_staff_finds_the_same_plans_and_figures_with_and_without_reuse(monkeypatch, workers):
    sc = load_scenario(REPO / "scenarios/two_pool_day.yaml")
    fast, slow, reusing, plain = _both_ways(monkeypatch, lambda: staff(sc, replications=3, max_replications=6, workers=workers))
    assert fast == slow
    assert reusing.simulated + reusing.reused == plain.simulated


@pytest.mark.parametrize("workers", [1, 2])
def test_trap_gives_the_same_sweep_cliff_and_gap_with_and_without_reuse(monkeypatch, workers):
    sc = load_scenario(REPO / "scenarios/default.yaml")
    fast, slow, reusing, plain = _both_ways(monkeypatch, lambda: explore(sc, replications=3, workers=workers))
    assert fast == slow
    assert reusing.reused > 0  # the sweep runs plans the gap's searches have simulated already: kept, not simulated again
    assert reusing.simulated + reusing.reused == plain.simulated


def test_a_session_simulates_each_day_once_and_hands_the_same_figures(monkeypatch):
    monkeypatch.delenv(REUSE_ENV, raising=False)
    sc = load_scenario(REPO / "scenarios/default.yaml")
    twin = with_plan(sc, {"service_desk": list(sc.agent_pools["service_desk"].agents)})  # another object, the same content
    plain = run_units([(sc, r) for r in range(3)], 1)
    with session(1) as s:
        first = run_units([(sc, 0), (twin, 0), (sc, 1)], 1)
        again = run_units([(twin, r) for r in range(3)], 1)
    assert (s.simulated, s.reused) == (3, 3)
    for got, want in zip(again.results, plain.results):
        assert all(np.array_equal(got.counters[k], want.counters[k]) for k in want.counters)
    assert first.results[0] is first.results[1] is again.results[0]


def test_a_session_starts_its_workers_once(monkeypatch):
    monkeypatch.delenv(REUSE_ENV, raising=False)
    sc = load_scenario(REPO / "scenarios/two_pool_day.yaml")
    with session(2) as s:
        batches = [run_units([(sc, r) for r in range(k, k + 4)], 2) for k in (0, 4)]
        assert s.pool is not None and len(s.pool.workers) == 2
    where = [{stats.extra["worker"] for stats in b.results} for b in batches]
    assert len(where[0]) == 2 and where[0] == where[1]  # the same two processes ran both batches
    assert s.pool is None  # stopped when the session ended


def test_a_session_on_a_dask_cluster_connects_once_and_gives_the_same_days(monkeypatch, dask_cluster):
    monkeypatch.delenv(REUSE_ENV, raising=False)
    sc = load_scenario(REPO / "scenarios/default.yaml")
    plain = run_units([(sc, r) for r in range(4)], 1)
    clients = []
    connect = runner._dask_client
    monkeypatch.setattr(runner, "_dask_client", lambda address: clients.append(connect(address)) or clients[-1])
    with session(scheduler=dask_cluster.scheduler_address):
        batches = [run_units([(sc, r) for r in range(k, k + 2)]) for k in (0, 2)]
    assert all(b.backend == "dask" for b in batches)
    assert len(clients) == 1 and clients[0].status == "closed"  # connected for the first batch, closed with the session
    got = [stats for b in batches for stats in b.results]
    assert all(np.array_equal(g.counters["offered"], w.counters["offered"]) for g, w in zip(got, plain.results))


def test_prefetched_days_are_simulated_once_and_are_the_same_days(monkeypatch):
    """Days named in advance fill the workers' idle time; asked for later, they are handed back, not run again."""
    monkeypatch.delenv(REUSE_ENV, raising=False)
    sc = load_scenario(REPO / "scenarios/two_pool_day.yaml")
    other = with_plan(sc, {p: [n + 1 for n in v] for p, v in current_plan(sc).items()})
    plain = run_units([(sc, r) for r in range(4)], 1)
    with session(2) as s:
        s.prefetch([(sc, r) for r in range(4)])
        run_units([(other, 0)])  # one day for two workers: the idle one takes a prefetched day
        later = run_units([(sc, r) for r in range(4)])
    assert (s.simulated, s.reused) == (5, 0)
    for got, want in zip(later.results, plain.results):
        assert all(np.array_equal(got.counters[k], want.counters[k]) for k in want.counters)


def test_a_batch_bigger_than_the_memory_budget_hands_back_every_day(monkeypatch):
    """The kept days are a cache: a batch that does not fit it still returns all of its days, and
    afterwards the session keeps only what fits."""
    monkeypatch.delenv(REUSE_ENV, raising=False)
    sc = load_scenario(REPO / "scenarios/default.yaml")
    with session(1) as s:
        s.keep_bytes = 1  # smaller than one day
        batch = run_units([(sc, r) for r in range(3)], 1)
        again = run_units([(sc, 2)], 1)
    assert all(stats is not None for stats in batch.results) and not batch.interrupted
    assert len(s.kept) == 0 and s.simulated == 4  # nothing fits; day 2 had to be simulated again
    assert np.array_equal(again.results[0].counters["offered"], batch.results[2].counters["offered"])
