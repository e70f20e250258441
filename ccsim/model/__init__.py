"""The simulation model: one replication of a scenario, with the behaviours it switches on."""

from __future__ import annotations

from ..scenario import Scenario
from .behaviours import REGISTRY
from .engine import Engine
from .tally import ReplicationStats


def simulate_replication(scenario: Scenario, replication: int, records: bool = False) -> ReplicationStats:
    """Simulate one day; a plain function so process pools and Dask can ship it."""
    return Engine(scenario, replication, records, REGISTRY).run()
