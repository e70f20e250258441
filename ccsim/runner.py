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
mark what it writes as partial. Running units are abandoned at once (a pool's workers are killed:
they hold nothing but the replication they run), and no worker process outlives ``run_units``. A
pool worker that dies (SIGKILL, the out-of-memory killer) stops the batch the same way, with one
ERROR record on the ``ccsim.runner`` logger saying which and how.

A planning command (staff, trap, compare) hands the runner many small batches: every iteration
of a staffing search, every trial plan, every point of a sweep. Inside ``session(...)`` they
share one ``Session``: its worker processes start once, each keeps the scenarios it was sent (a
task ships a scenario only the first time a worker sees it), and each (scenario, replication)
is simulated once, however often it is asked for (``scenario_key``: replication k of two
scenarios with the same content is the same day). ``$CCSIM_REUSE=0`` turns both off; the
figures are the same either way, only slower.
"""

from __future__ import annotations

import hashlib
import logging
import math
import multiprocessing
import os
import signal
import socket
import threading
import time
import traceback
from collections import OrderedDict, deque
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
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
#: What a user sends to stop a run: Ctrl-C, and the polite kill (shells, ``timeout``, systemd).
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
#: Environment variable: 0 turns a session's reuse off (no kept replications, a pool per batch).
REUSE_ENV = "CCSIM_REUSE"
#: In a session, a replication expected to have at least this many contacts is worth shipping to
#: a worker: its simulation takes several times what sending it and its result back costs.
SESSION_UNIT_CONTACTS = 1_000
#: The most memory a session's kept replications take (their arrays); the least recently used go first.
SESSION_KEEP_BYTES = 256 * 2**20
#: Scenarios a pool worker keeps, most recently used, so that a task ships its scenario only once.
_WORKER_SCENARIOS = 16

log = logging.getLogger(__name__)


class RunnerError(RuntimeError):
    """A backend that cannot be used (dask not installed, scheduler unreachable); nothing ran."""


@dataclass
class Batch:
    """Results of a list of units, in unit order; ``None`` for units that did not finish.

    ``interrupted``: the batch stopped before every unit finished (Ctrl-C, or a worker process died)."""

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


def chunk_size(units: Sequence[Unit], workers: int, min_task_s: float = _MIN_TASK_S) -> int:
    """Units per task: 1 for real replications (best balance and a smooth progress bar); more
    for tiny ones (short staffing-search days), so that per-task overhead stays small: a task
    holds at least ``min_task_s`` of work, as far as balance allows."""
    if not units:
        return 1
    mean_s = sum(expected_contacts(sc) for sc, _ in units) / len(units) / _CONTACTS_PER_S
    by_cost = math.ceil(min_task_s / mean_s) if mean_s > 0 else len(units)
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


def _serve(conn: Connection, records: bool) -> None:
    """A pool worker: run the tasks that come through ``conn`` until the parent closes it or is gone.

    SIGINT, SIGTERM and SIGHUP are ignored: a terminal sends Ctrl-C (and, when it closes, SIGHUP) to
    the whole process group, and the parent decides what stops (it kills its workers). A task's exception goes back to the parent,
    which raises it as the in-process backend would. A task names its scenario by a key and
    carries it only if this worker does not hold it yet (``_Worker.send`` keeps the same account)."""
    for s in _STOP_SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    held = _Held()
    try:
        while True:
            key, scenario, replications = conn.recv()
            scenario = held.take(key, scenario)
            try:
                out: Any = run_chunk(scenario, replications, records)
            except Exception as exc:
                exc.add_note(f"in worker process {os.getpid()}:\n{traceback.format_exc()}")
                out = exc
            conn.send(out)
    except (EOFError, OSError):  # the parent closed the pipe, or died
        pass


class _Held:
    """The scenarios one pool worker holds, most recently used last. The parent keeps a twin for
    each worker and both see the same keys in the same order, so they always agree on what is held."""

    def __init__(self) -> None:
        self.scenarios: OrderedDict[Any, Scenario | None] = OrderedDict()

    def has(self, key: Any) -> bool:
        return key in self.scenarios

    def take(self, key: Any, scenario: Scenario | None) -> Scenario | None:
        """Note that ``key`` is used now; a scenario sent with it is kept, None means the one held."""
        if scenario is None:
            self.scenarios.move_to_end(key)
            return self.scenarios[key]
        self.scenarios[key] = scenario
        if len(self.scenarios) > _WORKER_SCENARIOS:
            self.scenarios.popitem(last=False)
        return scenario


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

    Inside ``session(...)``, a call that chooses none of backend, records and chunksize goes to
    the session (``Session.run``), whose workers and scheduler apply.
    """
    current = _session.get()
    if current is not None and backend is None and not records and chunksize is None:
        return current.run(units, progress)
    return _run_units(units, workers, progress, scheduler, backend, records, chunksize)


def _run_units(
    units: Sequence[Unit], workers: int | None, progress: Progress | None, scheduler: str | None, backend: Backend | None, records: bool,
    chunksize: int | None, pool: _Pool | None = None, client: Any = None, awaited: frozenset = frozenset(),
) -> Batch:
    """``run_units`` without a session; ``pool``: a started pool to use, ``client``: a Dask client
    to use (a session's: the pool is killed only if the batch stops early, the client is left open)."""
    started = time.perf_counter()
    units = list(units)
    address = resolve_scheduler(scheduler) if backend in (None, "dask") else None
    if backend is None:
        backend = "dask" if address else "processes" if pool is not None or (choose_workers(units, workers) > 1 and len(units) > 1) else "inprocess"
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
            n_workers = len(pool.workers) if pool is not None else min(choose_workers(units, workers), max(1, len(units)))
            interrupted = not _run_pool(units, results, state, n_workers, chunksize or chunk_size(units, n_workers), records, pool, awaited)
        elif backend == "dask":
            if not address:
                raise RunnerError(f"the dask backend needs a scheduler address (scheduler=... or ${SCHEDULER_ENV})")
            n_workers = _run_dask(units, results, state, address, chunksize or 1, records, client)
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


class _Worker:
    """A pool process and its own pipe, through which it gets one task at a time and sends back the result."""

    def __init__(self, context: BaseContext, records: bool):
        self.conn, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs, records), name="ccsim-worker")
        self.process.start()
        theirs.close()  # now only the worker holds its end: when it dies, this end reads EOF
        self.held = _Held()  # the twin of the worker's own account of the scenarios it holds
        # tasks sent and not yet answered, oldest first: (first unit, units) of a batch's task, or
        # (None, (key, replication)) of a spare unit (``_Pool.spare``)
        self.sent: deque[tuple[int | None, Any]] = deque()

    def send(self, key: Any, scenario: Scenario, replications: list[int]) -> None:
        """A task: the scenario travels only if the worker does not hold it under ``key`` already."""
        known = self.held.has(key)
        self.held.take(key, None if known else scenario)
        self.conn.send((key, None if known else scenario, replications))


class _Pool:
    """Worker processes started together, fed batch after batch, killed together.

    ``key`` names a scenario to the workers: the object's id for a pool that lives for one batch
    (its units hold every scenario, so no id is reused meanwhile); a session sets it, batch by
    batch, to the content's ``scenario_key``, so that workers keep scenarios across batches.
    ``spare`` (a session) hands out units to run when a worker would otherwise wait
    (``Session.next_spare``) and takes their results (``Session.spare_done``)."""

    def __init__(self, records: bool):
        self.records = records
        self.key: Callable[[Scenario], Any] = id
        self.spare: Session | None = None
        self.workers: list[_Worker] = []

    def start(self, n_workers: int) -> None:
        context = multiprocessing.get_context()
        with _uninterrupted():  # every worker started is in ``workers``, so none escapes ``kill``
            for _ in range(n_workers):
                self.workers.append(_Worker(context, self.records))

    def feed(self, units: list[Unit], results: list, state: _Progress, size: int, awaited: frozenset = frozenset()) -> BaseProcess | None:
        """Run the units and place their results, and wait for the spare units in ``awaited`` too;
        the process of a worker that died, if one did.

        Each worker holds up to ``_TASKS_IN_FLIGHT`` tasks (one each before a second to any; a
        second only if its scenario is held), and runs them in the order sent, so its results come
        back in that order. A worker with nothing left of the batch to take gets a spare unit,
        whose result may come back during a later batch. A worker whose pipe ended has died: the
        results that came with it are placed, and its process is returned."""
        tasks = deque(_chunks(units, size))
        waiting = set(awaited)
        by_pipe = {w.conn: w for w in self.workers}
        while tasks or waiting or any(first is not None for w in self.workers for first, _ in w.sent):
            for depth in range(1, _TASKS_IN_FLIGHT + 1):
                for w in self.workers:
                    if len(w.sent) >= depth:
                        continue
                    # a busy worker is sent only a task that names a scenario it holds: a few bytes.
                    # A scenario could fill its pipe while it blocks on sending a big result: a deadlock.
                    if tasks and (depth == 1 or w.held.has(self.key(tasks[0][1]))):
                        first, sc, reps = tasks.popleft()
                        entry, message = (first, len(reps)), (self.key(sc), sc, reps)
                    elif not tasks and depth == 1 and self.spare is not None and (unit := self.spare.next_spare()) is not None:
                        name, sc, rep = unit
                        entry, message = (None, (name, rep)), (name, sc, [rep])
                    else:
                        continue
                    try:
                        w.send(*message)
                    except OSError:  # it died
                        return w.process
                    w.sent.append(entry)
            dead = None
            for conn in wait([w.conn for w in self.workers if w.sent]):
                w = by_pipe[conn]
                first, what = w.sent.popleft()
                try:
                    out = conn.recv()
                except (EOFError, OSError):
                    dead = w.process
                    continue
                if isinstance(out, Exception):
                    raise out
                if first is None:
                    self.spare.spare_done(what, out[0])
                    waiting.discard(what)
                else:
                    results[first : first + what] = out
                    state.report(what)
            if dead is not None:
                return dead
        return None

    def kill(self) -> None:
        with _uninterrupted():  # another Ctrl-C cannot leave a worker running
            for w in self.workers:
                w.process.kill()
            for w in self.workers:
                w.process.join()
                w.conn.close()
        self.workers = []


#: Tasks a pool worker holds at once: the one it runs and the next, waiting in its pipe, so that it
#: starts the next as soon as it sends a result, not a round trip through this process later
#: (on a virtual machine a wake-up is a good part of a millisecond, against days of a few).
_TASKS_IN_FLIGHT = 2


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP wait until the block ends, then take effect as usual: for steps that must
    not be cut in half (a worker started but not yet recorded would be orphaned; killing the
    workers must reach every one). Python runs signal handlers only in the main thread, so in any
    other there is nothing to hold."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: held.append(signum)) for s in _STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        for s in held:
            signal.raise_signal(s)


def _run_pool(
    units: list[Unit], results: list, state: _Progress, n_workers: int, size: int, records: bool, pool: _Pool | None = None, awaited: frozenset = frozenset(),
) -> bool:
    """Run the units on ``n_workers`` processes, a task at a time per worker; False if a worker
    died (logged) and the batch stopped early. Ctrl-C raises KeyboardInterrupt as anywhere else.
    A ``pool`` given (a session's) is used and left running, unless the batch stops early: then
    it is killed, as a pool of this batch's own always is; ``awaited``: see ``_Pool.feed``.

    Not a ProcessPoolExecutor: its workers share one result queue, on which a worker killed while
    writing leaves a torn message that blocks the executor for ever, and it cannot stop a running
    worker. Here each worker has its own pipe, so a dead worker is just the end of that pipe, and
    stopping is killing: a worker holds nothing but the replication it runs, lost either way."""
    own = pool is None
    pool = pool or _Pool(records)
    dead = None
    finished = False
    try:
        if own:
            pool.start(n_workers)
        dead = pool.feed(units, results, state, size, awaited)
        finished = dead is None
    finally:
        if own or not finished:
            pool.kill()
    if dead is not None:
        code = dead.exitcode
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        log.error("worker process %d died (%s); the run stopped with %d of %d replications finished", dead.pid, how, state.done, state.total)
    return dead is None


def _dask_client(address: str) -> Any:
    """A client of the Dask scheduler at ``address``; RunnerError if there is none to use."""
    try:
        from distributed import Client
        from distributed.comm import resolve_address
    except ImportError:
        raise RunnerError("the dask backend needs dask.distributed: pip install 'ccsim[dask]'") from None
    try:  # at once, not after the connect timeout: no port, an unknown scheme or host (http://, garbage)
        resolve_address(address)
    except (ValueError, OSError) as exc:
        raise RunnerError(f"cannot use Dask scheduler address {address!r}: {exc}; give one like tcp://HOST:8786") from None
    try:
        return Client(address, set_as_default=False, timeout=_CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise RunnerError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def _run_dask(units: list[Unit], results: list, state: _Progress, address: str, size: int, records: bool, client: Any = None) -> int:
    """Run the units on the cluster; through ``client`` if given (a session's, left open), else a client of this batch's own."""
    if client is None:
        with _dask_client(address) as own:
            return _run_dask(units, results, state, address, size, records, own)
    from distributed import as_completed

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


def scenario_key(scenario: Scenario) -> str:
    """What replication k of a scenario depends on, as a short digest: its whole content but
    ``replications`` (how many days to run, not what happens on one). The random streams come from
    (seed, k) and names in the content, so two scenarios with the same key simulate the same day k:
    a plan built twice, a trial equal to the plan it came from, your plan equal to Erlang C's."""
    return hashlib.blake2b(scenario.model_dump_json(exclude={"replications"}).encode(), digest_size=16).hexdigest()


def _nbytes(stats: ReplicationStats) -> int:
    """The memory a kept replication holds, near enough: its arrays."""
    arrays = [*stats.counters.values(), *stats.pool_levels.values(), *stats.wait_quantiles.values(), stats.day_wait_hist]
    return sum(a.nbytes for a in arrays) + 1024


class Session:
    """The replications of one planning command: each (scenario, replication) simulated once, on
    worker processes started once (see ``session``).

    Kept replications are shared, never copied: the planning layer reads them and changes none.
    ``reuse=False`` (``$CCSIM_REUSE=0``) runs every batch as ``run_units`` does outside a session,
    for the check that reuse changes no figure. The counters say what the command cost:
    ``simulated`` units and their ``contacts`` (offered, every attempt), ``reused`` units that
    were kept or asked for twice in a batch, and ``simulating_s``, the wall time of the batches
    that simulated.

    ``prefetch`` names days the command will ask for later (the fresh days of the plans ``staff``
    knows from the start, the sweep ``trap`` runs after its searches): a worker that would
    otherwise wait simulates one of them, and it is kept."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None, reuse: bool = True, keep_bytes: int = SESSION_KEEP_BYTES):
        self.workers, self.scheduler, self.reuse, self.keep_bytes = workers, scheduler, reuse, keep_bytes
        self.kept: OrderedDict[tuple[str, int], ReplicationStats] = OrderedDict()
        self.kept_bytes = 0
        self.pinned: set[tuple[str, int]] = set()
        self.pool: _Pool | None = None
        self.client: Any = None  # the Dask client, with a scheduler: connected once
        self.spare: OrderedDict[tuple[str, int], Scenario] = OrderedDict()  # days to prefetch, in order
        self.in_flight: set[tuple[str, int]] = set()  # spare days a worker is simulating
        self.prefetched: set[tuple[str, int]] = set()  # spare days kept and not asked for yet
        self.simulated = self.reused = 0
        self.contacts = 0.0
        self.simulating_s = 0.0

    def run(self, units: Sequence[Unit], progress: Progress | None = None) -> Batch:
        """``run_units`` for the session: kept units are not simulated again, nor one asked for
        twice; the rest run on the session's backend, and are kept."""
        started = time.perf_counter()
        units = list(units)
        if not self.reuse:
            return self._count(units, _run_units(units, self.workers, progress, self.scheduler, None, False, None))
        try:
            names = _names(units)
        except KeyboardInterrupt:  # held until the digests were done: nothing ran
            return Batch([None] * len(units), True, time.perf_counter() - started)
        keys = [(names[id(sc)], rep) for sc, rep in units]
        self.pinned = set(keys)  # what this batch hands back stays kept until it has
        todo: dict[tuple[str, int], int] = {}  # key -> its first unit, for the keys neither kept nor on their way
        for i, key in enumerate(keys):
            if key not in self.kept and key not in self.in_flight:
                todo.setdefault(key, i)
                self.spare.pop(key, None)
        awaited = frozenset(key for key in keys if key in self.in_flight)
        first_asked = (self.prefetched | awaited) & set(keys)  # a prefetched day asked for the first time is no reuse
        self.prefetched -= first_asked
        self.reused += len(units) - len(todo) - len(first_asked)
        new = [units[i] for i in todo.values()]
        step = None if progress is None else (lambda done, total: progress(len(units) - len(todo) + done, len(units)))
        batch = self._count(new, self._simulate(new, step, names, awaited), bool(awaited))
        self.prefetched -= awaited
        for key, stats in zip(todo, batch.results):
            if stats is not None:
                self._keep(key, stats)
        results = [self.kept.get(key) for key in keys]
        for key in dict.fromkeys(keys):  # used now: the last to be dropped
            if key in self.kept:
                self.kept.move_to_end(key)
        self.pinned = set()
        self._keep_within()
        return Batch(results, batch.interrupted, time.perf_counter() - started, batch.backend, batch.workers)

    def prefetch(self, units: Sequence[Unit]) -> None:
        """Days the command will ask for later, to simulate when a worker would otherwise wait; kept
        when done. Only a session with worker processes does it; without reuse, nothing is kept."""
        if not self.reuse:
            return
        names = _names(units)
        for sc, rep in units:
            key = (names[id(sc)], rep)
            if key not in self.kept and key not in self.in_flight:
                self.spare[key] = sc

    def next_spare(self) -> tuple[str, Scenario, int] | None:
        """The next day to prefetch, as (scenario key, scenario, replication), now on its way."""
        while self.spare:
            key, sc = self.spare.popitem(last=False)
            if key not in self.kept:
                self.in_flight.add(key)
                return key[0], sc, key[1]
        return None

    def spare_done(self, key: tuple[str, int], stats: ReplicationStats) -> None:
        """A prefetched day came back from a worker: kept, and counted as simulated."""
        self.in_flight.discard(key)
        self._keep(key, stats)
        self.prefetched.add(key)
        self.simulated += 1
        self.contacts += float(stats.counters["offered"].sum())

    def _simulate(self, units: list[Unit], progress: Progress | None, names: dict[int, str], awaited: frozenset) -> Batch:
        """The units on the session's backend: its Dask scheduler (connected at the first batch, and
        kept), else its pool (started at the first batch worth shipping, ``SESSION_UNIT_CONTACTS``,
        and kept), else this process."""
        address = resolve_scheduler(self.scheduler)
        if address and units:
            if self.client is None:
                self.client = _dask_client(address)
            return _run_units(units, None, progress, address, "dask", False, None, client=self.client)
        if not (units or awaited) or self.workers == 1:
            return _run_units(units, self.workers, progress, self.scheduler, None, False, None)
        if self.pool is None:
            n = self.workers or available_cores()
            big = sum(expected_contacts(sc) for sc, _ in units) >= SESSION_UNIT_CONTACTS * len(units)
            if n == 1 or not (big or choose_workers(units, self.workers) > 1):
                return _run_units(units, 1, progress, None, "inprocess", False, None)
            self.pool = _Pool(False)
            self.pool.spare = self
            try:
                self.pool.start(n)
            except BaseException:
                self.close()
                raise
        # a task is cheap to ship to a worker that holds its scenario: one per unit unless tiny
        size = chunk_size(units, len(self.pool.workers), SESSION_UNIT_CONTACTS / _CONTACTS_PER_S)
        self.pool.key = lambda sc: names[id(sc)]  # the workers hold scenarios by content, across batches
        try:
            return _run_units(units, None, progress, None, None, False, size, pool=self.pool, awaited=awaited)
        finally:
            if not self.pool.workers:  # killed: the batch stopped early; a later one starts another pool
                self.pool = None
                self.in_flight.clear()

    def _count(self, units: list[Unit], batch: Batch, waited: bool = False) -> Batch:
        done = [stats for stats in batch.results if stats is not None]
        self.simulated += len(done)
        self.contacts += sum(float(stats.counters["offered"].sum()) for stats in done)
        self.simulating_s += batch.wall_time_s if units or waited else 0.0
        return batch

    def _keep(self, key: tuple[str, int], stats: ReplicationStats) -> None:
        self.kept[key] = stats
        self.kept_bytes += _nbytes(stats)
        self._keep_within()

    def _keep_within(self) -> None:
        """Drop the least recently used days until the kept ones fit ``keep_bytes``, never one the
        running batch hands back (a batch bigger than the budget keeps all of its own until it ends)."""
        while self.kept_bytes > self.keep_bytes:
            oldest = next((key for key in self.kept if key not in self.pinned), None)
            if oldest is None:
                return
            self.kept_bytes -= _nbytes(self.kept.pop(oldest))

    def close(self) -> None:
        """Stop the workers and leave the cluster; kept replications go with the session."""
        if self.pool is not None:
            self.pool.kill()
            self.pool = None
        self.spare.clear()
        self.in_flight.clear()
        if self.client is not None:
            self.client.close()
            self.client = None


def _names(units: Sequence[Unit]) -> dict[int, str]:
    """id(scenario) -> ``scenario_key`` for the distinct scenarios of the units (a batch holds few).
    Ctrl-C waits until they are done: pydantic would turn a KeyboardInterrupt inside its serializer
    into a serialization error."""
    names: dict[int, str] = {}
    with _uninterrupted():
        for sc, _ in units:
            if id(sc) not in names:
                names[id(sc)] = scenario_key(sc)
    return names


_session: ContextVar[Session | None] = ContextVar("ccsim_session", default=None)


@contextmanager
def session(workers: int | None = None, scheduler: str | None = None) -> Iterator[Session]:
    """Every ``run_units`` call inside shares one ``Session`` (workers started once, each
    replication simulated once); inside another session, that one. ``$CCSIM_REUSE=0`` makes it a
    session without reuse. The workers stop when the block ends, however it ends."""
    outer = _session.get()
    if outer is not None:
        yield outer
        return
    current = Session(workers, scheduler, reuse=os.environ.get(REUSE_ENV, "1").strip() != "0")
    token = _session.set(current)
    try:
        yield current
    finally:
        _session.reset(token)
        current.close()


def service_level_half_widths(scenario: Scenario, reps: list[ReplicationStats]) -> list[float]:
    """Each contact type's day service level: the 95% half-width of its mean over ``reps``, the
    Student-t one, t(0.975, n - 1) s / sqrt(n), before the interval is cut to [0, 1] (cut, an
    interval near 100% looks narrower than the figure is known). inf where fewer than two
    replications have the figure; 0 for a type nobody contacted."""
    types, _ = stack_counters(reps, [ct.service_level.definition for ct in scenario.contact_types.values()], scenario.horizon)
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
