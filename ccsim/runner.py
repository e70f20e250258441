"""One runner for every workload: a work unit is one replication of one scenario.

Replications of a run, the plans of a comparison, the points of a sweep and the iterations of a
staffing search are all lists of ``(scenario, replication)`` units. Each unit's random streams
depend only on its scenario's seed and its replication index, so results are identical whether
the units run here, in a process pool or elsewhere; they are returned in unit order.

Ctrl-C (KeyboardInterrupt) stops cleanly: finished units are returned, unfinished ones are
``None``, and ``Interrupted`` tells the caller to mark what it writes as partial.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable, Sequence

from .model.engine import simulate_replication
from .model.tally import ReplicationStats
from .results import SimulationResult
from .scenario import Scenario

Unit = tuple[Scenario, int]
Progress = Callable[[int, int], None]  # (finished, total)

#: Below this many expected contacts in all, starting worker processes costs more than it saves.
SMALL_RUN_CONTACTS = 300_000


@dataclass
class Batch:
    """Results of a list of units, in unit order; ``None`` for units that did not finish."""

    results: list[ReplicationStats | None]
    interrupted: bool
    wall_time_s: float


def expected_contacts(scenario: Scenario) -> float:
    hz = scenario.horizon
    return sum(sum(ct.arrivals.rates_per_s(hz)) * hz.interval_s for ct in scenario.contact_types.values())


def choose_workers(units: Sequence[Unit], workers: int | None) -> int:
    """``workers`` if given; otherwise one process for small runs and every core for big ones."""
    if workers is not None:
        return max(1, workers)
    if sum(expected_contacts(sc) for sc, _ in units) < SMALL_RUN_CONTACTS:
        return 1
    return os.cpu_count() or 1


def run_units(units: Sequence[Unit], workers: int | None = None, progress: Progress | None = None, records: bool = False) -> Batch:
    """Simulate every unit, in process or in a local process pool.

    ``records=True`` keeps one row per contact in each unit's stats (for ``--records`` logs)."""
    started = time.perf_counter()
    n_workers = choose_workers(units, workers)
    results: list[ReplicationStats | None] = [None] * len(units)
    done = 0
    interrupted = False
    if progress:
        progress(0, len(units))
    if n_workers == 1 or len(units) == 1:
        try:
            for i, (sc, rep) in enumerate(units):
                results[i] = simulate_replication(sc, rep, records)
                done += 1
                if progress:
                    progress(done, len(units))
        except KeyboardInterrupt:
            interrupted = True
    else:
        pool = ProcessPoolExecutor(max_workers=min(n_workers, len(units)))
        try:
            futures = {pool.submit(simulate_replication, sc, rep, records): i for i, (sc, rep) in enumerate(units)}
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    results[futures[fut]] = fut.result()
                    done += 1
                    if progress:
                        progress(done, len(units))
        except KeyboardInterrupt:
            interrupted = True
            for fut in futures:
                fut.cancel()
        finally:
            pool.shutdown(wait=not interrupted, cancel_futures=True)
    return Batch(results, interrupted, time.perf_counter() - started)


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    records: bool = False,
) -> SimulationResult:
    """Simulate a scenario's replications and summarise them with confidence intervals.

    ``replications`` and ``seed`` override the scenario's own. If interrupted, the finished
    replications are summarised and the result is marked ``partial``.
    """
    updates = {}
    if replications is not None:
        updates["replications"] = replications
    if seed is not None:
        updates["seed"] = seed
    if updates:
        scenario = scenario.model_copy(update=updates)
    units = [(scenario, r) for r in range(scenario.replications)]
    batch = run_units(units, workers, progress, records=records)
    finished = [r for r in batch.results if r is not None]
    if batch.interrupted and not finished:
        raise KeyboardInterrupt
    return SimulationResult.from_replications(scenario, finished, batch.wall_time_s, partial=batch.interrupted)
