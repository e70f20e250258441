"""Shared helpers: the reference scenario as a dict, a CLI runner and one Dask cluster for the suite."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"

REFERENCE = {
    "name": "Reference M/M/n+M",
    "seed": 7,
    "replications": 10,
    "warmup_minutes": 0,
    "horizon": {"hours": 8, "interval_minutes": 30},
    "contact_types": {
        "calls": {
            "arrivals": {"per_hour": 1000},
            "handle_time": {"dist": "exponential", "mean": 300},
            "patience": {"dist": "exponential", "mean": 60},
            "service_level": {"seconds": 20, "target": 0.8},
        }
    },
    "agent_pools": {"team": {"skills": ["calls"], "agents": 90}},
}


def changed(doc: dict, **changes) -> dict:
    """A deep copy of a scenario dict with values set by path, parts joined by ``__``:
    ``changed(d, horizon__days=2)``."""
    doc = copy.deepcopy(doc)
    for path, value in changes.items():
        node = doc
        *parents, last = path.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    return doc


def assert_books_close(stats) -> None:
    """The invariants every day keeps, per replication, contact type and interval, whatever its
    behaviours: every offered contact is answered or abandoned, every offered contact came some
    way, every customer ends one way, and the counts that are parts of others stay within them."""
    import numpy as np

    for s in stats:
        c = s.counters
        np.testing.assert_array_equal(c["offered"], c["answered"] + c["abandoned"])
        np.testing.assert_array_equal(c["offered"], c["first_attempts"] + c["redials"] + c["transfers_in"] + c["channel_hops"] + c["repeat_contacts"])
        np.testing.assert_array_equal(
            c["customers"], c["customers_answered"] + c["customers_abandoned"] + c["customers_unresolved"] + c["customers_self_served"]
        )
        assert (c["balked"] <= c["abandoned"]).all() and (c["silent_abandons"] <= c["abandoned"]).all()
        assert c["callbacks_accepted"].sum() == c["callbacks_kept"].sum() + c["callbacks_broken"].sum()
        assert (c["over_tolerance"] <= c["answered"]).all()
        assert (c["multi_agent_customers"] <= c["customers"]).all()


def reference(**changes) -> dict:
    """A deep copy of the reference scenario dict with top-level keys replaced."""
    d = copy.deepcopy(REFERENCE)
    d.update(changes)
    return d


@pytest.fixture
def cli():
    """Invoke the ccsim Typer app in-process: ``cli("run", "--json")`` -> click Result."""
    from cli import app

    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, [str(a) for a in args])

    return invoke


@pytest.fixture(scope="session")
def dask_cluster():
    """A real Dask cluster of two worker processes on this machine, started once for the whole suite.

    Starting one takes about a second and leaves worker processes behind until it closes, so the
    tests that need a cluster share this one; a test that counts the cluster's work compares
    before and after its own run (the scheduler's task counts only grow).
    """
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster
