"""The contact-center model on the SimPy kernel, driven by callbacks rather than processes.

Why callbacks: a SimPy process per customer costs a generator, a Process event and an
Initialize event per contact, and ``req | timeout`` conditions for abandonment add more. Here a
contact is one small object that is *itself* the event of its abandonment timer and an agent is
itself the event of its service completion. That keeps the engine at a few hundred thousand
contacts per second while the routing rules stay readable below.

SimPy remains the kernel: every service end, abandonment timer, interval boundary and behaviour
event is scheduled with ``env.schedule`` and processed by ``env.step``. The one exception is the
exogenous arrivals: they are known in advance, already sorted, so ``_drive`` merges their stream
into SimPy's event order instead of pushing each through the heap (on a tie, SimPy's event goes
first, so a boundary at 09:00 opens the interval before a 09:00 arrival is counted in it). That
halves the heap traffic per contact.

Routing rules (issue 2): an arriving contact takes the longest-idle eligible agent; a freed agent
takes the oldest waiting contact of its best skill level with anyone waiting. Cancelling is cheap
both ways: an answered contact's abandonment timer is cancelled by emptying its callbacks (its
heap entry stays and fires into nothing; taking it out of SimPy's heap would cost a search), and
an abandoned contact left in a queue is skipped when it reaches the head.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import time
from collections import deque
from typing import Iterator

import numpy as np
import simpy
from simpy.events import NORMAL

from ..scenario import Scenario
from . import streams
from .behaviours import BEHAVIOUR_COUNTERS, install_behaviours, routing_groups
from .tally import ReplicationStats, Tally

WAITING, SERVED, ABANDONED, DONE = 0, 1, 2, 3
INF = float("inf")
_never_abandons = itertools.repeat(INF).__next__  # the patience draw of a type without patience


class _Wake:
    """The least an object needs to be a SimPy event: ``callbacks`` and ``_ok``."""

    __slots__ = ("callbacks", "target")
    _ok = True

    def __init__(self, target):
        self.target = target
        self.callbacks = None


class Contact:
    """A contact in the system; it doubles as the event of its own abandonment timer."""

    # customer, tolerance and cb_at are set only when a behaviour needs them (behaviours/core.py),
    # ghost only on a chat its customer left silently (behaviours/silent.py)
    __slots__ = ("kind", "arrived", "slot", "handle", "patience", "state", "answered", "callbacks", "customer", "tolerance", "cb_at", "ghost")
    _ok = True

    def __init__(self, kind: int, arrived: float, slot: int, handle: float, patience: float):
        self.kind = kind
        self.arrived = arrived
        self.slot = slot
        self.handle = handle
        self.patience = patience
        self.state = WAITING


class Agent:
    """An agent; it doubles as the event of the end of its current contact."""

    __slots__ = ("pool", "idle_since", "contact", "callbacks", "phase", "owner")
    _ok = True

    def __init__(self, pool: "Pool"):
        self.pool = pool
        self.idle_since = 0.0
        self.contact = None
        self.phase = 0  # 1 during after-contact work (behaviours/workforce.py)
        self.owner = None  # chat seats of one person share a [chats held] list (behaviours/channels.py)


class Pool:
    """Agents with the same skills; ``free`` is ordered by idle time, longest idle first."""

    __slots__ = ("index", "name", "free", "staffed", "busy", "pending_leave", "t_last", "skill_groups", "staffing", "busy_row", "staffed_row")

    def __init__(self, index: int, name: str, skill_groups: list[list[int]], staffing: list[int]):
        self.index = index
        self.name = name
        self.free: deque[Agent] = deque()
        self.staffed = 0  # agents present, busy or idle, including those finishing before leaving
        self.busy = 0
        self.pending_leave = 0  # busy agents who leave when their contact ends
        self.t_last = 0.0  # when staffed agent-seconds were last integrated (_staffed_level)
        self.skill_groups = skill_groups  # contact-type indices grouped by skill level, best first
        self.staffing = staffing
        # this pool's per-slot busy and staffed agent-seconds (Tally lists); see Engine.busy_change
        self.busy_row: list[float] = []
        self.staffed_row: list[float] = []


def longest_idle_pool(pools: list[Pool]) -> Pool | None:
    """Among pools with an idle agent, the one whose next free agent has been idle longest."""
    if len(pools) == 1:  # one eligible pool, the common case: no idle times to compare
        return pools[0] if pools[0].free else None
    best = None
    for pool in pools:
        if pool.free and (best is None or pool.free[0].idle_since < best.free[0].idle_since):
            best = pool
    return best


class Engine:
    """One replication of one scenario: build with a scenario and a replication index, call ``run``."""

    def __init__(self, scenario: Scenario, replication: int, records: bool = False):
        self.scenario = sc = scenario
        #: per-contact rows (type, arrived_s, answered_s or None, ended_s, pool or None), only when asked
        self.records: list[tuple] | None = [] if records else None
        self.replication = replication
        self.env = simpy.Environment()
        self.schedule = self.env.schedule  # bound once: two or three events per contact go through it
        hz = sc.horizon
        self.n = hz.n_intervals
        self.interval_s = hz.interval_s
        self.warmup_s = sc.warmup_minutes * 60.0
        self.close_s = self.warmup_s + hz.length_s
        names = sc.type_names
        self.tally = Tally(len(names), len(sc.agent_pools), self.n + 2, BEHAVIOUR_COUNTERS)
        # Hot-path aliases of the tally's lists (the same objects): one attribute lookup instead
        # of a dict lookup per counter per contact.
        counters = self.tally.type_counters
        self._offered, self._answered, self._abandoned = counters["offered"], counters["answered"], counters["abandoned"]
        self._within_sl, self._short_abandoned = counters["within_sl"], counters["short_abandoned"]
        self._wait_answered, self._wait_all = counters["wait_answered_sum"], counters["wait_all_sum"]
        self._queue_area, self._max_queue = counters["queue_area"], counters["max_queue"]
        self._answered_at_once = counters["answered_at_once"]
        self.slot = 0
        self.slot_end = self.warmup_s  # the reference time of the current slot (see busy_change)
        seed = sc.seed

        busy = 1.0
        if sc.busyness is not None:
            shape = sc.busyness.shape
            busy = float(streams.generator(seed, replication, "busyness").gamma(shape, 1.0 / shape))
        self.busyness = busy

        self.queues: list[deque[Contact]] = [deque() for _ in names]
        self.waiting = [0] * len(names)
        self.q_last = [0.0] * len(names)
        self.sl_seconds = [ct.service_level.seconds for ct in sc.contact_types.values()]
        self.short_abandon_s = [ct.service_level.short_abandon_seconds for ct in sc.contact_types.values()]
        self.handle_draw = [
            streams.draws(ct.handle_time, streams.generator(seed, replication, "handle", name))
            for name, ct in sc.contact_types.items()
        ]
        self.patience_draw = [
            streams.draws(ct.patience, streams.generator(seed, replication, "patience", name)) if ct.patience else None
            for name, ct in sc.contact_types.items()
        ]
        self.arrival_iters = [
            iter([self.warmup_s + t for t in sorted(ct.arrivals.at_seconds)])
            if ct.arrivals.at_seconds is not None
            else self._arrival_times(ct.arrivals.rates_per_s(hz), streams.generator(seed, replication, "arrivals", name))
            for name, ct in sc.contact_types.items()
        ]

        index = {name: k for k, name in enumerate(names)}
        self.pools: list[Pool] = []
        self.pools_for: list[list[Pool]] = [[] for _ in names]
        for p, (pname, pool_cfg) in enumerate(sc.agent_pools.items()):
            pool = Pool(p, pname, routing_groups(sc, pool_cfg, index), pool_cfg.staffing(self.n, hz))
            pool.busy_row, pool.staffed_row = self.tally.pool_levels["busy_area"][p], self.tally.pool_levels["staffed_area"][p]
            self.pools.append(pool)
            for s in pool_cfg.skill_levels:
                self.pools_for[index[s]].append(pool)
        self.n_types = len(names)
        #: per contact type, the free-agent deque of its only eligible pool (None with several pools)
        self.only_pool_free = [pools[0].free if len(pools) == 1 else None for pools in self.pools_for]
        self.new_agent = Agent  # chat pools make seats instead (behaviours/channels.py)
        self.starters: list = []  # called at the start of run(), e.g. shift changes
        self.finishers: list = []  # called with the frozen stats at the end of run()
        self.stranding = False  # true while _strand_remaining closes the day
        # Behaviours switched on in the scenario rebind the hooks above and below (the plain
        # M/M/n+M path runs none of their code): _on_arrival, _abandon, _start, _on_service_end.
        self.behaviours = install_behaviours(self)
        # What an arrival of each type needs, gathered once (after behaviours may have wrapped the
        # draws): one list index per arrival instead of four.
        self.arrival_kit = [
            (self.handle_draw[k], self.patience_draw[k] or _never_abandons, self._offered[k], self.only_pool_free[k])
            for k in range(self.n_types)
        ]

        # Shared callback tuples: SimPy iterates an event's callbacks and then drops the reference,
        # so one immutable tuple per handler serves every event of that kind without allocation.
        self._cb_abandon = (self._on_abandon,)
        self._cb_end = (self._on_service_end,)
        self._cb_boundary = (self._on_boundary,)

    # --- arrivals -------------------------------------------------------------------------

    def _arrival_times(self, rates_per_s: list[float], rng: np.random.Generator):
        """Piecewise-constant Poisson arrivals: a Poisson count per interval, placed uniformly.

        Generated one interval at a time so memory does not grow with the horizon; the chunks are
        chained in C, so taking the next arrival runs no Python frame.
        """
        chunks = []
        if self.warmup_s > 0:
            chunks.append((0.0, self.warmup_s, rates_per_s[0]))
        chunks += [(self.warmup_s + i * self.interval_s, self.interval_s, r) for i, r in enumerate(rates_per_s)]

        def chunk(start: float, length: float, rate: float) -> list[float]:
            return np.sort(rng.uniform(start, start + length, rng.poisson(rate * self.busyness * length))).tolist()

        return itertools.chain.from_iterable(itertools.starmap(chunk, chunks))

    def _arrivals(self) -> Iterator[tuple[float, int]]:
        """Every exogenous arrival as (time, contact type), in time order across types."""
        streams_ = [zip(times, itertools.repeat(kind)) for kind, times in enumerate(self.arrival_iters)]
        return streams_[0] if len(streams_) == 1 else heapq.merge(*streams_)

    def _on_arrival(self, kind: int) -> None:
        handle_draw, patience_draw, offered, free = self.arrival_kit[kind]
        slot = self.slot
        contact = Contact(kind, self.env._now, slot, handle_draw(), patience_draw())
        offered[slot] += 1
        if free:  # offer()'s common case inlined: one eligible pool with an idle agent
            self._start(free.popleft(), contact)
        else:
            self.offer(contact)

    # --- routing --------------------------------------------------------------------------

    def offer(self, contact: Contact) -> None:
        """A contact wants an agent now: the longest-idle eligible agent takes it, or it queues."""
        pools = self.pools_for[contact.kind]
        best = longest_idle_pool(pools)
        if best is not None:
            self._start(best.free.popleft(), contact)
            return
        self._enqueue(contact)

    def _enqueue(self, contact: Contact) -> None:
        kind = contact.kind
        now = self.env._now
        if contact.patience <= 0:
            self._abandon(contact, now)
            return
        self._queue_level(kind, now, +1)
        self.queues[kind].append(contact)
        if contact.patience < INF:
            contact.callbacks = self._cb_abandon
            self.schedule(contact, NORMAL, contact.patience)

    def _queue_level(self, kind: int, now: float, delta: int) -> None:
        """Time-weighted queue length and the interval maximum; called on every change."""
        n = self.waiting[kind]
        self._queue_area[kind][self.slot] += n * (now - self.q_last[kind])
        self.q_last[kind] = now
        n += delta
        self.waiting[kind] = n
        if delta > 0:
            row = self._max_queue[kind]
            if n > row[self.slot]:
                row[self.slot] = n

    def _on_abandon(self, contact: Contact) -> None:
        """A waiting contact's patience ran out (answered contacts' timers are cancelled in _start)."""
        now = self.env._now
        self._queue_level(contact.kind, now, -1)
        self._abandon(contact, now)

    def _abandon(self, contact: Contact, now: float) -> None:
        contact.state = ABANDONED
        kind, slot = contact.kind, contact.slot
        wait = now - contact.arrived
        self._abandoned[kind][slot] += 1
        self._wait_all[kind][slot] += wait
        if wait <= self.short_abandon_s[kind]:
            self._short_abandoned[kind][slot] += 1
        self.tally.record_wait(kind, slot, wait)
        if self.records is not None:
            self.records.append((kind, contact.arrived, None, now, None))

    def _start(self, agent: Agent, contact: Contact) -> None:
        now = self.env._now
        contact.state = SERVED
        contact.answered = now
        kind, slot = contact.kind, contact.slot
        wait = now - contact.arrived
        self._answered[kind][slot] += 1
        if wait:
            contact.callbacks = ()  # cancels its abandonment timer, if it has one
            self._wait_answered[kind][slot] += wait
            self._wait_all[kind][slot] += wait
            if wait <= self.sl_seconds[kind]:
                self._within_sl[kind][slot] += 1
            self.tally.record_wait(kind, slot, wait)
        else:  # answered at once, the common case: one count (Tally.freeze adds it to within_sl and the histogram)
            self._answered_at_once[kind][slot] += 1
        pool = agent.pool  # occupy(agent, contact, contact.handle) inlined: it runs once per contact
        pool.busy_row[self.slot] += self.slot_end - now
        pool.busy += 1
        agent.contact = contact
        agent.callbacks = self._cb_end
        self.schedule(agent, NORMAL, contact.handle)

    def occupy(self, agent: Agent, contact: Contact, seconds: float) -> None:
        """Keep ``agent`` busy with ``contact`` for ``seconds`` from now; its end is a service end.
        For behaviours that start work their own way (kept callbacks, chats left silently)."""
        self.busy_change(agent.pool, self.env._now, +1)
        agent.contact = contact
        agent.callbacks = self._cb_end
        self.schedule(agent, NORMAL, seconds)

    def busy_change(self, pool: Pool, now: float, delta: int) -> None:
        """One more (+1) or one fewer (-1) busy agent from ``now``, in busy agent-seconds.

        The busy area of a slot is kept without integrating at every change: an agent who turns
        busy adds the time left until the slot's reference time (its end), one who turns free
        takes it off again, and a boundary adds ``busy x`` the new slot's length. A contact
        handled inside one slot thus adds exactly its duration; one that spans slots adds the
        part in each. That is one addition per change instead of a time-weighted integration.
        """
        pool.busy_row[self.slot] += delta * (self.slot_end - now)
        pool.busy += delta

    def _staffed_level(self, pool: Pool, now: float) -> None:
        """Integrate staffed agents up to now; call before ``pool.staffed`` changes."""
        pool.staffed_row[self.slot] += pool.staffed * (now - pool.t_last)
        pool.t_last = now

    def _on_service_end(self, agent: Agent) -> None:
        pool = agent.pool
        now = self.env._now
        pool.busy_row[self.slot] -= self.slot_end - now  # busy_change(pool, now, -1) inlined
        pool.busy -= 1
        if self.records is not None:
            self.log_served(agent.contact, now, pool.index)
        agent.contact = None
        if pool.pending_leave:
            self._staffed_level(pool, now)
            pool.pending_leave -= 1
            pool.staffed -= 1
            return
        self._next_work(agent, now)

    def log_served(self, contact: Contact, now: float, pool_index: int) -> None:
        """The contact-log row of a contact whose service ends now (records on only); a behaviour
        whose agent work is not a service (behaviours/silent.py) rebinds it to skip that work."""
        self.records.append((contact.kind, contact.arrived, contact.answered, now, pool_index))

    def _next_work(self, agent: Agent, now: float) -> None:
        """A free agent takes the oldest contact of its best skill level with someone waiting."""
        queues, waiting = self.queues, self.waiting
        # groups hold queue indices: a contact type's own queue, or a callback queue (behaviours)
        for group in agent.pool.skill_groups:
            best = None
            for qi in group:
                if waiting[qi]:
                    q = queues[qi]
                    while q[0].state != WAITING:  # lazily drop answered/abandoned entries
                        q.popleft()
                    if best is None or q[0].arrived < best.arrived:
                        best = q[0]
                        best_q = qi
            if best is not None:
                queues[best_q].popleft()
                self._queue_level(best_q, now, -1)
                self._start(agent, best)
                return
        agent.idle_since = now
        agent.pool.free.append(agent)

    # --- staffing and intervals -----------------------------------------------------------

    def _set_staff(self, pool: Pool, target: int) -> None:
        """Move a pool to ``target`` agents; busy agents who must go finish their contact first."""
        now = self.env._now
        self._staffed_level(pool, now)
        current = pool.staffed - pool.pending_leave
        if target > current:
            add = target - current
            back = min(add, pool.pending_leave)
            pool.pending_leave -= back
            for _ in range(add - back):
                pool.staffed += 1
                self._next_work(self.new_agent(pool), now)
        elif target < current:
            remove = current - target
            while remove and pool.free:
                pool.free.pop()  # the most recently freed agent leaves first
                pool.staffed -= 1
                remove -= 1
            pool.pending_leave += remove

    def _on_boundary(self, event: _Wake) -> None:
        """Start of interval ``event.target`` (or the close, when target == n)."""
        i = event.target
        now = self.env._now
        for pool in self.pools:
            self._staffed_level(pool, now)
        for kind in range(len(self.queues)):
            self._queue_level(kind, now, 0)
        self.slot = i + 1
        # the drain after the close has no end: its reference time is its start (see busy_change)
        self.slot_end = now + self.interval_s if i < self.n else now
        for pool in self.pools:
            pool.busy_row[self.slot] += pool.busy * (self.slot_end - now)
        for kind, n in enumerate(self.waiting):
            self._max_queue[kind][self.slot] = n
        if i < self.n:
            for pool in self.pools:
                if pool.staffing is not None:  # None: the pool follows shifts (behaviours/workforce.py)
                    self._set_staff(pool, pool.staffing[i])
            event.callbacks = self._cb_boundary
            event.target = i + 1
            self.env.schedule(event, NORMAL, self.interval_s)

    # --- run ------------------------------------------------------------------------------

    def run(self) -> ReplicationStats:
        started = time.perf_counter()
        env = self.env
        for pool in self.pools:
            if pool.staffing is not None:
                self._set_staff(pool, pool.staffing[0])  # the warm-up runs with the first interval's staff
        for start in self.starters:
            start()
        boundary = _Wake(0)
        boundary.callbacks = self._cb_boundary
        env.schedule(boundary, NORMAL, self.warmup_s)
        # The cyclic garbage collector would scan the young contact objects every few hundred
        # allocations; contacts form no reference cycles (refcounting frees them), so it is
        # paused for the run: ~5% faster, and the memory tests show no growth.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._drive()
        finally:
            if collecting:
                gc.enable()
        self._strand_remaining()
        stats = self.tally.freeze()
        for finish in self.finishers:
            finish(stats)
        stats.wall_time_s = time.perf_counter() - started
        stats.extra["busyness"] = self.busyness
        stats.records = self.records
        return stats

    def _drive(self) -> None:
        """``env.run()`` with the arrival stream merged in: before each arrival, SimPy steps through
        every event due at or before it; then the clock moves to the arrival and the contact enters."""
        env = self.env
        queue, step, arrive = env._queue, env.step, self._on_arrival
        for t, kind in self._arrivals():
            while queue and queue[0][0] <= t:
                step()
            env._now = t
            arrive(kind)
        env.run()  # what remains after the last arrival

    def _strand_remaining(self) -> None:
        """Contacts still waiting when nothing can happen any more (no agent will come back)
        are counted abandoned at that moment, so ``offered == answered + abandoned`` always holds."""
        now = self.env._now
        self.stranding = True
        for qi, q in enumerate(self.queues):
            for contact in q:
                if contact.state == WAITING:
                    self._queue_level(qi, now, -1)
                    self._abandon(contact, now)
            q.clear()


def simulate_replication(scenario: Scenario, replication: int, records: bool = False) -> ReplicationStats:
    """Simulate one day; a plain function so process pools and Dask can ship it."""
    return Engine(scenario, replication, records).run()
