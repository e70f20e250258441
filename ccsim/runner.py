"""One runner for every workload: a work unit is one replication of one scenario.

Replications of a run, the plans of a comparison, the points of a sweep and the iterations of a
staffing search are all lists of ``(scenario, replication)`` units handed to ``run_units``. Three
backends run them:

- ``inprocess``: a plain loop in this process (the default for tiny runs: no start-up cost);
- ``processes``: a local process pool, ``workers`` processes (default: every core);
- ``dask``: a Dask distributed cluster, at ``scheduler="tcp://host:8786"`` or the address in
  ``CCSIM_DASK_SCHEDULER`` (needs ``pip install ccsim[dask]``).

Each unit's random streams depend only on its scenario's seed and its replication index, so a
unit gives the same numbers on every backend; results stream back in any order and are placed in
unit order, so what is merged from them is identical too.

Ctrl-C (KeyboardInterrupt, also when raised by the progress callback) stops cleanly: finished
units are returned, unfinished ones are ``None``, and ``Batch.interrupted`` tells the caller to
mark what it writes as partial.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Literal, Sequence

from .metrics import TYPE_METRICS, estimate_columns, stack_counters
from .model import simulate_replication
from .model.tally import ReplicationStats
from .results import SimulationResult
from .scenario import Scenario

Unit = tuple[Scenario, int]
Progress = Callable[[int, int], None]  # (finished units, total units)
Backend = Literal["inprocess", "processes", "dask"]

#: Environment variable naming a Dask scheduler to use when no ``scheduler`` is passed.
SCHEDULER_ENV = "CCSIM_DASK_SCHEDULER"

#: Below this many expected contacts in all, starting worker processes costs more than it saves.
SMALL_RUN_CONTACTS = 300_000

#: Rough engine speed, used only to size chunks of tiny units (contacts per second).
_CONTACTS_PER_S = 150_000
#: A task should hold at least this much work so that shipping it is cheap in comparison.
_MIN_TASK_S = 0.25
#: How long to try reaching a Dask scheduler before giving up.
_CONNECT_TIMEOUT_S = 20
#: The most replications a run with a precision target goes to, unless told otherwise.
MAX_REPLICATIONS = 1000


class RunnerError(RuntimeError):
    """A backend that cannot be used (dask not installed, scheduler unreachable); nothing ran."""


@dataclass
class Batch:
    """Results of a list of units, in unit order; ``None`` for units that did not finish."""

    results: list[ReplicationStats | None]
    interrupted: bool
    wall_time_s: float
    backend: str = "inprocess"
    workers: int = 1


def expected_contacts(scenario: Scenario) -> float:
    """Expected arrivals of one replication (first contacts only; redials and the like come on top)."""
    hz = scenario.horizon
    return sum(sum(ct.arrivals.rates_per_s(hz)) * hz.interval_s for ct in scenario.contact_types.values())


def available_cores() -> int:
    """Cores this process may use (respects CPU affinity, e.g. in containers and batch jobs)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def choose_workers(units: Sequence[Unit], workers: int | None) -> int:
    """``workers`` if given; otherwise one process for small runs and every core for big ones."""
    if workers is not None:
        return max(1, workers)
    if sum(expected_contacts(sc) for sc, _ in units) < SMALL_RUN_CONTACTS:
        return 1
    return available_cores()


def resolve_scheduler(scheduler: str | None) -> str | None:
    """The Dask scheduler address to use: the argument, else ``$CCSIM_DASK_SCHEDULER``, else none."""
    if scheduler is None:
        scheduler = os.environ.get(SCHEDULER_ENV, "")
    return scheduler.strip() or None


def chunk_size(units: Sequence[Unit], workers: int) -> int:
    """Units per task: 1 for real replications (best balance and a smooth progress bar); more
    for tiny ones (short staffing-search days), so that per-task overhead stays small."""
    if not units:
        return 1
    mean_s = sum(expected_contacts(sc) for sc, _ in units) / len(units) / _CONTACTS_PER_S
    by_cost = math.ceil(_MIN_TASK_S / mean_s) if mean_s > 0 else len(units)
    by_balance = math.ceil(len(units) / (4 * workers))  # keep >= 4 tasks per worker
    return max(1, min(by_cost, by_balance))


def _chunks(units: Sequence[Unit], size: int) -> Iterator[tuple[int, Scenario, list[int]]]:
    """(first unit index, scenario, replications): consecutive units of the same scenario object,
    at most ``size`` of them, so a scenario is shipped once per task, not once per unit."""
    i = 0
    while i < len(units):
        sc = units[i][0]
        j = i
        while j < len(units) and j - i < size and units[j][0] is sc:
            j += 1
        yield i, sc, [rep for _, rep in units[i:j]]
        i = j


def run_chunk(scenario: Scenario, replications: list[int], records: bool = False) -> list[ReplicationStats]:
    """Simulate some replications of one scenario: the task every backend ships.

    Each result notes where it ran (``extra["worker"]``, host:pid), for tracing a cluster run."""
    where = f"{socket.gethostname()}:{os.getpid()}"
    out = []
    for rep in replications:
        stats = simulate_replication(scenario, rep, records)
        stats.extra["worker"] = where
        out.append(stats)
    return out


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the parent, which cancels what is queued; a worker interrupted
    mid-task would otherwise report a KeyboardInterrupt as its result or break the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_units(
    units: Sequence[Unit],
    workers: int | None = None,
    progress: Progress | None = None,
    *,
    scheduler: str | None = None,
    backend: Backend | None = None,
    records: bool = False,
    chunksize: int | None = None,
) -> Batch:
    """Simulate every unit and return the results in unit order.

    ``backend`` defaults to ``dask`` when a scheduler is given (argument or ``$CCSIM_DASK_SCHEDULER``),
    else ``processes`` when more than one worker is chosen (``workers``, or every core for big
    runs), else ``inprocess``. ``progress(finished, total)`` is called in this process on every
    backend. ``records=True`` keeps one row per contact in each unit's stats (``--records`` logs).
    ``chunksize`` overrides how many units go in one task (default: see ``chunk_size``).
    """
    started = time.perf_counter()
    units = list(units)
    address = resolve_scheduler(scheduler) if backend in (None, "dask") else None
    if backend is None:
        backend = "dask" if address else "processes" if choose_workers(units, workers) > 1 and len(units) > 1 else "inprocess"
    results: list[ReplicationStats | None] = [None] * len(units)
    state = _Progress(len(units), progress)
    interrupted = False
    n_workers = 1
    try:
        state.report(0)
        if backend == "inprocess":
            for i, (sc, rep) in enumerate(units):
                results[i] = run_chunk(sc, [rep], records)[0]
                state.report(1)
        elif backend == "processes":
            n_workers = min(choose_workers(units, workers), max(1, len(units)))
            _run_pool(units, results, state, n_workers, chunksize or chunk_size(units, n_workers), records)
        elif backend == "dask":
            if not address:
                raise RunnerError(f"the dask backend needs a scheduler address (scheduler=... or ${SCHEDULER_ENV})")
            n_workers = _run_dask(units, results, state, address, chunksize or 1, records)
        else:
            raise ValueError(f"unknown backend {backend!r} (inprocess, processes or dask)")
    except KeyboardInterrupt:
        interrupted = True
    return Batch(results, interrupted, time.perf_counter() - started, backend, n_workers)


class _Progress:
    def __init__(self, total: int, callback: Progress | None):
        self.total, self.done, self.callback = total, 0, callback

    def report(self, finished: int) -> None:
        self.done += finished
        if self.callback is not None:
            self.callback(self.done, self.total)


def _run_pool(units: list[Unit], results: list, state: _Progress, n_workers: int, size: int, records: bool) -> None:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    pool = ProcessPoolExecutor(max_workers=n_workers, initializer=_ignore_sigint)
    stopped = False
    try:
        futures = {pool.submit(run_chunk, sc, reps, records): (first, len(reps)) for first, sc, reps in _chunks(units, size)}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                first, n = futures[fut]
                results[first : first + n] = fut.result()
                state.report(n)
    except BaseException:
        stopped = True
        raise
    finally:
        # On Ctrl-C: cancel the queued tasks and let the running ones end (workers ignore SIGINT).
        # Terminating workers instead can leave half a result in the pool's pipe, on which the
        # executor's manager thread then blocks forever and the process hangs at exit; a running
        # task is one replication or ~0.25 s of tiny ones, so waiting is short.
        pool.shutdown(wait=True, cancel_futures=stopped)


def _run_dask(units: list[Unit], results: list, state: _Progress, address: str, size: int, records: bool) -> int:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise RunnerError("the dask backend needs dask.distributed: pip install 'ccsim[dask]'") from None
    try:
        client = Client(address, set_as_default=False, timeout=_CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise RunnerError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:
        n_workers = max(1, sum(client.nthreads().values()))
        shipped: dict[int, Any] = {}  # each distinct scenario is sent to the cluster once
        futures = {}
        try:
            for first, sc, reps in _chunks(units, size):
                if id(sc) not in shipped:
                    shipped[id(sc)] = client.scatter(sc, broadcast=False, hash=False)
                fut = client.submit(run_chunk, shipped[id(sc)], reps, records, pure=False)
                futures[fut] = (first, len(reps))
            for fut in as_completed(futures, loop=client.loop):
                first, n = futures[fut]
                results[first : first + n] = fut.result()
                state.report(n)
        except BaseException:
            client.cancel(list(futures) + list(shipped.values()))
            raise
    return n_workers


def service_level_half_widths(scenario: Scenario, reps: list[ReplicationStats]) -> list[float]:
    """Each contact type's day service level: the 95% half-width of its mean over ``reps``, the
    Student-t one, t(0.975, n - 1) s / sqrt(n), before the interval is cut to [0, 1] (cut, an
    interval near 100% looks narrower than the figure is known). inf where fewer than two
    replications have the figure; 0 for a type nobody contacted."""
    types, _ = stack_counters(reps, [ct.service_level.definition for ct in scenario.contact_types.values()], scenario.horizon.interval_s)
    level = next(m for m in TYPE_METRICS if m.name == "service_level")
    col = estimate_columns(level.per_day(types))
    return [0.0 if n == 0 else math.inf if n == 1 else float(hi - lo) / 2 for lo, hi, n in zip(col.lo, col.hi, col.n)]


def widest_half_width(scenario: Scenario, days: list[list[ReplicationStats]]) -> float:
    """The widest ``service_level_half_widths`` over sets of replications (plans, sweep points)."""
    return max(max(service_level_half_widths(scenario, reps)) for reps in days)


def until_precise(
    run_batch: Callable[[int, int], bool], widest: Callable[[], float], replications: int, precision: float | None,
    max_replications: int = MAX_REPLICATIONS,
) -> int:
    """Replications 0, 1, ... in batches until the figures are precise enough; the replications run.

    ``run_batch(first, stop)`` runs replications ``first..stop-1`` (False: it was interrupted, so
    no more follow); the first batch is ``replications`` long. With a ``precision``, batches follow
    while ``widest()``, the widest uncut 95% half-width so far, is above it, up to
    ``max_replications`` in all. A half-width falls as one over the square root of the
    replications, so each batch is sized to reach the precision by that rule, but at most four
    times what has run (a few replications estimate their spread poorly).
    """
    n = replications
    if not run_batch(0, n):
        return n
    while precision is not None and n < max_replications:
        width = widest()
        if width <= precision:
            break
        grow = (width / precision) ** 2 if math.isfinite(width) else 4.0
        total = min(max_replications, max(n + 1, min(4 * n, math.ceil(n * grow))))
        done = run_batch(n, total)
        n = total
        if not done:
            break
    return n


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    records: bool = False,
    *,
    scheduler: str | None = None,
    backend: Backend | None = None,
    precision: float | None = None,
    max_replications: int = MAX_REPLICATIONS,
) -> SimulationResult:
    """Simulate a scenario's replications and summarise them with confidence intervals.

    ``replications`` and ``seed`` override the scenario's own; ``workers``, ``scheduler`` and
    ``backend`` choose where they run (see ``run_units``). With ``precision`` (a share, e.g. 0.01)
    more replications follow, in batches on the same backend, until every contact type's day
    service level has a 95% half-width (``service_level_half_widths``) at most that, or
    ``max_replications`` have run (``until_precise``); the result's ``replications`` says how many.
    If interrupted, the finished replications are summarised and the result is marked
    ``partial``; if none finished, KeyboardInterrupt propagates.
    """
    updates = {}
    if replications is not None:
        updates["replications"] = replications
    if seed is not None:
        updates["seed"] = seed
    if updates:
        scenario = scenario.model_copy(update=updates)
    finished: list[ReplicationStats] = []
    batches: list[Batch] = []

    def run_batch(first: int, stop: int) -> bool:
        step = None if progress is None else (lambda done, total: progress(first + done, first + total))
        batch = run_units([(scenario, r) for r in range(first, stop)], workers, step, scheduler=scheduler, backend=backend, records=records)
        batches.append(batch)
        finished.extend(r for r in batch.results if r is not None)
        return not batch.interrupted

    until_precise(run_batch, lambda: widest_half_width(scenario, [finished]), scenario.replications, precision, max_replications)
    interrupted = batches[-1].interrupted
    if interrupted and not finished:
        raise KeyboardInterrupt
    return SimulationResult.from_replications(scenario, finished, sum(b.wall_time_s for b in batches), partial=interrupted)
