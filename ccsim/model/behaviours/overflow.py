"""Routing as real ACDs do it: overflow rings that widen as a contact waits, and weighted waiting.

A pool's skill may carry an overflow ring, ``{level, after: 30}``: the pool takes that type's
contacts only once they have waited ``after`` seconds in their current queue (Genesys bullseye
rings, Avaya expert/overflow vectors, ContactCenters' router with delays). So:

- an arriving contact is answered at once only by pools whose ring for its type is 0;
- when its wait reaches a pool's ``after``, it becomes eligible there: if an agent of that pool is
  free at that moment it is answered then, not at the next service end;
- a free agent looks only at contacts eligible for its pool: a queue's head is, when it has
  waited at least the pool's ``after`` (the contacts behind it have waited less).

``wait_weight`` on a contact type changes what a free agent takes among the queues it serves at the
same skill level: the head with the largest ``wait_weight x seconds waited`` (all 1 = the oldest
first, the engine's own rule, which then stays in charge). Callback queues are served with their
type's weight and no ring.

The behaviour also counts who answered what: ``answered_by_pool`` (per type and pool) and
``overflowed`` (answers through a ring with ``after`` > 0).
"""

from __future__ import annotations

import numpy as np

from ..entities import WAITING
from ..routing import callback_queues, longest_idle_pool
from ..seam import Behaviour


def _has_rings(scenario) -> bool:
    return any(skill.after > 0 for pool in scenario.agent_pools.values() for skill in pool.skill_details.values())


class Overflow(Behaviour):
    name = "overflow_routing"
    layer = 38  # inside the journey, outside the callback door: kept callbacks are counted by pool too
    wraps = ("route", "find_work", "answer")
    counters = ("overflowed",)  # answered by a pool through a ring with after > 0
    metrics = ("overflowed", "answered_by_pool")

    @staticmethod
    def switched_on(scenario) -> bool:
        return _has_rings(scenario) or any(ct.wait_weight != 1 for ct in scenario.contact_types.values())

    def __init__(self, engine):
        super().__init__(engine)
        scenario = engine.scenario
        names = scenario.type_names
        n_types = len(names)
        details = [cfg.skill_details for cfg in scenario.agent_pools.values()]
        #: per type, the pools that may answer at once, and the rings [(after, pools)] in order
        self.at_once = [[pool for pool, d in zip(engine.pools, details) if d.get(name) and d[name].after == 0] for name in names]
        self.rings = []
        for name in names:
            afters = sorted({d[name].after for d in details if name in d and d[name].after > 0})
            self.rings.append([(after, [pool for pool, d in zip(engine.pools, details) if name in d and d[name].after == after]) for after in afters])
        # per pool, per queue (the types' own, then callback queues): the ring and the weight
        type_of_queue = list(range(n_types)) + sorted(callback_queues(scenario), key=callback_queues(scenario).get)
        weights = [ct.wait_weight for ct in scenario.contact_types.values()]
        self.queue_weight = [weights[t] for t in type_of_queue]
        self.queue_after = [
            [d[names[t]].after if q < n_types and names[t] in d else 0.0 for q, t in enumerate(type_of_queue)] for d in details
        ]
        self.weighted = any(w != 1 for w in weights)
        #: answered contacts per type, pool and tally slot; summed into the day's figures at the end
        self.by_pool = np.zeros((n_types, len(engine.pools), engine.tally.n_slots))
        self.tracking = _has_rings(scenario)

    def route(self, inner):
        engine, at_once, rings = self.engine, self.at_once, self.rings
        overflowed = engine.counters["overflowed"]

        def ring_handlers(pools):
            def ring_opens(wake) -> None:
                contact = wake.subject
                if contact.state != WAITING:
                    return
                best = longest_idle_pool(pools)
                if best is not None:  # answered the moment it becomes eligible here
                    engine.queue_level(contact.type_index, engine.env.now, -1)
                    overflowed[contact.type_index][contact.arrival_slot] += 1
                    engine.answer(best.free.popleft(), contact)

            return (ring_opens,)

        handlers = [[(after, ring_handlers(pools)) for after, pools in type_rings] for type_rings in rings]

        def route(contact) -> None:
            type_index = contact.type_index
            if not rings[type_index]:
                inner(contact)
                return
            best = longest_idle_pool(at_once[type_index])
            if best is not None:
                engine.answer(best.free.popleft(), contact)
                return
            engine.enqueue(contact)
            if contact.state == WAITING:
                for after, ring_opens in handlers[type_index]:
                    if after < contact.patience:  # past its patience it will have gone
                        engine.wake_after(after, ring_opens, contact)

        return route

    def find_work(self, inner):
        engine, queue_after, queue_weight = self.engine, self.queue_after, self.queue_weight
        queues, waiting = engine.queues, engine.waiting
        overflowed = engine.counters["overflowed"]
        plain = [not self.weighted and not any(after) for after in queue_after]

        def find_work(agent, now: float) -> None:
            pool = agent.pool
            if plain[pool.index]:
                inner(agent, now)
                return
            after = queue_after[pool.index]
            for group in pool.skill_groups:
                best, best_score = None, -1.0
                for queue in group:
                    if waiting[queue]:
                        line = queues[queue]
                        while line[0].state != WAITING:  # lazily drop answered/abandoned entries
                            line.popleft()
                        waited = now - line[0].arrived
                        if waited >= after[queue] and queue_weight[queue] * waited > best_score:
                            best, best_queue, best_score = line[0], queue, queue_weight[queue] * waited
                if best is not None:
                    queues[best_queue].popleft()
                    engine.queue_level(best_queue, now, -1)
                    if after[best_queue] > 0:
                        overflowed[best.type_index][best.arrival_slot] += 1
                    engine.answer(agent, best)
                    return
            agent.idle_since = now
            pool.free.append(agent)

        return find_work

    def answer(self, inner):
        if not self.tracking:
            return inner
        by_pool = self.by_pool

        def answer(agent, contact) -> None:
            by_pool[contact.type_index, agent.pool.index, contact.arrival_slot] += 1
            inner(agent, contact)

        return answer

    def finish(self, stats) -> None:
        if self.tracking:
            stats.extra["answered_by_pool"] = self.by_pool
