"""The contact-center model on the SimPy kernel, driven by callbacks rather than processes.

Why callbacks: a SimPy process per customer costs a generator, a Process event and an
Initialize event per contact, and ``req | timeout`` conditions for abandonment add more. Here a
contact is one small object that is *itself* the event of its abandonment timer and an agent is
itself the event of the end of its work (entities.py). That keeps the engine at a few hundred
thousand contacts per second while the routing rules stay readable below.

SimPy remains the kernel: every service end, abandonment timer, interval boundary and behaviour
event is scheduled with ``env.schedule`` and processed by ``env.step``. The one exception is the
exogenous arrivals: they are known in advance, already sorted, so ``_drive`` merges their stream
into SimPy's event order instead of pushing each through the heap (on a tie, SimPy's event goes
first, so a boundary at 09:00 opens the interval before a 09:00 arrival is counted in it). That
halves the heap traffic per contact. ``_drive`` and the handlers of this module read SimPy's clock
as ``env._now`` and its heap as ``env._queue`` (as SimPy's own ``step`` does, and pinned by the
simpy<5 requirement); nothing outside this module touches them.

Routing rules: an arriving contact takes the longest-idle eligible agent; a freed agent takes the
oldest waiting contact of its best skill level with anyone waiting. Cancelling is cheap both ways:
an answered contact's abandonment timer is cancelled by emptying its callbacks (its heap entry
stays and fires into nothing; taking it out of SimPy's heap would cost a search), and an abandoned
contact left in a queue is skipped when it reaches the head.

Behaviours (redials, callbacks, shifts, ...) plug into the stages a contact passes through, as
``seam.py`` describes; the engine composes the ones a scenario switches on when it is built. It
does not know which behaviours exist: ``ccsim.model.simulate_replication`` hands it the registry.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import time
from collections import deque
from typing import Iterator, Sequence

import numpy as np
import simpy
from simpy.events import NORMAL

from ..scenario import Scenario
from ..shifts import shift_staffing
from . import streams
from .entities import ABANDONED, INF, SERVED, WAITING, Agent, Boundary, Contact, JourneyContact, Pool, Wake
from .routing import longest_idle_pool, routing_groups
from .seam import ENGINE_STAGES, TYPE_STAGES, Behaviour
from .tally import ReplicationStats, Tally

_never_abandons = itertools.repeat(INF).__next__  # the patience draw of a type without patience


class Engine:
    """One replication of one scenario with the given behaviours: build it, call ``run`` once."""

    def __init__(self, scenario: Scenario, replication: int, records: bool = False, behaviours: Sequence[type[Behaviour]] = ()):
        self.scenario = scenario
        #: per-contact rows (type, arrived_s, answered_s or None, ended_s, pool or None, row number,
        #: the row number of its customer's first contact, outcome), only when asked (``log_contact``)
        self.records: list[tuple] | None = [] if records else None
        #: customer -> the number of its first contact's row (records with journeys on)
        self.first_rows: dict = {}
        self.replication = replication
        self.env = simpy.Environment()
        self.schedule = self.env.schedule  # bound once: two or three events per contact go through it
        horizon = scenario.horizon
        self.n = horizon.n_intervals
        self.interval_s = horizon.interval_s
        self.warmup_s = scenario.warmup_minutes * 60.0
        names = scenario.type_names
        self.n_types = len(names)
        counter_names = tuple(dict.fromkeys(name for cls in behaviours for name in cls.counters))
        self.tally = Tally(self.n_types, len(scenario.agent_pools), self.n + 2, counter_names)
        #: per contact type counters (one list per type, one entry per tally slot), for behaviours
        self.counters = counters = self.tally.type_counters
        # Hot-path aliases of the tally's lists (the same objects): one attribute lookup instead
        # of a dict lookup per counter per contact.
        self._offered, self._answered, self._abandoned = counters["offered"], counters["answered"], counters["abandoned"]
        self._within_sl, self._short_abandoned = counters["within_sl"], counters["short_abandoned"]
        self._wait_answered, self._wait_all = counters["wait_answered_sum"], counters["wait_all_sum"]
        self._queue_area, self._max_queue = counters["queue_area"], counters["max_queue"]
        self._answered_at_once = counters["answered_at_once"]
        self._first_attempts = counters.get("first_attempts")  # declared by the journeys behaviour
        self.current_slot = 0
        self.slot_end = self.warmup_s  # the reference time of the current slot (see busy_change)
        self.closing = False  # true while _strand_remaining closes the day
        seed = scenario.seed

        #: the arrival-rate multiplier of each interval (a warm-up runs with the first's): one
        #: gamma draw for the replication, or one per date with ``busyness: {per: day}``
        self.busyness = 1.0
        self.busyness_by_interval: list[float] | None = None
        if scenario.busyness is not None:
            shape = scenario.busyness.shape
            if scenario.busyness.per == "day" and horizon.start_date is not None:
                by_date = {d: float(streams.generator(seed, replication, "busyness", d.isoformat()).gamma(shape, 1.0 / shape)) for d in horizon.dates}
                self.busyness_by_interval = [by_date[d] for d in horizon.interval_dates()]
                self.busyness = float(np.mean(list(by_date.values())))
            else:
                self.busyness = float(streams.generator(seed, replication, "busyness").gamma(shape, 1.0 / shape))

        # Queues: one per contact type, then any a behaviour adds (add_queue: callback queues).
        self.queues: list[deque[Contact]] = [deque() for _ in names]
        self.waiting = [0] * self.n_types
        self.queue_since = [0.0] * self.n_types
        self.sl_seconds = [ct.service_level.seconds for ct in scenario.contact_types.values()]
        self.short_abandon_s = [ct.service_level.short_abandon_seconds for ct in scenario.contact_types.values()]
        #: per type, a zero-argument handle-time draw; a behaviour may wrap it when it is built
        self.handle_draw = [
            streams.draws(ct.handle_time, streams.generator(seed, replication, "handle", name)) for name, ct in scenario.contact_types.items()
        ]
        self.patience_draw = [
            streams.draws(ct.patience, streams.generator(seed, replication, "patience", name)) if ct.patience else _never_abandons
            for name, ct in scenario.contact_types.items()
        ]
        self.arrival_iters = [
            iter([self.warmup_s + t for t in sorted(ct.arrivals.at_seconds)])
            if ct.arrivals.at_seconds is not None
            else self._arrival_times(ct.arrivals.rates_per_s(horizon), self._arrival_streams(name))
            for name, ct in scenario.contact_types.items()
        ]
        #: per tally slot (0 the warm-up, n + 1 after the close), whether the center is closed then
        self.closed_slot = [False, *(not o for o in horizon.open_intervals), False]

        index = {name: k for k, name in enumerate(names)}
        self.pools: list[Pool] = []
        self.pools_for: list[list[Pool]] = [[] for _ in names]
        for p, (pool_name, pool_cfg) in enumerate(scenario.agent_pools.items()):
            pool = Pool(p, pool_name, routing_groups(scenario, pool_cfg, index), pool_cfg.staffing(horizon))
            pool.busy_row, pool.staffed_row = self.tally.pool_levels["busy_area"][p], self.tally.pool_levels["staffed_area"][p]
            self.pools.append(pool)
            for skill in pool_cfg.skill_levels:
                self.pools_for[index[skill]].append(pool)
        #: per pool, the queues of the live (not written) contact types it serves: worked off after a day's close
        self.live_queues = [
            [index[t] for t in cfg.skill_levels if scenario.contact_types[t].channel != "email"] for cfg in scenario.agent_pools.values()
        ]
        #: per contact type, the free-agent deque of its only eligible pool (None with several pools)
        self.only_pool_free = [pools[0].free if len(pools) == 1 else None for pools in self.pools_for]
        #: pool index -> chat seats per person (behaviours/channels.py); agents count people
        self.seats_per_agent: dict[int, int] = {}
        #: pool name -> the day's drawn shrinkage share (behaviours/workforce.py)
        self.shrinkage_share: dict[str, float] = {}
        self.journeys = None  # the customer-journey behaviour, when on (behaviours/journeys.py)

        # Build the behaviours the scenario switches on (lower layers first: a staffing change
        # like shrinkage comes before chat seats multiply it), then compose their stages.
        self.behaviours: list[Behaviour] = [b for cls in sorted(behaviours, key=lambda c: c.layer) for b in cls.build(self)]
        self._compose()
        self.contact_class = JourneyContact if self.behaviours else Contact
        # What an arrival of each type needs, gathered once (after behaviours may have wrapped the
        # draws): one list index per arrival instead of five.
        self.arrival_kit = [
            (self.handle_draw[k], self.patience_draw[k], self._offered[k], self.only_pool_free[k], self.contact_class) for k in range(self.n_types)
        ]
        # Shared callback tuples: SimPy iterates an event's callbacks and then drops the reference,
        # so one immutable tuple per handler serves every event of that kind without allocation.
        self._cb_give_up = (self.give_up,)
        self._cb_end = (self.service_end,)
        self._cb_boundary = (self._on_boundary,)

    def _compose(self) -> None:
        """Set each stage's handler: the engine's own, wrapped by each behaviour that wraps it,
        lower layers first. Per-type stages get one handler per contact type: a behaviour of one
        type wraps its type's, any other every type's."""
        handlers = {stage: getattr(self, f"_{stage}") for stage in ENGINE_STAGES}
        for behaviour in self.behaviours:  # already in layer order
            for stage in behaviour.wraps:
                if stage in handlers:
                    handlers[stage] = getattr(behaviour, stage)(handlers[stage])
        # the queue door's own handler is routing itself (composed): no hop on every attempt
        own = {"arrive": self._arrive, "queue_door": handlers["route"], "after_service": self._after_service, "after_abandon": self._after_abandon}
        tables = {stage: [own[stage]] * self.n_types for stage in TYPE_STAGES}
        for behaviour in self.behaviours:
            for stage in behaviour.wraps:
                if stage in tables:
                    table, wrap = tables[stage], getattr(behaviour, stage)
                    for k in range(self.n_types) if behaviour.type_index is None else (behaviour.type_index,):
                        table[k] = wrap(table[k])
        for stage, handler in {**handlers, **tables}.items():
            setattr(self, stage, handler)
        self._work_is_plain = handlers["begin_work"] == self._begin_work
        # the plain arrival inlines the way in (arrive, queue door, route); a behaviour there needs the stages
        plain_way_in = all(h == self._arrive for h in tables["arrive"]) and all(h == self._route for h in tables["queue_door"])
        self._enter = self._arrival_plain if plain_way_in else self._arrival

    # --- arrivals -------------------------------------------------------------------------

    def _arrival_streams(self, type_name: str) -> list[np.random.Generator]:
        """The random stream of each interval's arrivals of a type: one for the replication, or on a
        dated horizon one per date, so a day's arrivals do not depend on the days before it (a
        plan changed on Tuesday leaves Wednesday's callers as they were)."""
        scenario, rep = self.scenario, self.replication
        horizon = scenario.horizon
        if horizon.start_date is None:
            return [streams.generator(scenario.seed, rep, "arrivals", type_name)] * horizon.n_intervals
        by_date = {d: streams.generator(scenario.seed, rep, "arrivals", f"{type_name}@{d.isoformat()}") for d in horizon.dates}
        return [by_date[d] for d in horizon.interval_dates()]

    def _arrival_times(self, rates_per_s: list[float], rngs: list[np.random.Generator]):
        """Piecewise-constant Poisson arrivals: a Poisson count per interval, placed uniformly.

        Generated one interval at a time so memory does not grow with the horizon; the chunks are
        chained in C, so taking the next arrival runs no Python frame.
        """
        factors = self.busyness_by_interval or [self.busyness] * len(rates_per_s)
        chunks = []
        if self.warmup_s > 0:
            chunks.append((0.0, self.warmup_s, rates_per_s[0] * factors[0], rngs[0]))
        chunks += [(self.warmup_s + i * self.interval_s, self.interval_s, r * f, g) for i, (r, f, g) in enumerate(zip(rates_per_s, factors, rngs))]

        def chunk(start: float, length: float, rate: float, rng: np.random.Generator) -> list[float]:
            return np.sort(rng.uniform(start, start + length, rng.poisson(rate * length))).tolist()

        return itertools.chain.from_iterable(itertools.starmap(chunk, chunks))

    def _arrivals(self) -> Iterator[tuple[float, int]]:
        """Every exogenous arrival as (time, contact type), in time order across types."""
        streams_ = [zip(times, itertools.repeat(type_index)) for type_index, times in enumerate(self.arrival_iters)]
        return streams_[0] if len(streams_) == 1 else heapq.merge(*streams_)

    def _arrival_plain(self, type_index: int) -> None:
        """An arrival when no behaviour acts on the way in: counted offered and routed, with the
        common case (one eligible pool with an idle agent) inlined."""
        handle_draw, patience_draw, offered, free, contact_class = self.arrival_kit[type_index]
        slot = self.current_slot
        contact = contact_class(type_index, self.env._now, slot, handle_draw(), patience_draw())
        offered[slot] += 1
        if free:
            self.answer(free.popleft(), contact)
        else:
            self.route(contact)

    def _arrival(self, type_index: int) -> None:
        handle_draw, patience_draw, _, _, contact_class = self.arrival_kit[type_index]
        self.arrive[type_index](contact_class(type_index, self.env._now, self.current_slot, handle_draw(), patience_draw()))

    def _arrive(self, contact: Contact) -> None:
        self.present(contact, self._first_attempts)

    def present(self, contact: Contact, origin: list[list[float]]) -> None:
        """An attempt reaches the center: count it offered, and how it came (``origin``: the
        counter rows of first attempts, redials, transfers in, ...), then its queue door."""
        type_index, slot = contact.type_index, contact.arrival_slot
        origin[type_index][slot] += 1
        self._offered[type_index][slot] += 1
        self.queue_door[type_index](contact)

    # --- routing --------------------------------------------------------------------------

    def _route(self, contact: Contact) -> None:
        """A contact wants an agent now: the longest-idle eligible agent takes it, or it queues."""
        best = longest_idle_pool(self.pools_for[contact.type_index])
        if best is not None:
            self.answer(best.free.popleft(), contact)
            return
        self.enqueue(contact)

    def enqueue(self, contact: Contact) -> None:
        """The contact waits in its queue, its patience timer running (or gives up at once)."""
        type_index = contact.type_index
        now = self.env._now
        if contact.patience <= 0:
            self.abandon(contact, now)
            return
        self.queue_level(type_index, now, +1)
        self.queues[type_index].append(contact)
        if contact.patience < INF:
            contact.callbacks = self._cb_give_up
            self.schedule(contact, NORMAL, contact.patience)

    def queue_level(self, queue: int, now: float, delta: int) -> None:
        """Time-weighted queue length and the interval maximum; called on every change."""
        n = self.waiting[queue]
        self._queue_area[queue][self.current_slot] += n * (now - self.queue_since[queue])
        self.queue_since[queue] = now
        n += delta
        self.waiting[queue] = n
        if delta > 0:
            row = self._max_queue[queue]
            if n > row[self.current_slot]:
                row[self.current_slot] = n

    def add_queue(self) -> int:
        """A queue beyond the contact types' own (a callback queue); its index. Its tally rows are
        kept during the day for the queue-length figures and dropped at the end."""
        tally = self.tally
        self.queues.append(deque())
        self.waiting.append(0)
        self.queue_since.append(0.0)
        for rows in tally.type_counters.values():
            rows.append([0] * tally.n_slots)
        tally.wait_hist.append([None] * tally.n_slots)
        return len(self.queues) - 1

    # --- giving up ------------------------------------------------------------------------

    def _give_up(self, contact: Contact) -> None:
        """A waiting contact's patience ran out (answered contacts' timers are cancelled in _answer)."""
        now = self.env._now
        self.queue_level(contact.type_index, now, -1)
        self.abandon(contact, now)

    def record_abandon(self, contact: Contact, now: float, outcome: str = "abandoned") -> None:
        """Count an abandon and its wait: the engine's ``abandon``, and for behaviours an abandon
        whose follow-up they handle themselves (a balk, a broken promise). ``outcome`` names it in
        the contact log."""
        contact.state = ABANDONED
        type_index, slot = contact.type_index, contact.arrival_slot
        wait = now - contact.arrived
        self._abandoned[type_index][slot] += 1
        self._wait_all[type_index][slot] += wait
        if wait <= self.short_abandon_s[type_index]:
            self._short_abandoned[type_index][slot] += 1
        self.tally.record_wait(type_index, slot, wait)
        if self.records is not None:
            self.log_contact(contact, None, now, None, outcome)

    _abandon = record_abandon

    def _after_abandon(self, contact: Contact, now: float, balked: bool) -> None:
        self.journeys.abandoned(contact.customer)

    # --- work -----------------------------------------------------------------------------

    def _answer(self, agent: Agent, contact: Contact) -> None:
        now = self.env._now
        contact.state = SERVED
        contact.answered = now
        type_index, slot = contact.type_index, contact.arrival_slot
        wait = now - contact.arrived
        self._answered[type_index][slot] += 1
        if wait:
            contact.callbacks = ()  # cancels its abandonment timer, if it has one
            self._wait_answered[type_index][slot] += wait
            self._wait_all[type_index][slot] += wait
            if wait <= self.sl_seconds[type_index]:
                self._within_sl[type_index][slot] += 1
            self.tally.record_wait(type_index, slot, wait)
        else:  # answered at once, the common case: one count (Tally.freeze adds it to within_sl and the histogram)
            self._answered_at_once[type_index][slot] += 1
        if self._work_is_plain:  # _begin_work inlined: it runs once per contact, and a call costs ~8% of one
            pool = agent.pool
            pool.busy_row[self.current_slot] += self.slot_end - now
            pool.busy += 1
            agent.contact = contact
            agent.callbacks = self._cb_end
            self.schedule(agent, NORMAL, contact.handle)
        else:
            self.begin_work(agent, contact, contact.handle)

    def _begin_work(self, agent: Agent, contact: Contact, seconds: float) -> None:
        """Keep ``agent`` busy with ``contact`` for ``seconds`` from now; its end is a service end."""
        pool = agent.pool  # busy_change(pool, now, +1) inlined: it runs once per contact
        pool.busy_row[self.current_slot] += self.slot_end - self.env._now
        pool.busy += 1
        agent.contact = contact
        agent.callbacks = self._cb_end
        self.schedule(agent, NORMAL, seconds)

    def extend_work(self, agent: Agent, seconds: float) -> None:
        """The agent's work goes on for ``seconds`` more from now (after-contact work): it stays
        busy, and its end is a service end again."""
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
        pool.busy_row[self.current_slot] += delta * (self.slot_end - now)
        pool.busy += delta

    def staffed_level(self, pool: Pool, now: float) -> None:
        """Integrate staffed agents up to now; call before ``pool.staffed`` changes."""
        pool.staffed_row[self.current_slot] += pool.staffed * (now - pool.staffed_since)
        pool.staffed_since = now

    def _service_end(self, agent: Agent) -> None:
        pool = agent.pool
        now = self.env._now
        pool.busy_row[self.current_slot] -= self.slot_end - now  # busy_change(pool, now, -1) inlined
        pool.busy -= 1
        if self.records is not None:
            self.log_served(agent.contact, now, pool.index)
        agent.contact = None
        if pool.pending_leave:
            if self.closed_slot[self.current_slot] and self._take_live(agent, now):
                return
            self.staffed_level(pool, now)
            pool.pending_leave -= 1
            pool.staffed -= 1
            return
        self.find_work(agent, now)

    def _log_served(self, contact: Contact, now: float, pool_index: int, outcome: str = "answered") -> None:
        """The contact-log row of a contact whose service ends now (records on only)."""
        self.log_contact(contact, contact.answered, now, pool_index, outcome)

    def log_contact(self, contact: Contact, answered: float | None, ended: float, pool_index: int | None, outcome: str) -> None:
        """Append the contact-log row of a contact that ends now (records on only). Rows are
        numbered as they are written; a customer is known by its first contact's number, whose row
        is always written before the customer's next contact arrives (a redial follows an abandon,
        a transfer a service)."""
        row = len(self.records) + 1
        customer = contact.customer if self.journeys is not None else None
        first = row if customer is None else self.first_rows.setdefault(customer, row)
        self.records.append((contact.type_index, contact.arrived, answered, ended, pool_index, row, first, outcome))

    def _after_service(self, contact: Contact) -> None:
        self.journeys.answered(contact.customer)

    def _find_work(self, agent: Agent, now: float) -> None:
        """A free agent takes the oldest contact of its best skill level with someone waiting."""
        queues, waiting = self.queues, self.waiting
        # groups hold queue indices: a contact type's own queue, or a callback queue
        for group in agent.pool.skill_groups:
            best = None
            for queue in group:
                if waiting[queue]:
                    line = queues[queue]
                    while line[0].state != WAITING:  # lazily drop answered/abandoned entries
                        line.popleft()
                    if best is None or line[0].arrived < best.arrived:
                        best = line[0]
                        best_queue = queue
            if best is not None:
                queues[best_queue].popleft()
                self.queue_level(best_queue, now, -1)
                self.answer(agent, best)
                return
        agent.idle_since = now
        agent.pool.free.append(agent)

    def _take_live(self, agent: Agent, now: float) -> bool:
        """After a day's close, an agent about to leave first takes the oldest live contact still
        waiting for its pool, as at the end of any day: the center empties its live queues (the
        staffed time counts), while written work waits in its backlog for the next open day."""
        queues, waiting = self.queues, self.waiting
        live = [q for q in self.live_queues[agent.pool.index] if waiting[q]]
        if not live:
            return False
        for q in live:
            line = queues[q]
            while line[0].state != WAITING:
                line.popleft()
        queue = min(live, key=lambda q: queues[q][0].arrived)
        contact = queues[queue].popleft()
        self.queue_level(queue, now, -1)
        self.answer(agent, contact)
        return True

    # --- staffing and intervals -----------------------------------------------------------

    def _new_agent(self, pool: Pool) -> Agent:
        return Agent(pool)

    def set_staff(self, pool: Pool, target: int) -> None:
        """Move a pool to ``target`` agents; busy agents who must go finish their work first."""
        now = self.env._now
        self.staffed_level(pool, now)
        current = pool.staffed - pool.pending_leave
        if target > current:
            add = target - current
            back = min(add, pool.pending_leave)
            pool.pending_leave -= back
            for _ in range(add - back):
                pool.staffed += 1
                self.find_work(self.new_agent(pool), now)
        elif target < current:
            remove = current - target
            while remove and pool.free:
                pool.free.pop()  # the most recently freed agent leaves first
                pool.staffed -= 1
                remove -= 1
            pool.pending_leave += remove

    def wake_after(self, delay: float, handlers: tuple, subject) -> None:
        """Call each of ``handlers`` with a ``Wake`` carrying ``subject``, ``delay`` seconds from now."""
        wake = Wake(subject)
        wake.callbacks = handlers
        self.schedule(wake, NORMAL, delay)

    def _on_boundary(self, boundary: Boundary) -> None:
        """Start of interval ``boundary.interval`` (or the close, when it equals n)."""
        i = boundary.interval
        now = self.env._now
        for pool in self.pools:
            self.staffed_level(pool, now)
        for queue in range(len(self.queues)):
            self.queue_level(queue, now, 0)
        self.current_slot = i + 1
        # the drain after the close has no end: its reference time is its start (see busy_change)
        self.slot_end = now + self.interval_s if i < self.n else now
        for pool in self.pools:
            pool.busy_row[self.current_slot] += pool.busy * (self.slot_end - now)
        for queue, n in enumerate(self.waiting):
            self._max_queue[queue][self.current_slot] = n
        if i < self.n:
            for pool in self.pools:
                if pool.staffing is not None:  # None: a behaviour moves this pool's staff (shifts)
                    self.set_staff(pool, pool.staffing[i])
            boundary.callbacks = self._cb_boundary
            boundary.interval = i + 1
            self.schedule(boundary, NORMAL, self.interval_s)

    # --- run ------------------------------------------------------------------------------

    def run(self) -> ReplicationStats:
        started = time.perf_counter()
        for pool in self.pools:
            if pool.staffing is not None:
                self.set_staff(pool, pool.staffing[0])  # the warm-up runs with the first interval's staff
        for behaviour in self.behaviours:
            behaviour.start()
        boundary = Boundary(0)
        boundary.callbacks = self._cb_boundary
        self.schedule(boundary, NORMAL, self.warmup_s)
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
        self._finish(stats)
        stats.wall_time_s = time.perf_counter() - started
        stats.records = self.records
        return stats

    def _drive(self) -> None:
        """``env.run()`` with the arrival stream merged in: before each arrival, SimPy steps through
        every event due at or before it; then the clock moves to the arrival and the contact enters."""
        env = self.env
        queue, step, enter = env._queue, env.step, self._enter
        for t, type_index in self._arrivals():
            while queue and queue[0][0] <= t:
                step()
            env._now = t
            enter(type_index)
        env.run()  # what remains after the last arrival

    def _strand_remaining(self) -> None:
        """Contacts still waiting when nothing can happen any more (no agent will come back)
        are counted abandoned at that moment, so ``offered == answered + abandoned`` always holds."""
        now = self.env._now
        self.closing = True
        for queue, line in enumerate(self.queues):
            for contact in line:
                if contact.state == WAITING:
                    self.queue_level(queue, now, -1)
                    self.abandon(contact, now)
            line.clear()

    def _finish(self, stats: ReplicationStats) -> None:
        """The day's figures beyond the tally: extra queues' rows dropped, each behaviour's own,
        customers (one per contact unless journeys count them), agents in people and the plan."""
        n = self.n_types
        if len(self.queues) > n:
            stats.counters = {key: rows[:n] for key, rows in stats.counters.items()}
            stats.day_wait_hist = stats.day_wait_hist[:n]
            stats.wait_quantiles = {q: rows[:n] for q, rows in stats.wait_quantiles.items()}
        for behaviour in self.behaviours:
            behaviour.finish(stats)
        if self.journeys is None:  # without repeat attempts each offered contact is one customer
            counters = stats.counters
            for customer_key, contact_key in (
                ("first_attempts", "offered"),
                ("customers", "offered"),
                ("customers_answered", "answered"),
                ("customers_abandoned", "abandoned"),
                ("customers_within_sl", "within_sl"),
            ):
                counters[customer_key] = counters[contact_key].copy()
        horizon = self.scenario.horizon
        plan = np.array(
            [
                shift_staffing(cfg.shifts, horizon) if cfg.shifts is not None else cfg.staffing(horizon)
                for cfg in self.scenario.agent_pools.values()
            ],
            float,
        )
        levels = stats.pool_levels
        seats = np.array([self.seats_per_agent.get(p, 1) for p in range(len(self.pools))], float)[:, None]
        levels["agents_area"] = levels["staffed_area"] / seats
        levels["scheduled_area"] = plan * horizon.interval_s
        if self.shrinkage_share:
            stats.extra["shrinkage_share"] = dict(self.shrinkage_share)
        stats.extra["busyness"] = self.busyness

